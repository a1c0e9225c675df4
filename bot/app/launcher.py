"""Start-up: read settings, open the store, load packs, connect to Discord, and shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
from dotenv import find_dotenv, load_dotenv

from bot.app.client import MythOrFactBot, point_at_endpoints
from bot.app.cluster import ShardLeases, ShardsTaken
from bot.app.config import Config, ConfigError, load_config, logging_level
from bot.app.heap import settle_heap_on_new_sessions
from bot.app.replies import defer_interaction_replies_on_server_errors
from bot.core.catalog import load_pack_dir
from bot.core.daily import SCHEDULE_CHANGED
from bot.core.errors import StorageUnavailable, StoreError
from bot.core.rewards import REWARDS_CHANGED
from bot.storage import open_store
from bot.storage.base import FactStore

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


def fail(message: str) -> int:
    """Print one clear line for the operator and return the configuration-error exit status."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CONFIG


class RedactSecrets(logging.Filter):
    """Replace the bot token (and its secret parts) in a record before any handler writes it.

    discord.py 2.7 does not log the token, even at DEBUG; this guards against a library or a traceback that
    one day would (an exception message quoting a request header, say).
    """

    REPLACEMENT = "[redacted]"

    def __init__(self, token: str, *others: str) -> None:
        super().__init__()
        # The whole token, then each base64 part long enough not to match ordinary words (user id, HMAC); then the
        # dashboard's secrets, if any.
        parts = {part for part in token.split(".") if len(part) >= 8}
        self._secrets = sorted({token, *parts, *others} - {""}, key=len, reverse=True)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, self.REPLACEMENT)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message, the traceback and the stack in place; never drop a record."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: let the handler report it as usual
            return True
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


