"""Discord-free core for data control: forget-me, leaderboard resets, exports, uploaded packs and retention.

Uploaded packs: :func:`parse_upload` turns the bytes of an attachment (a TOML pack, a Red-DiscordBot trivia list or
Open Trivia DB JSON) into a validated :class:`bot.core.packs.Pack`, listing every problem by file, item and field. By
default a file with any problem is refused whole; with ``partial`` the valid items are kept and the rest listed.

Exports: :func:`build_export` renders what the store gathered for a server as one JSON document that fits an upload
limit, with Discord ids as strings. Retention: the store's ``purge_departed`` deletes everything of servers the bot
left longer ago than the retention period; it takes ``now`` so that tests (and the sweep) decide what time it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal, Protocol

import tomli

from bot.core.content import CUSTOM_PACK
from bot.core.errors import MythOrFactError
from bot.core.i18n import _, _n
from bot.core.importers import ImportRefused, Skip, convert
from bot.core.packs import Pack, PackError, PackProblem, parse_pack
from bot.core.scores import ALL_TIME, is_period, week_key
from bot.core.text import clip

if TYPE_CHECKING:
    from bot.core.audit import AuditNote
    from bot.core.catalog import PackSummary, SyncReport

UploadFormat = Literal["toml", "red", "opentdb"]

MAX_UPLOAD_BYTES = 256 * 1024
"""Uploaded packs larger than this are refused before they are downloaded (and again on the bytes)."""
MAX_SERVER_PACKS = 20
"""How many uploaded packs one server may have at a time."""
RESERVED_PACK_IDS = frozenset({CUSTOM_PACK})
"""Pack ids a server cannot upload: ``custom`` holds the server's custom facts."""
EXPORT_MAX_BYTES = 8 * 1024 * 1024
"""Exports stay below this size, under Discord's smallest upload limit for bots."""
EXPORT_VERSION = 2
"""Version 2 writes Discord ids as strings (version 1 wrote them as numbers)."""
DISCORD_ID_FIELDS = frozenset(
    {
        "guild_id",
        "channel_id",
        "message_id",
        "user_id",
        "author_id",
        "hidden_by",
        "reviewed_by",
        "mod_role_id",
        "role_id",
        "log_channel_id",
        "allowed_channels",
    }
)
"""Fields of an export that hold Discord ids (snowflakes) or lists of them."""
SWEEP_INTERVAL = timedelta(hours=6)
"""How often the retention sweep looks for servers whose data is due for deletion."""
WEEKS_KEPT = 4
"""Weekly leaderboards kept before the current week; older ones are deleted by the retention sweep (nothing reads
them: `leaderboard week` and `rank` show the current week, in the server's time zone, which is at most a day away
from the week in UTC)."""
FORGOTTEN_USER_ID = 0
"""Stands in for a member's id on reviewed suggestions after they asked to be forgotten (the column is NOT NULL)."""

_EXTENSIONS: dict[str, UploadFormat] = {".toml": "toml", ".yaml": "red", ".yml": "red", ".json": "opentdb"}
_ITEM_NUMBER = re.compile(r"^#(\d+)\b")
_SKIP_LABEL = 60


class UploadRefused(MythOrFactError):
    """An uploaded file was not imported; ``problems`` says why, by file, item and field."""

    def __init__(self, message: str, problems: Iterable[PackProblem] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)


