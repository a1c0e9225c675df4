"""Reads see only committed data, on every backend: a write transaction still open is invisible to other reads.

The write transaction is held open through the store's own ``_transaction`` (the one every write method uses), so
that another task can read while it is open; that task reads through the store's public methods.
"""

from __future__ import annotations

import asyncio

from bot.core.scores import ALL_TIME
from bot.storage.base import FactStore
from bot.storage.postgres.database import PostgresDatabase

GUILD = 1001
USER = 77


async def insert_score(store: FactStore, conn: object, points: int) -> None:
    """Insert one all-time score row on the transaction's connection (each driver has its own placeholders)."""
    if isinstance(store, PostgresDatabase):
        sql = "INSERT INTO scores (guild_id, period, user_id, points, correct, rounds) VALUES ($1, $2, $3, $4, 1, 1)"
        await conn.execute(sql, GUILD, ALL_TIME, USER, points)  # type: ignore[attr-defined]
    else:
        sql = "INSERT INTO scores (guild_id, period, user_id, points, correct, rounds) VALUES (?, ?, ?, ?, 1, 1)"
        await conn.execute(sql, (GUILD, ALL_TIME, USER, points))  # type: ignore[attr-defined]


async def what_others_read(store: FactStore) -> tuple[int, list[int], bool]:
    """Players counted, user ids on the first page, and whether USER has a rank: what any other command would see."""
    rows = await store.top_scores(GUILD, ALL_TIME)
    rank = await store.member_rank(GUILD, ALL_TIME, USER)
    return await store.count_players(GUILD, ALL_TIME), [row.user_id for row in rows], rank is not None


async def test_a_read_during_an_open_write_transaction_does_not_see_its_rows(store: FactStore):
    inserted, read_done = asyncio.Event(), asyncio.Event()
    seen: list[tuple[int, list[int], bool]] = []

    async def other_member() -> None:  # another command, running while the write is under way
        await inserted.wait()
        seen.append(await what_others_read(store))
        read_done.set()

    reader = asyncio.create_task(other_member())
    async with store._transaction() as conn:  # type: ignore[attr-defined]
        await insert_score(store, conn, 50)
        assert (await store.member_rank(GUILD, ALL_TIME, USER)) is not None, "the writer sees its own row"
        inserted.set()
        await asyncio.wait_for(read_done.wait(), 10)
    await reader
    assert seen == [(0, [], False)], "the uncommitted row was visible to another read"
    assert await what_others_read(store) == (1, [USER], True), "visible once committed"


async def test_a_rolled_back_write_is_never_seen(store: FactStore):
    class Abandon(Exception):
        pass

    try:
        async with store._transaction() as conn:  # type: ignore[attr-defined]
            await insert_score(store, conn, 50)
            raise Abandon
    except Abandon:
        pass
    assert await what_others_read(store) == (0, [], False)
