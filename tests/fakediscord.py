"""A fake Discord (REST v10 and gateway) on 127.0.0.1, for tests that run ``python -m bot`` as a process.

It speaks enough of the protocol for discord.py to run unchanged: login, HELLO / IDENTIFY / READY / GUILD_CREATE,
heartbeats, RESUME with replay of missed events, MESSAGE_CREATE, and INTERACTION_CREATE for slash commands,
buttons, autocomplete and modal submits; on the REST side, messages, interaction callbacks, followups and
command registration. Members can attach files to messages and slash commands; the fake serves them at their
``url`` (as Discord's CDN does) and counts every download. Everything the bot sends is recorded so tests can check
it, files included (multipart uploads), and faults can be injected: 429s with ``retry_after``, 5xx errors, slow
answers, a dropped websocket (forcing RESUME, or a new IDENTIFY when the session is invalidated), replayed
events, and servers slow to load or unavailable at IDENTIFY (:attr:`FakeDiscord.withheld_guilds`,
:attr:`FakeDiscord.unavailable_guilds`, :meth:`FakeDiscord.release_guild`).

The server enforces a few of Discord's rules so that breaking them shows up in tests: an interaction must be
answered within 3 seconds and only once, message content is at most 2,000 characters, embeds stay within their
limits, and the bot cannot post where its permissions are denied.

Sharding works as on Discord. Besides the Fake Server the bot can be in thousands of cheap generated servers
(``FakeDiscord(extra_guilds=3000)``, one #general each). ``GET /gateway/bot`` recommends one shard per 1,000
servers; IDENTIFY's ``shard: [shard_id, shard_count]`` is honoured (READY and GUILD_CREATE cover only the servers
with ``(guild_id >> 22) % shard_count == shard_id``, and every event of a server goes to its shard's session,
direct messages to shard 0); several shards may be connected at once, each with its own RESUME and replay; and a
bot identifying with too few shards (one would hold more than 2,500 servers; no shard field means one shard) is
closed with 4011, Sharding required. :attr:`FakeDiscord.connections` says which shard each websocket carried.

OAuth2 for the web dashboard: ``/oauth2/authorize`` sends the browser straight back to the ``redirect_uri`` with a
``code`` (and the ``state`` it was given) for :attr:`FakeDiscord.oauth_user`; ``/api/v10/oauth2/token`` trades that
code for a bearer token (client id and secret checked); ``/users/@me`` and ``/users/@me/guilds`` answer for a bearer
token as for that member. With the bot token, ``/guilds/{id}``, ``/guilds/{id}/channels`` and
``/guilds/{id}/members/{user}`` describe the servers the bot is in (404 elsewhere).

Roles work as on Discord in the Fake Server: each has a position; ``PUT`` and ``DELETE
/guilds/{id}/members/{user}/roles/{role}`` give and take one, answering 403 (50013 Missing Permissions) unless the bot
has Manage Roles and the role is below its highest one, and 404 for an unknown role (10011) or member (10007).
Members' roles are kept (:meth:`FakeDiscord.role_ids_of`); tests change roles with :meth:`FakeDiscord.edit_role` and
:meth:`FakeDiscord.delete_role`, which send GUILD_ROLE_UPDATE and GUILD_ROLE_DELETE.

For benchmarks (``bench/process.py``, ``bench/soak.py``) the Fake Server can be made bigger
(``FakeDiscord(quiz_channels=19, members=1000)``), :meth:`FakeDiscord.send_burst` sends prebuilt events as fast as
the bot takes them, and :attr:`FakeDiscord.listeners` see every REST call as it is answered.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import secrets
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
from aiohttp import WSMsgType, web

BOT_ID = 900_000_000_000_000_001
APPLICATION_ID = 900_000_000_000_000_002
GUILD_ID = 900_000_000_000_000_010
CHANNEL_ID = 900_000_000_000_000_011
USER_ID = 900_000_000_000_000_020
"""alice: the server's owner (all permissions) and the application's owner."""
BOB_ID = 900_000_000_000_000_021
"""bob: a plain member."""
CAROL_ID = 900_000_000_000_000_022
"""carol: a member with the Moderators role (Manage Server, Manage Messages)."""
MOD_ROLE_ID = 900_000_000_000_000_030
SCHOLAR_ROLE_ID = 900_000_000_000_000_031
"""A plain role below the bot's own, that the bot may give (a reward role in tests)."""
BOT_ROLE_ID = 900_000_000_000_000_032
"""The bot's own managed role, with Manage Roles."""
OWNERS_ROLE_ID = 900_000_000_000_000_033
"""A role above the bot's, that the bot may not give."""
LOCKED_CHANNEL_ID = 900_000_000_000_000_040
"""A channel where the bot may read but not send messages or embeds."""
THREAD_ID = 900_000_000_000_000_050
"""A public thread in the general channel."""
DM_CHANNEL_ID = 900_000_000_000_000_060
"""alice's direct messages with the bot."""
OTHER_GUILD_ID = 900_000_000_000_000_070
"""A server alice is in (and owns) without the bot: listed by ``/users/@me/guilds``, unknown to the bot."""
OAUTH_CLIENT_ID = str(APPLICATION_ID)
OAUTH_CLIENT_SECRET = "fake-client-secret"


def quiz_channel_id(n: int) -> int:
    """Return the id of the Fake Server's ``n``-th spare text channel (``quiz-<n>``, from 0)."""
    return 900_000_000_000_000_100 + n


QUIZ_CHANNEL_IDS = tuple(quiz_channel_id(n) for n in range(8))
"""Spare text channels, so tests can run quizzes side by side (more with ``FakeDiscord(quiz_channels=20)``)."""
FIRST_MEMBER_ID = 900_000_000_000_100_000
"""The first of the Fake Server's plain members generated by ``FakeDiscord(members=1000)``; see :func:`member_id`."""

USER_NAMES = {USER_ID: "alice", BOB_ID: "bob", CAROL_ID: "carol"}

SHARD_GUILD_LIMIT = 2500
"""The most servers Discord lets one shard hold; a bot identifying with fewer shards is closed with 4011."""
GUILDS_PER_RECOMMENDED_SHARD = 1000
"""``GET /gateway/bot`` recommends one shard per this many servers (at least one)."""
SHARDING_REQUIRED = 4011
INVALID_SHARD = 4010
GENERATED_GUILD_EPOCH_MS = 200_000_000_000
"""Snowflake timestamp (ms after Discord's epoch, in 2021) of the first generated server's id."""

INTERACTION_ANSWER_SECONDS = 3.0
"""Discord's limit for the first response to an interaction."""
FOLLOWUP_SECONDS = 15 * 60.0
EPHEMERAL = 64

_MESSAGE_POST = re.compile(r"^/channels/(\d+)/messages$")
_MESSAGE_ONE = re.compile(r"^/channels/(\d+)/messages/(\d+)$")
_CALLBACK = re.compile(r"^/interactions/(\d+)/([^/]+)/callback$")
_WEBHOOK = re.compile(r"^/webhooks/(\d+)/([^/]+)$")
_WEBHOOK_MESSAGE = re.compile(r"^/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)$")
_COMMANDS = re.compile(r"^/applications/(\d+)(?:/guilds/(\d+))?/commands$")
_MEMBER_ROLE = re.compile(r"^/guilds/(\d+)/members/(\d+)/roles/(\d+)$")


def shard_of(guild_id: int, shard_count: int) -> int:
    """Return the shard that carries a server's events, by Discord's formula."""
    return (guild_id >> 22) % shard_count


def member_id(n: int) -> int:
    """Return the user id of the Fake Server's ``n``-th generated plain member (from 0)."""
    return FIRST_MEMBER_ID + n


def generated_guild_id(n: int) -> int:
    """Return the id of the ``n``-th generated server (from 0).

    The ids have consecutive snowflake timestamps, so generated servers spread evenly over shards.
    """
    return (GENERATED_GUILD_EPOCH_MS + n) << 22


def generated_channel_id(guild_id: int) -> int:
    """Return the one text channel (#general) of a generated server."""
    return guild_id | 1


