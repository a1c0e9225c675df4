"""Start-up benchmark: pack loading, and the real process starting with big packs.

1. Pack loading: items per second for validating every shipped pack and syncing it into a fresh store (migrated
   in the timed part), against a baseline of bare ``tomllib`` parsing plus a plain ``executemany`` INSERT of the
   same items into a bare table of the same database; SQLite, and PostgreSQL with ``--database-url``.
2. Start-up with big packs: 100,000 generated valid items in 100 pack files (``--quick``: 5,000 in 10).
   The loader alone, in this process: a first load into an empty store (every file parsed), a reload with no file
   changed (digests match: nothing parsed), a reload with one file changed, against the bare baseline of 1. on the
   same files. Then the real process (``python -m bot`` against the fake Discord of ``tests/fakediscord.py``),
   time from spawning it to its "Ready as" log line: a first start on an empty database and restarts with the
   packs unchanged, against the bare discord.py bot of ``bench.process`` (``python -m bench.bare_bot``), started
   the same way in the same run. The bare bot waits discord.py's ``guild_ready_timeout`` (2 s after the last
   GUILD_CREATE) before it is ready; the real one is ready once its servers have arrived (``bot/app/ready.py``),
   so the spawn-to-gateway part is printed too. Both bots keep their bytecode (``__pycache__``) as an installed bot
   does, even where ``PYTHONDONTWRITEBYTECODE`` is set: a start compiles only code changed since the last one.

Run: ``python -m bench.startup`` (about 4 minutes on SQLite, ``--database-url postgresql://…`` adds PostgreSQL) or
``--quick`` (a few seconds per backend).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.daily import bench_database
from bench.process import bot_environment
from bot.app.config import DEFAULT_PACKS_DIR
from bot.core.catalog import load_pack_dir
from bot.storage import open_store, parse_database_url
from bot.storage.base import FactStore
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.helpers import BotProcess, fake_discord

TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.Bench0.benchmark-token-never-sent-anywhere"


_BARE_TABLE = "CREATE TABLE bare_items (pack TEXT, id TEXT, kind TEXT, claim TEXT, truth TEXT, PRIMARY KEY (pack, id))"


def parse_bare(pack_files: list[Path]) -> list[tuple[str, str, str, str, str]]:
    """Parse packs with bare ``tomllib``; return the rows the baseline inserts."""
    rows = []
    for path in pack_files:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        rows += [(data["pack"]["id"], i["id"], i["kind"], i["claim"], i["truth"]) for i in data["items"]]
    return rows


def baseline_load(pack_files: list[Path]) -> int:
    """Parse packs with tomllib and insert the raw items into a bare SQLite table; return the item count."""
    conn = sqlite3.connect(":memory:")
    conn.execute(_BARE_TABLE)
    count = 0
    for path in pack_files:
        rows = parse_bare([path])
        conn.executemany("INSERT INTO bare_items VALUES (?, ?, ?, ?, ?)", rows)
        count += len(rows)
    conn.commit()
    conn.close()
    return count


async def baseline_load_postgres(pack_files: list[Path], database_url: str) -> int:
    """The baseline on PostgreSQL: tomllib, then a plain ``executemany`` INSERT into a bare table, one transaction."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("DROP TABLE IF EXISTS bare_items")
        await conn.execute(_BARE_TABLE)
        count = 0
        async with conn.transaction():
            for path in pack_files:
                rows = parse_bare([path])
                await conn.executemany("INSERT INTO bare_items VALUES ($1, $2, $3, $4, $5)", rows)
                count += len(rows)
        await conn.execute("DROP TABLE bare_items")
    finally:
        await conn.close()
    return count


async def real_load(packs_dir: Path = DEFAULT_PACKS_DIR, database_url: str | None = None) -> tuple[int, float]:
    """Open (and migrate) a fresh store, validate and sync ``packs_dir`` into it.

    Return the item count and the seconds the load took once the store was open.
    """
    store = await SqliteStore.open(None) if database_url is None else await open_store(parse_database_url(database_url))
    try:
        start = time.perf_counter()
        report, problems = await load_pack_dir(store, packs_dir)
        loading = time.perf_counter() - start
    finally:
        await store.close()
    assert not problems, problems
    return report.added, loading


