"""Leaderboard latency benchmark on a large database.

Builds a temporary database with 1,000,000 score rows across 10,000 servers (the largest with 100,000
members, a fifth of each server's members also on the current weekly board), on SQLite or (with
``--database-url postgresql://…``, where a database is created and dropped) on PostgreSQL, then measures through
the real store:

- top-10 and ``member_rank`` p50/p99, for the biggest server and for random servers and members,
  against a bare primary-key lookup of one member's points through a plain connection of the same driver;
- the last page, by offset (a page asked for by number) and beside the page before it (Next and Previous);
- the naive alternative, a ``COUNT(*)`` over the ranking index, for the same members (for context);
- ``record_round`` p50/p99 and rounds per second on the same database, as the store opens it (on SQLite the
  WAL is checkpointed by a background task meanwhile, as in the bot, not inside the commit that fills it).

Run: ``python -m bench.leaderboard`` (``--quick`` for a small smoke run). Targets: p99 <= 2 ms for top-10, rank
and recording a round.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

from bench.daily import bench_database
from bot.app.config import DEFAULT_PACKS_DIR
from bot.core.catalog import load_pack_dir
from bot.core.scores import ALL_TIME, PlayerResult, RoundRecord, week_key
from bot.storage import open_store, parse_database_url
from bot.storage.base import FactStore

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
WEEK = week_key(NOW)
POINTS_PER_CORRECT = (10, 70)
"""Range of points per correct answer (difficulty base plus speed and streak bonuses, see bot.core.quiz)."""


@dataclass(frozen=True)
class Scale:
    """How big a database to build and how many requests to time."""

    rows: int
    servers: int
    biggest: int
    samples: int
    rounds: int


FULL = Scale(rows=1_000_000, servers=10_000, biggest=100_000, samples=3_000, rounds=1_000)
QUICK = Scale(rows=50_000, servers=500, biggest=5_000, samples=300, rounds=100)
WEEKLY_SHARE = 5
"""One member in this many also has a row on the current weekly board."""


def server_sizes(scale: Scale, rng: random.Random) -> list[int]:
    """Return member counts per server: one of ``scale.biggest``, the rest Zipf-like, adding up to ``scale.rows``."""
    members_wanted = scale.rows * WEEKLY_SHARE // (WEEKLY_SHARE + 1)
    weights = [1 / (rank**0.8) for rank in range(1, scale.servers)]
    rest = members_wanted - scale.biggest
    sizes = [max(1, int(rest * w / sum(weights))) for w in weights]
    sizes[0] += rest - sum(sizes)
    rng.shuffle(sizes)
    return [scale.biggest, *sizes]


def member_scores(rng: random.Random) -> tuple[int, int, int, int, int | None]:
    """Return (points, correct, rounds, best_streak, fastest_ms) for one member: most play a little, a few a lot."""
    rounds = min(5_000, int(rng.paretovariate(1.2)))
    correct = round(rounds * rng.betavariate(5, 4))
    points = sum(rng.randint(*POINTS_PER_CORRECT) for _ in range(min(correct, 50)))
    if correct > 50:
        points = points * correct // 50
    streak = min(correct, int(rng.expovariate(0.4)) + (1 if correct else 0))
    fastest = rng.randint(400, 9_000) if correct else None
    return points, correct, rounds, streak, fastest


SCORE_COLUMNS = ("guild_id", "period", "user_id", "points", "correct", "rounds", "best_streak", "fastest_ms")


def generate(scale: Scale, rng: random.Random) -> tuple[list[int], dict[int, list[int]], list[tuple]]:
    """Return the server ids (biggest first), a sample of member ids per server, and every score row."""
    sizes = server_sizes(scale, rng)
    guilds = [rng.getrandbits(62) for _ in sizes]
    members: dict[int, list[int]] = {}
    rows: list[tuple] = []
    for guild, size in zip(guilds, sizes, strict=True):
        user_ids = sorted(rng.sample(range(10**17, 10**18), size))
        weekly = []
        for index, user_id in enumerate(user_ids):
            points, correct, rounds, streak, fastest = member_scores(rng)
            rows.append((guild, ALL_TIME, user_id, points, correct, rounds, streak, fastest))
            if index % WEEKLY_SHARE == 0:
                week_rounds = max(1, rounds // 10)
                week_correct = min(correct, week_rounds)
                week_points = points * week_correct // correct if correct else 0
                weekly.append((guild, WEEK, user_id, week_points, week_correct, week_rounds, streak, fastest))
        rows += weekly
        members[guild] = sorted(set(rng.sample(user_ids, min(len(user_ids), 50))) | {user_ids[0], user_ids[-1]})
    return guilds, members, rows


def build_sqlite(path: Path, scale: Scale, rng: random.Random) -> tuple[list[int], dict[int, list[int]]]:
    """Fill ``scores`` in one transaction, then rebuild its indexes, triggers and ``rank_buckets`` in SQL."""
    guilds, members, rows = generate(scale, rng)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    schema = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'scores' AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL"
    ).fetchall()
    conn.execute("BEGIN")
    # Loading without the indexes and triggers, then building them in bulk, is far faster than row by row.
    for kind, name, _ in schema:
        conn.execute(f"DROP {kind.upper()} {name}")
    conn.executemany("INSERT INTO scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    for level, shift in enumerate((0, 8, 16)):
        conn.execute(
            f"""INSERT INTO rank_buckets (guild_id, period, level, bucket, members)
                SELECT guild_id, period, {level}, points >> {shift}, COUNT(*) FROM scores GROUP BY 1, 2, 4"""
        )
    for _, _, sql in schema:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    print(f"built {len(rows):,} score rows across {len(guilds):,} servers (biggest {scale.biggest:,} members)")
    return guilds, members


class Bare:
    """A plain driver connection beside the store, for the baseline and for checks: ``fetch(sql, *params)``."""

    def __init__(self, fetch: Callable[..., Awaitable[list[tuple]]], close: Callable[[], Awaitable[None]]) -> None:
        self.fetch = fetch
        self.close = close

    @classmethod
    async def sqlite(cls, path: Path) -> Bare:
        conn = await aiosqlite.connect(path, isolation_level=None)
        # Commit as the store does (its own writes keep SQLite's automatic checkpoint, so its write p99 has them).
        await conn.execute("PRAGMA synchronous = NORMAL")

        async def fetch(sql: str, *params: object) -> list[tuple]:
            return [tuple(row) for row in await conn.execute_fetchall(sql, params)]

        return cls(fetch, conn.close)

    @classmethod
    async def postgres(cls, url: str) -> Bare:
        import asyncpg

        conn = await asyncpg.connect(url)

        async def fetch(sql: str, *params: object) -> list[tuple]:
            numbered = iter(range(1, len(params) + 1))
            return [tuple(row) for row in await conn.fetch(re.sub(r"\?", lambda _: f"${next(numbered)}", sql), *params)]

        return cls(fetch, conn.close)


async def build_postgres(url: str, scale: Scale, rng: random.Random) -> tuple[list[int], dict[int, list[int]]]:
    """Fill ``scores`` by COPY with its triggers off, then fill ``rank_buckets`` in SQL as the triggers would."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        guilds, members, rows = generate(scale, rng)
        await conn.execute("ALTER TABLE scores DISABLE TRIGGER USER")
        await conn.copy_records_to_table("scores", records=rows, columns=SCORE_COLUMNS)
        for level, shift in enumerate((0, 8, 16)):
            await conn.execute(
                f"""INSERT INTO rank_buckets (guild_id, period, level, bucket, members)
                    SELECT guild_id, period, {level}, points >> {shift}, COUNT(*) FROM scores GROUP BY 1, 2, 4"""
            )
        await conn.execute("ALTER TABLE scores ENABLE TRIGGER USER")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    print(f"built {len(rows):,} score rows across {len(guilds):,} servers (biggest {scale.biggest:,} members)")
    return guilds, members


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which ``fraction`` of ``values`` fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(calls: list[Callable[[], Awaitable[object]]], warm_up: bool = True) -> list[float]:
    """Await each call in turn; return their latencies in milliseconds (after repeating the first few unmeasured)."""
    for call in calls[:20] if warm_up else ():
        await call()
    latencies = []
    for call in calls:
        start = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