def _user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly "application/json", as Discord sends it.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class _Snowflakes:
    """Fresh snowflake ids that encode the current time, as Discord's do (discord.py reads age from them)."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __iter__(self) -> _Snowflakes:
        return self

    def __next__(self) -> int:
        return discord.utils.time_snowflake(datetime.now(UTC)) + next(self._counter) % 4096


@dataclass
class Recorded:
    """One REST call the bot made, and what the fake answered."""

    method: str
    path: str
    body: Any
    status: int = 200
    at: float = 0.0
    """``time.monotonic()`` when the request arrived."""
    query: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    """Files sent with the request (multipart uploads), as (filename, content)."""
    answer_body: bytes | None = None
    """What the fake answered, as sent."""

    @property
    def answer(self) -> Any:
        """What the fake answered, decoded: the created message of a message post, for instance."""
        return json.loads(self.answer_body) if self.answer_body else None

    @property
    def payload(self) -> dict[str, Any]:
        """The message-like part of the body: ``data`` of an interaction callback, else the body itself."""
        body = self.body if isinstance(self.body, dict) else {}
        return body.get("data") or {} if _CALLBACK.match(self.path) else body


@dataclass
class Upload:
    """A file a member attached, which the fake serves at its attachment's ``url``."""

    id: int
    filename: str
    data: bytes
    downloads: int = 0
    """How many times the bot fetched it."""
    gone: bool = False
    """Deleted from the CDN (as when the member deletes the message): fetching it gets a 404."""


@dataclass
class Fault:
    """A scripted failure for REST calls whose method and path match; used ``times`` times."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.5
    is_global: bool = False
    after_doing_it: bool = False
    """Carry the call out, then answer ``status`` anyway (a 5xx whose request did reach Discord)."""
    hold: bool = False
    """Keep each call waiting until :meth:`release` (a slow Discord whose answer the test times); with status 0 the
    real answer follows."""
    served: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    """Set as soon as a matching call arrives (before it is held)."""
    released: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def wait_for_arrival(self, seconds: float = 15.0) -> None:
        """Wait until a matching call has arrived (it may still be held)."""
        try:
            await asyncio.wait_for(self.arrived.wait(), seconds)
        except TimeoutError:
            raise AssertionError(f"no {self.method} {self.pattern.pattern} arrived within {seconds} s") from None

    def release(self) -> None:
        """Let the calls held by ``hold`` (and any that come later) be answered."""
        self.released.set()


@dataclass
class PendingInteraction:
    """An interaction the fake delivered, waiting for the bot's answer."""

    id: int
    token: str
    type: int
    channel_id: int
    user_id: int
    sent_at: float
    message: dict[str, Any] | None = None
    responses: list[Recorded] = field(default_factory=list)
    """Callbacks the fake accepted (at most one) plus followups and edits, in order."""
    rejected: list[Recorded] = field(default_factory=list)
    """Callbacks refused: too late, or a second answer."""
    answered: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Connection:
    """One gateway websocket the fake accepted: which shard it carries, what was sent on it, how it ended."""

    number: int
    """Its place among all connections, from 0."""
    socket: web.WebSocketResponse
    shard: tuple[int, int] | None = None
    """``(shard_id, shard_count)`` it identified (or resumed) as; ``(0, 1)`` for an IDENTIFY without a shard field;
    ``None`` before IDENTIFY or RESUME."""
    sharded: bool = False
    """Whether its IDENTIFY carried a ``shard`` field."""
    opened_by: str | None = None
    """``"IDENTIFY"`` or ``"RESUME"``: how it got its session."""
    session_id: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    """Every dispatch (op 0) sent on it, replays included."""
    close_code: int | None = None
    """The close code, whoever closed it (``None`` while open or when the peer just vanished)."""
    closed_by_fake: bool = False
    established: bool = False
    """READY and every GUILD_CREATE sent (or RESUMED): the shard is up."""

    @property
    def shard_id(self) -> int | None:
        return self.shard[0] if self.shard else None

    @property
    def open(self) -> bool:
        return not self.socket.closed

    def dispatched(self, event: str | None = None) -> list[dict[str, Any]]:
        """Return the ``d`` of every ``event`` (or every dispatch) sent on this connection."""
        return [e["d"] for e in self.events if event is None or e["t"] == event]


@dataclass
class GatewaySession:
    """One gateway session: its id, its shard and every event dispatched in it, for RESUME."""

    id: str
    shard: tuple[int, int] = (0, 1)
    """``(shard_id, shard_count)``; a bot that sent no shard field holds the single shard ``(0, 1)``."""
    events: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None
    """The websocket it is attached to; ``None`` while the bot is away (events wait here for RESUME)."""

    @property
    def socket(self) -> web.WebSocketResponse | None:
        return self.connection.socket if self.connection is not None else None

    @property
    def sequence(self) -> int:
        """The last sequence number used."""
        return self.events[-1]["s"] if self.events else 0

    def carries(self, guild_id: int | None) -> bool:
        """Whether events of this server (``None``: direct messages, on shard 0) go to this session."""
        shard_id, shard_count = self.shard
        return shard_id == 0 if guild_id is None else shard_of(guild_id, shard_count) == shard_id


