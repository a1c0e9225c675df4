"""The dashboard in headless Chromium, served by the real bot process (``python -m bot`` with the dashboard's
settings) against the fake Discord: log in through its OAuth2 pages, change a setting and see it in the bot's
`config`, approve a suggestion, upload a bad pack and read its problems, and be refused on another server's pages.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; one browser and one bot serve the whole module.
With ``DASHBOARD_SCREENSHOTS=docs`` the main pages are saved there as PNG (the README shows them).
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.core.catalog import load_pack_dir
from bot.core.content import check_draft
from bot.core.scores import PlayerResult, RoundRecord
from bot.storage import DatabaseTarget, open_store
from tests.e2e.helpers import fake_discord, has_text, running_bot, text_of
from tests.fakediscord import (
    BOB_ID,
    CAROL_ID,
    CHANNEL_ID,
    GUILD_ID,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OTHER_GUILD_ID,
    USER_ID,
    FakeDiscord,
)
from tests.helpers import NOW, SAMPLE_PACKS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium; .ci/run does)"
    ),
]
SCREENSHOTS = os.environ.get("DASHBOARD_SCREENSHOTS")
SERVER = f"/servers/{GUILD_ID}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """The bot process serving the dashboard, the fake Discord, the database and one browser page."""

    def __init__(self, fake: FakeDiscord, database: Path, url: str, page, folder: Path) -> None:
        self.fake, self.database, self.url, self.page, self.folder = fake, database, url, page, folder

    async def goto(self, path: str):
        return await self.page.goto(self.url + path)

    async def shot(self, name: str) -> None:
        """Save a screenshot of the page (into docs/ when asked, else beside the test's files)."""
        folder = Path(SCREENSHOTS) if SCREENSHOTS else self.folder
        await self.page.screenshot(path=str(folder / f"dashboard-{name}.png"), full_page=True)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site(tmp_path_factory) -> AsyncIterator[Site]:
    from playwright.async_api import async_playwright

    folder = tmp_path_factory.mktemp("dashboard")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {"DASHBOARD_URL": url, "DASHBOARD_SECRET": "browser-test-secret-" + "x" * 24,
                "DISCORD_CLIENT_ID": OAUTH_CLIENT_ID, "DISCORD_CLIENT_SECRET": OAUTH_CLIENT_SECRET}  # fmt: skip
    await seed(folder / "bot.db")
    async with fake_discord() as fake, running_bot(fake, folder / "bot.db", folder, **settings) as bot:
        await bot.wait_for_log("Dashboard listening")
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            context = await browser.new_context(viewport={"width": 1100, "height": 760}, color_scheme="light")
            page = await context.new_page()
            yield Site(fake, folder / "bot.db", url, page, folder)
            await browser.close()


HOSTILE_CLAIM = "Bulls are angered by the colour red <b>really</b>."


async def seed(database: Path) -> None:
    """Before the bot starts: a suggestion waiting for review, and quiz rounds for the leaderboard and statistics."""
    store = await open_store(DatabaseTarget("sqlite", database))
    try:
        await load_pack_dir(store, SAMPLE_PACKS)
        truth = "Bulls are red-green colour-blind; the cape's movement provokes them."
        draft = check_draft("myth", HOSTILE_CLAIM, truth, "A book", "animals")
        await store.add_suggestion(GUILD_ID, BOB_ID, draft, 3, NOW)
        players = (USER_ID, BOB_ID, CAROL_ID, *range(1000, 1009))
        for n in range(42):  # items 1-4 are animals, 5-7 space; later ones are answered wrong more often
            item = n % 7 + 1
            answers = []
            for index, player in enumerate(players[: 3 + n % 5]):
                right = (index + n) % (8 - item) != 0
                answers.append(PlayerResult(player, 10 * item if right else 0, right, 900 if right else None))
            topic = "animals" if item <= 4 else "space"
            await store.record_round(RoundRecord(GUILD_ID, f"r{n}", item, topic, NOW, tuple(answers)), "2026-W49")
    finally:
        await store.close()


async def bot_reply(fake: FakeDiscord, content: str, fragment: str) -> str:
    mark = len(fake.requests)
    await fake.send_message(content, author_id=USER_ID)
    return text_of((await fake.wait_for_post_in(CHANNEL_ID, has_text(fragment), after=mark)).body)


async def test_logging_in_through_discord_lists_the_server(site: Site):
    await site.goto("/")
    await site.shot("login")
    await site.page.get_by_role("link", name="Log in with Discord").click()
    await site.page.wait_for_url(f"{site.url}/servers")
    assert await site.page.get_by_role("link", name="Fake Server").is_visible()
    assert await site.page.get_by_text("Server Without The Bot").count() == 0
    await site.shot("servers")
    await site.page.get_by_role("link", name="Fake Server").click()
    await site.page.wait_for_url(f"{site.url}{SERVER}")
    await site.shot("overview")


async def test_a_setting_changed_in_the_browser_shows_in_the_bots_config(site: Site):
    await site.goto(f"{SERVER}/settings")
    await site.page.get_by_label("Prefix", exact=True).fill("?")
    await site.page.get_by_label("Questions", exact=True).fill("7")
    await site.page.get_by_role("button", name="Save settings").click()
    await site.page.get_by_text("Saved: prefix, quiz_rounds.").wait_for()
    await site.shot("settings")
    shown = await bot_reply(site.fake, "?config", "Settings")
    assert "`?`" in shown and "Questions: **7**" in shown
    history = await bot_reply(site.fake, "?config history", "Recent changes")
    assert "prefix: (default) → ? (via dashboard)" in history


async def test_a_suggestion_is_approved_in_the_review_queue(site: Site):
    await site.goto(f"{SERVER}/review")
    assert await site.page.get_by_text(HOSTILE_CLAIM).is_visible()
    await site.shot("review")
    await site.page.get_by_role("button", name="Approve").click()
    await site.page.get_by_text("Approved suggestion").wait_for()
    await site.goto(f"{SERVER}/facts")
    assert await site.page.locator("p.meta", has_text="custom/1 · myth").is_visible()


async def test_a_bad_pack_upload_lists_its_problems(site: Site):
    await site.goto(f"{SERVER}/packs")
    pack = b'[pack]\nid = "club"\nname = "Club"\n\n[[items]]\nid = "one"\nkind = "maybe"\n'
    await site.page.get_by_label("File").set_input_files(files=[{"name": "club.toml", "mimeType": "text/plain",
                                                                 "buffer": pack}])  # fmt: skip
    await site.page.get_by_role("button", name="Upload").click()
    problems = site.page.get_by_role("region", name="Problems")
    await problems.wait_for()
    assert "item #1 (one), field 'kind'" in await problems.inner_text()
    await site.shot("packs")


async def test_the_other_pages_render_and_another_server_is_refused(site: Site):
    for name in ("leaderboard", "stats", "audit", "daily"):
        response = await site.goto(f"{SERVER}/{name}")
        assert response.status == 200
        if name in ("leaderboard", "stats"):
            assert await site.page.locator("svg.chart").count() >= 1
        await site.shot(name)
    response = await site.goto(f"/servers/{OTHER_GUILD_ID}/settings")
    assert response.status == 403
    assert await site.page.get_by_text("Not your server").is_visible()
