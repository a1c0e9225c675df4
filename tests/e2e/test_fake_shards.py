"""The fake Discord shards like Discord: checked with plain discord.py clients (and raw websockets), not the bot.

Each shard sees only its servers and gets only their events, direct messages go to shard 0, a client that asks
``/gateway/bot`` gets one shard per 1,000 servers, each shard resumes on its own, and a bot with too few shards
for its servers is closed with 4011 (Sharding required).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiohttp
import discord
import pytest

from tests.e2e.helpers import eventually, fake_discord, pointed_at
from tests.fakediscord import (
    DM_CHANNEL_ID,
    GUILD_ID,
    INVALID_SHARD,
    SHARD_GUILD_LIMIT,
    SHARDING_REQUIRED,
    FakeDiscord,
    shard_of,
)
from tests.helpers import FAKE_TOKEN

INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True, message_content=True)
PING = {"name": "ping", "description": "Which shard answers?", "type": 1}


class ShardedClient(discord.AutoShardedClient):
    """A plain AutoShardedClient that records what reaches it, and answers /ping with its shard id."""

    def __init__(self, **options: Any) -> None:
        super().__init__(intents=INTENTS, guild_ready_timeout=0.2, **options)
        self.up = asyncio.Event()
        self.messages: list[discord.Message] = []
        self.interactions: list[discord.Interaction] = []
        self.joined: list[int] = []
        self.removed: list[int] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify every shard at once (discord.py waits 5 s between shards, for Discord's rate limit)."""

    async def on_ready(self) -> None:
        self.up.set()

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.interactions.append(interaction)
        assert interaction.guild is not None
        await interaction.response.send_message(f"pong from shard {interaction.guild.shard_id}")

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.append(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.removed.append(guild.id)

    def message_guilds(self) -> set[int | None]:
        return {message.guild.id if message.guild else None for message in self.messages}


@asynccontextmanager
async def pointed_fake(**options: Any) -> AsyncIterator[FakeDiscord]:
    """A started fake Discord (``options`` as :class:`FakeDiscord`) with discord.py in this process pointed at it."""
    async with fake_discord(**options) as fake:
        with pointed_at(fake):
            yield fake


@asynccontextmanager
async def connected(client: discord.Client, seconds: float = 30.0) -> AsyncIterator[asyncio.Task]:
    """Run ``client`` against the fake until READY (a start-up failure is raised); close it afterwards."""
    runner = asyncio.create_task(client.start(FAKE_TOKEN))
    up = asyncio.create_task(client.up.wait())  # type: ignore[attr-defined]
    try:
        await asyncio.wait({runner, up}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            runner.result()  # raises what stopped the client
        assert up.done(), f"the client was not ready within {seconds} s"
        yield runner
    finally:
        up.cancel()
        await client.close()
        with suppress(Exception):
            await asyncio.wait_for(runner, 10)


def guilds_of(events: list[dict[str, Any]]) -> set[int]:
    return {int(event["guild_id"]) for event in events}


async def test_two_shards_in_two_clients_each_get_only_their_servers_and_events():
    async with pointed_fake(extra_guilds=11) as fake:
        first, second = ShardedClient(shard_count=2, shard_ids=[0]), ShardedClient(shard_count=2, shard_ids=[1])
        async with connected(first), connected(second):
            await fake.wait_for_shards(0, 1)
            mine = {0: set(fake.guild_ids(0, 2)), 1: set(fake.guild_ids(1, 2))}
            assert mine[0] and mine[1] and mine[0] | mine[1] == set(fake.guild_ids()) and not mine[0] & mine[1]
            assert {guild.id for guild in first.guilds} == mine[0]
            assert {guild.id for guild in second.guilds} == mine[1]
            assert fake.identifies_by_shard == {0: 1, 1: 1} and fake.readies_by_shard == {0: 1, 1: 1}
            for shard_id in (0, 1):
                (connection,) = fake.connections_of(shard_id)
                assert connection is fake.connection_of(shard_id)
                assert connection.shard == (shard_id, 2) and connection.sharded and connection.opened_by == "IDENTIFY"
                (ready,) = connection.dispatched("READY")
                assert ready["shard"] == [shard_id, 2]
                assert {int(g["id"]) for g in ready["guilds"]} == mine[shard_id]
                assert {int(g["id"]) for g in connection.dispatched("GUILD_CREATE")} == mine[shard_id]

            for guild_id in fake.guild_ids():
                await fake.send_message_in(guild_id, f"hello {guild_id}")
            await fake.send_message("psst", channel_id=DM_CHANNEL_ID)
            total = len(fake.guild_ids()) + 1
            await eventually(lambda: len(first.messages) + len(second.messages) == total, what="every message")
            assert first.message_guilds() == mine[0] | {None}, "direct messages go to shard 0"
            assert second.message_guilds() == mine[1]
            assert all(m.content == f"hello {m.guild.id}" for m in second.messages if m.guild)
            assert guilds_of(fake.events_on(1, "MESSAGE_CREATE")) == mine[1]

            await first.http.bulk_upsert_global_commands(first.application_id, [PING])  # through the fake's REST
            for shard_id, client in ((0, first), (1, second)):
                guild_id = min(mine[shard_id])
                pending = await fake.slash_in(guild_id, "ping")
                answer = await fake.answer_of(pending)
                assert answer.body["data"]["content"] == f"pong from shard {shard_id}"
                assert [i.guild_id for i in client.interactions] == [guild_id]
            assert guilds_of(fake.events_on(0, "INTERACTION_CREATE")) == {min(mine[0])}

            leaving = max(mine[1] - {GUILD_ID})  # a generated server
            await fake.remove_guild(leaving)
            await eventually(lambda: second.removed == [leaving], what="GUILD_DELETE on shard 1")
            assert second.get_guild(leaving) is None and first.removed == []
            joined = await fake.add_guild()
            client = (first, second)[fake.shard_of(joined)]
            await eventually(lambda: client.joined == [joined], what="GUILD_CREATE on the new server's shard")
            assert (first.joined + second.joined) == [joined]


async def test_without_a_shard_count_the_client_takes_the_recommended_one_for_3000_servers():
    started = time.monotonic()
    async with pointed_fake(extra_guilds=2999) as fake:
        assert time.monotonic() - started < 2, "thousands of servers are cheap to make"
        assert len(fake.guild_ids()) == 3000 and fake.recommended_shards == 3
        client = ShardedClient()
        async with connected(client):
            assert any(r.method == "GET" and r.path == "/gateway/bot" for r in fake.requests)
            assert client.shard_count == 3 and sorted(client.shards) == [0, 1, 2]
            assert fake.identifies_by_shard == {0: 1, 1: 1, 2: 1} and fake.readies_by_shard == {0: 1, 1: 1, 2: 1}
            assert len(client.guilds) == 3000
            assert all(guild.shard_id == shard_of(guild.id, 3) for guild in client.guilds)
            for shard_id in range(3):
                (connection,) = fake.connections_of(shard_id)
                assert connection.shard == (shard_id, 3)
                assert len(connection.dispatched("GUILD_CREATE")) == len(fake.guild_ids(shard_id, 3)) == 1000

            sent = {shard_id: fake.guild_ids(shard_id)[7] for shard_id in range(3)}
            for guild_id in sent.values():
                await fake.send_message_in(guild_id, "which shard?")
            await eventually(lambda: len(client.messages) == 3, what="three messages")
            assert {m.guild.id: m.guild.shard_id for m in client.messages if m.guild} == {g: s for s, g in sent.items()}
            for shard_id, guild_id in sent.items():
                assert guilds_of(fake.events_on(shard_id, "MESSAGE_CREATE")) == {guild_id}


async def test_one_shard_resumes_alone_and_missed_events_wait_for_it():
    async with pointed_fake(extra_guilds=5) as fake:
        client = ShardedClient(shard_count=2)
        async with connected(client):
            await fake.wait_for_shards(0, 1)
            on_zero, on_one = fake.guild_ids(0)[0], fake.guild_ids(1)[0]
            await fake.drop_gateway(shard_id=1)
            await fake.send_message_in(on_one, "sent while shard 1 was away")
            await fake.send_message_in(on_zero, "shard 0 is fine")
            await eventually(lambda: len(client.messages) == 2, what="both messages, one after RESUME")
            assert [m.guild.id for m in client.messages if m.guild] == [on_zero, on_one]
            assert fake.resumes == 1 and fake.identifies_by_shard == {0: 1, 1: 1}
            assert len(fake.connections_of(0)) == 1
            dropped, resumed = fake.connections_of(1)
            assert dropped.closed_by_fake and dropped.close_code == 4000 and resumed.opened_by == "RESUME"
            assert [e["t"] for e in resumed.events][-2:] == ["MESSAGE_CREATE", "RESUMED"]

            await fake.replay(fake.last_sequence("MESSAGE_CREATE", shard_id=0), shard_id=0)
            await eventually(lambda: len(client.messages) == 3, what="the replayed message")
            assert client.messages[-1].guild.id == on_zero


@pytest.mark.parametrize("shard_count", [1, None], ids=["one shard", "no shard field"])
async def test_3000_servers_on_one_shard_are_closed_with_sharding_required(shard_count: int | None):
    async with pointed_fake(extra_guilds=2999) as fake:
        client = ShardedClient(shard_count=1) if shard_count else discord.Client(intents=INTENTS)
        client.up = asyncio.Event()  # type: ignore[attr-defined]
        with pytest.raises(discord.errors.ConnectionClosed) as closed:
            async with connected(client):
                pass
        assert closed.value.code == SHARDING_REQUIRED == 4011
        (connection,) = fake.connections
        assert connection.closed_by_fake and connection.close_code == 4011 and connection.sharded == bool(shard_count)
        assert fake.identifies_by_shard == {0: 1} and fake.readies_by_shard == {}
        assert not connection.dispatched()


async def identify(fake: FakeDiscord, shard: list[int] | None) -> tuple[list[dict[str, Any]], int | None]:
    """IDENTIFY over a raw websocket; return the dispatches received until the socket closed, and the close code.

    The first answer may take a while on a busy machine (a READY of 2,500 servers); after it, a second of silence
    means the fake has nothing more to send.
    """
    async with aiohttp.ClientSession() as session, session.ws_connect(fake.gateway_url) as socket:
        hello = await socket.receive_json()
        assert hello["op"] == 10
        data: dict[str, Any] = {"token": FAKE_TOKEN, "intents": INTENTS.value, "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await socket.send_json({"op": 2, "d": data})
        events = []
        while True:
            try:
                message = await socket.receive(timeout=1.0 if events else 20.0)
            except TimeoutError:
                return events, None
            if message.type != aiohttp.WSMsgType.TEXT:
                return events, socket.close_code
            events.append(message.json())


async def test_raw_identify_the_limit_per_shard_and_invalid_shards():
    async with fake_discord(extra_guilds=2 * SHARD_GUILD_LIMIT) as fake:
        counts = {shard_id: len(fake.guild_ids(shard_id, 2)) for shard_id in (0, 1)}
        assert max(counts.values()) > SHARD_GUILD_LIMIT, "5,001 servers: one of two shards holds 2,501"
        assert (await identify(fake, [0, 2]))[1] == 4011
        assert (await identify(fake, [3, 3]))[1] == INVALID_SHARD == 4010
        assert fake.readies_by_shard == {}
    async with fake_discord(extra_guilds=4999) as fake:
        assert [len(fake.guild_ids(shard_id, 2)) for shard_id in (0, 1)] == [SHARD_GUILD_LIMIT] * 2
        events, code = await identify(fake, [1, 2])
        assert code is None, "2,500 servers per shard is allowed"
        ready = events[0]["d"]
        assert events[0]["t"] == "READY" and ready["shard"] == [1, 2] and len(ready["guilds"]) == SHARD_GUILD_LIMIT
        assert {int(e["d"]["id"]) for e in events[1:]} == {int(g["id"]) for g in ready["guilds"]}
        assert (GUILD_ID in fake.guild_ids(1, 2)) == (str(GUILD_ID) in {g["id"] for g in ready["guilds"]})
        assert fake.identifies_by_shard == {1: 1} and fake.readies_by_shard == {1: 1}
    async with fake_discord(extra_guilds=3) as fake:
        events, code = await identify(fake, None)  # no shard field: one shard with every server, as the bot does
        assert code is None and "shard" not in events[0]["d"]
        assert [int(g["id"]) for g in events[0]["d"]["guilds"]] == fake.guild_ids()
        assert fake.connections[0].shard == (0, 1) and not fake.connections[0].sharded
