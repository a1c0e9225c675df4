"""SQL for personal review: members' missed items on their schedule, review numbers and opt-outs.

Part of :class:`bot.storage.postgres.store.PostgresStore`. Local days are ``DATE``, moments ``TIMESTAMPTZ``; the row
of the member's numbers is locked while a review updates it, so presses from two processes count both.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.core.cluster import ShardSet
from bot.core.review import MASTERED, Outcome, ReviewCard, ReviewStats, ReviewStreak, next_streak
from bot.storage.postgres.database import PostgresDatabase
from bot.storage.shared import (
    REVIEW_CARD_COLUMNS,
    review_card_from_row,
    review_stats_from_rows,
    review_streak_from_row,
    shard_scope,
    utc,
)

# A member's rows whose item was retired, hidden in the server, or is no myth or fact (any more).
_DELETE_STALE = """DELETE FROM review_items WHERE guild_id = :guild AND user_id = :user AND (
    EXISTS (SELECT 1 FROM items WHERE items.pk = review_items.item_pk
            AND (items.retired = 1 OR items.kind NOT IN ('myth', 'fact')))
    OR EXISTS (SELECT 1 FROM hidden_items WHERE hidden_items.guild_id = review_items.guild_id
               AND hidden_items.item_pk = review_items.item_pk))"""

_STREAK_COLUMNS = "streak_current, streak_best, last_review_day"
_ON_SHARDS = "(:shard_count::int IS NULL OR ((guild_id >> 22) % :shard_count::int) = ANY(:shard_ids::int[]))"
"""A server's shard is (guild_id >> 22) % shard_count; :shard_count NULL means every server."""


def _shard_params(shards: ShardSet | None) -> dict[str, object]:
    count, ids = shard_scope(shards)
    return {"shard_count": count, "shard_ids": list(ids)}


