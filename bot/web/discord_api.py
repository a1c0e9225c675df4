"""Discord's REST API as the dashboard needs it, answers cached for a few seconds.

The OAuth2 code flow, the member's servers, and the bot's view of a server (its roles, channels and one member).

The base URL follows ``DISCORD_API_BASE_URL`` (so tests can point it at the fake Discord); the authorisation page a
browser is sent to is on the same host.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

log = logging.getLogger(__name__)

DISCORD_URL = "https://discord.com"
SCOPES = "identify guilds"
CACHE_SECONDS = 15.0
"""How long the bot's view of a server and a member is reused: permissions are re-checked on every request against
answers at most this old."""
USER_GUILDS_CACHE_SECONDS = 60.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10)


class DiscordUnavailable(Exception):
    """Discord did not answer usefully (down, rate limited, or a refused token); the page says so politely."""


class NotFound(Exception):
    """Discord answered 403 or 404: the bot is not in that server, or the member is not in it."""


@dataclass(frozen=True, slots=True)
class OAuthUser:
    """The logged-in member, as ``/users/@me`` describes them."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class UserGuild:
    """A server in the member's own list (``/users/@me/guilds``)."""

    id: int
    name: str
    icon: str | None


@dataclass(frozen=True, slots=True)
class Role:
    """A server's role: id, name and permission bits."""

    id: int
    name: str
    permissions: int
    position: int
    managed: bool = False
    """Managed by an integration: a bot's own role or the server booster role."""


@dataclass(frozen=True, slots=True)
class Guild:
    """A server the bot is in, with its roles."""

    id: int
    name: str
    owner_id: int
    roles: tuple[Role, ...]


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a server: their id and role ids."""

    user_id: int
    role_ids: frozenset[int]
    name: str = ""
    """How the server shows them: their nickname, display name or user name."""


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel's permission overwrite for a role (``kind`` 0) or a member (``kind`` 1)."""

    id: int
    kind: int
    allow: int
    deny: int


@dataclass(frozen=True, slots=True)
class Channel:
    """A text channel or announcement channel of a server."""

    id: int
    name: str
    position: int
    overwrites: tuple[Overwrite, ...] = ()


TEXT_CHANNEL_TYPES = (0, 5)


def api_root(api_base_url: str | None) -> str:
    """Return the REST root (``…/api/v10``) for ``DISCORD_API_BASE_URL`` (or Discord itself)."""
    base = (api_base_url or DISCORD_URL).rstrip("/")
    return base if base.rsplit("/", 1)[-1].startswith("v") and "/api/" in base else f"{base}/api/v10"


def site_root(api_base_url: str | None) -> str:
    """Return the host that serves the OAuth2 authorisation page (Discord's site, or the configured base's host)."""
    base = (api_base_url or DISCORD_URL).rstrip("/")
    return base.split("/api/", 1)[0]


