"""Backend-neutral pieces of the storage backends: ids, row mappers, migrations, ranking, rotation and exports.

Each backend keeps its own SQL (the dialects differ); what does not depend on the dialect lives here once, so
SQLite and PostgreSQL cannot drift apart. Row mappers accept what either driver returns: SQLite hands back ISO
strings and JSON text, PostgreSQL ``datetime``/``date``/``time`` objects and decoded JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import orjson

from bot.core.adaptive import ItemRecord, QuizPool
from bot.core.catalog import AuditEntry, QuizChooser, StoredItem
from bot.core.cluster import ShardSet
from bot.core.content import DisputedItem, DisputeReason, Suggestion
from bot.core.daily import DailyPost, DailySchedule, DailyStreak, PostStatus
from bot.core.errors import BadSearch, MythOrFactError, StoreError
from bot.core.global_board import GlobalRow, member_key
from bot.core.i18n import DEFAULT_LOCALE
from bot.core.packs import Item, Pack, PackFile, Source
from bot.core.review import MASTERED, NO_STREAK, ReviewCard, ReviewStats, ReviewStreak
from bot.core.rewards import RewardKind, RoleGrant, RoleReward
from bot.core.scores import ALL_TIME, BoardKey, PlayerResult, ScoreRow, is_period
from bot.core.settings import SettingsStore
from bot.core.teams import TeamQuizRecord, TeamRow, team_key
from bot.core.text import clip

log = logging.getLogger(__name__)

Row = Mapping[str, Any]
"""A database row, by column name (``aiosqlite.Row`` and ``asyncpg.Record`` both read like this)."""

# -- ids and items ------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "pk, pack_id, item_id, kind, claim, truth, topic, difficulty, source_title, source_url, "
    "source_citation, tags, question, answers, choices"
)
"""The columns :func:`item_from_row` reads, in a form ready for ``SELECT``."""

JSON_LIST_COLUMNS = frozenset({"tags", "answers", "choices"})
"""Item columns that hold a JSON list."""


def server_pack_id(guild_id: int, pack_id: str) -> str:
    """Return the database id of a pack that belongs to one server: ``<guild id>~<pack id>``."""
    return f"{guild_id}~{pack_id}"


def pool_name(pool: str, languages: Sequence[str] | None) -> str:
    """Return a rotation pool's name for a server's pack languages (``fact:*@de+en``, ``fact:*@all``).

    A server that changes its languages so starts a fresh cycle, rather than one counting items it no longer gets.
    English alone keeps the bare name, the one every pool had before packs had languages.
    """
    if languages is None:
        return f"{pool}@all"
    return pool if tuple(languages) == (DEFAULT_LOCALE,) else f"{pool}@{'+'.join(sorted(languages))}"


def public_pack_id(db_pack_id: str) -> str:
    """Return the pack id users see: a server pack's id without its server part."""
    return db_pack_id.rpartition("~")[2]


def content_hash(item: Item) -> str:
    """Return a digest of everything an item shows, so an unchanged item is not rewritten on start-up.

    The fields are encoded with orjson (several times faster than ``json`` here); a change of this encoding changes
    every digest, so it goes with a new :data:`bot.core.packs.LOADER_VERSION`.
    """
    payload = orjson.dumps(
        (
            item.kind,
            item.claim,
            item.truth,
            item.topic,
            item.difficulty,
            item.source.title,
            item.source.url,
            item.source.citation,
            item.tags,
            item.question,
            item.answers,
            item.choices,
        )
    )
    return hashlib.sha256(payload).hexdigest()


def json_text(values: tuple[str, ...]) -> str:
    """Return a list column's value as the SQLite store keeps it (JSON text; most lists are empty)."""
    return json.dumps(values) if values else "[]"


def synced_files(packs: Iterable[Pack]) -> list[PackFile]:
    """Return the :class:`PackFile` of every pack read from a file, as ``sync_packs`` records them."""
    return [
        PackFile(pack.path.name, pack.digest, pack.id, len(pack.items))
        for pack in packs
        if pack.path is not None and pack.digest is not None
    ]


