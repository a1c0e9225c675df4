"""Fixtures for the dashboard: a fake Discord (OAuth2 and the bot's REST calls), the store, and the app over both."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio
import yarl
from aiohttp.test_utils import TestClient, TestServer

from bot.app.config import DashboardConfig
from bot.storage.base import FactStore
from bot.web.app import create_app
from bot.web.discord_api import DiscordApi
from tests.e2e.helpers import fake_discord
from tests.fakediscord import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, USER_ID, FakeDiscord
from tests.helpers import FAKE_TOKEN

SECRET = "a-test-secret-that-is-long-enough-0123456789"
DASHBOARD = DashboardConfig(
    url="http://dashboard.test", secret=SECRET, client_id=OAUTH_CLIENT_ID, client_secret=OAUTH_CLIENT_SECRET
)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with fake_discord() as started:
        yield started


class Dashboard:
    """A test client of the dashboard, with the steps a member's browser takes."""

    def __init__(self, client: TestClient, fake: FakeDiscord, store: FactStore) -> None:
        self.client = client
        self.fake = fake
        self.store = store
        self.daily_wakes = 0
        self.rewards_changed: list[int] = []
        """Servers the dashboard told the bot to settle role rewards for."""

    async def log_in(self, user_id: int = USER_ID) -> None:
        """Log in through the fake Discord's OAuth2 pages, as ``user_id``."""
        self.fake.oauth_user = user_id
        start = await self.client.get("/login", allow_redirects=False)
        assert start.status == 302, await start.text()
        async with (
            aiohttp.ClientSession() as browser,
            browser.get(start.headers["Location"], allow_redirects=False) as back,
        ):
            assert back.status == 302
            callback = yarl.URL(back.headers["Location"])
        done = await self.client.get(callback.path_qs, allow_redirects=False)
        assert (done.status, done.headers["Location"]) == (302, "/servers")

    async def page(self, path: str, status: int = 200) -> str:
        """Return a page's HTML, checking its status."""
        response = await self.client.get(path, allow_redirects=False)
        text = await response.text()
        assert response.status == status, text
        return text

    async def token(self, path: str) -> str:
        """Return the CSRF token the forms of a page carry."""
        match = _CSRF.search(await self.page(path))
        assert match, "the page has no form"
        return html.unescape(match[1])

    async def submit(
        self, page: str, action: str | None = None, data: dict | None = None, **options
    ) -> aiohttp.ClientResponse:
        """Send a form of ``page`` (to ``action``, default the page itself) with the page's CSRF token."""
        form = aiohttp.FormData()
        for name, value in (data or {}).items():
            for each in value if isinstance(value, list) else [value]:
                form.add_field(name, each)
        form.add_field("csrf_token", await self.token(page))
        return await self.client.post(action or page, data=form, allow_redirects=False, **options)

    async def messages(self, page: str) -> str:
        """Return the page's flash messages (the result of the last form) as plain text."""
        shown = re.findall(r'<p class="flash[^>]*>(.*?)</p>', await self.page(page), re.S)
        return html.unescape(re.sub(r"<[^>]+>", "", " ".join(shown)))


@pytest_asyncio.fixture
async def dashboard(fake: FakeDiscord, store: FactStore) -> AsyncIterator[Dashboard]:
    async with aiohttp.ClientSession() as session:
        api = DiscordApi(session, FAKE_TOKEN, fake.api_url)
        wrapper: list[Dashboard] = []

        def woken() -> None:
            wrapper[0].daily_wakes += 1

        app = create_app(
            DASHBOARD,
            store,
            api,
            daily_changed=woken,
            rewards_changed=lambda guild_id: wrapper[0].rewards_changed.append(guild_id),
        )
        async with TestClient(TestServer(app)) as client:
            wrapper.append(Dashboard(client, fake, store))
            yield wrapper[0]
