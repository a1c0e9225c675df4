"""Importers: turn other trivia formats into our TOML packs, without Discord and without the file system.

Two formats are understood: Red-DiscordBot trivia lists (YAML ``question: [answers]`` with optional ``AUTHOR``,
``DESCRIPTION`` and ``CONFIG``) and Open Trivia Database JSON (the API response or a bare list of results).
:func:`convert` takes the bytes of a file and returns the pack as TOML text, already validated by
:func:`bot.core.packs.parse_pack`, plus the questions it had to skip and why. The CLI (``python -m bot packs import``)
wraps it; a moderator command can call it on an uploaded attachment the same way.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import tomli

from bot.core.errors import MythOrFactError
from bot.core.matching import is_correct
from bot.core.packs import ITEM_FIELDS, MAX_PACK_BYTES, PACK_FIELDS, Pack, PackError, PackProblem, parse_pack
from bot.core.text import clip

log = logging.getLogger(__name__)

Format = Literal["red", "opentdb"]

MAX_IMPORT_BYTES = MAX_PACK_BYTES
"""Larger files are refused before parsing; the pack written from them could not be loaded anyway."""
MAX_ITEM_ID = 48
MAX_TOPIC = 32
MAX_ANSWERS = 10
MAX_CHOICES = 4
RED_METADATA_KEYS = frozenset({"AUTHOR", "DESCRIPTION", "CONFIG", "URL", "$schema"})
"""Top-level keys of a Red list that are not questions. ``CONFIG`` (timeouts, scores) has no equivalent and is
ignored; ``URL`` is our addition: a page where readers can check the list, used as each item's source url."""
RED_DIFFICULTY = 2
OPENTDB_DIFFICULTY = {"easy": 1, "medium": 2, "hard": 3}
OPENTDB_SOURCE = {"title": "Open Trivia Database", "url": "https://opentdb.com/"}
OPENTDB_LICENSE = "CC-BY-SA-4.0"
OPENTDB_RESPONSE_CODES = {
    1: "no results",
    2: "invalid parameter",
    3: "session token not found",
    4: "session token has returned all questions",
    5: "rate limit exceeded",
}
PACK_VERSION = "1.0.0"
SKIP_LABEL_LENGTH = 40

_PLACEHOLDER_ITEM = {
    "id": "placeholder",
    "kind": "fact",
    "claim": "A placeholder used to check pack metadata.",
    "truth": "It is never written to a pack.",
    "topic": "placeholder",
    "difficulty": 1,
    "source": {"title": "Placeholder", "citation": "Placeholder"},
}


class ImportRefused(MythOrFactError):
    """A whole file cannot be imported; ``skipped`` lists the items passed over before that was clear.

    ``str(error)`` is one line meant to follow the file name, e.g. ``lists.yaml: is not valid YAML (…)``.
    """

    def __init__(self, message: str, skipped: Iterable[Skip] = ()) -> None:
        self.skipped = list(skipped)
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Skip:
    """One question that was not imported, and why."""

    question: str
    reason: str

    def __str__(self) -> str:
        """Render as ``skipped 'What is…': reason``."""
        return f"skipped {clip(self.question, SKIP_LABEL_LENGTH)!r}: {self.reason}"


