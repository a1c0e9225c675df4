"""The bot's own permissions in each channel, worked out once and kept until something changes them.

Every prefix command checks that the bot may post embeds where it was asked (so the member hears which
permission is missing instead of nothing). discord.py works the permissions out from the server's roles and the
channel's overwrites each time, which is a good part of a cheap command's cost; they change only when a channel,
a thread, a role, the server or the bot's own member changes, and each of those is a gateway event that clears
what is kept. Kept permissions also expire after :data:`KEEP_SECONDS`, in case an event was missed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import discord
from discord.ext import commands

KEEP_SECONDS = 60.0
"""The longest a channel's permissions are kept without being worked out again."""
MAX_CHANNELS = 10_000
"""Channels kept at most; past that, everything kept is dropped and worked out again as needed."""
CHANGES = (
    "on_guild_channel_update",
    "on_guild_channel_delete",
    "on_thread_update",
    "on_thread_delete",
    "on_guild_role_update",
    "on_guild_role_delete",
    "on_guild_update",
    "on_guild_available",
    "on_guild_remove",
    "on_member_update",
    "on_shard_ready",
    "on_shard_resumed",
)
"""The events after which anything kept may be out of date (events are rare next to commands: all is dropped)."""

Channel = discord.abc.GuildChannel | discord.Thread


class OwnPermissions:
    """The bot's permissions per channel, kept between the events that change them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kept: dict[int, tuple[float, discord.Member, discord.Permissions]] = {}

    def install(self, bot: commands.Bot) -> None:
        """Drop what is kept on every event in :data:`CHANGES`."""
        for event in CHANGES:
            bot.add_listener(self._changed, event)

    async def _changed(self, *_: object) -> None:
        self.forget()

    def forget(self) -> None:
        """Drop everything kept (the next check works the permissions out again)."""
        self._kept.clear()

    def in_channel(self, channel: Channel, me: discord.Member) -> discord.Permissions:
        """Return ``channel.permissions_for(me)``, worked out at most once per change (or :data:`KEEP_SECONDS`)."""
        now = self._clock()
        kept = self._kept.get(channel.id)
        if kept is not None and kept[0] > now and kept[1] is me:
            return kept[2]
        granted = channel.permissions_for(me)
        if me.timed_out_until is not None:
            return granted  # a timeout ends without an event: not kept
        if len(self._kept) >= MAX_CHANNELS:
            self._kept.clear()
        self._kept[channel.id] = (now + KEEP_SECONDS, me, granted)
        return granted
