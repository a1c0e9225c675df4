"""Owner-only maintenance: syncing slash commands on purpose rather than on every start."""

from __future__ import annotations

import logging
from typing import Literal

from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.i18n import _, _n

log = logging.getLogger(__name__)


class Owner(commands.Cog):
    """Commands for the people who run the bot."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_check(self, ctx: commands.Context[MythOrFactBot]) -> bool:
        """Allow only the bot's owners (OWNER_IDS, or the application owner)."""
        if not await self.bot.is_owner(ctx.author):
            raise commands.NotOwner()
        return True

    @commands.command()
    async def sync(
        self, ctx: commands.Context[MythOrFactBot], scope: Literal["global", "here", "clear"] = "here"
    ) -> None:
        """Publish slash commands: to this server (instant), `global` (all servers), or `clear` this server's."""
        tree = self.bot.tree
        if scope == "global":
            synced = await tree.sync()
            await ctx.send(
                _n(
                    "Synced {count} slash command globally. Discord may take a while to show it.",
                    "Synced {count} slash commands globally. Discord may take a while to show them.",
                    len(synced),
                )
            )
        elif ctx.guild is None:
            await ctx.send(_("Use `sync global` in DMs, or run `sync` in a server."))
            return
        elif scope == "clear":
            tree.clear_commands(guild=ctx.guild)
            await tree.sync(guild=ctx.guild)
            await ctx.send(_("Removed this server's copy of the slash commands; the global ones remain."))
        else:
            tree.copy_global_to(guild=ctx.guild)
            synced = await tree.sync(guild=ctx.guild)
            await ctx.send(
                _n(
                    "Synced {count} slash command to this server.",
                    "Synced {count} slash commands to this server.",
                    len(synced),
                )
            )
        log.info("Slash commands synced (%s) by %s", scope, ctx.author.id)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Owner(bot))
