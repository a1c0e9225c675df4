"""One error handler for prefix and slash invocations.

Order: unwrap discord.py's wrappers; domain errors (:class:`MythOrFactError`) and usage errors become a
short friendly message (ephemeral on slash); anything else is logged with its traceback and the user
gets a generic apology. No traceback ever reaches a user.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError, StorageUnavailable
from bot.core.i18n import _
from bot.core.text import clip
from cogs.utils.checks import FriendlyCheckFailure, permission_names

log = logging.getLogger(__name__)


def unwrap(error: BaseException) -> BaseException:
    """Strip discord.py's wrapper exceptions to reach the one that matters."""
    while True:
        if isinstance(error, commands.HybridCommandError | commands.CommandInvokeError):
            error = error.original
        elif isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
            error = error.__cause__ or error
            if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
                return error
        else:
            return error


def friendly_message(error: BaseException, ctx: commands.Context | None = None) -> str | None:
    """Return what to tell the user about ``error``, or ``None`` for an unexpected failure."""
    prefix = ctx.clean_prefix if ctx else "!"
    command = ctx.command.qualified_name if ctx and ctx.command else "help"
    usage = f"`{prefix}{command} {ctx.command.signature}`" if ctx and ctx.command else ""
    match error:
        case MythOrFactError() | FriendlyCheckFailure() | StorageUnavailable():
            return str(error)
        case commands.MissingRequiredArgument():
            return _("`{name}` is missing. Usage: {usage}", name=error.param.name, usage=usage)
        case commands.ChannelNotFound() | commands.RoleNotFound() | commands.MemberNotFound():
            shown = clip(error.argument, 60).replace("`", "'")
            if isinstance(error, commands.ChannelNotFound):
                return _(
                    "I can't find the channel `{name}`. Mention it (pick it from Discord's list), or give its id.",
                    name=shown,
                )
            if isinstance(error, commands.RoleNotFound):
                return _(
                    "I can't find the role `{name}`. Mention it (pick it from Discord's list), or give its id.",
                    name=shown,
                )
            return _(
                "I can't find the member `{name}`. Mention them (pick them from Discord's list), or give their id.",
                name=shown,
            )
        case (
            commands.BadArgument()
            | commands.BadLiteralArgument()
            | commands.BadUnionArgument()
            | commands.TooManyArguments()
            | commands.ArgumentParsingError()
        ):
            return _("I couldn't understand that. Usage: {usage}", usage=usage)
        case commands.CommandOnCooldown() | app_commands.CommandOnCooldown():
            return _("Slow down a little: try again in {seconds} s.", seconds=round(error.retry_after))
        case commands.NotOwner():
            return _("Only the bot's owners can use this command.")
        case commands.MissingPermissions() | app_commands.MissingPermissions():
            return _(
                "You need the **{permission}** permission to do that.",
                permission=permission_names(error.missing_permissions),
            )
        case commands.BotMissingPermissions() | app_commands.BotMissingPermissions():
            return _(
                "I need the **{permission}** permission in this channel.",
                permission=permission_names(error.missing_permissions),
            )
        case commands.NoPrivateMessage() | app_commands.NoPrivateMessage():
            return _("This command only works in a server.")
        case commands.CheckFailure() | app_commands.CheckFailure():
            return _("You can't use this command here.")
        case discord.Forbidden():
            return _("Discord refused that because I am missing a permission here.")
    return None


class Errors(commands.Cog):
    """Turns command errors into friendly replies."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot
        bot.tree.on_error = self.on_app_command_error

    async def cog_unload(self) -> None:
        """Restore discord.py's default app command error handler."""
        self.bot.tree.on_error = app_commands.CommandTree.on_error.__get__(self.bot.tree)

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context[MythOrFactBot], error: commands.CommandError) -> None:
        """Answer prefix and hybrid command errors."""
        if isinstance(error, commands.CommandNotFound):
            return  # Someone typed the prefix in conversation; stay quiet.
        original = unwrap(error)
        message = friendly_message(original, ctx)
        if isinstance(original, StorageUnavailable):
            command = ctx.command.qualified_name if ctx.command else "?"
            log.error("Database unavailable, %s not saved: %s", command, original.cause)
        if message is None:
            invoked = f"/{ctx.command}" if ctx.interaction else (ctx.message.content[:200] if ctx.message else "?")
            log.error("Command %r failed in guild %s", invoked, ctx.guild.id if ctx.guild else "DM", exc_info=original)
            message = _("Sorry, something went wrong on my side. Please try again in a moment.")
        await self._reply(ctx.interaction, ctx, message)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Answer errors of pure slash commands (hybrid ones arrive at on_command_error)."""
        original = unwrap(error)
        message = friendly_message(original)
        command = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(original, StorageUnavailable):
            log.error("Database unavailable, /%s not saved: %s", command, original.cause)
        if message is None:
            log.error("Slash command /%s failed", command, exc_info=original)
            message = _("Sorry, something went wrong on my side. Please try again in a moment.")
        await self._reply(interaction, None, message)

    async def _reply(self, interaction: discord.Interaction | None, ctx: commands.Context | None, message: str) -> None:
        message = clip(message, 2000)
        try:
            if interaction is not None:
                if interaction.response.is_done():
                    await interaction.followup.send(message, ephemeral=True)
                else:
                    await interaction.response.send_message(message, ephemeral=True)
            elif ctx is not None:
                await ctx.send(message)
        except discord.HTTPException as exc:
            log.warning("Could not deliver an error message: %s", exc)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Errors(bot))
