"""The team board on every backend: recording team quizzes once, ranking, paging, resets, exports and retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.admin import build_export
from bot.core.scores import ALL_TIME, PlayerResult, RoundRecord
from bot.core.teams import TeamQuizRecord, TeamResult, TeamRow
from bot.storage.base import FactStore
from tests.conftest import RawSql

GUILD = 1001
OTHER_GUILD = 2002
NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
WEEK = "2026-W49"


def team_quiz(key: str, *teams: tuple[str, int, bool], guild: int = GUILD, at: datetime = NOW) -> TeamQuizRecord:
    return TeamQuizRecord(guild, key, at, tuple(TeamResult(name, points, won) for name, points, won in teams))


def lines(rows: list[TeamRow]) -> list[tuple[int, str, int, int, int]]:
    return [(row.position, row.name, row.wins, row.quizzes, row.points) for row in rows]


async def test_a_team_quiz_is_added_once_and_teams_add_up_by_name(empty_store: FactStore):
    store = empty_store
    assert await store.record_team_quiz(team_quiz("q1", ("Red", 120, True), ("Blue", 40, False))) is True
    assert await store.record_team_quiz(team_quiz("q1", ("Red", 120, True), ("Blue", 40, False))) is False
    assert await store.record_team_quiz(team_quiz("q2", ("blue", 90, True), ("Owls", 10, False))) is True
    assert lines(await store.top_teams(GUILD)) == [
        (1, "blue", 1, 2, 130),
        (2, "Red", 1, 1, 120),
        (3, "Owls", 0, 1, 10),
    ], "names are case-insensitive and keep their latest spelling"
    assert await store.count_teams(GUILD) == 3
    assert await store.top_teams(OTHER_GUILD) == [] and await store.count_teams(OTHER_GUILD) == 0


async def test_teams_with_equal_wins_and_points_share_a_position_and_pages_follow_the_order(empty_store: FactStore):
    store = empty_store
    await store.record_team_quiz(team_quiz("q1", ("Owls", 50, True), ("Foxes", 10, False)))
    await store.record_team_quiz(team_quiz("q2", ("Bats", 50, True), ("Crows", 10, False)))
    await store.record_team_quiz(team_quiz("q3", ("Ants", 5, False), ("Bees", 5, False)))
    await store.record_team_quiz(team_quiz("other", ("Owls", 999, True), ("Bats", 0, False), guild=OTHER_GUILD))
    expected = [
        (1, "Bats", 1, 1, 50),
        (1, "Owls", 1, 1, 50),
        (3, "Crows", 0, 1, 10),
        (3, "Foxes", 0, 1, 10),
        (5, "Ants", 0, 1, 5),
        (5, "Bees", 0, 1, 5),
    ]
    assert lines(await store.top_teams(GUILD)) == expected
    pages = [lines(await store.top_teams(GUILD, offset, 2)) for offset in (0, 2, 4, 6)]
    assert pages == [expected[0:2], expected[2:4], expected[4:6], []]
    with pytest.raises(ValueError, match="must not be negative"):
        await store.top_teams(GUILD, -1)


async def test_a_record_naming_one_team_twice_is_refused_whole(empty_store: FactStore, raw_sql: RawSql):
    with pytest.raises(ValueError, match="more than once"):
        await empty_store.record_team_quiz(team_quiz("q1", ("Red", 10, True), ("RED", 0, False)))
    assert await raw_sql("SELECT COUNT(*) FROM team_quizzes") == [(0,)]
    assert await empty_store.count_teams(GUILD) == 0


async def test_the_all_time_reset_empties_the_team_board_and_a_weekly_one_does_not(store: FactStore):
    await store.record_round(RoundRecord(GUILD, "r1", 1, "animals", NOW, (PlayerResult(7, 10, True, 900, 1),)), WEEK)
    await store.record_team_quiz(team_quiz("q1", ("Red", 10, True), ("Blue", 0, False)))
    await store.record_team_quiz(team_quiz("q2", ("Red", 10, True), ("Blue", 0, False), guild=OTHER_GUILD))
    assert await store.reset_leaderboard(GUILD, WEEK) == 1
    assert await store.count_teams(GUILD) == 2
    assert await store.reset_leaderboard(GUILD, ALL_TIME, actor_id=7) == 1 + 2 + 1, "a score, two teams, a quiz"
    assert await store.top_teams(GUILD) == []
    assert await store.count_teams(OTHER_GUILD) == 2, "other servers keep theirs"
    assert await store.record_team_quiz(team_quiz("q3", ("Red", 5, True), ("Blue", 0, False))) is True
    assert lines(await store.top_teams(GUILD)) == [(1, "Red", 1, 1, 5), (2, "Blue", 0, 1, 0)]


async def test_the_export_holds_the_team_board(empty_store: FactStore):
    await empty_store.record_team_quiz(team_quiz("q1", ("Red", 10, True), ("Blue", 0, False)))
    await empty_store.record_team_quiz(team_quiz("q2", ("Red", 3, False), ("Blue", 3, False), guild=OTHER_GUILD))
    sections = json.loads(build_export(GUILD, await empty_store.export_sections(GUILD), NOW).data)["sections"]
    assert [(t["name"], t["wins"], t["quizzes"], t["points"]) for t in sections["teams"]] == [
        ("Red", 1, 1, 10),
        ("Blue", 0, 1, 0),
    ]
    assert [quiz["quiz_key"] for quiz in sections["team_quizzes"]] == ["q1"]


async def test_the_retention_sweep_deletes_a_departed_servers_team_board(empty_store: FactStore):
    store = empty_store
    await store.record_team_quiz(team_quiz("q1", ("Red", 10, True), ("Blue", 0, False)))
    await store.record_team_quiz(team_quiz("q2", ("Red", 10, True), ("Blue", 0, False), guild=OTHER_GUILD))
    await store.mark_departed(GUILD, NOW)
    [report] = await store.purge_departed(NOW + timedelta(days=31), timedelta(days=30))
    assert report.rows["team_scores"] == 2 and report.rows["team_quizzes"] == 1
    assert await store.count_teams(GUILD) == 0 and await store.count_teams(OTHER_GUILD) == 2
