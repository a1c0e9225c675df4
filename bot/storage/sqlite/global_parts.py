"""SQL for the servers' parts of the global board, inside a caller's write transaction.

A server's part is written only while it takes part (a row in ``global_servers``), by whatever writes its scores;
the triggers of the global board's migration (``migrations/*_global_board.sql``) turn every change of a part into
the same change of the member's line on the board (the leaderboard of :data:`bot.storage.shared.GLOBAL_BOARD`).
There is one writer at a time, so a check inside the transaction is the truth.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.core.global_board import global_week
from bot.core.scores import ALL_TIME, PlayerResult
from bot.storage.shared import global_part_rows, iso_moment, joining_part_rows

_UPSERT_PART = """
    INSERT INTO global_parts (guild_id, period, user_id, member_key, points, correct, rounds)
    VALUES (?, ?, ?, ?, ?, ?, 1)
    ON CONFLICT (guild_id, period, user_id) DO UPDATE SET
        points = points + excluded.points, correct = correct + excluded.correct, rounds = rounds + 1
"""


async def takes_part(conn: aiosqlite.Connection, guild_id: int) -> bool:
    """Return whether a server takes part in the global board."""
    rows = await conn.execute_fetchall("SELECT 1 FROM global_servers WHERE guild_id = ?", (guild_id,))
    return bool(list(rows))


async def add_global_parts(
    conn: aiosqlite.Connection, guild_id: int, played_at: datetime, players: Iterable[PlayerResult], secret: str
) -> None:
    """Add players' results to the server's part of the global board (all time and the UTC week), if it takes part."""
    if await takes_part(conn, guild_id):
        await conn.executemany(_UPSERT_PART, global_part_rows(guild_id, global_week(played_at), players, secret))


async def join_global_board(conn: aiosqlite.Connection, guild_id: int, secret: str, now: datetime) -> None:
    """Make a server take part: its all-time board joins the global one (its weekly part starts now)."""
    await conn.execute(
        "INSERT INTO global_servers (guild_id, joined_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (guild_id, iso_moment(now)),
    )
    rows = await conn.execute_fetchall(
        "SELECT user_id, points, correct, rounds FROM scores WHERE guild_id = ? AND period = ? ORDER BY user_id",
        (guild_id, ALL_TIME),
    )
    await conn.executemany(
        """INSERT INTO global_parts (guild_id, period, user_id, member_key, points, correct, rounds)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        joining_part_rows(guild_id, rows, secret),
    )


async def leave_global_board(conn: aiosqlite.Connection, guild_id: int) -> None:
    """Take a server off the global board: its part goes at once (the triggers take it off the members' lines)."""
    await conn.execute("DELETE FROM global_servers WHERE guild_id = ?", (guild_id,))
    await conn.execute("DELETE FROM global_parts WHERE guild_id = ?", (guild_id,))