@dataclass(slots=True)
class ImportResult:
    """A converted file: the pack as TOML text (valid per :func:`bot.core.packs.parse_pack`) and what was left out."""

    pack_id: str
    source_format: Format
    pack_toml: str
    pack: Pack
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Changes that did not cost a question, e.g. surplus answers dropped or an unusable AUTHOR ignored."""

    @property
    def imported(self) -> int:
        """How many items the pack holds."""
        return len(self.pack.items)


def convert(data: bytes, filename: str, pack_id: str | None = None) -> ImportResult:
    """Convert one Red trivia list or Open Trivia DB file into a pack; raise :class:`ImportRefused` if impossible.

    ``filename`` picks the format (``.yaml``/``.yml`` or ``.json``; otherwise the content decides) and, without
    ``pack_id``, the pack id. Nothing is read from or written to disk.
    """
    # A path from the file system may carry surrogate escapes (undecodable bytes) that UTF-8 cannot write.
    name = re.split(r"[\\/]", filename)[-1].encode("utf-8", "replace").decode("utf-8")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(f"is {len(data):,} bytes; files to import may be at most {MAX_IMPORT_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused("is not UTF-8 text") from exc
    if not text.strip():
        raise ImportRefused("is empty")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    resolved_id = _resolve_pack_id(pack_id, stem)
    source_format = detect_format(name, text)
    if source_format == "red":
        draft = _from_red(_load_yaml(text), stem, resolved_id)
    else:
        draft = _from_opentdb(_load_json(text), stem, resolved_id, topic_from_category=pack_id is None)
    return draft.finish(name)


def detect_format(filename: str, text: str) -> Format:
    """Guess the format from the file extension, or else from the first character of the content."""
    lowered = filename.lower()
    if lowered.endswith((".yaml", ".yml")):
        return "red"
    if lowered.endswith(".json"):
        return "opentdb"
    return "opentdb" if text.lstrip()[:1] in ("{", "[") else "red"


def slugify(text: str, limit: int) -> str:
    """Lowercase ``text`` into letters, digits and dashes, at most ``limit`` long, cut at a dash when possible."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[:limit]
        if slug[limit] != "-" and "-" in cut:
            cut = cut.rsplit("-", 1)[0]
        slug = cut.strip("-")
    return slug


def toml_string(text: str) -> str:
    """Quote ``text`` as a TOML basic string (JSON escapes are valid TOML; DEL is the one extra control)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


# -- parsing -----------------------------------------------------------------------------------


def _load_yaml(text: str) -> object:
    """Parse YAML keeping every scalar as the text the author wrote; refuse anchors and aliases."""
    # Imported here, not with the module: the bot imports this module at start-up (for uploads), and PyYAML costs
    # it about 8 ms there (and about 1 MB); only an imported Red list needs it.
    import yaml

    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                line = token.start_mark.line + 1
                raise ImportRefused(f"uses YAML anchors or aliases (line {line}), which trivia lists do not need")
        return yaml.load(text, Loader=loader)  # BaseLoader builds only str, list and dict
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ImportRefused(f"is not valid YAML ({where}{exc.problem or exc.context or 'syntax error'})") from exc
    except yaml.YAMLError as exc:
        raise ImportRefused(f"is not valid YAML ({_one_line(str(exc))})") from exc
    except RecursionError as exc:
        raise ImportRefused("is not usable YAML: it is nested too deeply") from exc


def _load_json(text: str) -> object:
    """Parse JSON, turning every failure into one readable line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise ImportRefused("is not usable JSON: it is nested too deeply") from exc
    except ValueError as exc:  # an integer over Python's 4,300-digit conversion limit
        raise ImportRefused("is not usable JSON: it has a number too long to read") from exc


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _file_label(name: str) -> str:
    """Return a file name fit for pack text: one line, mentions disarmed (a file "@everyone quiz" must not ping)."""
    return _one_line(name).replace("@", "@\u200b").replace("<", "‹").replace(">", "›")


def _clean(text: str) -> str:
    """Strip ``text`` and replace what cannot be written as UTF-8 (lone surrogates from JSON escapes)."""
    return text.encode("utf-8", "replace").decode("utf-8").strip()


