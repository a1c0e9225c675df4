"""Syncing packs while they are still being read: each backend's writes run in a task of their own, in batches.

Loading packs is mostly parsing TOML, in this thread, and writing items, which is mostly the database's own work (in
aiosqlite's thread with the GIL released, or in the PostgreSQL server). :class:`BackgroundPackSync` lets the two
overlap: :meth:`add` queues a pack and returns; a task writes whatever has queued since its last batch, in one batch,
while the caller parses the next file.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from bot.core.catalog import PackSync, SyncReport
from bot.core.packs import Pack, PackFile

WriteBatch = Callable[[list[Pack]], Awaitable[SyncReport]]
"""Writes some packs' rows and items inside the sync's transaction; reports what they changed."""
FinishSync = Callable[[list[Pack], set[str], Sequence[PackFile]], Awaitable[SyncReport]]
"""Ends a sync, given every pack written, the failed files and the unchanged ones: retires what the packs dropped,
records the files; reports what it changed."""


class BackgroundPackSync:
    """A :class:`bot.core.catalog.PackSync` whose writes run in a task while the caller reads the next pack."""

    def __init__(self, write_batch: WriteBatch, finish_sync: FinishSync) -> None:
        self._write_batch = write_batch
        self._finish_sync = finish_sync
        self._queued: list[Pack] = []
        self._written: list[Pack] = []
        self._report = SyncReport()
        self._writing: asyncio.Task[None] | None = None
        """Writes what has queued; ``None`` when nothing is left to write (a failed task stays, for ``finish``)."""
        self.finished = False

    def add(self, pack: Pack) -> None:
        """Queue ``pack``; it goes out with the next batch."""
        self._queued.append(pack)
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_queued(), name="pack-sync")

    async def _write_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            self._report += await self._write_batch(batch)
            self._written += batch
        self._writing = None

    async def finish(self, failed_files: set[str] = frozenset(), unchanged: Sequence[PackFile] = ()) -> SyncReport:
        """Wait for the writes (raising what made one fail), then end the sync; return the whole report."""
        if self._writing is not None:
            await self._writing
        self.finished = True
        return self._report + await self._finish_sync(self._written, failed_files, unchanged)

    async def abandon(self) -> None:
        """Stop writing (the sync failed): cancel the batch under way and wait until it is off the connection."""
        if self._writing is not None:
            self._writing.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._writing


@asynccontextmanager
async def background_sync(write_batch: WriteBatch, finish_sync: FinishSync) -> AsyncIterator[PackSync]:
    """Yield a :class:`BackgroundPackSync` for a block inside the sync's transaction; the block must ``finish`` it.

    If the block fails, the writes still running are cancelled before the error reaches the transaction, which
    then rolls back.
    """
    sync = BackgroundPackSync(write_batch, finish_sync)
    try:
        yield sync
    except BaseException:
        await sync.abandon()
        raise
    if not sync.finished:
        await sync.abandon()
        raise RuntimeError("a pack sync ended without finish(): its changes are rolled back")


async def sync_all(
    syncing: Callable[[], contextlib.AbstractAsyncContextManager[PackSync]],
    packs: Sequence[Pack],
    failed_files: set[str],
    unchanged: Sequence[PackFile],
) -> SyncReport:
    """Sync ``packs``, all known already, through ``syncing`` (a store's ``syncing_packs``)."""
    async with syncing() as sync:
        for pack in packs:
            sync.add(pack)
        return await sync.finish(failed_files, unchanged)