async def bench_loading(rounds: int, admin_url: str | None = None) -> None:
    """Print items/s for the real loader and the baseline (alternating, medians), on SQLite or PostgreSQL."""
    files = sorted(DEFAULT_PACKS_DIR.glob("*.toml"))
    real_times, load_times, base_times = [], [], []
    items = 0
    for _ in range(rounds):
        async with bench_database(admin_url) as url:
            real_url = None if admin_url is None else url
            start = time.perf_counter()
            items, loading = await real_load(DEFAULT_PACKS_DIR, real_url)
            real_times.append(time.perf_counter() - start)
            load_times.append(loading)
            start = time.perf_counter()
            if admin_url is None:
                baseline_load(files)
            else:
                await baseline_load_postgres(files, url)
            base_times.append(time.perf_counter() - start)
    real = items / statistics.median(real_times)
    loaded = items / statistics.median(load_times)
    base = items / statistics.median(base_times)
    backend = "SQLite" if admin_url is None else "PostgreSQL"
    print(f"pack loading on {backend}: {items} items in {len(files)} packs, median of {rounds} rounds")
    print(f"  real loader (migrate + validate + sync): {real:,.0f} items/s   ratio to baseline {real / base:.2f}")
    print(f"  of which validate + sync (store open):   {loaded:,.0f} items/s   ratio to baseline {loaded / base:.2f}")
    print(f"  baseline (tomllib + bare INSERT):        {base:,.0f} items/s")


# -- start-up with big packs ---------------------------------------------------------------------------

_VOCABULARY = (
    "ocean river mountain honey bee brain memory planet comet star moon sun tide storm cloud forest tree root "
    "seed leaf bird fish whale shark wolf bear cat dog horse milk bread cheese salt sugar iron copper "
    "gold silver glass stone sand clay water fire ice snow rain wind light sound heat cold desert island "
    "coral "
)
_WORDS = _VOCABULARY.split()
"""Words the generated claims and truths are made of."""