def packs_to_retire(
    active: Iterable[Mapping[str, Any]], packs: Iterable[Pack], failed_files: set[str], unchanged: Iterable[PackFile]
) -> list[str]:
    """Return the ids of the active shipped packs (rows with ``id`` and ``file``) whose file is gone.

    A pack whose file failed validation keeps its items; so does one whose file was skipped as unchanged.
    """
    loaded = {pack.id for pack in packs} | {file.pack_id for file in unchanged}
    return [row["id"] for row in active if row["id"] not in loaded and row["file"] not in failed_files]


def pack_file_rows(files: Iterable[PackFile]) -> list[tuple[str, str, str, int]]:
    """Return the ``pack_files`` rows (file, digest, pack id, items) of the files synced."""
    return [(file.name, file.digest, file.pack_id, file.items) for file in files]


def pack_row(pack: Pack, db_pack_id: str) -> tuple[str, ...]:
    """Return a pack's ``packs`` columns: id, name, description, author, licence, version, file, language."""
    return (
        db_pack_id,
        pack.name,
        pack.description,
        pack.author,
        pack.license,
        pack.version,
        pack.path.name if pack.path else pack.id,
        pack.language,
    )


ItemRow = Callable[[str, Item, str, int | None, int | None], tuple]
"""A backend's parameters of one item's upsert: (db pack id, item, content hash, guild id, author id)."""

StoredItems = dict[str, dict[str, tuple[int, str, int]]]
"""The items a store holds, by db pack id, then item id: (pk, content hash, retired)."""


def stored_items_by_pack(rows: Iterable[Row]) -> StoredItems:
    """Group rows of ``pk, pack_id, item_id, content_hash, retired`` as :data:`StoredItems`."""
    stored: StoredItems = {}
    for row in rows:
        stored.setdefault(row["pack_id"], {})[row["item_id"]] = (row["pk"], row["content_hash"], row["retired"])
    return stored


@dataclass(frozen=True, slots=True)
class ItemChanges:
    """What writing some packs changes: the rows to write, the keys to retire, and the counts of the report."""

    rows: list[tuple]
    """The backend's :data:`ItemRow` of each new or edited item, in the packs' order."""
    retire: list[int]
    """Keys of live items that the packs no longer have."""
    added: int
    updated: int
    unchanged: int


def item_changes(
    packs: Sequence[tuple[Pack, str]], stored: StoredItems, item_row: ItemRow, guild_id: int | None
) -> ItemChanges:
    """Compare packs' items (each pack with its db id) with the ``stored`` ones; the packs' entries leave ``stored``."""
    rows: list[tuple] = []
    retire: list[int] = []
    added = updated = unchanged = 0
    for pack, db_pack_id in packs:
        before = stored.pop(db_pack_id, {})
        for item in pack.items:
            previous = before.pop(item.id, None)
            digest = content_hash(item)
            if previous is None:
                added += 1
            elif previous[1] == digest and previous[2] == 0:
                unchanged += 1
                continue
            else:
                updated += 1
            rows.append(item_row(db_pack_id, item, digest, guild_id, None))
        retire += [pk for pk, _, was_retired in before.values() if not was_retired]
    return ItemChanges(rows, retire, added, updated, unchanged)


def json_list(value: str | list | tuple) -> list:
    """Return a JSON list column's value as a list, whether the driver decoded it or not."""
    return json.loads(value) if isinstance(value, str) else list(value)


def item_from_row(row: Row) -> StoredItem:
    """Build a :class:`StoredItem` from a row holding :data:`ITEM_COLUMNS`."""
    return StoredItem(
        pk=row["pk"],
        pack_id=public_pack_id(row["pack_id"]),
        id=row["item_id"],
        kind=row["kind"],
        claim=row["claim"],
        truth=row["truth"],
        topic=row["topic"],
        difficulty=row["difficulty"],
        source=Source(row["source_title"], row["source_url"], row["source_citation"]),
        tags=tuple(json_list(row["tags"])),
        question=row["question"],
        answers=tuple(json_list(row["answers"])),
        choices=tuple(json_list(row["choices"])),
    )


# -- times ----------------------------------------------------------------------------------------


