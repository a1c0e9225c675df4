"""PostgreSQL specifics: migrations recorded in schema_migrations, applied once under several processes, a newer
schema refused, a failing step undone; types the core expects; "try again" errors as StorageUnavailable."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import asyncpg
import pytest

from bot.core.daily import DailySchedule
from bot.core.errors import StorageUnavailable, StoreError
from bot.storage.base import FactStore
from bot.storage.postgres.migrate import Migration, load_migrations, migrate
from bot.storage.postgres.store import PostgresStore
from tests import postgres
from tests.conftest import RawSql, open_test_store


async def test_new_database_records_every_migration(empty_store: FactStore, raw_sql: RawSql):
    migrations = load_migrations()
    assert await empty_store.schema_version() == len(migrations)
    recorded = await raw_sql("SELECT version, name FROM schema_migrations ORDER BY version")
    assert recorded == [(m.number, m.name) for m in migrations]


async def test_second_start_applies_nothing(empty_store: FactStore, tmp_path: Path):
    conn = await asyncpg.connect(await postgres.schema_url(tmp_path))
    try:
        assert await migrate(conn) == []
    finally:
        await conn.close()


async def test_processes_starting_together_migrate_once(backend: str, tmp_path: Path, raw_sql: RawSql):
    stores = await asyncio.gather(*(open_test_store(backend, tmp_path) for _ in range(4)))
    try:
        assert {await store.schema_version() for store in stores} == {len(load_migrations())}
        assert (await raw_sql("SELECT COUNT(*) FROM schema_migrations"))[0][0] == len(load_migrations())
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_newer_database_is_refused(empty_store: FactStore, backend: str, tmp_path: Path, raw_sql: RawSql):
    await empty_store.close()
    await raw_sql("INSERT INTO schema_migrations (version, name) VALUES (999, '0999_from_the_future')")
    with pytest.raises(StoreError, match="schema version 999"):
        await open_test_store(backend, tmp_path)


async def test_a_failing_migration_changes_nothing(empty_store: FactStore, tmp_path: Path, raw_sql: RawSql):
    migrations = load_migrations()
    broken = Migration(len(migrations) + 1, "0099_broken", "CREATE TABLE extra (x INTEGER); SELECT * FROM nowhere;")
    conn = await asyncpg.connect(await postgres.schema_url(tmp_path))
    try:
        with pytest.raises(asyncpg.UndefinedTableError):
            await migrate(conn, [*migrations, broken])
    finally:
        await conn.close()
    assert await empty_store.schema_version() == len(migrations)
    assert await raw_sql("SELECT to_regclass('extra')::text") == [(None,)]


async def test_a_failing_step_undoes_the_steps_before_it_in_the_same_upgrade(backend: str, tmp_path: Path):
    migrations = load_migrations()
    teams = next(i for i, m in enumerate(migrations) if m.name.endswith("_teams"))
    broken = Migration(len(migrations) + 1, "0099_broken", "SELECT * FROM nowhere;")
    conn = await asyncpg.connect(await postgres.schema_url(tmp_path))
    try:
        await migrate(conn, migrations[:teams])
        with pytest.raises(asyncpg.UndefinedTableError):
            await migrate(conn, [*migrations, broken])
        assert await conn.fetchval("SELECT MAX(version) FROM schema_migrations") == teams
        assert await conn.fetchval("SELECT to_regclass('team_scores')::text") is None
    finally:
        await conn.close()


async def test_the_answer_counts_over_all_servers_start_from_the_per_server_ones(backend: str, tmp_path: Path):
    migrations = load_migrations()
    before = next(i for i, m in enumerate(migrations) if m.name.endswith("_item_answer_stats"))
    conn = await asyncpg.connect(await postgres.schema_url(tmp_path))
    try:
        await migrate(conn, migrations[:before])
        await conn.execute("SET session_replication_role = replica")  # rows without their items (no FK checks)
        await conn.execute("INSERT INTO item_stats (item_pk, times_served) VALUES (5, 9)")
        await conn.executemany(
            """INSERT INTO guild_item_stats (guild_id, item_pk, times_asked, answers, correct_answers)
               VALUES ($1, 5, 1, $2, $3)""",
            [(1, 10, 4), (2, 6, 6)],
        )
        await conn.execute("SET session_replication_role = DEFAULT")
        await migrate(conn, migrations)
        rows = await conn.fetch("SELECT item_pk, times_served, answers, correct_answers FROM item_stats")
        assert [tuple(row) for row in rows] == [(5, 9, 16, 10)]
    finally:
        await conn.close()


def test_migration_files_are_numbered_without_gaps():
    assert [m.number for m in load_migrations()] == list(range(1, len(load_migrations()) + 1))


async def test_values_come_back_as_the_core_expects(empty_store: FactStore):
    due = datetime(2026, 11, 26, 8, 0, 0, 123456, tzinfo=UTC)
    await empty_store.set_daily_schedule(DailySchedule(7, 8, time(9, 30), "Europe/Paris", None, due))
    schedule = await empty_store.daily_schedule(7)
    assert schedule == DailySchedule(7, 8, time(9, 30), "Europe/Paris", None, due)
    assert await empty_store.next_daily_due() == due
    assert await empty_store.claim_daily_post(7, date(2026, 11, 26), 8, due)
    assert await empty_store.last_daily_day(7) == date(2026, 11, 26)


async def test_a_closed_pool_is_storage_unavailable(empty_store: FactStore):
    await empty_store.close()
    with pytest.raises(StorageUnavailable):
        await empty_store.record_audit(1, 2, "daily", "after close")
    with pytest.raises(StorageUnavailable):
        await empty_store.audit_history(1)


async def test_a_read_only_database_is_storage_unavailable(empty_store: FactStore, tmp_path: Path):
    """Like a hot standby: reads work, writes ask to try again."""
    read_only = await PostgresStore.open(await postgres.schema_url(tmp_path) + "&default_transaction_read_only=on")
    try:
        with pytest.raises(StorageUnavailable):
            await read_only.record_audit(1, 2, "daily", "read-only")
        assert await read_only.audit_history(1) == []
    finally:
        await read_only.close()


async def test_a_lock_timeout_is_storage_unavailable(empty_store: FactStore, tmp_path: Path, raw_sql: RawSql):
    url = await postgres.schema_url(tmp_path)
    blocker = await asyncpg.connect(url)
    slow = await PostgresStore.open(url + "&lock_timeout=100")
    try:
        async with blocker.transaction():
            await blocker.execute("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(StorageUnavailable):
                await slow.record_audit(1, 2, "daily", "blocked")
    finally:
        await blocker.close()
        await slow.close()
    assert await raw_sql("SELECT COUNT(*) FROM audit_log") == [(0,)]


async def test_folding_accents_gives_what_the_whole_table_gives(empty_store: FactStore, raw_sql: RawSql):
    """The faster fold (Latin-1 text through the table's Latin-1 part) changes no stored search vector."""
    migrations = load_migrations()
    first = next(m.sql for m in migrations if m.name.endswith("_fact_store"))
    whole_from, whole_to = re.search(r"translate\(\$1,\s*'([^']*)',\s*'([^']*)'\)", first).groups()
    texts = [
        "plain ASCII, nothing to fold",
        "Café, crème brûlée et façade à Noël",
        "Über Öl, Ärger und Straße; ñandú",
        "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿ 450 °C « » \u00a0",
        "Łódź, Kraków and Dvořák",  # letters past Latin-1: the whole table
        "Škoda in Plzeň, and é",
        whole_from,
        "",
    ]
    rows = await raw_sql(
        "SELECT fold_diacritics(text) = translate(text, ?, ?) FROM unnest(?::text[]) AS text",
        whole_from,
        whole_to,
        texts,
    )
    assert rows == [(True,)] * len(texts)
    assert await raw_sql("SELECT fold_diacritics(NULL) IS NULL") == [(True,)]
