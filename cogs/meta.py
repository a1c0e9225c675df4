"""The help command: every command with a one-line description, in prefix and slash form."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MythOrFactBot
from bot.errors import MythOrFactError
from bot.text import clip
from cogs import render


def command_line(command: commands.Command, prefix: str) -> str:
    """Render one command as ``!name <args>`` (and ``/name`` when it is also a slash command)."""
    usage = f"`{prefix}{command.qualified_name}{' ' + command.signature if command.signature else ''}`"
    if isinstance(command, commands.HybridCommand | commands.HybridGroup):
        usage += f" · `/{command.qualified_name}`"
    return f"{usage}\n{command.short_doc or 'No description.'}"


class Meta(commands.Cog):
    """Help and information about the bot."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def _visible_commands(self, ctx: commands.Context[MythOrFactBot]) -> list[commands.Command]:
        visible = []
        for command in sorted(self.bot.commands, key=lambda c: c.qualified_name):
            if command.hidden:
                continue
            if command.cog_name == "Owner" and not await self.bot.is_owner(ctx.author):
                continue
            visible.append(command)
        return visible

    @commands.hybrid_command(name="help")
    @app_commands.describe(command="A command to explain in detail")
    async def help_command(self, ctx: commands.Context[MythOrFactBot], command: str | None = None) -> None:
        """List the commands, or explain one of them."""
        prefix = self.bot.config.command_prefix
        if command:
            found = self.bot.get_command(command.strip().lstrip("/!").lower())
            if found is None or found.hidden:
                raise MythOrFactError(f"There is no command called `{clip(command, 50)}`. Try `{prefix}help`.")
            embed = discord.Embed(title=f"{prefix}{found.qualified_name}", colour=render.INFO_COLOUR)
            embed.description = clip(command_line(found, prefix) + f"\n\n{found.help or ''}", 4096)
            await ctx.send(embed=embed, ephemeral=True)
            return
        embed = discord.Embed(
            title="Myth or Fact: commands",
            colour=render.INFO_COLOUR,
            description=(
                f"Every command works with the prefix `{prefix}` and most as a slash command. "
                "Arguments in <angle brackets> are required, [square brackets] optional."
            ),
        )
        for cmd in (await self._visible_commands(ctx))[:25]:
            name, _, description = command_line(cmd, prefix).partition("\n")
            embed.add_field(name=clip(name, 256), value=clip(description, 1024), inline=False)
        await ctx.send(embed=embed, ephemeral=True)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Meta(bot))
