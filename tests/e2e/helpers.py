"""Running ``python -m bot`` as a real process against :mod:`tests.fakediscord`, for the end-to-end tests.

:class:`BotProcess` starts the bot with a fresh environment (no ``.env`` is read), keeps reading its log so the
pipe never fills, and is always killed in the test's finalizer; :func:`bot_and_fake` wires both up.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import yarl

from tests.fakediscord import CHANNEL_ID, USER_ID, FakeDiscord, Recorded
from tests.helpers import FAKE_TOKEN, SAMPLE_PACKS

PROJECT = Path(__file__).resolve().parents[2]
ROOT_WITHOUT_FILE_OVERRIDE = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]
"""Run a command as root but without the capabilities that ignore file permissions (util-linux setpriv)."""


class BotProcess:
    """One bot process: its log lines (read continuously) and how to stop it."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new_line = asyncio.Condition()
        self._reader = asyncio.create_task(self._read_log())

    @classmethod
    async def start(
        cls,
        fake: FakeDiscord,
        database: Path,
        workdir: Path,
        *,
        honour_file_modes: bool = False,
        command: tuple[str, ...] = (),
        **settings: str,
    ) -> BotProcess:
        """Start ``python -m bot`` (then ``command``, e.g. ``("web",)``) pointed at ``fake``, database ``database``.

        With ``honour_file_modes`` the process cannot override file permissions even as root, so a read-only
        database file really is read-only to it.
        """
        launcher = ROOT_WITHOUT_FILE_OVERRIDE if honour_file_modes and os.geteuid() == 0 else []
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "COMMAND_", "OWNER_"))}
        env.update(
            PYTHONPATH=str(PROJECT),
            DISCORD_TOKEN=FAKE_TOKEN,
            DISCORD_API_BASE_URL=fake.api_url,
            DISCORD_GATEWAY_URL=fake.gateway_url,
            DATABASE_URL=f"sqlite:///{database}",
            PACKS_DIR=str(SAMPLE_PACKS),
            OWNER_IDS=str(USER_ID),
            LOG_LEVEL="INFO",
        )
        env.update(settings)
        process = await asyncio.create_subprocess_exec(
            *launcher, sys.executable, "-m", "bot", *command, cwd=workdir, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def _read_log(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            async with self._new_line:
                self.lines.append(line.decode(errors="replace"))
                self._new_line.notify_all()
        async with self._new_line:
            self._new_line.notify_all()

    @property
    def log(self) -> str:
        """Everything logged so far."""
        return "".join(self.lines)

    def mark(self) -> int:
        """Return a position in the log, to wait for lines logged after it."""
        return len(self.lines)

    def log_since(self, mark: int) -> str:
        """Return the lines logged since ``mark``."""
        return "".join(self.lines[mark:])

    async def wait_for_log(self, marker: str, *, since: int = 0, seconds: float = 20.0) -> str:
        """Wait for a log line containing ``marker`` (logged after ``since``); return it."""

        def found() -> str | None:
            return next((line for line in self.lines[since:] if marker in line), None)

        async def wait() -> str:
            async with self._new_line:
                await self._new_line.wait_for(lambda: found() is not None or self._reader.done())
            line = found()
            if line is None:
                raise AssertionError(f"the bot exited before logging {marker!r}:\n{self.log}")
            return line

        try:
            return await asyncio.wait_for(wait(), seconds)
        except TimeoutError:
            raise AssertionError(f"no log line with {marker!r} within {seconds} s:\n{self.log_since(since)}") from None

    async def stop(self, signum: int = signal.SIGTERM, seconds: float = 15.0) -> int:
        """Send ``signum`` and wait for the exit status (killing the process if it hangs)."""
        if self.process.returncode is None:
            with suppress(ProcessLookupError):
                self.process.send_signal(signum)
        try:
            await asyncio.wait_for(self.process.wait(), seconds)
        finally:
            self.kill()
        with suppress(Exception):
            await asyncio.wait_for(self._reader, 5)
        assert self.process.returncode is not None
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL the process if it still runs (the finalizer's safety net)."""
        if self.process.returncode is None:
            with suppress(ProcessLookupError):
                self.process.kill()


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, database: Path, workdir: Path, *, honour_file_modes: bool = False, **settings: str
) -> AsyncIterator[BotProcess]:
    """Start a bot, wait until it is ready, and make sure it is gone afterwards whatever happens."""
    fake.reset_session()
    bot = await BotProcess.start(fake, database, workdir, honour_file_modes=honour_file_modes, **settings)
    try:
        await bot.wait_for_log("Ready as", seconds=30)
        yield bot
    finally:
        bot.kill()
        with suppress(Exception):
            await asyncio.wait_for(bot.process.wait(), 10)
        bot._reader.cancel()


@asynccontextmanager
async def fake_discord(**options: Any) -> AsyncIterator[FakeDiscord]:
    """A started fake Discord, stopped afterwards; ``options`` go to :class:`FakeDiscord` (``extra_guilds=3000``)."""
    fake = FakeDiscord(token=FAKE_TOKEN, **options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py in this process at ``fake`` (as ``bot.app.client.point_at_endpoints`` does); undo it after.

    For tests that drive the fake with a plain discord.py client instead of the bot process.
    """
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{fake.api_url}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@dataclass
class World:
    """A fake Discord, the bot process talking to it, and the bot's database file."""

    fake: FakeDiscord
    bot: BotProcess
    database: Path


@asynccontextmanager
async def synced_world(workdir: Path) -> AsyncIterator[World]:
    """Start a fake Discord and the bot against it (database in ``workdir``), with slash commands synced."""
    async with fake_discord() as fake, running_bot(fake, workdir / "bot.db", workdir) as bot:
        await sync_commands(fake)
        yield World(fake, bot, workdir / "bot.db")


async def sync_commands(fake: FakeDiscord) -> None:
    """Have the owner publish the slash commands to the server with ``!sync``."""
    mark = len(fake.requests)
    await fake.send_message("!sync", channel_id=CHANNEL_ID, author_id=USER_ID)
    await fake.wait_for_post_in(CHANNEL_ID, lambda r: "Synced" in (r.body.get("content") or ""), after=mark)


def text_of(payload: dict[str, Any]) -> str:
    """Return everything readable in a message payload: content, embed titles, descriptions and fields."""
    parts = [payload.get("content") or ""]
    for embed in payload.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(part for part in parts if part)


def posted_text(record: Recorded) -> str:
    """Return the readable text of a recorded message post."""
    return text_of(record.payload)


def has_text(fragment: str) -> Callable[[Recorded], bool]:
    """A test for :meth:`FakeDiscord.wait_for_post_in`: the post's text contains ``fragment``."""
    return lambda record: fragment in posted_text(record)


def query(database: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the bot's database from the test (a separate connection, as another process would)."""
    with sqlite3.connect(database, timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


async def eventually(check: Callable[[], Any], seconds: float = 10.0, what: str = "") -> Any:
    """Poll ``check()`` (e.g. a database query) until it returns something truthy; return that."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not (result := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {seconds} s: {what or check}")
        await asyncio.sleep(0.05)
    return result