def _type_name(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__


def _resolve_pack_id(pack_id: str | None, stem: str) -> str:
    if pack_id is not None:
        resolved = slugify(pack_id, MAX_TOPIC)
        if not resolved:
            raise ImportRefused(f"the pack id {pack_id!r} has no letters or digits to make an id from")
        return resolved
    resolved = slugify(stem, MAX_TOPIC)
    if not resolved:
        raise ImportRefused("has a name with no letters or digits to make a pack id from; give a pack id")
    return resolved


def _length_problem(what: str, text: str, lo: int, hi: int) -> str | None:
    if len(text) < lo:
        return f"{what} shorter than {lo} characters"
    if len(text) > hi:
        return f"{what} longer than {hi} characters"
    return None


# -- building a pack ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """A pack being assembled: metadata, accepted items, skips and notes."""

    source_format: Format
    meta: dict[str, str]
    items: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)

    def settle_meta(self, fallbacks: dict[str, str]) -> None:
        """Replace metadata the validator refuses (mentions, odd lengths) by ``fallbacks``, with a note."""
        for problem in _problems({"pack": self.meta, "items": [_PLACEHOLDER_ITEM]}):
            if problem.item == "[pack]" and problem.field in fallbacks:
                self.notes.append(f"{problem.field} not used ({problem.message}); using {fallbacks[problem.field]!r}")
                self.meta[problem.field] = fallbacks[problem.field]

    def skip(self, label: str, reason: str) -> None:
        """Record that the question ``label`` was left out because of ``reason``."""
        self.skipped.append(Skip(label, reason))

    def add(self, label: str, item: dict[str, Any]) -> None:
        """Give ``item`` a unique id from ``label`` and keep it if the pack validator accepts it, else skip it."""
        item_id = self._unique_id(label)
        candidate = {"id": item_id, **item}
        problems = _problems({"pack": self.meta, "items": [candidate]})
        if problems:
            first = problems[0]
            self.skip(label, f"{first.field} {first.message}" if first.field else first.message)
            return
        self._ids.add(item_id)
        self.items.append(candidate)

    def _unique_id(self, label: str) -> str:
        candidate, number = slugify(label, MAX_ITEM_ID) or "item", 1
        while candidate in self._ids:
            number += 1
            suffix = f"-{number}"
            candidate = (slugify(label, MAX_ITEM_ID - len(suffix)) or "item") + suffix
        return candidate

    def finish(self, filename: str) -> ImportResult:
        """Render the TOML, check it parses and validates, and wrap it up; refuse a pack with no items."""
        if not self.items:
            raise ImportRefused(
                f"has no question that could be imported ({len(self.skipped)} skipped)", skipped=self.skipped
            )
        text = _render(self.meta, self.items, filename, self.source_format)
        size = len(text.encode("utf-8"))
        if size > MAX_PACK_BYTES:
            raise ImportRefused(
                f"would become a pack of {size:,} bytes, over the {MAX_PACK_BYTES:,}-byte limit; split it into "
                "smaller files",
                skipped=self.skipped,
            )
        pack_file = f"{self.meta['id']}.toml"
        pack = parse_pack(tomli.loads(text), pack_file)  # a PackError here is a bug in this module
        log.info("converted %s: %d items, %d skipped", filename, len(pack.items), len(self.skipped))
        return ImportResult(pack.id, self.source_format, text, pack, self.skipped, self.notes)


def _problems(data: dict[str, Any]) -> list[PackProblem]:
    """Return what the pack validator says about ``data`` (empty when it is valid)."""
    try:
        parse_pack(data, "import")
    except PackError as exc:
        return exc.problems
    return []


def _render(meta: dict[str, str], items: list[dict[str, Any]], filename: str, source_format: Format) -> str:
    origin = "a Red-DiscordBot trivia list" if source_format == "red" else "Open Trivia Database JSON"
    safe_name = re.sub(r"[\x00-\x1f\x7f]", "?", filename)
    lines = [f"# Imported by `python -m bot packs import` from {safe_name} ({origin}).", "[pack]"]
    lines += [f"{key} = {_toml_value(meta[key])}" for key in PACK_FIELDS]
    for item in items:
        lines += ["", "[[items]]"]
        lines += [f"{key} = {_toml_value(item[key])}" for key in ITEM_FIELDS if key in item]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(entry) for entry in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml_value(entry)}" for key, entry in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to a pack")


# -- Red-DiscordBot trivia lists ---------------------------------------------------------------