def utc(moment: datetime) -> datetime:
    """Return an aware moment in UTC; refuse a naive datetime (the database never guesses a zone)."""
    if moment.tzinfo is None:
        raise ValueError(f"times must be timezone-aware, not {moment!r}")
    return moment.astimezone(UTC)


def iso_moment(moment: datetime) -> str:
    """Return a moment as text the way the SQLite store keeps it: UTC, ISO 8601 with microseconds."""
    return utc(moment).isoformat(timespec="microseconds")


def as_moment(value: str | datetime) -> datetime:
    """Return a stored moment (ISO text or a driver's datetime) as an aware datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_day(value: str | date) -> date:
    """Return a stored day (``YYYY-MM-DD`` or a driver's date) as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def as_clock(value: str | time) -> time:
    """Return a stored wall-clock time (``HH:MM`` or a driver's time) as a time."""
    return time.fromisoformat(value) if isinstance(value, str) else value


def reward_from_row(row: Row) -> RoleReward:
    """Build a :class:`RoleReward` from ``guild_id, role_id, kind, threshold, paused_reason``."""
    return RoleReward(row["guild_id"], row["role_id"], RewardKind(row["kind"]), row["threshold"], row["paused_reason"])


def grant_from_row(row: Row) -> RoleGrant:
    """Build a :class:`RoleGrant` from ``guild_id, role_id, user_id``."""
    return RoleGrant(row["guild_id"], row["role_id"], row["user_id"])


def audit_from_row(row: Row) -> AuditEntry:
    """Build an :class:`AuditEntry` from a row with ``user_id, action, detail, at``."""
    return AuditEntry(row["user_id"], row["action"], row["detail"], as_moment(row["at"]))


def suggestion_from_row(row: Row) -> Suggestion:
    """Build a :class:`Suggestion` from a ``suggestions`` row."""
    return Suggestion(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        claim=row["claim"],
        truth=row["truth"],
        topic=row["topic"],
        source=row["source"],
        status=row["status"],
        created_at=as_moment(row["created_at"]),
        reviewed_by=row["reviewed_by"],
        item_pk=row["item_pk"],
    )


# -- content and its audit lines --------------------------------------------------------------


def custom_fact_detail(verb: str, number: int, claim: str) -> str:
    """Return the audit line of a custom fact ``verb`` (added, edited, removed)."""
    return f"{verb} custom/{number}: {clip(claim, 120)}"


def review_detail(status: str, suggestion_id: int, ref: str | None, claim: str) -> str:
    """Return the audit line of a reviewed suggestion (approved ones name the custom fact they became)."""
    became = f" as {ref}" if ref else ""
    return f"{status} suggestion #{suggestion_id}{became}: {clip(claim, 100)}"


def hide_detail(ref: str, closed: int) -> str:
    """Return the audit line of hiding an item in a server."""
    return f"hid {ref} in this server and closed {closed} dispute{'s' * (closed != 1)}"


def unhide_detail(ref: str) -> str:
    """Return the audit line of putting a hidden item back into a server's rotation."""
    return f"unhid {ref} in this server"


def dismiss_detail(ref: str, closed: int) -> str:
    """Return the audit line of dismissing an item's disputes."""
    return f"dismissed {closed} dispute{'s' * (closed != 1)} of {ref}"


def disputed_items_from_rows(items: list[Row], reason_rows: Iterable[Row], reasons: int) -> list[DisputedItem]:
    """Build :class:`DisputedItem` entries, each with up to ``reasons`` reasons (``reason_rows`` newest first)."""
    by_item: dict[int, list[DisputeReason]] = {row["pk"]: [] for row in items}
    for row in reason_rows:
        shown = by_item[row["item_pk"]]
        if len(shown) < reasons:
            shown.append(DisputeReason(row["user_id"], row["reason"]))
    return [
        DisputedItem(row["pk"], row["ref"], row["kind"], row["text"], row["disputes"], tuple(by_item[row["pk"]]))
        for row in items
    ]


# -- migrations -----------------------------------------------------------------------------------

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: version ``number`` is reached by running ``sql``."""

    number: int
    name: str
    sql: str


def read_migrations(directory: Path) -> list[Migration]:
    """Read ``NNNN_name.sql`` files in order; numbers must run 1, 2, 3… without gaps."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise StoreError(f"migration file {path.name} must be named like 0001_description.sql")
        migrations.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(migrations, start=1):
        if migration.number != expected:
            raise StoreError(f"migration {migration.name} should be number {expected:04d}")
    return migrations


def check_not_newer(current: int, latest: int) -> None:
    """Refuse a database whose schema is newer than the code (rather than guess at it)."""
    if current > latest:
        raise StoreError(
            f"the database is at schema version {current}, but this version of the bot only knows up to "
            f"{latest}. Run a newer version of the bot, or restore a backup made by this version."
        )


# -- settings -------------------------------------------------------------------------------------


async def keep_new_pack_enabled(store: SettingsStore, guild_id: int, pack_id: str) -> None:
    """Add a server's newly created pack (custom facts, an upload) to its enabled packs, if it limits them.

    Otherwise a server that had turned some packs off would never see its own new content.
    """
    settings = await store.server_settings(guild_id)
    if settings.packs and pack_id not in settings.packs:
        try:
            await store.update_server_settings(guild_id, {"packs": [*settings.packs, pack_id]})
        except MythOrFactError as exc:  # the list is full: the moderators can make room with `config packs`
            log.warning("Guild %s's new pack %s stays off: %s", guild_id, pack_id, exc)


# -- rotation and search --------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
SEARCH_WORDS = 12
"""At most this many words of a search are used."""


def search_words(text: str) -> list[str]:
    """Return the words of a search (lower case, two letters or more); raise :class:`BadSearch` if none."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1][:SEARCH_WORDS]
    if not words:
        raise BadSearch()
    return words


def fold_diacritics(text: str) -> str:
    """Return ``text`` without accents (``café`` → ``cafe``), as the search index keeps words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def quiz_pool_sql(select: str, choose: QuizChooser | None, pool: str = "") -> str:
    """Return the query of a quiz pool from ``select`` (rows of ``pk, difficulty`` from ``items``), in pk order.

    With ``choose`` (adaptive difficulty), each row also carries the item's answer counts, in the server
    (``:guild``) and overall, and the answers to every item of ``pool`` (a query of the pool's pks), for
    :func:`draw_from`. The counts are joined around the pool's query, whose own columns (``items.answers`` among
    them) stay unambiguous.
    """
    if choose is None:
        return f"{select} ORDER BY pk"
    return f"""SELECT candidate.pk, candidate.difficulty,
                   COALESCE(here.answers, 0) AS server_answers, COALESCE(here.correct_answers, 0) AS server_correct,
                   COALESCE(overall.answers, 0) AS overall_answers,
                   COALESCE(overall.correct_answers, 0) AS overall_correct,
                   everywhere.answers AS pool_answers, everywhere.correct AS pool_correct
               FROM ({select}) AS candidate
               LEFT JOIN guild_item_stats AS here ON here.guild_id = :guild AND here.item_pk = candidate.pk
               LEFT JOIN item_stats AS overall ON overall.item_pk = candidate.pk
               CROSS JOIN (SELECT COALESCE(SUM(answers), 0) AS answers, COALESCE(SUM(correct_answers), 0) AS correct
                           FROM item_stats WHERE item_pk IN ({pool})) AS everywhere
               ORDER BY candidate.pk"""


def draw_from(rows: Sequence[Row], count: int, rng: random.Random, choose: QuizChooser | None) -> list[int]:
    """Return up to ``count`` pks of a quiz pool's ``rows``: at random, or as ``choose`` prefers."""
    if choose is None:
        return rng.sample([row["pk"] for row in rows], min(count, len(rows)))
    records = tuple(
        ItemRecord(
            row["pk"],
            row["difficulty"],
            row["server_answers"],
            row["server_correct"],
            row["overall_answers"],
            row["overall_correct"],
        )
        for row in rows
    )
    answers, correct = (int(rows[0]["pool_answers"]), int(rows[0]["pool_correct"])) if rows else (0, 0)
    return choose(QuizPool(records, answers, correct), count)[:count]


def refill_from_new_cycle(
    chosen: list[int],
    everything: Sequence[Row],
    last: int | None,
    count: int,
    rng: random.Random,
    choose: QuizChooser | None = None,
) -> list[int]:
    """Top ``chosen`` up to ``count`` from a new cycle of ``everything`` (pool rows), not reopening on ``last``."""
    rest = [row for row in everything if row["pk"] not in chosen and row["pk"] != last]
    rest = rest or [row for row in everything if row["pk"] not in chosen]
    return chosen + draw_from(rest, count - len(chosen), rng, choose)


# -- scores ---------------------------------------------------------------------------------------

NEAR_MISSES_KEPT = 20
"""Distinct near misses kept per item and server; the least frequent (then oldest) are dropped beyond this."""
NEAR_MISSES_SHOWN = 3
"""Near misses attached to each :class:`bot.core.scores.ItemStats`."""
GUESS_LENGTH = 100
LEVEL_BITS = 8
"""Each level of ``rank_buckets`` is ``bucket >> 8`` of the one below (the migrations and the SQL agree)."""
MIN_POINTS, MAX_POINTS = -(2**63), 2**63 - 1
SEEK_FROM_OFFSET = 5_000
"""From this offset on, a page first finds where it starts through ``rank_buckets`` (three small queries)
instead of stepping over every member above it in the index (read at call time, so tests can lower it)."""


PRUNE_BATCH = 1_000
"""Weekly score rows deleted per transaction by the retention sweep (read at call time, so tests can lower it)."""


def check_week(week: str) -> None:
    """Raise :class:`ValueError` unless ``week`` is an ISO week key (not ``all``)."""
    if week == ALL_TIME or not is_period(week):
        raise ValueError(f"{week!r} is not an ISO week key such as '2026-W48'")


def check_period(period: str) -> None:
    """Raise :class:`ValueError` unless ``period`` is ``all`` or an ISO week key."""
    if not is_period(period):
        raise ValueError(f"{period!r} is not a leaderboard period: use 'all' or an ISO week such as '2026-W48'")


def count_guesses(guesses: Iterable[str]) -> Counter[str]:
    """Count near misses after normalising them (spaces collapsed, case folded, clipped); empty ones go."""
    normalized = (" ".join(guess.split()).casefold()[:GUESS_LENGTH] for guess in guesses)
    return Counter(filter(None, normalized))


def score_row(row: Row, position: int) -> ScoreRow:
    """Build a :class:`ScoreRow` from a row with the score columns."""
    return ScoreRow(
        position=position,
        user_id=row["user_id"],
        points=row["points"],
        correct=row["correct"],
        rounds=row["rounds"],
        best_streak=row["best_streak"],
        fastest_ms=row["fastest_ms"],
    )


BucketFinder = Callable[[int, int, int, int], Awaitable[Row | None]]
"""``find(level, low, high, remaining)``: the bucket of ``level`` between ``low`` and ``high`` holding the member
``remaining`` places below the top of that range, with ``bucket`` and ``above`` (members in higher buckets)."""
PageReader = Callable[[int, int], Awaitable[list[Row]]]
"""``read(points, skip)``: the page starting ``skip`` members into those with at most ``points`` points."""


async def seek_start(find_bucket: BucketFinder, offset: int) -> tuple[int, int] | None:
    """Return the points of the member ``offset`` places down the board and how many members have more.

    Walks ``rank_buckets`` from the coarsest level down, adding up whole buckets of members ahead.
    Return ``None`` when the board has no more than ``offset`` members.
    """
    ahead = 0
    low, high = MIN_POINTS, MAX_POINTS
    bucket = 0
    for level in (2, 1, 0):
        row = await find_bucket(level, low, high, offset - ahead)
        if row is None:
            return None
        bucket = row["bucket"]
        ahead += row["above"]
        low, high = bucket << LEVEL_BITS, (bucket << LEVEL_BITS) + (1 << LEVEL_BITS) - 1
    return bucket, ahead


async def leaderboard_page(read_page: PageReader, find_bucket: BucketFinder, offset: int) -> list[ScoreRow]:
    """Return the page at ``offset``; equal points share a position (the first member's comes with the rows)."""
    points, skip = MAX_POINTS, offset
    if offset >= SEEK_FROM_OFFSET:
        start = await seek_start(find_bucket, offset)
        if start is None:
            return []
        points, ahead = start
        skip = offset - ahead
    rows = await read_page(points, skip)
    page = []
    position = rows[0]["first_position"] if rows else 1
    for index, row in enumerate(rows):
        if index and row["points"] != rows[index - 1]["points"]:
            position = offset + index + 1
        page.append(score_row(row, position))
    return page


def page_beside_key(rows: list[Row]) -> list[ScoreRow]:
    """Return a page found from a :class:`BoardKey` (rows best first), with positions.

    Each row carries ``first_position``, the position of the page's highest points, and ``first_tied``, how many
    members have those points (some may be on the page before). A later points value on the page is reached after
    all of those and the rows between, so its position follows without knowing how deep the page is.
    """
    if not rows:
        return []
    top, position, tied = rows[0]["points"], rows[0]["first_position"], rows[0]["first_tied"]
    page = []
    for index, row in enumerate(rows):
        if row["points"] != top and row["points"] != rows[index - 1]["points"]:
            below_top = sum(1 for earlier in rows[:index] if earlier["points"] != top)
            position = rows[0]["first_position"] + tied + below_top
        page.append(score_row(row, position))
    return page


def key_params(guild_id: int, period: str, key: BoardKey, limit: int) -> dict[str, object]:
    """Return the query parameters of a page beside ``key``; raise :class:`ValueError` for a bad period or limit."""
    check_period(period)
    if limit < 0:
        raise ValueError("limit must not be negative")
    return {
        "guild": guild_id,
        "period": period,
        "points": key.points,
        "correct": key.correct,
        "user": key.user_id,
        "limit": limit,
    }


def near_misses_by_item(rows: Iterable[Row]) -> dict[int, list[str]]:
    """Group near misses (rows of ``item_pk, guess``, most relevant first) by item, a few each."""
    misses: dict[int, list[str]] = {}
    for row in rows:
        shown = misses.setdefault(row["item_pk"], [])
        if len(shown) < NEAR_MISSES_SHOWN:
            shown.append(row["guess"])
    return misses


# -- team board -----------------------------------------------------------------------------------


TEAM_BOARD_TABLES = ("team_scores", "team_quizzes")
"""The tables of a server's team board, emptied with its all-time leaderboard."""


def team_score_params(record: TeamQuizRecord, played_at: object) -> list[tuple[Any, ...]]:
    """Return the team board upsert's parameters for a quiz: guild, team key, name, wins, points, when played.

    ``played_at`` is the moment as the backend keeps it. A name given twice in one record is refused: the board adds
    each team once per quiz. Rows come in key order, so two quizzes of one server write their rows in one order.
    """
    keyed = sorted(((team_key(team.name), team) for team in record.teams), key=lambda pair: pair[0])
    if len({key for key, _ in keyed}) != len(keyed):
        raise ValueError(f"team quiz {record.quiz_key}: a team appears more than once")
    return [(record.guild_id, key, team.name, int(team.won), team.points, played_at) for key, team in keyed]


def team_row(row: Row) -> TeamRow:
    """Build a :class:`TeamRow` from a row of the team board."""
    return TeamRow(
        position=row["position"], name=row["name"], wins=row["wins"], quizzes=row["quizzes"], points=row["points"]
    )


def check_page(offset: int, limit: int) -> None:
    """Refuse a negative offset or limit."""
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")


# -- cluster --------------------------------------------------------------------------------------


def shard_scope(shards: ShardSet | None) -> tuple[int | None, tuple[int, ...]]:
    """Return ``(shard count, shard ids)`` to filter servers by, or ``(None, ())`` for every server.

    A server's shard is ``(guild_id >> 22) % count`` (see :meth:`ShardSet.serves`); the SQL of each backend says so.
    """
    if shards is None or shards.everything:
        return None, ()
    return shards.count, shards.ids


# -- daily ----------------------------------------------------------------------------------------


def schedule_from_row(row: Row) -> DailySchedule:
    """Build a :class:`DailySchedule` from a ``daily_schedules`` row."""
    return DailySchedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        post_time=as_clock(row["post_time"]),
        zone=row["zone"],
        topic=row["topic"],
        next_due=as_moment(row["next_due"]),
        paused_reason=row["paused_reason"],
    )


