"""Logs: one line per event that matters, at LOG_LEVEL, and never the token (bot/launcher.py)."""

from __future__ import annotations

import asyncio
import base64
import logging
import signal
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot.app.config import load_config
from bot.app.launcher import RedactSecrets, serve, setup_logging
from tests.fakediscord import BOT_ID, FakeDiscord
from tests.helpers import SAMPLE_PACKS

# A token of the real shape, its first part the bot's id in base64, so that every part is distinctive.
TOKEN_PARTS = (
    base64.b64encode(str(BOT_ID).encode()).decode().rstrip("="),
    "GxQ7pA",
    "tV3r_Qk9ZmWc2LpXo8YhNe4sDj6bRuAfq1Ig",
)
TOKEN = ".".join(TOKEN_PARTS)


class Recorder(logging.Handler):
    """Keeps every record and its fully formatted text (traceback included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.ready = asyncio.Event()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))
        if record.getMessage().startswith("Ready as"):
            self.ready.set()


def assert_no_secret(text: str) -> None:
    assert TOKEN not in text
    for part in TOKEN_PARTS:
        assert part not in text, f"a part of the token was logged: {part}"


@pytest.fixture
def logging_state() -> Iterator[None]:
    """Put the root logger and the levels setup_logging changes back as they were."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    names = ("discord", "discord.http", "discord.gateway", "discord.client", "aiosqlite", "asyncio", "aiohttp")
    saved_levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


def test_the_config_repr_hides_the_token():
    config = load_config({"DISCORD_TOKEN": f"Bot {TOKEN}"})
    assert config.token == TOKEN
    for shown in (repr(config), str(config), f"{config!r}", "%r" % (config,)):  # noqa: UP031 - as logging does
        assert "token=<hidden>" in shown
        assert_no_secret(shown)


async def test_start_up_at_debug_never_logs_the_token(tmp_path: Path, capsys, monkeypatch, logging_state):
    # serve() points discord.py at the fake server through class attributes; put them back afterwards.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    config = load_config(
        {
            "DISCORD_TOKEN": TOKEN,
            "LOG_LEVEL": "DEBUG",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "PACKS_DIR": str(SAMPLE_PACKS),
            "DISCORD_API_BASE_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
    )
    setup_logging(config)
    recorder = Recorder()
    logging.getLogger().handlers.insert(0, recorder)  # before the redacting handler: it sees records as logged
    # Everything discord.py can say, including the per-request and per-event lines the launcher quietens.
    for name in ("discord", "discord.http", "discord.gateway", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    running = asyncio.create_task(serve(config))
    try:
        await asyncio.wait_for(recorder.ready.wait(), 30)
        await fake.send_message("!fact space")
        await fake.wait_for_post(1)
        assert not running.done()
        signal.raise_signal(signal.SIGTERM)  # serve() has installed its handler: it closes the bot
        status = await asyncio.wait_for(running, 15)
    finally:
        if not running.done():
            running.cancel()
        await fake.stop()

    assert status == 0
    assert any(r.path == "/users/@me" for r in fake.requests), "the token was used to log in"
    messages = [record.getMessage() for record in recorder.records]
    assert any(message.startswith("Starting: database") for message in messages)
    assert any(message.startswith("Ready as MythOrFact") for message in messages)
    assert any("has connected to Gateway" in message for message in messages)
    assert any(record.levelno == logging.DEBUG and record.name == "discord.http" for record in recorder.records)
    assert any("Received SIGTERM" in message for message in messages)
    stderr = capsys.readouterr().err
    assert "Ready as MythOrFact" in stderr
    for text in [*recorder.lines, stderr]:
        assert_no_secret(text)


def redacting_handler() -> tuple[logging.Logger, Recorder]:
    """A logger whose records go through the launcher's filter into a recorder."""
    recorder = Recorder()
    recorder.addFilter(RedactSecrets(TOKEN))
    logger = logging.getLogger("tests.redaction")
    logger.handlers[:] = [recorder]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, recorder


def test_the_filter_redacts_the_token_in_messages_arguments_and_tracebacks():
    logger, recorder = redacting_handler()
    logger.debug("Sending IDENTIFY %s", {"op": 2, "d": {"token": TOKEN}})
    logger.info(f"Authorization: Bot {TOKEN}")
    try:
        raise RuntimeError(f"request failed with headers {{'Authorization': 'Bot {TOKEN}'}}")
    except RuntimeError:
        logger.exception("Request failed")
    logger.warning("only the secret part %s", TOKEN_PARTS[2])
    logger.info("an ordinary line with %d items", 3)

    assert len(recorder.lines) == 5
    for line in recorder.lines:
        assert_no_secret(line)
    assert recorder.lines[0] == "DEBUG tests.redaction: Sending IDENTIFY {'op': 2, 'd': {'token': '[redacted]'}}"
    assert recorder.lines[1] == "INFO tests.redaction: Authorization: Bot [redacted]"
    assert "RuntimeError: request failed with headers {'Authorization': 'Bot [redacted]'}" in recorder.lines[2]
    assert recorder.lines[3].endswith("only the secret part [redacted]")
    assert recorder.lines[4] == "INFO tests.redaction: an ordinary line with 3 items"


def test_setup_logging_redacts_every_logger_and_follows_log_level(capsys, logging_state):
    config = load_config({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "WARNING"})
    setup_logging(config)
    logging.getLogger("discord.client").warning("token %s rejected", TOKEN)
    logging.getLogger("bot.anything").info("not shown at WARNING")
    stderr = capsys.readouterr().err
    assert "discord.client: token [redacted] rejected" in stderr
    assert "not shown" not in stderr
    assert_no_secret(stderr)
