"""The help command: every command with a one-line description, in prefix and slash form, grouped by who uses it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError
from bot.core.i18n import _
from bot.core.text import clip
from cogs.utils import render
from cogs.utils.checks import is_moderator_command

FIELD_LIMIT = 1024


def command_usage(command: commands.Command, prefix: str) -> str:
    """Render one command as ``!name <args>`` (and ``/name`` when it is also a slash command)."""
    usage = f"`{prefix}{command.qualified_name}{' ' + command.signature if command.signature else ''}`"
    if isinstance(command, commands.HybridCommand | commands.HybridGroup):
        usage += f" · `/{command.qualified_name}`"
    return usage


def command_line(command: commands.Command, prefix: str) -> str:
    """Render a command's usage, then its one-line description."""
    return f"{command_usage(command, prefix)}\n{short_description(command)}"


def short_description(command: commands.Command) -> str:
    """Return a command's one-line description (its docstring's first line) in the reader's language."""
    return _(command.short_doc) if command.short_doc else _("No description.")


def full_description(command: commands.Command) -> str:
    """Return a command's whole help text (its docstring) in the reader's language."""
    return _(command.help) if command.help else short_description(command)


def summary_line(command: commands.Command, prefix: str) -> str:
    """Render a command on one line; a group also names its subcommands."""
    line = command_line(command, prefix).replace("\n", " · ")
    if isinstance(command, commands.Group):
        names = ", ".join(f"`{sub.name}`" for sub in sorted(command.commands, key=str) if not sub.hidden)
        line += " · " + _("Also: {names}", names=names)
    return line


def pack_fields(lines: list[str], title: str) -> list[tuple[str, str]]:
    """Split lines into embed fields of at most 1,024 characters, titled ``title`` then ``title (more)``."""
    fields: list[tuple[str, str]] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > FIELD_LIMIT:
            fields.append((title if not fields else _("{title} (more)", title=title), current))
            current = ""
        current = f"{current}\n{line}" if current else clip(line, FIELD_LIMIT)
    if current:
        fields.append((title if not fields else _("{title} (more)", title=title), current))
    return fields


class Meta(commands.Cog):
    """Help and information about the bot."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def _sections(self, ctx: commands.Context[MythOrFactBot], prefix: str) -> dict[str, list[str]]:
        play, moderators, owners = _("Play"), _("Moderators (Manage Server)"), _("Owners")
        sections: dict[str, list[str]] = {play: [], moderators: [], owners: []}
        is_owner = await self.bot.is_owner(ctx.author)
        for command in sorted(self.bot.commands, key=lambda c: c.qualified_name):
            if command.hidden:
                continue
            if command.cog_name == "Owner":
                if is_owner:
                    sections[owners].append(summary_line(command, prefix))
                continue
            section = moderators if is_moderator_command(command) else play
            sections[section].append(summary_line(command, prefix))
        return sections

    @commands.hybrid_command(name="help", extras={"private_reply": True})
    @app_commands.describe(command="A command to explain in detail, e.g. daily set")
    async def help_command(self, ctx: commands.Context[MythOrFactBot], *, command: str | None = None) -> None:
        """List the commands, or explain one of them."""
        guild_id = ctx.guild.id if ctx.guild else None
        prefix = ctx.clean_prefix if ctx.interaction is None else await self.bot.prefix_in(guild_id)
        if command:
            found = self.bot.get_command(command.strip().lstrip("/!").lower())
            if found is None or found.hidden:
                raise MythOrFactError(
                    _(
                        "There is no command called `{command}`. Try `{prefix}help`.",
                        command=clip(command, 50),
                        prefix=prefix,
                    )
                )
            embed = discord.Embed(title=f"{prefix}{found.qualified_name}", colour=render.INFO_COLOUR)
            details = f"{command_usage(found, prefix)}\n{full_description(found)}"
            if isinstance(found, commands.Group):
                details += "\n\n" + "\n".join(
                    command_line(sub, prefix).replace("\n", " · ") for sub in sorted(found.commands, key=str)
                )
            embed.description = clip(details, 4096)
            await ctx.send(embed=embed, ephemeral=True)
            return
        embed = discord.Embed(
            title=_("Myth or Fact: commands"),
            colour=render.INFO_COLOUR,
            description=_(
                "Every command works with the prefix `{prefix}` and most as a slash command. "
                "Arguments in <angle brackets> are required, [square brackets] optional. "
                "`{prefix}help <command>` explains one command.",
                prefix=prefix,
            ),
        )
        for title, lines in (await self._sections(ctx, prefix)).items():
            for name, value in pack_fields(lines, title):
                embed.add_field(name=name, value=value, inline=False)
        await ctx.send(embed=embed, ephemeral=True)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Meta(bot))
