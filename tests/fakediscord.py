"""A small fake Discord (REST v10 and gateway) on 127.0.0.1, for tests that run ``python -m bot`` as a process.

It speaks just enough of the protocol for discord.py to log in, become ready in one server, receive messages
and post replies; every REST call is recorded so tests can check what the bot sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
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


def _user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly "application/json", as Discord sends it.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Recorded:
    """One REST call the bot made."""

    method: str
    path: str
    body: Any


@dataclass
class FakeDiscord:
    """The fake server; ``start()`` it, point the bot at ``api_url`` and ``gateway_url``."""

    token: str
    reject_login: bool = False
    requests: list[Recorded] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _sequence: itertools.count = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count = field(default_factory=lambda: itertools.count(910_000_000_000_000_000))
    _posted: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    port: int = 0

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
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close sockets and stop listening."""
        for socket in self._sockets:
            await socket.close()
        if self._runner:
            await self._runner.cleanup()

    # -- REST ------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body and request.content_type == "application/json" else None
        path = "/" + request.match_info["path"]
        self.requests.append(Recorded(request.method, path, body))
        if request.headers.get("Authorization") != f"Bot {self.token}" or self.reject_login:
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        if request.method == "GET" and path == "/users/@me":
            return _json(_user(BOT_ID, "MythOrFact", bot=True))
        if request.method == "GET" and path == "/oauth2/applications/@me":
            owner = _user(USER_ID, "alice")
            return _json({"id": str(APPLICATION_ID), "name": "MythOrFact", "icon": None, "description": "",
                          "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                          "owner": owner, "flags": 0, "team": None})  # fmt: skip
        if request.method == "POST" and path.startswith("/channels/") and path.endswith("/messages"):
            channel_id = path.split("/")[2]
            message = {
                "id": str(next(self._ids)), "channel_id": channel_id, "author": _user(BOT_ID, "MythOrFact", bot=True),
                "content": body.get("content") or "", "embeds": body.get("embeds") or [],
                "components": body.get("components") or [], "timestamp": _now(), "edited_timestamp": None,
                "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
                "pinned": False, "type": 0,
            }  # fmt: skip
            async with self._posted:
                self._posted.notify_all()
            return _json(message)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def wait_for_post(self, count: int, seconds: float = 15.0) -> list[Recorded]:
        """Wait until the bot has posted ``count`` messages; return all message posts."""

        def posts() -> list[Recorded]:
            return [r for r in self.requests if r.method == "POST" and r.path.endswith("/messages")]

        async with self._posted:
            await asyncio.wait_for(self._posted.wait_for(lambda: len(posts()) >= count), seconds)
        return posts()

    # -- gateway ---------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 40_000}})
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                break
            payload = json.loads(frame.data)
            if payload["op"] == 1:
                await socket.send_json({"op": 11})
            elif payload["op"] == 2:
                await self._dispatch(socket, "READY", self._ready_payload())
                await self._dispatch(socket, "GUILD_CREATE", self._guild_payload())
                self.ready.set()
        return socket

    async def _dispatch(self, socket: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await socket.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    def _ready_payload(self) -> dict[str, Any]:
        return {
            "v": 10, "user": _user(BOT_ID, "MythOrFact", bot=True),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session", "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APPLICATION_ID), "flags": 0},
        }  # fmt: skip

    def _guild_payload(self) -> dict[str, Any]:
        granted = discord.Permissions.text() | discord.Permissions(view_channel=True)
        everyone = {
            "id": str(GUILD_ID), "name": "@everyone", "permissions": str(granted.value),
            "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
        }  # fmt: skip
        return {
            "id": str(GUILD_ID), "name": "Fake Server", "owner_id": str(USER_ID), "roles": [everyone],
            "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "general", "position": 0,
                          "permission_overwrites": []}],
            "members": [{"user": _user(BOT_ID, "MythOrFact", bot=True), "roles": [], "joined_at": _now(), "flags": 0}],
            "member_count": 2, "large": False, "features": [], "emojis": [], "stickers": [], "threads": [],
            "unavailable": False, "joined_at": _now(), "premium_tier": 0, "preferred_locale": "en-US",
        }  # fmt: skip

    async def send_message(self, content: str) -> None:
        """Deliver a MESSAGE_CREATE from a member in the server's channel."""
        data = {
            "id": str(next(self._ids)), "channel_id": str(CHANNEL_ID), "guild_id": str(GUILD_ID),
            "author": _user(USER_ID, "alice"), "member": {"roles": [], "joined_at": _now(), "flags": 0},
            "content": content, "timestamp": _now(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "type": 0,
        }  # fmt: skip
        for socket in self._sockets:
            if not socket.closed:
                await self._dispatch(socket, "MESSAGE_CREATE", data)
