"""Several bot processes on one PostgreSQL database: each store here has its own pool, as each process would."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.core.catalog import load_pack_dir
from bot.core.content import check_draft
from bot.core.errors import StorageUnavailable
from bot.core.scores import ALL_TIME, PlayerResult, RoundRecord
from bot.storage.base import FactStore
from bot.storage.postgres.store import PostgresStore
from tests.conftest import RawSql, open_test_store
from tests.helpers import SAMPLE_PACKS

GUILD = 1001
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WEEK = "2026-W48"
PROCESSES = 4


@pytest.fixture
async def processes(store: FactStore, backend: str, tmp_path: Path) -> AsyncIterator[list[FactStore]]:
    """Four stores on the test's database (the sample pack loaded), as four bot processes would open it."""
    others = [await open_test_store(backend, tmp_path) for _ in range(PROCESSES - 1)]
    yield [store, *others]
    for other in others:
        await other.close()


def draft(number: int):
    return check_draft("fact", f"Custom fact number {number} is true.", "It is true, trust me.", "Notes", "animals")


async def test_custom_facts_added_at_once_get_different_numbers(processes: list[FactStore]):
    added = await asyncio.gather(
        *(store.add_custom_fact(GUILD, draft(n), 7, NOW) for n, store in enumerate(processes * 3))
    )
    assert sorted(fact.number for fact in added) == list(range(1, 3 * PROCESSES + 1))


async def test_settings_changed_at_once_all_count(processes: list[FactStore], tmp_path: Path):
    """Each process reads the stored settings under a lock, not its own cache, so no change is lost."""
    changes = [{"quiz_rounds": 5}, {"quiz_hints": False}, {"prefix": "?"}, {"quiz_extra_time": 100}]
    for store in processes:
        await store.server_settings(GUILD)  # every process has the defaults cached
    await asyncio.gather(
        *(
            store.update_server_settings(GUILD, change, actor_id=1)
            for store, change in zip(processes, changes, strict=True)
        )
    )
    assert len(await processes[0].audit_history(GUILD)) == 4
    fresh = await open_test_store("postgres", tmp_path)
    try:
        stored = await fresh.server_settings(GUILD)
    finally:
        await fresh.close()
    assert (stored.quiz_rounds, stored.quiz_hints, stored.prefix, stored.quiz_extra_time) == (5, False, "?", 100)


async def test_one_process_claims_the_days_post(processes: list[FactStore]):
    day = date(2026, 11, 26)
    claims = await asyncio.gather(*(store.claim_daily_post(GUILD, day, 5, NOW) for store in processes))
    assert sorted(claims) == [False] * (PROCESSES - 1) + [True]


async def test_rounds_recorded_at_once_keep_the_board_exact(processes: list[FactStore], raw_sql: RawSql):
    rng = random.Random(3)
    rounds = []
    for number in range(24):
        players = tuple(PlayerResult(user, rng.choice([0, 10, 300, 70_000]), True) for user in rng.sample(range(30), 6))
        rounds.append(RoundRecord(GUILD, f"r{number}", 1, "animals", NOW, players))
    replayed = rounds + rounds[:6]  # a replay from another process records nothing
    results = await asyncio.gather(
        *(processes[n % PROCESSES].record_round(round_, WEEK) for n, round_ in enumerate(replayed))
    )
    assert results.count(True) == len(rounds)
    expected: dict[int, int] = {}
    for round_ in rounds:
        for player in round_.players:
            expected[player.user_id] = expected.get(player.user_id, 0) + player.points
    board = await processes[0].top_scores(GUILD, ALL_TIME, limit=100)
    assert {row.user_id: row.points for row in board} == expected
    kept = await raw_sql("SELECT guild_id, period, level, bucket, members FROM rank_buckets ORDER BY 1, 2, 3, 4")
    recount = await raw_sql(
        """SELECT guild_id, period, level, bucket, COUNT(*) FROM (
               SELECT guild_id, period, 0 AS level, points AS bucket FROM scores
               UNION ALL SELECT guild_id, period, 1, points >> 8 FROM scores
               UNION ALL SELECT guild_id, period, 2, points >> 16 FROM scores) AS levels
           GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""
    )
    assert kept == recount


async def test_processes_loading_packs_at_once_agree(processes: list[FactStore]):
    reports = await asyncio.gather(*(load_pack_dir(store, SAMPLE_PACKS) for store in processes))
    assert all(problems == [] for _, problems in reports)
    assert sum(t.myths + t.facts for t in await processes[0].topics()) == 7


async def test_a_pool_closed_mid_query_is_storage_unavailable(processes: list[FactStore]):
    store = processes[-1]
    assert isinstance(store, PostgresStore)
    slow = asyncio.ensure_future(store._fetchall("SELECT pg_sleep(5)"))  # a query in flight
    await asyncio.sleep(0.2)
    store._pool.terminate()  # what a lost server or a hard shutdown does
    with pytest.raises(StorageUnavailable):
        await slow
    with pytest.raises(StorageUnavailable):
        await store.audit_history(GUILD)


async def test_a_setting_changed_by_another_process_is_seen_here(processes: list[FactStore]):
    here, there = processes[0], processes[1]
    assert (await here.server_settings(GUILD)).quiz_rounds == 10  # the default, cached here
    await there.update_server_settings(GUILD, {"quiz_rounds": 5}, actor_id=1)
    for _ in range(50):  # the announcement arrives on commit, through this process's listening connection
        if (await here.server_settings(GUILD)).quiz_rounds == 5:
            break
        await asyncio.sleep(0.02)
    assert (await here.server_settings(GUILD)).quiz_rounds == 5