class ServerPacksFull(UploadRefused):
    """A server already has :data:`MAX_SERVER_PACKS` uploaded packs and tried to import another."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This server already has {count} uploaded packs; remove one with `pack remove` first.",
                count=MAX_SERVER_PACKS,
            )
        )


class UnknownServerPack(MythOrFactError):
    """A moderator named a pack this server did not upload."""

    def __init__(self, pack_id: str) -> None:
        super().__init__(_("This server has no uploaded pack `{pack}`. See `pack list`.", pack=clip(pack_id, 40)))


@dataclass(slots=True)
class PackUpload:
    """A validated upload: the pack to import, the problems of items left out, and harmless notes."""

    pack: Pack
    source_format: UploadFormat
    rejected: list[PackProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def items_left_out(upload: PackUpload) -> int:
    """Return how many items of a partial upload were left out for their problems."""
    return len({problem.item for problem in upload.rejected})


def import_audit_detail(upload: PackUpload, filename: str) -> str:
    """Return the audit line of an imported pack, e.g. ``imported club (12 items) from club.toml; 2 items left out``."""
    detail = f"imported {upload.pack.id} ({len(upload.pack.items)} items) from {clip(filename, 60)}"
    left_out = items_left_out(upload)
    return f"{detail}; {left_out} items left out" if left_out else detail


def pack_removed_detail(pack_id: str, retired: int) -> str:
    """Return the audit line of a removed server pack, e.g. ``removed club (12 items)``."""
    return f"removed {pack_id} ({retired} items)"


def reset_detail(period: str, removed: int) -> str:
    """Return the audit line of a leaderboard reset, e.g. ``reset all: 40 rows``."""
    return f"reset {period}: {removed} rows"


def upload_format(filename: str) -> UploadFormat:
    """Return the format an uploaded file is in, from its extension; refuse other files."""
    lowered = filename.lower()
    for extension, kind in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return kind
    shown = clip(filename, 60).replace("`", "'")
    raise UploadRefused(
        _(
            "`{name}` is not a pack I can read: send a `.toml` pack, a Red trivia list (`.yaml`) or Open Trivia DB "
            "`.json`.",
            name=shown,
        )
    )


def check_upload_size(size: int) -> None:
    """Refuse a file over :data:`MAX_UPLOAD_BYTES` (called with the attachment's size, then with the bytes')."""
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            _(
                "That file is {size} KB; uploaded packs may be at most {limit} KB. Split it into smaller packs.",
                size=f"{size / 1024:,.0f}",
                limit=MAX_UPLOAD_BYTES // 1024,
            )
        )


def parse_upload(data: bytes, filename: str, *, partial: bool = False) -> PackUpload:
    """Validate an uploaded file into a pack; raise :class:`UploadRefused` listing every problem.

    Without ``partial`` any problem refuses the whole file; with it, the valid items are kept and the others are
    returned in :attr:`PackUpload.rejected` (problems with the pack itself still refuse the file).
    """
    name = re.split(r"[\\/]", filename)[-1].replace("`", "'") or "upload"
    kind = upload_format(name)
    check_upload_size(len(data))
    if kind == "toml":
        return _parse_toml(data, name, partial=partial)
    return _convert(data, name, kind, partial=partial)


def _refusal(name: str, problems: list[PackProblem]) -> UploadRefused:
    message = _n(
        "`{name}` has {count} problem, so nothing was imported.",
        "`{name}` has {count} problems, so nothing was imported.",
        len(problems),
        name=clip(name, 60),
    )
    return UploadRefused(message, problems)


def _parse_toml(data: bytes, name: str, *, partial: bool) -> PackUpload:
    try:
        document = tomli.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _refusal(name, [PackProblem(name, "is not UTF-8 text")]) from None
    except tomli.TOMLDecodeError as exc:
        raise _refusal(name, [PackProblem(name, f"is not valid TOML: {exc}")]) from None
    except RecursionError:
        raise _refusal(name, [PackProblem(name, "is not usable TOML: it is nested too deeply")]) from None
    try:
        return PackUpload(parse_pack(document, name), "toml")
    except PackError as exc:
        problems = exc.problems
    numbers = [_item_number(problem.item) for problem in problems]
    if not partial or None in numbers:
        raise _refusal(name, problems)
    bad = set(numbers)
    kept = [raw for index, raw in enumerate(document["items"], start=1) if index not in bad]
    if not kept:
        raise UploadRefused(_("`{name}` has no valid item, so nothing was imported.", name=clip(name, 60)), problems)
    return PackUpload(parse_pack({**document, "items": kept}, name), "toml", problems)


def _item_number(label: str | None) -> int | None:
    """Return the item number of a problem's label (``#3`` or ``#3 (id)``); ``None`` for the pack itself."""
    match = _ITEM_NUMBER.match(label or "")
    return int(match[1]) if match else None


def _skip_problem(name: str, skip: Skip) -> PackProblem:
    return PackProblem(name, skip.reason, repr(clip(skip.question, _SKIP_LABEL)))


def _convert(data: bytes, name: str, kind: UploadFormat, *, partial: bool) -> PackUpload:
    try:
        result = convert(data, name)
    except ImportRefused as exc:
        problems = [_skip_problem(name, skip) for skip in exc.skipped]
        raise _refusal(name, [PackProblem(name, str(exc)), *problems]) from None
    rejected = [_skip_problem(name, skip) for skip in result.skipped]
    if rejected and not partial:
        raise _refusal(name, rejected)
    return PackUpload(result.pack, kind, rejected, list(result.notes))


