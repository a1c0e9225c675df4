"""What every page of the dashboard shares: the application's keys, rate limits, messages and rendering."""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp_csrf
import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from markupsafe import Markup, escape

from bot.app.config import DashboardConfig
from bot.core.admin import MAX_UPLOAD_BYTES
from bot.web.discord_api import DiscordApi

HERE = Path(__file__).parent
SESSION_COOKIE = "mof_session"
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_SESSION_KEY = "csrf"
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
"""Largest request body: one uploaded pack and the form around it; more is refused with 413 before it is read."""

CONFIG_KEY = web.AppKey("dashboard_config", DashboardConfig)
STORE_KEY = web.AppKey("store", object)
API_KEY = web.AppKey("discord_api", DiscordApi)
LIMITS_KEY = web.AppKey("rate_limits", object)
DAILY_CHANGED_KEY = web.AppKey("daily_changed", object)
REWARDS_CHANGED_KEY = web.AppKey("rewards_changed", object)
"""Called with a server id when its role rewards or leaderboards changed, so the bot in this process settles it."""


def derived_key(secret: str, purpose: str) -> bytes:
    """Return a 32-byte key for one purpose (sessions, CSRF) from ``DASHBOARD_SECRET``."""
    return hashlib.sha256(f"myth-or-fact:{purpose}:{secret}".encode()).digest()


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` requests per ``seconds`` for one key."""

    count: int
    seconds: float


LOGIN_LIMIT = Limit(10, 60.0)
"""Logins per minute from one address."""
WRITE_LIMIT = Limit(30, 60.0)
"""Changes per minute by one member."""


class RateLimits:
    """Sliding-window counters per key, in memory (one process serves the dashboard)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, limit: Limit) -> bool:
        """Count one request for ``key``; return false when it is over ``limit``."""
        now = time.monotonic()
        hits = self._hits[key]
        while hits and hits[0] <= now - limit.seconds:
            hits.popleft()
        if len(hits) >= limit.count:
            return False
        hits.append(now)
        if len(self._hits) > 50_000:  # forget idle keys rather than grow without end
            for stale in [k for k, v in self._hits.items() if not v]:
                del self._hits[stale]
        return True


async def csrf_token(request: web.Request) -> str:
    """Return the session's CSRF token for the forms of a page (made on the first page of a session)."""
    session = await get_session(request)
    token = session.get(CSRF_SESSION_KEY)
    return token if isinstance(token, str) and token else await aiohttp_csrf.generate_token(request)


async def flash(request: web.Request, message: str, *, ok: bool = True) -> None:
    """Keep a message for the next page the member sees (after a form's redirect)."""
    session = await get_session(request)
    messages = list(session.get("flash", []))[-4:]
    messages.append({"ok": ok, "text": message[:1500]})
    session["flash"] = messages


async def template_context(request: web.Request) -> dict[str, Any]:
    session = await get_session(request)
    messages = session.pop("flash", []) if "flash" in session else []
    user = {"id": session["user_id"], "name": session.get("user_name", "")} if "user_id" in session else None
    return {"csrf_field": CSRF_FIELD, "csrf_token": await csrf_token(request), "messages": messages, "user": user}


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+?)`")


def discord_text(text: str) -> Markup:
    """Show a message written for Discord (the core's friendly errors): escaped, then **bold** and `code` kept."""
    escaped = str(escape(text))
    return Markup(_CODE.sub(r"<code>\1</code>", _BOLD.sub(r"<strong>\1</strong>", escaped)))  # safe: escaped first


def moment(value: datetime) -> str:
    """Show a moment in UTC, to the minute."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


async def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    """Render a page: ``context`` plus what every page shows (the member, the CSRF token, messages)."""
    shared = await template_context(request)
    return aiohttp_jinja2.render_template(template, request, {**shared, **context}, status=status)


async def error_page(request: web.Request, status: int, title: str, text: str) -> web.Response:
    """Render a friendly error page with ``status``."""
    return await render(request, "error.html", {"title": title, "text": text}, status=status)
