"""SQLite specifics: numbered migrations recorded in PRAGMA user_version, WAL mode, refusing a newer schema."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.core.errors import StoreError
from bot.storage.sqlite.migrate import Migration, load_migrations, migrate
from bot.storage.sqlite.store import SqliteStore

# -- migrations ----------------------------------------------------------------------------------


async def test_new_database_reaches_the_latest_version(tmp_path: Path):
    store = await SqliteStore.open(tmp_path / "sub" / "bot.db")
    assert await store.schema_version() == len(load_migrations())
    await store.close()
    assert (tmp_path / "sub" / "bot.db").exists()


async def test_second_start_applies_nothing(tmp_path: Path):
    path = tmp_path / "bot.db"
    await (await SqliteStore.open(path)).close()
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn) == []


async def test_the_database_is_in_wal_mode(tmp_path: Path):
    await (await SqliteStore.open(tmp_path / "bot.db")).close()
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_newer_database_is_refused(tmp_path: Path):
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="schema version 999"):
        await SqliteStore.open(path)


async def test_upgrade_from_each_older_version(tmp_path: Path):
    migrations = load_migrations()
    for reached in range(len(migrations) + 1):
        path = tmp_path / f"v{reached}.db"
        store = await SqliteStore.open(None)
        await store.close()
        async with aiosqlite.connect(path, isolation_level=None) as conn:
            assert await migrate(conn, migrations[:reached]) == [m.name for m in migrations[:reached]]
        upgraded = await SqliteStore.open(path)
        assert await upgraded.schema_version() == len(migrations)
        await upgraded.close()


async def test_a_failing_migration_changes_nothing(tmp_path: Path):
    migrations = load_migrations()
    broken = [*migrations, Migration(99, "0099_broken", "CREATE TABLE extra (x); SELECT * FROM nowhere;")]
    broken[-1] = dataclasses.replace(broken[-1], number=len(broken))
    async with aiosqlite.connect(tmp_path / "bot.db", isolation_level=None) as conn:
        await migrate(conn, migrations)
        with pytest.raises(sqlite3.OperationalError):
            await migrate(conn, broken)
        async with conn.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(migrations)
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'") as cursor:
            assert await cursor.fetchone() is None


async def test_a_failing_step_undoes_the_steps_before_it_in_the_same_upgrade(tmp_path: Path):
    migrations = load_migrations()
    teams = next(i for i, m in enumerate(migrations) if m.name.endswith("_teams"))
    broken = Migration(len(migrations) + 1, "0099_broken", "SELECT * FROM nowhere;")
    async with aiosqlite.connect(tmp_path / "bot.db", isolation_level=None) as conn:
        await migrate(conn, migrations[:teams])
        with pytest.raises(sqlite3.OperationalError):
            await migrate(conn, [*migrations, broken])
        async with conn.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == teams
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'team_scores'") as cursor:
            assert await cursor.fetchone() is None


def test_migration_files_are_numbered_without_gaps():
    assert [m.number for m in load_migrations()] == list(range(1, len(load_migrations()) + 1))


async def test_the_answer_counts_over_all_servers_start_from_the_per_server_ones(tmp_path: Path):
    migrations = load_migrations()
    before = next(i for i, m in enumerate(migrations) if m.name.endswith("_item_answer_stats"))
    path = tmp_path / "bot.db"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, migrations[:before])
        await conn.execute("INSERT INTO item_stats (item_pk, times_served) VALUES (5, 9)")
        await conn.executemany(
            """INSERT INTO guild_item_stats (guild_id, item_pk, times_asked, answers, correct_answers)
               VALUES (?, 5, 1, ?, ?)""",
            [(1, 10, 4), (2, 6, 6)],
        )
        await migrate(conn, migrations)
        async with conn.execute("SELECT item_pk, times_served, answers, correct_answers FROM item_stats") as cursor:
            assert await cursor.fetchall() == [(5, 9, 16, 10)]
