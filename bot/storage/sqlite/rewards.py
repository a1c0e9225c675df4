"""SQL for role rewards: the rewards, the roles the bot gave, and who qualifies; part of the SQLite store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.audit import AuditNote
from bot.core.rewards import RoleGrant, RoleReward
from bot.storage.shared import grant_from_row, iso_moment, reward_from_row
from bot.storage.sqlite.database import SqliteDatabase

_REWARD_COLUMNS = "guild_id, role_id, kind, threshold, paused_reason"

# For a few members (after a round), both look them up by key: `+points` keeps SQLite off the rank index, which
# would read every member above the threshold, and the grants are read by the member index, not the whole server's.
MEMBERS_POINTS_SQL = """SELECT user_id FROM scores
    WHERE guild_id = :guild AND period = 'all' AND +points >= :at_least
      AND user_id IN (SELECT value FROM json_each(:among))"""
MEMBERS_GRANTS_SQL = """SELECT guild_id, role_id, user_id FROM role_grants INDEXED BY role_grants_by_member
    WHERE guild_id = :guild AND user_id IN (SELECT value FROM json_each(:among)) ORDER BY role_id, user_id"""
# A streak is current while the member answered one of the server's last two posts (as `daily_streak` reads it).
_STREAKS_SQL = """SELECT user_id FROM daily_streaks
    WHERE guild_id = :guild AND current >= :at_least{among}
      AND NOT EXISTS (SELECT 1 FROM (SELECT day FROM daily_posts WHERE guild_id = :guild AND status = 'sent'
                                     ORDER BY day DESC LIMIT 1 OFFSET 1) AS before_latest
                      WHERE before_latest.day > daily_streaks.last_day)"""


class RewardQueries(SqliteDatabase):
    """The :class:`bot.core.rewards.RewardStore` part of the SQLite store."""

    async def role_rewards(self, guild_id: int) -> list[RoleReward]:
        """Return a server's rewards, in the order they were set up."""
        rows = await self._fetchall(
            f"SELECT {_REWARD_COLUMNS} FROM role_rewards WHERE guild_id = ? ORDER BY created_at, role_id", (guild_id,)
        )
        return [reward_from_row(row) for row in rows]

    async def set_role_reward(self, reward: RoleReward, audit: AuditNote | None = None) -> None:
        """Create or replace the reward of a role (running again), with ``audit`` in the same transaction."""
        async with self._transaction() as conn:
            await self._audit(reward.guild_id, audit)
            await conn.execute(
                """INSERT INTO role_rewards (guild_id, role_id, kind, threshold, paused_reason, created_at)
                   VALUES (?, ?, ?, ?, NULL, ?)
                   ON CONFLICT (guild_id, role_id) DO UPDATE SET
                       kind = excluded.kind, threshold = excluded.threshold, paused_reason = NULL""",
                (reward.guild_id, reward.role_id, reward.kind.value, reward.threshold, iso_moment(datetime.now(UTC))),
            )

    async def remove_role_reward(self, guild_id: int, role_id: int, audit: AuditNote | None = None) -> bool:
        """Delete a role's reward (its grants stay until the roles are taken back); ``False`` if there was none."""
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM role_rewards WHERE guild_id = ? AND role_id = ?", (guild_id, role_id)
            )
            if cursor.rowcount:
                await self._audit(guild_id, audit)
            return cursor.rowcount > 0

    async def pause_role_reward(self, guild_id: int, role_id: int, reason: str) -> bool:
        """Pause a reward with a reason; ``True`` only if it was running (so the server is told once)."""
        async with self._transaction() as conn:
            cursor = await conn.execute(
                """UPDATE role_rewards SET paused_reason = ?
                   WHERE guild_id = ? AND role_id = ? AND paused_reason IS NULL""",
                (reason, guild_id, role_id),
            )
            return cursor.rowcount > 0

    async def drop_role_reward(self, guild_id: int, role_id: int) -> bool:
        """Forget a deleted role: its reward and every grant of it; return whether there was a reward."""
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM role_grants WHERE guild_id = ? AND role_id = ?", (guild_id, role_id))
            cursor = await conn.execute(
                "DELETE FROM role_rewards WHERE guild_id = ? AND role_id = ?", (guild_id, role_id)
            )
            return cursor.rowcount > 0

    async def role_grants(self, guild_id: int, user_ids: Sequence[int] | None = None) -> list[RoleGrant]:
        """Return the reward roles the bot gave in a server (to ``user_ids`` only, if given)."""
        if user_ids is None:
            rows = await self._fetchall(
                "SELECT guild_id, role_id, user_id FROM role_grants WHERE guild_id = ? ORDER BY role_id, user_id",
                (guild_id,),
            )
        else:
            rows = await self._fetchall(MEMBERS_GRANTS_SQL, {"guild": guild_id, "among": json.dumps(list(user_ids))})
        return [grant_from_row(row) for row in rows]

    async def record_role_grant(self, grant: RoleGrant, granted_at: datetime) -> None:
        """Remember that the bot gave a role (again is harmless)."""
        async with self._transaction() as conn:
            await conn.execute(
                """INSERT INTO role_grants (guild_id, role_id, user_id, granted_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                (grant.guild_id, grant.role_id, grant.user_id, iso_moment(granted_at)),
            )

    async def forget_role_grant(self, grant: RoleGrant) -> None:
        """Forget a role the bot took back."""
        async with self._transaction() as conn:
            await conn.execute(
                "DELETE FROM role_grants WHERE guild_id = ? AND role_id = ? AND user_id = ?",
                (grant.guild_id, grant.role_id, grant.user_id),
            )

    async def members_with_points(self, guild_id: int, at_least: int, among: Sequence[int] | None = None) -> list[int]:
        """Return the members with at least ``at_least`` all-time points (of ``among`` only, if given)."""
        if among is None:
            rows = await self._fetchall(
                "SELECT user_id FROM scores WHERE guild_id = ? AND period = 'all' AND points >= ?", (guild_id, at_least)
            )
        else:
            params = {"guild": guild_id, "at_least": at_least, "among": json.dumps(list(among))}
            rows = await self._fetchall(MEMBERS_POINTS_SQL, params)
        return [row["user_id"] for row in rows]

    async def members_with_daily_streak(
        self, guild_id: int, at_least: int, among: Sequence[int] | None = None
    ) -> list[int]:
        """Return the members whose current daily streak is at least ``at_least`` (of ``among`` only, if given)."""
        params: dict[str, object] = {"guild": guild_id, "at_least": at_least}
        if among is None:
            rows = await self._fetchall(_STREAKS_SQL.format(among=""), params)
        else:
            among_sql = " AND user_id IN (SELECT value FROM json_each(:among))"
            rows = await self._fetchall(
                _STREAKS_SQL.format(among=among_sql), {**params, "among": json.dumps(list(among))}
            )
        return [row["user_id"] for row in rows]

    async def reward_guilds(self) -> list[int]:
        """Return the servers that have rewards or roles the bot gave."""
        rows = await self._fetchall(
            "SELECT guild_id FROM role_rewards UNION SELECT guild_id FROM role_grants ORDER BY guild_id"
        )
        return [row["guild_id"] for row in rows]
