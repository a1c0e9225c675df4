"""The dashboard's aiohttp application: sessions, CSRF, rate limits, templates and error pages around the pages.

Sessions are aiohttp-session's encrypted cookies (Fernet: signed and encrypted, HttpOnly, SameSite=Lax, Secure over
HTTPS, expiring after :data:`SESSION_SECONDS`); CSRF tokens are aiohttp-csrf2's, kept in the session and required in
every form that changes something. Templates are Jinja2 with autoescaping, so text members wrote (custom facts,
suggestions, pack problems) is always shown as text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp_csrf
import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_csrf.storage import SessionStorage
from aiohttp_session import session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.app.config import DashboardConfig
from bot.core.admin import MAX_UPLOAD_BYTES
from bot.core.errors import StorageUnavailable
from bot.storage.base import FactStore
from bot.web import pages
from bot.web.access import NoAccess
from bot.web.discord_api import DiscordApi, DiscordUnavailable
from bot.web.shared import (
    API_KEY,
    CONFIG_KEY,
    CSRF_FIELD,
    CSRF_SESSION_KEY,
    DAILY_CHANGED_KEY,
    HERE,
    LIMITS_KEY,
    MAX_BODY_BYTES,
    REWARDS_CHANGED_KEY,
    SESSION_COOKIE,
    SESSION_SECONDS,
    STORE_KEY,
    RateLimits,
    derived_key,
    discord_text,
    error_page,
    moment,
)

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SessionTokenPolicy(aiohttp_csrf.policy.FormPolicy):
    """aiohttp-csrf2's form policy, refusing (not crashing on) a session that holds no token yet."""

    async def check(self, request: web.Request, original_value: str | None) -> bool:  # type: ignore[override]
        """Return whether the form's token matches the session's."""
        if not original_value:
            return False
        return await super().check(request, original_value)


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
    rewards_changed: Callable[[int], None] | None = None,
) -> web.Application:
    """Build the dashboard for ``store``.

    ``daily_changed`` tells a scheduler in this process to look again; ``rewards_changed`` (with a server id) tells its
    role rewards to settle that server.
    """
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
    app[REWARDS_CHANGED_KEY] = rewards_changed or (lambda guild_id: None)
    pages.add_routes(app)
    app.router.add_static("/static/", HERE / "static", append_version=True, name="static")
    return app
