"""Scores, leaderboards, disputes and quiz statistics, on every backend (the sample pack, items 1..7)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.scores import ALL_TIME, PlayerResult, RoundRecord, ScoreRow, ServerTotals, is_period, week_key
from bot.storage import shared
from bot.storage.base import FactStore
from bot.storage.shared import NEAR_MISSES_KEPT
from tests.conftest import RawSql

GUILD = 1001
OTHER_GUILD = 2002
MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""A Monday in 2026-W48."""
TABLES = ("rounds", "scores", "rank_buckets", "guild_item_stats", "near_misses", "guild_topics", "disputes")


def right(user_id: int, points: int = 10, ms: int | None = 1000, streak: int = 1) -> PlayerResult:
    return PlayerResult(user_id, points, True, ms, streak)


def wrong(user_id: int) -> PlayerResult:
    return PlayerResult(user_id, 0, False)


_keys = iter(range(1, 1_000_000))


def a_round(
    *players: PlayerResult,
    guild: int = GUILD,
    item: int = 1,
    topic: str = "animals",
    at: datetime = MONDAY,
    misses: tuple[str, ...] = (),
    key: str | None = None,
) -> RoundRecord:
    return RoundRecord(guild, key or f"session:{next(_keys)}", item, topic, at, players, misses)


async def record(store: FactStore, *rounds: RoundRecord) -> None:
    for round_ in rounds:
        assert await store.record_round(round_, week_key(round_.played_at))


async def snapshot(raw_sql: RawSql) -> dict[str, list[tuple]]:
    return {table: await raw_sql(f"SELECT * FROM {table} ORDER BY 1, 2, 3") for table in TABLES}


