"""SQL for leases: shards held by a process, cluster-wide jobs (:class:`bot.core.cluster.LeaseStore`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.postgres.database import PostgresDatabase
from bot.storage.shared import utc


class ClusterQueries(PostgresDatabase):
    """The :class:`bot.core.cluster.LeaseStore` part of the PostgreSQL store."""

    async def claim_lease(
        self, name: str, holder: str, now: datetime, ttl: timedelta, *, replacing: str | None = None
    ) -> str:
        """Take or renew a lease unless another live holder has it; return the holder afterwards.

        The upsert locks the lease's row, so of several processes claiming at once exactly one takes it.
        """
        async with self._transaction():
            row = await self._fetchone(
                """INSERT INTO leases AS lease (name, holder, expires_at) VALUES (:name, :holder, :until)
                   ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                   WHERE lease.holder = excluded.holder OR lease.expires_at <= :now
                      OR lease.holder = :replacing::text
                   RETURNING holder""",
                {"name": name, "holder": holder, "until": utc(now + ttl), "now": utc(now), "replacing": replacing},
            )
            if row is None:  # another live holder keeps it
                row = await self._fetchone("SELECT holder FROM leases WHERE name = $1", (name,))
        assert row is not None
        return str(row["holder"])

    async def release_lease(self, name: str, holder: str) -> None:
        """Give up a lease held by ``holder``."""
        async with self._transaction():
            await self._execute("DELETE FROM leases WHERE name = $1 AND holder = $2", (name, holder))