class ReviewQueries(PostgresDatabase):
    """The :class:`bot.core.review.ReviewStore` part of the PostgreSQL store."""

    async def record_misses(
        self, guild_id: int, item_pk: int, user_ids: list[int], missed_at: datetime, due_on: date
    ) -> int:
        """Put an item back on the first step, due ``due_on``, for each member (except those who opted out).

        Idempotent: a miss no later than the one already recorded changes nothing. Return the rows written.
        """
        if not user_ids:
            return 0
        async with self._transaction():
            return await self._execute(
                """INSERT INTO review_items (guild_id, user_id, item_pk, step, due_on, missed_at)
                   SELECT :guild, member, :item, 0, :due, :at FROM unnest(:users::bigint[]) AS member
                   WHERE member NOT IN (
                       SELECT user_id FROM review_members WHERE guild_id = :guild AND opted_out = 1)
                   ON CONFLICT (guild_id, user_id, item_pk) DO UPDATE SET
                       step = 0, due_on = excluded.due_on, missed_at = excluded.missed_at
                   WHERE review_items.missed_at < excluded.missed_at""",
                {"guild": guild_id, "item": item_pk, "users": user_ids, "due": due_on, "at": utc(missed_at)},
            )

    async def due_reviews(self, guild_id: int, user_id: int, today: date, limit: int = 1) -> list[ReviewCard]:
        """Return up to ``limit`` of the member's cards due ``today`` or earlier, longest overdue first.

        Items since retired, hidden in the server, or no longer myths or facts are deleted from review first.
        """
        member = {"guild": guild_id, "user": user_id}
        async with self._transaction():
            await self._execute(_DELETE_STALE, member)
            rows = await self._fetchall(
                f"""SELECT {REVIEW_CARD_COLUMNS} FROM review_items JOIN items ON items.pk = review_items.item_pk
                    WHERE review_items.guild_id = :guild AND review_items.user_id = :user
                      AND review_items.due_on IS NOT NULL AND review_items.due_on <= :today
                    ORDER BY review_items.due_on, review_items.missed_at, review_items.item_pk LIMIT :limit""",
                {**member, "today": today, "limit": limit},
            )
        return [review_card_from_row(row) for row in rows]

    async def review_card(self, guild_id: int, user_id: int, item_pk: int) -> ReviewCard | None:
        """Return the member's card of one item while it is learning (not mastered, item live and not hidden)."""
        row = await self._fetchone(
            f"""SELECT {REVIEW_CARD_COLUMNS} FROM review_items JOIN items ON items.pk = review_items.item_pk
                WHERE review_items.guild_id = :guild AND review_items.user_id = :user
                  AND review_items.item_pk = :item AND review_items.step < {MASTERED}
                  AND items.retired = 0 AND items.kind IN ('myth', 'fact')
                  AND NOT EXISTS (SELECT 1 FROM hidden_items
                                  WHERE hidden_items.guild_id = :guild AND hidden_items.item_pk = :item)""",
            {"guild": guild_id, "user": user_id, "item": item_pk},
        )
        return review_card_from_row(row) if row else None

    async def record_review(
        self, guild_id: int, user_id: int, item_pk: int, from_step: int, outcome: Outcome, correct: bool, today: date
    ) -> ReviewStreak | None:
        """Move a due card on ``from_step`` to ``outcome`` and count the review in the member's numbers and streak.

        Return the streak after it, or ``None`` (changing nothing) when the card is no longer due on that step.
        """
        member = {"guild": guild_id, "user": user_id}
        async with self._transaction():
            changed = await self._execute(
                """UPDATE review_items SET step = :to_step, due_on = :due
                   WHERE guild_id = :guild AND user_id = :user AND item_pk = :item
                     AND step = :from_step AND due_on <= :today""",
                {
                    **member,
                    "item": item_pk,
                    "to_step": outcome.step,
                    "due": outcome.due_on,
                    "from_step": from_step,
                    "today": today,
                },
            )
            if changed == 0:
                return None
            row = await self._fetchone(
                f"""SELECT {_STREAK_COLUMNS} FROM review_members WHERE guild_id = :guild AND user_id = :user
                    FOR UPDATE""",
                member,
            )
            streak = next_streak(review_streak_from_row(row), today)
            await self._execute(
                """INSERT INTO review_members
                       (guild_id, user_id, streak_current, streak_best, last_review_day, reviews, correct_reviews)
                   VALUES (:guild, :user, :current, :best, :day, 1, :correct)
                   ON CONFLICT (guild_id, user_id) DO UPDATE SET
                       streak_current = excluded.streak_current, streak_best = excluded.streak_best,
                       last_review_day = excluded.last_review_day, reviews = review_members.reviews + 1,
                       correct_reviews = review_members.correct_reviews + excluded.correct_reviews""",
                {
                    **member,
                    "current": streak.current,
                    "best": streak.best,
                    "day": today,
                    "correct": int(correct),
                },
            )
        return streak

    async def review_stats(self, guild_id: int, user_id: int, today: date) -> ReviewStats:
        """Return the member's review numbers in the server (cleaning up retired and hidden items first)."""
        member = {"guild": guild_id, "user": user_id}
        async with self._transaction():
            await self._execute(_DELETE_STALE, member)
            steps = await self._fetchall(
                """SELECT step, COUNT(*) AS cards, COUNT(*) FILTER (WHERE due_on <= :today) AS due
                   FROM review_items WHERE guild_id = :guild AND user_id = :user GROUP BY step""",
                {**member, "today": today},
            )
            row = await self._fetchone(
                f"""SELECT {_STREAK_COLUMNS}, reviews, correct_reviews FROM review_members
                    WHERE guild_id = :guild AND user_id = :user""",
                member,
            )
        return review_stats_from_rows(steps, row)

    async def review_opted_out(self, guild_id: int, user_id: int) -> bool:
        """Return whether the member turned review off in the server."""
        row = await self._fetchone(
            "SELECT 1 FROM review_members WHERE guild_id = $1 AND user_id = $2 AND opted_out = 1", (guild_id, user_id)
        )
        return row is not None

    async def set_review_opt_out(self, guild_id: int, user_id: int, opted_out: bool) -> int:
        """Turn review off (deleting the member's cards, numbers and reminder; return the cards deleted) or on."""
        member = (guild_id, user_id)
        async with self._transaction():
            if not opted_out:
                await self._execute(
                    "UPDATE review_members SET opted_out = 0 WHERE guild_id = $1 AND user_id = $2", member
                )
                return 0
            deleted = await self._execute("DELETE FROM review_items WHERE guild_id = $1 AND user_id = $2", member)
            await self._execute("DELETE FROM review_members WHERE guild_id = $1 AND user_id = $2", member)
            await self._execute("INSERT INTO review_members (guild_id, user_id, opted_out) VALUES ($1, $2, 1)", member)
            return deleted

    # -- reminders -------------------------------------------------------------------------------

    async def set_review_reminder(self, guild_id: int, user_id: int, remind: bool) -> None:
        """Turn the member's DM reminder of due cards in the server on or off."""
        async with self._transaction():
            await self._execute(
                """INSERT INTO review_members (guild_id, user_id, remind) VALUES (:guild, :user, :remind)
                   ON CONFLICT (guild_id, user_id) DO UPDATE SET remind = excluded.remind""",
                {"guild": guild_id, "user": user_id, "remind": int(remind)},
            )

    async def review_reminder_on(self, guild_id: int, user_id: int) -> bool:
        """Return whether the member asked for DM reminders in the server."""
        row = await self._fetchone(
            "SELECT 1 FROM review_members WHERE guild_id = :guild AND user_id = :user AND remind = 1",
            {"guild": guild_id, "user": user_id},
        )
        return row is not None

    async def review_reminder_candidates(
        self, now: datetime, latest_today: date, limit: int, shards: ShardSet | None = None
    ) -> list[tuple[int, int]]:
        """Return up to ``limit`` ``(server, member)`` pairs whose reminder may go out at ``now``.

        Only members with reminders on and a card due on ``latest_today`` or earlier, in servers of ``shards``
        (``None``: every server).
        """
        rows = await self._fetchall(
            f"""SELECT guild_id, user_id FROM review_members
                WHERE remind = 1 AND (next_reminder_at IS NULL OR next_reminder_at <= :now) AND {_ON_SHARDS}
                  AND EXISTS (SELECT 1 FROM review_items
                              WHERE review_items.guild_id = review_members.guild_id
                                AND review_items.user_id = review_members.user_id AND review_items.due_on <= :latest)
                ORDER BY guild_id, user_id LIMIT :limit""",
            {"now": utc(now), "latest": latest_today, "limit": limit, **_shard_params(shards)},
        )
        return [(row["guild_id"], row["user_id"]) for row in rows]

    async def claim_review_reminder(self, guild_id: int, user_id: int, now: datetime, next_at: datetime) -> bool:
        """Take the member's reminder of ``now``, so none goes out again before ``next_at``.

        Return ``False`` if another pass (or process) took it, or reminders were turned off.
        """
        async with self._transaction():
            changed = await self._execute(
                """UPDATE review_members SET next_reminder_at = :next
                   WHERE guild_id = :guild AND user_id = :user AND remind = 1
                     AND (next_reminder_at IS NULL OR next_reminder_at <= :now)""",
                {"guild": guild_id, "user": user_id, "now": utc(now), "next": utc(next_at)},
            )
            return changed == 1
