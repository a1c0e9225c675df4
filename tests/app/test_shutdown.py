"""A command still running when the bot shuts down: logged in one line, not as a traceback."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.app.config import Config
from bot.storage.sqlite.store import SqliteStore
from tests.helpers import FAKE_TOKEN


async def test_a_command_cut_short_by_the_shutdown_is_one_log_line(caplog):
    store = await SqliteStore.open(None)
    bot = MythOrFactBot(Config(token=FAKE_TOKEN, shard_count=1), store)
    try:
        await bot._async_setup_hook()  # what login() does first, without a network
        await bot.setup_hook()
        assert bot.extra_events.get("on_command_error"), "the errors extension answers while the bot runs"
        await bot.close()  # unloads the extensions, the errors one too, as a real shutdown does
        assert bot.shutting_down
        context = SimpleNamespace(command=SimpleNamespace(qualified_name="quiz stop", has_error_handler=lambda: False))
        error = commands.CommandInvokeError(RuntimeError("Session is closed"))
        with caplog.at_level(logging.INFO):
            await bot.on_command_error(context, error)  # type: ignore[arg-type]
        lines = [record for record in caplog.records if "quiz stop" in record.getMessage()]
        assert [record.levelno for record in lines] == [logging.INFO]
        assert "cut short by the shutdown" in lines[0].getMessage()
        assert not any(record.exc_info for record in caplog.records)
    finally:
        await store.close()
