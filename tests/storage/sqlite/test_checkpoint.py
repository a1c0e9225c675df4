"""SQLite's WAL is checkpointed in the background: no commit pays for it, nothing is lost, the WAL stays bounded."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.core.catalog import load_pack_dir
from bot.storage.sqlite import checkpoint
from bot.storage.sqlite.store import SqliteStore
from tests.helpers import SAMPLE_PACKS, round_record

GUILD = 4242
WEEK = "2026-W48"
PAGE = 4096
AUTOMATIC_CHECKPOINT_PAGES = 1000
"""SQLite's default ``wal_autocheckpoint``: a commit past this many WAL pages would checkpoint inside itself."""


async def record_rounds(store: SqliteStore, count: int, start: int = 0) -> None:
    """Record ``count`` rounds of eight players each (about a dozen WAL pages per round)."""
    for number in range(start, start + count):
        players = [(1000 + (number * 7 + seat) % 500, 10 * seat) for seat in range(8)]
        assert await store.record_round(round_record(GUILD, f"round-{number}", *players), WEEK)


def wal_pages(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return wal.stat().st_size // PAGE if wal.exists() else 0


def wal_generation(database: Path) -> int:
    """Return the WAL header's checkpoint sequence number, which SQLite raises each time it starts the WAL over."""
    header = database.with_name(database.name + "-wal").read_bytes()[:16]
    return int.from_bytes(header[12:16], "big")


def rounds_in_main_file(database: Path) -> int:
    """Count the rounds the database file holds on its own, ignoring any WAL beside it (0 before the schema is in).

    ``immutable`` reads the file without SQLite's locks, so a read while a checkpoint is copying pages into it can
    see a torn file: that counts as -1 (not yet), and the caller looks again.
    """
    with sqlite3.connect(f"file:{database}?immutable=1", uri=True) as conn:
        try:
            return conn.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
        except sqlite3.OperationalError:  # no such table: the schema itself is still only in the WAL
            return 0
        except sqlite3.DatabaseError:  # "database disk image is malformed": a checkpoint is writing the file
            return -1


@asynccontextmanager
async def filled_store(tmp_path: Path) -> AsyncIterator[tuple[SqliteStore, Path]]:
    """A store on a file with the sample pack, opened after the test set the checkpoint's timing."""
    database = tmp_path / "bot.db"
    store = await SqliteStore.open(database)
    try:
        await load_pack_dir(store, SAMPLE_PACKS)
        yield store, database
    finally:
        await store.close()


async def test_commits_do_not_checkpoint_the_wal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """With the background checkpoint held off, the WAL grows past the point where a commit would checkpoint."""
    monkeypatch.setattr(checkpoint, "CHECKPOINT_DELAY_SECONDS", 3600.0)
    async with filled_store(tmp_path) as (store, database):
        await record_rounds(store, 300)
        assert wal_pages(database) > 2 * AUTOMATIC_CHECKPOINT_PAGES


async def test_the_background_checkpoint_copies_writes_into_the_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(checkpoint, "CHECKPOINT_DELAY_SECONDS", 0.05)
    async with filled_store(tmp_path) as (store, database):
        await record_rounds(store, 20)  # ~240 WAL pages: too few for SQLite's own checkpoint to copy them
        for _ in range(100):
            await asyncio.sleep(0.02)
            if rounds_in_main_file(database) == 20:
                break
        assert rounds_in_main_file(database) == 20


async def test_the_wal_starts_over_under_writes_that_never_pause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A checkpoint past the backstop is repeated holding the write lock, so SQLite can start the WAL over.

    Without that, a passive checkpoint always ends while the next write is under way and the WAL never starts over.
    """
    monkeypatch.setattr(checkpoint, "CHECKPOINT_DELAY_SECONDS", 0.01)
    monkeypatch.setattr(checkpoint, "WAL_BACKSTOP_FRAMES", 200)
    async with filled_store(tmp_path) as (store, database):
        first = wal_generation(database)
        await record_rounds(store, 1000)
        assert wal_generation(database) > first, "the WAL started over while the rounds were written"
        # The file keeps the largest size the WAL reached; 1,000 rounds in one WAL would be ~12,000 pages.
        assert wal_pages(database) < 9 * AUTOMATIC_CHECKPOINT_PAGES


async def test_closing_folds_the_whole_wal_into_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(checkpoint, "CHECKPOINT_DELAY_SECONDS", 3600.0)
    async with filled_store(tmp_path) as (store, database):
        await record_rounds(store, 50)
    assert wal_pages(database) == 0
    assert rounds_in_main_file(database) == 50