def post_from_row(row: Row) -> DailyPost:
    """Build a :class:`DailyPost` from a ``daily_posts`` row."""
    return DailyPost(
        guild_id=row["guild_id"],
        day=as_day(row["day"]),
        item_pk=row["item_pk"],
        channel_id=row["channel_id"],
        status=PostStatus(row["status"]),
        message_id=row["message_id"],
        claimed_at=as_moment(row["claimed_at"]),
    )


def next_streak(row: Row, correct: bool) -> tuple[int, int]:
    """Return a member's ``(current, best)`` after an answer, from their streak row and the previous post's day.

    ``row`` has ``current, best, last_day`` (``NULL`` for a first answer) and ``previous_day``; the streak continues
    when the member's last right answer was to the server's previous post.
    """
    continued = row["last_day"] is not None and row["last_day"] == row["previous_day"]
    current = ((row["current"] if continued else 0) + 1) if correct else 0
    return current, max(row["best"] or 0, current)


def streak_from_row(row: Row) -> DailyStreak:
    """Build a member's :class:`DailyStreak` from ``current, best, last_day, before_latest``.

    ``current`` counts only while the member answered one of the server's last two posts.
    """
    last_day = as_day(row["last_day"])
    before_latest = row["before_latest"]
    alive = before_latest is None or last_day >= as_day(before_latest)
    return DailyStreak(row["current"] if alive else 0, row["best"], last_day)


