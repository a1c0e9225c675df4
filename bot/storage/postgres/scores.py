"""SQL for scores, leaderboards, disputes and quiz statistics; part of the PostgreSQL store.

Ranking works as in the SQLite store (see :mod:`bot.storage.sqlite.scores`): ``rank_buckets``, kept exact by a
PL/pgSQL trigger on ``scores`` (``migrations/0002_scores.sql``), counts members per points value at three
resolutions, so a member's position is three index range sums and a page comes off ``scores_by_rank``.

Writers of one server's scores take turns on an advisory lock (:func:`lock_scores`), taken first in their
transaction: a round touches several score and bucket rows, and two rounds locking them in different orders
would otherwise deadlock.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

import asyncpg

from bot.core.adaptive import PlayerRecord
from bot.core.global_board import global_week, member_key
from bot.core.scores import ALL_TIME, BoardKey, ItemStats, PlayerResult, RoundRecord, ScoreRow, ServerTotals, is_period
from bot.storage.postgres.database import PostgresDatabase
from bot.storage.postgres.global_parts import UPSERT_PART_TAIL
from bot.storage.postgres.rows import PUBLIC_REF_SQL
from bot.storage.shared import (
    NEAR_MISSES_KEPT,
    GlobalBoardReads,
    check_period,
    count_guesses,
    global_part_rows,
    key_params,
    leaderboard_page,
    near_misses_by_item,
    page_beside_key,
    score_row,
    utc,
)

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

# A page starts `:skip` members into those with at most `:points` points; the skipped members can be read from
# `scores_by_rank` alone, and only the page's own rows are fetched from the table. `first_position` is the
# position of the page's first member (who has the page's highest points), however many members share it.
PAGE_SQL = f"""
    WITH page AS (
        SELECT user_id, points, correct FROM scores
        WHERE guild_id = :guild AND period = :period AND points <= :points::bigint
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
        WHERE guild_id = :guild AND period = :period AND level = :level
          AND bucket BETWEEN :low::bigint AND :high::bigint) AS levels
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
        ("points = :points::bigint AND correct = :correct AND user_id > :user::bigint", "user_id"),
        ("points = :points::bigint AND correct < :correct", "correct DESC, user_id"),
        ("points < :points::bigint", "points DESC, correct DESC, user_id"),
    ),
    "before": (
        ("points = :points::bigint AND correct = :correct AND user_id < :user::bigint", "user_id DESC"),
        ("points = :points::bigint AND correct > :correct", "correct, user_id DESC"),
        ("points > :points::bigint", "points, correct, user_id DESC"),
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

_UPSERT_SCORE_HEAD = (
    "INSERT INTO scores AS s (guild_id, period, user_id, points, correct, rounds, best_streak, fastest_ms)"
)
_UPSERT_SCORE_TAIL = """
    ON CONFLICT (guild_id, period, user_id) DO UPDATE SET
        points = s.points + excluded.points,
        correct = s.correct + excluded.correct,
        rounds = s.rounds + 1,
        best_streak = GREATEST(s.best_streak, excluded.best_streak),
        fastest_ms = LEAST(s.fastest_ms, excluded.fastest_ms)
"""
_UPSERT_SCORE = f"{_UPSERT_SCORE_HEAD} VALUES ($1, $2, $3, $4, $5, 1, $6, $7) {_UPSERT_SCORE_TAIL}"

# What to show for an item: its claim, or the question of a quiz-only item (which has no claim).
_ITEM_TEXT = "COALESCE(NULLIF(items.claim, ''), items.question, '')"
_OPEN_DISPUTES = (
    "(SELECT COUNT(*) FROM disputes WHERE disputes.guild_id = :guild AND disputes.item_pk = items.pk "
    "AND disputes.resolved_at IS NULL)"
)


# Recording a round as one statement (one round trip; on its own it is its own transaction). Every write below
# draws its rows from `new_round`, which draws from `locked`: so the server's score lock (see `lock_scores`) is
# taken before any row is touched, and nothing is written when the round was recorded before. The statement's
# writes cannot see each other, so the near misses are merged with the item's stored ones first (`ranked`): the
# most frequent `:kept` are upserted and the rest deleted, the same rows the old upsert-then-prune left. A server
# that takes part in the global board adds to its part there (`counted`), under the board's lock (`joined`; its
# function looks at `global_servers` after the server's lock is held, see bot.storage.postgres.global_parts).
RECORD_ROUND_SQL = f"""
    WITH locked AS (
        SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))
    ), new_round AS (
        INSERT INTO rounds (round_key, guild_id, played_at, item_pk, topic, answers, correct_answers)
        SELECT :round_key, :guild, :played_at, :item, :topic, :answers, :correct_answers FROM locked
        ON CONFLICT DO NOTHING
        RETURNING 1
    ), players AS (
        SELECT * FROM unnest(:user_ids::bigint[], :points::bigint[], :correct::integer[], :streaks::integer[],
                             :fastest::integer[]) AS p (user_id, points, correct, best_streak, fastest_ms)
    ), scored AS (
        {_UPSERT_SCORE_HEAD}
        SELECT :guild, periods.period, p.user_id, p.points, p.correct, 1, p.best_streak, p.fastest_ms
        FROM new_round, unnest(ARRAY[{ALL_TIME!r}, :week::text]) WITH ORDINALITY AS periods (period, n), players AS p
        ORDER BY periods.n, p.user_id
        {_UPSERT_SCORE_TAIL}
    ), joined AS (
        SELECT global_board_lock(:guild) AS takes_part FROM locked
    ), counted AS (
        INSERT INTO global_parts AS g (guild_id, period, user_id, member_key, points, correct, rounds)
        SELECT :guild, q.period, q.user_id, q.member_key, q.points, q.correct, 1
        FROM new_round, joined,
             unnest(:part_periods::text[], :part_users::bigint[], :part_keys::bigint[], :part_points::bigint[],
                    :part_correct::integer[]) WITH ORDINALITY AS q (period, user_id, member_key, points, correct, n)
        WHERE joined.takes_part
        ORDER BY q.n
        {UPSERT_PART_TAIL}
    ), guesses AS (
        SELECT * FROM unnest(:guesses::text[], :counts::integer[]) AS g (guess, count)
    ), merged AS (
        SELECT COALESCE(n.guess, g.guess) AS guess, COALESCE(n.count, 0) + COALESCE(g.count, 0) AS count,
               CASE WHEN g.guess IS NULL THEN n.last_seen ELSE GREATEST(n.last_seen, :played_at) END AS last_seen
        FROM (SELECT guess, count, last_seen FROM near_misses
              WHERE guild_id = :guild AND item_pk = :item AND cardinality(:guesses::text[]) > 0) AS n
        FULL JOIN guesses AS g ON g.guess = n.guess
    ), ranked AS (
        SELECT guess, row_number() OVER (ORDER BY count DESC, last_seen DESC, guess COLLATE "C") AS place FROM merged
    ), missed AS (
        INSERT INTO near_misses AS n (guild_id, item_pk, guess, count, last_seen)
        SELECT :guild, :item, g.guess, g.count, :played_at
        FROM new_round, guesses AS g JOIN ranked AS r ON r.guess = g.guess AND r.place <= :kept
        ORDER BY g.guess
        ON CONFLICT (guild_id, item_pk, guess) DO UPDATE SET
            count = n.count + excluded.count, last_seen = GREATEST(n.last_seen, excluded.last_seen)
    ), pruned AS (
        DELETE FROM near_misses AS n USING new_round, ranked AS r
        WHERE n.guild_id = :guild AND n.item_pk = :item AND n.guess = r.guess AND r.place > :kept
    )
    SELECT EXISTS (SELECT 1 FROM new_round) AS recorded
"""


async def lock_scores(conn: asyncpg.Connection, guild_id: int) -> None:
    """Take the server's score-writing lock until the transaction ends (see the module's docstring)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"scores:{guild_id}")


async def add_scores(conn: asyncpg.Connection, guild_id: int, week: str, players: Iterable[PlayerResult]) -> None:
    """Add players' results to the all-time and ``week`` leaderboards, inside the caller's transaction.

    The caller holds :func:`lock_scores` (taken first thing in its transaction, so every writer locks in one order).
    """
    players = sorted(players, key=lambda player: player.user_id)
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


class ScoreQueries(PostgresDatabase, GlobalBoardReads):
    """The :class:`bot.core.scores.ScoreStore` part of the PostgreSQL store, and the global board's."""

    # -- recording -----------------------------------------------------------------------------

    async def record_round(self, record: RoundRecord, week: str) -> bool:
        """Record a finished round into the all-time and ``week`` leaderboards and item stats, in one transaction.

        Return ``False`` (changing nothing) when ``record.round_key`` was already recorded, by any process.
        One statement, so one round trip to the server (see :data:`RECORD_ROUND_SQL`).
        """
        if week == ALL_TIME or not is_period(week):
            raise ValueError(f"{week!r} is not an ISO week key such as '2026-W48'")
        user_ids = [player.user_id for player in record.players]
        if len(set(user_ids)) != len(user_ids):
            raise ValueError(f"round {record.round_key}: a player appears more than once")
        players = sorted(record.players, key=lambda player: player.user_id)
        guesses = sorted(count_guesses(record.near_misses).items())
        parts = global_part_rows(record.guild_id, global_week(record.played_at), players, await self._global_secret())
        recorded = await self._fetchone(
            RECORD_ROUND_SQL,
            {
                "lock": f"scores:{record.guild_id}",
                "round_key": record.round_key,
                "guild": record.guild_id,
                "played_at": utc(record.played_at),
                "item": record.item_pk,
                "topic": record.topic,
                "answers": len(players),
                "correct_answers": sum(player.correct for player in players),
                "week": week,
                "user_ids": [player.user_id for player in players],
                "points": [player.points for player in players],
                "correct": [int(player.correct) for player in players],
                "streaks": [player.streak for player in players],
                "fastest": [player.answer_ms if player.correct else None for player in players],
                "guesses": [guess for guess, _ in guesses],
                "counts": [count for _, count in guesses],
                "kept": NEAR_MISSES_KEPT,
                "part_periods": [part[1] for part in parts],
                "part_users": [part[2] for part in parts],
                "part_keys": [part[3] for part in parts],
                "part_points": [part[4] for part in parts],
                "part_correct": [part[5] for part in parts],
            },
        )
        if recorded is None or not recorded["recorded"]:
            log.debug("Round %s was already recorded", record.round_key)
            return False
        return True

    # -- leaderboards --------------------------------------------------------------------------

    async def top_scores(self, guild_id: int, period: str, offset: int = 0, limit: int = 10) -> list[ScoreRow]:
        """Return a page of the leaderboard of ``period`` (``"all"`` or a week key), best first.

        Raise :class:`ValueError` for a malformed period or a negative offset or limit.
        """
        check_period(period)
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must not be negative")

        async def read_page(points: int, skip: int) -> list[asyncpg.Record]:
            params = {"guild": guild_id, "period": period, "points": points, "skip": skip, "limit": limit}
            return await self._fetchall(PAGE_SQL, params)

        async def find_bucket(level: int, low: int, high: int, remaining: int) -> asyncpg.Record | None:
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
               WHERE guild_id = :guild AND period = 'all' AND user_id = ANY(:users::bigint[])""",
            {"guild": guild_id, "users": sorted(set(user_ids))},
        )
        return {row["user_id"]: PlayerRecord(row["user_id"], row["rounds"], row["correct"]) for row in rows}

    # -- the global board's names (its pages: GlobalBoardReads) ------------------------------

    async def _global_names(self, keys: list[int]) -> dict[int, str]:
        rows = await self._fetchall(
            "SELECT member_key, display_name FROM global_names WHERE member_key = ANY($1::bigint[])", (keys,)
        )
        return {row["member_key"]: row["display_name"] for row in rows}

    async def set_global_name(self, user_id: int, display_name: str | None, at: datetime) -> None:
        """Show the member under ``display_name`` (a name snapshot) on the global board; ``None`` hides it."""
        key = member_key(await self._global_secret(), user_id)
        if display_name is None:
            await self._execute("DELETE FROM global_names WHERE user_id = $1", (user_id,))
            return
        await self._execute(
            """INSERT INTO global_names (user_id, member_key, display_name, updated_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (user_id) DO UPDATE SET
                   display_name = excluded.display_name, updated_at = excluded.updated_at""",
            (user_id, key, display_name, utc(at)),
        )

    async def global_name(self, user_id: int) -> str | None:
        """Return the name snapshot a member opted in with, or ``None``."""
        row = await self._fetchone("SELECT display_name FROM global_names WHERE user_id = $1", (user_id,))
        return row["display_name"] if row else None

    async def refresh_global_names(self, names: Mapping[int, str], at: datetime) -> int:
        """Refresh the snapshots of members who opted in (others are left alone); return how many changed."""
        wanted = {user_id: name for user_id, name in names.items() if name}
        if not wanted:
            return 0
        return await self._execute(
            """UPDATE global_names AS n SET display_name = w.name, updated_at = $3
               FROM unnest($1::bigint[], $2::text[]) AS w (user_id, name)
               WHERE n.user_id = w.user_id AND n.display_name <> w.name""",
            (list(wanted), list(wanted.values()), utc(at)),
        )

    # -- disputes ------------------------------------------------------------------------------

    async def add_dispute(self, guild_id: int, item_pk: int, user_id: int, reason: str, created_at: datetime) -> int:
        """Store a player's dispute of an item; return its id.

        A member has one open dispute per item: disputing it again returns the open dispute's id unchanged.
        """
        created = utc(created_at)
        async with self._transaction():
            row = await self._fetchone(
                """INSERT INTO disputes (guild_id, item_pk, user_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (guild_id, item_pk, user_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id""",
                (guild_id, item_pk, user_id, reason.strip(), created),
            )
            if row is None:
                row = await self._fetchone(
                    """SELECT id FROM disputes
                       WHERE guild_id = $1 AND item_pk = $2 AND user_id = $3 AND resolved_at IS NULL""",
                    (guild_id, item_pk, user_id),
                )
            assert row is not None
            return int(row["id"])

    async def resolve_dispute(self, guild_id: int, dispute_id: int, resolved_at: datetime) -> bool:
        """Close an open dispute of this server; return ``False`` if there is no such open dispute."""
        resolved = utc(resolved_at)
        async with self._transaction():
            changed = await self._execute(
                "UPDATE disputes SET resolved_at = $1 WHERE id = $2 AND guild_id = $3 AND resolved_at IS NULL",
                (resolved, dispute_id, guild_id),
            )
            return changed == 1

    # -- statistics ----------------------------------------------------------------------------

    async def hardest_items(self, guild_id: int, limit: int = 5, min_answers: int = 3) -> list[ItemStats]:
        """Return the live items this server answers worst: lowest correct rate among those with ``min_answers``."""
        rows = await self._fetchall(
            f"""SELECT items.pk, {PUBLIC_REF_SQL} AS ref, {_ITEM_TEXT} AS text,
                       stats.times_asked, stats.answers, stats.correct_answers, {_OPEN_DISPUTES} AS disputes
                FROM guild_item_stats AS stats JOIN items ON items.pk = stats.item_pk
                WHERE stats.guild_id = :guild AND stats.answers >= :min_answers AND items.retired = 0
                ORDER BY stats.correct_answers::float8 / stats.answers, stats.answers DESC, items.pk
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

    async def _item_stats(self, guild_id: int, rows: list[asyncpg.Record]) -> list[ItemStats]:
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
            """SELECT item_pk, guess FROM near_misses WHERE guild_id = $1 AND item_pk = ANY($2::bigint[])
               ORDER BY item_pk, count DESC, last_seen DESC, guess COLLATE "C" """,
            (guild_id, pks),
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
            """SELECT topic, rounds FROM guild_topics WHERE guild_id = :guild
               ORDER BY rounds DESC, topic COLLATE "C" LIMIT :topics""",
            {"guild": guild_id, "topics": topics},
        )
        return ServerTotals(
            rounds=totals["rounds"],
            players=totals["players"],
            correct_answers=totals["correct_answers"],
            answers=totals["answers"],
            top_topics=tuple((row["topic"], row["rounds"]) for row in top),
        )
