"""SQLite's query plans: every leaderboard query is an index search, never a scan or a sort of the board."""

from __future__ import annotations

import re

from bot.core.scores import ALL_TIME
from bot.storage.base import FactStore
from bot.storage.sqlite.scores import COUNT_SQL, MEMBER_SQL, PAGE_SQL, SEEK_SQL
from tests.conftest import RawSql

GUILD = 1001


async def test_leaderboard_queries_are_index_lookups(store: FactStore, raw_sql: RawSql):
    """No leaderboard query scans a table or sorts the board: each is a search on an index or primary key."""
    params = {"guild": GUILD, "period": ALL_TIME, "points": 10, "skip": 0, "limit": 10, "user": 1, "level": 0}
    params |= {"low": 0, "high": 255, "remaining": 5}
    for sql in (PAGE_SQL, MEMBER_SQL, COUNT_SQL, SEEK_SQL):
        plan = [row[3] for row in await raw_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
        # Scanning is allowed only over the handful of rows a subquery already found.
        assert not [step for step in plan if re.match(r"SCAN (scores|s|rank_buckets)\b", step)], plan
        assert any("scores_by_rank" in step or "PRIMARY KEY" in step for step in plan), plan
