"""The ready wait ends once every server READY listed has arrived (bot/app/ready.py), against the fake Discord.

Plain and auto-sharded discord.py clients with the hook, and ``guild_ready_timeout`` an hour: ready still comes at
once, so these tests fail (the client is not ready within 30 s) if a discord.py upgrade moves what the hook relies
on. A server still missing holds ready back until it arrives; one later than a short timeout arrives after ready as
``on_guild_available``; servers in an outage or left during the wait do not hold ready back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import discord
import pytest

from bot.app.ready import end_ready_wait_when_servers_arrived
from tests.e2e.helpers import eventually, fake_discord, pointed_at
from tests.fakediscord import GUILD_ID, FakeDiscord
from tests.helpers import FAKE_TOKEN

INTENTS = discord.Intents(guilds=True, guild_messages=True)
AN_HOUR = 3600.0
"""A ``guild_ready_timeout`` no test waits out: a ready that comes at all came because every server arrived."""


class Recording:
    """A client with the hook that records, in order, the servers that became available or joined, and ready."""

    def __init__(self, *, guild_ready_timeout: float = AN_HOUR, **options: Any) -> None:
        super().__init__(intents=INTENTS, guild_ready_timeout=guild_ready_timeout, **options)  # type: ignore[call-arg]
        end_ready_wait_when_servers_arrived(self)  # type: ignore[arg-type]
        self.events: list[tuple[str, int | None]] = []
        self.up = asyncio.Event()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify every shard at once (discord.py waits 5 s between shards, for Discord's rate limit)."""

    async def on_ready(self) -> None:
        self.events.append(("ready", None))
        self.up.set()

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.events.append(("available", guild.id))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.events.append(("join", guild.id))

    def available(self) -> set[int]:
        return {guild_id for event, guild_id in self.events if event == "available" and guild_id is not None}


class PlainClient(Recording, discord.Client):
    pass


class ShardedClient(Recording, discord.AutoShardedClient):
    pass


def make_client(kind: str, **options: Any) -> Recording:
    """A plain client, or an auto-sharded one serving two shards."""
    return PlainClient(**options) if kind == "plain" else ShardedClient(shard_count=2, **options)


both_clients = pytest.mark.parametrize("kind", ["plain", "sharded"])


@asynccontextmanager
async def started(fake: FakeDiscord, client: Recording) -> AsyncIterator[asyncio.Task]:
    """Run ``client`` against ``fake`` (it need not be ready yet); close it afterwards."""
    with pointed_at(fake):
        runner = asyncio.create_task(client.start(FAKE_TOKEN))  # type: ignore[attr-defined]
        try:
            yield runner
        finally:
            await client.close()  # type: ignore[attr-defined]
            with suppress(Exception):
                await asyncio.wait_for(runner, 10)


async def wait_ready(client: Recording, runner: asyncio.Task, seconds: float = 30.0) -> None:
    """Wait for ``on_ready``; raise what stopped the client if it stopped."""
    up = asyncio.create_task(client.up.wait())
    await asyncio.wait({runner, up}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    up.cancel()
    if runner.done():
        runner.result()
    assert client.up.is_set(), f"not ready within {seconds} s"


@both_clients
async def test_ready_comes_once_every_server_has_arrived(kind: str, caplog: pytest.LogCaptureFixture):
    async with fake_discord(extra_guilds=6) as fake:
        client = make_client(kind)
        async with started(fake, client) as runner:
            await wait_ready(client, runner)
            assert client.available() == set(fake.guild_ids())
            assert client.events[-1] == ("ready", None), "every server was available before ready"
            assert not any(event == "join" for event, _ in client.events)
    assert not [r for r in caplog.records if r.name == "bot.app.ready" and r.levelno >= logging.WARNING]


@both_clients
async def test_a_missing_server_holds_ready_back_until_it_arrives(kind: str):
    async with fake_discord(extra_guilds=6) as fake:
        late = fake.guild_ids()[-1]
        fake.withheld_guilds.add(late)
        client = make_client(kind)
        async with started(fake, client) as runner:
            others = set(fake.guild_ids()) - {late}
            await eventually(lambda: client.available() == others, what="every other server available")
            assert not client.is_ready(), "ready waits for the server READY listed"  # type: ignore[attr-defined]
            await fake.release_guild(late)
            await wait_ready(client, runner)
            assert client.events[-2:] == [("available", late), ("ready", None)]


@both_clients
async def test_a_server_later_than_the_timeout_becomes_available_after_ready(kind: str):
    async with fake_discord(extra_guilds=2) as fake:
        fake.withheld_guilds.add(GUILD_ID)
        client = make_client(kind, guild_ready_timeout=0.3)
        async with started(fake, client) as runner:
            await wait_ready(client, runner)
            guild = client.get_guild(GUILD_ID)  # type: ignore[attr-defined]
            assert guild is not None and guild.unavailable, "READY listed it: known, not yet available"
            await fake.release_guild(GUILD_ID)
            await eventually(lambda: GUILD_ID in client.available(), what="the late server available")
            assert client.events[-1] == ("available", GUILD_ID), "available, not joined"
            assert client.get_guild(GUILD_ID).unavailable is False  # type: ignore[attr-defined]


@both_clients
async def test_servers_in_an_outage_or_left_during_the_wait_do_not_hold_ready_back(kind: str):
    async with fake_discord(extra_guilds=4) as fake:
        down, leaving = fake.guild_ids()[-2:]
        fake.unavailable_guilds.add(down)
        fake.withheld_guilds.add(leaving)
        client = make_client(kind)
        async with started(fake, client) as runner:
            shards = 1 if kind == "plain" else 2
            await eventually(lambda: sum(fake.readies_by_shard.values()) == shards, what="READY sent")
            await fake.remove_guild(leaving)
            await wait_ready(client, runner)
            assert client.get_guild(leaving) is None  # type: ignore[attr-defined]
            assert client.get_guild(down).unavailable  # type: ignore[attr-defined]
            await fake.release_guild(down)
            await eventually(lambda: down in client.available(), what="the server back from its outage")
            assert ("join", down) not in client.events
