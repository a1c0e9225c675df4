"""Ready once every server of a shard's READY has arrived, instead of ``guild_ready_timeout`` after the last one.

discord.py 2.7 (``ConnectionState._delay_ready`` in discord/state.py, ``_delay_shard_ready`` for the auto-sharded
client) dispatches ``ready`` once no GUILD_CREATE has come for ``guild_ready_timeout`` (2 s). So every start waits
those 2 s, even when every server that READY listed has long arrived. READY lists the shard's servers, so the wait
can end as soon as each of them has arrived (its GUILD_CREATE came) or is known not to come for now (a GUILD_CREATE
or GUILD_DELETE saying it is unavailable, or a GUILD_DELETE because the bot left it). While one is missing,
discord.py's wait is left as it is: a slow server still arrives before ready, and one slower than the timeout
arrives after it as ``on_guild_available``.

The hook relies on this in discord.py (tests/app/test_ready.py fails if an upgrade changes it):

1. ``parse_ready`` keeps the servers arriving during the wait in an ``asyncio.Queue``, ``state._ready_state``
   (plain client) or ``state._ready_states[shard_id]`` (auto-sharded); ``_add_ready_state`` hands it each server
   whose GUILD_CREATE came, with ``put_nowait``;
2. the wait looks the queue up again at every turn and reads it with
   ``await asyncio.wait_for(queue.get(), timeout=self.guild_ready_timeout)``;
3. ``asyncio.TimeoutError`` ends the wait, which then goes on as after the timeout (chunks, then ``shard_ready``
   and ``ready``).

Right after discord.py's READY parser, the hook puts a :class:`ReadyWait` in the queue's place: the same queue, which
also knows the servers still missing, and whose ``get`` raises ``TimeoutError`` once none is and every arrived server
has been taken. Should the queue not be where discord.py 2.7 keeps it, a warning says so and discord.py's wait applies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

import discord
from discord.state import AutoShardedConnectionState, ConnectionState

log = logging.getLogger(__name__)


class ReadyWait(asyncio.Queue[discord.Guild]):
    """discord.py's queue of the servers that arrived during a shard's ready wait, knowing which are still missing."""

    def __init__(self, expected: Iterable[int]) -> None:
        super().__init__()
        self.missing = set(expected)
        """The servers READY listed that have neither arrived nor been reported unavailable or left."""
        self._changed = asyncio.Event()

    def take_over(self, earlier: asyncio.Queue[discord.Guild]) -> None:
        """Keep the servers still queued in discord.py's queue (a shard that identified again during its wait)."""
        while not earlier.empty():
            super().put_nowait(earlier.get_nowait())

    def put_nowait(self, guild: discord.Guild) -> None:
        """Queue a server whose GUILD_CREATE came (called by discord.py's ``_add_ready_state``)."""
        super().put_nowait(guild)
        self.settle(guild.id)

    def settle(self, guild_id: int) -> None:
        """Note that a server arrived, or is not coming for now (unavailable, or left)."""
        self.missing.discard(guild_id)
        self._changed.set()

    async def get(self) -> discord.Guild:
        """Return the next server that arrived; raise ``TimeoutError`` once all have arrived and have been taken.

        discord.py reads that ``TimeoutError`` as its ``guild_ready_timeout`` running out, and gets ready.
        """
        while self.empty():
            if not self.missing:
                raise TimeoutError("every server listed in READY has arrived")
            self._changed.clear()
            await self._changed.wait()
        return self.get_nowait()


def end_ready_wait_when_servers_arrived(client: discord.Client) -> None:
    """Make ``client`` (plain or auto-sharded) get ready as soon as every server READY listed has arrived.

    Wraps discord.py's READY, GUILD_CREATE and GUILD_DELETE parsers (every gateway event goes through
    ``state.parsers``); call it before the client connects.
    """
    state = client._connection
    parsers: dict[str, Callable[[dict], None]] = state.parsers
    parse_ready, parse_create, parse_delete = parsers["READY"], parsers["GUILD_CREATE"], parsers["GUILD_DELETE"]

    def on_ready(data: dict) -> None:
        parse_ready(data)
        _replace_queue(state, data)

    def on_guild_create(data: dict) -> None:
        parse_create(data)
        if data.get("unavailable") is True:  # discord.py queues only the servers that are available
            _settle(state, int(data["id"]))

    def on_guild_delete(data: dict) -> None:
        parse_delete(data)
        _settle(state, int(data["id"]))

    parsers.update(READY=on_ready, GUILD_CREATE=on_guild_create, GUILD_DELETE=on_guild_delete)


def _replace_queue(state: ConnectionState, ready: dict) -> None:
    """Put a :class:`ReadyWait` for the servers in ``ready`` where discord.py's ready wait reads its queue."""
    wait = ReadyWait(int(guild["id"]) for guild in ready["guilds"])
    try:
        if isinstance(state, AutoShardedConnectionState):
            shard_id = ready["shard"][0]
            wait.take_over(state._ready_states[shard_id])
            state._ready_states[shard_id] = wait
        else:
            wait.take_over(state._ready_state)
            state._ready_state = wait
    except (AttributeError, KeyError):
        log.warning(
            "discord.py %s keeps its ready wait elsewhere than 2.7 did; ready comes %.1f s after the last server, "
            "as discord.py does by itself (see bot/app/ready.py)",
            discord.__version__,
            state.guild_ready_timeout,
        )


def _settle(state: ConnectionState, guild_id: int) -> None:
    """Tell the ready wait that a server is not coming for now; its shard's wait has it among the missing."""
    if isinstance(state, AutoShardedConnectionState):
        waits = list(getattr(state, "_ready_states", {}).values())
    else:
        waits = [getattr(state, "_ready_state", None)]  # discord.py deletes it once the wait is over
    for wait in waits:
        if isinstance(wait, ReadyWait):
            wait.settle(guild_id)
