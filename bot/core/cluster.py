"""Running as a cluster: which shards a process serves, and leases so that one process does a cluster-wide job.

Discord assigns each server to shard ``(guild_id >> 22) % shard_count``. A process serves a :class:`ShardSet`;
its daily posts, interrupted quizzes and pauses touch only servers of those shards. Jobs that must run once per
cluster (the retention sweep) and the shards themselves are held with leases in the database
(:class:`LeaseStore`): a holder renews its lease while it lives, and a lease another holder let expire can be
taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.errors import ConfigError

MAX_SHARDS = 4096


@dataclass(frozen=True, slots=True)
class ShardSet:
    """The shards one process serves, out of ``count``."""

    count: int = 1
    ids: tuple[int, ...] = (0,)

    @classmethod
    def all_of(cls, count: int) -> ShardSet:
        """Every shard of ``count``."""
        return cls(count, tuple(range(count)))

    def serves(self, guild_id: int) -> bool:
        """Whether the server ``guild_id`` belongs to one of these shards."""
        return (guild_id >> 22) % self.count in self.ids

    @property
    def share(self) -> float:
        """The fraction of all shards served here (the share of Discord's global rate limit this process takes)."""
        return len(self.ids) / self.count

    @property
    def everything(self) -> bool:
        """Whether this process serves every shard (so no server is another process's)."""
        return len(self.ids) == self.count

    def describe(self) -> str:
        """E.g. ``shards 0-1 of 4``, or ``1 shard`` when unsharded."""
        if self.count == 1:
            return "1 shard"
        return f"shard{'s' if len(self.ids) > 1 else ''} {format_shard_ids(self.ids)} of {self.count}"


def parse_shard_ids(raw: str, count: int | None) -> tuple[int, ...]:
    """Parse ``SHARD_IDS`` (``0,1``, ``0-3`` or ``0-1,4``) into sorted distinct ids below ``count``."""
    if count is None:
        raise ConfigError("SHARD_IDS needs SHARD_COUNT: say how many shards the whole bot has, e.g. SHARD_COUNT=4.")
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ConfigError(f"SHARD_IDS={raw!r} must list shard numbers or ranges, e.g. 0,1 or 0-3.")
        first, last = int(low), int(high) if dash else int(low)
        if first > last or last >= count:
            raise ConfigError(
                f"SHARD_IDS={raw!r} names shards outside 0-{count - 1} (SHARD_COUNT={count}), or a range backwards."
            )
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


def parse_shard_count(raw: str) -> int:
    """Parse ``SHARD_COUNT``: a whole number from 1 to :data:`MAX_SHARDS`."""
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SHARDS:
        raise ConfigError(
            f"SHARD_COUNT={raw!r} must be a whole number from 1 to {MAX_SHARDS}; leave it empty for Discord's advice."
        )
    return int(raw)


def format_shard_ids(ids: tuple[int, ...]) -> str:
    """Render ids compactly: ``0-3,6``."""
    runs: list[str] = []
    start = previous = None
    for shard in ids:
        if previous is not None and shard == previous + 1:
            previous = shard
            continue
        if start is not None:
            runs.append(f"{start}-{previous}" if previous != start else f"{start}")
        start = previous = shard
    if start is not None:
        runs.append(f"{start}-{previous}" if previous != start else f"{start}")
    return ",".join(runs)


def shard_lease(shard_id: int, count: int) -> str:
    """Return the name of the lease a process holds while it serves a shard."""
    return f"shard:{shard_id}/{count}"


class LeaseStore(Protocol):
    """Leases in the database: one holder at a time per name, until it lets the lease expire or releases it."""

    async def claim_lease(
        self, name: str, holder: str, now: datetime, ttl: timedelta, *, replacing: str | None = None
    ) -> str:
        """Take or renew the lease ``name`` for ``holder`` until ``now + ttl``; return who holds it afterwards.

        It is taken when nobody holds it, when it expired, when ``holder`` already holds it, or when the current
        holder is ``replacing`` (a holder known to be dead). Otherwise it stays with its holder, whose name is
        returned.
        """
        ...

    async def release_lease(self, name: str, holder: str) -> None:
        """Give up a lease (only if ``holder`` holds it)."""
        ...
