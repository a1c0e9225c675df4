"""The global board on every backend: servers that opt in, members' sums, names, data control, two processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.admin import ForgetReport
from bot.core.global_board import anonymous_label, global_week
from bot.core.scores import ALL_TIME, PlayerResult, RoundRecord
from bot.storage.base import FactStore
from tests.conftest import RawSql, open_test_store
from tests.storage.test_scores import assert_rank_buckets_exact

ONE, TWO, OUTSIDE = 1001, 2002, 3003
ANN, BEN, CAT = 11, 22, 33
MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""A Monday in 2026-W48 (UTC)."""

_numbers = iter(range(1, 1_000_000))


def right(user_id: int, points: int = 10) -> PlayerResult:
    return PlayerResult(user_id, points, True, 900, 1)


async def play(store: FactStore, guild: int, *players: PlayerResult, at: datetime = MONDAY, week: str = "") -> None:
    record = RoundRecord(guild, f"round:{next(_numbers)}", 1, "animals", at, players)
    assert await store.record_round(record, week or global_week(at))


async def opt_in(store: FactStore, *guilds: int) -> None:
    for guild in guilds:
        await store.update_server_settings(guild, {"global_board": True}, actor_id=ANN)


async def board(store: FactStore, period: str = ALL_TIME) -> list[tuple[int, int, str | None]]:
    """(position, points, name) of every line, read a page of 2 at a time by keyset."""
    rows = await store.global_top(period, limit=2)
    lines = list(rows)
    while rows:
        rows = await store.global_after(period, lines[-1].key, limit=2)
        lines.extend(rows)
    return [(row.position, row.points, row.name) for row in lines]


async def points_of(store: FactStore, user_id: int, period: str = ALL_TIME) -> int | None:
    row = await store.global_rank(period, user_id)
    return row.points if row else None


async def test_only_servers_that_opt_in_count_and_points_sum_over_them(store: FactStore, raw_sql: RawSql):
    await play(store, ONE, right(ANN, 30))
    assert await store.global_count(ALL_TIME) == 0, "off by default"
    await opt_in(store, ONE, TWO)
    await play(store, ONE, right(ANN, 10), right(BEN, 20))
    await play(store, TWO, right(ANN, 5), right(CAT, 50))
    await play(store, OUTSIDE, right(BEN, 100))
    assert await points_of(store, ANN) == 30 + 10 + 5, "a joining server brings its all-time history"
    assert await points_of(store, BEN) == 20, "a server that did not opt in does not count"
    assert await board(store) == [(1, 50, None), (2, 45, None), (3, 20, None)]
    assert await points_of(store, ANN, global_week(MONDAY)) == 15, "the week counts from the opt-in on"
    assert (await store.global_rank(ALL_TIME, ANN)).position == 2
    assert await store.global_rank(ALL_TIME, 999) is None
    assert not (await store.server_settings(OUTSIDE)).global_board
    await assert_rank_buckets_exact(raw_sql)


async def test_the_board_never_holds_a_discord_id(store: FactStore):
    await opt_in(store, ONE)
    await play(store, ONE, right(ANN), right(BEN))
    rows = await store.global_top(ALL_TIME)
    assert {row.key.user_id for row in rows}.isdisjoint({ANN, BEN})
    assert all(row.label == anonymous_label(row.key.user_id) for row in rows)
    again = await store.global_rank(ALL_TIME, ANN)
    assert again is not None and again.key.user_id in {row.key.user_id for row in rows}, "the key is stable"


async def test_weeks_follow_utc_whatever_the_servers_zone(store: FactStore):
    await opt_in(store, ONE)
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # already Monday of W49 in Tokyo
    await play(store, ONE, right(ANN, 10), at=sunday_night, week="2026-W49")
    assert await points_of(store, ANN, "2026-W48") == 10
    assert await points_of(store, ANN, "2026-W49") is None
    assert (await store.member_rank(ONE, "2026-W49", ANN)).points == 10, "the server's own board keeps its zone"


async def test_opting_out_removes_the_server_at_once_and_opting_in_again_brings_it_back(store: FactStore):
    await opt_in(store, ONE, TWO)
    await play(store, ONE, right(ANN, 10))
    await play(store, TWO, right(ANN, 5), right(BEN, 7))
    await store.update_server_settings(TWO, {"global_board": False}, actor_id=ANN)
    assert await points_of(store, ANN) == 10
    assert await points_of(store, BEN) is None, "a member whose only server left is off the board"
    assert await points_of(store, ANN, global_week(MONDAY)) == 10
    await play(store, TWO, right(BEN, 3))
    assert await points_of(store, BEN) is None, "rounds of a server that left do not count"
    await opt_in(store, TWO)
    assert await points_of(store, BEN) == 10 and await points_of(store, ANN) == 15
    history = await store.audit_history(TWO)
    assert history[0].detail.startswith("global_board: (default)") or "global_board" in history[0].detail


async def test_daily_answers_count_too(store: FactStore):
    await opt_in(store, ONE)
    await store.record_daily_answer(ONE, MONDAY.date(), ANN, True, 20, MONDAY, global_week(MONDAY))
    await store.record_daily_answer(ONE, MONDAY.date(), BEN, False, 20, MONDAY, global_week(MONDAY))
    assert await points_of(store, ANN) == 20 and await points_of(store, BEN) == 0
    assert (await store.global_rank(global_week(MONDAY), ANN)).rounds == 1


