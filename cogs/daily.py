"""Commands for daily fact posts: schedules, claimed posts, answers and streaks."""

from __future__ import annotations

from discord.ext import commands

from bot.client import MythOrFactBot


class Daily(commands.Cog):
    """Daily fact posts: schedules, claimed posts, answers and streaks."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Daily(bot))
