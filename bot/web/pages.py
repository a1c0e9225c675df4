"""The dashboard's pages: one handler per page or form, each calling the same core and store methods as a command.

Every server page goes through :func:`server_page`: the member must be logged in, and may manage the server as the
bot sees them right now (not only at login). Forms answer with a redirect back to their page and a message (so
reloading never sends a form twice); a refused change says why and changes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.app.config import DashboardConfig
from bot.core.admin import (
    MAX_UPLOAD_BYTES,
    RESERVED_PACK_IDS,
    UploadRefused,
    build_export,
    check_upload_size,
    import_audit_detail,
    items_left_out,
    parse_upload,
    period_name,
    resolve_period,
    upload_format,
)
from bot.core.audit import DASHBOARD, AuditNote, changes_via
from bot.core.content import CUSTOM_DIFFICULTY, check_draft, difficulty_name, format_source, parse_custom_number
from bot.core.daily import plan_schedule, schedule_audit_detail
from bot.core.errors import MythOrFactError, UnknownTopic
from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.core.rewards import MAX_REWARDS, RewardKind, check_setup, describe_reward, parse_reward, reward_audit_detail
from bot.core.scheduling import local_day, parse_local_time, parse_zone
from bot.core.scores import ALL_TIME
from bot.core.settings import LIMITS, QUIZ_MODES, ServerSettings, check_mod_role_change, chosen_names
from bot.core.text import clip, normalize_topic
from bot.storage.base import FactStore
from bot.web import charts
from bot.web.access import (
    NoAccess,
    ServerAccess,
    daily_post_refusal,
    reward_bot_facts,
    reward_role_facts,
    server_access,
)
from bot.web.discord_api import DiscordApi, DiscordUnavailable, NotFound, Role, UserGuild
from bot.web.shared import (
    API_KEY,
    CONFIG_KEY,
    DAILY_CHANGED_KEY,
    LIMITS_KEY,
    LOGIN_LIMIT,
    REWARDS_CHANGED_KEY,
    STORE_KEY,
    WRITE_LIMIT,
    RateLimits,
    error_page,
    flash,
    render,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 20
SERVERS_CHECKED = 100
"""At most this many of a member's servers are looked at for the server list (the bot's view of each is cached)."""

Page = Callable[[web.Request, ServerAccess], Awaitable[web.StreamResponse]]


def _store(request: web.Request) -> FactStore:
    return request.app[STORE_KEY]  # type: ignore[return-value]


def _api(request: web.Request) -> DiscordApi:
    return request.app[API_KEY]


def _config(request: web.Request) -> DashboardConfig:
    return request.app[CONFIG_KEY]


def _limits(request: web.Request) -> RateLimits:
    return request.app[LIMITS_KEY]  # type: ignore[return-value]


def _now() -> datetime:
    return datetime.now(UTC)


async def _user_id(request: web.Request) -> int | None:
    session = await get_session(request)
    user_id = session.get("user_id")
    return user_id if isinstance(user_id, int) else None


def client_address(request: web.Request) -> str:
    """Return the member's address: behind a reverse proxy on this machine, the one it saw (X-Forwarded-For's last)."""
    remote = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and remote in ("127.0.0.1", "::1"):
        return forwarded.rsplit(",", 1)[-1].strip() or remote
    return remote


def _back(access: ServerAccess, page: str) -> web.HTTPFound:
    return web.HTTPFound(f"/servers/{access.guild_id}/{page}")


FORM_PAGES = {"suggestions": "review", "disputes": "review", "export": "data", "leaderboard": "data"}
"""The page a form is on, for the forms whose address is not under their page's."""


def _form_page(path: str) -> str:
    """Return the page to go back to after the form posted to ``path`` (``/servers/<id>/<section>/…``)."""
    parts = path.split("/")
    section = parts[3] if len(parts) > 3 else ""
    page = FORM_PAGES.get(section, section)
    return "/".join(parts[:3]) + (f"/{page}" if page else "")


