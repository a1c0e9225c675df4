"""Guards: the server's channel allow-list and the moderator rule, checked before every command."""

from __future__ import annotations

from discord.ext import commands

from bot.app.client import MythOrFactBot
from cogs.utils.checks import channel_allowed


class Guards(commands.Cog):
    """Installs the global command check (see :func:`cogs.utils.checks.channel_allowed`)."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Check every command, prefix and slash, against the server's rules."""
        self.bot.add_check(channel_allowed)

    async def cog_unload(self) -> None:
        """Stop checking (a reload adds the check again)."""
        self.bot.remove_check(channel_allowed)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Guards(bot))
