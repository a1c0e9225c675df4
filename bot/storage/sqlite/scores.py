"""SQL for scores, leaderboards, disputes and quiz statistics; part of :class:`bot.storage.sqlite.store.SqliteStore`.

Ranking never counts the members ahead one by one. ``rank_buckets`` (kept exact by triggers on ``scores``, see
``migrations/0002_scores.sql``) holds how many members have each points value at three resolutions (points,
points >> 8, points >> 16), so "members with more points" is three sums of at most ~255 rows each, whatever
the size of the server. Pages come off the ``scores_by_rank`` index with ``ORDER BY … LIMIT``; a page further
down first finds its starting points value by walking the same buckets, so it skips whole buckets rather
than every member above it (only members tied with the page's first member are stepped over in the index).

Members with equal points share a position (see :mod:`bot.core.scores`), so positions need counts by points only.
The walk and the page positions are backend-neutral (:mod:`bot.storage.shared`); only the SQL is SQLite's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.adaptive import PlayerRecord
from bot.core.global_board import member_key
from bot.core.scores import ALL_TIME, BoardKey, ItemStats, PlayerResult, RoundRecord, ScoreRow, ServerTotals, is_period
from bot.storage.shared import (
    NEAR_MISSES_KEPT,
    GlobalBoardReads,
    check_period,
    count_guesses,
    iso_moment,
    key_params,
    leaderboard_page,
    near_misses_by_item,
    page_beside_key,
    score_row,
)
from bot.storage.sqlite.database import SqliteDatabase
from bot.storage.sqlite.global_parts import add_global_parts
from bot.storage.sqlite.rows import PUBLIC_REF_SQL

if TYPE_CHECKING:
    import aiosqlite

log = logging.getLogger(__name__)

# Members of the leaderboard `{guild}`/`{period}` with more points than `{points}`: at each level, the
# buckets above the member's own inside the member's bucket one level up (all higher buckets at the top).
_MEMBERS_AHEAD = """(
    (SELECT COALESCE(SUM(members), 0) FROM rank_buckets
     WHERE guild_id = {guild} AND period = {period} AND level = 0
       AND bucket > {points} AND bucket < ((({points}) >> 8) + 1) << 8)
  + (SELECT COALESCE(SUM(members), 0) FROM rank_buckets
     WHERE guild_id = {guild} AND period = {period} AND level = 1
       AND bucket > ({points}) >> 8 AND bucket < ((({points}) >> 16) + 1) << 8)
  + (SELECT COALESCE(SUM(members), 0) FROM rank_buckets
     WHERE guild_id = {guild} AND period = {period} AND level = 2
       AND bucket > ({points}) >> 16)
)"""

_SCORE_COLUMNS = "user_id, points, correct, rounds, best_streak, fastest_ms"

# A page starts `:skip` members into those with at most `:points` points; the skipped members are read from
# the index alone, and only the page's own rows are fetched from the table. `first_position` is the position
# of the page's first member (who has the page's highest points), however many members share it.
PAGE_SQL = f"""
    WITH page AS (
        SELECT user_id, points FROM scores
        WHERE guild_id = :guild AND period = :period AND points <= :points
        ORDER BY points DESC, correct DESC, user_id
        LIMIT :limit OFFSET :skip)
    SELECT {", ".join(f"s.{column}" for column in _SCORE_COLUMNS.split(", "))},
           (SELECT 1 + {_MEMBERS_AHEAD.format(guild=":guild", period=":period", points="top.points")}
            FROM (SELECT MAX(points) AS points FROM page) AS top) AS first_position
    FROM page JOIN scores AS s ON s.guild_id = :guild AND s.period = :period AND s.user_id = page.user_id
    ORDER BY s.points DESC, s.correct DESC, s.user_id
"""

# The bucket of one level (between :low and :high) holding the member `:remaining` places below the top of
# that range, and how many members the buckets above it in the range hold. The window runs over ~255 rows.
SEEK_SQL = """
    SELECT bucket, running - members AS above FROM (
        SELECT bucket, members, SUM(members) OVER (ORDER BY bucket DESC) AS running
        FROM rank_buckets
        WHERE guild_id = :guild AND period = :period AND level = :level AND bucket BETWEEN :low AND :high)
    WHERE running > :remaining
    ORDER BY bucket DESC
    LIMIT 1
