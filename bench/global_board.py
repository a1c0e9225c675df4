"""Global board benchmark: a page of the board shared by 1,000 servers against the same page of one server's board.

Builds a temporary database through the real store (SQLite, or PostgreSQL with ``--database-url postgresql://…``,
where a database is created and dropped): 1,000 servers that take part in the global board, 200 members each, drawn
from 100,000 members so that most play in two servers (200,000 server scores, about 87,000 members on the global
board). Then times, interleaved so both see the same machine:

- the global board's first page, a page turned with Next (keyset) and a member's global rank, each against the same
  call on one server's board (its biggest: 200 members);
- recording a round in a server that takes part against one in a server that does not (the price of the global
  board on the write path).

Every figure is printed with the ratio global/server (p50 / p99). ``--quick``: 50 servers of 40 members.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.daily import bench_database
from bench.leaderboard import POINTS_PER_CORRECT, percentile, timed
from bot.app.config import DEFAULT_PACKS_DIR
from bot.core.catalog import load_pack_dir
from bot.core.global_board import global_week
from bot.core.scores import ALL_TIME, PlayerResult, RoundRecord, week_key
from bot.storage import open_store, parse_database_url
from bot.storage.base import FactStore

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
FIRST_GUILD = 10**17
FIRST_MEMBER = 2 * 10**17


@dataclass(frozen=True)
class Scale:
    """How big a database to build and how many requests to time."""

    servers: int
    members_per_server: int
    members: int
    samples: int
    rounds: int


FULL = Scale(servers=1_000, members_per_server=200, members=100_000, samples=2_000, rounds=400)
QUICK = Scale(servers=50, members_per_server=40, members=1_000, samples=200, rounds=40)


def results(members: list[int], rng: random.Random) -> tuple[PlayerResult, ...]:
    """Each member's result in one round: right a little more often than not."""
    played = []
    for user_id in members:
        correct = rng.random() < 0.55
        played.append(PlayerResult(user_id, rng.randint(*POINTS_PER_CORRECT) if correct else 0, correct, None, 1))
    return tuple(played)


async def build(store: FactStore, scale: Scale, rng: random.Random) -> dict[int, list[int]]:
    """Opt every server in, then play one round with all its members; return each server's members."""
    pool = range(FIRST_MEMBER, FIRST_MEMBER + scale.members)
    servers = {FIRST_GUILD + n: rng.sample(pool, scale.members_per_server) for n in range(scale.servers)}
    for number, (guild, members) in enumerate(servers.items()):
        await store.update_server_settings(guild, {"global_board": True})
        played_at = NOW - timedelta(minutes=number)
        record = RoundRecord(guild, f"seed:{guild}", 1, "bench", played_at, results(members, rng))
        await store.record_round(record, week_key(played_at))
    return servers


async def compare(name: str, calls: list, baseline: list) -> None:
    """Time ``calls`` interleaved with ``baseline`` calls; print both and the ratio."""
    paired = [call for pair in zip(calls, baseline, strict=True) for call in pair]
    latencies = await timed(paired)
    real, base = latencies[0::2], latencies[1::2]
    p50, p99, b50, b99 = (percentile(real, 0.5), percentile(real, 0.99), percentile(base, 0.5), percentile(base, 0.99))
    print(
        f"  {name:36} p50 {p50:6.3f}  p99 {p99:6.3f} ms | server p50 {b50:6.3f}  p99 {b99:6.3f} ms"
        f" | x{p50 / b50:5.2f} / x{p99 / b99:5.2f}"
    )


async def run(store: FactStore, scale: Scale, servers: dict[int, list[int]], rng: random.Random) -> None:
    """Time the global board's reads and the write path against one server's."""
    guild = next(iter(servers))
    members = servers[guild]
    n = scale.samples
    board_members = await store.global_count(ALL_TIME)
    print(f"  {len(servers):,} servers take part; {board_members:,} members on the global board")
    print(f"  server board: {len(members):,} members; {n:,} requests per line, each followed by the server's own")
    global_second = (await store.global_top(ALL_TIME, 10))[0]
    global_first = await store.global_top(ALL_TIME)
    server_first = await store.top_scores(guild, ALL_TIME)
    assert (await store.global_after(ALL_TIME, global_first[-1].key))[0].key == global_second.key
    await compare(
        "first page (top 10), all time",
        [lambda: store.global_top(ALL_TIME)] * n,
        [lambda: store.top_scores(guild, ALL_TIME)] * n,
    )
    week = global_week(NOW)
    await compare(
        "first page (top 10), this week",
        [lambda: store.global_top(week)] * n,
        [lambda: store.top_scores(guild, week_key(NOW))] * n,
    )
    await compare(
        "next page (keyset)",
        [lambda: store.global_after(ALL_TIME, global_first[-1].key)] * n,
        [lambda: store.scores_after(guild, ALL_TIME, server_first[-1].key)] * n,
    )
    sampled = [rng.choice(members) for _ in range(n)]
    await compare(
        "a member's rank, all time",
        [lambda u=u: store.global_rank(ALL_TIME, u) for u in sampled],
        [lambda u=u: store.member_rank(guild, ALL_TIME, u) for u in sampled],
    )
    outside = FIRST_GUILD - 1
    joined, alone = [], []
    for number in range(scale.rounds):
        players = results(rng.sample(members, 8), rng)
        at = NOW + timedelta(seconds=number)
        joined.append(
            lambda p=players, k=number, at=at: store.record_round(
                RoundRecord(guild, f"in:{k}", 1, "b", at, p), week_key(at)
            )
        )
        alone.append(
            lambda p=players, k=number, at=at: store.record_round(
                RoundRecord(outside, f"out:{k}", 1, "b", at, p), week_key(at)
            )
        )
    print("  recording a round of 8 players: in a server that takes part | one that does not")
    await compare("record_round", joined, alone)


async def bench(scale: Scale, seed: int, admin_url: str | None) -> None:
    """Build the database on the chosen backend, then measure."""
    rng = random.Random(seed)
    async with bench_database(admin_url) as url:
        print(f"backend: {'PostgreSQL' if admin_url else 'SQLite'}")
        store = await open_store(parse_database_url(url))
        try:
            await load_pack_dir(store, DEFAULT_PACKS_DIR)
            started = time.perf_counter()
            servers = await build(store, scale, rng)
            print(f"  built in {time.perf_counter() - started:.1f} s")
            await run(store, scale, servers, rng)
        finally:
            await store.close()


def main() -> None:
    """Build the database and run the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 servers of 40 members and few requests, a smoke run")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a PostgreSQL server to bench on (a database is created and dropped)")
    args = parser.parse_args()
    asyncio.run(bench(QUICK if args.quick else FULL, args.seed, args.database_url))


if __name__ == "__main__":
    main()
