"""SQL for daily fact posts: schedules, claimed posts, answers and streaks; part of the PostgreSQL store.

Moments are ``TIMESTAMPTZ`` (the ``daily_due`` index orders them), local days ``DATE``, post times ``TIME``.
A day's post is claimed by inserting its row: the primary key decides, whichever process tries first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.core.audit import AuditNote
from bot.core.cluster import ShardSet
from bot.core.daily import DailyPost, DailySchedule, DailyStreak, PostStatus
from bot.core.scores import PlayerResult
from bot.storage.postgres.database import PostgresDatabase
from bot.storage.postgres.global_parts import add_global_parts
from bot.storage.postgres.scores import add_scores, lock_scores
from bot.storage.shared import next_streak, post_from_row, schedule_from_row, shard_scope, streak_from_row, utc

_SCHEDULE_COLUMNS = "guild_id, channel_id, post_time, zone, topic, next_due, paused_reason"
_POST_COLUMNS = "guild_id, day, item_pk, channel_id, status, message_id, claimed_at"

# A server's shard is (guild_id >> 22) % shard_count; :shard_count NULL means every server.
_ON_SHARDS = "(:shard_count::int IS NULL OR ((guild_id >> 22) % :shard_count::int) = ANY(:shard_ids::int[]))"


def _shard_params(shards: ShardSet | None) -> dict[str, object]:
    count, ids = shard_scope(shards)
    return {"shard_count": count, "shard_ids": list(ids)}


class DailyQueries(PostgresDatabase):
    """The :class:`bot.core.daily.DailyStore` part of the PostgreSQL store."""

    # -- schedules -----------------------------------------------------------------------------

    async def set_daily_schedule(self, schedule: DailySchedule, audit: AuditNote | None = None) -> None:
        """Create or replace a server's schedule (audited with ``audit``); this also resumes a paused one."""
        async with self._transaction():
            await self._audit(schedule.guild_id, audit)
            await self._execute(
                """INSERT INTO daily_schedules
                       (guild_id, channel_id, post_time, zone, topic, next_due, paused_reason, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                   ON CONFLICT (guild_id) DO UPDATE SET
                       channel_id = excluded.channel_id, post_time = excluded.post_time, zone = excluded.zone,
                       topic = excluded.topic, next_due = excluded.next_due,
                       paused_reason = excluded.paused_reason, updated_at = excluded.updated_at""",
                (
                    schedule.guild_id,
                    schedule.channel_id,
                    schedule.post_time.replace(second=0, microsecond=0, tzinfo=None),  # minutes, as SQLite keeps it
                    schedule.zone,
                    schedule.topic,
                    utc(schedule.next_due),
                    schedule.paused_reason,
                    datetime.now(UTC),
                ),
            )

    async def remove_daily_schedule(self, guild_id: int, audit: AuditNote | None = None) -> bool:
        """Delete a server's schedule; return whether there was one (audited with ``audit`` if so)."""
        async with self._transaction():
            removed = await self._execute("DELETE FROM daily_schedules WHERE guild_id = $1", (guild_id,)) == 1
            if removed:
                await self._audit(guild_id, audit)
            return removed

    async def daily_schedule(self, guild_id: int) -> DailySchedule | None:
        """Return a server's schedule, paused or not."""
        row = await self._fetchone(f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE guild_id = $1", (guild_id,))
        return schedule_from_row(row) if row else None

    async def due_daily_schedules(
        self, now: datetime, limit: int, shards: ShardSet | None = None
    ) -> list[DailySchedule]:
        """Return up to ``limit`` active schedules due at ``now``, earliest first (read off the ``daily_due`` index)."""
        rows = await self._fetchall(
            f"""SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules
                WHERE paused_reason IS NULL AND next_due <= :now AND {_ON_SHARDS} ORDER BY next_due LIMIT :limit""",
            {"now": utc(now), "limit": limit, **_shard_params(shards)},
        )
        return [schedule_from_row(row) for row in rows]

    async def next_daily_due(self, shards: ShardSet | None = None) -> datetime | None:
        """Return the earliest due time of any active schedule of ``shards``' servers."""
        row = await self._fetchone(
            f"SELECT MIN(next_due) FROM daily_schedules WHERE paused_reason IS NULL AND {_ON_SHARDS}",
            _shard_params(shards),
        )
        return row[0] if row else None

    async def advance_daily_schedule(self, guild_id: int, expected_due: datetime, next_due: datetime) -> bool:
        """Move a schedule from ``expected_due`` to ``next_due``; ``False`` if it changed meanwhile."""
        async with self._transaction():
            changed = await self._execute(
                "UPDATE daily_schedules SET next_due = $1 WHERE guild_id = $2 AND next_due = $3",
                (utc(next_due), guild_id, utc(expected_due)),
            )
            return changed == 1

    async def pause_daily_schedule(self, guild_id: int, reason: str) -> bool:
        """Pause a schedule with a reason; return ``True`` only if it was running (so the server is told once)."""
        async with self._transaction():
            changed = await self._execute(
                "UPDATE daily_schedules SET paused_reason = $1 WHERE guild_id = $2 AND paused_reason IS NULL",
                (reason, guild_id),
            )
            return changed == 1

    # -- posts ---------------------------------------------------------------------------------

    async def claim_daily_post(
        self, guild_id: int, day: date, channel_id: int, claimed_at: datetime, status: PostStatus = PostStatus.CLAIMED
    ) -> bool:
        """Write the day's post row before sending; ``False`` if the day already has one (the primary key)."""
        async with self._transaction():
            claimed = await self._execute(
                """INSERT INTO daily_posts (guild_id, day, channel_id, status, claimed_at) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (guild_id, day) DO NOTHING""",
                (guild_id, day, channel_id, str(status), utc(claimed_at)),
            )
            return claimed == 1

    async def set_daily_item(self, guild_id: int, day: date, item_pk: int) -> None:
        """Record which item a claimed post shows."""
        async with self._transaction():
            await self._execute(
                "UPDATE daily_posts SET item_pk = $1 WHERE guild_id = $2 AND day = $3", (item_pk, guild_id, day)
            )

    async def finish_daily_post(
        self, guild_id: int, day: date, status: PostStatus, message_id: int | None = None
    ) -> None:
        """Record how a claimed post ended (sent with its message id, skipped, or failed)."""
        async with self._transaction():
            await self._execute(
                "UPDATE daily_posts SET status = $1, message_id = $2 WHERE guild_id = $3 AND day = $4",
                (str(status), message_id, guild_id, day),
            )

    async def release_daily_post(self, guild_id: int, day: date) -> None:
        """Delete a claim that was certainly not sent, so the day can still be posted after a fix."""
        async with self._transaction():
            await self._execute(
                "DELETE FROM daily_posts WHERE guild_id = $1 AND day = $2 AND status = 'claimed'", (guild_id, day)
            )

    async def daily_post(self, guild_id: int, day: date) -> DailyPost | None:
        """Return a server's post row for ``day``."""
        row = await self._fetchone(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE guild_id = $1 AND day = $2", (guild_id, day)
        )
        return post_from_row(row) if row else None

    async def latest_daily_post(self, guild_id: int, before: date | None = None) -> DailyPost | None:
        """Return the server's most recent sent post (before ``before``, if given)."""
        row = await self._fetchone(
            f"""SELECT {_POST_COLUMNS} FROM daily_posts
                WHERE guild_id = $1 AND status = 'sent' AND day < $2 ORDER BY day DESC LIMIT 1""",
            (guild_id, before or date.max),
        )
        return post_from_row(row) if row else None

    async def last_daily_day(self, guild_id: int) -> date | None:
        """Return the latest day the server has a post row for, whatever its status."""
        row = await self._fetchone("SELECT MAX(day) FROM daily_posts WHERE guild_id = $1", (guild_id,))
        return row[0] if row else None

    async def unfinished_daily_posts(self, shards: ShardSet | None = None) -> list[DailyPost]:
        """Return posts still ``claimed`` (a crash between claiming and recording the send), of ``shards``."""
        rows = await self._fetchall(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE status = 'claimed' AND {_ON_SHARDS} ORDER BY claimed_at",
            _shard_params(shards),
        )
        return [post_from_row(row) for row in rows]

    # -- answers and streaks -------------------------------------------------------------------

    async def record_daily_answer(
        self, guild_id: int, day: date, user_id: int, correct: bool, points: int, answered_at: datetime, week: str
    ) -> DailyStreak | None:
        """Record a member's answer once, with its points and streak; ``None`` if they had already answered.

        The streak continues when the member's last right answer was to the server's previous post.
        """
        secret = await self._global_secret()
        async with self._transaction() as conn:
            # The server's score lock, held until commit, also covers the streak's read and write.
            await lock_scores(conn, guild_id)
            answered = await self._execute(
                """INSERT INTO daily_answers (guild_id, day, user_id, correct, answered_at) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (guild_id, day, user_id) DO NOTHING""",
                (guild_id, day, user_id, int(correct), utc(answered_at)),
            )
            if answered == 0:
                return None
            result = PlayerResult(user_id, points if correct else 0, correct)
            await add_scores(conn, guild_id, week, [result])
            await add_global_parts(conn, guild_id, answered_at, [result], secret)
            row = await self._fetchone(
                """SELECT current, best, last_day,
                          (SELECT MAX(day) FROM daily_posts
                           WHERE guild_id = :guild AND day < :day AND status = 'sent') AS previous_day
                   FROM (SELECT 1) AS one
                   LEFT JOIN daily_streaks ON guild_id = :guild AND user_id = :user""",
                {"guild": guild_id, "user": user_id, "day": day},
            )
            assert row is not None
            current, best = next_streak(row, correct)
            await self._execute(
                """INSERT INTO daily_streaks (guild_id, user_id, current, best, last_day) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (guild_id, user_id) DO UPDATE SET
                       current = excluded.current, best = excluded.best, last_day = excluded.last_day""",
                (guild_id, user_id, current, best, day),
            )
        return DailyStreak(current, best, day)

    async def daily_streak(self, guild_id: int, user_id: int) -> DailyStreak | None:
        """Return a member's daily streak; ``current`` is 0 once they missed a post (or ``None`` if never played)."""
        row = await self._fetchone(
            """SELECT current, best, last_day,
                      (SELECT day FROM daily_posts WHERE guild_id = :guild AND status = 'sent'
                       ORDER BY day DESC LIMIT 1 OFFSET 1) AS before_latest
               FROM daily_streaks WHERE guild_id = :guild AND user_id = :user""",
            {"guild": guild_id, "user": user_id},
        )
        return streak_from_row(row) if row else None