"""

# The rows of a leaderboard after (or before) the place `:points, :correct, :user`, in three parts that each read
# `scores_by_rank` from where they start: the rest of the key's own (points, correct) tie by user id, the rest of its
# points tie by correct answers, then the lower (or higher) points. Never stepping over a tie, a page next to any
# line reads at most three pages' worth of the index, however deep and however many members tie.
_BESIDE_PARTS = {
    "after": (
        ("points = :points AND correct = :correct AND user_id > :user", "user_id"),
        ("points = :points AND correct < :correct", "correct DESC, user_id"),
        ("points < :points", "points DESC, correct DESC, user_id"),
    ),
    "before": (
        ("points = :points AND correct = :correct AND user_id < :user", "user_id DESC"),
        ("points = :points AND correct > :correct", "correct, user_id DESC"),
        ("points > :points", "points, correct, user_id DESC"),
    ),
}


def _beside_sql(side: str) -> str:
    """Return the SQL of the page on one ``side`` of a key; ``first_position`` and ``first_tied`` give positions."""
    parts, order = _BESIDE_PARTS[side], _BESIDE_PARTS[side][2][1]
    union = "\n        UNION ALL ".join(
        f"""SELECT * FROM (SELECT user_id, points, correct FROM scores
            WHERE guild_id = :guild AND period = :period AND {condition}
            ORDER BY {part_order} LIMIT :limit) AS part{number}"""
        for number, (condition, part_order) in enumerate(parts)
    )
    ahead = _MEMBERS_AHEAD.format(guild=":guild", period=":period", points="top.points")
    return f"""
    WITH page AS (
        SELECT user_id, points, correct FROM (
            {union}) AS parts
        ORDER BY {order} LIMIT :limit)
    SELECT {", ".join(f"s.{column}" for column in _SCORE_COLUMNS.split(", "))},
           (SELECT 1 + {ahead} FROM (SELECT MAX(points) AS points FROM page) AS top) AS first_position,
           (SELECT members FROM rank_buckets
            WHERE guild_id = :guild AND period = :period AND level = 0
              AND bucket = (SELECT MAX(points) FROM page)) AS first_tied
    FROM page JOIN scores AS s ON s.guild_id = :guild AND s.period = :period AND s.user_id = page.user_id
    ORDER BY s.points DESC, s.correct DESC, s.user_id
"""


AFTER_SQL = _beside_sql("after")
BEFORE_SQL = _beside_sql("before")

MEMBER_SQL = f"""
    SELECT {_SCORE_COLUMNS},
           1 + {_MEMBERS_AHEAD.format(guild="s.guild_id", period="s.period", points="s.points")} AS position
    FROM scores AS s
    WHERE s.guild_id = :guild AND s.period = :period AND s.user_id = :user
"""

COUNT_SQL = """
    SELECT COALESCE(SUM(members), 0) FROM rank_buckets WHERE guild_id = :guild AND period = :period AND level = 2
"""

_UPSERT_SCORE = """
    INSERT INTO scores (guild_id, period, user_id, points, correct, rounds, best_streak, fastest_ms)
    VALUES (?, ?, ?, ?, ?, 1, ?, ?)
    ON CONFLICT (guild_id, period, user_id) DO UPDATE SET
        points = points + excluded.points,
        correct = correct + excluded.correct,
        rounds = rounds + 1,
        best_streak = max(best_streak, excluded.best_streak),
        fastest_ms = min(COALESCE(fastest_ms, excluded.fastest_ms), COALESCE(excluded.fastest_ms, fastest_ms))
