"""The shards of this process, held as leases in the database so that two processes never serve the same shard."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.core.cluster import LeaseStore, ShardSet, shard_lease
from bot.core.errors import StorageUnavailable

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=60)
"""How long a shard stays held after its process stops renewing (a crash on another machine)."""
RENEW_SECONDS = 20.0


def this_process() -> str:
    """Name this process in leases: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_dead_here(holder: str) -> bool:
    """Whether ``holder`` was a process on this machine that no longer runs (so its leases may be taken over)."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class ShardsTaken(Exception):
    """Another live process serves one of the shards this one was asked to run."""


class ShardLeases:
    """Claims, renews and releases the leases of the shards this process serves."""

    def __init__(self, store: LeaseStore, holder: str, now: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.holder = holder
        self.now = now or (lambda: datetime.now(UTC))
        self.names: list[str] = []

    async def claim(self, shards: ShardSet) -> None:
        """Take every shard's lease, or raise :class:`ShardsTaken` (holding none) naming who has the first one."""
        for shard_id in shards.ids:
            name = shard_lease(shard_id, shards.count)
            try:
                holder = await self.store.claim_lease(name, self.holder, self.now(), LEASE_TTL)
            except StorageUnavailable as exc:  # a read-only database is still served: what it holds can be read
                log.warning("Shards served without leases: the database cannot record them (%s)", exc.cause)
                return
            if holder != self.holder and is_dead_here(holder):
                holder = await self.store.claim_lease(name, self.holder, self.now(), LEASE_TTL, replacing=holder)
            if holder != self.holder:
                await self.release()
                raise ShardsTaken(
                    f"shard {shard_id} of {shards.count} is already served by the process {holder}. Give every "
                    "process its own SHARD_IDS (or stop the other one; a stopped process frees its shards within "
                    f"{int(LEASE_TTL.total_seconds())} s)."
                )
            self.names.append(name)

    async def keep(self, lost: Callable[[str], Awaitable[None]]) -> None:
        """Renew the leases forever; call ``lost(reason)`` if another process took one (this one was stalled)."""
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            for name in self.names:
                try:
                    holder = await self.store.claim_lease(name, self.holder, self.now(), LEASE_TTL)
                except StorageUnavailable as exc:
                    log.warning(
                        "Could not renew the lease %s (%s); trying again in %.0f s", name, exc.cause, RENEW_SECONDS
                    )
                    continue
                if holder != self.holder:
                    await lost(f"the lease {name} is now held by {holder}")
                    return

    async def release(self) -> None:
        """Give the shards up (a clean stop), so a replacement can start at once."""
        for name in self.names:
            try:
                await self.store.release_lease(name, self.holder)
            except Exception as exc:  # stopping goes on: the lease expires by itself
                log.warning("Could not release the lease %s (%s); it expires by itself", name, exc)
        self.names.clear()