async def compare(
    name: str, calls: list[Callable[[], Awaitable[object]]], baseline: list[Callable[[], Awaitable[object]]]
) -> None:
    """Time ``calls`` interleaved with as many ``baseline`` calls (so both see the same machine), and print both."""
    paired = [call for pair in zip(calls, (baseline * len(calls))[: len(calls)], strict=True) for call in pair]
    latencies = await timed(paired)
    real, bare = latencies[0::2], latencies[1::2]
    p50, p99 = percentile(real, 0.5), percentile(real, 0.99)
    b50, b99 = percentile(bare, 0.5), percentile(bare, 0.99)
    print(
        f"  {name:40} p50 {p50:6.3f}  p99 {p99:6.3f} ms | bare p50 {b50:5.3f}  p99 {b99:5.3f} ms"
        f" | x{p50 / b50:5.2f} / x{p99 / b99:5.2f}"
    )


async def measure(
    url: str, bare: Bare, scale: Scale, guilds: list[int], members: dict[int, list[int]], seed: int
) -> None:
    """Open the store on the database, run the measurements beside the bare connection, and close both."""
    try:
        store = await open_store(parse_database_url(url))
        try:
            await run_measurements(store, bare, scale, guilds, members, random.Random(seed))
        finally:
            await store.close()
    finally:
        await bare.close()


