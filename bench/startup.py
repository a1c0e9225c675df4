"""Start-up and `fact` latency benchmark.

1. Pack loading: items per second for validating every shipped pack and syncing it into a fresh store,
   against a baseline of bare ``tomllib`` parsing plus a plain ``executemany`` INSERT of the same items.
2. `fact` latency: from a simulated member's message to the bot's reply through the real cogs on simcord,
   against a bare discord.py bot whose `fact` command replies with a fixed embed, in the same harness.

Run: ``python -m bench.startup`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import time
import tomllib
from pathlib import Path

import discord
import simcord
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.app.config import DEFAULT_PACKS_DIR, Config
from bot.core.catalog import load_pack_dir
from bot.storage.sqlite.store import SqliteStore

TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.Bench0.benchmark-token-never-sent-anywhere"


def baseline_load(pack_files: list[Path]) -> int:
    """Parse packs with tomllib and insert the raw items into a bare table; return the item count."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE items (pack TEXT, id TEXT, kind TEXT, claim TEXT, truth TEXT, PRIMARY KEY (pack, id))")
    count = 0
    for path in pack_files:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        rows = [(data["pack"]["id"], i["id"], i["kind"], i["claim"], i["truth"]) for i in data["items"]]
        conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?)", rows)
        count += len(rows)
    conn.commit()
    conn.close()
    return count


async def real_load() -> int:
    """Validate and sync the shipped packs into a fresh in-memory store; return the item count."""
    store = await SqliteStore.open(None)
    report, problems = await load_pack_dir(store, DEFAULT_PACKS_DIR)
    assert not problems, problems
    await store.close()
    return report.added


async def bench_loading(rounds: int) -> None:
    """Print items/s for the real loader and the baseline."""
    files = sorted(DEFAULT_PACKS_DIR.glob("*.toml"))
    real_times, base_times = [], []
    items = 0
    for _ in range(rounds):
        start = time.perf_counter()
        items = await real_load()
        real_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        baseline_load(files)
        base_times.append(time.perf_counter() - start)
    real = items / statistics.median(real_times)
    base = items / statistics.median(base_times)
    print(f"pack loading: {items} items in {len(files)} packs, median of {rounds} rounds")
    print(f"  real loader (validate + migrate + sync): {real:,.0f} items/s")
    print(f"  baseline (tomllib + bare INSERT):        {base:,.0f} items/s")
    print(f"  ratio real/baseline throughput: {real / base:.2f}")


def bare_bot() -> commands.Bot:
    """Return the floor: a discord.py bot whose `fact` replies with a fixed embed."""
    intents = discord.Intents.default()
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents, help_command=None)

    @bot.command()
    async def fact(ctx: commands.Context) -> None:
        await ctx.send(embed=discord.Embed(title="Fact", description="A fixed fact."))

    return bot


async def time_fact(bot: commands.Bot, requests: int) -> list[float]:
    """Time `!fact` from the simulated message to the reply, spread over members to stay under cooldowns."""
    latencies = []
    async with simcord.run(bot) as env:
        guild = env.create_guild()
        channel = guild.create_text_channel("bench")
        members = [guild.add_member(env.create_user(f"member{i}")) for i in range(requests // 4 + 1)]
        for index in range(requests):
            member = members[index // 4]
            start = time.perf_counter()
            await member.send(channel, "!fact")
            latencies.append(time.perf_counter() - start)
            assert channel.last_message.embeds, "the bot replied"
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which ``fraction`` of ``values`` fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def bench_fact(requests: int) -> None:
    """Print p50/p99 `fact` latency for the real bot and the bare floor."""
    store = await SqliteStore.open(None)
    await load_pack_dir(store, DEFAULT_PACKS_DIR)
    base = await time_fact(bare_bot(), requests)
    real = await time_fact(MythOrFactBot(Config(token=TOKEN, shard_count=1), store), requests)
    await store.close()
    print(f"`!fact` latency, message to reply on simcord, {requests} requests each")
    for name, values in (("real bot", real), ("bare discord.py", base)):
        print(
            f"  {name:16} p50 {percentile(values, 0.5) * 1000:6.2f} ms   p99 {percentile(values, 0.99) * 1000:6.2f} ms"
        )
    print(f"  ratio real/bare p50: {percentile(real, 0.5) / percentile(base, 0.5):.2f}")
    print(f"  ratio real/bare p99: {percentile(real, 0.99) / percentile(base, 0.99):.2f}")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, for a smoke run")
    args = parser.parse_args()
    asyncio.run(bench_loading(3 if args.quick else 15))
    asyncio.run(bench_fact(20 if args.quick else 400))


if __name__ == "__main__":
    main()