async def test_names_show_only_for_members_who_opt_in(store: FactStore):
    await opt_in(store, ONE)
    await play(store, ONE, right(ANN, 20), right(BEN, 10))
    await store.set_global_name(ANN, "Ann", MONDAY)
    assert await board(store) == [(1, 20, "Ann"), (2, 10, None)]
    assert await store.global_name(ANN) == "Ann" and await store.global_name(BEN) is None
    assert await store.refresh_global_names({ANN: "Ann B", BEN: "Ben"}, MONDAY) == 1, "only opted-in names"
    assert await store.refresh_global_names({ANN: "Ann B"}, MONDAY) == 0, "an unchanged name is not rewritten"
    assert await board(store) == [(1, 20, "Ann B"), (2, 10, None)]
    await store.set_global_name(ANN, None, MONDAY)
    assert await board(store) == [(1, 20, None), (2, 10, None)]


async def test_pages_turn_both_ways_over_ties(store: FactStore):
    await opt_in(store, ONE)
    await play(store, ONE, *(right(user, 10 * (user % 3)) for user in range(100, 111)))
    lines = await store.global_top(ALL_TIME, limit=20)
    assert len(lines) == await store.global_count(ALL_TIME) == 11
    third_page = await store.global_top(ALL_TIME, offset=6, limit=3)
    assert [row.key for row in third_page] == [row.key for row in lines[6:9]]
    before = await store.global_before(ALL_TIME, third_page[0].key, limit=3)
    assert [row.key for row in before] == [row.key for row in lines[3:6]]
    assert [row.position for row in before] == [row.position for row in lines[3:6]]


async def test_forget_reset_and_departure_take_the_servers_part_away(store: FactStore, raw_sql: RawSql):
    await opt_in(store, ONE, TWO)
    await play(store, ONE, right(ANN, 10), right(BEN, 10))
    await play(store, TWO, right(ANN, 5), right(BEN, 5))
    await store.set_global_name(ANN, "Ann", MONDAY)
    report = await store.forget_member_data(ONE, ANN)
    assert report.global_scores == 2 and report.global_name == 1
    assert await points_of(store, ANN) == 5 and await store.global_name(ANN) is None
    assert await store.reset_leaderboard(ONE, ALL_TIME, actor_id=CAT) == 1
    assert await points_of(store, BEN) == 5, "the reset took server one's part of the all-time board"
    assert await points_of(store, BEN, global_week(MONDAY)) == 15
    await store.mark_departed(TWO, MONDAY)
    [purged] = await store.purge_departed(MONDAY + timedelta(days=31), timedelta(days=30))
    assert purged.rows["global_parts"] == 4 and purged.rows["global_servers"] == 1
    assert await points_of(store, BEN, global_week(MONDAY)) == 10
    assert await points_of(store, ANN) is None
    await assert_rank_buckets_exact(raw_sql)
    assert await store.forget_member_data(ONE, ANN) == ForgetReport(), "forgetting twice is harmless"


async def test_old_weeks_are_pruned_from_the_board(store: FactStore, raw_sql: RawSql):
    await opt_in(store, ONE)
    old = MONDAY - timedelta(weeks=6)
    await play(store, ONE, right(ANN, 10), at=old)
    await play(store, ONE, right(ANN, 10))
    await store.prune_weeks(global_week(MONDAY - timedelta(weeks=4)))
    assert await points_of(store, ANN, global_week(old)) is None
    assert await points_of(store, ANN, global_week(MONDAY)) == 10 and await points_of(store, ANN) == 20
    assert await raw_sql("SELECT COUNT(*) FROM global_parts WHERE period = ?", global_week(old)) == [(0,)]
    await assert_rank_buckets_exact(raw_sql)


async def test_export_holds_the_opt_in_the_part_and_the_names(store: FactStore):
    await opt_in(store, ONE)
    await play(store, ONE, right(ANN, 10), right(BEN, 10))
    await play(store, TWO, right(CAT, 10))
    await store.set_global_name(ANN, "Ann", MONDAY)
    await store.set_global_name(CAT, "Cat", MONDAY)
    sections = await store.export_sections(ONE)
    assert sections["settings"]["global_board"] is True and len(sections["global_board"]) == 1
    assert {(row["period"], row["user_id"]) for row in sections["global_board_parts"]} == {
        (ALL_TIME, ANN), (ALL_TIME, BEN), (global_week(MONDAY), ANN), (global_week(MONDAY), BEN),
    }  # fmt: skip
    assert [(row["user_id"], row["display_name"]) for row in sections["global_names"]] == [(ANN, "Ann")]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_processes_see_one_board_and_never_lose_a_round(store: FactStore, backend: str, tmp_path: Path):
    """Two stores on one database are two bot processes: each records rounds of its servers at once."""
    other = await open_test_store(backend, tmp_path)
    try:
        await opt_in(store, ONE)
        await opt_in(other, TWO)
        players = [right(user, 10) for user in (ANN, BEN, CAT)]
        await asyncio.gather(
            *(play(store, ONE, *players) for _ in range(15)),
            *(play(other, TWO, *reversed(players)) for _ in range(15)),
            store.set_global_name(ANN, "Ann", MONDAY),
        )
        for reader in (store, other):
            lines = await board(reader)
            assert sorted(lines, key=str) == sorted([(1, 300, "Ann"), (1, 300, None), (1, 300, None)], key=str)
        await other.update_server_settings(TWO, {"global_board": False}, actor_id=ANN)
        assert await points_of(store, ANN) == 150, "the other process sees the opt-out at once"
    finally:
        await other.close()
