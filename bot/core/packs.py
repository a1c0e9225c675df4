"""Fact packs: TOML files of sourced myths and facts, parsed and validated without Discord.

See ``docs/pack-format.md`` for the format. Every problem is reported as a :class:`PackProblem` naming
the file, the item and the field, so a pack author can fix it without reading code.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import tomli

from bot.core.i18n import DEFAULT_LOCALE, LANGUAGES

Kind = Literal["myth", "fact", "question"]
KINDS: tuple[Kind, ...] = ("myth", "fact", "question")
"""A myth's claim is false, a fact's claim is true; a question is a quiz-only item (question and answers)."""

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_PACK_BYTES = 2_000_000
_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")
_MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(\s*<?\s*(https?:|www\.)", re.IGNORECASE)
_WEB_ADDRESS = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_NETLOC = re.compile(r"https?://([^/?#]*)")
"""The network location of an address, as ``urlsplit`` cuts it (up to the first ``/``, ``?`` or ``#``)."""
_NOT_IN_ADDRESS = re.compile(r"[<>\s\"]")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _has_mention(text: str) -> bool:
    """Whether ``text`` mentions @everyone, @here, a member, a role or a channel (the cheap test first)."""
    return ("@" in text or "<#" in text) and _MENTION.search(text) is not None


def _has_markdown_link(text: str) -> bool:
    """Whether ``text`` holds a Markdown link to a web address (every such link has ``](``)."""
    return "](" in text and _MARKDOWN_LINK.search(text) is not None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a reader can check an item: a title plus a URL or a citation."""

    title: str
    url: str | None = None
    citation: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One myth or fact, as written in a pack."""

    id: str
    kind: Kind
    claim: str
    truth: str
    topic: str
    difficulty: int
    source: Source
    tags: tuple[str, ...] = ()
    question: str | None = None
    answers: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    checked: str | None = None
    """The day (YYYY-MM-DD) a contributor last checked the item against its source."""


@dataclass(frozen=True, slots=True)
class Pack:
    """A validated pack: metadata and items."""

    id: str
    name: str
    description: str
    author: str
    license: str
    version: str
    items: tuple[Item, ...]
    path: Path | None = None
    digest: str | None = None
    """The :func:`file_digest` of the file the pack was read from (``None`` when it was not read from a file)."""
    language: str = DEFAULT_LOCALE
    """The language its claims and truths are written in (a code of :data:`bot.core.i18n.LANGUAGES`)."""


@dataclass(frozen=True, slots=True)
class PackProblem:
    """One validation problem, located by file, item and field."""

    file: str
    message: str
    item: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        """Render as ``file: item 'x', field 'y': message``."""
        where = [self.file]
        if self.item is not None:
            where.append(f"item {self.item}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class PackError(Exception):
    """A pack could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[PackProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(slots=True)
class _Checker:
    """Collects problems for one item (or the pack table, or an item's source) while reading its fields."""

    file: str
    item: str | None
    table: dict[str, Any]
    problems: list[PackProblem] = field(default_factory=list)
    prefix: str = ""
    """Put before every field's name (``source.``), for the fields of a nested table."""

    def fail(self, field_name: str | None, message: str) -> None:
        where = f"{self.prefix}{field_name}" if field_name else self.prefix.rstrip(".") or None
        self.problems.append(PackProblem(self.file, message, self.item, where))

    def text(self, name: str, lo: int, hi: int, *, required: bool = True, plain: bool = True) -> str | None:
        value = self.table.get(name)
        if value is None:
            if required:
                self.fail(name, "is missing")
            return None
        if not isinstance(value, str):
            self.fail(name, f"must be text, not {_type_name(value)}")
            return None
        value = value.strip()
        if not lo <= len(value) <= hi:
            self.fail(name, f"must be {lo}-{hi} characters long (it is {len(value)})")
            return None
        if plain and ("@" in value or "<#" in value or "](" in value):  # what the two checks below look for
            if _has_mention(value):
                self.fail(name, "must not contain mentions such as @everyone or <@id>")
                return None
            if _has_markdown_link(value):
                self.fail(name, "must not contain Markdown links; put the address in source.url and the bot links it")
                return None
        return value

    def slug(self, name: str, hi: int) -> str | None:
        value = self.text(name, 1, hi)
        if value is not None and not SLUG.match(value):
            self.fail(name, f"{value!r} must use only lowercase letters, digits and dashes")
            return None
        return value

    def text_list(self, name: str, lo: int, hi: int, item_max: int, *, required: bool = False) -> tuple[str, ...]:
        value = self.table.get(name)
        if value is None:
            if required:
                self.fail(name, "is missing")
            return ()
        if not isinstance(value, list):
            self.fail(name, f"must be a list of text, not {_type_name(value)}")
            return ()
        if not lo <= len(value) <= hi:
            self.fail(name, f"must have {lo}-{hi} entries (it has {len(value)})")
            return ()
        out: list[str] = []
        for index, entry in enumerate(value, start=1):
            stripped = entry.strip() if isinstance(entry, str) else ""
            if not stripped:
                self.fail(name, f"entry {index} must be non-empty text")
                return ()
            if len(stripped) > item_max:
                self.fail(name, f"entry {index} is longer than {item_max} characters")
                return ()
            if ("@" in stripped or "<#" in stripped) and _has_mention(stripped):
                self.fail(name, f"entry {index} must not contain mentions")
                return ()
            out.append(stripped)
        return tuple(out)

    def unknown_keys(self, allowed: frozenset[str]) -> None:
        if self.table.keys() <= allowed:
            return
        for key in sorted(self.table.keys() - allowed):
            self.fail(key, "is not a known field (check the spelling against docs/pack-format.md)")


PACK_FIELDS = ("id", "name", "description", "author", "license", "version")
OPTIONAL_PACK_FIELDS = ("language",)
"""[pack] fields with a default: ``language`` is ``en`` unless given."""
# Fields in the order docs/pack-format.md lists them (importers write them in this order).
ITEM_FIELDS = (
    "id",
    "kind",
    "claim",
    "truth",
    "topic",
    "tags",
    "difficulty",
    "source",
    "question",
    "answers",
    "choices",
    "checked",
)
_PACK_FIELD_SET, _ITEM_FIELD_SET = frozenset(PACK_FIELDS + OPTIONAL_PACK_FIELDS), frozenset(ITEM_FIELDS)
_SOURCE_FIELDS = frozenset(("title", "url", "citation"))


def _type_name(value: object) -> str:
    return {
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _is_web_address(url: str) -> bool:
    """Whether ``url`` is an http(s) address a reader can open: a host with a dot, no spaces or angle brackets."""
    if not _WEB_ADDRESS.match(url) or _NOT_IN_ADDRESS.search(url):
        return False
    netloc = _NETLOC.match(url).group(1)  # type: ignore[union-attr]  # _WEB_ADDRESS matched, so this does
    if netloc.isascii() and "[" not in netloc and "]" not in netloc:
        host = netloc.rpartition("@")[2].partition(":")[0]  # what urlsplit's hostname is (before lower-casing)
    else:  # IPv6 brackets or other letters: let urlsplit judge (and refuse) it
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return False
    return "." in host and not host.startswith(".") and not host.endswith(".")


def _parse_source(check: _Checker) -> Source | None:
    raw = check.table.get("source")
    if raw is None:
        check.fail("source", "is missing: every item needs a source a reader can check")
        return None
    if not isinstance(raw, dict):
        check.fail("source", 'must be a table like { title = "...", url = "https://..." }')
        return None
    sub = _Checker(check.file, check.item, raw, check.problems, prefix="source.")
    problems_before = len(check.problems)
    title = sub.text("title", 1, 200)
    url = sub.text("url", 8, 500, required=False)
    citation = sub.text("citation", 1, 300, required=False)
    sub.unknown_keys(_SOURCE_FIELDS)
    if url is not None and not _is_web_address(url):
        sub.fail("url", f"{url!r} must be a web address like https://example.org/page")
        url = None
    if url is None and citation is None and "url" not in raw and "citation" not in raw:
        sub.fail(None, "needs a url or a citation")
    if len(check.problems) > problems_before or title is None:
        return None
    return Source(title=title, url=url, citation=citation)


def _parse_checked(check: _Checker) -> str | None:
    """Read the optional ``checked`` date; TOML dates and ``"YYYY-MM-DD"`` text are both accepted."""
    raw = check.table.get("checked")
    if raw is None:
        return None
    text = raw.isoformat() if isinstance(raw, date) and not isinstance(raw, datetime) else raw
    day = _iso_day(text) if isinstance(text, str) else None
    if day is None:
        check.fail(
            "checked", f"{raw!r} must be a date like 2026-12-03 (the day the item was checked against its source)"
        )
    return day


@functools.lru_cache(maxsize=64)
def _iso_day(text: str) -> str | None:
    """Return a ``YYYY-MM-DD`` day as ``date`` writes it, or None if it is no such day (most items share a few)."""
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _parse_item(file: str, index: int, raw: object) -> tuple[Item | None, list[PackProblem]]:
    label = f"#{index}"
    if not isinstance(raw, dict):
        return None, [PackProblem(file, "must be a table ([[items]])", label)]
    raw_id = raw.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        label = f"#{index} ({raw_id.strip()})"
    check = _Checker(file, label, raw)
    item_id = check.slug("id", 48)
    kind = raw.get("kind")
    if kind is None:
        check.fail("kind", 'is missing (use "myth", "fact" or "question")')
    elif kind not in KINDS:
        check.fail("kind", f'{kind!r} must be "myth", "fact" or "question"')
    is_question = kind == "question"
    claim = check.text("claim", 10, 300, required=not is_question)
    truth = check.text("truth", 10, 1000, required=not is_question)
    topic = check.slug("topic", 32)
    tags = check.text_list("tags", 0, 10, 32)
    difficulty = raw.get("difficulty")
    if difficulty is None:
        check.fail("difficulty", "is missing (1 easy, 2 medium, 3 hard)")
    elif type(difficulty) is not int or difficulty not in (1, 2, 3):
        check.fail("difficulty", f"{difficulty!r} must be 1, 2 or 3")
    source = _parse_source(check)
    question = check.text("question", 10, 300, required=False)
    answers = check.text_list("answers", 1, 10, 100, required="question" in raw or is_question)
    if is_question and "question" not in raw:
        check.fail("question", "is missing: a question item needs a question and answers")
    choices = check.text_list("choices", 2, 4, 80)
    if "answers" in raw and "question" not in raw:
        check.fail("answers", "needs a question")
    if choices:
        if not answers:
            check.fail("choices", "need a question and answers")
        elif answers[0] not in choices:
            check.fail("choices", f"must contain the first answer {answers[0]!r}")
        if len({c.casefold() for c in choices}) != len(choices):
            check.fail("choices", "must all be different")
    checked = _parse_checked(check)
    check.unknown_keys(_ITEM_FIELD_SET)
    if check.problems:
        return None, check.problems
    assert item_id and topic and source  # guaranteed when no problems were found
    return (
        Item(
            id=item_id,
            kind=kind,
            claim=claim or "",
            truth=truth or "",
            topic=topic,
            difficulty=difficulty,
            source=source,
            tags=tags,
            question=question,
            answers=answers,
            choices=choices,
            checked=checked,
        ),
        [],
    )


def parse_pack(data: dict[str, Any], file: str, path: Path | None = None, digest: str | None = None) -> Pack:
    """Validate already-decoded TOML ``data``; raise :class:`PackError` listing every problem."""
    problems: list[PackProblem] = []
    meta = data.get("pack")
    if not isinstance(meta, dict):
        raise PackError([PackProblem(file, "has no [pack] table with id, name, description, author, license, version")])
    check = _Checker(file, None, meta)
    pack_id = check.slug("id", 32)
    name = check.text("name", 1, 80)
    description = check.text("description", 1, 300)
    author = check.text("author", 1, 100)
    license_ = check.text("license", 1, 64)
    version = check.text("version", 1, 32)
    language = meta.get("language", DEFAULT_LOCALE)
    if language not in LANGUAGES:
        check.fail("language", f"must be one of {', '.join(LANGUAGES)} (the language the items are written in)")
    check.unknown_keys(_PACK_FIELD_SET)
    problems.extend(PackProblem(p.file, p.message, "[pack]", p.field) for p in check.problems)

    for key in sorted(set(data) - {"pack", "items"}):
        problems.append(PackProblem(file, f"unknown top-level key {key!r}; items go in [[items]] tables"))
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append(PackProblem(file, "has no [[items]]"))
        raw_items = []

    items: list[Item] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_items, start=1):
        item, item_problems = _parse_item(file, index, raw)
        problems.extend(item_problems)
        if item is None:
            continue
        if item.id in seen:
            problems.append(
                PackProblem(file, f"duplicate id {item.id!r} (first used by item #{seen[item.id]})", f"#{index}", "id")
            )
            continue
        seen[item.id] = index
        items.append(item)

    if problems:
        raise PackError(problems)
    assert pack_id and name and description and author and license_ and version
    return Pack(pack_id, name, description, author, license_, version, tuple(items), path, digest, language)


LOADER_VERSION = 3
"""Part of every :func:`file_digest`. Raise it when reading packs or storing their items changes, so that the next
start reads and syncs every file again instead of trusting what an older loader stored."""


def file_digest(content: bytes) -> str:
    """Return the digest that says a pack file is unchanged: SHA-256 of the loader's version and the file's bytes."""
    return hashlib.sha256(b"%d\n%s" % (LOADER_VERSION, content)).hexdigest()


@dataclass(frozen=True, slots=True)
class PackFile:
    """A pack file as the store last synced it: its name, :func:`file_digest`, pack id and item count."""

    name: str
    digest: str
    pack_id: str
    items: int


def read_pack(path: Path) -> Pack:
    """Read and validate one pack file; raise :class:`PackError` with file/item/field problems."""
    content = _read_bytes(path)
    return _decode_pack(path, content, file_digest(content))


def _read_bytes(path: Path) -> bytes:
    """Return a pack file's bytes; raise :class:`PackError` if it is too big or cannot be read."""
    file = path.name
    try:
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            raise PackError([PackProblem(file, f"is {size:,} bytes; packs may be at most {MAX_PACK_BYTES:,} bytes")])
        return path.read_bytes()
    except OSError as exc:
        raise PackError([PackProblem(file, f"cannot be read: {exc.strerror or exc}")]) from exc


def _decode_pack(path: Path, content: bytes, digest: str) -> Pack:
    """Parse and validate a pack file's bytes; raise :class:`PackError` with file/item/field problems."""
    file = path.name
    try:
        data = tomli.loads(content.decode())
    except UnicodeDecodeError as exc:
        raise PackError([PackProblem(file, "is not valid UTF-8 text")]) from exc
    except tomli.TOMLDecodeError as exc:
        raise PackError([PackProblem(file, f"is not valid TOML: {exc}")]) from exc
    except RecursionError as exc:  # tomli refuses arrays or inline tables nested over 400 levels deep
        raise PackError([PackProblem(file, "is not usable TOML: it is nested too deeply")]) from exc
    return parse_pack(data, file, path, digest)


@dataclass(slots=True)
class PackScan:
    """The result of reading a folder of packs: the good ones, and the problems of the bad ones."""

    packs: list[Pack] = field(default_factory=list)
    problems: list[PackProblem] = field(default_factory=list)
    unchanged: list[PackFile] = field(default_factory=list)
    """Files whose bytes match what the store last synced (see ``synced`` in :func:`scan_packs`): not parsed."""


def scan_packs(directory: Path, synced: Mapping[str, PackFile] | None = None) -> PackScan:
    """Read every ``*.toml`` pack in ``directory``; a bad pack is reported and the others still load.

    A file listed in ``synced`` with the same :func:`file_digest` is not parsed again: it goes to
    ``unchanged`` (its items are in the store already). Without ``synced`` every file is parsed and checked.
    """
    scan = PackScan()
    scan.packs.extend(read_packs(directory, scan, synced))
    return scan


def read_packs(directory: Path, scan: PackScan, synced: Mapping[str, PackFile] | None = None) -> Iterator[Pack]:
    """Yield the good packs of ``directory`` one file at a time, as :func:`scan_packs` reads them.

    The problems and the unchanged files go to ``scan`` as they are found (its ``packs`` stay as they are), so a
    caller can write each pack while the next file is read; ``scan`` is complete once the iterator is.
    """
    owners: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            content = _read_bytes(path)
            digest = file_digest(content)
            known = (synced or {}).get(path.name)
            found: Pack | PackFile = known if known and known.digest == digest else _decode_pack(path, content, digest)
        except PackError as exc:
            scan.problems.extend(exc.problems)
            continue
        pack_id = found.pack_id if isinstance(found, PackFile) else found.id
        if pack_id in owners:
            scan.problems.append(
                PackProblem(path.name, f"pack id {pack_id!r} is already used by {owners[pack_id]}", "[pack]", "id")
            )
            continue
        owners[pack_id] = path.name
        if isinstance(found, PackFile):
            scan.unchanged.append(found)
        else:
            yield found