def _from_red(doc: object, list_name: str, pack_id: str) -> _Draft:
    if doc is None:
        raise ImportRefused("is empty")
    if not isinstance(doc, dict):
        raise ImportRefused(
            f"is not a Red trivia list: expected a mapping of question: [answers], not {_type_name(doc)}"
        )
    notes: list[str] = []
    author = _red_meta_text(doc, "AUTHOR", 100, notes) or "unknown author"
    default_description = clip(f"Imported from the Red-DiscordBot trivia list {_file_label(list_name)}.", 300)
    description = _red_meta_text(doc, "DESCRIPTION", 300, notes) or default_description
    draft = _Draft(
        "red",
        {
            "id": pack_id,
            "name": clip(_file_label(list_name), 80) or pack_id,
            "description": description,
            "author": author,
            "license": "unknown",
            "version": PACK_VERSION,
        },
        notes=notes,
    )
    draft.settle_meta({"author": "unknown author", "description": default_description, "name": pack_id})
    source: dict[str, str] = {"title": clip(f"Red-DiscordBot trivia list {_file_label(list_name)}", 200)}
    url = _red_meta_text(doc, "URL", 500, notes)
    if url and re.match(r"^https?://[^\s/]+\.\S+$", url):
        source["url"] = url
    elif url:
        notes.append(f"URL not used: {url!r} is not an http(s) address")
    source["citation"] = clip(draft.meta["author"], 300)

    for key, value in doc.items():
        if key in RED_METADATA_KEYS:
            continue
        question = _clean(str(key))
        answers, reason = _red_answers(value)
        reason = reason or _length_problem("question", question, 10, 300)
        if reason:
            draft.skip(question, reason)
            continue
        untypeable = [answer for answer in answers if not is_correct(answer, [answer])]
        if untypeable:
            answers = [answer for answer in answers if answer not in untypeable]
            shown = ", ".join(repr(answer) for answer in untypeable)
            if not answers:
                draft.skip(question, f"no answer a typed guess could match ({shown})")
                continue
            draft.notes.append(
                f"dropped {shown} from the answers of {clip(question, SKIP_LABEL_LENGTH)!r}: no typed guess matches it"
            )
        if len(answers) > MAX_ANSWERS:
            draft.notes.append(
                f"kept the first {MAX_ANSWERS} of {len(answers)} answers for {clip(question, SKIP_LABEL_LENGTH)!r}"
            )
            answers = answers[:MAX_ANSWERS]
        if any(len(answer) > 100 for answer in answers):
            draft.skip(question, "answer longer than 100 characters")
            continue
        draft.add(
            question,
            {
                "kind": "question",
                "topic": pack_id,
                "difficulty": RED_DIFFICULTY,
                "source": dict(source),
                "question": question,
                "answers": answers,
            },
        )
    return draft


def _red_meta_text(doc: dict[str, Any], key: str, limit: int, notes: list[str]) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        notes.append(f"{key} not used: it is {_type_name(value)}, not text")
        return None
    return clip(_one_line(_clean(value)), limit) or None


def _red_answers(value: object) -> tuple[list[str], str | None]:
    """Return the distinct non-blank answers in order, or a reason to skip the question."""
    if isinstance(value, str) and not value.strip():
        return [], "empty answer list"
    if not isinstance(value, list):
        return [], f"answers are {_type_name(value)}, not a list"
    answers: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(value, start=1):
        if not isinstance(raw, str):
            return [], f"answer {number} is {_type_name(raw)}, not text"
        answer = _clean(raw)
        if answer and answer.casefold() not in seen:
            seen.add(answer.casefold())
            answers.append(answer)
    if not answers:
        return [], "empty answer list"
    return answers, None


# -- Open Trivia Database ----------------------------------------------------------------------


def _from_opentdb(doc: object, stem: str, pack_id: str, *, topic_from_category: bool) -> _Draft:
    results = _opentdb_results(doc)
    categories = {text for r in results if isinstance(r, dict) and (text := _opentdb_text(r, "category"))}
    name = next(iter(categories)) if len(categories) == 1 else _file_label(stem)
    label = _file_label(stem)
    default_description = clip(f"Questions from the Open Trivia Database (opentdb.com), imported from {label}.", 300)
    draft = _Draft(
        "opentdb",
        {
            "id": pack_id,
            "name": clip(name, 80) or pack_id,
            "description": default_description,
            "author": "Open Trivia Database contributors",
            "license": OPENTDB_LICENSE,
            "version": PACK_VERSION,
        },
    )
    draft.settle_meta({"name": pack_id, "description": f"Questions from the Open Trivia Database ({pack_id})."})
    for number, result in enumerate(results, start=1):
        if not isinstance(result, dict):
            draft.skip(f"result {number}", f"is {_type_name(result)}, not an object")
            continue
        label = _opentdb_text(result, "question") or f"result {number}"
        reason, item = _opentdb_item(result)
        if item is None:
            draft.skip(label, reason or "cannot be imported")
            continue
        category = _opentdb_text(result, "category") or ""
        item["topic"] = (slugify(category, MAX_TOPIC) if topic_from_category else "") or pack_id
        draft.add(label, item)
    return draft


