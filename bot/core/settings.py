"""Per-server settings: defaults declared once, validated values, and the quiz settings they produce."""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core.catalog import AuditEntry
from bot.core.errors import MythOrFactError
from bot.core.i18n import DEFAULT_LOCALE, LANGUAGES, _
from bot.core.quiz import MIXED, Mode, QuizSettings
from bot.core.scheduling import parse_zone
from bot.core.text import clip

QUIZ_MODES = (MIXED, *(mode.value for mode in Mode))
MAX_PREFIX_LENGTH = 5
MAX_LISTED = 25
"""At most this many allowed channels, enabled packs or enabled topics."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What a server's moderators can change. Every field has a default suitable for most servers."""

    prefix: str = ""
    """Command prefix in this server; empty means the bot's default (``COMMAND_PREFIX``)."""
    allowed_channels: tuple[int, ...] = ()
    """Channels where members may use commands and play; empty means everywhere."""
    packs: tuple[str, ...] = ()
    """Packs whose items this server gets; empty means all of them."""
    topics: tuple[str, ...] = ()
    """Topics this server gets; empty means all of them."""
    mod_role_id: int | None = None
    """Members with this role may use moderator commands, besides those with Manage Server."""
    log_channel_id: int | None = None
    """Where the bot reports problems (a paused daily post); none means the server's system channel."""
    suggestions_per_day: int = 3
    """How many suggestions a member may send per day."""
    timezone: str = "UTC"
    """The server's IANA time zone: weekly leaderboards start on its Monday, and daily posts default to it."""
    quiz_rounds: int = 10
    """Questions in a quiz when the starter does not say."""
    quiz_seconds: int = 15
    """Time limit of a myth-or-fact round; multiple choice gets 5 s more and typed rounds twice as long."""
    quiz_extra_time: int = 0
    """Accessibility: lengthen every time limit by this percentage."""
    quiz_hints: bool = True
    quiz_idle_rounds: int = 3
    """End a quiz after this many unanswered questions in a row."""
    quiz_mode: str = MIXED
    """Mode of a quiz when the starter does not say: mixed, myth-or-fact, choice or typed."""
    quiz_adaptive: bool = False
    """Adaptive difficulty: quizzes draw questions matched to their players (see :mod:`bot.core.adaptive`)."""
    language: str = DEFAULT_LOCALE
    """The bot's language in this server when an interaction's locale is not one it speaks (and for prefix
    commands and posts of its own: daily posts, quiz rounds, log-channel reports)."""
    languages: tuple[str, ...] = ()
    """Languages of the shipped packs whose items this server gets; empty means English and the server's own
    :attr:`language`, so that a server never meets packs in a third language it did not choose."""

    global_board: bool = False
    """Whether the server takes part in the global board (its members' points count there; see
    :mod:`bot.core.global_board`)."""

    def pack_languages(self) -> tuple[str, ...] | None:
        """Return the languages of the shipped packs this server gets (in :data:`LANGUAGES` order), ``None`` if all."""
        return _pack_languages(self.languages, self.language)

    def zone(self) -> ZoneInfo:
        """Return the server's time zone."""
        return ZoneInfo(self.timezone)

    def quiz(self) -> QuizSettings:
        """Return the game settings these server settings describe."""
        seconds = float(self.quiz_seconds)
        return QuizSettings(
            rounds=self.quiz_rounds,
            base_seconds={Mode.MYTH_OR_FACT: seconds, Mode.CHOICE: seconds + 5, Mode.TYPED: seconds * 2},
            extra_time_percent=self.quiz_extra_time,
            hints=self.quiz_hints,
            idle_rounds_to_end=self.quiz_idle_rounds,
        )


@functools.lru_cache(maxsize=64)
def _pack_languages(languages: tuple[str, ...], language: str) -> tuple[str, ...] | None:
    """:meth:`ServerSettings.pack_languages`, worked out once per choice (every draw asks for it)."""
    chosen = set(languages or (DEFAULT_LOCALE, language))
    return None if chosen >= set(LANGUAGES) else tuple(code for code in LANGUAGES if code in chosen)