# -- personal review ------------------------------------------------------------------------------

REVIEW_CARD_COLUMNS = (
    "items.pk, items.pack_id, items.item_id, items.kind, items.claim, items.truth, items.topic, items.difficulty, "
    "items.source_title, items.source_url, items.source_citation, items.tags, items.question, items.answers, "
    "items.choices, review_items.step, review_items.due_on, review_items.missed_at"
)
"""The columns :func:`review_card_from_row` reads, from ``review_items`` joined with ``items``."""


def review_card_from_row(row: Row) -> ReviewCard:
    """Build a :class:`ReviewCard` from a row holding :data:`REVIEW_CARD_COLUMNS`."""
    return ReviewCard(item_from_row(row), row["step"], as_day(row["due_on"]), as_moment(row["missed_at"]))


def review_streak_from_row(row: Row | None) -> ReviewStreak:
    """Build a member's :class:`ReviewStreak` from ``streak_current, streak_best, last_review_day`` (or no row)."""
    if row is None or row["last_review_day"] is None:
        return NO_STREAK
    return ReviewStreak(row["streak_current"], row["streak_best"], as_day(row["last_review_day"]))


def review_stats_from_rows(steps: Iterable[Row], member: Row | None) -> ReviewStats:
    """Build :class:`ReviewStats` from per-step rows (``step, cards, due``) and the member's ``review_members`` row."""
    learning = [0] * MASTERED
    mastered = due = 0
    for row in steps:
        if row["step"] >= MASTERED:
            mastered += row["cards"]
        else:
            learning[row["step"]] += row["cards"]
        due += row["due"] or 0
    reviews = member["reviews"] if member else 0
    correct = member["correct_reviews"] if member else 0
    return ReviewStats(due, tuple(learning), mastered, review_streak_from_row(member), reviews, correct)


