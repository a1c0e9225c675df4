"""Daily posts at scale: N servers due at the same minute, posted through the real scheduler under the global limit.

The scheduler core (:class:`bot.core.daily.DailyScheduler`: claims in SQLite, item rotation, the previous answer,
pacing) posts the real embed and buttons (:mod:`cogs.daily.views`) through discord.py's ``HTTPClient``, with
``discord.http.Route.BASE`` pointed at a fake REST endpoint: an aiohttp server in a separate process (so its CPU is
not counted) that answers ``GET /users/@me`` for the login and enforces Discord's global limit of 50 requests in any
sliding second, answering 429 with ``retry_after`` beyond it.

Reported: the time to post to every server against the floor of N/50 s (target ratio <= 1.1), the number of 429s
(target 0), the busiest sliding second the server saw, and CPU seconds (``time.process_time``, this process only).
The baseline, measured in the same run against the same server, is a bare loop sending one prebuilt payload per
channel through the same ``HTTPClient`` at the same pace, without the store or the scheduler.

With ``--database-url postgresql://…`` it runs on PostgreSQL (a database is created on that server and dropped after),
and with ``--processes 2`` as a cluster: each process a scheduler of one shard, at its share of the pace, sharing the
fake's one global limit; the time is the slowest process's.

Run: ``python -m bench.daily`` (10,000 servers, about 7 minutes) or ``--quick`` (300 servers).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import secrets
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

GLOBAL_LIMIT = 50
TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.Bench0.benchmark-token-never-sent-anywhere"
BOT_ID = 900_000_000_000_000_001
FIRST_GUILD = 800_000_000_000_000_000


# -- the fake REST endpoint (runs in its own process) ---------------------------------------------


def json_reply(body: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    """Answer JSON with exactly ``application/json`` as its type (discord.py decodes only that)."""
    return web.Response(body=json.dumps(body).encode(), status=status, headers=headers, content_type="application/json")


class FakeDiscord:
    """Answers the login and message sends; refuses with 429 beyond 50 requests in any sliding second."""

    def __init__(self) -> None:
        self.window: deque[float] = deque()
        self.accepted: list[float] = []
        self.too_many = 0
        self.message_ids = 2 * 10**18

    def _admit(self) -> float | None:
        """Count a request; return how long to wait if it is over the limit (``None`` when admitted)."""
        now = time.monotonic()
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= GLOBAL_LIMIT:
            self.too_many += 1
            return self.window[0] + 1.0 - now
        self.window.append(now)
        self.accepted.append(now)
        return None

    def _limited(self, retry_after: float) -> web.Response:
        headers = {"Via": "1.1 google", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
        body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": True}
        return json_reply(body, 429, headers)

    async def me(self, request: web.Request) -> web.Response:
        """The login: who the token belongs to."""
        wait = self._admit()
        if wait is not None:
            return self._limited(wait)
        return json_reply({"id": str(BOT_ID), "username": "bench", "discriminator": "0", "avatar": None, "bot": True})

    async def send(self, request: web.Request) -> web.Response:
        """A message send: echo a minimal message object."""
        await request.read()
        wait = self._admit()
        if wait is not None:
            return self._limited(wait)
        self.message_ids += 1
        return json_reply({"id": str(self.message_ids), "channel_id": request.match_info["channel"]})

    async def stats(self, request: web.Request) -> web.Response:
        """Report and reset the counters: requests, 429s, and the busiest sliding second."""
        times = self.accepted
        busiest = max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)
        report = {"accepted": len(times), "too_many": self.too_many, "busiest_second": busiest}
        self.accepted, self.too_many = [], 0
        return web.json_response(report)


def serve() -> None:
    """Run the fake endpoint on a free port and print the port once listening."""
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_get("/api/v10/users/@me", fake.me)
    app.router.add_post("/api/v10/channels/{channel}/messages", fake.send)
    app.router.add_get("/stats", fake.stats)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# -- the bot side --------------------------------------------------------------------------------


class HttpPoster:
    """Sends daily posts through discord.py's HTTPClient, as the cog's poster does through a channel."""

    def __init__(self, http) -> None:
        self.http = http

    async def send(self, delivery) -> int:
        """Render the real embed and buttons and send them."""
        from discord.http import handle_message_parameters

        from cogs.daily import views as daily_ui

        params = handle_message_parameters(embed=daily_ui.post_embed(delivery), view=daily_ui.post_view(delivery))
        with params:
            data = await self.http.send_message(delivery.channel_id, params=params)
        return int(data["id"])

    async def find_sent(self, post) -> int | None:
        """Nothing to recover in the benchmark."""
        return None

    async def notify_paused(self, guild_id: int, reason: str) -> None:
        """Nothing is paused in the benchmark."""
        raise AssertionError(f"guild {guild_id} paused: {reason}")


async def stats(session: aiohttp.ClientSession, base: str) -> dict:
    """Read (and reset) the fake endpoint's counters."""
    async with session.get(f"{base}/stats") as response:
        return await response.json()


