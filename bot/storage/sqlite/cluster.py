"""SQL for leases: shards held by a process, cluster-wide jobs (:class:`bot.core.cluster.LeaseStore`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.shared import iso_moment
from bot.storage.sqlite.database import SqliteDatabase


class ClusterQueries(SqliteDatabase):
    """The :class:`bot.core.cluster.LeaseStore` part of the SQLite store."""

    async def claim_lease(
        self, name: str, holder: str, now: datetime, ttl: timedelta, *, replacing: str | None = None
    ) -> str:
        """Take or renew a lease unless another live holder has it; return the holder afterwards."""
        async with self._transaction() as conn:
            await conn.execute(
                """INSERT INTO leases (name, holder, expires_at) VALUES (:name, :holder, :until)
                   ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                   WHERE leases.holder = excluded.holder OR leases.expires_at <= :now OR leases.holder = :replacing""",
                {
                    "name": name,
                    "holder": holder,
                    "until": iso_moment(now + ttl),
                    "now": iso_moment(now),
                    "replacing": replacing,
                },
            )
            row = await self._fetchone("SELECT holder FROM leases WHERE name = ?", (name,))
        assert row is not None
        return str(row["holder"])

    async def release_lease(self, name: str, holder: str) -> None:
        """Give up a lease held by ``holder``."""
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