async def run_measurements(
    store: FactStore,
    bare: Bare,
    scale: Scale,
    guilds: list[int],
    members: dict[int, list[int]],
    rng: random.Random,
) -> None:
    """Time the store's leaderboard queries and record_round against a bare lookup on the same database."""
    biggest = guilds[0]
    big_members = [rng.choice(members[biggest]) for _ in range(scale.samples)]
    pairs = [(g, rng.choice(members[g])) for g in (rng.choice(guilds) for _ in range(scale.samples))]

    # One round trip each, like the store's own reads.
    async def bare_lookup(guild: int, user_id: int) -> None:
        sql = "SELECT points FROM scores WHERE guild_id = ? AND period = 'all' AND user_id = ?"
        assert await bare.fetch(sql, guild, user_id)

    async def naive_rank(guild: int, user_id: int) -> None:
        sql = """SELECT COUNT(*) FROM scores WHERE guild_id = ? AND period = 'all' AND points > (
                     SELECT points FROM scores WHERE guild_id = ? AND period = 'all' AND user_id = ?)"""
        await bare.fetch(sql, guild, guild, user_id)

    big_players = await store.count_players(biggest, ALL_TIME)
    # The store's positions must agree with a plain count on the real data.
    for user_id in members[biggest][:10] + members[biggest][-2:]:
        row = await store.member_rank(biggest, ALL_TIME, user_id)
        assert row is not None
        [(position,)] = await bare.fetch(
            "SELECT 1 + COUNT(*) FROM scores WHERE guild_id = ? AND period = 'all' AND points > ?", biggest, row.points
        )
        assert position == row.position, (row, user_id)
    # Last place is the worst case for a rank that counts the members ahead.
    [(last_place,), *_] = await bare.fetch(
        "SELECT user_id FROM scores WHERE guild_id = ? AND period = 'all' ORDER BY points, correct, user_id DESC",
        biggest,
    )

    n = scale.samples
    bare_big = [lambda u=u: bare_lookup(biggest, u) for u in big_members]
    bare_random = [lambda g=g, u=u: bare_lookup(g, u) for g, u in pairs]
    print(f"\nbiggest server, {big_players:,} members; {n:,} requests per line, each followed by a bare lookup")
    print("  (bare: one member's points by primary key through a plain connection; ratios p50 / p99)")
    await compare("top_scores top-10, all-time", [lambda: store.top_scores(biggest, ALL_TIME)] * n, bare_big)
    await compare("top_scores top-10, this week", [lambda: store.top_scores(biggest, WEEK)] * n, bare_big)
    await compare(
        "member_rank, random members, all-time",
        [lambda u=u: store.member_rank(biggest, ALL_TIME, u) for u in big_members],
        bare_big,
    )
    await compare(
        "member_rank, random members, this week",
        [lambda u=u: store.member_rank(biggest, WEEK, u) for u in big_members],
        bare_big,
    )
    await compare("member_rank, last place", [lambda: store.member_rank(biggest, ALL_TIME, last_place)] * n, bare_big)
    await compare("count_players", [lambda: store.count_players(biggest, ALL_TIME)] * n, bare_big)
    await compare("top_scores, page 2", [lambda: store.top_scores(biggest, ALL_TIME, 10)] * n, bare_big)
    deep = max(0, big_players - 10)
    await compare(
        f"top_scores, last page (offset {deep:,})",
        [lambda: store.top_scores(biggest, ALL_TIME, deep)] * max(20, n // 10),
        bare_big,
    )
    # Turning pages with the buttons reads beside the line the page goes on from, deep inside the 0-point tie here.
    before_last = await store.top_scores(biggest, ALL_TIME, max(0, deep - 10))
    last = await store.top_scores(biggest, ALL_TIME, deep)
    assert await store.scores_after(biggest, ALL_TIME, before_last[-1].key) == last
    await compare(
        "scores_after, last page (Next)",
        [lambda: store.scores_after(biggest, ALL_TIME, before_last[-1].key)] * n,
        bare_big,
    )
    await compare(
        "scores_before, next to last (Previous)",
        [lambda: store.scores_before(biggest, ALL_TIME, last[0].key)] * n,
        bare_big,
    )
    await compare(
        "context: rank by COUNT(*) over the index",
        [lambda u=u: naive_rank(biggest, u) for u in big_members[: max(20, n // 5)]],
        bare_big,
    )

    print(f"\nrandom servers and members; {n:,} requests per line")
    await compare(
        "top_scores top-10, all-time", [lambda g=g: store.top_scores(g, ALL_TIME) for g, _ in pairs], bare_random
    )
    await compare(
        "member_rank, all-time", [lambda g=g, u=u: store.member_rank(g, ALL_TIME, u) for g, u in pairs], bare_random
    )

    items = [row[0] for row in await bare.fetch("SELECT pk FROM items")]
    records = []
    for number in range(scale.rounds):
        guild = biggest if number % 4 == 0 else rng.choice(guilds)
        players = rng.sample(members[guild], min(len(members[guild]), rng.randint(1, 8)))
        results = []
        for user_id in players:
            correct = rng.random() < 0.55
            points = rng.randint(*POINTS_PER_CORRECT) if correct else 0
            results.append(PlayerResult(user_id, points, correct, rng.randint(400, 9_000) if correct else None, 1))
        played_at = NOW + timedelta(seconds=number)
        records.append(
            RoundRecord(guild, f"bench:{number}", rng.choice(items), "bench", played_at, tuple(results), ("nearly",))
        )
    print(f"\nrecord_round, 1-8 players, {len(records):,} new rounds (a quarter in the biggest server)")
    print("  (bare: a one-row upsert, committed on its own, through a plain connection; interleaved)")
    await bare.fetch("CREATE TABLE bench_writes (k INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    upsert = "INSERT INTO bench_writes (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = bench_writes.n + 1"
    paired = [
        call
        for number, r in enumerate(records)
        for call in (lambda r=r: store.record_round(r, WEEK), lambda k=number % 100: bare.fetch(upsert, k))
    ]
    started = time.perf_counter()
    latencies = await timed(paired, warm_up=False)
    elapsed = time.perf_counter() - started
    recorded, bare_writes = latencies[0::2], latencies[1::2]
    p50, p99 = percentile(recorded, 0.5), percentile(recorded, 0.99)
    b50, b99 = percentile(bare_writes, 0.5), percentile(bare_writes, 0.99)
    print(
        f"  {'record_round, store as opened':40} p50 {p50:6.3f}  p99 {p99:6.3f} ms | bare p50 {b50:5.3f}  "
        f"p99 {b99:5.3f} ms | x{p50 / b50:5.2f} / x{p99 / b99:5.2f}"
    )
    print(f"  {'rounds recorded per second':40} {len(records) / (elapsed - sum(bare_writes) / 1000):8.0f} /s")


def main() -> None:
    """Build the database and run the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small database and few requests, for a smoke run")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a PostgreSQL server to bench on (a database is created and dropped)")
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    asyncio.run(bench(scale, args.seed, args.database_url))


async def bench(scale: Scale, seed: int, admin_url: str | None) -> None:
    """Build the database on the chosen backend, then measure."""
    rng = random.Random(seed)
    async with bench_database(admin_url) as url:
        started = time.perf_counter()
        store = await open_store(parse_database_url(url))
        await load_pack_dir(store, DEFAULT_PACKS_DIR)
        await store.close()
        print(f"backend: {'PostgreSQL' if admin_url else 'SQLite'}")
        if admin_url:
            guilds, members = await build_postgres(url, scale, rng)
            bare = await Bare.postgres(url)
        else:
            path = Path(url.removeprefix("sqlite:///"))
            guilds, members = await asyncio.to_thread(build_sqlite, path, scale, rng)
            bare = await Bare.sqlite(path)
        print(f"  in {time.perf_counter() - started:.1f} s")
        await measure(url, bare, scale, guilds, members, seed)


if __name__ == "__main__":
    main()
