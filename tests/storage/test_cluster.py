"""Contract tests for running as a cluster, on every backend: leases, and daily work read per shard."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.core.cluster import ShardSet
from bot.core.daily import DailySchedule
from bot.storage.base import FactStore

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def guild_on_shard(shard: int, count: int, n: int = 1) -> int:
    """A server id that Discord puts on ``shard`` of ``count``."""
    return ((n * count + shard) << 22) | 12345


async def test_a_lease_has_one_holder_until_it_expires_or_is_released(store: FactStore):
    assert await store.claim_lease("job:sweep", "a", NOW, MINUTE) == "a"
    assert await store.claim_lease("job:sweep", "b", NOW + timedelta(seconds=30), MINUTE) == "a", "still a's"
    assert await store.claim_lease("job:sweep", "a", NOW + timedelta(seconds=50), MINUTE) == "a", "renewed"
    assert await store.claim_lease("job:sweep", "b", NOW + timedelta(seconds=90), MINUTE) == "a", "renewal counts"
    assert await store.claim_lease("job:sweep", "b", NOW + timedelta(seconds=111), MINUTE) == "b", "expired: taken"
    await store.release_lease("job:sweep", "a")  # not a's any more: nothing happens
    assert await store.claim_lease("job:sweep", "c", NOW + timedelta(seconds=112), MINUTE) == "b"
    await store.release_lease("job:sweep", "b")
    assert await store.claim_lease("job:sweep", "c", NOW + timedelta(seconds=113), MINUTE) == "c"


async def test_a_lease_of_a_holder_known_to_be_dead_can_be_taken_over(store: FactStore):
    assert await store.claim_lease("shard:0/2", "host:1", NOW, MINUTE) == "host:1"
    assert await store.claim_lease("shard:0/2", "host:2", NOW, MINUTE, replacing="host:9") == "host:1"
    assert await store.claim_lease("shard:0/2", "host:2", NOW, MINUTE, replacing="host:1") == "host:2"
    assert await store.claim_lease("shard:1/2", "host:1", NOW, MINUTE) == "host:1", "leases are per name"


async def test_daily_work_is_read_for_the_shards_served_only(store: FactStore):
    mine, theirs = guild_on_shard(1, 4), guild_on_shard(2, 4)
    assert ShardSet(4, (1,)).serves(mine) and not ShardSet(4, (1,)).serves(theirs)
    for guild_id in (mine, theirs):
        await store.set_daily_schedule(DailySchedule(guild_id, 5, time(9, 0), "UTC", None, NOW))
        assert await store.claim_daily_post(guild_id, date(2026, 12, 2), 5, NOW - timedelta(days=1))
    shards = ShardSet(4, (0, 1))
    assert [s.guild_id for s in await store.due_daily_schedules(NOW, 10, shards)] == [mine]
    assert [p.guild_id for p in await store.unfinished_daily_posts(shards)] == [mine]
    assert await store.next_daily_due(ShardSet(4, (3,))) is None
    assert await store.next_daily_due(shards) == NOW
    everything = {s.guild_id for s in await store.due_daily_schedules(NOW, 10)}
    assert (
        everything
        == {mine, theirs}
        == {s.guild_id for s in await store.due_daily_schedules(NOW, 10, ShardSet.all_of(4))}
    )
