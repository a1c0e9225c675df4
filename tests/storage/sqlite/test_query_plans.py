"""SQLite's query plans: every leaderboard query is an index search, never a scan or a sort of the board."""

from __future__ import annotations

import re

from bot.core.scores import ALL_TIME
from bot.storage.base import FactStore
from bot.storage.sqlite.rewards import MEMBERS_GRANTS_SQL, MEMBERS_POINTS_SQL
from bot.storage.sqlite.scores import AFTER_SQL, BEFORE_SQL, COUNT_SQL, MEMBER_SQL, PAGE_SQL, SEEK_SQL
from tests.conftest import RawSql

GUILD = 1001


async def test_leaderboard_queries_are_index_lookups(store: FactStore, raw_sql: RawSql):
    """No leaderboard query scans a table or sorts the board: each is a search on an index or primary key."""
    params = {"guild": GUILD, "period": ALL_TIME, "points": 10, "skip": 0, "limit": 10, "user": 1, "level": 0}
    params |= {"low": 0, "high": 255, "remaining": 5, "correct": 1}
    for sql in (PAGE_SQL, MEMBER_SQL, COUNT_SQL, SEEK_SQL, AFTER_SQL, BEFORE_SQL):
        plan = [row[3] for row in await raw_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
        # Scanning is allowed only over the handful of rows a subquery already found.
        assert not [step for step in plan if re.match(r"SCAN (scores|s|rank_buckets)\b", step)], plan
        assert any("scores_by_rank" in step or "PRIMARY KEY" in step for step in plan), plan


async def test_keyset_pages_start_inside_a_tie_without_stepping_over_it(store: FactStore, raw_sql: RawSql):
    """Each part of a page beside a key seeks to where it starts: equal points and correct answers, then a user id."""
    params = {"guild": GUILD, "period": ALL_TIME, "points": 0, "correct": 0, "user": 4242, "limit": 10}
    for sql, user_range in ((AFTER_SQL, "user_id>?"), (BEFORE_SQL, "user_id<?")):
        plan = [row[3] for row in await raw_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
        assert any(f"points=? AND correct=? AND {user_range}" in step for step in plan), plan
        assert any("points=? AND correct" in step and "user_id" not in step for step in plan), plan


async def test_role_rewards_after_a_round_look_the_players_up_by_key(store: FactStore, raw_sql: RawSql):
    """A settle after a round reads the players' points and grants, not every member above a threshold."""
    params = {"guild": GUILD, "at_least": 500, "among": "[1, 2, 3]"}
    points = [row[3] for row in await raw_sql(f"EXPLAIN QUERY PLAN {MEMBERS_POINTS_SQL}", params)]
    assert any("scores USING PRIMARY KEY (guild_id=? AND period=? AND user_id=?)" in step for step in points), points
    grants = [row[3] for row in await raw_sql(f"EXPLAIN QUERY PLAN {MEMBERS_GRANTS_SQL}", params)]
    assert any("role_grants_by_member (guild_id=? AND user_id=?)" in step for step in grants), grants
