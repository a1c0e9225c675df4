"""Checkpointing the SQLite WAL in the background, so no write waits for it.

SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1,000 pages: that one write then
copies the whole WAL back into the database file, which set the p99 of recording a round (about 9 ms against a
median of 0.5 ms). The store turns it off on its write connection (``PRAGMA wal_autocheckpoint = 0``) and a
:class:`WalCheckpointer` runs ``PRAGMA wal_checkpoint(PASSIVE)`` on a connection of its own a moment after
writes, which copies committed pages without taking the write lock, so writers carry on meanwhile.

SQLite starts the WAL over (rather than appending to it) only when a write transaction begins after a checkpoint
has copied all of it; under writes that never pause, a passive checkpoint always finishes while the next write is
already under way, so the WAL would grow without end. So when the WAL holds more than :data:`WAL_BACKSTOP_FRAMES`
pages, the checkpoint runs again at once holding the store's write lock (writes wait for it, once), and the write
after it starts the WAL over. On close the WAL is checkpointed in full and truncated (``TRUNCATE``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

import aiosqlite

log = logging.getLogger(__name__)

CHECKPOINT_DELAY_SECONDS = 1.0
"""How long after the first write since the last checkpoint the next one runs (writes in between join it)."""
WAL_BACKSTOP_FRAMES = 16_384
"""WAL pages (64 MiB at SQLite's 4 KiB pages) above which a checkpoint is repeated holding the write lock."""
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
"""``journal_size_limit``: a WAL that grew larger is cut back to this when SQLite starts it over."""


class WalCheckpointer:
    """Runs WAL checkpoints for one database from its own connection and task, off the write path."""

    def __init__(self, conn: aiosqlite.Connection, write_lock: asyncio.Lock) -> None:
        self._conn = conn
        self._write_lock = write_lock
        self._written = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.checkpoints = 0
        """How many checkpoints ran (for tests and logs)."""

    @classmethod
    async def open(cls, path: str, write_lock: asyncio.Lock) -> WalCheckpointer:
        """Open the checkpoint connection to the database at ``path`` and start the background task."""
        conn = await aiosqlite.connect(path, isolation_level=None)
        checkpointer = cls(conn, write_lock)
        checkpointer._task = asyncio.create_task(checkpointer._run(), name="sqlite-wal-checkpoint")
        return checkpointer

    def wrote(self) -> None:
        """Note that a write transaction committed: a checkpoint follows shortly."""
        self._written.set()

    async def checkpoint(self) -> tuple[int, int]:
        """Run a passive checkpoint now; return the WAL's size and how much of it is in the database (pages).

        If the WAL has grown past :data:`WAL_BACKSTOP_FRAMES`, checkpoint again at once holding the write lock, so
        the next write starts the WAL over (see the module's docstring).
        """
        self._written.clear()
        wal_pages, copied = await self._passive()
        if wal_pages > WAL_BACKSTOP_FRAMES:
            async with self._write_lock:
                wal_pages, copied = await self._passive()
            log.debug("The WAL had grown to %d pages; checkpointed it between two writes", wal_pages)
        return wal_pages, copied

    async def _passive(self) -> tuple[int, int]:
        rows = list(await self._conn.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
        self.checkpoints += 1
        _busy, wal_pages, copied = rows[0]
        return int(wal_pages), int(copied)

    async def _run(self) -> None:
        """Checkpoint a moment after each burst of writes, for as long as the store is open."""
        while True:
            await self._written.wait()
            await asyncio.sleep(CHECKPOINT_DELAY_SECONDS)
            try:
                await self.checkpoint()
            except sqlite3.Error as exc:  # a read-only or failing disk: the next write tries again
                log.warning("WAL checkpoint failed: %s", exc)
            except Exception:  # never let checkpoints stop for good: the WAL would grow without end
                log.exception("WAL checkpoint failed unexpectedly; trying again after the next write")

    async def close(self) -> None:
        """Stop the task, fold the whole WAL into the database and truncate it, then close the connection.

        The caller holds the write lock, so nothing is written meanwhile; a failure here is logged, not raised
        (SQLite checkpoints again when the database is next opened).
        """
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("Could not fold the WAL into the database on close: %s", exc)
        finally:
            await self._conn.close()
