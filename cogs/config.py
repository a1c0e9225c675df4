"""Moderator configuration: the `config` command group and the audit trail."""

from __future__ import annotations

from discord.ext import commands

from bot.client import MythOrFactBot


class Config(commands.Cog):
    """Server settings for moderators."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Config(bot))
