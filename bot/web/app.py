"""The dashboard's aiohttp application: sessions, CSRF, rate limits, templates and error pages around the pages.

Sessions are aiohttp-session's encrypted cookies (Fernet: signed and encrypted, HttpOnly, SameSite=Lax, Secure over
HTTPS, expiring after :data:`SESSION_SECONDS`); CSRF tokens are aiohttp-csrf2's, kept in the session and required in
every form that changes something. Templates are Jinja2 with autoescaping, so text members wrote (custom facts,
suggestions, pack problems) is always shown as text.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp_csrf
import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_csrf.storage import SessionStorage
from aiohttp_session import get_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from markupsafe import Markup, escape

from bot.app.config import DashboardConfig
from bot.core.admin import MAX_UPLOAD_BYTES
from bot.core.errors import StorageUnavailable
from bot.storage.base import FactStore
from bot.web.access import NoAccess
from bot.web.discord_api import DiscordApi, DiscordUnavailable

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SESSION_COOKIE = "mof_session"
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_SESSION_KEY = "csrf"
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
"""Largest request body: one uploaded pack and the form around it; more is refused with 413 before it is read."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONFIG_KEY = web.AppKey("dashboard_config", DashboardConfig)
STORE_KEY = web.AppKey("store", object)
API_KEY = web.AppKey("discord_api", DiscordApi)
LIMITS_KEY = web.AppKey("rate_limits", object)
DAILY_CHANGED_KEY = web.AppKey("daily_changed", object)


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


class SessionTokenPolicy(aiohttp_csrf.policy.FormPolicy):
    """aiohttp-csrf2's form policy, refusing (not crashing on) a session that holds no token yet."""

    async def check(self, request: web.Request, original_value: str | None) -> bool:  # type: ignore[override]
        """Return whether the form's token matches the session's."""
        if not original_value:
            return False
        return await super().check(request, original_value)


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


async def _template_context(request: web.Request) -> dict[str, Any]:
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
    shared = await _template_context(request)
    return aiohttp_jinja2.render_template(template, request, {**shared, **context}, status=status)


async def error_page(request: web.Request, status: int, title: str, text: str) -> web.Response:
    """Render a friendly error page with ``status``."""
    return await render(request, "error.html", {"title": title, "text": text}, status=status)


async def _csrf_refused(request: web.Request) -> web.Response:
    return await error_page(
        request,
        403,
        "This form has expired",
        "For your safety, forms only work from a page the dashboard just showed you. Go back, reload the page, "
        "and try again. Nothing was changed.",
    )


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn refusals and failures into friendly pages; never show a traceback."""
    try:
        return await handler(request)
    except NoAccess:
        return await error_page(
            request,
            403,
            "Not your server",
            "You can't manage this server here: the bot isn't in it, or you need Manage Server or its moderator "
            "role. Nothing was shown or changed.",
        )
    except web.HTTPRequestEntityTooLarge:
        return await error_page(
            request,
            413,
            "That file is too big",
            f"Uploads may be at most {MAX_UPLOAD_BYTES // 1024} KB. Nothing was changed.",
        )
    except web.HTTPException as exc:
        if exc.status == 403:  # aiohttp-csrf2 refuses a missing or wrong token with HTTPForbidden
            return await _csrf_refused(request)
        if exc.status == 404:
            return await error_page(request, 404, "Not found", "There is no such page.")
        if exc.status == 405:
            return await error_page(request, 405, "Not here", "That page does not take this kind of request.")
        raise
    except DiscordUnavailable:
        return await error_page(
            request, 503, "Discord isn't answering", "Discord did not answer just now. Try again in a minute."
        )
    except StorageUnavailable as exc:
        log.warning("Dashboard request failed, the database is unavailable (%s)", exc.cause)
        return await error_page(
            request, 503, "Try again in a moment", "The database is busy or unavailable. Nothing was changed."
        )
    except Exception:
        log.exception("Dashboard request %s %s failed", request.method, request.path)
        return await error_page(request, 500, "Something went wrong", "Sorry, that did not work. It has been logged.")


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Forbid framing, inline scripts and outside resources; keep pages out of shared caches."""
    response = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(
    config: DashboardConfig,
    store: FactStore,
    api: DiscordApi,
    *,
    daily_changed: Callable[[], None] | None = None,
) -> web.Application:
    """Build the dashboard for ``store``; ``daily_changed`` tells a scheduler in this process to look again."""
    from bot.web import pages

    cookies = EncryptedCookieStorage(
        derived_key(config.secret, "session"),
        cookie_name=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=config.secure_cookies,
    )
    app = web.Application(
        middlewares=[headers_middleware, session_middleware(cookies), errors_middleware, aiohttp_csrf.csrf_middleware],
        client_max_size=MAX_BODY_BYTES,
    )
    aiohttp_csrf.setup(
        app,
        policy=SessionTokenPolicy(CSRF_FIELD),
        storage=SessionStorage(CSRF_SESSION_KEY, secret_phrase=derived_key(config.secret, "csrf").hex()),
    )
    templates = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    templates.filters["md"] = discord_text
    templates.filters["when"] = moment
    templates.globals["static"] = lambda name: str(app.router["static"].url_for(filename=name))
    app[CONFIG_KEY] = config
    app[STORE_KEY] = store
    app[API_KEY] = api
    app[LIMITS_KEY] = RateLimits()
    app[DAILY_CHANGED_KEY] = daily_changed or (lambda: None)
    pages.add_routes(app)
    app.router.add_static("/static/", HERE / "static", append_version=True, name="static")
    return app