def write_synthetic_packs(folder: Path, items: int, files: int) -> list[Path]:
    """Write ``items`` valid generated items in ``files`` packs (myths, facts, a fifth with quiz fields)."""
    paths = [folder / f"synthetic-{number:03d}.toml" for number in range(files)]
    for number, path in enumerate(paths):
        path.write_text(synthetic_pack(number, items // files))
    return paths


def synthetic_pack(number: int, items: int, edition: int = 1) -> str:
    """Return pack ``synthetic-<number>`` with ``items`` generated items; another ``edition`` edits every claim."""
    rng = random.Random(number)
    lines = [
        f'[pack]\nid = "synthetic-{number:03d}"\nname = "Synthetic {number}"\n'
        f'description = "Generated items for the start-up benchmark."\nauthor = "bench.startup"\n'
        f'license = "CC0-1.0"\nversion = "{edition}.0.0"\n'
    ]
    for index in range(items):
        claim = " ".join(rng.choices(_WORDS, k=12)).capitalize()
        truth = " ".join(rng.choices(_WORDS, k=40)).capitalize()
        tags = ", ".join(f'"{tag}"' for tag in rng.sample(_WORDS, 2))
        lines.append(
            f'[[items]]\nid = "item-{index:05d}"\nkind = "{("myth", "fact")[index % 2]}"\n'
            f'claim = "{claim} (edition {edition})."\ntruth = "{truth}."\ntopic = "topic-{index % 20}"\n'
            f"tags = [{tags}]\ndifficulty = {1 + index % 3}\n"
            f'source = {{ title = "Source {index}", url = "https://example.org/{number}/{index}" }}\n'
            f'checked = "2026-12-03"\n'
        )
        if index % 5 == 0:
            choices = rng.sample(_WORDS, 4)
            listed = ", ".join(f'"{choice}"' for choice in choices)
            lines.append(
                f'question = "Which word ends item {index} of pack {number}?"\n'
                f'answers = ["{choices[0]}"]\nchoices = [{listed}]\n'
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class StartupScale:
    """How big the generated packs are and how often each start is measured."""

    items: int
    files: int
    cold_starts: int
    restarts: int
    loader_rounds: int


FULL_STARTUP = StartupScale(items=100_000, files=100, cold_starts=2, restarts=4, loader_rounds=3)
QUICK_STARTUP = StartupScale(items=5_000, files=10, cold_starts=1, restarts=1, loader_rounds=1)


async def _timed(work: Awaitable[object]) -> float:
    """Return how many seconds ``work`` took."""
    start = time.perf_counter()
    await work
    return time.perf_counter() - start


async def bench_loader_big(files: list[Path], scale: StartupScale, admin_url: str | None) -> None:
    """Print the loader alone on the generated packs: first load, unchanged reload, one file changed; and baseline."""
    packs = files[0].parent
    cold, unchanged, one_changed, base = [], [], [], []
    for round_number in range(scale.loader_rounds):
        async with bench_database(admin_url) as url:
            store = await open_store(parse_database_url(url))
            try:
                cold.append(await _timed(_load(store, packs, scale.items)))
                unchanged.append(await _timed(_load(store, packs, 0)))
                edited = round_number % len(files)
                original = files[edited].read_bytes()
                files[edited].write_text(synthetic_pack(edited, scale.items // scale.files, edition=2 + round_number))
                one_changed.append(await _timed(_load(store, packs, 0)))
                files[edited].write_bytes(original)
            finally:
                await store.close()
            if admin_url is None:
                base.append(await _timed(asyncio.to_thread(baseline_load, files)))
            else:
                base.append(await _timed(baseline_load_postgres(files, url)))
    backend = "SQLite" if admin_url is None else "PostgreSQL"
    baseline = statistics.median(base)
    print(f"loader alone on {backend}: {scale.items:,} items in {scale.files} files, median of {scale.loader_rounds}")
    for name, times in (("first load", cold), ("nothing changed", unchanged), ("1 file changed", one_changed)):
        took = statistics.median(times)
        print(f"  {name:28} {took:7.3f} s   ratio to the baseline's time {took / baseline:.2f}")
    print(f"  {'baseline (tomllib + INSERT)':28} {baseline:7.3f} s")


async def _load(store: FactStore, packs: Path, expected_added: int) -> None:
    report, problems = await load_pack_dir(store, packs)
    assert not problems, problems[:3]
    assert report.added == expected_added, report


async def _start(fake, module: str, env: dict[str, str], workdir: Path) -> tuple[float, float]:
    """Spawn ``python -m <module>``; return seconds to its gateway connection and to its "Ready as" line."""
    fake.reset_session()
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    bot = BotProcess(process)
    try:
        await bot.wait_for_log("has connected to Gateway", seconds=600)
        connected = time.perf_counter() - start
        await bot.wait_for_log("Ready as", seconds=600)
        ready = time.perf_counter() - start
        problems = [line for line in bot.lines if " ERROR " in line or "Traceback" in line or "Pack problem" in line]
        assert not problems, problems
        assert await bot.stop() == 0, bot.log
    finally:
        bot.kill()
    return connected, ready


@asynccontextmanager
async def _bot_database(admin_url: str | None, folder: Path) -> AsyncIterator[str]:
    async with bench_database(admin_url) as url:
        yield url if admin_url is not None else f"sqlite:///{folder / f'bot-{time.monotonic_ns()}.db'}"


def _writing_bytecode(env: dict[str, str]) -> dict[str, str]:
    """Return ``env`` without ``PYTHONDONTWRITEBYTECODE``: a deployed bot compiles its code once, not at every start."""
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


async def bench_process_startup(packs: Path, scale: StartupScale, admin_url: str | None) -> None:
    """Print time to ready of the real process (first start, restarts) against the bare bot, alternating."""
    backend = "SQLite" if admin_url is None else "PostgreSQL"
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        async with fake_discord() as fake:
            bare_env = _writing_bytecode(bot_environment(fake, None))
            bare, cold, warm = [], [], []
            for _ in range(scale.cold_starts):
                async with _bot_database(admin_url, folder) as url:
                    env = _writing_bytecode({**bot_environment(fake, url), "PACKS_DIR": str(packs)})
                    bare.append(await _start(fake, "bench.bare_bot", bare_env, folder))
                    cold.append(await _start(fake, "bot", env, folder))
                    for _ in range(scale.restarts):
                        bare.append(await _start(fake, "bench.bare_bot", bare_env, folder))
                        warm.append(await _start(fake, "bot", env, folder))
    bare_ready = statistics.median(ready for _, ready in bare)
    bare_connected = statistics.median(connected for connected, _ in bare)
    print(f"start-up of the real process on {backend}: {scale.items:,} items in {scale.files} pack files")
    print(f"  (spawn to gateway connected / to ready; medians of {len(cold)} first starts, {len(warm)} restarts)")
    for name, runs in (("first start (all parsed)", cold), ("restart (packs unchanged)", warm)):
        connected = statistics.median(c for c, _ in runs)
        ready = statistics.median(r for _, r in runs)
        print(f"  {name:28} {connected:6.2f} s / {ready:6.2f} s   ratio to bare: {connected / bare_connected:.2f} / "
              f"{ready / bare_ready:.2f}")  # fmt: skip
    print(f"  {'bare discord.py bot':28} {bare_connected:6.2f} s / {bare_ready:6.2f} s")


async def bench_startup(scale: StartupScale, admin_url: str | None) -> None:
    """Generate the packs once, then measure the loader alone and the real process."""
    with tempfile.TemporaryDirectory() as folder:
        files = write_synthetic_packs(Path(folder), scale.items, scale.files)
        await bench_loader_big(files, scale, admin_url)
        await bench_process_startup(Path(folder), scale, admin_url)


def main() -> None:
    """Run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds and small generated packs, for a smoke run")
    parser.add_argument("--database-url", help="a PostgreSQL server's URL: measure PostgreSQL too (a database is "
                        "created on it and dropped after)")  # fmt: skip
    args = parser.parse_args()
    backends = [None] if args.database_url is None else [None, args.database_url]
    scale = QUICK_STARTUP if args.quick else FULL_STARTUP
    for admin_url in backends:
        asyncio.run(bench_loading(3 if args.quick else 15, admin_url))
    for admin_url in backends:
        asyncio.run(bench_startup(scale, admin_url))


if __name__ == "__main__":
    main()