def _opentdb_results(doc: object) -> list[Any]:
    if isinstance(doc, list):
        results = doc
    elif isinstance(doc, dict):
        code = doc.get("response_code", 0)
        if code != 0:
            meaning = OPENTDB_RESPONSE_CODES.get(code, "unknown code") if isinstance(code, int) else "not a number"
            raise ImportRefused(f"is an Open Trivia DB error response (response_code {code!r}: {meaning})")
        results = doc.get("results")
        if not isinstance(results, list):
            raise ImportRefused("is not an Open Trivia DB response: it has no 'results' list")
    else:
        raise ImportRefused(f"is not Open Trivia DB JSON: expected an object or a list, not {_type_name(doc)}")
    if not results:
        raise ImportRefused("has no questions")
    first = next((r for r in results if isinstance(r, dict)), {})
    if first.get("type") in ("bXVsdGlwbGU=", "Ym9vbGVhbg=="):
        raise ImportRefused("is base64-encoded; download it from opentdb.com with the default encoding")
    question = first.get("question")
    if isinstance(question, str) and "%20" in question and " " not in question:
        raise ImportRefused("is URL-encoded; download it from opentdb.com with the default encoding")
    return results


def _opentdb_text(result: dict[str, Any], key: str) -> str | None:
    """Return the field ``key`` with HTML entities decoded, or None when it is missing or not text."""
    value = result.get(key)
    return _clean(_unescape(value)) if isinstance(value, str) else None


def _unescape(text: str) -> str:
    """Decode HTML entities (``&quot;``, ``&#039;``) as Open Trivia DB writes them."""
    import html  # here, not at import: its table of entities costs about 1 MB in every process otherwise

    return html.unescape(text)


def _opentdb_item(result: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """Build the item for one result, or return the reason it cannot be imported."""
    kind = result.get("type")
    if kind not in ("multiple", "boolean"):
        return f"unknown type {clip(repr(kind), 30)} (expected 'multiple' or 'boolean')", None
    text = _opentdb_text(result, "question")
    correct = _opentdb_text(result, "correct_answer")
    if text is None:
        return "question is missing or not text", None
    if correct is None:
        return "correct_answer is missing or not text", None
    raw_difficulty = result.get("difficulty")
    difficulty = OPENTDB_DIFFICULTY.get(raw_difficulty.lower(), 2) if isinstance(raw_difficulty, str) else 2
    base: dict[str, Any] = {"difficulty": difficulty, "source": dict(OPENTDB_SOURCE)}
    if kind == "boolean":
        if problem := _length_problem("statement", text, 10, 300):
            return problem, None
        verdict = correct.casefold()
        if verdict not in ("true", "false"):
            return f"correct_answer {clip(repr(correct), 30)} is neither True nor False", None
        is_true = verdict == "true"
        return None, {
            "kind": "fact" if is_true else "myth",
            "claim": text,
            "truth": "This statement is true." if is_true else "This statement is false.",
            **base,
        }
    if problem := _length_problem("question", text, 10, 300):
        return problem, None
    raw_wrong = result.get("incorrect_answers")
    if not isinstance(raw_wrong, list) or not all(isinstance(w, str) for w in raw_wrong):
        return "incorrect_answers is not a list of text", None
    wrong = [w for w in (_clean(_unescape(w)) for w in raw_wrong) if w][: MAX_CHOICES - 1]
    if not correct:
        return "empty answer list", None
    if not wrong:
        return "no incorrect answers to offer as choices", None
    if len(correct) > 100:
        return "answer longer than 100 characters", None
    choices = [correct, *wrong]
    if any(len(choice) > 80 for choice in choices):
        return "choice longer than 80 characters", None
    if len({choice.casefold() for choice in choices}) != len(choices):
        return "choices are not all different", None
    # Sorted, so the right answer is not always first but the pack is the same on every import.
    choices.sort(key=lambda choice: (choice.casefold(), choice))
    return None, {"kind": "question", "question": text, "answers": [correct], "choices": choices, **base}
