"""Start-up: read settings, open the store, load packs, connect to Discord, and shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
from dotenv import find_dotenv, load_dotenv

from bot.client import MythOrFactBot, point_at_endpoints
from bot.config import Config, ConfigError, load_config, logging_level
from bot.errors import StoreError
from bot.store import load_pack_dir, open_store

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


def fail(message: str) -> int:
    """Print one clear line for the operator and return the configuration-error exit status."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def setup_logging(config: Config) -> None:
    """Log to stderr, one line per event, at the configured level."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging_level(config))
    # Per-request and per-query debug lines drown everything else; keep those libraries at INFO.
    for noisy in ("discord.http", "discord.gateway", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging_level(config), logging.INFO))


async def serve(config: Config) -> int:
    """Run the bot until it is stopped; return the exit status."""
    if not config.packs_dir.is_dir():
        return fail(f"the packs folder {config.packs_dir} does not exist. Set PACKS_DIR to a folder of .toml packs.")
    point_at_endpoints(config)
    try:
        store = await open_store(config.database)
    except StoreError as exc:
        return fail(f"{exc}. Check DATABASE_URL and that the folder is writable.")
    try:
        report, problems = await load_pack_dir(store, config.packs_dir)
        for problem in problems:
            log.warning("Pack problem (pack skipped): %s", problem)
        log.info(
            "Packs loaded: %d added, %d updated, %d unchanged, %d retired",
            report.added,
            report.updated,
            report.unchanged,
            report.retired,
        )
        bot = MythOrFactBot(config, store)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda s=signum: _request_stop(bot, s))
        try:
            async with bot:
                await bot.start(config.token)
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
        log.info("Stopped")
        return EXIT_OK
    finally:
        await store.close()


def _request_stop(bot: MythOrFactBot, signum: int) -> None:
    log.info("Received %s, closing the gateway and the database", signal.Signals(signum).name)
    asyncio.get_running_loop().create_task(bot.close())


def launch() -> int:
    """Entry point of ``python -m bot``: load ``.env`` from the current folder, validate settings, and serve."""
    load_dotenv(find_dotenv(usecwd=True), override=False)
    try:
        config = load_config()
    except ConfigError as exc:
        return fail(str(exc))
    setup_logging(config)
    try:
        return asyncio.run(serve(config))
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception:
        log.critical("The bot stopped because of an unexpected error", exc_info=True)
        return EXIT_FAILED