def server_page(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Check the member may manage the server in the URL, now; limit writes; mark changes as made via the dashboard."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        raw = request.match_info["guild_id"]
        if not raw.isdigit() or len(raw) > 20:
            raise web.HTTPNotFound()
        user_id = await _user_id(request)
        if user_id is None:
            if request.method == "GET":
                raise web.HTTPFound("/")
            return await error_page(
                request, 403, "Please log in", "Your session has ended. Log in again; nothing was changed."
            )
        access = await server_access(_api(request), _store(request), int(raw), user_id)
        if request.method != "GET" and not _limits(request).allow(f"write:{user_id}", WRITE_LIMIT):
            return await error_page(request, 429, "Slow down a little", "Too many changes in a minute. Wait a moment.")
        with changes_via(DASHBOARD):
            try:
                return await handler(request, access)
            except MythOrFactError as refused:  # the core's friendly refusal: shown, nothing changed
                if request.method == "GET":
                    return await error_page(request, 400, "That did not work", str(refused))
                await flash(request, str(refused), ok=False)
                raise web.HTTPFound(_form_page(request.path)) from None

    return checked


# -- logging in and out ------------------------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    """Show the front page: log in, or go on to the server list."""
    if await _user_id(request) is not None:
        raise web.HTTPFound("/servers")
    return await render(request, "index.html", {})


async def login(request: web.Request) -> web.StreamResponse:
    """Send the member to Discord to log in (the ``state`` kept in the session is checked on the way back)."""
    if not _limits(request).allow(f"login:{client_address(request)}", LOGIN_LIMIT):
        return await error_page(
            request, 429, "Slow down a little", "Too many logins from here in a minute. Wait a moment."
        )
    session = await get_session(request)
    state = secrets.token_urlsafe(24)
    session["oauth_state"] = state
    config = _config(request)
    raise web.HTTPFound(_api(request).authorize_url(config.client_id, config.redirect_uri, state))


async def login_callback(request: web.Request) -> web.StreamResponse:
    """Finish logging in: check ``state``, trade the code for a token, remember who the member is."""
    session = await get_session(request)
    expected = session.pop("oauth_state", None)
    state, code = request.query.get("state", ""), request.query.get("code", "")
    if not expected or not secrets.compare_digest(state, expected):
        return await error_page(
            request, 400, "Login expired", "That login link is not the one this page started. Try again."
        )
    if not code:
        return await error_page(request, 400, "Login cancelled", "Discord did not let you in. You can try again.")
    config, api = _config(request), _api(request)
    try:
        token = await api.exchange_code(code, config.client_id, config.client_secret, config.redirect_uri)
        user = await api.current_user(token)
    except NotFound:
        return await error_page(request, 400, "Login failed", "Discord refused the login. Try again.")
    session = await new_session(request)  # a fresh session (and CSRF token) for the logged-in member
    session["user_id"] = user.id
    session["user_name"] = clip(user.name, 64)
    session["access_token"] = token
    log.info("Dashboard login by %s", user.id)
    raise web.HTTPFound("/servers")


async def logout(request: web.Request) -> web.StreamResponse:
    """Forget the session."""
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPFound("/")


# -- the server list ---------------------------------------------------------------------------------------------


async def servers(request: web.Request) -> web.StreamResponse:
    """List the member's servers that have the bot and that they may manage."""
    session = await get_session(request)
    user_id, token = await _user_id(request), session.get("access_token")
    if user_id is None or not isinstance(token, str):
        raise web.HTTPFound("/")
    api, store = _api(request), _store(request)
    try:
        listed = await api.user_guilds(user_id, token)
    except NotFound:  # the member revoked the dashboard's access
        session.invalidate()
        raise web.HTTPFound("/") from None
    gate = asyncio.Semaphore(5)

    unanswered = 0

    async def managed(guild: UserGuild) -> UserGuild | None:
        nonlocal unanswered
        async with gate:
            try:
                await server_access(api, store, guild.id, user_id)
            except NoAccess:
                return None
            except DiscordUnavailable:  # say so, and list the others
                unanswered += 1
                return None
            return guild

    found = await asyncio.gather(*(managed(guild) for guild in listed[:SERVERS_CHECKED]))
    context = {"servers": [g for g in found if g is not None], "unanswered": unanswered}
    return await render(request, "servers.html", context)


# -- overview and settings ---------------------------------------------------------------------------------------


async def _names(store: FactStore, guild_id: int) -> tuple[list[str], list[str]]:
    packs = [pack.id for pack in await store.packs(guild_id)]
    topics = [topic.topic for topic in await store.topics(guild_id)]
    return packs, topics


@server_page
async def overview(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Show one server at a glance: its settings, the daily post and what waits for review."""
    store = _store(request)
    schedule = await store.daily_schedule(access.guild_id)
    _, pending = await store.pending_suggestions(access.guild_id, 1)
    _, disputed = await store.disputed_items(access.guild_id, 1)
    totals = await store.server_totals(access.guild_id)
    return await render(
        request,
        "overview.html",
        {
            "access": access,
            "tab": "overview",
            "schedule": schedule,
            "pending": pending,
            "disputed": disputed,
            "totals": totals,
        },
    )


@server_page
async def settings_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Show every setting `config` and `quiz settings` change, in one form."""
    store = _store(request)
    packs, topics = await _names(store, access.guild_id)
    channels = await _api(request).text_channels(access.guild_id)
    role_names = {role.id: role.name for role in access.guild.roles}
    return await render(
        request,
        "settings.html",
        {
            "access": access,
            "tab": "settings",
            "s": access.settings,
            "packs": packs,
            "topics": topics,
            "channels": channels,
            "roles": [r for r in access.guild.roles if r.id != access.guild_id],
            "limits": LIMITS,
            "modes": QUIZ_MODES,
            "languages": LANGUAGE_NAMES,
            "served_languages": access.settings.pack_languages() or LANGUAGES,
            "rewards": [
                (reward, role_names.get(reward.role_id, "a deleted role"), describe_reward(reward))
                for reward in await store.role_rewards(access.guild_id)
            ],
            "reward_kinds": list(RewardKind),
            "max_rewards": MAX_REWARDS,
        },
    )


def _whole(form: Any, name: str) -> int:
    raw = str(form.get(name, "")).strip()
    if not raw.lstrip("-").isdigit():
        low, high = LIMITS[name]
        raise MythOrFactError(f"`{name}` must be a whole number from {low} to {high}. Nothing was changed.")
    return int(raw)


def _optional_id(form: Any, name: str, allowed: set[int]) -> int | None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in allowed:
        raise MythOrFactError(f"`{name}` must be one of this server's own. Nothing was changed.")
    return int(raw)


def _channel_ids(values: list[Any], allowed: set[int]) -> tuple[int, ...]:
    chosen = [int(v) for v in values if str(v).isdigit() and int(v) in allowed]
    if len(chosen) != len(values):
        raise MythOrFactError("Tick only this server's own channels. Nothing was changed.")
    return tuple(dict.fromkeys(chosen))


def _pack_languages(ticked: list[Any], current: ServerSettings) -> tuple[str, ...]:
    """Return the pack languages ticked, or the current setting when the ticks are what the server gets already."""
    chosen = [str(code) for code in ticked]
    if not chosen:
        raise MythOrFactError("Tick at least one pack language: with none, the server would get nothing.")
    if any(code not in LANGUAGES for code in chosen):
        raise MythOrFactError("Tick only the languages listed. Nothing was changed.")
    ordered = tuple(code for code in LANGUAGES if code in chosen)
    return current.languages if ordered == (current.pack_languages() or LANGUAGES) else ordered


def settings_changes(
    form: Any, access: ServerAccess, packs: list[str], topics: list[str], channel_ids: set[int]
) -> dict[str, Any]:
    """Turn the settings form into the changes it asks for (only values that differ), for the core to validate."""
    current = access.settings
    wanted: dict[str, Any] = {
        "prefix": str(form.get("prefix", "")).strip(),
        "allowed_channels": _channel_ids(form.getall("allowed_channels", []), channel_ids),
        "packs": chosen_names(form.getall("packs", []), packs, "pack") if packs else current.packs,
        "topics": chosen_names(form.getall("topics", []), topics, "topic") if topics else current.topics,
        "mod_role_id": _optional_id(form, "mod_role_id", {r.id for r in access.guild.roles if r.id != access.guild_id}),
        "log_channel_id": _optional_id(form, "log_channel_id", channel_ids),
        "suggestions_per_day": _whole(form, "suggestions_per_day"),
        "timezone": parse_zone(str(form.get("timezone", ""))).key,
        "quiz_rounds": _whole(form, "quiz_rounds"),
        "quiz_seconds": _whole(form, "quiz_seconds"),
        "quiz_extra_time": _whole(form, "quiz_extra_time"),
        "quiz_idle_rounds": _whole(form, "quiz_idle_rounds"),
        "quiz_hints": form.get("quiz_hints") == "on",
        "quiz_adaptive": form.get("quiz_adaptive") == "on",
        "quiz_mode": str(form.get("quiz_mode", "")),
        "language": str(form.get("language", current.language)),
        "languages": _pack_languages(form.getall("languages", []), current),
        "global_board": form.get("global_board") == "on",
    }
    changes = {name: value for name, value in wanted.items() if value != getattr(current, name)}
    if "mod_role_id" in changes:
        check_mod_role_change(access.manages_server)
    return {name: list(value) if isinstance(value, tuple) else value for name, value in changes.items()}


@server_page
async def save_settings(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Validate and save the settings form through the store (each change audited, via dashboard)."""
    store = _store(request)
    form = await request.post()
    packs, topics = await _names(store, access.guild_id)
    channel_ids = {c.id for c in await _api(request).text_channels(access.guild_id)}
    changes = settings_changes(form, access, packs, topics, channel_ids)
    if not changes:
        await flash(request, "Nothing to change: every setting already has that value.")
    else:
        await store.update_server_settings(access.guild_id, changes, actor_id=access.member.user_id)
        log.info(
            "Settings of guild %s changed on the dashboard by %s: %s",
            access.guild_id,
            access.member.user_id,
            sorted(changes),
        )
        await flash(request, f"Saved: {', '.join(sorted(changes))}.")
    raise _back(access, "settings")


# -- role rewards ------------------------------------------------------------------------------------------------


def _reward_role(access: ServerAccess, raw: str) -> Role:
    role = next((r for r in access.guild.roles if str(r.id) == raw.strip()), None)
    if role is None:
        raise MythOrFactError("Pick one of this server's roles. Nothing was changed.")
    return role


@server_page
async def add_reward(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Set up (or change, or resume) a role reward, with the checks of `config rewards add`."""
    store = _store(request)
    form = await request.post()
    role = _reward_role(access, str(form.get("role_id", "")))
    raw_threshold = str(form.get("threshold", "")).strip()
    threshold = int(raw_threshold) if raw_threshold.isdigit() else None
    reward = parse_reward(access.guild_id, role.id, str(form.get("kind", "")), threshold)
    me = await reward_bot_facts(_api(request), access.guild)
    check_setup(reward, reward_role_facts(access.guild, role), me, await store.role_rewards(access.guild_id))
    detail = reward_audit_detail(reward, role.name)
    await store.set_role_reward(reward, AuditNote(access.member.user_id, "reward", f"set {detail}"))
    request.app[REWARDS_CHANGED_KEY](access.guild_id)  # type: ignore[operator]
    await flash(request, f"Members with {describe_reward(reward)} get the {role.name} role.")
    raise _back(access, "settings")


@server_page
async def remove_reward(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Stop rewarding a role; the bot takes it back from the members it gave it to."""
    store = _store(request)
    raw = request.match_info["role_id"]
    if not raw.isdigit() or len(raw) > 20:
        raise web.HTTPNotFound()
    role_id = int(raw)
    names = {role.id: role.name for role in access.guild.roles}
    name = names.get(role_id, str(role_id))
    audit = AuditNote(access.member.user_id, "reward", f"removed {name} ({role_id})")
    if await store.remove_role_reward(access.guild_id, role_id, audit):
        request.app[REWARDS_CHANGED_KEY](access.guild_id)  # type: ignore[operator]
        await flash(request, f"{name} is no longer a reward; the bot takes it back from the members it gave it to.")
    else:
        await flash(request, f"{name} was not a reward.")
    raise _back(access, "settings")


# -- the daily post ----------------------------------------------------------------------------------------------


@server_page
async def daily_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Show the daily post: where and when, its topic, whether it is paused and why, and the next post."""
    store = _store(request)
    schedule = await store.daily_schedule(access.guild_id)
    today = await store.daily_post(access.guild_id, local_day(_now(), schedule.tz)) if schedule else None
    _, topics = await _names(store, access.guild_id)
    channels = await _api(request).text_channels(access.guild_id)
    return await render(
        request,
        "daily.html",
        {
            "access": access,
            "tab": "daily",
            "schedule": schedule,
            "today": today,
            "topics": topics,
            "channels": channels,
            "channel_names": {c.id: c.name for c in channels},
        },
    )


@server_page
async def daily_set(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Turn the daily post on (or change or resume it), as `daily set` does."""
    store = _store(request)
    form = await request.post()
    channels = {c.id: c for c in await _api(request).text_channels(access.guild_id)}
    raw_channel = str(form.get("channel_id", ""))
    channel = channels.get(int(raw_channel)) if raw_channel.isdigit() else None
    if channel is None:
        raise MythOrFactError("Pick one of this server's text channels. Nothing was changed.")
    refusal = await daily_post_refusal(_api(request), access.guild, channel)
    if refusal:
        raise MythOrFactError(f"I can't post there: {refusal}. Nothing was changed.")
    post_time = parse_local_time(str(form.get("time", "")))
    zone = parse_zone(str(form.get("timezone", "")).strip() or access.settings.timezone)
    topic = normalize_topic(str(form.get("topic", ""))) or None
    _, topics = await _names(store, access.guild_id)
    if topic is not None and topic not in topics:
        raise UnknownTopic(topic, [])
    schedule = plan_schedule(access.guild_id, channel.id, post_time, zone, topic, _now())
    detail = schedule_audit_detail(channel.name, post_time, zone, topic)
    await store.set_daily_schedule(schedule, AuditNote(access.member.user_id, "daily", detail))
    request.app[DAILY_CHANGED_KEY]()  # type: ignore[operator]
    await flash(request, f"Daily posts are on: #{channel.name} at {post_time:%H:%M} {zone.key}.")
    raise _back(access, "daily")


@server_page
async def daily_off(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Stop the daily posts, as `daily off` does."""
    store = _store(request)
    if await store.remove_daily_schedule(access.guild_id, AuditNote(access.member.user_id, "daily", "off")):
        request.app[DAILY_CHANGED_KEY]()  # type: ignore[operator]
        await flash(request, "Daily posts are off.")
    else:
        await flash(request, "Daily posts were already off.")
    raise _back(access, "daily")


# -- the review queue --------------------------------------------------------------------------------------------


@server_page
async def review_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """List members' suggestions (approve or reject) and disputed items (hide or dismiss), oldest first."""
    store = _store(request)
    suggestions, pending = await store.pending_suggestions(access.guild_id, PAGE_SIZE)
    disputed, disputed_count = await store.disputed_items(access.guild_id, PAGE_SIZE, reasons=5)
    names = await _api(request).member_names(access.guild_id, [s.user_id for s in suggestions])
    return await render(
        request,
        "review.html",
        {
            "access": access,
            "tab": "review",
            "names": names,
            "suggestions": suggestions,
            "pending": pending,
            "disputed": disputed,
            "disputed_count": disputed_count,
        },
    )


def _number(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 18:
        raise web.HTTPNotFound()
    return int(raw)


@server_page
async def review_suggestion(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Approve or reject one suggestion (approving makes it a custom fact credited to its author)."""
    action = request.match_info["action"]
    review = await _store(request).review_suggestion(
        access.guild_id,
        _number(request, "suggestion_id"),
        action,
        access.member.user_id,
        _now(),  # type: ignore[arg-type]
    )
    done = review.suggestion
    if not review.changed:
        await flash(request, f"Suggestion #{done.id} was already {done.status}; nothing changed.")
    elif review.ref:
        await flash(request, f"Approved suggestion #{done.id}: it is now `{review.ref}`.")
    else:
        await flash(request, f"Rejected suggestion #{done.id}.")
    raise _back(access, "review")


@server_page
async def review_dispute(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Hide a disputed item in this server, or dismiss its disputes."""
    store, item_pk = _store(request), _number(request, "item_pk")
    if request.match_info["action"] == "hide":
        hidden, closed = await store.hide_item(access.guild_id, item_pk, access.member.user_id, _now())
        await flash(request, f"Hid the item and closed {closed} disputes." if hidden else "It was already hidden.")
    else:
        closed = await store.dismiss_disputes(access.guild_id, item_pk, access.member.user_id, _now())
        await flash(request, f"Dismissed {closed} disputes; the item stays." if closed else "Nothing to dismiss.")
    raise _back(access, "review")


# -- custom facts ------------------------------------------------------------------------------------------------


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() else 1


@server_page
async def facts_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """List the server's custom facts, with forms to add, edit and retire them."""
    page = _page_number(request)
    facts, total = await _store(request).custom_facts(access.guild_id, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return await render(
        request,
        "facts.html",
        {
            "access": access,
            "tab": "facts",
            "facts": facts,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "format_source": format_source,
            "difficulty_name": difficulty_name,
            "default_difficulty": CUSTOM_DIFFICULTY,
        },
    )


def _draft(form: Any) -> Any:
    return check_draft(
        str(form.get("kind", "")),
        str(form.get("claim", "")),
        str(form.get("truth", "")),
        str(form.get("source", "")),
        str(form.get("topic", "")),
        str(form.get("difficulty", CUSTOM_DIFFICULTY)),
    )


@server_page
async def add_fact(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Add a custom fact (checked field by field, as the command's form is)."""
    fact = await _store(request).add_custom_fact(
        access.guild_id, _draft(await request.post()), access.member.user_id, _now()
    )
    await flash(request, f"Saved as `{fact.item.ref}`.")
    raise _back(access, "facts")


@server_page
async def edit_fact(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Change a custom fact's content (its number and credit stay)."""
    number = parse_custom_number(request.match_info["number"])
    fact = await _store(request).edit_custom_fact(
        access.guild_id, number, _draft(await request.post()), access.member.user_id, _now()
    )
    await flash(request, f"Saved your changes to `{fact.item.ref}`.")
    raise _back(access, "facts")


@server_page
async def remove_fact(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Retire a custom fact (its number is never reused)."""
    number = parse_custom_number(request.match_info["number"])
    fact = await _store(request).remove_custom_fact(access.guild_id, number, access.member.user_id, _now())
    await flash(request, f"Removed `{fact.item.ref}` from this server's rotation.")
    raise _back(access, "facts")


# -- uploaded packs ----------------------------------------------------------------------------------------------


@server_page
async def packs_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """List the server's own packs and the shipped ones, with the upload form."""
    store = _store(request)
    own = await store.server_packs(access.guild_id)
    own_ids = {pack.id for pack in own}
    shipped = [pack for pack in await store.packs(access.guild_id) if pack.id not in own_ids]
    session = await get_session(request)
    problems = session.pop("pack_problems", None) if "pack_problems" in session else None
    return await render(
        request,
        "packs.html",
        {
            "access": access,
            "tab": "packs",
            "own": own,
            "shipped": shipped,
            "enabled": access.settings.packs,
            "reserved": RESERVED_PACK_IDS,
            "problems": problems,
            "max_kb": MAX_UPLOAD_BYTES // 1024,
        },
    )


PROBLEMS_KEPT = 40
"""Problems of a refused upload shown on the page (the session cookie is small); the count says how many more."""


def _keep_problems(session: Any, problems: list[Any]) -> None:
    """Keep the first problems of an upload for the packs page (the session cookie is small); count the rest."""
    if problems:
        shown = [clip(str(problem), 300) for problem in problems[:PROBLEMS_KEPT]]
        session["pack_problems"] = {"lines": shown, "more": len(problems) - len(shown)}


@server_page
async def upload_pack(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Import an uploaded pack with the same checks and problem list as `pack import`."""
    form = await request.post()
    upload = form.get("file")
    partial = form.get("partial") == "on"
    session = await get_session(request)
    if not isinstance(upload, web.FileField) or not upload.filename:
        await flash(
            request, "Choose a file: a .toml pack, a Red trivia list (.yaml) or Open Trivia DB .json.", ok=False
        )
        raise _back(access, "packs")
    try:
        upload_format(upload.filename)
        data = upload.file.read(MAX_UPLOAD_BYTES + 1)
        check_upload_size(len(data))
        parsed = parse_upload(data, upload.filename, partial=partial)
    except UploadRefused as refused:
        hint = "" if partial or not refused.problems else " Fix them, or upload again with “partial” ticked."
        await flash(request, f"{refused}{hint}", ok=False)
        _keep_problems(session, refused.problems)
        raise _back(access, "packs") from None
    store = _store(request)
    audit = AuditNote(access.member.user_id, "pack", import_audit_detail(parsed, upload.filename))
    report = await store.import_server_pack(access.guild_id, parsed.pack, audit)  # refuses a shipped id, or a 21st
    left_out = items_left_out(parsed)
    await flash(
        request,
        f"Imported `{parsed.pack.id}`: {report.added} added, {report.updated} updated, {report.unchanged} unchanged"
        + (f"; {left_out} items with problems were left out." if left_out else "."),
    )
    _keep_problems(session, parsed.rejected)
    raise _back(access, "packs")


@server_page
async def remove_pack(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Retire one of the server's uploaded packs."""
    pack_id = request.match_info["pack_id"].strip().lower()
    store = _store(request)
    if pack_id in RESERVED_PACK_IDS:
        raise MythOrFactError("`custom` holds this server's custom facts; remove those one by one instead.")
    retired = await store.remove_server_pack(access.guild_id, pack_id, actor_id=access.member.user_id)
    await flash(request, f"Removed the pack `{pack_id}`: {retired} items are no longer served here.")
    raise _back(access, "packs")


# -- leaderboards, statistics, audit -----------------------------------------------------------------------------


@server_page
async def leaderboard_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Show the all-time or this week's leaderboard, a page at a time."""
    store = _store(request)
    which = "week" if request.query.get("period") == "week" else ALL_TIME
    period = resolve_period(which, _now(), access.settings.zone())
    page = _page_number(request)
    rows = await store.top_scores(access.guild_id, period, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    players = await store.count_players(access.guild_id, period)
    names = await _api(request).member_names(access.guild_id, [row.user_id for row in rows])
    return await render(
        request,
        "leaderboard.html",
        {
            "access": access,
            "tab": "leaderboard",
            "rows": rows,
            "which": which,
            "title": period_name(period),
            "page": page,
            "pages": max(1, -(-players // PAGE_SIZE)),
            "players": players,
            "names": names,
            "chart": charts.bar_chart(
                [(names.get(r.user_id) or f"#{r.position}", r.points) for r in rows[:10]], "Points of the top 10"
            ),
        },
    )


@server_page
async def stats_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Show totals, the hardest and the most disputed items, and the most played topics, with charts."""
    store = _store(request)
    totals = await store.server_totals(access.guild_id, topics=8)
    hardest = await store.hardest_items(access.guild_id, limit=8)
    disputed = await store.most_disputed(access.guild_id, limit=8)
    return await render(
        request,
        "stats.html",
        {
            "access": access,
            "tab": "stats",
            "totals": totals,
            "hardest": hardest,
            "disputed": disputed,
            "topics_chart": charts.bar_chart(list(totals.top_topics), "Rounds played per topic"),
            "hardest_chart": charts.bar_chart(
                [(item.ref, round(100 * item.correct_rate)) for item in hardest], "Right answers (%)", maximum=100
            ),
        },
    )


AUDIT_SHOWN = 100


@server_page
async def audit_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Show the audit trail: who changed what and when, commands and dashboard alike, newest first."""
    entries = await _store(request).audit_history(access.guild_id, AUDIT_SHOWN)
    names = await _api(request).member_names(access.guild_id, [entry.user_id for entry in entries])
    context = {"access": access, "tab": "audit", "entries": entries, "shown": AUDIT_SHOWN, "names": names}
    return await render(request, "audit.html", context)


# -- the server's data: export and leaderboard reset -------------------------------------------------------------


@server_page
async def data_page(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Export everything the bot stores for the server; reset a leaderboard after a confirmation."""
    store = _store(request)
    zone = access.settings.zone()
    boards = []
    for which in (ALL_TIME, "week"):
        period = resolve_period(which, _now(), zone)
        boards.append(
            {"which": which, "name": period_name(period), "players": await store.count_players(access.guild_id, period)}
        )
    return await render(request, "data.html", {"access": access, "tab": "data", "boards": boards})


@server_page
async def export(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Download the server's export as JSON (audited, as `export` is)."""
    store = _store(request)
    sections = await store.export_sections(access.guild_id)
    built = await asyncio.to_thread(build_export, access.guild_id, sections, _now())
    await store.record_audit(
        access.guild_id, access.member.user_id, "export", f"exported {len(built.data) / 1024:,.1f} KB"
    )
    return web.Response(
        body=built.data,
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{built.filename}"'},
    )


@server_page
async def reset_leaderboard(request: web.Request, access: ServerAccess) -> web.StreamResponse:
    """Empty a leaderboard once the moderator ticked the confirmation."""
    form = await request.post()
    store = _store(request)
    period = resolve_period(str(form.get("period", "")), _now(), access.settings.zone())
    if form.get("confirm") != "yes":
        raise MythOrFactError(
            f"Tick the box to confirm that {period_name(period)} should be emptied. Nothing was changed."
        )
    removed = await store.reset_leaderboard(access.guild_id, period, actor_id=access.member.user_id)
    request.app[REWARDS_CHANGED_KEY](access.guild_id)  # type: ignore[operator]
    await flash(request, f"Done: {period_name(period)} is empty again ({removed} players removed).")
    raise _back(access, "data")


def add_routes(app: web.Application) -> None:
    """Register every page and form."""
    server = "/servers/{guild_id}"
    app.router.add_get("/", index)
    app.router.add_get("/login", login)
    app.router.add_get("/login/callback", login_callback)
    app.router.add_post("/logout", logout)
    app.router.add_get("/servers", servers)
    app.router.add_get(server, overview)
    app.router.add_get(f"{server}/settings", settings_page)
    app.router.add_post(f"{server}/settings", save_settings)
    app.router.add_post(f"{server}/rewards", add_reward)
    app.router.add_post(f"{server}/rewards/{{role_id}}/remove", remove_reward)
    app.router.add_get(f"{server}/daily", daily_page)
    app.router.add_post(f"{server}/daily", daily_set)
    app.router.add_post(f"{server}/daily/off", daily_off)
    app.router.add_get(f"{server}/review", review_page)
    app.router.add_post(f"{server}/suggestions/{{suggestion_id}}/{{action:approve|reject}}", review_suggestion)
    app.router.add_post(f"{server}/disputes/{{item_pk}}/{{action:hide|dismiss}}", review_dispute)
    app.router.add_get(f"{server}/facts", facts_page)
    app.router.add_post(f"{server}/facts", add_fact)
    app.router.add_post(f"{server}/facts/{{number}}/edit", edit_fact)
    app.router.add_post(f"{server}/facts/{{number}}/remove", remove_fact)
    app.router.add_get(f"{server}/packs", packs_page)
    app.router.add_post(f"{server}/packs", upload_pack)
    app.router.add_post(f"{server}/packs/{{pack_id}}/remove", remove_pack)
    app.router.add_get(f"{server}/leaderboard", leaderboard_page)
    app.router.add_get(f"{server}/stats", stats_page)
    app.router.add_get(f"{server}/audit", audit_page)
    app.router.add_get(f"{server}/data", data_page)
    app.router.add_post(f"{server}/export", export)
    app.router.add_post(f"{server}/leaderboard/reset", reset_leaderboard)
