"""The SQLite implementation of :class:`bot.storage.base.FactStore`: every concern's queries over one connection."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path
from typing import IO

import aiosqlite

from bot.core.errors import StoreError
from bot.storage.sqlite import migrate
from bot.storage.sqlite.admin import AdminQueries
from bot.storage.sqlite.catalog import CatalogQueries
from bot.storage.sqlite.cluster import ClusterQueries
from bot.storage.sqlite.content import ContentQueries
from bot.storage.sqlite.daily import DailyQueries
from bot.storage.sqlite.review import ReviewQueries
from bot.storage.sqlite.rewards import RewardQueries
from bot.storage.sqlite.scores import ScoreQueries
from bot.storage.sqlite.teams import TeamQueries
from bot.storage.sqlite.transfer import TransferQueries


class ProcessLock:
    """An exclusive ``flock`` on the database file: one SQLite database serves one bot process.

    SQLite's own locks are POSIX record locks, which ``flock`` does not touch on Linux, so the lock stops a second
    bot process but not a backup, a restore check or SQLite itself.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    @classmethod
    def take(cls, database: Path) -> ProcessLock:
        """Lock the database for this process, or raise :class:`StoreError` if another process has it."""
        try:  # read-only is enough for flock, so a read-only database still opens (and is served)
            handle = os.fdopen(os.open(database, os.O_RDONLY | os.O_CREAT, 0o644), "rb")
        except OSError as exc:
            raise StoreError(f"cannot open the database {database}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StoreError(
                f"the database {database} is in use by another bot process; one SQLite database serves one process "
                "(several processes need PostgreSQL: see README, Running at scale)"
            ) from None
        return cls(handle)

    def release(self) -> None:
        """Unlock (closing the file releases the lock)."""
        self._handle.close()


async def open_reader(path: Path) -> aiosqlite.Connection:
    """Open the store's read connection: it may only read (``query_only``), and waits for locks like the writer."""
    reader = await aiosqlite.connect(str(path), isolation_level=None)
    reader.row_factory = aiosqlite.Row
    try:
        await reader.execute("PRAGMA query_only = ON")
        await reader.execute("PRAGMA busy_timeout = 5000")
    except BaseException:
        await reader.close()
        raise
    return reader


class SqliteStore(
    CatalogQueries,
    ScoreQueries,
    TeamQueries,
    DailyQueries,
    ContentQueries,
    AdminQueries,
    ReviewQueries,
    ClusterQueries,
    TransferQueries,
    RewardQueries,
):
    """Fact store on SQLite: one file (or memory), WAL mode, one writer at a time, one process."""

    _process_lock: ProcessLock | None = None

    @classmethod
    async def open(cls, path: Path | None) -> SqliteStore:
        """Open (creating if needed) the database at ``path`` (``None``: in memory) and migrate it."""
        lock = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the data directory {path.parent}: {exc.strerror}") from exc
            lock = ProcessLock.take(path)
        try:
            conn = await aiosqlite.connect(":memory:" if path is None else str(path), isolation_level=None)
        except Exception as exc:  # aiosqlite wraps the sqlite3 error
            if lock is not None:
                lock.release()
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
            if lock is not None:
                lock.release()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot use the database {path}: {exc}") from exc
        if path is None or lock is None:  # an in-memory database exists only on its one connection
            return cls(conn)
        try:
            reader = await open_reader(path)
        except Exception as exc:
            await conn.close()
            lock.release()
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        store = cls(conn, reader)
        store._process_lock = lock
        try:
            await store._checkpoint_in_background(str(path))
        except Exception as exc:
            await store.close()
            raise StoreError(f"cannot use the database {path}: {exc}") from exc
        return store

    async def close(self) -> None:
        """Close the connection and let another process open the file; safe to call twice."""
        await super().close()
        if self._process_lock is not None:
            self._process_lock.release()
            self._process_lock = None

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
