"""Pooled connections go back to the pool without asyncpg's reset query, so they must carry no session state."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from bot.core.errors import StorageUnavailable
from bot.core.scores import PlayerResult, RoundRecord
from bot.storage.base import FactStore

GUILD = 1001
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WEEK = "2026-W48"

SESSION_STATE = """
    SELECT (SELECT COUNT(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') AS advisory_locks,
           (SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS state,
           (SELECT COUNT(*) FROM pg_cursors WHERE name <> '') AS cursors,
           (SELECT COUNT(*) FROM pg_listening_channels()) AS listening
"""


async def session_state_of_the_next_connection(store: FactStore) -> asyncpg.Record:
    """The session state of the connection the pool hands out next: the one used last (last in, first out)."""
    async with store._pool.acquire() as conn:  # type: ignore[attr-defined]
        return await conn.fetchrow(SESSION_STATE)


def a_round(key: str, item_pk: int = 1) -> RoundRecord:
    return RoundRecord(GUILD, key, item_pk, "animals", NOW, (PlayerResult(7, 30, True, 900, 1),), ("nearly",))


async def test_a_connection_goes_back_with_no_lock_transaction_cursor_or_listen(store: FactStore, backend: str):
    # Opening the store migrated it under a session lock; recording a round takes transaction-scoped ones.
    assert await store.record_round(a_round("r1"), WEEK)
    state = await session_state_of_the_next_connection(store)
    assert dict(state) == {"advisory_locks": 0, "state": "active", "cursors": 0, "listening": 0}


async def test_a_failed_write_leaves_no_open_transaction_behind(store: FactStore, backend: str):
    with pytest.raises((asyncpg.PostgresError, StorageUnavailable)):
        await store.record_round(a_round("bad", item_pk=999_999), WEEK)  # no such item
    state = await session_state_of_the_next_connection(store)
    assert state["advisory_locks"] == 0 and state["state"] == "active"
    assert await store.record_round(a_round("r2"), WEEK), "the connection is usable again"