@dataclass(frozen=True, slots=True)
class ProblemListing:
    """Problems rendered for a chat message: what fits in it, and the full list when some did not fit."""

    text: str
    full_list: str | None = None


def list_problems(header: str, problems: list[PackProblem], limit: int = 2000) -> ProblemListing:
    """Render ``header`` and one line per problem in a code block of at most ``limit`` characters in all.

    Lines that do not fit are counted at the end, and the whole list is returned as plain text to attach.
    Backticks are replaced, so text from the file cannot break out of the code block.
    """
    lines = [clip(str(problem).replace("`", "'"), 300) for problem in problems]
    if not lines:
        return ProblemListing(clip(header, limit))
    tail_room = 80  # "…and 1,234 more: the full list is attached." plus the code fences
    budget = limit - len(header) - tail_room
    shown: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        shown.append(line)
        used += len(line) + 1
    text = header + "\n```text\n" + "\n".join(shown) + "\n```"
    rest = len(lines) - len(shown)
    if not rest:
        return ProblemListing(text)
    more = _("…and {count} more: the full list is attached.", count=f"{rest:,}")
    return ProblemListing(text + more, "\n".join(lines) + "\n")


def check_pack_id(pack_id: str, shipped: Iterable[str]) -> None:
    """Refuse a server pack id that a shipped pack uses, or that is reserved for custom facts."""
    if pack_id in RESERVED_PACK_IDS:
        raise UploadRefused(
            _("The pack id `{pack}` is reserved for this server's custom facts; choose another.", pack=pack_id)
        )
    if pack_id in set(shipped):
        raise UploadRefused(
            _(
                "The pack id `{pack}` belongs to a pack that ships with the bot; give your pack another id.",
                pack=pack_id,
            )
        )


def resolve_period(text: str, now: datetime, zone: tzinfo = UTC) -> str:
    """Turn ``all``, ``week`` (this ISO week in ``zone``) or a week key such as ``2026-W48`` into a period key."""
    cleaned = text.strip().lower()
    if cleaned == "week":
        return week_key(now, zone)
    cleaned = cleaned.upper() if cleaned != ALL_TIME else cleaned
    if not is_period(cleaned):
        raise MythOrFactError(
            _(
                "`{period}` is not a leaderboard: use `all`, `week` (this week) or a week such as `2026-W48`.",
                period=clip(text, 30),
            )
        )
    return cleaned


def period_name(period: str) -> str:
    """Describe a period key for people: ``the all-time leaderboard`` or ``the leaderboard of week 2026-W48``."""
    return "the all-time leaderboard" if period == ALL_TIME else f"the leaderboard of week {period}"


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What forgetting a member deleted or anonymised in one server."""

    scores: int = 0
    daily_answers: int = 0
    daily_streaks: int = 0
    role_grants: int = 0
    """Reward roles the bot gave (the cog takes the roles back too)."""
    disputes: int = 0
    suggestions_deleted: int = 0
    suggestions_anonymised: int = 0
    credits_cleared: int = 0
    review_items: int = 0
    """Myths and facts under personal review."""
    review_numbers: int = 0
    """The member's review streak and counts (an opt-out of review stays, so nothing is recorded again)."""
    global_scores: int = 0
    """The member's parts of the global board that came from this server."""
    global_name: int = 0
    """The name they opted in to show on the global board (1 if there was one)."""

    @property
    def total(self) -> int:
        """How many rows were touched in all."""
        return sum(getattr(self, entry.name) for entry in fields(self))


