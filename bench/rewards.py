"""The cost of keeping role rewards in line: after each quiz round, and the hourly look at a whole server.

One server with ``members`` members on the all-time board (points spread from 0 to 1,000), a daily streak for a
tenth of them, and three rewards (500 points, a streak of 3, last week's winner). Discord is a granter that only
counts its calls, so the figures are the bot's own work: the store's queries and the plan.

Timed, in the same run:

- after a round: the keeper's settle for the round's 20 players with nothing to change (what every quiz round now
  costs on top of its score write), against the round's score write itself (``record_round`` of the same 20 players);
- the hourly settle of the whole server with nothing to change, against reading the whole all-time board once
  (``top_scores`` of every member, one indexed query).

Run: ``python -m bench.rewards [--database-url postgresql://…]`` (10,000 members) or ``--quick`` (1,000).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from bench.daily import bench_database
from bot.core.catalog import load_pack_dir
from bot.core.daily import PostStatus
from bot.core.rewards import RewardKeeper, RewardKind, RoleGrant, RoleReward
from bot.core.scores import ALL_TIME, PlayerResult, RoundRecord, week_key
from bot.storage import open_store, parse_database_url
from bot.storage.base import FactStore
from tests.helpers import SAMPLE_PACKS

GUILD = 4242
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PLAYERS = 20


class CountingGranter:
    """Discord that says yes to everything and counts what it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    async def grant(self, grant: RoleGrant) -> None:
        self.calls += 1

    async def remove(self, grant: RoleGrant) -> None:
        self.calls += 1

    async def notify_paused(self, guild_id: int, role_id: int, reason: str) -> None:
        self.calls += 1


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def describe(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.3f} ms, p99 {percentile(samples, 0.99):.3f} ms"


async def seed(store: FactStore, members: int) -> None:
    """Give every member all-time points, a tenth of them a daily streak of 3, and set up the three rewards."""
    week = week_key(NOW)
    for start in range(0, members, 100):
        players = tuple(
            PlayerResult(user_id, (user_id * 37) % 1001, True, 1000) for user_id in range(start + 1, start + 101)
        )
        await store.record_round(RoundRecord(GUILD, f"seed-{start}", 1, "animals", NOW, players), week)
    first = date(2026, 11, 23)
    for offset in range(3):
        day = first + timedelta(days=offset)
        moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
        await store.claim_daily_post(GUILD, day, 1, moment)
        await store.finish_daily_post(GUILD, day, PostStatus.SENT, 1)
        for user_id in range(1, members + 1, 10):
            await store.record_daily_answer(GUILD, day, user_id, True, 10, moment, week_key(moment))
    for role_id, kind, threshold in ((1, RewardKind.POINTS, 500), (2, RewardKind.STREAK, 3), (3, RewardKind.WEEKLY, 0)):
        await store.set_role_reward(RoleReward(GUILD, role_id, kind, threshold))


async def timed(count: int, action) -> list[float]:
    samples = []
    for n in range(count):
        start = time.perf_counter()
        await action(n)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def run(members: int, rounds: int, admin_url: str | None) -> None:
    async with bench_database(admin_url) as url:
        target = parse_database_url(url)
        store = await open_store(target)
        try:
            await measure(store, target.scheme, members, rounds)
        finally:
            await store.close()


async def measure(store: FactStore, backend: str, members: int, rounds: int) -> None:
    """Seed the server, then time the settles and their baselines."""
    started = time.perf_counter()
    await load_pack_dir(store, SAMPLE_PACKS)  # the rounds' item
    await seed(store, members)
    granter = CountingGranter()
    keeper = RewardKeeper(store, granter, now=lambda: NOW + timedelta(weeks=1))
    first = await keeper.settle(GUILD)
    print(
        f"{backend}, {members:,} members: first settle gave {first.granted:,} roles "
        f"({time.perf_counter() - started:.1f} s with seeding)"
    )
    week = week_key(NOW)

    def players(n: int) -> tuple[PlayerResult, ...]:
        base = (n * PLAYERS) % (members - PLAYERS)
        return tuple(PlayerResult(base + k + 1, 0, False) for k in range(PLAYERS))  # no points: nothing changes

    async def write_round(n: int) -> None:
        await store.record_round(RoundRecord(GUILD, f"timed-{n}", 1, "animals", NOW, players(n)), week)

    async def settle_round(n: int) -> None:
        await keeper.settle(GUILD, [p.user_id for p in players(n)])

    calls = granter.calls
    writes, settles = [], []
    for batch in range(10):  # interleaved, so load on the machine hits both alike
        writes += await timed(rounds // 10, lambda n, b=batch: write_round(b * rounds + n))
        settles += await timed(rounds // 10, lambda n, b=batch: settle_round(b * rounds + n))
    print(f"  after a round ({PLAYERS} players): settle {describe(settles)}")
    print(f"    baseline, the round's score write: {describe(writes)}")
    print(f"    ratio settle/write: p50 {statistics.median(settles) / statistics.median(writes):.2f}")

    whole = await timed(max(3, rounds // 50), lambda n: keeper.settle(GUILD))
    board = await timed(max(3, rounds // 50), lambda n: store.top_scores(GUILD, ALL_TIME, 0, members))
    print(f"  hourly settle of the server: {describe(whole)}")
    print(f"    baseline, reading the whole all-time board once: {describe(board)}")
    print(f"    ratio settle/board: p50 {statistics.median(whole) / statistics.median(board):.2f}")
    print(f"  Discord calls with nothing to change: {granter.calls - calls}")
    assert granter.calls == calls, "a steady state must not call Discord"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 members and 200 rounds, a smoke run")
    parser.add_argument("--database-url", help="a PostgreSQL server to bench on (a database is created and dropped)")
    arguments = parser.parse_args()
    members, rounds = (1_000, 200) if arguments.quick else (10_000, 2_000)
    asyncio.run(run(members, rounds, arguments.database_url))


if __name__ == "__main__":
    main()
