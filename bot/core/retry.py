"""Trying a write again for a moment when the database is briefly unavailable (locked, restarting, failing over)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.core.errors import StorageUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_DELAYS = (0.2, 0.4, 0.8)
"""Seconds to wait before each further attempt: four attempts, 1.4 s of waiting in all (read at call time)."""


async def retry_unavailable(write: Callable[[], Awaitable[T]], what: str) -> T:
    """Run ``write()``; while it raises :class:`StorageUnavailable`, wait a moment and try again, a few times.

    The last attempt's :class:`StorageUnavailable` is raised for the caller to answer (and log) politely. A write
    that succeeds after failing is logged in one line naming ``what``.
    """
    retries = 0
    while True:
        try:
            result = await write()
        except StorageUnavailable as exc:
            delays = RETRY_DELAYS
            if retries >= len(delays):
                raise
            log.debug("%s: the database is unavailable (%s); trying again in %.1f s", what, exc.cause, delays[retries])
            await asyncio.sleep(delays[retries])
            retries += 1
            continue
        if retries:
            log.info("%s saved after %d retries (the database was briefly unavailable)", what, retries)
        return result
