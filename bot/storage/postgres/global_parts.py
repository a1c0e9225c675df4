"""SQL for the servers' parts of the global board, inside a caller's transaction; part of the PostgreSQL store.

A server's part is written only while it takes part (a row in ``global_servers``), by whatever writes its scores;
the trigger of the global board's migration (``migrations/*_global_board.sql``) turns every change of a part into
the same change of the member's line on the board (the leaderboard of :data:`bot.storage.shared.GLOBAL_BOARD`).

Every writer of a part holds its server's score lock first (:func:`bot.storage.postgres.scores.lock_scores`), then
the board's lock (:data:`BOARD_LOCK`, taken by ``global_board_lock()``): the board's rank buckets are shared by all
servers, and writers locking them in different orders would deadlock. Joining and leaving hold the same two locks,
so a round is counted exactly when its server takes part, whichever process records it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import asyncpg

from bot.core.global_board import global_week
from bot.core.scores import ALL_TIME, PlayerResult
from bot.storage.shared import GLOBAL_BOARD, global_part_rows, joining_part_rows

BOARD_LOCK = f"scores:{GLOBAL_BOARD}"
"""The advisory lock of the global board's rows (named like a server's score lock)."""

UPSERT_PART_TAIL = """
    ON CONFLICT (guild_id, period, user_id) DO UPDATE SET
        points = g.points + excluded.points, correct = g.correct + excluded.correct, rounds = g.rounds + 1
"""
_UPSERT_PART = f"""
    INSERT INTO global_parts AS g (guild_id, period, user_id, member_key, points, correct, rounds)
    VALUES ($1, $2, $3, $4, $5, $6, 1) {UPSERT_PART_TAIL}
"""


async def lock_board(conn: asyncpg.Connection) -> None:
    """Take the global board's lock until the transaction ends (after the server's own score lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", BOARD_LOCK)


async def add_global_parts(
    conn: asyncpg.Connection, guild_id: int, played_at: datetime, players: Iterable[PlayerResult], secret: str
) -> None:
    """Add players' results to the server's part of the global board, if it takes part (caller holds its lock)."""
    if await conn.fetchval("SELECT global_board_lock($1)", guild_id):
        await conn.executemany(_UPSERT_PART, global_part_rows(guild_id, global_week(played_at), players, secret))


async def join_global_board(conn: asyncpg.Connection, guild_id: int, secret: str, now: datetime) -> None:
    """Make a server take part: its all-time board joins the global one (its weekly part starts now).

    The caller holds the server's score lock, so no round of the server is recorded meanwhile.
    """
    await lock_board(conn)
    await conn.execute(
        "INSERT INTO global_servers (guild_id, joined_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", guild_id, now
    )
    rows = await conn.fetch(
        "SELECT user_id, points, correct, rounds FROM scores WHERE guild_id = $1 AND period = $2 ORDER BY user_id",
        guild_id,
        ALL_TIME,
    )
    await conn.executemany(
        """INSERT INTO global_parts (guild_id, period, user_id, member_key, points, correct, rounds)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
        joining_part_rows(guild_id, rows, secret),
    )


async def leave_global_board(conn: asyncpg.Connection, guild_id: int) -> None:
    """Take a server off the global board: its part goes at once (caller holds the server's score lock)."""
    await lock_board(conn)
    await conn.execute("DELETE FROM global_servers WHERE guild_id = $1", guild_id)
    await conn.execute("DELETE FROM global_parts WHERE guild_id = $1", guild_id)