class DiscordApi:
    """The dashboard's client for Discord: one aiohttp session, the bot token for server data."""

    def __init__(self, session: aiohttp.ClientSession, bot_token: str, api_base_url: str | None) -> None:
        self._session = session
        self._bot_token = bot_token
        self.api = api_root(api_base_url)
        self.site = site_root(api_base_url)
        self._cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._locks: dict[tuple[str, ...], asyncio.Lock] = {}

    def authorize_url(self, client_id: str, redirect_uri: str, state: str) -> str:
        """Return the page that asks the member to let the dashboard read who they are and their servers."""
        query = {"response_type": "code", "client_id": client_id, "scope": SCOPES, "state": state,
                 "redirect_uri": redirect_uri, "prompt": "none"}  # fmt: skip
        return f"{self.site}/oauth2/authorize?{urlencode(query)}"

    async def exchange_code(self, code: str, client_id: str, client_secret: str, redirect_uri: str) -> str:
        """Trade an authorisation code for the member's access token."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        data = await self._call(
            "POST", "/oauth2/token", data=form, basic=aiohttp.encode_basic_auth(client_id, client_secret)
        )
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise DiscordUnavailable("Discord's token answer had no access token")
        return token

    async def current_user(self, access_token: str) -> OAuthUser:
        """Return the member the access token belongs to."""
        data = await self._call("GET", "/users/@me", bearer=access_token)
        return OAuthUser(int(data["id"]), str(data.get("global_name") or data.get("username") or data["id"]))

    async def user_guilds(self, user_id: int, access_token: str) -> list[UserGuild]:
        """Return the servers the member is in (cached for a minute: Discord limits this call tightly)."""
        data = await self._cached(
            ("user_guilds", str(user_id)),
            USER_GUILDS_CACHE_SECONDS,
            lambda: self._call("GET", "/users/@me/guilds", bearer=access_token),
        )
        return [UserGuild(int(g["id"]), str(g.get("name", "")), g.get("icon")) for g in data]

    async def guild(self, guild_id: int) -> Guild:
        """Return a server the bot is in, with its roles; :class:`NotFound` if the bot is not there."""
        data = await self._cached(
            ("guild", str(guild_id)), CACHE_SECONDS, lambda: self._call("GET", f"/guilds/{guild_id}")
        )
        roles = tuple(
            Role(
                int(r["id"]),
                str(r["name"]),
                int(r.get("permissions", 0)),
                int(r.get("position", 0)),
                bool(r.get("managed")) or "premium_subscriber" in (r.get("tags") or {}),
            )
            for r in data.get("roles", [])
        )
        return Guild(int(data["id"]), str(data.get("name", "")), int(data["owner_id"]), roles)

    async def member(self, guild_id: int, user_id: int) -> Member:
        """Return a member of a server as the bot sees them; :class:`NotFound` if they are not in it."""
        data = await self._cached(
            ("member", str(guild_id), str(user_id)),
            CACHE_SECONDS,
            lambda: self._call("GET", f"/guilds/{guild_id}/members/{user_id}"),
        )
        user = data.get("user") or {}
        name = data.get("nick") or user.get("global_name") or user.get("username") or ""
        return Member(user_id, frozenset(int(role) for role in data.get("roles", [])), str(name))

    async def member_names(self, guild_id: int, user_ids: list[int]) -> dict[int, str]:
        """Return the names of the members of a server among ``user_ids`` (those who left are left out)."""
        gate = asyncio.Semaphore(4)

        async def name_of(user_id: int) -> tuple[int, str]:
            async with gate:
                try:
                    return user_id, (await self.member(guild_id, user_id)).name
                except (NotFound, DiscordUnavailable):
                    return user_id, ""

        found = await asyncio.gather(*(name_of(user_id) for user_id in dict.fromkeys(user_ids)))
        return {user_id: name for user_id, name in found if name}

    async def text_channels(self, guild_id: int) -> list[Channel]:
        """Return a server's text and announcement channels, in their order."""
        data = await self._cached(
            ("channels", str(guild_id)), CACHE_SECONDS, lambda: self._call("GET", f"/guilds/{guild_id}/channels")
        )
        channels = [
            Channel(
                int(c["id"]),
                str(c.get("name", "")),
                int(c.get("position", 0)),
                tuple(
                    Overwrite(int(o["id"]), int(o.get("type", 0)), int(o.get("allow", 0)), int(o.get("deny", 0)))
                    for o in c.get("permission_overwrites", [])
                ),
            )
            for c in data
            if c.get("type") in TEXT_CHANNEL_TYPES
        ]
        return sorted(channels, key=lambda c: (c.position, c.id))

    async def bot_user_id(self) -> int:
        """Return the bot's own user id (``/users/@me`` with the bot token)."""
        data = await self._cached(("bot",), 3600.0, lambda: self._call("GET", "/users/@me"))
        return int(data["id"])

    def forget(self, guild_id: int) -> None:
        """Drop what is cached about a server (after a change that the next page must show)."""
        for key in [key for key in self._cache if len(key) > 1 and key[1] == str(guild_id)]:
            del self._cache[key]

    async def _cached(self, key: tuple[str, ...], seconds: float, fetch: Any) -> Any:
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        async with self._locks.setdefault(key, asyncio.Lock()):  # one request per key at a time
            hit = self._cache.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
            value = await fetch()
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (time.monotonic() + seconds, value)
            return value

    async def _call(
        self,
        method: str,
        path: str,
        *,
        bearer: str | None = None,
        data: dict[str, str] | None = None,
        basic: str | None = None,
    ) -> Any:
        """Call Discord as the member (``bearer``), as the application (``basic``) or as the bot (neither)."""
        if bearer:
            headers = {"Authorization": f"Bearer {bearer}"}
        else:
            headers = {"Authorization": basic or f"Bot {self._bot_token}"}
        try:
            async with self._session.request(
                method, self.api + path, headers=headers, data=data, timeout=REQUEST_TIMEOUT
            ) as response:
                if response.status in (403, 404):
                    raise NotFound(path)
                if response.status >= 400:
                    log.warning("Discord answered %s %s with %s", method, path.split("?")[0], response.status)
                    raise DiscordUnavailable(f"Discord answered {response.status}")
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("Discord could not be reached for %s %s: %s", method, path, type(exc).__name__)
            raise DiscordUnavailable(type(exc).__name__) from None