# -- copying whole databases -----------------------------------------------------------------


def foreign_key_order(tables: Iterable[str], references: dict[str, set[str]]) -> list[str]:
    """Return ``tables`` so that each comes after the tables it references (alphabetical where free)."""
    ordered: list[str] = []
    waiting = sorted(tables)
    while waiting:
        ready = [table for table in waiting if not (references.get(table, set()) & set(waiting)) - {table}]
        if not ready:  # a cycle: keep the rest alphabetical (no such schema here)
            ready = waiting[:1]
        ordered.append(ready[0])
        waiting.remove(ready[0])
    return ordered


# -- exports --------------------------------------------------------------------------------------


def export_value(key: str, value: Any) -> Any:
    """Turn one stored value into plain JSON: lists decoded, pack ids public, times as ISO text."""
    if key in JSON_LIST_COLUMNS and isinstance(value, str):
        return json.loads(value)
    if key in ("pack_id", "id") and isinstance(value, str):
        return public_pack_id(value)
    if isinstance(value, datetime):
        return iso_moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    return value


def export_row(row: Row) -> dict[str, Any]:
    """Turn a row into a JSON object without its ``guild_id`` (see :func:`export_value`)."""
    return {key: export_value(key, row[key]) for key in row.keys() if key != "guild_id"}  # noqa: SIM118


