"""Commands for custom facts, suggestions, the review queue and hidden items."""

from __future__ import annotations

from discord.ext import commands

from bot.client import MythOrFactBot


class Content(commands.Cog):
    """Custom facts, suggestions, the review queue and hidden items."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Content(bot))
