"""The garbage collector's settings for the long-running process (``python -m bot``), and its C heap."""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable

from discord.ext import commands

YOUNG_COLLECTION_THRESHOLD = 3_000
"""Allocations between two collections of the youngest objects. Python's default, 700, ran one every few commands;
20,000 cut that further but each collection then freed about 18,000 objects of a quiz's garbage in 25-30 ms."""


def settle_heap() -> None:
    """Collect what start-up left behind, then exempt everything still alive from later collections (``gc.freeze``).

    A ready session's caches (servers, channels, members, the store's items) live as long as the session, yet
    every full collection scanned them again. Unfreezing first lets the collector free the caches of a session
    that a new one replaces.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD)


def release_freed_memory() -> None:
    """Give the system back the pages the C heap holds free (glibc's ``malloc_trim``; nothing elsewhere).

    Loading the packs frees several megabytes (file contents, SQLite's pages and statements) that glibc keeps for
    later ``malloc`` calls, while Python's own objects live in arenas of their own: without this, that memory stays
    in the process for good (about 2 MB at 10,000 servers, see ``bench.process``).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's ``malloc_trim`` from the running process, or None where the C library has none."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def settle_heap_on_new_sessions(bot: commands.AutoShardedBot) -> None:
    """Hand back what start-up freed now; settle the heap once the bot is ready, and whenever a shard starts anew.

    Called after the packs are loaded and before the gateway connects, so what loading them freed is returned
    before the servers' caches grow.
    """
    release_freed_memory()

    async def on_ready() -> None:
        settle_heap()

    async def on_shard_ready(shard_id: int) -> None:
        if bot.is_ready():
            settle_heap()

    bot.add_listener(on_ready)
    bot.add_listener(on_shard_ready)