def oldest_week_kept(now: datetime) -> str:
    """Return the week key of the oldest weekly leaderboard the sweep keeps at ``now`` (see :data:`WEEKS_KEPT`)."""
    return week_key(now - timedelta(weeks=WEEKS_KEPT))


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What the retention sweep deleted for one departed server."""

    guild_id: int
    left_at: datetime
    rows: dict[str, int]
    """Rows deleted per table (items deleted with the server's packs included)."""

    @property
    def total(self) -> int:
        """How many rows were deleted in all."""
        return sum(self.rows.values())


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A server export rendered as JSON."""

    filename: str
    data: bytes
    truncated: dict[str, int]
    """Sections that had to be cut to fit the size limit, with how many rows were left out."""


def build_export(guild_id: int, sections: dict[str, Any], now: datetime, limit: int = EXPORT_MAX_BYTES) -> ExportFile:
    """Render a server's data as one JSON document of at most ``limit`` bytes.

    Discord ids are written as strings: they pass 2**53, where readers that keep every number as a double (JavaScript,
    most spreadsheets) would round them. Sections are written in full when they fit (indented, then compact).
    Otherwise the longest list is cut in half, repeatedly, keeping its first rows (the store lists the most useful
    first), and the document says how many rows each cut section left out.
    """
    kept = {name: ids_as_text(value) for name, value in sections.items()}
    truncated: dict[str, int] = {}
    while True:
        document = {
            "format": "myth-or-fact-export",
            "version": EXPORT_VERSION,
            "guild_id": str(guild_id),
            "exported_at": now.isoformat(timespec="seconds"),
            "truncated": truncated,
            "sections": kept,
        }
        for indent in (1, None):
            data = json.dumps(document, ensure_ascii=False, indent=indent, default=str).encode()
            if len(data) <= limit:
                filename = f"myth-or-fact-export-{guild_id}-{now:%Y%m%d-%H%M%S}.json"
                return ExportFile(filename, data, dict(truncated))
        lists = [name for name, value in kept.items() if isinstance(value, list) and value]
        if not lists:
            raise MythOrFactError(_("This server's export does not fit in one file, even cut down."))
        longest = max(lists, key=lambda name: len(kept[name]))
        rows = kept[longest]
        keep = len(rows) // 2
        truncated[longest] = truncated.get(longest, 0) + len(rows) - keep
        kept[longest] = rows[:keep]


def ids_as_text(value: Any, key: str | None = None) -> Any:
    """Return ``value`` (JSON-like: dicts, lists, scalars) with every Discord id, found by its field's name, as text.

    Lists and dicts are copied, so truncating the result leaves the store's rows alone.
    """
    if isinstance(value, dict):
        return {name: ids_as_text(item, name) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [ids_as_text(item, key) for item in value]
    if key in DISCORD_ID_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class AdminStore(Protocol):
    """What the bot needs from the database for data control."""

    async def shipped_pack_ids(self) -> set[str]:
        """Return the ids of every pack that ships with the bot (active or retired)."""
        ...

    async def import_server_pack(self, guild_id: int, pack: Pack, audit: AuditNote | None = None) -> SyncReport:
        """Add or update a server's own pack in one transaction (with ``audit``); items keep their keys on re-imports.

        Refuse (with :class:`UploadRefused`) a shipped or reserved pack id, or one pack too many.
        """
        ...

    async def remove_server_pack(self, guild_id: int, pack_id: str, actor_id: int | None = None) -> int:
        """Retire a server's uploaded pack and its items; return how many items were retired.

        With ``actor_id``, the removal is audited in the same transaction (:func:`pack_removed_detail`).
        """
        ...

    async def server_packs(self, guild_id: int) -> list[PackSummary]:
        """Return the active packs this server uploaded (custom facts included), with live item counts."""
        ...

    async def forget_member_data(self, guild_id: int, user_id: int) -> ForgetReport:
        """Delete a member's data in one server; keep facts they were credited for, without their id."""
        ...

    async def reset_leaderboard(self, guild_id: int, period: str, actor_id: int | None = None) -> int:
        """Delete one leaderboard (``all`` or a week key) of a server; return how many rows went.

        With ``actor_id``, the reset is audited in the same transaction (:func:`reset_detail`).
        """
        ...

    async def export_sections(self, guild_id: int) -> dict[str, Any]:
        """Gather everything the bot stores for a server, section by section, most useful rows first."""
        ...

    async def mark_departed(self, guild_id: int, left_at: datetime) -> None:
        """Record that the bot left a server (the first time counts if it is reported twice)."""
        ...

    async def clear_departed(self, guild_ids: Iterable[int]) -> int:
        """Forget departures of servers the bot is in again; return how many records went."""
        ...

    async def purge_departed(self, now: datetime, retention: timedelta) -> list[PurgeReport]:
        """Delete all data of servers the bot left at least ``retention`` before ``now``."""
        ...

    async def prune_weeks(self, before: str) -> int:
        """Delete every server's weekly leaderboards of weeks before ``before`` (a week key); return the rows deleted.

        Works through one server's week at a time, in small transactions, so writes never wait long.
        """
        ...