LIMITS: dict[str, tuple[int, int]] = {
    "quiz_rounds": (1, 50),
    "quiz_seconds": (5, 120),
    "quiz_extra_time": (0, 200),
    "quiz_idle_rounds": (1, 10),
    "suggestions_per_day": (0, 20),
}


def _whole_number(name: str, value: Any) -> int:
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MythOrFactError(_("`{name}` must be a whole number from {low} to {high}.", name=name, low=low, high=high))
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise MythOrFactError(_("`{name}` must be on or off.", name=name))
    return value


def _prefix(name: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_PREFIX_LENGTH or any(c.isspace() for c in value):
        raise MythOrFactError(
            _("The prefix must be 1 to {limit} characters without spaces, like `?`.", limit=MAX_PREFIX_LENGTH)
        )
    if value.startswith(("@", "#", "/", "<")) or "`" in value:
        raise MythOrFactError(_("The prefix cannot start with `@`, `#`, `/` or `<`, or contain a backtick."))
    return value


def _snowflake_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MythOrFactError(_("`{name}` must be a Discord id.", name=name))
    return value


def _id_list(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_LISTED:
        raise MythOrFactError(_("`{name}` holds at most {limit} entries.", name=name, limit=MAX_LISTED))
    ids = tuple(dict.fromkeys(_snowflake_or_none(name, v) for v in value))
    if None in ids:
        raise MythOrFactError(_("`{name}` must list Discord ids.", name=name))
    return ids  # type: ignore[return-value]


def _name_list(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_LISTED:
        raise MythOrFactError(_("`{name}` holds at most {limit} entries.", name=name, limit=MAX_LISTED))
    if not all(isinstance(v, str) and 0 < len(v) <= 64 for v in value):
        raise MythOrFactError(_("`{name}` must list names of 1 to 64 characters.", name=name))
    return tuple(dict.fromkeys(value))


def _zone(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise MythOrFactError(_("`{name}` must be a time zone name such as `Europe/Paris`.", name=name))
    parse_zone(value)
    return value.strip()


def _quiz_mode(name: str, value: Any) -> str:
    if value not in QUIZ_MODES:
        raise MythOrFactError(_("`{name}` must be one of {choices}.", name=name, choices=", ".join(QUIZ_MODES)))
    return value


def _language(name: str, value: Any) -> str:
    if value not in LANGUAGES:
        raise MythOrFactError(_("The language must be one of {codes}.", codes=", ".join(LANGUAGES)))
    return value


def _languages(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(v in LANGUAGES for v in value):
        raise MythOrFactError(_("Pack languages must be among {codes}.", codes=", ".join(LANGUAGES)))
    return tuple(code for code in LANGUAGES if code in value)


VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "prefix": _prefix,
    "allowed_channels": _id_list,
    "packs": _name_list,
    "topics": _name_list,
    "mod_role_id": _snowflake_or_none,
    "log_channel_id": _snowflake_or_none,
    "suggestions_per_day": _whole_number,
    "timezone": _zone,
    "quiz_rounds": _whole_number,
    "quiz_seconds": _whole_number,
    "quiz_extra_time": _whole_number,
    "quiz_hints": _boolean,
    "quiz_idle_rounds": _whole_number,
    "quiz_mode": _quiz_mode,
    "quiz_adaptive": _boolean,
    "language": _language,
    "languages": _languages,
    "global_board": _boolean,
}


def apply_changes(current: ServerSettings, changes: dict[str, Any]) -> ServerSettings:
    """Return ``current`` with ``changes`` applied, or raise a friendly error naming the bad value."""
    cleaned = {}
    for name, value in changes.items():
        validate = VALIDATORS.get(name)
        if validate is None:
            raise MythOrFactError(_("There is no setting called `{name}`.", name=name))
        cleaned[name] = validate(name, value)
    return dataclasses.replace(current, **cleaned)


def from_stored(stored: dict[str, Any]) -> ServerSettings:
    """Build settings from the stored document, ignoring unknown or invalid entries (defaults win)."""
    settings = ServerSettings()
    for name, value in stored.items():
        if name in VALIDATORS:
            try:
                settings = apply_changes(settings, {name: value})
            except MythOrFactError:
                continue
    return settings


def changed_values(settings: ServerSettings) -> dict[str, Any]:
    """Return only the values that differ from the defaults (what gets stored)."""
    defaults = ServerSettings()
    return {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(ServerSettings)
        if getattr(settings, f.name) != getattr(defaults, f.name)
    }


def describe_change(name: str, before: Any, after: Any) -> str:
    """Return one audit line for a changed setting, e.g. ``quiz_rounds: 10 → 5``."""

    def shown(value: Any) -> str:
        if value in (None, "", ()):
            return "(default)"
        if isinstance(value, tuple):
            return ", ".join(str(v) for v in value)
        return str(value)

    return f"{name}: {shown(before)} → {shown(after)}"


def may_moderate(manages_server: bool, role_ids: Collection[int], settings: ServerSettings) -> bool:
    """Return whether a member moderates (commands and dashboard alike): Manage Server, or the moderator role."""
    return manages_server or (settings.mod_role_id is not None and settings.mod_role_id in role_ids)


def check_mod_role_change(manages_server: bool) -> None:
    """Refuse a moderator-role change by a member who moderates only through the role (not Manage Server).

    Such a member must not hand moderator rights to another role.
    """
    if not manages_server:
        raise MythOrFactError(
            _("Only members with the **Manage Server** permission can choose the moderator role. Nothing was changed.")
        )


# -- enabling and disabling packs and topics ------------------------------------------------------

NAMES_LISTED = 25
"""At most this many pack or topic names in a message about unknown names."""


def close_names(name: str, known: Sequence[str]) -> list[str]:
    """Return up to three known names that look like ``name``: close spellings first, then names containing it."""
    matches = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    matches += [k for k in known if name and name in k and k not in matches]
    return matches[:3]


def unknown_name(noun: str, name: str, known: Sequence[str]) -> MythOrFactError:
    """Build the friendly error for a pack or topic that does not exist, naming close matches or listing them all.

    ``noun`` is ``"pack"`` or ``"topic"``; each has its own sentences, so that they translate.
    """
    shown = clip(name.replace("`", "'"), 64)
    pack = noun == "pack"
    sentences = [
        _("I don't know the pack `{name}`.", name=shown) if pack else _("I don't know the topic `{name}`.", name=shown)
    ]
    suggestions = close_names(name, known)
    if suggestions:
        sentences.append(_("Did you mean {names}?", names=_quoted(suggestions)))
    elif len(known) > NAMES_LISTED:
        listed = _quoted(known[:NAMES_LISTED])
        sentences.append(_("This server has: {names} and {count} more.", names=listed, count=len(known) - NAMES_LISTED))
    elif known:
        sentences.append(_("This server has: {names}.", names=_quoted(known)))
    else:
        sentences.append(_("This server has no packs yet.") if pack else _("This server has no topics yet."))
    sentences.append(_("Nothing was changed."))
    return MythOrFactError(" ".join(sentences))


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def toggled(
    enabled: tuple[str, ...], available: Sequence[str], name: str, *, enable: bool, noun: str
) -> tuple[str, ...]:
    """Return the enabled list after turning ``name`` on or off; an empty list means all of ``available``.

    Turning one off while all are on keeps all the others on; turning on the last one that was off goes back to
    "all" (so packs added later are on too). Turning off the only one left is refused: the server would get nothing.
    Raises a friendly error for an unknown name or a change that changes nothing. ``noun`` is ``"pack"`` or
    ``"topic"``.
    """
    pack = noun == "pack"
    current = list(enabled) if enabled else list(available)
    if name not in available and name not in current:
        raise unknown_name(noun, name, available)
    if enable:
        if name in current:
            raise MythOrFactError(
                _("The pack `{name}` is already on. Nothing was changed.", name=name)
                if pack
                else _("The topic `{name}` is already on. Nothing was changed.", name=name)
            )
        wanted = [*current, name]
        return () if set(available) <= set(wanted) else tuple(wanted)
    if name not in current:
        raise MythOrFactError(
            _("The pack `{name}` is already off. Nothing was changed.", name=name)
            if pack
            else _("The topic `{name}` is already off. Nothing was changed.", name=name)
        )
    remaining = [n for n in current if n != name]
    if not set(remaining) & set(available):
        raise MythOrFactError(
            _(
                "`{name}` is the only pack left on, and the server would get nothing without it. "
                "Turn another pack on first, or use `all`. Nothing was changed.",
                name=name,
            )
            if pack
            else _(
                "`{name}` is the only topic left on, and the server would get nothing without it. "
                "Turn another topic on first, or use `all`. Nothing was changed.",
                name=name,
            )
        )
    return tuple(remaining)


def chosen_names(chosen: Sequence[str], available: Sequence[str], noun: str) -> tuple[str, ...]:
    """Return the enabled list for a set of ticked names (a form); every name ticked means "all" (an empty list).

    Ticking none is refused, as turning off the last one is in :func:`toggled`: the server would get nothing.
    """
    for name in chosen:
        if name not in available:
            raise unknown_name(noun, name, available)
    if not chosen:
        raise MythOrFactError(
            _("Tick at least one pack: with none on, the server would get nothing. Nothing was changed.")
            if noun == "pack"
            else _("Tick at least one topic: with none on, the server would get nothing. Nothing was changed.")
        )
    return () if set(available) <= set(chosen) else tuple(dict.fromkeys(chosen))


def describe_enabled(enabled: tuple[str, ...], available: Sequence[str], noun: str) -> str:
    """Describe which packs or topics are on, e.g. ``All packs (6)`` or ``2 of 6: `space`, `animals` ``."""
    pack = noun == "pack"
    if not enabled:
        if not available:
            return _("All packs") if pack else _("All topics")
        count = len(available)
        return _("All packs ({count})", count=count) if pack else _("All topics ({count})", count=count)
    on = [n for n in enabled if n in available]
    gone = [n for n in enabled if n not in available]
    text = _("{on} of {total}: {names}", on=len(on), total=len(available), names=_quoted(on))
    if gone:
        text += " " + _("(no longer available: {names})", names=_quoted(gone))
    return text


class SettingsCache:
    """Server settings kept in memory once read, so a prefix or channel check costs no query per message.

    Backends keep one and write through it. It belongs to one process: a setting changed by another process
    is seen here after :meth:`drop` (or a restart).
    """

    def __init__(self) -> None:
        self._by_guild: dict[int, ServerSettings] = {}

    def get(self, guild_id: int) -> ServerSettings | None:
        """Return the cached settings of a server, or ``None`` if they were not read yet."""
        return self._by_guild.get(guild_id)

    def put(self, guild_id: int, settings: ServerSettings) -> None:
        """Remember a server's current settings."""
        self._by_guild[guild_id] = settings

    def drop(self, guild_id: int) -> None:
        """Forget a server's settings (its rows were deleted, or another process changed them)."""
        self._by_guild.pop(guild_id, None)


class SettingsStore(Protocol):
    """What the store offers for server settings and the moderators' audit trail."""

    def cached_server_settings(self, guild_id: int) -> ServerSettings | None:
        """Return a server's settings if they are in memory, else ``None``: the per-message paths skip an await."""
        ...

    async def server_settings(self, guild_id: int) -> ServerSettings:
        """Return a server's settings (cached)."""
        ...

    async def update_server_settings(
        self, guild_id: int, changes: dict[str, object], actor_id: int | None = None
    ) -> ServerSettings:
        """Validate and save changes to a server's settings; raise a friendly error for a bad value.

        With ``actor_id``, each changed value is recorded in the audit trail.
        """
        ...

    async def record_audit(self, guild_id: int, user_id: int, action: str, detail: str) -> None:
        """Record one moderator action in the server's audit trail."""
        ...

    async def audit_history(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        """Return the server's most recent moderator actions, newest first."""
        ...