"""

# What to show for an item: its claim, or the question of a quiz-only item (which has no claim).
_ITEM_TEXT = "COALESCE(NULLIF(items.claim, ''), items.question, '')"
_OPEN_DISPUTES = (
    "(SELECT COUNT(*) FROM disputes WHERE disputes.guild_id = :guild AND disputes.item_pk = items.pk "
    "AND disputes.resolved_at IS NULL)"
)


async def add_scores(conn: aiosqlite.Connection, guild_id: int, week: str, players: Iterable[PlayerResult]) -> None:
    """Add players' results to the all-time and ``week`` leaderboards, inside the caller's transaction."""
    players = list(players)
    await conn.executemany(
        _UPSERT_SCORE,
        [
            (
                guild_id,
                period,
                player.user_id,
                player.points,
                int(player.correct),
                player.streak,
                player.answer_ms if player.correct else None,
            )
            for period in (ALL_TIME, week)
            for player in players
        ],
    )


class ScoreQueries(SqliteDatabase, GlobalBoardReads):
    """The :class:`bot.core.scores.ScoreStore` half of the SQLite store, and the global board's."""

    # -- recording -----------------------------------------------------------------------------

    async def record_round(self, record: RoundRecord, week: str) -> bool:
        """Record a finished round into the all-time and ``week`` leaderboards and item stats, in one transaction.

        Return ``False`` (changing nothing) when ``record.round_key`` was already recorded.
        """
        if week == ALL_TIME or not is_period(week):
            raise ValueError(f"{week!r} is not an ISO week key such as '2026-W48'")
        played_at = iso_moment(record.played_at)
        user_ids = [player.user_id for player in record.players]
        if len(set(user_ids)) != len(user_ids):
            raise ValueError(f"round {record.round_key}: a player appears more than once")
        guild = record.guild_id
        correct_answers = sum(player.correct for player in record.players)
        guesses = count_guesses(record.near_misses)
        secret = await self._global_secret()

        async with self._transaction() as conn:
            # The insert's trigger also counts the round for the item's and the topic's statistics.
            cursor = await conn.execute(
                """INSERT INTO rounds (round_key, guild_id, played_at, item_pk, topic, answers, correct_answers)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (
                    record.round_key,
                    guild,
                    played_at,
                    record.item_pk,
                    record.topic,
                    len(record.players),
                    correct_answers,
                ),
            )
            if cursor.rowcount == 0:
                log.debug("Round %s was already recorded", record.round_key)
                return False
            await add_scores(conn, guild, week, record.players)
            await add_global_parts(conn, guild, record.played_at, record.players, secret)
            if guesses:
                await conn.executemany(
                    """INSERT INTO near_misses (guild_id, item_pk, guess, count, last_seen) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (guild_id, item_pk, guess) DO UPDATE SET
                           count = count + excluded.count, last_seen = max(last_seen, excluded.last_seen)""",
                    [(guild, record.item_pk, guess, count, played_at) for guess, count in guesses.items()],
                )
                await conn.execute(
                    """DELETE FROM near_misses WHERE guild_id = :guild AND item_pk = :item AND guess NOT IN (
                           SELECT guess FROM near_misses WHERE guild_id = :guild AND item_pk = :item
                           ORDER BY count DESC, last_seen DESC, guess LIMIT :kept)""",
                    {"guild": guild, "item": record.item_pk, "kept": NEAR_MISSES_KEPT},
                )
        return True

    # -- leaderboards --------------------------------------------------------------------------

    async def top_scores(self, guild_id: int, period: str, offset: int = 0, limit: int = 10) -> list[ScoreRow]:
        """Return a page of the leaderboard of ``period`` (``"all"`` or a week key), best first.

        Raise :class:`ValueError` for a malformed period or a negative offset or limit.
        """
        check_period(period)
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must not be negative")

        async def read_page(points: int, skip: int) -> list[aiosqlite.Row]:
            params = {"guild": guild_id, "period": period, "points": points, "skip": skip, "limit": limit}
            return await self._fetchall(PAGE_SQL, params)

        async def find_bucket(level: int, low: int, high: int, remaining: int) -> aiosqlite.Row | None:
            params = {"guild": guild_id, "period": period, "level": level, "low": low, "high": high}
            return await self._fetchone(SEEK_SQL, {**params, "remaining": remaining})

        return await leaderboard_page(read_page, find_bucket, offset)

    async def scores_after(self, guild_id: int, period: str, key: BoardKey, limit: int = 10) -> list[ScoreRow]:
        """Return the ``limit`` lines that follow ``key`` on the leaderboard of ``period`` (the next page), best first.

        ``key`` need not be a current member's: a member who moved since still leaves a well-defined place.
        """
        return page_beside_key(await self._fetchall(AFTER_SQL, key_params(guild_id, period, key, limit)))

    async def scores_before(self, guild_id: int, period: str, key: BoardKey, limit: int = 10) -> list[ScoreRow]:
        """Return the ``limit`` lines just before ``key`` on the board of ``period`` (the previous page), best first."""
        return page_beside_key(await self._fetchall(BEFORE_SQL, key_params(guild_id, period, key, limit)))

    async def count_players(self, guild_id: int, period: str) -> int:
        """Return how many members have a score in ``period`` (for page counts)."""
        check_period(period)
        row = await self._fetchone(COUNT_SQL, {"guild": guild_id, "period": period})
        return int(row[0]) if row else 0

    async def member_rank(self, guild_id: int, period: str, user_id: int) -> ScoreRow | None:
        """Return a member's line with their position, or ``None`` if they have not played in ``period``."""
        check_period(period)
        row = await self._fetchone(MEMBER_SQL, {"guild": guild_id, "period": period, "user": user_id})
        return score_row(row, row["position"]) if row else None

    async def member_records(self, guild_id: int, user_ids: Collection[int]) -> dict[int, PlayerRecord]:
        """Return the all-time answers and right answers of those members who have a score, by user id."""
        if not user_ids:
            return {}
        rows = await self._fetchall(
            """SELECT user_id, rounds, correct FROM scores
               WHERE guild_id = :guild AND period = 'all' AND user_id IN (SELECT value FROM json_each(:users))""",
            {"guild": guild_id, "users": json.dumps(sorted(set(user_ids)))},
        )
        return {row["user_id"]: PlayerRecord(row["user_id"], row["rounds"], row["correct"]) for row in rows}

    # -- the global board's names (its pages: GlobalBoardReads) ------------------------------

    async def _global_names(self, keys: list[int]) -> dict[int, str]:
        rows = await self._fetchall(
            f"SELECT member_key, display_name FROM global_names WHERE member_key IN ({', '.join('?' * len(keys))})",
            keys,
        )
        return {row["member_key"]: row["display_name"] for row in rows}

    async def set_global_name(self, user_id: int, display_name: str | None, at: datetime) -> None:
        """Show the member under ``display_name`` (a name snapshot) on the global board; ``None`` hides it."""
        key = member_key(await self._global_secret(), user_id)
        async with self._transaction() as conn:
            if display_name is None:
                await conn.execute("DELETE FROM global_names WHERE user_id = ?", (user_id,))
                return
            await conn.execute(
                """INSERT INTO global_names (user_id, member_key, display_name, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET
                       display_name = excluded.display_name, updated_at = excluded.updated_at""",
                (user_id, key, display_name, iso_moment(at)),
            )

    async def global_name(self, user_id: int) -> str | None:
        """Return the name snapshot a member opted in with, or ``None``."""
        row = await self._fetchone("SELECT display_name FROM global_names WHERE user_id = ?", (user_id,))
        return row["display_name"] if row else None

    async def refresh_global_names(self, names: Mapping[int, str], at: datetime) -> int:
        """Refresh the snapshots of members who opted in (others are left alone); return how many changed."""
        candidates = {user_id: name for user_id, name in names.items() if name}
        if not candidates:
            return 0
        # Most members seen never opted in: find the few who did first, so the write lock is taken only for them.
        rows = await self._fetchall(
            "SELECT user_id, display_name FROM global_names WHERE user_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(candidates)),),
        )
        wanted = [
            (candidates[row["user_id"]], iso_moment(at), row["user_id"], candidates[row["user_id"]])
            for row in rows
            if row["display_name"] != candidates[row["user_id"]]
        ]
        if not wanted:
            return 0
        async with self._transaction() as conn:
            cursor = await conn.executemany(
                """UPDATE global_names SET display_name = ?, updated_at = ?
                   WHERE user_id = ? AND display_name <> ?""",
                wanted,
            )
            return cursor.rowcount

    # -- disputes ------------------------------------------------------------------------------

    async def add_dispute(self, guild_id: int, item_pk: int, user_id: int, reason: str, created_at: datetime) -> int:
        """Store a player's dispute of an item; return its id.

        A member has one open dispute per item: disputing it again returns the open dispute's id unchanged.
        """
        created = iso_moment(created_at)
        async with self._transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO disputes (guild_id, item_pk, user_id, reason, created_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (guild_id, item_pk, user_id) WHERE resolved_at IS NULL DO NOTHING""",
                (guild_id, item_pk, user_id, reason.strip(), created),
            )
            if cursor.rowcount:
                assert cursor.lastrowid is not None
                return cursor.lastrowid
            row = await self._fetchone(
                "SELECT id FROM disputes WHERE guild_id = ? AND item_pk = ? AND user_id = ? AND resolved_at IS NULL",
                (guild_id, item_pk, user_id),
            )
            assert row is not None
            return int(row["id"])

    async def resolve_dispute(self, guild_id: int, dispute_id: int, resolved_at: datetime) -> bool:
        """Close an open dispute of this server; return ``False`` if there is no such open dispute."""
        resolved = iso_moment(resolved_at)
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE disputes SET resolved_at = ? WHERE id = ? AND guild_id = ? AND resolved_at IS NULL",
                (resolved, dispute_id, guild_id),
            )
            return cursor.rowcount == 1

    # -- statistics ----------------------------------------------------------------------------

    async def hardest_items(self, guild_id: int, limit: int = 5, min_answers: int = 3) -> list[ItemStats]:
        """Return the live items this server answers worst: lowest correct rate among those with ``min_answers``."""
        rows = await self._fetchall(
            f"""SELECT items.pk, {PUBLIC_REF_SQL} AS ref, {_ITEM_TEXT} AS text,
                       stats.times_asked, stats.answers, stats.correct_answers, {_OPEN_DISPUTES} AS disputes
                FROM guild_item_stats AS stats JOIN items ON items.pk = stats.item_pk
                WHERE stats.guild_id = :guild AND stats.answers >= :min_answers AND items.retired = 0
                ORDER BY CAST(stats.correct_answers AS REAL) / stats.answers, stats.answers DESC, items.pk
                LIMIT :limit""",
            {"guild": guild_id, "min_answers": max(min_answers, 1), "limit": limit},
        )
        return await self._item_stats(guild_id, rows)

    async def most_disputed(self, guild_id: int, limit: int = 5) -> list[ItemStats]:
        """Return the live items with the most open disputes in this server, most first."""
        rows = await self._fetchall(
            f"""SELECT items.pk, {PUBLIC_REF_SQL} AS ref, {_ITEM_TEXT} AS text,
                       COALESCE(stats.times_asked, 0) AS times_asked, COALESCE(stats.answers, 0) AS answers,
                       COALESCE(stats.correct_answers, 0) AS correct_answers, open.disputes
                FROM (SELECT item_pk, COUNT(*) AS disputes FROM disputes
                      WHERE guild_id = :guild AND resolved_at IS NULL GROUP BY item_pk) AS open
                JOIN items ON items.pk = open.item_pk
                LEFT JOIN guild_item_stats AS stats ON stats.guild_id = :guild AND stats.item_pk = open.item_pk
                WHERE items.retired = 0
                ORDER BY open.disputes DESC, items.pk
                LIMIT :limit""",
            {"guild": guild_id, "limit": limit},
        )
        return await self._item_stats(guild_id, rows)

    async def _item_stats(self, guild_id: int, rows: list[aiosqlite.Row]) -> list[ItemStats]:
        misses = await self._near_misses(guild_id, [row["pk"] for row in rows])
        return [
            ItemStats(
                item_pk=row["pk"],
                ref=row["ref"],
                text=row["text"],
                times_asked=row["times_asked"],
                answers=row["answers"],
                correct_answers=row["correct_answers"],
                disputes=row["disputes"],
                near_misses=tuple(misses.get(row["pk"], ())),
            )
            for row in rows
        ]

    async def _near_misses(self, guild_id: int, item_pks: Iterable[int]) -> dict[int, list[str]]:
        pks = list(item_pks)
        if not pks:
            return {}
        rows = await self._fetchall(
            f"""SELECT item_pk, guess FROM near_misses
                WHERE guild_id = ? AND item_pk IN ({", ".join("?" * len(pks))})
                ORDER BY item_pk, count DESC, last_seen DESC, guess""",
            (guild_id, *pks),
        )
        return near_misses_by_item(rows)

    async def server_totals(self, guild_id: int, topics: int = 5) -> ServerTotals:
        """Return the server's totals for `stats`, with its ``topics`` most played topics."""
        params = {"guild": guild_id, "period": ALL_TIME, "topics": topics}
        totals = await self._fetchone(
            f"""SELECT
                    (SELECT COALESCE(SUM(rounds), 0) FROM guild_topics WHERE guild_id = :guild) AS rounds,
                    ({COUNT_SQL}) AS players,
                    COALESCE(SUM(correct_answers), 0) AS correct_answers,
                    COALESCE(SUM(answers), 0) AS answers
                FROM guild_item_stats WHERE guild_id = :guild""",
            params,
        )
        assert totals is not None
        top = await self._fetchall(
            "SELECT topic, rounds FROM guild_topics WHERE guild_id = :guild ORDER BY rounds DESC, topic LIMIT :topics",
            params,
        )
        return ServerTotals(
            rounds=totals["rounds"],
            players=totals["players"],
            correct_answers=totals["correct_answers"],
            answers=totals["answers"],
            top_topics=tuple((row["topic"], row["rounds"]) for row in top),
        )
