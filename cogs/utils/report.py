"""Telling a server's moderators about a problem the bot met on its own (a paused daily post or role reward)."""

from __future__ import annotations

import logging

import discord

from bot.app.client import MythOrFactBot
from bot.core.text import clip

log = logging.getLogger(__name__)


async def tell_moderators(bot: MythOrFactBot, guild_id: int, text: str) -> bool:
    """Post ``text`` in the server's log channel (or its system channel) if the bot may; return whether it did."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return False
    settings = await bot.store.server_settings(guild_id)
    target = guild.get_channel(settings.log_channel_id) if settings.log_channel_id else guild.system_channel
    if not isinstance(target, discord.TextChannel) or not target.permissions_for(guild.me).send_messages:
        log.info("Guild %s has nowhere I may report a problem", guild_id)
        return False
    await target.send(clip(text, 2000))
    return True