async def bare_sends(http, count: int, per_second: float) -> tuple[float, float]:
    """Send one prebuilt payload to ``count`` channels at the scheduler's pace; return (seconds, CPU seconds)."""
    from discord.http import Route

    from bot.core.daily import Pacer

    pacer = Pacer(per_second, lambda: datetime.now(UTC), asyncio.sleep)
    payload = {"content": "", "embeds": [{"title": "Daily myth or fact", "description": "x" * 200}]}
    in_flight = asyncio.Semaphore(16)
    tasks = []

    async def send(channel_id: int) -> None:
        try:
            await http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id), json=payload)
        finally:
            in_flight.release()

    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        await in_flight.acquire()
        await pacer.wait()
        tasks.append(asyncio.create_task(send(FIRST_GUILD + 10 * index + 1)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - wall, time.process_time() - cpu


def guild_id(index: int) -> int:
    """The id of the ``index``-th server, spread over shards as Discord spreads real ones ((id >> 22) % count)."""
    return FIRST_GUILD + (index << 22)


async def prepare(url: str, count: int) -> None:
    """Migrate the database, load the packs, and make ``count`` servers' daily posts due this minute."""
    from bot.app.config import DEFAULT_PACKS_DIR
    from bot.core.catalog import load_pack_dir
    from bot.core.daily import DailySchedule
    from bot.storage import open_store, parse_database_url

    store = await open_store(parse_database_url(url))
    await load_pack_dir(store, DEFAULT_PACKS_DIR)
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    for index in range(count):
        channel_id = FIRST_GUILD + 10 * index + 1
        await store.set_daily_schedule(DailySchedule(guild_id(index), channel_id, due.time(), "UTC", None, due))
    await store.close()


async def scheduler_pass(http, url: str, shards=None) -> tuple[float, float, int]:
    """Post what is due through the real scheduler (of ``shards`` only, at their share); return (s, CPU s, posted)."""
    from bot.core.daily import DailyScheduler
    from bot.storage import open_store, parse_database_url

    store = await open_store(parse_database_url(url))
    scheduler = DailyScheduler(store, HttpPoster(http), now=lambda: datetime.now(UTC), sleep=asyncio.sleep)
    if shards is not None:
        scheduler.serve(shards)
    wall, cpu = time.perf_counter(), time.process_time()
    report = await scheduler.run_pass()
    elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
    await store.close()
    return elapsed, used, report.posted


async def count_sent(url: str, count: int) -> int:
    """Count the servers whose post of today is recorded as sent."""
    from bot.core.daily import PostStatus
    from bot.storage import open_store, parse_database_url

    store = await open_store(parse_database_url(url))
    today = datetime.now(UTC).date()
    sent = 0
    for index in range(count):
        post = await store.daily_post(guild_id(index), today)
        sent += post is not None and post.status is PostStatus.SENT
    await store.close()
    return sent


async def worker(api: str, url: str, shard: int, shard_count: int) -> None:
    """One process of a cluster: post to the servers of one shard; print its figures as JSON."""
    import discord
    from discord.http import HTTPClient, Route

    from bot.core.cluster import ShardSet

    Route.BASE = f"{api}/api/v10"
    discord.utils.setup_logging(level=30)
    http = HTTPClient(asyncio.get_running_loop())
    await http.static_login(TOKEN)
    elapsed, cpu, posted = await scheduler_pass(http, url, ShardSet(shard_count, (shard,)))
    await http.close()
    print(json.dumps({"elapsed": elapsed, "cpu": cpu, "posted": posted}), flush=True)


async def cluster_pass(api: str, url: str, processes: int) -> tuple[float, float, int]:
    """Run ``processes`` scheduler processes, one shard each, at once; return (slowest s, total CPU s, posted)."""
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.daily",
            "--worker",
            f"{shard}/{processes}",
            "--api",
            api,
            "--database-url",
            url,
            stdout=asyncio.subprocess.PIPE,
            cwd=Path(__file__).parents[1],
        )
        for shard in range(processes)
    ]
    results = []
    for process in workers:
        out, _ = await process.communicate()
        assert process.returncode == 0, f"a worker failed ({process.returncode})"
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return (
        max(r["elapsed"] for r in results),
        sum(r["cpu"] for r in results),
        sum(r["posted"] for r in results),
    )