def setup_logging(config: Config) -> None:
    """Log to stderr, one line per event, at the configured level, with the token redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    dashboard = config.dashboard
    handler.addFilter(RedactSecrets(config.token, *((dashboard.secret, dashboard.client_secret) if dashboard else ())))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging_level(config))
    # Per-request and per-query debug lines drown everything else; keep those libraries at INFO.
    for noisy in ("discord.http", "discord.gateway", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging_level(config), logging.INFO))


async def serve(config: Config) -> int:
    """Run the bot until it is stopped; return the exit status."""
    log.info(
        "Starting: database %s, packs from %s, log level %s",
        config.database.display,
        config.packs_dir,
        config.log_level,
    )
    if not config.packs_dir.is_dir():
        return fail(f"the packs folder {config.packs_dir} does not exist. Set PACKS_DIR to a folder of .toml packs.")
    point_at_endpoints(config)
    try:
        store = await open_store(config.database)
    except StoreError as exc:
        where = "that the server runs and lets this user in" if config.database.url else "that the folder is writable"
        return fail(f"{exc}. Check DATABASE_URL and {where}.")
    try:
        await load_packs(store, config)
        bot = MythOrFactBot(config, store)
        settle_heap_on_new_sessions(bot)
        defer_interaction_replies_on_server_errors(lambda: bot.application_id)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda s=signum: _request_stop(bot, s))
        dashboard = None
        if config.dashboard is not None:
            try:
                from bot.web.serve import start_dashboard
            except ImportError as exc:
                return fail(f"the dashboard's packages are missing ({exc.name}). Install them: pip install -e '.[web]'")
            try:
                dashboard = await start_dashboard(
                    config,
                    store,
                    daily_changed=lambda: bot.dispatch(SCHEDULE_CHANGED),
                    rewards_changed=lambda guild_id: bot.dispatch(REWARDS_CHANGED, guild_id),
                )
            except OSError as exc:
                return fail(f"the dashboard cannot listen on {config.dashboard.host}:{config.dashboard.port} ({exc}).")
        try:
            async with bot:
                await bot.login(config.token)
                if bot.shard_count is None:  # Discord's advice for the bot's size (needed from 2,500 servers)
                    bot.shard_count = (await bot.http.get_bot_gateway())[0]
                leases = ShardLeases(bot.store, bot.instance_id)
                try:
                    await leases.claim(bot.shard_set)
                except ShardsTaken as exc:
                    return fail(str(exc))
                log.info("Serving %s", bot.shard_set.describe())
                keeper = asyncio.create_task(leases.keep(lambda reason: _lost_shards(bot, reason)), name="leases")
                try:
                    await bot.connect()
                finally:
                    keeper.cancel()
                    await leases.release()
        except discord.LoginFailure:
            return fail(
                "Discord refused the token. Reset it on the Bot page of your application and update DISCORD_TOKEN."
            )
        except (OSError, aiohttp.ClientError) as exc:
            log.error("Cannot reach Discord at %s: %s", discord.http.Route.BASE, exc)
            print(f"error: cannot reach Discord ({exc}). Check the network and DISCORD_API_BASE_URL.", file=sys.stderr)
            return EXIT_FAILED
        except discord.PrivilegedIntentsRequired:
            return fail(
                "Discord refused the Message Content intent. Enable it under Bot > Privileged Gateway Intents "
                "in the developer portal."
            )
        finally:
            if dashboard is not None:
                await dashboard.close()
        log.info("Stopped")
        return EXIT_OK
    finally:
        await store.close()


async def load_packs(store: FactStore, config: Config) -> None:
    """Sync the packs folder into the store; a database that cannot be written is logged, not fatal.

    A read-only or locked database still serves what it holds, and members are asked to try again for
    anything that needs a write, rather than the process exiting into a restart loop.
    """
    try:
        report, problems = await load_pack_dir(store, config.packs_dir)
    except StorageUnavailable as exc:
        log.error("Packs not reloaded, the database cannot be written (%s); serving what it already holds", exc.cause)
        return
    for problem in problems:
        log.warning("Pack problem (pack skipped): %s", problem)
    log.info(
        "Packs loaded: %d added, %d updated, %d unchanged, %d retired (%d files as last synced, not read again)",
        report.added,
        report.updated,
        report.unchanged,
        report.retired,
        report.files_unchanged,
    )


async def _lost_shards(bot: MythOrFactBot, reason: str) -> None:
    """Stop serving when another process took over a shard (this one was stalled past its lease)."""
    log.critical("Stopping: another process serves this process's shards now (%s)", reason)
    await bot.close()


def _request_stop(bot: MythOrFactBot, signum: int) -> None:
    log.info("Received %s, closing the gateway and the database", signal.Signals(signum).name)
    asyncio.get_running_loop().create_task(bot.close())


async def serve_dashboard(config: Config) -> int:
    """Run only the dashboard (``python -m bot web``) over the bot's PostgreSQL database; return the exit status."""
    if config.dashboard is None:
        return fail(
            "the dashboard is off: set DASHBOARD_URL, DASHBOARD_SECRET, DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET "
            '(see README, "Dashboard").'
        )
    if config.database.scheme != "postgresql":
        return fail(
            "a dashboard in its own process needs PostgreSQL (over one SQLite file the bot would keep serving the "
            "settings it cached). With SQLite, set the dashboard settings and run `python -m bot`: the bot serves "
            "the dashboard itself."
        )
    try:
        from bot.web.serve import serve_alone
    except ImportError as exc:
        return fail(f"the dashboard's packages are missing ({exc.name}). Install them: pip install -e '.[web]'")
    try:
        store = await open_store(config.database)
    except StoreError as exc:
        return fail(f"{exc}. Check DATABASE_URL.")
    try:
        await serve_alone(config, store)
    except OSError as exc:
        return fail(f"the dashboard cannot listen on {config.dashboard.host}:{config.dashboard.port} ({exc}).")
    finally:
        await store.close()
    return EXIT_OK


def launch(what: str = "bot") -> int:
    """Entry point of ``python -m bot`` (and ``web``): load ``.env`` from the current folder, validate, serve."""
    load_dotenv(find_dotenv(usecwd=True), override=False)
    try:
        config = load_config()
    except ConfigError as exc:
        return fail(str(exc))
    setup_logging(config)
    try:
        return asyncio.run(serve_dashboard(config) if what == "web" else serve(config))
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception:
        log.critical("The bot stopped because of an unexpected error", exc_info=True)
        return EXIT_FAILED