async def assert_rank_buckets_exact(raw_sql: RawSql) -> None:
    """The trigger-maintained counts equal a recount from `scores`, with no empty buckets left behind."""
    kept = await raw_sql("SELECT guild_id, period, level, bucket, members FROM rank_buckets ORDER BY 1, 2, 3, 4")
    recount = await raw_sql(
        """SELECT guild_id, period, level, bucket, COUNT(*) FROM (
               SELECT guild_id, period, 0 AS level, points AS bucket FROM scores
               UNION ALL SELECT guild_id, period, 1, points >> 8 FROM scores
               UNION ALL SELECT guild_id, period, 2, points >> 16 FROM scores) AS levels
           GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""
    )
    assert [tuple(row) for row in kept] == [tuple(row) for row in recount]


async def whole_board(store: FactStore, guild: int, period: str, page: int = 10) -> list[ScoreRow]:
    rows: list[ScoreRow] = []
    while batch := await store.top_scores(guild, period, offset=len(rows), limit=page):
        rows.extend(batch)
    return rows


def expected_board(points: dict[int, int], correct: dict[int, int]) -> list[tuple[int, int, int]]:
    """(position, user_id, points) by points, correct answers, user id; equal points share a position."""
    order = sorted(points, key=lambda user: (-points[user], -correct[user], user))
    return [(1 + sum(p > points[user] for p in points.values()), user, points[user]) for user in order]


# -- weeks and periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=UTC), "2026-W48"),  # Sunday night
        (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), "2026-W49"),  # Monday midnight
        (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "2026-W01"),  # a Thursday: week 1 of its own year
        (datetime(2027, 1, 3, 23, 59, tzinfo=UTC), "2026-W53"),  # 2026 has 53 ISO weeks
        (datetime(2027, 1, 4, 0, 0, tzinfo=UTC), "2027-W01"),
        (datetime(2025, 12, 29, 0, 0, tzinfo=UTC), "2026-W01"),  # a December Monday in next year's week 1
    ],
)
def test_week_key_follows_iso_weeks_in_utc(moment: datetime, expected: str):
    assert week_key(moment) == expected


def test_week_key_uses_the_given_zone_and_refuses_naive_times():
    sunday_late_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert week_key(sunday_late_utc, ZoneInfo("Europe/Berlin")) == "2026-W49"
    assert week_key(sunday_late_utc, ZoneInfo("America/New_York")) == "2026-W48"
    with pytest.raises(ValueError, match="timezone-aware"):
        week_key(datetime(2026, 11, 29, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("all", True),
        ("2026-W01", True),
        ("2026-W53", True),
        ("week", False),
        ("2026-W00", False),
        ("2026-W54", False),
        ("2026-w01", False),
        ("2026-W1", False),
        (" all", False),
    ],
)
def test_is_period(key: str, valid: bool):
    assert is_period(key) is valid


async def test_leaderboards_refuse_a_malformed_period(store: FactStore):
    for call in (
        store.top_scores(GUILD, "week"),
        store.count_players(GUILD, "2026-48"),
        store.member_rank(GUILD, "", 1),
    ):
        with pytest.raises(ValueError, match="period"):
            await call
    with pytest.raises(ValueError, match="negative"):
        await store.top_scores(GUILD, ALL_TIME, offset=-1)


# -- recording -------------------------------------------------------------------------------------


async def test_recording_the_same_round_twice_changes_nothing(store: FactStore, raw_sql: RawSql):
    first = a_round(right(1, 20), wrong(2), misses=("four",), key="s1:1")
    assert await store.record_round(first, "2026-W48")
    before = await snapshot(raw_sql)

    assert not await store.record_round(first, "2026-W48")
    # Only the key counts: a replay with other content (or another week) is still a replay.
    assert not await store.record_round(a_round(right(3, 99), item=2, key="s1:1"), "2026-W49")
    assert await snapshot(raw_sql) == before
    assert (await store.member_rank(GUILD, ALL_TIME, 1)).rounds == 1


async def test_a_round_counts_all_time_and_in_its_week(store: FactStore):
    sunday_night = datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC)
    monday_midnight = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    await record(store, a_round(right(1, 30), right(2, 10), at=sunday_night), a_round(right(2, 50), at=monday_midnight))

    assert [(r.user_id, r.points, r.rounds) for r in await store.top_scores(GUILD, ALL_TIME)] == [
        (2, 60, 2),
        (1, 30, 1),
    ]
    assert [(r.user_id, r.points) for r in await store.top_scores(GUILD, "2026-W48")] == [(1, 30), (2, 10)]
    assert [(r.user_id, r.points) for r in await store.top_scores(GUILD, "2026-W49")] == [(2, 50)]
    assert await store.member_rank(GUILD, "2026-W49", 1) is None
    assert [await store.count_players(GUILD, p) for p in (ALL_TIME, "2026-W48", "2026-W49", "2026-W50")] == [2, 2, 1, 0]


async def test_weeks_across_the_year_boundary(store: FactStore):
    await record(
        store,
        a_round(right(1, 10), at=datetime(2026, 12, 31, 20, 0, tzinfo=UTC)),
        a_round(right(1, 20), at=datetime(2027, 1, 3, 23, 0, tzinfo=UTC)),
        a_round(right(1, 40), at=datetime(2027, 1, 4, 1, 0, tzinfo=UTC)),
    )
    assert (await store.member_rank(GUILD, "2026-W53", 1)).points == 30
    assert (await store.member_rank(GUILD, "2027-W01", 1)).points == 40
    assert (await store.member_rank(GUILD, ALL_TIME, 1)).points == 70


async def test_record_round_refuses_bad_input_and_records_nothing(store: FactStore, raw_sql: RawSql):
    before = await snapshot(raw_sql)
    with pytest.raises(ValueError, match="week"):
        await store.record_round(a_round(right(1)), ALL_TIME)
    with pytest.raises(ValueError, match="week"):
        await store.record_round(a_round(right(1)), "week")
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.record_round(a_round(right(1), at=datetime(2026, 11, 23, 12, 0)), "2026-W48")  # noqa: DTZ001
    with pytest.raises(ValueError, match="more than once"):
        await store.record_round(a_round(right(1), wrong(1)), "2026-W48")
    assert await snapshot(raw_sql) == before


async def test_a_round_that_fails_midway_leaves_nothing(
    store: FactStore, raw_sql: RawSql, integrity_error: type[Exception]
):
    await record(store, a_round(right(1, 10), misses=("three",)))
    before = await snapshot(raw_sql)
    # Item 999 does not exist: the round and scores are written first, then the item stats break a foreign key.
    broken = a_round(right(1, 10), right(2, 20), item=999, misses=("two",), key="s9:1")
    with pytest.raises(integrity_error):
        await store.record_round(broken, "2026-W48")
    assert await snapshot(raw_sql) == before
    # The key was not used up: the same round with a real item records.
    assert await store.record_round(a_round(right(1, 10), right(2, 20), item=2, key="s9:1"), "2026-W48")


async def test_best_streak_is_the_highest_and_fastest_the_quickest_correct_answer(store: FactStore):
    await record(
        store,
        a_round(right(1, ms=1500, streak=3), wrong(2)),
        a_round(right(1, ms=900, streak=1), wrong(2)),
        # A wrong answer has no time, even if one is passed in.
        a_round(PlayerResult(1, 0, False, 100, 0), wrong(2)),
        a_round(right(1, ms=None, streak=2), wrong(2)),
    )
    one = await store.member_rank(GUILD, ALL_TIME, 1)
    assert (one.best_streak, one.fastest_ms, one.correct, one.rounds) == (3, 900, 3, 4)
    two = await store.member_rank(GUILD, ALL_TIME, 2)
    assert (two.points, two.best_streak, two.fastest_ms, two.correct, two.rounds) == (0, 0, None, 0, 4)


# -- ranking ---------------------------------------------------------------------------------------


async def test_equal_points_share_a_position_and_list_by_correct_answers_then_user_id(store: FactStore):
    await record(
        store,
        a_round(right(5, 50), right(3, 15), right(1, 30), right(2, 30), right(4, 10)),
        a_round(right(3, 15), wrong(1), wrong(2), wrong(4)),
    )
    board = await store.top_scores(GUILD, ALL_TIME)
    assert [(r.position, r.user_id, r.points, r.correct) for r in board] == [
        (1, 5, 50, 1),
        (2, 3, 30, 2),  # more correct answers lists first among equal points
        (2, 1, 30, 1),  # then the lower user id
        (2, 2, 30, 1),
        (5, 4, 10, 1),
    ]
    for row in board:
        assert await store.member_rank(GUILD, ALL_TIME, row.user_id) == row
    assert await store.member_rank(GUILD, ALL_TIME, 99) is None


@pytest.fixture(params=["index", "buckets"])
def page_start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with pages found by stepping through the index, then again with pages found through buckets."""
    monkeypatch.setattr(shared, "SEEK_FROM_OFFSET", 10**9 if request.param == "index" else 1)
    return request.param


async def test_pages_split_the_board_and_keep_shared_positions(store: FactStore, page_start: str):
    # 25 members: 5 with 100 points each, 10 tied at 50 (spanning the first page break), 10 with 10..1.
    points = {user: 100 for user in range(1, 6)} | {user: 50 for user in range(6, 16)}
    points |= {user: 26 - user for user in range(16, 26)}
    await record(store, a_round(*(right(user, pts) for user, pts in points.items())))

    first, second, third = [await store.top_scores(GUILD, ALL_TIME, offset, 10) for offset in (0, 10, 20)]
    assert [r.position for r in first] == [1] * 5 + [6] * 5
    assert [r.position for r in second] == [6] * 5 + list(range(16, 21))
    assert [r.position for r in third] == list(range(21, 26))
    assert [r.user_id for r in first + second + third] == list(range(1, 26))
    assert await store.count_players(GUILD, ALL_TIME) == 25
    assert [r.user_id for r in await store.top_scores(GUILD, ALL_TIME, offset=7, limit=4)] == [8, 9, 10, 11]
    assert await store.top_scores(GUILD, ALL_TIME, offset=25) == []
    assert await store.top_scores(GUILD, ALL_TIME, offset=3, limit=0) == []
    assert await store.top_scores(GUILD, "2026-W01") == []


async def tied_board(store: FactStore) -> tuple[dict[int, int], dict[int, int]]:
    """A board where most members tie: 70 at (0 points, 0 right), 25 at (20, 1), 15 at (20, 2), 8 apart.

    Return each member's points and correct answers.
    """
    points: dict[int, int] = {}
    correct: dict[int, int] = {}
    zeros, ones, twos, apart = range(1000, 1070), range(2000, 2025), range(3000, 3015), range(4000, 4008)
    await record(
        store,
        a_round(*(wrong(user) for user in zeros)),
        a_round(*(right(user, 20) for user in ones), *(right(user, 10) for user in twos)),
        a_round(*(right(user, 10) for user in twos), *(right(user, 100 * (user - 3999)) for user in apart)),
    )
    for user in zeros:
        points[user], correct[user] = 0, 0
    for user in ones:
        points[user], correct[user] = 20, 1
    for user in twos:
        points[user], correct[user] = 20, 2
    for user in apart:
        points[user], correct[user] = 100 * (user - 3999), 1
    return points, correct


@pytest.mark.parametrize("size", [1, 7, 10, 25])
async def test_keyset_pages_list_every_tied_member_exactly_once_both_ways(store: FactStore, size: int):
    points, correct = await tied_board(store)
    expected = expected_board(points, correct)

    forward = await store.top_scores(GUILD, ALL_TIME, limit=size)
    while page := await store.scores_after(GUILD, ALL_TIME, forward[-1].key, size):
        assert len(page) <= size
        forward.extend(page)
    assert [(r.position, r.user_id, r.points) for r in forward] == expected

    last_page = (len(expected) - 1) // size * size
    backward = await store.top_scores(GUILD, ALL_TIME, offset=last_page, limit=size)
    while page := await store.scores_before(GUILD, ALL_TIME, backward[0].key, size):
        assert len(page) <= size
        backward[:0] = page
    assert [(r.position, r.user_id, r.points) for r in backward] == expected
    assert forward == backward


async def test_keyset_pages_agree_with_offset_pages(store: FactStore):
    points, correct = await tied_board(store)
    offset_pages = [await store.top_scores(GUILD, ALL_TIME, offset, 10) for offset in range(0, len(points), 10)]
    for before, after in itertools.pairwise(offset_pages):
        assert await store.scores_after(GUILD, ALL_TIME, before[-1].key, 10) == after
        assert await store.scores_before(GUILD, ALL_TIME, after[0].key, 10) == before
    assert await store.scores_after(GUILD, ALL_TIME, offset_pages[-1][-1].key, 10) == []
    assert await store.scores_before(GUILD, ALL_TIME, offset_pages[0][0].key, 10) == []
    assert await store.scores_after(GUILD, "2026-W01", offset_pages[0][0].key) == []
    assert await store.scores_after(GUILD, ALL_TIME, offset_pages[0][0].key, 0) == []
    with pytest.raises(ValueError, match="period"):
        await store.scores_after(GUILD, "week", offset_pages[0][0].key)
    with pytest.raises(ValueError, match="negative"):
        await store.scores_before(GUILD, ALL_TIME, offset_pages[0][0].key, -1)


async def test_a_member_who_climbs_while_others_page_is_not_listed_twice(store: FactStore):
    """Offset paging would show a member twice when someone above the page moved: keyset pages do not."""
    points, correct = await tied_board(store)
    first = await store.top_scores(GUILD, ALL_TIME, limit=30)
    climber = 1069  # the last of the zero-point members, far below the first page
    await record(store, a_round(right(climber, 5_000)))
    rest: list[ScoreRow] = []
    while page := await store.scores_after(GUILD, ALL_TIME, (rest or first)[-1].key, 30):
        rest.extend(page)
    listed = [row.user_id for row in first + rest]
    assert len(listed) == len(set(listed)) == len(points) - 1, "the climber is above the pages already read"
    assert set(listed) == set(points) - {climber}
    # The same walk by offsets lists one member twice: everyone below the climber's new place moved down one.
    by_offset = [row.user_id for row in first + await whole_board_from(store, 30, 30)]
    assert len(by_offset) - len(set(by_offset)) == 1


async def whole_board_from(store: FactStore, offset: int, size: int) -> list[ScoreRow]:
    rows: list[ScoreRow] = []
    while batch := await store.top_scores(GUILD, ALL_TIME, offset=offset + len(rows), limit=size):
        rows.extend(batch)
    return rows


async def test_ranks_and_pages_match_a_plain_ranking_over_many_rounds(
    store: FactStore, page_start: str, raw_sql: RawSql
):
    """Random rounds with points far apart (several buckets at every level) agree with a ranking done by hand."""
    rng = random.Random(7)
    members = rng.sample(range(10**17, 10**18), 60)
    points = dict.fromkeys(members, 0)
    correct = dict.fromkeys(members, 0)
    for number in range(150):
        players = []
        for user in rng.sample(members, 6):
            earned = rng.choice([0, 0, 10, 45, 300, 5_000, 70_000])
            players.append(right(user, earned) if earned else wrong(user))
            points[user] += earned
            correct[user] += earned > 0
        await record(store, a_round(*players, at=MONDAY + timedelta(minutes=number)))

    async def check() -> None:
        expected = expected_board(points, correct)
        for page in (1, 7, 10):
            assert [
                (r.position, r.user_id, r.points) for r in await whole_board(store, GUILD, ALL_TIME, page)
            ] == expected
        for position, user, _ in expected:
            assert (await store.member_rank(GUILD, ALL_TIME, user)).position == position
        assert await store.count_players(GUILD, ALL_TIME) == len(points)
        await assert_rank_buckets_exact(raw_sql)

    assert len({p >> 16 for p in points.values()}) > 3
    await check()
    for user in rng.sample(members, 15):
        await store.forget_member_data(GUILD, user)
        del points[user], correct[user]
    await check()


async def test_forgetting_a_member_removes_every_period_in_that_server_only(store: FactStore, raw_sql: RawSql):
    await record(
        store,
        a_round(right(1, 50), right(2, 30), right(3, 10)),
        a_round(right(1, 50), right(2, 30), at=MONDAY + timedelta(days=7)),
        a_round(right(1, 5), guild=OTHER_GUILD),
    )
    await store.forget_member_data(GUILD, 1)

    for period in (ALL_TIME, "2026-W48", "2026-W49"):
        assert await store.member_rank(GUILD, period, 1) is None
    assert [(r.position, r.user_id) for r in await store.top_scores(GUILD, ALL_TIME)] == [(1, 2), (2, 3)]
    assert await store.count_players(GUILD, "2026-W49") == 1
    assert (await store.member_rank(OTHER_GUILD, ALL_TIME, 1)).points == 5
    await store.forget_member_data(GUILD, 12345)  # never played: nothing to do
    await assert_rank_buckets_exact(raw_sql)
    # Item statistics are about the item, not the member, and stay.
    assert (await store.server_totals(GUILD)).answers == 5


async def test_servers_are_isolated(store: FactStore):
    await record(
        store,
        a_round(right(1, 10), wrong(2), misses=("x y",)),
        a_round(right(2, 40), right(1, 30), guild=OTHER_GUILD, topic="space", item=5),
    )
    await store.add_dispute(OTHER_GUILD, 5, 2, "wrong", MONDAY)

    assert [(r.user_id, r.points) for r in await store.top_scores(GUILD, ALL_TIME)] == [(1, 10), (2, 0)]
    assert [(r.user_id, r.points) for r in await store.top_scores(OTHER_GUILD, ALL_TIME)] == [(2, 40), (1, 30)]
    assert (await store.member_rank(OTHER_GUILD, ALL_TIME, 1)).position == 2
    assert await store.most_disputed(GUILD) == []
    assert [i.item_pk for i in await store.hardest_items(GUILD, min_answers=1)] == [1]
    assert [i.item_pk for i in await store.hardest_items(OTHER_GUILD, min_answers=1)] == [5]
    assert (await store.server_totals(GUILD)).top_topics == (("animals", 1),)
    assert (await store.server_totals(OTHER_GUILD)).top_topics == (("space", 1),)
    assert await store.server_totals(3003) == ServerTotals(0, 0, 0, 0, ())


# -- disputes and item statistics ------------------------------------------------------------------


async def test_disputes_open_once_per_member_and_close(store: FactStore, raw_sql: RawSql):
    first = await store.add_dispute(GUILD, 2, 10, "  Bats do see.  ", MONDAY)
    assert await store.add_dispute(GUILD, 2, 10, "again", MONDAY) == first
    second = await store.add_dispute(GUILD, 2, 11, "Some see well", MONDAY)
    assert second != first
    assert await raw_sql("SELECT reason FROM disputes WHERE id = ?", first) == [("Bats do see.",)]

    assert not await store.resolve_dispute(OTHER_GUILD, first, MONDAY)  # not that server's dispute
    assert await store.resolve_dispute(GUILD, first, MONDAY)
    assert not await store.resolve_dispute(GUILD, first, MONDAY)  # already closed
    assert await store.add_dispute(GUILD, 2, 10, "still wrong", MONDAY) not in (first, second)
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.add_dispute(GUILD, 2, 12, "x", datetime(2026, 1, 1))  # noqa: DTZ001


async def test_most_disputed_counts_open_disputes_of_live_items(store: FactStore, raw_sql: RawSql):
    for user in (1, 2, 3):
        await store.add_dispute(GUILD, 4, user, "not cubes", MONDAY)
    for user in (1, 2):
        await store.add_dispute(GUILD, 6, user, "visible", MONDAY)
    closed = await store.add_dispute(GUILD, 7, 1, "dark", MONDAY)
    await store.resolve_dispute(GUILD, closed, MONDAY)
    await store.add_dispute(GUILD, 2, 1, "bats", MONDAY)
    await record(store, a_round(right(1), wrong(2), item=4, misses=("cubes?",)))

    disputed = await store.most_disputed(GUILD)
    assert [(i.ref, i.disputes) for i in disputed] == [
        ("sample/wombat-cubes", 3),
        ("sample/great-wall-moon", 2),
        ("sample/bats-blind", 1),
    ]
    wombat = disputed[0]
    assert wombat.text == "Wombats produce cube-shaped droppings."
    assert (wombat.times_asked, wombat.answers, wombat.correct_answers, wombat.near_misses) == (1, 2, 1, ("cubes?",))
    assert disputed[1].times_asked == 0 and disputed[1].correct_rate == 0.0
    assert [i.item_pk for i in await store.most_disputed(GUILD, limit=1)] == [4]

    await raw_sql("UPDATE items SET retired = 1 WHERE pk = 4")
    assert [i.item_pk for i in await store.most_disputed(GUILD)] == [6, 2]


async def test_hardest_items_rank_by_correct_rate_among_items_answered_enough(store: FactStore, raw_sql: RawSql):
    # Item 1: 1 right of 4 answers; item 2: 1 of 2 (too few answers); item 3: 2 of 4; item 4: 0 of 6.
    await record(
        store,
        a_round(right(1), wrong(2), wrong(3), wrong(4), item=1),
        a_round(right(1), wrong(2), item=2),
        a_round(right(1), right(2), item=3),
        a_round(wrong(1), wrong(2), item=3),
        a_round(wrong(1), wrong(2), wrong(3), item=4),
        a_round(wrong(1), wrong(2), wrong(3), item=4),
        a_round(item=5),  # asked, nobody answered
    )
    await store.add_dispute(GUILD, 4, 1, "bad", MONDAY)
    hardest = await store.hardest_items(GUILD, min_answers=3)
    assert [(i.item_pk, i.answers, i.correct_answers) for i in hardest] == [(4, 6, 0), (1, 4, 1), (3, 4, 2)]
    assert [i.correct_rate for i in hardest] == [0.0, 0.25, 0.5]
    assert [i.times_asked for i in hardest] == [2, 1, 2]
    assert hardest[0].disputes == 1
    assert [i.item_pk for i in await store.hardest_items(GUILD, limit=2, min_answers=2)] == [4, 1]
    # A quiz-only item has no claim: its question is the text.
    await raw_sql("UPDATE items SET kind = 'question', claim = '' WHERE pk = 3")
    assert (await store.hardest_items(GUILD))[-1].text == "How many hearts does an octopus have?"


async def test_near_misses_are_normalized_counted_and_capped(store: FactStore, raw_sql: RawSql):
    await record(store, a_round(wrong(1), item=3, misses=(" Four  Hearts", "four hearts", "two", "")))
    await record(store, a_round(wrong(1), item=3, misses=("two", "FOUR HEARTS")))
    item = (await store.hardest_items(GUILD, min_answers=1))[0]
    assert item.near_misses == ("four hearts", "two")

    # Many one-off guesses: the table keeps the most frequent, then the most recent, up to the cap.
    for number in range(NEAR_MISSES_KEPT + 5):
        await record(store, a_round(wrong(1), item=3, misses=(f"guess {number}",), at=MONDAY + timedelta(hours=number)))
    kept = await raw_sql("SELECT guess FROM near_misses WHERE guild_id = ? AND item_pk = 3", GUILD)
    guesses = {row[0] for row in kept}
    assert len(guesses) == NEAR_MISSES_KEPT
    assert {"four hearts", "two", f"guess {NEAR_MISSES_KEPT + 4}"} <= guesses
    assert "guess 0" not in guesses


async def test_one_round_with_more_near_misses_than_are_kept(store: FactStore, raw_sql: RawSql):
    await record(store, *(a_round(wrong(1), item=3, misses=("often",)) for _ in range(3)))
    await record(store, a_round(wrong(1), item=3, misses=("stale",), at=MONDAY - timedelta(days=1)))
    many = tuple(f"guess {number}" for number in range(NEAR_MISSES_KEPT + 3))
    await record(store, a_round(wrong(1), item=3, misses=(*many, "often", "guess 7"), at=MONDAY + timedelta(hours=1)))
    kept = {row[0]: row[1] for row in await raw_sql("SELECT guess, count FROM near_misses WHERE item_pk = 3")}
    assert len(kept) == NEAR_MISSES_KEPT
    assert kept["often"] == 4 and kept["guess 7"] == 2, "counts add up, in the round and across rounds"
    assert "stale" not in kept, "the least frequent, then the oldest, make way"
    item = (await store.hardest_items(GUILD, min_answers=1))[0]
    assert item.near_misses[:2] == ("often", "guess 7")


async def test_server_totals(store: FactStore):
    await record(
        store,
        a_round(right(1), wrong(2), topic="animals"),
        a_round(right(1), right(3), topic="space", item=5),
        a_round(right(2), topic="space", item=6),
        a_round(topic="history", item=7),  # nobody answered: still a round of that topic
    )
    totals = await store.server_totals(GUILD)
    assert (totals.rounds, totals.players, totals.answers, totals.correct_answers) == (4, 3, 5, 4)
    assert totals.top_topics == (("space", 2), ("animals", 1), ("history", 1))
    assert (await store.server_totals(GUILD, topics=1)).top_topics == (("space", 2),)
