"""Running the dashboard: inside the bot's process (when its settings are given), or alone as ``python -m bot web``.

Inside the bot it shares the bot's store, so a change made on a page is what the next command sees, on SQLite too.
Alone it needs PostgreSQL: there, a settings change is announced to the bot's processes, which drop their cached copy;
over one SQLite file two processes would each keep their own cached settings.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.app.config import Config
from bot.storage.base import FactStore
from bot.web.app import create_app
from bot.web.discord_api import DiscordApi

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunningDashboard:
    """A dashboard listening for requests; :meth:`close` stops it."""

    runner: web.AppRunner
    session: aiohttp.ClientSession
    url: str

    async def close(self) -> None:
        """Stop listening and close the connections to Discord."""
        await self.runner.cleanup()
        await self.session.close()


async def start_dashboard(
    config: Config,
    store: FactStore,
    *,
    daily_changed: Callable[[], None] | None = None,
    rewards_changed: Callable[[int], None] | None = None,
) -> RunningDashboard:
    """Serve the dashboard over ``store`` on the configured address (``config.dashboard`` must be set)."""
    dashboard = config.dashboard
    assert dashboard is not None
    session = aiohttp.ClientSession()
    api = DiscordApi(session, config.token, config.api_base_url)
    app = create_app(dashboard, store, api, daily_changed=daily_changed, rewards_changed=rewards_changed)
    runner = web.AppRunner(app, access_log=None)
    try:
        await runner.setup()
        await web.TCPSite(runner, dashboard.host, dashboard.port).start()
    except BaseException:
        await runner.cleanup()
        await session.close()
        raise
    log.info("Dashboard listening on %s:%s for %s", dashboard.host, dashboard.port, dashboard.url)
    return RunningDashboard(runner, session, dashboard.url)


async def serve_alone(config: Config, store: FactStore) -> None:
    """Serve the dashboard until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = await start_dashboard(config, store)
    try:
        await stop.wait()
    finally:
        await running.close()
