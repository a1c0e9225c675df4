"""PostgreSQL's query plans on a big board: the leaderboard reads indexes, never a sequential scan of the scores."""

from __future__ import annotations

import pytest

from bot.core.scores import ALL_TIME
from bot.storage.base import FactStore
from bot.storage.postgres.scores import AFTER_SQL, BEFORE_SQL, COUNT_SQL, MEMBER_SQL, PAGE_SQL, SEEK_SQL
from tests.conftest import RawSql

GUILD = 1001
MEMBERS = 100_000


@pytest.fixture
async def big_board(empty_store: FactStore, raw_sql: RawSql) -> FactStore:
    """A server with 100,000 members on its all-time board (loaded in bulk, buckets counted once), analysed."""
    await raw_sql("ALTER TABLE scores DISABLE TRIGGER scores_rank_insert")
    await raw_sql(
        """INSERT INTO scores (guild_id, period, user_id, points, correct, rounds, best_streak)
           SELECT guild, 'all', n, (n * 7919) % 1000003, n % 50, 1, 0
           FROM generate_series(1, ?) AS n, (VALUES (?::bigint), (2002)) AS guilds (guild)""",
        MEMBERS,
        GUILD,
    )
    await raw_sql("ALTER TABLE scores ENABLE TRIGGER scores_rank_insert")
    await raw_sql(
        """INSERT INTO rank_buckets (guild_id, period, level, bucket, members)
           SELECT guild_id, period, level, bucket, COUNT(*) FROM (
               SELECT guild_id, period, 0 AS level, points AS bucket FROM scores
               UNION ALL SELECT guild_id, period, 1, points >> 8 FROM scores
               UNION ALL SELECT guild_id, period, 2, points >> 16 FROM scores) AS levels
           GROUP BY 1, 2, 3, 4"""
    )
    await raw_sql("ANALYZE scores")
    await raw_sql("ANALYZE rank_buckets")
    return empty_store


async def plan(raw_sql: RawSql, sql: str, params: dict[str, object]) -> str:
    """Return PostgreSQL's plan for ``sql`` with ``params`` (``:name`` placeholders), as text."""
    rows = await raw_sql(f"EXPLAIN {sql}", params)
    return "\n".join(row[0] for row in rows)


async def test_leaderboard_queries_read_indexes_not_the_whole_board(big_board: FactStore, raw_sql: RawSql):
    params = {"guild": GUILD, "period": ALL_TIME, "points": 2**62, "skip": 0, "limit": 10, "user": 4242}
    params |= {"level": 0, "low": 0, "high": 255, "remaining": 5, "correct": 3}
    # The board is big enough that counting the members ahead one by one would scan it…
    naive = "SELECT COUNT(*) FROM scores WHERE guild_id = :guild AND period = :period AND points > 500000"
    assert "Seq Scan on scores" in await plan(raw_sql, naive, params)
    # …and no leaderboard query does.
    for sql in (PAGE_SQL, MEMBER_SQL, COUNT_SQL, SEEK_SQL, PAGE_SQL.replace(":skip", "5000"), AFTER_SQL, BEFORE_SQL):
        shown = await plan(raw_sql, sql, params)
        assert "Seq Scan on scores" not in shown, shown
        assert "Seq Scan on rank_buckets" not in shown, shown
        assert "Index" in shown, shown


async def test_ranks_and_deep_pages_on_the_big_board_match_a_plain_ranking(big_board: FactStore, raw_sql: RawSql):
    ranked = await raw_sql(
        """SELECT user_id, points, rank() OVER (ORDER BY points DESC) FROM scores
           WHERE guild_id = ? AND period = 'all' ORDER BY points DESC, correct DESC, user_id OFFSET 60000 LIMIT 5""",
        GUILD,
    )
    page = await big_board.top_scores(GUILD, ALL_TIME, offset=60_000, limit=5)
    assert [(row.user_id, row.points, row.position) for row in page] == ranked
    member = await big_board.member_rank(GUILD, ALL_TIME, ranked[0][0])
    assert member is not None and member.position == ranked[0][2]
    assert await big_board.count_players(GUILD, ALL_TIME) == MEMBERS


async def test_keyset_pages_on_the_big_board_match_a_plain_ranking(big_board: FactStore, raw_sql: RawSql):
    ranked = await raw_sql(
        """SELECT user_id, points, rank() OVER (ORDER BY points DESC) FROM scores
           WHERE guild_id = ? AND period = 'all' ORDER BY points DESC, correct DESC, user_id OFFSET 70000 LIMIT 12""",
        GUILD,
    )
    middle = await big_board.member_rank(GUILD, ALL_TIME, ranked[5][0])
    assert middle is not None
    after = await big_board.scores_after(GUILD, ALL_TIME, middle.key, 6)
    before = await big_board.scores_before(GUILD, ALL_TIME, middle.key, 5)
    assert [(row.user_id, row.points, row.position) for row in [*before, middle, *after]] == ranked