# -- the global board -----------------------------------------------------------------------------

GLOBAL_BOARD = 0
"""The pseudo-server whose leaderboard in ``scores`` is the global board (no Discord id is 0; see the migrations).
Its rows are keyed by :func:`bot.core.global_board.member_key`, kept as the sums of ``global_parts`` by triggers."""


def global_part_rows(
    guild_id: int, week: str, players: Iterable[PlayerResult], secret: str
) -> list[tuple[int, str, int, int, int, int]]:
    """Return ``global_parts`` rows (guild, period, user, member key, points, correct) of players' results.

    One row per player for the all-time board and one for the UTC ``week``, ordered by period, then user id, so
    that writers of the board's rows lock them in one order.
    """
    ordered = sorted(players, key=lambda player: player.user_id)
    return [
        (guild_id, period, player.user_id, member_key(secret, player.user_id), player.points, int(player.correct))
        for period in (ALL_TIME, week)
        for player in ordered
    ]


def joining_part_rows(guild_id: int, scores: Iterable[Row], secret: str) -> list[tuple]:
    """Return the ``global_parts`` rows (all time) of a server that joins the global board, from its all-time rows.

    ``scores`` rows have ``user_id, points, correct, rounds``; the parts are (guild, period, user, member key, points,
    correct, rounds).
    """
    return [
        (
            guild_id,
            ALL_TIME,
            row["user_id"],
            member_key(secret, row["user_id"]),
            row["points"],
            row["correct"],
            row["rounds"],
        )
        for row in scores
    ]


