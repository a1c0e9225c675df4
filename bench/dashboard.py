"""The dashboard's own cost per request: a server page and a settings form, against a bare aiohttp page.

The dashboard runs in this process over a SQLite store with the sample packs, its Discord answers coming from the
fake Discord of ``tests/`` (in this process too, but answered once: the bot's view of the server is cached for 15 s,
so the timed requests measure the dashboard, not Discord). Timed, one request at a time through one aiohttp client:
``GET`` of the settings page (the session and permission checks, the store's settings, packs and topics, the
template) and a ``POST`` of the settings form (CSRF, the core's validation, the write with its audit lines, the
redirect). The baseline, in the same run and through the same client and server stack, is a bare aiohttp handler
that returns a small fixed HTML page.

Run: ``python -m bench.dashboard`` (2,000 requests of each) or ``--quick`` (200).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
import yarl
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app.config import DashboardConfig
from bot.core.catalog import load_pack_dir
from bot.storage import DatabaseTarget, open_store
from bot.web.app import create_app
from bot.web.discord_api import DiscordApi
from bot.web.shared import LIMITS_KEY, RateLimits
from tests.fakediscord import GUILD_ID, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, FakeDiscord
from tests.helpers import FAKE_TOKEN, SAMPLE_PACKS

SETTINGS = f"/servers/{GUILD_ID}/settings"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Unlimited(RateLimits):
    """Rate limits that let everything through."""

    def allow(self, key: str, limit: object) -> bool:
        return True


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(count: int, request) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await request()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def run(count: int) -> None:
    fake = FakeDiscord(token=FAKE_TOKEN)
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="mof-bench-dashboard-"))
    store = await open_store(DatabaseTarget("sqlite", folder / "bench.db"))
    await load_pack_dir(store, SAMPLE_PACKS)
    config = DashboardConfig("http://bench.test", "bench-secret-" + "z" * 32, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET)
    async with aiohttp.ClientSession() as session:
        app = create_app(config, store, DiscordApi(session, FAKE_TOKEN, fake.api_url))
        app[LIMITS_KEY] = Unlimited()  # the bench is one member writing fast on purpose

        async def bare(_: web.Request) -> web.Response:
            return web.Response(text="<!doctype html><title>bare</title><p>Hello</p>", content_type="text/html")

        app.router.add_get("/bench-bare", bare)
        async with TestClient(TestServer(app)) as client:
            start = await client.get("/login", allow_redirects=False)
            async with (
                aiohttp.ClientSession() as browser,
                browser.get(start.headers["Location"], allow_redirects=False) as back,
            ):
                callback = yarl.URL(back.headers["Location"])
            await client.get(callback.path_qs, allow_redirects=False)
            page = await (await client.get(SETTINGS)).text()
            fields = {"prefix": "", "suggestions_per_day": "3", "timezone": "UTC", "quiz_seconds": "15",
                      "quiz_extra_time": "0", "quiz_idle_rounds": "3", "quiz_hints": "on", "quiz_mode": "mixed",
                      "mod_role_id": "", "log_channel_id": ""}  # fmt: skip
            ticked = [(n, v) for n in ("packs", "topics") for v in re.findall(rf'name="{n}" value="([^"]+)"', page)]
            state = {"token": TOKEN.search(page)[1], "rounds": 10}

            async def get_bare() -> None:
                async with client.get("/bench-bare") as response:
                    await response.read()

            async def get_settings() -> None:
                async with client.get(SETTINGS) as response:
                    await response.read()

            async def post_settings() -> None:
                state["rounds"] = 5 if state["rounds"] == 10 else 10
                form = [*fields.items(), ("quiz_rounds", str(state["rounds"])), *ticked, ("csrf_token", state["token"])]
                async with client.post(SETTINGS, data=form, allow_redirects=False) as response:
                    assert response.status == 302, await response.text()
                async with client.get(SETTINGS) as response:  # the page the redirect leads to, with the next token
                    state["token"] = TOKEN.search(await response.text())[1]

            await timed(20, get_bare)
            await timed(20, get_settings)
            bare_ms = await timed(count, get_bare)
            page_ms = await timed(count, get_settings)
            form_ms = await timed(count, post_settings)
    await store.close()
    await fake.stop()
    base50, base99 = statistics.median(bare_ms), percentile(bare_ms, 0.99)
    print(f"bare aiohttp page (baseline): p50 {base50:.2f} ms, p99 {base99:.2f} ms")
    for name, samples in (("settings page", page_ms), ("settings form + its page", form_ms)):
        p50, p99 = statistics.median(samples), percentile(samples, 0.99)
        print(
            f"{name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms; ratio to the baseline {p50 / base50:.1f} / {p99 / base99:.1f}"
        )


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 requests of each, for a smoke run")
    args = parser.parse_args()
    asyncio.run(run(200 if args.quick else 2000))


if __name__ == "__main__":
    main()
