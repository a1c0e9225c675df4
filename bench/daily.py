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

Run: ``python -m bench.daily`` (10,000 servers, about 7 minutes) or ``--quick`` (300 servers).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import sqlite3
import sys
import tempfile
import time
from collections import deque
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


async def scheduler_pass(http, count: int, database: Path) -> tuple[float, float, int]:
    """Post to ``count`` servers due at the same minute through the real scheduler; return (s, CPU s, posted)."""
    from bot.app.config import DEFAULT_PACKS_DIR
    from bot.core.catalog import load_pack_dir
    from bot.core.daily import DailySchedule, DailyScheduler
    from bot.storage.sqlite.store import SqliteStore

    store = await SqliteStore.open(database)
    await load_pack_dir(store, DEFAULT_PACKS_DIR)
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    for index in range(count):
        channel_id = FIRST_GUILD + 10 * index + 1
        await store.set_daily_schedule(DailySchedule(FIRST_GUILD + index, channel_id, due.time(), "UTC", None, due))
    scheduler = DailyScheduler(store, HttpPoster(http), now=lambda: datetime.now(UTC), sleep=asyncio.sleep)
    wall, cpu = time.perf_counter(), time.process_time()
    report = await scheduler.run_pass()
    elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
    await store.close()
    with sqlite3.connect(database) as conn:
        sent = conn.execute("SELECT COUNT(*) FROM daily_posts WHERE status = 'sent'").fetchone()
    assert report.posted == count and sent[0] == count, (report, sent)
    return elapsed, used, report.posted


async def bench(count: int) -> None:
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
            with tempfile.TemporaryDirectory() as folder:
                real_time, real_cpu, posted = await scheduler_pass(http, count, Path(folder) / "bench.db")
            real = await stats(session, base)
        await http.close()
    finally:
        server.terminate()
        await server.wait()

    print(f"daily posts: {count:,} servers due at the same minute, paced at {POSTS_PER_SECOND}/s, "
          f"fake REST limit {GLOBAL_LIMIT} requests per sliding second")  # fmt: skip
    print(f"  floor (N/{GLOBAL_LIMIT}):                   {floor:8.1f} s")
    print(f"  scheduler (claim, rotate, render, send): {real_time:8.1f} s  ratio {real_time / floor:.3f} "
          f"(target <= 1.1)  429s {real['too_many']}  busiest second {real['busiest_second']}  "
          f"CPU {real_cpu:.1f} s ({1000 * real_cpu / posted:.2f} ms/post)")  # fmt: skip
    print(f"  baseline (bare paced sends):             {bare_time:8.1f} s  ratio {bare_time / floor:.3f}"
          f"                 429s {bare['too_many']}  busiest second {bare['busiest_second']}  "
          f"CPU {bare_cpu:.1f} s ({1000 * bare_cpu / count:.2f} ms/post)")  # fmt: skip
    print(f"  ratio scheduler/baseline: time {real_time / bare_time:.3f}, CPU {real_cpu / bare_cpu:.2f}")
    print(json.dumps({"servers": count, "scheduler": real, "baseline": bare}))


def main() -> None:
    """Run the benchmark (or, with ``--serve``, the fake REST endpoint)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 servers, for a smoke run")
    parser.add_argument("--servers", type=int, help="how many servers (default 10,000)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    asyncio.run(bench(args.servers or (300 if args.quick else 10_000)))


if __name__ == "__main__":
    main()