class GlobalBoardReads:
    """The reading half of :class:`bot.core.global_board.GlobalBoardStore`, over a backend's leaderboard queries.

    The global board is the leaderboard of :data:`GLOBAL_BOARD`, so its pages are the backend's own pages; this adds
    the members' names and finds a member's line by their key. The host class (a backend's score queries) provides
    the :class:`bot.core.scores.ScoreStore` reads these call, ``_global_secret()`` (the secret of the member keys)
    and ``_global_names(keys)`` (the name snapshots of those who opted in, by key).
    """

    async def _with_names(self, rows: list[ScoreRow]) -> list[GlobalRow]:
        names = await self._global_names([row.user_id for row in rows]) if rows else {}
        return [GlobalRow(row.position, row.key, row.rounds, names.get(row.user_id)) for row in rows]

    async def global_top(self, period: str, offset: int = 0, limit: int = 10) -> list[GlobalRow]:
        """Return a page of the global board of ``period`` (``"all"`` or a UTC week key), best first."""
        return await self._with_names(await self.top_scores(GLOBAL_BOARD, period, offset, limit))

    async def global_after(self, period: str, key: BoardKey, limit: int = 10) -> list[GlobalRow]:
        """Return the ``limit`` lines after ``key`` on the global board (the next page)."""
        return await self._with_names(await self.scores_after(GLOBAL_BOARD, period, key, limit))

    async def global_before(self, period: str, key: BoardKey, limit: int = 10) -> list[GlobalRow]:
        """Return the ``limit`` lines just before ``key`` on the global board (the previous page)."""
        return await self._with_names(await self.scores_before(GLOBAL_BOARD, period, key, limit))

    async def global_count(self, period: str) -> int:
        """Return how many members are on the global board of ``period``."""
        return await self.count_players(GLOBAL_BOARD, period)

    async def global_rank(self, period: str, user_id: int) -> GlobalRow | None:
        """Return a member's line on the global board, or ``None`` if they have no points there."""
        row = await self.member_rank(GLOBAL_BOARD, period, member_key(await self._global_secret(), user_id))
        return (await self._with_names([row]))[0] if row is not None else None
