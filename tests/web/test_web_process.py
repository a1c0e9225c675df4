"""End-to-end: ``python -m bot web`` as a process of its own beside the bot's, on one PostgreSQL database.

A setting changed on the dashboard reaches the bot process (which drops its cached copy when the change is
announced), and the dashboard refuses to start over SQLite. Runs when TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from contextlib import suppress

import aiohttp
import pytest
import yarl

from tests.e2e.helpers import BotProcess, fake_discord, has_text, text_of
from tests.e2e.test_cluster import fresh_database
from tests.fakediscord import CHANNEL_ID, GUILD_ID, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, USER_ID

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dashboard_settings(port: int) -> dict[str, str]:
    return {"DASHBOARD_URL": f"http://127.0.0.1:{port}", "DASHBOARD_SECRET": "process-test-secret-" + "y" * 24,
            "DISCORD_CLIENT_ID": OAUTH_CLIENT_ID, "DISCORD_CLIENT_SECRET": OAUTH_CLIENT_SECRET}  # fmt: skip


async def test_the_web_process_refuses_sqlite(tmp_path):
    async with fake_discord() as fake:
        web = await BotProcess.start(fake, tmp_path / "bot.db", tmp_path, command=("web",), **dashboard_settings(1))
        try:
            assert await asyncio.wait_for(web.process.wait(), 30) == 2
            await web.wait_for_log("needs PostgreSQL")
        finally:
            web.kill()


@pytest.mark.skipif(not ADMIN_URL, reason="PostgreSQL tests skipped: set TEST_POSTGRES_URL")
async def test_a_setting_changed_in_the_web_process_reaches_the_bot_process(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with fresh_database() as url, fake_discord() as fake:
        bot = await BotProcess.start(fake, tmp_path / "unused.db", tmp_path, DATABASE_URL=url)
        web = await BotProcess.start(
            fake, tmp_path / "unused.db", tmp_path, command=("web",), DATABASE_URL=url, **dashboard_settings(port)
        )
        try:
            await bot.wait_for_log("Ready as", seconds=40)
            await web.wait_for_log("Dashboard listening", seconds=40)
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
                async with browser.get(f"{base}/login", allow_redirects=False) as start:
                    authorize = start.headers["Location"]
                async with browser.get(authorize, allow_redirects=False) as back:
                    callback = yarl.URL(back.headers["Location"])
                async with browser.get(f"{base}{callback.path_qs}", allow_redirects=False) as done:
                    assert done.headers["Location"] == "/servers"
                async with browser.get(f"{base}/servers/{GUILD_ID}/settings") as page:
                    form = await page.text()
                token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
                data = {"csrf_token": token, "prefix": "$", "suggestions_per_day": "3", "timezone": "UTC",
                        "quiz_rounds": "10", "quiz_seconds": "15", "quiz_extra_time": "0", "quiz_idle_rounds": "3",
                        "quiz_hints": "on", "quiz_mode": "mixed", "mod_role_id": "", "log_channel_id": "",
                        "language": "en"}  # fmt: skip
                ticked = [(name, value) for name in ("packs", "topics", "languages")
                          for value in re.findall(rf'name="{name}" value="([^"]+)"', form)]  # fmt: skip
                settings = f"{base}/servers/{GUILD_ID}/settings"
                async with browser.post(settings, data=[*data.items(), *ticked], allow_redirects=False) as saved:
                    assert saved.status == 302
            mark = len(fake.requests)
            await fake.send_message("$config", author_id=USER_ID)
            reply = await fake.wait_for_post_in(CHANNEL_ID, has_text("Settings"), after=mark, seconds=20)
            assert "`$`" in text_of(reply.body)
        finally:
            for process in (web, bot):
                with suppress(Exception):
                    await process.stop()
                process.kill()
