"""Commands for data control: forget-me, leaderboard resets, exports, uploaded packs and retention."""

from __future__ import annotations

from discord.ext import commands

from bot.client import MythOrFactBot


class Admin(commands.Cog):
    """Data control: forget-me, leaderboard resets, exports, uploaded packs and retention."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Admin(bot))
