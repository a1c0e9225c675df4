"""SQL for role rewards: the rewards, the roles the bot gave, and who qualifies; part of the PostgreSQL store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.audit import AuditNote
from bot.core.rewards import RoleGrant, RoleReward
from bot.storage.postgres.database import PostgresDatabase
from bot.storage.shared import grant_from_row, reward_from_row, utc

_REWARD_COLUMNS = "guild_id, role_id, kind, threshold, paused_reason"


def _among(user_ids: Sequence[int] | None) -> tuple[str, dict[str, object]]:
    """Return the condition (and its parameter) that limits a query to ``user_ids``; nothing for every member.

    Two statements rather than ``:among IS NULL OR …``, which would keep the planner from looking members up by key.
    """
    if user_ids is None:
        return "", {}
    return " AND user_id = ANY(:among::bigint[])", {"among": list(user_ids)}


class RewardQueries(PostgresDatabase):
    """The :class:`bot.core.rewards.RewardStore` part of the PostgreSQL store."""

    async def role_rewards(self, guild_id: int) -> list[RoleReward]:
        """Return a server's rewards, in the order they were set up."""
        rows = await self._fetchall(
            f"SELECT {_REWARD_COLUMNS} FROM role_rewards WHERE guild_id = $1 ORDER BY created_at, role_id", (guild_id,)
        )
        return [reward_from_row(row) for row in rows]

    async def set_role_reward(self, reward: RoleReward, audit: AuditNote | None = None) -> None:
        """Create or replace the reward of a role (running again), with ``audit`` in the same transaction."""
        async with self._transaction():
            await self._audit(reward.guild_id, audit)
            await self._execute(
                """INSERT INTO role_rewards (guild_id, role_id, kind, threshold, paused_reason, created_at)
                   VALUES ($1, $2, $3, $4, NULL, $5)
                   ON CONFLICT (guild_id, role_id) DO UPDATE SET
                       kind = excluded.kind, threshold = excluded.threshold, paused_reason = NULL""",
                (reward.guild_id, reward.role_id, reward.kind.value, reward.threshold, datetime.now(UTC)),
            )

    async def remove_role_reward(self, guild_id: int, role_id: int, audit: AuditNote | None = None) -> bool:
        """Delete a role's reward (its grants stay until the roles are taken back); ``False`` if there was none."""
        async with self._transaction():
            removed = await self._execute(
                "DELETE FROM role_rewards WHERE guild_id = $1 AND role_id = $2", (guild_id, role_id)
            )
            if removed:
                await self._audit(guild_id, audit)
            return removed > 0

    async def pause_role_reward(self, guild_id: int, role_id: int, reason: str) -> bool:
        """Pause a reward with a reason; ``True`` only if it was running (so the server is told once)."""
        paused = await self._execute(
            """UPDATE role_rewards SET paused_reason = $1
               WHERE guild_id = $2 AND role_id = $3 AND paused_reason IS NULL""",
            (reason, guild_id, role_id),
        )
        return paused > 0

    async def drop_role_reward(self, guild_id: int, role_id: int) -> bool:
        """Forget a deleted role: its reward and every grant of it; return whether there was a reward."""
        async with self._transaction():
            await self._execute("DELETE FROM role_grants WHERE guild_id = $1 AND role_id = $2", (guild_id, role_id))
            dropped = await self._execute(
                "DELETE FROM role_rewards WHERE guild_id = $1 AND role_id = $2", (guild_id, role_id)
            )
            return dropped > 0

    async def role_grants(self, guild_id: int, user_ids: Sequence[int] | None = None) -> list[RoleGrant]:
        """Return the reward roles the bot gave in a server (to ``user_ids`` only, if given)."""
        among, params = _among(user_ids)
        rows = await self._fetchall(
            f"""SELECT guild_id, role_id, user_id FROM role_grants WHERE guild_id = :guild{among}
                ORDER BY role_id, user_id""",
            {"guild": guild_id, **params},
        )
        return [grant_from_row(row) for row in rows]

    async def record_role_grant(self, grant: RoleGrant, granted_at: datetime) -> None:
        """Remember that the bot gave a role (again is harmless)."""
        await self._execute(
            """INSERT INTO role_grants (guild_id, role_id, user_id, granted_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT DO NOTHING""",
            (grant.guild_id, grant.role_id, grant.user_id, utc(granted_at)),
        )

    async def forget_role_grant(self, grant: RoleGrant) -> None:
        """Forget a role the bot took back."""
        await self._execute(
            "DELETE FROM role_grants WHERE guild_id = $1 AND role_id = $2 AND user_id = $3",
            (grant.guild_id, grant.role_id, grant.user_id),
        )

    async def members_with_points(self, guild_id: int, at_least: int, among: Sequence[int] | None = None) -> list[int]:
        """Return the members with at least ``at_least`` all-time points (of ``among`` only, if given)."""
        limit, params = _among(among)
        rows = await self._fetchall(
            f"SELECT user_id FROM scores WHERE guild_id = :guild AND period = 'all' AND points >= :at_least{limit}",
            {"guild": guild_id, "at_least": at_least, **params},
        )
        return [row["user_id"] for row in rows]

    async def members_with_daily_streak(
        self, guild_id: int, at_least: int, among: Sequence[int] | None = None
    ) -> list[int]:
        """Return the members whose current daily streak is at least ``at_least`` (of ``among`` only, if given).

        A streak is current while the member answered one of the server's last two posts (as ``daily_streak``).
        """
        limit, params = _among(among)
        rows = await self._fetchall(
            f"""SELECT user_id FROM daily_streaks
                WHERE guild_id = :guild AND current >= :at_least{limit}
                  AND NOT EXISTS (SELECT 1 FROM (SELECT day FROM daily_posts WHERE guild_id = :guild AND status = 'sent'
                                                 ORDER BY day DESC LIMIT 1 OFFSET 1) AS before_latest
                                  WHERE before_latest.day > daily_streaks.last_day)""",
            {"guild": guild_id, "at_least": at_least, **params},
        )
        return [row["user_id"] for row in rows]

    async def reward_guilds(self) -> list[int]:
        """Return the servers that have rewards or roles the bot gave."""
        rows = await self._fetchall(
            "SELECT guild_id FROM role_rewards UNION SELECT guild_id FROM role_grants ORDER BY guild_id"
        )
        return [row["guild_id"] for row in rows]