@asynccontextmanager
async def bench_database(admin_url: str | None) -> AsyncIterator[str]:
    """A fresh database: a SQLite file, or a new PostgreSQL database on ``admin_url``'s server (dropped after)."""
    if admin_url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    import asyncpg

    name = f"mof_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def bench(count: int, admin_url: str | None, processes: int) -> None:
    """Run the baseline and the scheduler against one fake endpoint and print the figures."""
    import discord
    from discord.http import HTTPClient, Route

    from bot.core.scheduling import POSTS_PER_SECOND

    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.daily", "--serve", stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[1]
    )
    try:
        assert server.stdout is not None
        port = int(await server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        Route.BASE = f"{base}/api/v10"
        discord.utils.setup_logging(level=30)
        http = HTTPClient(asyncio.get_running_loop())
        await http.static_login(TOKEN)
        floor = count / GLOBAL_LIMIT
        async with aiohttp.ClientSession() as session:
            await stats(session, base)  # forget the login
            bare_time, bare_cpu = await bare_sends(http, count, POSTS_PER_SECOND)
            bare = await stats(session, base)
            async with bench_database(admin_url) as url:
                await prepare(url, count)
                await stats(session, base)
                if processes > 1:
                    real_time, real_cpu, posted = await cluster_pass(base, url, processes)
                else:
                    real_time, real_cpu, posted = await scheduler_pass(http, url)
                real = await stats(session, base)
                sent = await count_sent(url, count)
            assert posted == count == sent, (posted, sent)
        await http.close()
    finally:
        server.terminate()
        await server.wait()

    backend = "PostgreSQL" if admin_url else "SQLite"
    print(f"daily posts: {count:,} servers due at the same minute, {processes} process(es) on {backend}, paced at "
          f"{POSTS_PER_SECOND}/s in all, fake REST limit {GLOBAL_LIMIT} requests per sliding second")  # fmt: skip
    print(f"  floor (N/{GLOBAL_LIMIT}):                   {floor:8.1f} s")
    print(f"  scheduler (claim, rotate, render, send): {real_time:8.1f} s  ratio {real_time / floor:.3f} "
          f"(target <= 1.1)  429s {real['too_many']}  busiest second {real['busiest_second']}  "
          f"CPU {real_cpu:.1f} s ({1000 * real_cpu / posted:.2f} ms/post)")  # fmt: skip
    print(f"  baseline (bare paced sends):             {bare_time:8.1f} s  ratio {bare_time / floor:.3f}"
          f"                 429s {bare['too_many']}  busiest second {bare['busiest_second']}  "
          f"CPU {bare_cpu:.1f} s ({1000 * bare_cpu / count:.2f} ms/post)")  # fmt: skip
    print(f"  ratio scheduler/baseline: time {real_time / bare_time:.3f}, CPU {real_cpu / bare_cpu:.2f}")
    summary = {"servers": count, "processes": processes, "backend": backend, "scheduler": real, "baseline": bare}
    print(json.dumps(summary))


def main() -> None:
    """Run the benchmark (or, with ``--serve``, the fake REST endpoint)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 servers, for a smoke run")
    parser.add_argument("--servers", type=int, help="how many servers (default 10,000)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL server to bench on (a database is created there and dropped)"
    )
    parser.add_argument("--processes", type=int, default=1, help="scheduler processes, one shard each (PostgreSQL)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    if args.worker:
        shard, _, shard_count = args.worker.partition("/")
        asyncio.run(worker(args.api, args.database_url, int(shard), int(shard_count)))
        return
    if args.processes > 1 and not args.database_url:
        parser.error("several processes need PostgreSQL (--database-url); one SQLite database serves one process")
    asyncio.run(bench(args.servers or (300 if args.quick else 10_000), args.database_url, args.processes))


if __name__ == "__main__":
    main()