@dataclass
class FakeDiscord:
    """The fake server; ``start()`` it, point the bot at ``api_url`` and ``gateway_url``."""

    token: str
    reject_login: bool = False
    extra_guilds: int = 0
    """How many generated servers the bot is in besides the Fake Server: each has one text channel (#general, see
    :func:`generated_channel_id`), alice as owner and the bot as members. Thousands cost little: their payloads are
    built only when sent."""
    quiz_channels: int = len(QUIZ_CHANNEL_IDS)
    """How many spare text channels (``quiz-<n>``, ids from :func:`quiz_channel_id`) the Fake Server has."""
    members: int = 0
    """How many plain members the Fake Server has besides alice, bob and carol (ids from :func:`member_id`). They
    count in its ``member_count`` and may send messages; like Discord without the members intent, GUILD_CREATE
    lists none of them."""
    requests: list[Recorded] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    heartbeat_interval_ms: int = 40_000
    heartbeat_ack_seconds: float = 0.0
    """How long a heartbeat's ACK takes, like a network's round trip. With 0, on a busy machine, the ACK can arrive
    before discord.py's heartbeat thread has noted the send, and it logs "Can't keep up … 40.0s behind"."""
    answer_seconds: float = INTERACTION_ANSWER_SECONDS
    """How long an interaction waits for its first response before it fails, like Discord's 3 s."""
    withheld_guilds: set[int] = field(default_factory=set)
    """Servers an IDENTIFY lists in READY but sends no GUILD_CREATE for, as when Discord is slow to load one;
    :meth:`release_guild` sends it later."""
    unavailable_guilds: set[int] = field(default_factory=set)
    """Servers in an outage: an IDENTIFY lists them in READY, then sends GUILD_DELETE with ``unavailable: true`` for
    them instead of GUILD_CREATE; :meth:`release_guild` sends their GUILD_CREATE once they are back."""
    identifies: int = 0
    resumes: int = 0
    identifies_by_shard: Counter[int] = field(default_factory=Counter)
    """IDENTIFYs received per shard id (no shard field counts as shard 0), refused ones included."""
    readies_by_shard: Counter[int] = field(default_factory=Counter)
    """READYs sent per shard id."""
    connections: list[Connection] = field(default_factory=list)
    """Every gateway websocket, in the order they opened."""
    heartbeats: int = 0
    invalidate_next_resume: bool = False
    """Answer the next RESUME (of any shard) with INVALID_SESSION, so the bot must IDENTIFY again."""
    replay_on_resume: int = 0
    """On RESUME (of any shard), also re-send this many events the bot had already received (as Discord may)."""
    commands: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)
    """Registered application commands, by guild id (``None``: global)."""
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Every message the bot created, by id, as last edited."""
    interactions: dict[int, PendingInteraction] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    listeners: list[Callable[[Recorded], None]] = field(default_factory=list)
    """Called with every REST call once it is answered, in order (benchmarks count replies as they come)."""
    uploads: dict[int, Upload] = field(default_factory=dict)
    """Files members attached, by attachment id."""
    member_roles: dict[int, list[int]] = field(default_factory=lambda: {CAROL_ID: [MOD_ROLE_ID], BOT_ID: [BOT_ROLE_ID]})
    """The Fake Server's members' role ids, by member (changed by the bot's role calls)."""
    role_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Fields of the Fake Server's roles changed by :meth:`edit_role`, by role id."""
    deleted_roles: set[int] = field(default_factory=set)
    oauth_user: int = USER_ID
    """The member who is logged in to Discord in the browser: ``/oauth2/authorize`` grants codes for them."""
    oauth_codes: dict[str, int] = field(default_factory=dict)
    oauth_tokens: dict[str, int] = field(default_factory=dict)
    _sessions: dict[str, GatewaySession] = field(default_factory=dict)
    _current: dict[tuple[int, int], GatewaySession] = field(default_factory=dict)
    """The session events go to, by shard; a new IDENTIFY for a shard replaces its session."""
    _generated: dict[int, None] = field(default_factory=dict)
    """Ids of the generated servers the bot is in, in order (a dict as an ordered set)."""
    _generated_next: int = 0
    _ids: _Snowflakes = field(default_factory=lambda: _Snowflakes())
    _posted: asyncio.Condition = field(default_factory=asyncio.Condition)
    _later: set[asyncio.Task[None]] = field(default_factory=set)
    _runner: web.AppRunner | None = None
    port: int = 0

    def __post_init__(self) -> None:
        for _ in range(self.extra_guilds):
            self._new_guild_id()

    def _new_guild_id(self) -> int:
        guild_id = generated_guild_id(self._generated_next)
        self._generated_next += 1
        self._generated[guild_id] = None
        return guild_id

    @property
    def api_url(self) -> str:
        """Base URL for DISCORD_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        """URL for DISCORD_GATEWAY_URL."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        """Listen on a free port."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/attachments/{id}/{filename}", self._serve_upload)
        app.router.add_get("/oauth2/authorize", self._oauth_authorize)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close sockets and stop listening."""
        for acknowledgement in self._later:
            acknowledgement.cancel()
        for connection in self.connections:
            await connection.socket.close()
        if self._runner:
            await self._runner.cleanup()

    def reset_session(self) -> None:
        """Forget the gateway sessions of every shard (a new bot process must IDENTIFY) and the ready flag."""
        self._current.clear()
        self.ready.clear()

    # -- servers and shards ----------------------------------------------------------------------

    def guild_ids(self, shard_id: int | None = None, shard_count: int | None = None) -> list[int]:
        """Return the servers the bot is in (the Fake Server first), or only those of one shard.

        ``shard_count`` defaults to the count the bot identified with (else Discord's recommendation).
        """
        guild_ids = [GUILD_ID, *self._generated]
        if shard_id is None:
            return guild_ids
        count = shard_count or self.shard_count
        return [guild_id for guild_id in guild_ids if shard_of(guild_id, count) == shard_id]

    @property
    def recommended_shards(self) -> int:
        """What ``GET /gateway/bot`` recommends: one shard per 1,000 servers, at least one."""
        return max(1, -(-len(self.guild_ids()) // GUILDS_PER_RECOMMENDED_SHARD))

    @property
    def shard_count(self) -> int:
        """The shard count of the latest identified session (else the recommended one)."""
        sessions = list(self._current.values())
        return sessions[-1].shard[1] if sessions else self.recommended_shards

    def shard_of(self, guild_id: int, shard_count: int | None = None) -> int:
        """Return the shard id that carries a server (for ``shard_count``, default :attr:`shard_count`)."""
        return shard_of(guild_id, shard_count or self.shard_count)

    def channel_in(self, guild_id: int) -> int:
        """Return a text channel of a server: #general of the Fake Server or of a generated one."""
        if guild_id == GUILD_ID:
            return CHANNEL_ID
        assert guild_id in self._generated, f"the bot is not in server {guild_id}"
        return generated_channel_id(guild_id)

    def guild_of_channel(self, channel_id: int) -> int | None:
        """Return the server of a channel (``None`` for the DM channel); unknown channels count as the Fake Server's."""
        if channel_id == DM_CHANNEL_ID:
            return None
        if channel_id & 1 and channel_id ^ 1 in self._generated:
            return channel_id ^ 1
        return GUILD_ID

    def _shard_load(self, shard_count: int) -> int:
        """Return how many servers the busiest of ``shard_count`` shards would hold."""
        load = Counter(shard_of(guild_id, shard_count) for guild_id in self.guild_ids())
        return max(load.values())

    async def add_guild(self) -> int:
        """Add the bot to a new generated server: GUILD_CREATE goes to its shard (if connected); return its id."""
        guild_id = self._new_guild_id()
        if self._sessions_for(guild_id):
            payload = self._guild_payload(guild_id)
            del payload["unavailable"]  # as Discord sends a join: no "unavailable", unlike start-up's lazy loading
            await self.dispatch("GUILD_CREATE", payload)
        return guild_id

    async def release_guild(self, guild_id: int) -> None:
        """Send the GUILD_CREATE of a withheld or unavailable server (``unavailable: false``: it is now available)."""
        assert guild_id in self.withheld_guilds | self.unavailable_guilds, f"server {guild_id} was not held back"
        self.withheld_guilds.discard(guild_id)
        self.unavailable_guilds.discard(guild_id)
        await self.dispatch("GUILD_CREATE", self._guild_payload(guild_id))

    async def remove_guild(self, guild_id: int) -> None:
        """Remove the bot from a generated server: its shard gets GUILD_DELETE (without ``unavailable``)."""
        assert guild_id in self._generated, f"only generated servers can be left, not {guild_id}"
        del self._generated[guild_id]
        self.withheld_guilds.discard(guild_id)
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    def connections_of(self, shard_id: int) -> list[Connection]:
        """Return every connection that identified or resumed as ``shard_id``, oldest first."""
        return [c for c in self.connections if c.shard_id == shard_id]

    def connection_of(self, shard_id: int) -> Connection | None:
        """Return the open connection of the current session of ``shard_id``, if any."""
        session = next((s for s in reversed(self._current.values()) if s.shard[0] == shard_id), None)
        connection = session.connection if session is not None else None
        return connection if connection is not None and connection.open else None

    def events_on(self, shard_id: int, event: str | None = None) -> list[dict[str, Any]]:
        """Return the ``d`` of every ``event`` (or every dispatch) sent on the connections of ``shard_id``."""
        return [d for c in self.connections_of(shard_id) for d in c.dispatched(event)]

    def shard_ids_connected(self) -> list[int]:
        """Return the shard ids whose current session holds an open websocket."""
        connections = [s.connection for s in self._current.values() if s.connection is not None]
        return sorted({c.shard[0] for c in connections if c.open and c.established and c.shard})

    async def wait_for_shards(self, *shard_ids: int, seconds: float = 15.0) -> None:
        """Wait until each of ``shard_ids`` has an open, identified connection with its servers sent."""
        deadline = time.monotonic() + seconds
        while not set(shard_ids) <= set(self.shard_ids_connected()):
            if time.monotonic() > deadline:
                connected = self.shard_ids_connected()
                raise AssertionError(f"shards {shard_ids} not all up within {seconds} s (up: {connected})")
            await asyncio.sleep(0.02)

    # -- faults ------------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 0.5,
        is_global: bool = False,
        after_doing_it: bool = False,
        hold: bool = False,
    ) -> Fault:
        """Answer the next ``times`` calls matching ``method`` and the ``path`` regex with ``status``.

        429 answers carry ``retry_after`` as Discord sends them; ``hold`` keeps the answer back until
        :meth:`Fault.release`. With ``status=0`` the call is only held and then answered normally; with
        ``after_doing_it`` it is carried out before ``status`` is answered.
        """
        fault = Fault(method.upper(), re.compile(path), status, times, retry_after, is_global, after_doing_it, hold)
        self.faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.served < fault.times and fault.method in (method, "*") and fault.pattern.search(path):
                fault.served += 1
                fault.arrived.set()
                return fault
        return None

    # -- REST ------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        if path == "/oauth2/token" or request.headers.get("Authorization", "").startswith("Bearer "):
            return await self._oauth_rest(request, path)
        body, files = await self._read_body(request)
        record = Recorded(request.method, path, body, at=time.monotonic(), query=dict(request.query), files=files)
        self.requests.append(record)
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        response = await self._answer(request.method, path, body, record, authorized)
        record.status = response.status
        record.answer_body = response.body if isinstance(response.body, bytes) else None
        for listener in self.listeners:
            listener(record)
        async with self._posted:
            self._posted.notify_all()
        return response

    # -- OAuth2, for the dashboard -------------------------------------------------------------------

    async def _oauth_authorize(self, request: web.Request) -> web.Response:
        """Grant a code for :attr:`oauth_user` at once and send the browser back, as Discord does after "Authorize"."""
        query = request.query
        if query.get("client_id") != OAUTH_CLIENT_ID or query.get("response_type") != "code":
            return web.Response(status=400, text="invalid OAuth2 request")
        code = secrets.token_urlsafe(12)
        self.oauth_codes[code] = self.oauth_user
        back = {"code": code, "state": query.get("state", "")}
        raise web.HTTPFound(f"{query['redirect_uri']}?{urllib.parse.urlencode(back)}")

    async def _oauth_rest(self, request: web.Request, path: str) -> web.Response:
        """Answer the token exchange and the calls a member's bearer token may make."""
        if path == "/oauth2/token" and request.method == "POST":
            form = await request.post()
            expected = "Basic " + base64.b64encode(f"{OAUTH_CLIENT_ID}:{OAUTH_CLIENT_SECRET}".encode()).decode()
            if request.headers.get("Authorization") != expected:
                return _json({"error": "invalid_client"}, status=401)
            user_id = self.oauth_codes.pop(str(form.get("code", "")), None)
            if user_id is None or form.get("grant_type") != "authorization_code":
                return _json({"error": "invalid_grant"}, status=400)
            token = secrets.token_urlsafe(16)
            self.oauth_tokens[token] = user_id
            return _json({"access_token": token, "token_type": "Bearer", "expires_in": 604800,
                          "refresh_token": secrets.token_urlsafe(16), "scope": "identify guilds"})  # fmt: skip
        user_id = self.oauth_tokens.get(request.headers["Authorization"].removeprefix("Bearer "))
        if user_id is None:
            return _error(401, 0, "401: Unauthorized")
        if request.method == "GET" and path == "/users/@me":
            return _json(_user(user_id, USER_NAMES.get(user_id, "someone")))
        if request.method == "GET" and path == "/users/@me/guilds":
            return _json(self._user_guilds(user_id))
        return _error(404, 0, "404: Not Found")

    def _user_guilds(self, user_id: int) -> list[dict[str, Any]]:
        def listed(guild_id: int, name: str, owner: bool) -> dict[str, Any]:
            permissions = discord.Permissions.all().value if owner else self.member_permissions(user_id)
            return {"id": str(guild_id), "name": name, "icon": None, "owner": owner, "permissions": str(permissions)}

        guilds = [listed(GUILD_ID, "Fake Server", user_id == USER_ID)]
        if user_id == USER_ID:
            guilds.append(listed(OTHER_GUILD_ID, "Server Without The Bot", True))
            guilds += [listed(guild_id, f"Generated Server {n}", True) for n, guild_id in enumerate(self._generated)]
        return guilds[:200]

    def _guild_rest(self, path: str) -> web.Response | None:
        """Answer the bot's ``GET /guilds/…`` calls for the servers it is in; ``None`` for other paths."""
        match = re.match(r"^/guilds/(\d+)(/channels|/members/(\d+))?$", path)
        if match is None:
            return None
        guild_id = int(match[1])
        if guild_id != GUILD_ID and guild_id not in self._generated:
            return _error(404, 10004, "Unknown Guild")
        payload = self._guild_payload(guild_id)
        if match[2] is None:
            return _json({key: payload[key] for key in ("id", "name", "owner_id", "roles", "features")})
        if match[2] == "/channels":
            return _json(payload["channels"])
        member = next((m for m in payload["members"] if m["user"]["id"] == match[3]), None)
        return _json(member) if member else _error(404, 10007, "Unknown Member")

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        """Return a request's JSON body and its files; a multipart upload carries the JSON as ``payload_json``."""
        if not request.can_read_body:
            return None, []
        if request.content_type == "application/json":
            return await request.json(), []
        if request.content_type != "multipart/form-data":
            return None, []
        form = await request.post()
        files = [(part.filename, part.file.read()) for part in form.values() if isinstance(part, web.FileField)]
        payload = form.get("payload_json")
        return (json.loads(payload) if isinstance(payload, str) else None), files

    async def _serve_upload(self, request: web.Request) -> web.Response:
        """Serve an attached file, as Discord's CDN does, counting the download."""
        upload = self.uploads.get(int(request.match_info["id"]))
        if upload is None or upload.gone or upload.filename != request.match_info["filename"]:
            return web.Response(status=404, text="404: Not Found")
        upload.downloads += 1
        return web.Response(body=upload.data, content_type="application/octet-stream")

    def attachment(self, filename: str, data: bytes, *, content_type: str | None = None) -> dict[str, Any]:
        """Return the payload of a file a member attaches (to ``send_message`` or as a slash option); serve it."""
        upload = Upload(next(self._ids), filename, data)
        self.uploads[upload.id] = upload
        url = f"{self.api_url}/attachments/{upload.id}/{urllib.parse.quote(filename, safe='')}"
        payload: dict[str, Any] = {"id": str(upload.id), "filename": filename, "size": len(data), "url": url,
                                   "proxy_url": url, "ephemeral": False}  # fmt: skip
        if content_type:
            payload["content_type"] = content_type
        return payload

    def delete_upload(self, attachment: dict[str, Any]) -> None:
        """Make an attachment unavailable, as when its message is deleted before the bot downloads it."""
        self.uploads[int(attachment["id"])].gone = True

    def downloads(self, attachment: dict[str, Any]) -> int:
        """Return how many times the bot fetched an attachment made by :meth:`attachment`."""
        return self.uploads[int(attachment["id"])].downloads

    async def _answer(self, method: str, path: str, body: Any, record: Recorded, authorized: bool) -> web.Response:
        # Interaction callbacks and followups are authorised by their token, not the bot's.
        is_webhook = path.startswith(("/webhooks/", "/interactions/"))
        if self.reject_login or (not is_webhook and not authorized):
            return _error(401, 0, "401: Unauthorized")
        fault = self._take_fault(method, path)
        if fault is not None:
            if fault.hold:
                await fault.released.wait()
            if fault.status == 429:
                headers = {
                    "Via": "1.1 google",
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(fault.retry_after),
                    "X-RateLimit-Scope": "global" if fault.is_global else "user",
                }
                if fault.is_global:
                    headers["X-RateLimit-Global"] = "true"
                data = {"message": "You are being rate limited.", "retry_after": fault.retry_after,
                        "global": fault.is_global, "code": 0}  # fmt: skip
                return _json(data, status=429, headers=headers)
            if fault.status and fault.after_doing_it:
                await self._route(method, path, body or {}, record)
            if fault.status:
                return _error(fault.status, 0, f"{fault.status}: injected fault")
        return await self._route(method, path, body or {}, record)

    async def _route(self, method: str, path: str, body: dict[str, Any], record: Recorded) -> web.Response:
        if method == "GET" and path == "/users/@me":
            return _json(_user(BOT_ID, "MythOrFact", bot=True))
        if method == "GET" and path == "/gateway":
            return _json({"url": self.gateway_url})
        if method == "GET" and path == "/gateway/bot":
            limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return _json({"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit})
        if method == "GET" and path == "/oauth2/applications/@me":
            owner = _user(USER_ID, "alice")
            return _json({"id": str(APPLICATION_ID), "name": "MythOrFact", "icon": None, "description": "",
                          "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                          "owner": owner, "flags": 0, "team": None})  # fmt: skip
        if method == "POST" and path == "/users/@me/channels":
            recipient = int(body.get("recipient_id", USER_ID))
            return _json(self._dm_channel(recipient))
        if method == "POST" and path.endswith("/typing"):
            return web.Response(status=204)
        if (match := _MESSAGE_POST.match(path)) and method == "POST":
            return self._post_message(int(match[1]), body)
        if (match := _MESSAGE_POST.match(path)) and method == "GET":
            return self._history(int(match[1]), record.query)
        if match := _MESSAGE_ONE.match(path):
            return self._one_message(method, int(match[1]), int(match[2]), body)
        if method == "GET" and (match := re.match(r"^/channels/(\d+)$", path)):
            channel = self._channel(int(match[1]))
            return _json(channel) if channel else _error(404, 10003, "Unknown Channel")
        if match := _CALLBACK.match(path):
            return self._callback(int(match[1]), match[2], body, record)
        if (match := _WEBHOOK.match(path)) and method == "POST":
            return self._followup(match[2], body, record)
        if match := _WEBHOOK_MESSAGE.match(path):
            return self._webhook_message(method, match[2], match[3], body, record)
        if match := _COMMANDS.match(path):
            return self._application_commands(method, int(match[2]) if match[2] else None, body)
        if method == "GET" and (answer := self._guild_rest(path)) is not None:
            return answer
        if (match := _MEMBER_ROLE.match(path)) and method in ("PUT", "DELETE"):
            return self._member_role(method, int(match[1]), int(match[2]), int(match[3]))
        return _error(404, 0, "404: Not Found")

    # -- roles -----------------------------------------------------------------------------------

    def _member_role(self, method: str, guild_id: int, user_id: int, role_id: int) -> web.Response:
        """Give or take a member's role, refusing what Discord refuses (Manage Roles, the role hierarchy)."""
        if guild_id != GUILD_ID:
            return _error(404, 10004, "Unknown Guild")
        roles = {int(role["id"]): role for role in self._roles()}
        if user_id not in (BOT_ID, USER_ID, BOB_ID, CAROL_ID) and not 0 <= user_id - FIRST_MEMBER_ID < self.members:
            return _error(404, 10007, "Unknown Member")
        if role_id not in roles:
            return _error(404, 10011, "Unknown Role")
        bot_roles = [roles[r] for r in self.member_roles.get(BOT_ID, []) if r in roles]
        permissions = discord.Permissions(int(roles[GUILD_ID]["permissions"]))
        for role in bot_roles:
            permissions |= discord.Permissions(int(role["permissions"]))
        top = max((int(role["position"]) for role in bot_roles), default=0)
        if not (permissions.manage_roles or permissions.administrator) or int(roles[role_id]["position"]) >= top:
            return _error(403, 50013, "Missing Permissions")
        held = self.member_roles.setdefault(user_id, [])
        if method == "PUT" and role_id not in held:
            held.append(role_id)
        elif method == "DELETE" and role_id in held:
            held.remove(role_id)
        return web.Response(status=204)

    def role_ids_of(self, user_id: int) -> list[int]:
        """Return a member's role ids in the Fake Server."""
        return list(self.member_roles.get(user_id, []))

    async def edit_role(self, role_id: int, **changes: Any) -> None:
        """Change a role of the Fake Server (``position``, ``permissions`` as an int) and tell the bot."""
        self.role_changes.setdefault(role_id, {}).update(
            {key: str(value) if key == "permissions" else value for key, value in changes.items()}
        )
        role = next(role for role in self._roles() if int(role["id"]) == role_id)
        await self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(GUILD_ID), "role": role})

    async def delete_role(self, role_id: int) -> None:
        """Delete a role of the Fake Server and tell the bot."""
        self.deleted_roles.add(role_id)
        for held in self.member_roles.values():
            if role_id in held:
                held.remove(role_id)
        await self.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(GUILD_ID), "role_id": str(role_id)})

    # -- messages --------------------------------------------------------------------------------

    def _problems(self, body: dict[str, Any]) -> list[str]:
        """Check a message payload against Discord's limits; return what is wrong."""
        problems = []
        if len(body.get("content") or "") > 2000:
            problems.append("content: must be 2000 or fewer in length")
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            problems.append("embeds: at most 10")
        total = 0
        for embed in embeds:
            sizes = {"title": 256, "description": 4096}
            for key, limit in sizes.items():
                total += len(embed.get(key) or "")
                if len(embed.get(key) or "") > limit:
                    problems.append(f"embed {key} longer than {limit}")
            fields = embed.get("fields") or []
            if len(fields) > 25:
                problems.append("embed: more than 25 fields")
            for embed_field in fields:
                total += len(embed_field.get("name", "")) + len(embed_field.get("value", ""))
                if len(embed_field.get("name", "")) > 256 or len(embed_field.get("value", "")) > 1024:
                    problems.append("embed field too long")
            footer = (embed.get("footer") or {}).get("text") or ""
            total += len(footer)
            if len(footer) > 2048:
                problems.append("embed footer too long")
        if total > 6000:
            problems.append("embeds: more than 6000 characters in total")
        for row in body.get("components") or []:
            for component in row.get("components") or []:
                if len(component.get("custom_id") or "") > 100:
                    problems.append("custom_id longer than 100")
                if len(component.get("label") or "") > 80:
                    problems.append("button label longer than 80")
        return problems

    def _bot_may_post(self, channel_id: int, body: dict[str, Any]) -> bool:
        return channel_id != LOCKED_CHANNEL_ID

    def _make_message(self, channel_id: int, body: dict[str, Any], *, flags: int = 0) -> dict[str, Any]:
        message = {
            "id": str(next(self._ids)), "channel_id": str(channel_id), "author": _user(BOT_ID, "MythOrFact", bot=True),
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "timestamp": _now(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
            "pinned": False, "type": 0, "flags": flags | (body.get("flags") or 0),
        }  # fmt: skip
        if self._channel(channel_id) and (guild_id := self.guild_of_channel(channel_id)) is not None:
            message["guild_id"] = str(guild_id)
        self.messages[int(message["id"])] = message
        return message

    def _post_message(self, channel_id: int, body: dict[str, Any]) -> web.Response:
        if self._channel(channel_id) is None:
            return _error(404, 10003, "Unknown Channel")
        if not self._bot_may_post(channel_id, body):
            return _error(403, 50013, "Missing Permissions")
        if problems := self._problems(body):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        return _json(self._make_message(channel_id, body))

    def _history(self, channel_id: int, params: dict[str, str]) -> web.Response:
        """Return the channel's messages newest first, honouring ``limit``, ``before`` and ``after``."""
        if self._channel(channel_id) is None:
            return _error(404, 10003, "Unknown Channel")
        found = [m for m in self.messages.values() if int(m["channel_id"]) == channel_id and not m["flags"] & EPHEMERAL]
        if "after" in params:
            found = [m for m in found if int(m["id"]) > int(params["after"])]
        if "before" in params:
            found = [m for m in found if int(m["id"]) < int(params["before"])]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return _json(found[: int(params.get("limit", 50))])

    def _one_message(self, method: str, channel_id: int, message_id: int, body: dict[str, Any]) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or int(message["channel_id"]) != channel_id:
            return _error(404, 10008, "Unknown Message")
        if method == "GET":
            return _json(message)
        if method == "DELETE":
            del self.messages[message_id]
            return web.Response(status=204)
        if problems := self._problems(body):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        message.update({key: value for key, value in body.items() if key in ("content", "embeds", "components")})
        message["edited_timestamp"] = _now()
        return _json(message)

    def posts(self, channel_id: int | None = None) -> list[Recorded]:
        """Return the bot's accepted channel message posts (in one channel, or all)."""
        return [
            r
            for r in self.requests
            if r.method == "POST"
            and r.status == 200
            and (match := _MESSAGE_POST.match(r.path))
            and (channel_id is None or int(match[1]) == channel_id)
        ]

    async def wait_for_post(self, count: int, seconds: float = 15.0) -> list[Recorded]:
        """Wait until the bot has posted ``count`` messages; return all message posts."""

        def posts() -> list[Recorded]:
            return [r for r in self.requests if r.method == "POST" and r.path.endswith("/messages")]

        async with self._posted:
            await asyncio.wait_for(self._posted.wait_for(lambda: len(posts()) >= count), seconds)
        return posts()

    async def wait_until(self, condition: Callable[[], Any], seconds: float = 15.0, what: str = "") -> Any:
        """Wait until ``condition()`` returns something truthy; return it.

        The condition is checked once a REST call has been answered, not when one arrives: to act while a call is
        in flight, hold it (``fail(..., hold=True)``) and wait for :meth:`Fault.wait_for_arrival`.
        """

        async def satisfied() -> Any:
            async with self._posted:
                result = None

                def check() -> bool:
                    nonlocal result
                    result = condition()
                    return bool(result)

                await self._posted.wait_for(check)
                return result

        try:
            return await asyncio.wait_for(satisfied(), seconds)
        except TimeoutError:
            raise AssertionError(f"timed out after {seconds} s waiting for {what or condition}") from None

    async def wait_for_post_in(
        self, channel_id: int, test: Callable[[Recorded], bool] = lambda r: True, *, after: int = 0, seconds=15.0
    ) -> Recorded:
        """Wait for a message post in ``channel_id`` that passes ``test``, among requests from index ``after``."""

        def found() -> Recorded | None:
            return next((r for r in self.posts(channel_id) if self.requests.index(r) >= after and test(r)), None)

        return await self.wait_until(found, seconds, f"a post in channel {channel_id}")

    # -- interactions ----------------------------------------------------------------------------

    def _callback(self, interaction_id: int, token: str, body: dict[str, Any], record: Recorded) -> web.Response:
        pending = self.interactions.get(interaction_id)
        if pending is None or pending.token != token:
            return _error(404, 10062, "Unknown interaction")
        if any(_CALLBACK.match(r.path) for r in pending.responses):
            pending.rejected.append(record)
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if record.at - pending.sent_at > self.answer_seconds:
            pending.rejected.append(record)
            return _error(404, 10062, "Unknown interaction")
        kind = body.get("type")
        data = body.get("data") or {}
        if kind in (4, 7) and (problems := self._problems(data)):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        pending.responses.append(record)
        pending.answered.set()
        result: dict[str, Any] = {"interaction": {"id": str(interaction_id), "type": pending.type}}
        if kind in (4, 5):
            flags = (data.get("flags") or 0) & EPHEMERAL
            message = self._make_message(pending.channel_id, data if kind == 4 else {}, flags=flags)
            message["interaction_metadata"] = {
                "id": str(interaction_id), "type": pending.type, "authorizing_integration_owners": {},
                "user": _user(pending.user_id, USER_NAMES.get(pending.user_id, "someone")),
            }  # fmt: skip
            pending.message = message
            result["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(flags),
            )
            result["resource"] = {"type": kind, "message": message}
        elif kind == 7 and pending.message is not None:
            pending.message.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
            result["resource"] = {"type": kind, "message": pending.message}
        else:
            result["resource"] = {"type": kind}
        return _json(result)

    def _pending_by_token(self, token: str) -> PendingInteraction | None:
        return next((p for p in self.interactions.values() if p.token == token), None)

    def _followup(self, token: str, body: dict[str, Any], record: Recorded) -> web.Response:
        pending = self._pending_by_token(token)
        if pending is None or not pending.responses or record.at - pending.sent_at > FOLLOWUP_SECONDS:
            return _error(404, 10015, "Unknown Webhook")
        if problems := self._problems(body):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        pending.responses.append(record)
        return _json(self._make_message(pending.channel_id, body, flags=(body.get("flags") or 0) & EPHEMERAL))

    def _webhook_message(
        self, method: str, token: str, which: str, body: dict[str, Any], record: Recorded
    ) -> web.Response:
        pending = self._pending_by_token(token)
        if pending is None or not pending.responses:
            return _error(404, 10015, "Unknown Webhook")
        message = pending.message if which == "@original" else self.messages.get(int(which))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if method == "GET":
            return _json(message)
        if method == "DELETE":
            self.messages.pop(int(message["id"]), None)
            return web.Response(status=204)
        if problems := self._problems(body):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        pending.responses.append(record)
        message.update({key: value for key, value in body.items() if key in ("content", "embeds", "components")})
        return _json(message)

    def _application_commands(self, method: str, guild_id: int | None, body: Any) -> web.Response:
        if method == "GET":
            return _json(self.commands.get(guild_id, []))
        if method != "PUT":
            return _error(405, 0, "405: Method Not Allowed")
        registered = []
        for command in body or []:
            entry = {**command, "id": str(next(self._ids)), "application_id": str(APPLICATION_ID), "version": "1"}
            entry.setdefault("type", 1)
            entry.setdefault("description", "")
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            registered.append(entry)
        self.commands[guild_id] = registered
        return _json(registered)

    # -- gateway ---------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        connection = Connection(len(self.connections), socket)
        self.connections.append(connection)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                break
            payload = json.loads(frame.data)
            if payload["op"] == 1:
                self.heartbeats += 1
                if self.heartbeat_ack_seconds:
                    acknowledgement = asyncio.create_task(self._acknowledge_later(socket))
                    self._later.add(acknowledgement)
                    acknowledgement.add_done_callback(self._later.discard)
                else:
                    await socket.send_json({"op": 11})
            elif payload["op"] == 2:
                if payload["d"].get("token") != self.token:
                    await self._close(connection, 4004, "Authentication failed.")
                    break
                await self._identify(connection, payload["d"])
            elif payload["op"] == 6:
                await self._resume(connection, payload["d"])
        if connection.close_code is None:
            connection.close_code = socket.close_code
        self._detach(connection)
        return socket

    async def _acknowledge_later(self, socket: web.WebSocketResponse) -> None:
        await asyncio.sleep(self.heartbeat_ack_seconds)
        if not socket.closed:
            await socket.send_json({"op": 11})

    async def _close(self, connection: Connection, code: int, reason: str) -> None:
        connection.close_code, connection.closed_by_fake = code, True
        self._detach(connection)
        await connection.socket.close(code=code, message=reason.encode())

    def _detach(self, connection: Connection) -> None:
        """Take a closed connection off its session; a clean close (1000/1001) by the bot ends the session."""
        for session in list(self._sessions.values()):
            if session.connection is connection:
                session.connection = None
                if not connection.closed_by_fake and connection.close_code in (1000, 1001):
                    self._sessions.pop(session.id, None)
                    if self._current.get(session.shard) is session:
                        del self._current[session.shard]

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        requested = data.get("shard")
        shard_id, shard_count = (int(requested[0]), int(requested[1])) if requested else (0, 1)
        self.identifies += 1
        self.identifies_by_shard[shard_id] += 1
        connection.shard, connection.sharded = (shard_id, shard_count), bool(requested)
        connection.opened_by = "IDENTIFY"
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await self._close(connection, INVALID_SHARD, "Invalid shard.")
            return
        if self._shard_load(shard_count) > SHARD_GUILD_LIMIT:
            await self._close(connection, SHARDING_REQUIRED, "Sharding required.")
            return
        session = GatewaySession(secrets.token_hex(8), (shard_id, shard_count), connection=connection)
        connection.session_id = session.id
        self._sessions[session.id] = session
        for key, old in list(self._current.items()):
            # Replaced, or of an abandoned layout (a bot restarted with another shard count): no more events there.
            if key == session.shard or (key[1] != shard_count and not (old.connection and old.connection.open)):
                del self._current[key]
        self._current[session.shard] = session  # the newest last
        guild_ids = [g for g in self.guild_ids() if session.carries(g)]
        ready = self._ready_payload(session.id, guild_ids, session.shard if requested else None)
        await self._dispatch_in(session, "READY", ready)
        self.readies_by_shard[shard_id] += 1
        for guild_id in guild_ids:
            if guild_id in self.unavailable_guilds:
                await self._dispatch_in(session, "GUILD_DELETE", {"id": str(guild_id), "unavailable": True})
            elif guild_id not in self.withheld_guilds:
                await self._dispatch_in(session, "GUILD_CREATE", self._guild_payload(guild_id))
        connection.established = True
        self.ready.set()

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        session = self._sessions.get(data.get("session_id") or "")
        if session is None or self.invalidate_next_resume or data.get("token") != self.token:
            self.invalidate_next_resume = False
            await connection.socket.send_json({"op": 9, "d": False})
            return
        self.resumes += 1
        if session.connection is not None and session.connection is not connection:
            self._detach(session.connection)
        session.connection = connection
        connection.shard, connection.opened_by, connection.session_id = session.shard, "RESUME", session.id
        self._current.pop(session.shard, None)
        self._current[session.shard] = session
        start = max(0, int(data.get("seq") or 0) - self.replay_on_resume)
        for event in session.events:
            if event["s"] > start:
                connection.events.append(event)
                await connection.socket.send_json(event)
        await self._dispatch_in(session, "RESUMED", {})
        connection.established = True

    async def _dispatch_in(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        payload = {"op": 0, "t": event, "s": session.sequence + 1, "d": data}
        session.events.append(payload)
        connection = session.connection
        if connection is not None and connection.open:
            connection.events.append(payload)
            await connection.socket.send_json(payload)

    @staticmethod
    def _guild_of_event(event: str, data: dict[str, Any]) -> int | None:
        if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
            return int(data["id"])
        return int(data["guild_id"]) if data.get("guild_id") else None

    def _sessions_for(self, guild_id: int | None) -> list[GatewaySession]:
        return [session for session in self._current.values() if session.carries(guild_id)]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the session of the shard that carries its server (direct messages: shard 0).

        While that shard's socket is down the event waits in its session for RESUME.
        """
        guild_id = self._guild_of_event(event, data)
        sessions = self._sessions_for(guild_id)
        where = f"server {guild_id}" if guild_id is not None else "direct messages"
        assert self._current, "the bot has not identified yet"
        assert sessions, f"no identified shard carries {where} (shards: {sorted(self._current)})"
        for session in sessions:
            await self._dispatch_in(session, event, data)

    def _current_session(self, shard_id: int | None) -> GatewaySession:
        """The current session of ``shard_id``; with ``None`` the only one (or shard 0's)."""
        assert self._current, "the bot has not identified yet"
        sessions = list(self._current.values())
        if shard_id is None and len(sessions) == 1:
            return sessions[0]
        wanted = 0 if shard_id is None else shard_id
        session = next((s for s in reversed(sessions) if s.shard[0] == wanted), None)
        assert session is not None, f"shard {wanted} has not identified (shards: {sorted(self._current)})"
        return session

    async def replay(self, sequence: int, *, shard_id: int | None = None) -> None:
        """Deliver an earlier event of a shard's session again, as a duplicate with a new sequence number."""
        session = self._current_session(shard_id)
        earlier = next(e for e in session.events if e["s"] == sequence)
        await self._dispatch_in(session, earlier["t"], earlier["d"])

    def last_sequence(self, event: str, *, shard_id: int | None = None) -> int:
        """Return the sequence number of the latest ``event`` dispatched in a shard's session."""
        session = self._current_session(shard_id)
        return next(e["s"] for e in reversed(session.events) if e["t"] == event)

    async def drop_gateway(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close a shard's websocket as Discord does when a connection breaks; the bot should RESUME.

        ``shard_id`` may be left out while the bot holds a single shard.
        """
        session = self._current_session(shard_id)
        assert session.connection is not None, f"shard {session.shard[0]} is not connected"
        await self._close(session.connection, code, "injected disconnect")

    @property
    def connected(self) -> bool:
        """Whether the bot holds an open websocket in the current session of every shard it identified."""
        return bool(self._current) and all(s.connection and s.connection.open for s in self._current.values())

    def _ready_payload(
        self, session_id: str, guild_ids: Sequence[int], shard: tuple[int, int] | None = None
    ) -> dict[str, Any]:
        payload = {
            "v": 10, "user": _user(BOT_ID, "MythOrFact", bot=True),
            "guilds": [{"id": str(guild_id), "unavailable": True} for guild_id in guild_ids],
            "session_id": session_id, "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APPLICATION_ID), "flags": 0},
        }  # fmt: skip
        if shard:
            payload["shard"] = list(shard)
        return payload

    def _roles(self, guild_id: int = GUILD_ID) -> list[dict[str, Any]]:
        granted = discord.Permissions.text() | discord.Permissions(view_channel=True)
        moderator = discord.Permissions(manage_guild=True, manage_messages=True)
        common = {"color": 0, "hoist": False, "managed": False, "mentionable": True}
        everyone = {"id": str(guild_id), "name": "@everyone", "permissions": str(granted.value), "position": 0,
                    **common}  # fmt: skip
        if guild_id != GUILD_ID:
            return [everyone]
        manage_roles = discord.Permissions(manage_roles=True)
        roles = [
            everyone,
            {"id": str(MOD_ROLE_ID), "name": "Moderators", "permissions": str(moderator.value), "position": 1,
             **common},
            {"id": str(SCHOLAR_ROLE_ID), "name": "Scholar", "permissions": "0", "position": 2, **common},
            {"id": str(BOT_ROLE_ID), "name": "MythOrFact", "permissions": str(manage_roles.value), "position": 3,
             **common, "managed": True, "tags": {"bot_id": str(BOT_ID)}},
            {"id": str(OWNERS_ROLE_ID), "name": "Owners", "permissions": "0", "position": 4, **common},
        ]  # fmt: skip
        return [{**role, **self.role_changes.get(int(role["id"]), {})} for role in roles
                if int(role["id"]) not in self.deleted_roles]  # fmt: skip

    def _member(self, user_id: int, guild_id: int = GUILD_ID) -> dict[str, Any]:
        held = self.member_roles.get(user_id, []) if guild_id == GUILD_ID else []
        roles = [str(role_id) for role_id in held if role_id not in self.deleted_roles]
        name = USER_NAMES.get(user_id, "MythOrFact")
        return {"user": _user(user_id, name, bot=user_id == BOT_ID), "roles": roles, "joined_at": _now(), "flags": 0,
                "deaf": False, "mute": False}  # fmt: skip

    def member_permissions(self, user_id: int) -> int:
        """Return a member's server-wide permissions, as Discord puts them in an interaction."""
        if user_id == USER_ID:
            return discord.Permissions.all().value
        roles = {int(role["id"]): role for role in self._roles()}
        value = int(roles[GUILD_ID]["permissions"])
        for role_id in self.member_roles.get(user_id, []):
            if role_id in roles:
                value |= int(roles[role_id]["permissions"])
        return value

    def _text_channel(self, channel_id: int, name: str, position: int, guild_id: int = GUILD_ID) -> dict[str, Any]:
        overwrites = []
        if channel_id == LOCKED_CHANNEL_ID:
            denied = discord.Permissions(send_messages=True, embed_links=True, send_messages_in_threads=True)
            overwrites = [{"id": str(BOT_ID), "type": 1, "allow": "0", "deny": str(denied.value)}]
        return {"id": str(channel_id), "type": 0, "name": name, "position": position,
                "permission_overwrites": overwrites, "guild_id": str(guild_id), "nsfw": False,
                "parent_id": None, "topic": None, "rate_limit_per_user": 0}  # fmt: skip

    def _thread(self) -> dict[str, Any]:
        return {
            "id": str(THREAD_ID), "type": 11, "name": "side-chat", "guild_id": str(GUILD_ID),
            "parent_id": str(CHANNEL_ID), "owner_id": str(USER_ID), "message_count": 0, "member_count": 2,
            "rate_limit_per_user": 0, "flags": 0, "last_message_id": None,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": _now(),
                                "locked": False},
        }  # fmt: skip

    def _channels(self) -> list[dict[str, Any]]:
        channels = [
            self._text_channel(CHANNEL_ID, "general", 0),
            self._text_channel(LOCKED_CHANNEL_ID, "announcements", 1),
        ]
        channels += [self._text_channel(quiz_channel_id(n), f"quiz-{n}", 2 + n) for n in range(self.quiz_channels)]
        return channels

    def _channel(self, channel_id: int) -> dict[str, Any] | None:
        if channel_id == THREAD_ID:
            return self._thread()
        if channel_id == DM_CHANNEL_ID:
            return self._dm_channel(USER_ID)
        if (guild_id := self.guild_of_channel(channel_id)) != GUILD_ID and guild_id is not None:
            return self._text_channel(channel_id, "general", 0, guild_id)
        if 0 <= (n := channel_id - quiz_channel_id(0)) < self.quiz_channels:  # without building every channel
            return self._text_channel(channel_id, f"quiz-{n}", 2 + n)
        return next((c for c in self._channels() if int(c["id"]) == channel_id), None)

    def _dm_channel(self, recipient: int) -> dict[str, Any]:
        return {"id": str(DM_CHANNEL_ID), "type": 1, "last_message_id": None,
                "recipients": [_user(recipient, USER_NAMES.get(recipient, "someone"))]}  # fmt: skip

    def _guild_payload(self, guild_id: int = GUILD_ID) -> dict[str, Any]:
        if guild_id != GUILD_ID:
            return self._generated_guild_payload(guild_id)
        member_count = 4 + self.members
        return {
            "id": str(GUILD_ID), "name": "Fake Server", "owner_id": str(USER_ID), "roles": self._roles(),
            "channels": self._channels(), "threads": [self._thread()],
            "members": [self._member(uid) for uid in (BOT_ID, USER_ID, BOB_ID, CAROL_ID)],
            "member_count": member_count, "large": member_count > 250, "features": [], "emojis": [], "stickers": [],
            "unavailable": False, "joined_at": _now(), "premium_tier": 0, "preferred_locale": "en-US",
            "system_channel_id": str(CHANNEL_ID),
        }  # fmt: skip

    def _generated_guild_payload(self, guild_id: int) -> dict[str, Any]:
        """A small server: one text channel, the @everyone role, alice (owner) and the bot."""
        number = (guild_id >> 22) - GENERATED_GUILD_EPOCH_MS
        channel_id = generated_channel_id(guild_id)
        return {
            "id": str(guild_id), "name": f"Generated Server {number}", "owner_id": str(USER_ID),
            "roles": self._roles(guild_id), "channels": [self._text_channel(channel_id, "general", 0, guild_id)],
            "threads": [], "members": [self._member(uid, guild_id) for uid in (BOT_ID, USER_ID)],
            "member_count": 2, "large": False, "features": [], "emojis": [], "stickers": [],
            "unavailable": False, "joined_at": _now(), "premium_tier": 0, "preferred_locale": "en-US",
            "system_channel_id": str(channel_id),
        }  # fmt: skip

    # -- what members do -------------------------------------------------------------------------

    async def send_message(self, content: str, **options: Any) -> dict[str, Any]:
        """Deliver a MESSAGE_CREATE from a member (in a server channel, a thread, or the DM channel); return it.

        ``options`` are those of :meth:`member_message`.
        """
        data = self.member_message(content, **options)
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    def member_message(
        self,
        content: str,
        *,
        channel_id: int = CHANNEL_ID,
        author_id: int = USER_ID,
        mention_everyone: bool = False,
        mention_user_ids: tuple[int, ...] = (),
        mention_role_ids: tuple[int, ...] = (),
        attachments: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """Return the MESSAGE_CREATE payload of a member's message, without delivering it (see :meth:`send_burst`).

        ``attachments`` are payloads from :meth:`attachment`.
        """
        data = {
            "id": str(next(self._ids)), "channel_id": str(channel_id),
            "author": _user(author_id, USER_NAMES.get(author_id, "someone")),
            "content": content, "timestamp": _now(), "edited_timestamp": None, "tts": False,
            "mention_everyone": mention_everyone,
            "mentions": [_user(uid, USER_NAMES.get(uid, "someone")) for uid in mention_user_ids],
            "mention_roles": [str(rid) for rid in mention_role_ids], "attachments": list(attachments), "embeds": [],
            "pinned": False, "type": 0,
        }  # fmt: skip
        if (guild_id := self.guild_of_channel(channel_id)) is not None:
            data["guild_id"] = str(guild_id)
            data["member"] = {k: v for k, v in self._member(author_id, guild_id).items() if k != "user"}
        return data

    async def send_burst(self, event: str, payloads: Sequence[dict[str, Any]]) -> float:
        """Dispatch many events as fast as the websockets take them; return ``time.monotonic()`` of the first send.

        Every frame is built and serialised before the first is sent, so the burst measures how fast the bot
        consumes events rather than how fast this fake makes them (benchmarks use it; see ``bench/process.py``).
        Events go to their shards' sessions as :meth:`dispatch` sends them.
        """
        assert self._current, "the bot has not identified yet"
        frames: list[tuple[GatewaySession, dict[str, Any], str]] = []
        for data in payloads:
            for session in self._sessions_for(self._guild_of_event(event, data)):
                payload = {"op": 0, "t": event, "s": session.sequence + 1, "d": data}
                session.events.append(payload)
                frames.append((session, payload, json.dumps(payload)))
        started = time.monotonic()
        for session, payload, frame in frames:
            connection = session.connection
            if connection is not None and connection.open:
                connection.events.append(payload)
                await connection.socket.send_str(frame)
        return started

    def _interaction(
        self, kind: int, data: dict[str, Any], channel_id: int, user_id: int, locale: str = "en-US"
    ) -> dict[str, Any]:
        interaction_id = next(self._ids)
        guild_id = self.guild_of_channel(channel_id)
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(APPLICATION_ID), "type": kind, "data": data,
            "token": f"fake-token-{interaction_id}-{secrets.token_hex(6)}", "version": 1,
            "locale": locale, "attachment_size_limit": 8 * 1024 * 1024, "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id or GUILD_ID)},
            "channel_id": str(channel_id),
            "channel": {k: v for k, v in (self._channel(channel_id) or {"id": str(channel_id), "type": 0}).items()},
        }  # fmt: skip
        if guild_id is None:
            payload["user"] = _user(user_id, USER_NAMES.get(user_id, "someone"))
            payload["context"] = 1
            payload["app_permissions"] = str(discord.Permissions.text().value)
        else:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["context"] = 0
            member = self._member(user_id, guild_id)
            member["permissions"] = str(self.member_permissions(user_id))
            payload["member"] = member
            bot_permissions = discord.Permissions(self.member_permissions(BOT_ID))
            if channel_id == LOCKED_CHANNEL_ID:
                bot_permissions.update(send_messages=False, embed_links=False)
            payload["app_permissions"] = str(bot_permissions.value)
        self.interactions[interaction_id] = PendingInteraction(
            interaction_id, payload["token"], kind, channel_id, user_id, time.monotonic()
        )
        return payload

    def find_command(self, name: str, guild_id: int | None = GUILD_ID) -> dict[str, Any]:
        """Return a registered command by top-level name (the server's copy first, then the global one)."""
        for scope in (guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} is not registered; run !sync first (registered: {self.command_names()})")

    def command_names(self, guild_id: int | None = GUILD_ID) -> list[str]:
        """Return the names of the commands registered for a server (or globally with ``None``)."""
        return sorted(command["name"] for command in self.commands.get(guild_id, []))

    def _command_data(
        self, command_line: str, options: dict[str, Any], focused: str | None, channel_id: int = CHANNEL_ID
    ) -> dict[str, Any]:
        names = command_line.split()
        command = self.find_command(names[0], self.guild_of_channel(channel_id))
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        schema = command.get("options") or []
        holder = data
        for sub in names[1:]:
            option = next((o for o in schema if o["name"] == sub and o["type"] in (1, 2)), None)
            assert option is not None, f"/{command_line}: no subcommand {sub!r}"
            inner = {"name": sub, "type": option["type"], "options": []}
            holder.setdefault("options", []).append(inner)
            holder, schema = inner, option.get("options") or []
        values = []
        for name, value in options.items():
            known = next((o for o in schema if o["name"] == name), None)
            option_type = known["type"] if known else 3  # an unknown option arrives as a string
            if isinstance(value, dict) and "url" in value:  # a file from attachment(): its id, resolved in data
                data.setdefault("resolved", {}).setdefault("attachments", {})[value["id"]] = value
                option_type, value = 11, value["id"]
            entry = {"name": name, "type": option_type, "value": value}
            if name == focused:
                entry["focused"] = True
            values.append(entry)
        holder.setdefault("options", []).extend(values)
        return data

    async def slash(
        self,
        command_line: str,
        options: dict[str, Any] | None = None,
        *,
        channel_id: int = CHANNEL_ID,
        user_id: int = USER_ID,
        locale: str = "en-US",
    ) -> PendingInteraction:
        """Run a registered slash command, e.g. ``slash("quiz start", {"rounds": 1})``; return the interaction.

        A file option takes a payload from :meth:`attachment`, e.g. ``{"file": fake.attachment("a.toml", data)}``.
        ``locale`` is the member's Discord language.
        """
        data = self._command_data(command_line, options or {}, None, channel_id)
        payload = self._interaction(2, data, channel_id, user_id, locale)
        await self.dispatch("INTERACTION_CREATE", payload)
        return self.interactions[int(payload["id"])]

    async def send_message_in(self, guild_id: int, content: str, **options: Any) -> dict[str, Any]:
        """Deliver a MESSAGE_CREATE in a server's #general, to that server's shard (options as :meth:`send_message`)."""
        return await self.send_message(content, channel_id=self.channel_in(guild_id), **options)

    async def slash_in(
        self, guild_id: int, command_line: str, options: dict[str, Any] | None = None, *, user_id: int = USER_ID
    ) -> PendingInteraction:
        """Run a slash command in a server's #general; the interaction goes to that server's shard."""
        return await self.slash(command_line, options, channel_id=self.channel_in(guild_id), user_id=user_id)

    async def autocomplete(
        self,
        command_line: str,
        options: dict[str, Any],
        focused: str,
        *,
        channel_id: int = CHANNEL_ID,
        user_id: int = USER_ID,
    ) -> PendingInteraction:
        """Type into an option of a registered command; the bot answers with choices."""
        data = self._command_data(command_line, options, focused, channel_id)
        payload = self._interaction(4, data, channel_id, user_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return self.interactions[int(payload["id"])]

    async def click(self, message: dict[str, Any], label_or_id: str, *, user_id: int = USER_ID) -> PendingInteraction:
        """Press a button (by label or custom id) on a message the bot sent."""
        buttons = [c for row in message.get("components") or [] for c in row.get("components") or []]
        button = next((b for b in buttons if label_or_id in (b.get("label"), b.get("custom_id"))), None)
        assert button is not None, f"no button {label_or_id!r} among {[b.get('label') for b in buttons]}"
        assert not button.get("disabled"), f"the button {label_or_id!r} is disabled"
        data = {"custom_id": button["custom_id"], "component_type": 2}
        payload = self._interaction(3, data, int(message["channel_id"]), user_id)
        payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return self.interactions[int(payload["id"])]

    async def submit_modal(
        self, opened_by: PendingInteraction, values: dict[str, str], *, user_id: int = USER_ID
    ) -> PendingInteraction:
        """Submit the modal the bot opened in answer to ``opened_by``, filling text inputs by custom id."""
        callback = next(r for r in opened_by.responses if r.body.get("type") == 9)
        modal = callback.body["data"]
        rows = []
        for component in modal["components"]:
            if component["type"] == 1:
                inputs = [{"type": 4, "custom_id": c["custom_id"], "value": values.get(c["custom_id"], "")}
                          for c in component["components"]]  # fmt: skip
                rows.append({"type": 1, "components": inputs})
            elif component["type"] == 18:
                inner = component["component"]
                text = {"type": 4, "custom_id": inner["custom_id"], "value": values.get(inner["custom_id"], "")}
                rows.append({"type": 18, "component": text})
        data = {"custom_id": modal["custom_id"], "components": rows}
        payload = self._interaction(5, data, opened_by.channel_id, user_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return self.interactions[int(payload["id"])]

    async def answer_of(self, pending: PendingInteraction, seconds: float = 10.0) -> Recorded:
        """Wait for the first accepted response to an interaction."""
        try:
            await asyncio.wait_for(pending.answered.wait(), seconds)
        except TimeoutError:
            rejected = [(r.status, r.at - pending.sent_at) for r in pending.rejected]
            raise AssertionError(f"interaction {pending.id} was not answered in time (rejected: {rejected})") from None
        return pending.responses[0]

    async def final_text(self, pending: PendingInteraction, seconds: float = 10.0) -> dict[str, Any]:
        """Wait until an interaction has a reply with content or embeds (after a defer: the followup)."""

        def reply() -> dict[str, Any] | None:
            for response in pending.responses:
                payload = response.payload
                if payload.get("content") or payload.get("embeds") or payload.get("choices") is not None:
                    return payload
            return None

        return await self.wait_until(reply, seconds, f"a reply to interaction {pending.id}")
