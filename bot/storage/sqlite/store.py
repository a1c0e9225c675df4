"""The SQLite implementation of :class:`bot.storage.base.FactStore`: every concern's queries over one connection."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.core.errors import StoreError
from bot.storage.sqlite import migrate
from bot.storage.sqlite.admin import AdminQueries
from bot.storage.sqlite.catalog import CatalogQueries
from bot.storage.sqlite.content import ContentQueries
from bot.storage.sqlite.daily import DailyQueries
from bot.storage.sqlite.scores import ScoreQueries


class SqliteStore(CatalogQueries, ScoreQueries, DailyQueries, ContentQueries, AdminQueries):
    """Fact store on SQLite: one file (or memory), WAL mode, one writer at a time."""

    @classmethod
    async def open(cls, path: Path | None) -> SqliteStore:
        """Open (creating if needed) the database at ``path`` (``None``: in memory) and migrate it."""
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the data directory {path.parent}: {exc.strerror}") from exc
        try:
            conn = await aiosqlite.connect(":memory:" if path is None else str(path), isolation_level=None)
        except Exception as exc:  # aiosqlite wraps the sqlite3 error
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await migrate.migrate(conn)
        except Exception as exc:
            await conn.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot use the database {path}: {exc}") from exc
        return cls(conn)

    # -- running quizzes (crash recovery) ------------------------------------------------------

    async def record_running_quiz(self, session_id: str, guild_id: int, channel_id: int, started_at: datetime) -> None:
        """Note that a quiz is running, so a restart after a crash can close it with a message."""
        async with self._transaction() as conn:
            await conn.execute(
                """INSERT INTO running_quizzes (session_id, guild_id, channel_id, started_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (session_id) DO NOTHING""",
                (session_id, guild_id, channel_id, started_at.isoformat()),
            )

    async def forget_running_quiz(self, session_id: str) -> bool:
        """Remove a quiz that ended (or was closed after a restart); return whether it was still recorded."""
        async with self._transaction() as conn:
            cursor = await conn.execute("DELETE FROM running_quizzes WHERE session_id = ?", (session_id,))
            return cursor.rowcount > 0

    async def running_quizzes(self) -> list[tuple[str, int, int]]:
        """Return ``(session_id, guild_id, channel_id)`` of every quiz recorded as running, oldest first."""
        rows = await self._fetchall("SELECT session_id, guild_id, channel_id FROM running_quizzes ORDER BY started_at")
        return [(row["session_id"], row["guild_id"], row["channel_id"]) for row in rows]
