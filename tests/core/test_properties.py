"""Property tests (hypothesis): pack parsing, importers and answer matching survive any input.

Each test states what must hold for every input the strategy can draw, not for a few hand-picked cases:
the pack reader either returns a pack whose items keep every documented limit or raises ``PackError`` whose
problems name the file (and the item and field); the importers return a valid pack or a one-line
``ImportRefused``; the matcher returns a bool and behaves like a fair quizmaster on the answer itself.

The "myth-or-fact" profile is derandomised (the same examples on every run, so CI failures reproduce) and
writes no example database. Set ``MOF_HYPOTHESIS_PROFILE=explore`` for a longer, randomised search; a failure
there prints the seed and a ``@reproduce_failure`` blob.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.core.importers import MAX_IMPORT_BYTES, ImportRefused, convert, toml_string
from bot.core.matching import AnswerMatcher, is_correct, is_near_miss, normalize
from bot.core.packs import (
    ITEM_FIELDS,
    KINDS,
    MAX_PACK_BYTES,
    PACK_FIELDS,
    SLUG,
    Item,
    Pack,
    PackError,
    parse_pack,
    read_pack,
    scan_packs,
)

settings.register_profile(
    "myth-or-fact",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "explore",
    derandomize=False,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_PROFILE_NAME = os.environ.get("MOF_HYPOTHESIS_PROFILE", "myth-or-fact")
_PROFILE = settings.get_profile(_PROFILE_NAME)
_SCALE = 20 if _PROFILE_NAME == "explore" else 1
# Generous enough never to trip on a busy CI machine, small enough to flag a pathological (super-linear) input.
SLOW_INPUT = timedelta(seconds=5)


def examples(count: int, *, deadline: timedelta | None = None) -> settings:
    """Settings for one test: the module profile with ``count`` examples (more under the explore profile)."""
    return settings(_PROFILE, max_examples=count * _SCALE, deadline=deadline)


MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")

# -- shared text strategies ------------------------------------------------------------------------------

ODD_CHARACTERS = (
    "\x00\x07\t\n\r\x1b\x7f\x85\u00a0\u00ad\u0301\u0308\u034f\u061c\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202e\u2066\u2069\u2028\u2029\u3000\ufeff\ufffd\ufffe"
    "ßİıǅﬁﷺ½²①⑴Ⅷ𐩀᧚٣۳߃" + "аеорсοαשלוםمرحبا一二三" + "👍🏽👨‍👩‍👧🇫🇷"
)
"""Control, zero-width, bidi, combining, look-alike, non-decimal digit and emoji characters, mixed into text."""

odd_text = st.text(alphabet=st.sampled_from(ODD_CHARACTERS + "abcXYZ019 .,:;!?@<>#&-_'\"/"), max_size=40)
huge_text = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(["a", "é", " ", "\u200b", "\u202e", "👍🏽", "\x00", "ab cd ", "@", "-"]),
    st.integers(min_value=0, max_value=5000),
)
mentions = st.sampled_from(["@everyone", "@here", "<@123>", "<@!42>", "<@&7>", "<#99>", "hi @everyone there"])
nasty_text = st.one_of(
    st.text(max_size=60),
    odd_text,
    huge_text,
    mentions,
    st.sampled_from(["", " ", "\t\n", "Venus", "x" * 9, "x" * 10, "x" * 300, "x" * 301, "a-b", "A-B", "-a"]),
)

# -- packs ------------------------------------------------------------------------------------------------

toml_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
toml_values = st.recursive(
    toml_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
"""Anything ``tomllib`` can produce: text, numbers, booleans, dates and times, nested in lists and tables."""


def _table(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Tables whose keys are mostly the documented ones (so validation goes deep) with arbitrary values."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), toml_values, max_size=len(keys) + 2)


arbitrary_documents = st.one_of(
    st.dictionaries(st.text(max_size=8), toml_values, max_size=4),
    st.fixed_dictionaries(
        {"pack": _table(PACK_FIELDS), "items": st.lists(_table(ITEM_FIELDS) | toml_values, max_size=3)},
        optional={"extra": toml_values, "source": toml_values},
    ),
    st.fixed_dictionaries(
        {
            "pack": _table(PACK_FIELDS),
            "items": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={key: toml_values for key in ITEM_FIELDS}
                    | {"source": _table(("title", "url", "citation"))},
                ),
                max_size=3,
            ),
        }
    ),
)


_VISIBLE = "abcdefghijKLMNOPé’,.?"


def _letters(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Plain text without mentions, with no surrounding spaces, ``min_size`` (at least 2) to ``max_size`` long."""
    ends = st.sampled_from(_VISIBLE)
    middle = st.text(alphabet=_VISIBLE + " ", min_size=max(0, min_size - 2), max_size=max_size - 2)
    return st.builds(lambda first, inner, last: first + inner + last, ends, middle, ends)


slugs = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("abcxyz0129"),
    st.text(alphabet="abcxyz0129-", max_size=20),
)
sources = st.one_of(
    st.fixed_dictionaries({"title": _letters(2, 40), "url": st.just("https://example.org/page")}),
    st.fixed_dictionaries({"title": _letters(2, 40), "citation": _letters(2, 40)}),
)


@st.composite
def valid_items(draw: st.DrawFn, item_id: str) -> dict[str, Any]:
    """One valid item: a myth or fact (optionally with quiz fields) or a quiz-only question."""
    kind = draw(st.sampled_from(KINDS))
    item: dict[str, Any] = {
        "id": item_id,
        "kind": kind,
        "topic": draw(slugs),
        "difficulty": draw(st.sampled_from([1, 2, 3])),
        "source": draw(sources),
    }
    if kind != "question":
        item["claim"] = draw(_letters(10, 60))
        item["truth"] = draw(_letters(10, 60))
    if draw(st.booleans()):
        item["tags"] = draw(st.lists(_letters(2, 10), max_size=3))
    if kind == "question" or draw(st.booleans()):
        item["question"] = draw(_letters(10, 60))
        answers = draw(st.lists(_letters(2, 20), min_size=1, max_size=3))
        item["answers"] = answers
        if draw(st.booleans()):
            others = draw(st.lists(_letters(2, 20), max_size=3))
            choices = list(dict.fromkeys([answers[0].strip(), *others]))[:4]
            if len({choice.casefold() for choice in choices}) == len(choices) >= 2:
                item["choices"] = choices
    return item


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A decoded pack that the validator must accept."""
    count = draw(st.integers(min_value=1, max_value=3))
    return {
        "pack": {
            "id": draw(slugs),
            "name": draw(_letters(2, 30)),
            "description": draw(_letters(2, 60)),
            "author": draw(_letters(2, 30)),
            "license": "CC-BY-4.0",
            "version": "1.0.0",
        },
        "items": [draw(valid_items(f"item-{number}")) for number in range(1, count + 1)],
    }


GOOD_ITEM = {
    "id": "venus-hottest",
    "kind": "fact",
    "claim": "Venus is the hottest planet in the solar system.",
    "truth": "Its thick carbon dioxide atmosphere traps heat.",
    "topic": "space",
    "difficulty": 2,
    "source": {"title": "Venus", "url": "https://en.wikipedia.org/wiki/Venus"},
}

nasty_values = st.one_of(
    st.none(),  # the field is removed
    nasty_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.lists(nasty_text, max_size=12),
    st.lists(toml_values, max_size=3),
    st.dictionaries(st.text(max_size=8), toml_values, max_size=3),
)


def _set(table: dict[str, Any], key: str, value: object) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value


def assert_problems_are_located(error: PackError, file: str) -> None:
    """Every problem names the file; a field is only ever named together with its item (or ``[pack]``)."""
    assert error.problems
    for problem in error.problems:
        assert problem.file == file
        assert isinstance(problem.message, str)
        assert problem.message.strip()
        if problem.field is not None:
            assert problem.item is not None, problem
        assert str(problem).startswith(file)
    assert str(error)


def assert_pack_keeps_the_limits(pack: Pack) -> None:
    """Check every limit in docs/pack-format.md on a pack the validator accepted."""
    assert SLUG.match(pack.id)
    assert len(pack.id) <= 32
    for text, high in ((pack.name, 80), (pack.description, 300), (pack.author, 100), (pack.license, 64)):
        assert_plain(text, 1, high)
    assert_plain(pack.version, 1, 32)
    assert pack.items
    assert len({item.id for item in pack.items}) == len(pack.items)
    for item in pack.items:
        assert_item_keeps_the_limits(item)


def assert_plain(text: str, low: int, high: int) -> None:
    """Text the validator accepted is stripped, within its length bounds and free of mentions."""
    assert isinstance(text, str)
    assert text == text.strip()
    assert low <= len(text) <= high
    assert not MENTION.search(text)


def assert_item_keeps_the_limits(item: Item) -> None:
    """Check one accepted item against the field rules."""
    assert SLUG.match(item.id)
    assert len(item.id) <= 48
    assert SLUG.match(item.topic)
    assert len(item.topic) <= 32
    assert item.kind in KINDS
    assert item.difficulty in (1, 2, 3)
    if item.kind == "question":
        assert item.question is not None
        assert item.answers
    else:
        assert_plain(item.claim, 10, 300)
        assert_plain(item.truth, 10, 1000)
    if item.question is not None:
        assert_plain(item.question, 10, 300)
        assert 1 <= len(item.answers) <= 10
    else:
        assert not item.answers
    assert len(item.tags) <= 10
    for tag in item.tags:
        assert_plain(tag, 1, 32)
    for answer in item.answers:
        assert_plain(answer, 1, 100)
    if item.choices:
        assert 2 <= len(item.choices) <= 4
        assert item.answers[0] in item.choices
        assert len({choice.casefold() for choice in item.choices}) == len(item.choices)
        for choice in item.choices:
            assert_plain(choice, 1, 80)
    assert_plain(item.source.title, 1, 200)
    assert item.source.url is not None or item.source.citation is not None
    if item.source.url is not None:
        assert_plain(item.source.url, 8, 500)
        assert re.match(r"^https?://", item.source.url)
    if item.source.citation is not None:
        assert_plain(item.source.citation, 1, 300)


def check_document(data: dict[str, Any], file: str = "prop.toml") -> Pack | PackError:
    """Parse ``data``; assert the outcome is a pack within the limits or a located ``PackError``."""
    try:
        pack = parse_pack(data, file)
    except PackError as error:
        assert_problems_are_located(error, file)
        return error
    assert_pack_keeps_the_limits(pack)
    return pack


@given(arbitrary_documents)
@examples(120)
def test_any_decoded_document_gives_a_valid_pack_or_located_problems(data):
    check_document(data)


@given(valid_documents())
@examples(60)
def test_generated_valid_packs_are_accepted(data):
    pack = check_document(data)
    assert isinstance(pack, Pack), pack
    assert [item.id for item in pack.items] == [item["id"] for item in data["items"]]


@given(valid_documents(), st.data())
@examples(150)
def test_one_bad_item_field_is_reported_with_its_item_and_field(data, draw):
    index = draw.draw(st.integers(min_value=0, max_value=len(data["items"]) - 1), label="item index")
    item = data["items"][index]
    field = draw.draw(st.sampled_from([*ITEM_FIELDS, "source.title", "source.url", "source.citation", "colour"]))
    value = draw.draw(nasty_values, label="value")
    if field.startswith("source."):
        _set(item["source"], field.removeprefix("source."), value)
    else:
        _set(item, field, value)
    outcome = check_document(data)
    if isinstance(outcome, Pack):
        return  # the drawn value happened to be valid there
    label = f"#{index + 1}"
    assert all(problem.item is not None for problem in outcome.problems), outcome.problems
    named = {problem.field for problem in outcome.problems if problem.item.split(" ")[0] == label}
    if field == "kind" and value == "question":
        assert named & {"question", "answers"}, outcome.problems  # a question needs its quiz fields
    elif field.startswith("source."):
        assert any(name and name.startswith("source") for name in named), outcome.problems
    elif field == "id" and isinstance(value, str) and value.strip() in {other["id"] for other in data["items"]}:
        assert any(problem.field == "id" for problem in outcome.problems), outcome.problems  # a duplicate
    elif field in {"question", "answers"}:
        assert named & {"question", "answers", "choices"}, outcome.problems  # each needs the other
    else:
        assert field in named, (field, outcome.problems)


@given(valid_documents(), st.sampled_from([*PACK_FIELDS, "homepage"]), nasty_values)
@examples(80)
def test_one_bad_pack_field_is_reported_under_the_pack_table(data, field, value):
    _set(data["pack"], field, value)
    outcome = check_document(data)
    if isinstance(outcome, PackError):
        assert any(problem.item == "[pack]" and problem.field == field for problem in outcome.problems)


def render_toml(data: dict[str, Any]) -> str:
    """Write a decoded pack (text, integers, lists and tables only) as TOML."""

    def value(entry: object) -> str:
        if isinstance(entry, str):
            return toml_string(entry)
        if isinstance(entry, bool):
            return "true" if entry else "false"
        if isinstance(entry, int):
            return str(entry)
        if isinstance(entry, list):
            return "[" + ", ".join(value(part) for part in entry) + "]"
        if isinstance(entry, dict):
            return "{ " + ", ".join(f"{toml_string(key)} = {value(part)}" for key, part in entry.items()) + " }"
        raise TypeError(entry)

    lines = ["[pack]", *(f"{key} = {value(entry)}" for key, entry in data["pack"].items())]
    for item in data["items"]:
        lines += ["", "[[items]]", *(f"{key} = {value(entry)}" for key, entry in item.items())]
    return "\n".join(lines) + "\n"


def _nested(opening: str, closing: str) -> st.SearchStrategy[bytes]:
    return st.integers(min_value=1, max_value=3000).map(
        lambda depth: f"x = {opening * depth}1{closing * depth}".encode()
    )


def _corrupt(text: str, data: st.DataObject) -> bytes:
    """Damage a valid pack's bytes: cut it short, or splice in bytes that break UTF-8 or TOML."""
    raw = text.encode()
    where = data.draw(st.integers(min_value=0, max_value=len(raw)), label="position")
    damage = data.draw(
        st.sampled_from([b"", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"[", b'"', b"\n[[items]]\n", b"=", b"\\u"]),
        label="damage",
    )
    return raw[:where] + damage + (raw[where:] if data.draw(st.booleans(), label="keep rest") else b"")


pack_files = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    _nested("[", "]"),
    _nested("{ a = ", " }"),
    st.builds(lambda pack: render_toml(pack).encode(), valid_documents()),
)


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("property-packs")


def check_file(path: Path) -> None:
    """Read one pack file; assert a pack within the limits or problems that all name this file."""
    try:
        pack = read_pack(path)
    except PackError as error:
        assert_problems_are_located(error, path.name)
    else:
        assert pack.path == path
        assert_pack_keeps_the_limits(pack)


@given(pack_files)
@examples(100)
def test_any_file_gives_a_pack_or_problems_naming_the_file(pack_dir, content):
    path = pack_dir / "random.toml"
    path.write_bytes(content)
    check_file(path)


@given(valid_documents(), st.data())
@examples(80)
def test_a_damaged_valid_pack_file_gives_a_pack_or_problems(pack_dir, data, draw):
    path = pack_dir / "damaged.toml"
    path.write_bytes(_corrupt(render_toml(data), draw))
    check_file(path)


@given(st.lists(pack_files, min_size=1, max_size=4))
@examples(40)
def test_a_scanned_folder_reports_every_bad_file_and_loads_the_rest(tmp_path_factory, contents):
    folder = tmp_path_factory.mktemp("scan")
    names = [f"pack-{number}.toml" for number in range(len(contents))]
    for name, content in zip(names, contents, strict=True):
        (folder / name).write_bytes(content)
    scan = scan_packs(folder)
    loaded = {pack.path.name for pack in scan.packs}
    reported = {problem.file for problem in scan.problems}
    assert loaded | reported == set(names)
    assert not loaded & reported
    assert len({pack.id for pack in scan.packs}) == len(scan.packs)
    for pack in scan.packs:
        assert_pack_keeps_the_limits(pack)


def test_a_float_difficulty_is_refused_or_kept_as_an_integer():
    data = {"pack": {key: "x" for key in PACK_FIELDS}, "items": [{**GOOD_ITEM, "difficulty": 2.0}]}
    outcome = check_document(data)
    assert isinstance(outcome, PackError) or type(outcome.items[0].difficulty) is int


def test_a_pack_file_over_the_size_limit_is_refused_before_parsing(pack_dir):
    path = pack_dir / "huge.toml"
    path.write_bytes(b"#" * (MAX_PACK_BYTES + 1))
    with pytest.raises(PackError, match="at most 2,000,000 bytes"):
        read_pack(path)


# -- importers --------------------------------------------------------------------------------------------

yaml_scalars = st.one_of(
    st.text(max_size=40),
    odd_text,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.sampled_from(["1985", "yes", "null", "~", "No", "0x1F", ".inf", "2024-01-01", "@everyone", "<@1>"]),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=20,
)
question_text = st.one_of(_letters(10, 60), st.text(max_size=80), odd_text, huge_text, mentions)
red_answer_lists = st.one_of(
    st.lists(st.one_of(_letters(2, 20), st.text(max_size=30), huge_text), max_size=12), yaml_values
)
red_documents = st.one_of(
    st.dictionaries(question_text, red_answer_lists, max_size=6),
    st.builds(
        lambda questions, meta: {**meta, **questions},
        st.dictionaries(question_text, red_answer_lists, min_size=1, max_size=4),
        st.fixed_dictionaries(
            {},
            optional={
                "AUTHOR": yaml_values,
                "DESCRIPTION": yaml_values,
                "URL": st.one_of(st.just("https://example.org/list"), nasty_text),
                "CONFIG": yaml_values,
            },
        ),
    ),
    yaml_values,
)


def _dump_yaml(document: object) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


YAML_TRAPS = [
    "a: &x [1, 2]\nb: *x\n",
    'lol: &a ["lol","lol"]\nlol2: &b [*a,*a,*a]\nlol3: [*b,*b,*b]\n',
    "<<: {a: 1}\nWhat is the capital of France?: [Paris]\n",
    "!!python/object/apply:os.system ['echo hi']\n",
    "What is the capital of France?: !!binary aGVsbG8=\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "a: b\n---\nc: d\n",
    "%YAML 1.1\n---\nWhat is the capital of France?: [Paris]\n",
    "What is the capital of France?: [Paris]\nWhat is the capital of France?: [Lyon]\n",
    "\ufeffWhat is the capital of France?: [Paris]\n",
    "What is the capital of France?:\n\t- Paris\n",
    "What is the capital of France?: [Paris\n",
    "'unterminated: [x]\n",
    "key: \x07bell\n",
]


def _deep_yaml(kind: str, depth: int) -> str:
    if kind == "flow-list":
        return "[" * depth + "x" + "]" * depth
    if kind == "flow-map":
        return "{a: " * depth + "x" + "}" * depth
    if kind == "block":
        return "".join("  " * level + f"k{level}:\n" for level in range(depth)) + "  " * depth + "v\n"
    return "".join("  " * level + "-\n" for level in range(depth)) + "  " * depth + "x\n"


yaml_texts = st.one_of(
    st.text(max_size=300),
    odd_text,
    red_documents.map(_dump_yaml),
    st.sampled_from(YAML_TRAPS),
    st.builds(
        _deep_yaml,
        st.sampled_from(["flow-list", "flow-map", "block", "block-list"]),
        st.integers(min_value=1, max_value=2500),
    ),
    st.builds(lambda a, b: a + b, st.sampled_from(YAML_TRAPS), red_documents.map(_dump_yaml)),
)


def _opentdb_result() -> st.SearchStrategy[dict[str, Any]]:
    good_words = _letters(2, 20)
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(["multiple", "boolean"]) | yaml_values,
            "question": question_text | yaml_values,
            "correct_answer": st.one_of(good_words, st.sampled_from(["True", "False", "true"]), yaml_values),
            "incorrect_answers": st.one_of(st.lists(good_words | st.text(max_size=90), max_size=5), yaml_values),
        },
        optional={
            "difficulty": st.sampled_from(["easy", "medium", "hard", "EASY"]) | yaml_values,
            "category": st.one_of(good_words, st.text(max_size=40), mentions, yaml_values),
        },
    )


JSON_TRAPS = [
    '{"response_code": 1, "results": []}',
    '{"response_code": 0}',
    '{"response_code": 0, "results": []}',
    '{"response_code": "0", "results": [1]}',
    '{"response_code": 1.0, "results": [1]}',
    '{"response_code": NaN, "results": [1]}',
    '{"response_code": 1e400, "results": [1]}',
    '{"response_code": ' + "9" * 5000 + ', "results": [1]}',
    "[" + "1" * 5000 + "]",
    '[{"type": "multiple", "difficulty": ' + "7" * 4400 + "}]",
    '[{"type": "bXVsdGlwbGU=", "question": "V2hhdA=="}]',
    '[{"type": "multiple", "question": "What%20is%20it%3F"}]',
    '{"results": [{"question": "\\ud800 lone surrogate here?", "type": "boolean", "correct_answer": "True"}]}',
    '{"a": 1, "a": 2}',
    "[1, 2,]",
    "",
]


def _deep_json(opening: str, closing: str, depth: int) -> str:
    return opening * depth + "0" + closing * depth


json_texts = st.one_of(
    st.text(max_size=300),
    st.sampled_from(JSON_TRAPS),
    st.lists(_opentdb_result(), max_size=6).map(json.dumps),
    st.builds(
        lambda code, results: json.dumps({"response_code": code, "results": results}, ensure_ascii=False),
        st.one_of(st.just(0), yaml_scalars),
        st.lists(_opentdb_result() | yaml_values, max_size=5),
    ),
    yaml_values.map(json.dumps),
    st.builds(
        _deep_json,
        st.sampled_from(["[", '{"a": ']),
        st.sampled_from(["]", "}"]),
        st.integers(min_value=1, max_value=3000),
    ),
)

filenames = st.one_of(
    st.sampled_from(["list.yaml", "list.yml", "Capitals of Europe.YAML", "trivia.json", "data.txt", "upload"]),
    st.builds(
        lambda stem, extension: stem + extension,
        st.one_of(
            st.text(max_size=40),
            odd_text,
            mentions,
            st.just("dir/../x"),
            st.binary(min_size=1, max_size=20).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
        ),
        st.sampled_from([".yaml", ".yml", ".json", "", ".txt"]),
    ),
)
pack_ids = st.one_of(st.none(), st.none(), slugs, nasty_text)


def assert_polite_refusal(refusal: ImportRefused) -> None:
    """A refusal is one non-empty line to show after the file name, and every skip it lists has a reason."""
    message = str(refusal)
    assert message.strip()
    assert "\n" not in message, message
    assert all(skip.reason for skip in refusal.skipped)


def check_conversion(data: bytes, filename: str, pack_id: str | None) -> None:
    """Convert; assert a valid, re-readable pack within the size cap, or a one-line refusal."""
    try:
        result = convert(data, filename, pack_id)
    except ImportRefused as refusal:
        assert_polite_refusal(refusal)
        return
    assert len(result.pack_toml.encode("utf-8")) <= MAX_PACK_BYTES
    reparsed = parse_pack(tomllib.loads(result.pack_toml), f"{result.pack_id}.toml")
    assert reparsed == result.pack
    assert result.pack.id == result.pack_id
    assert result.imported == len(result.pack.items) >= 1
    assert_pack_keeps_the_limits(result.pack)
    for skip in result.skipped:
        assert skip.reason
        assert str(skip).startswith("skipped ")


@given(yaml_texts, st.sampled_from(["list.yaml", "list.yml", "list"]), pack_ids)
@examples(120, deadline=SLOW_INPUT)
def test_any_yaml_text_converts_or_is_refused_politely(text, filename, pack_id):
    check_conversion(text.encode("utf-8", "surrogatepass"), filename, pack_id)


@given(json_texts, st.sampled_from(["trivia.json", "trivia"]), pack_ids)
@examples(120, deadline=SLOW_INPUT)
def test_any_json_text_converts_or_is_refused_politely(text, filename, pack_id):
    check_conversion(text.encode("utf-8", "surrogatepass"), filename, pack_id)


@given(st.one_of(st.binary(max_size=200), yaml_texts.map(str.encode), json_texts.map(str.encode)), filenames, pack_ids)
@examples(150, deadline=SLOW_INPUT)
def test_any_bytes_and_file_name_convert_or_are_refused_politely(data, filename, pack_id):
    check_conversion(data, filename, pack_id)


RED_LIST = (
    b"AUTHOR: Jane Doe\nWhat is the capital of France?:\n- Paris\n- paris\n"
    b"How many legs does a spider have?: [8, eight]\n"
)
OPENTDB_LIST = json.dumps(
    [
        {
            "type": "multiple",
            "difficulty": "hard",
            "category": "Geography",
            "question": "What is the capital of France?",
            "correct_answer": "Paris",
            "incorrect_answers": ["Lyon", "Nice", "Lille"],
        },
        {
            "type": "boolean",
            "difficulty": "easy",
            "category": "Science &amp; Nature",
            "question": "Spiders have eight legs.",
            "correct_answer": "True",
            "incorrect_answers": ["False"],
        },
    ]
).encode()


@given(filenames, pack_ids, st.sampled_from([".yaml", ".json"]))
@examples(120)
def test_a_well_formed_list_imports_under_any_file_name_or_pack_id(filename, pack_id, extension):
    data = RED_LIST if extension == ".yaml" else OPENTDB_LIST
    name = filename.rsplit(".", 1)[0] + extension
    assume(not MENTION.search(name))  # see test_a_mention_in_a_red_list_file_name_does_not_refuse_the_list
    reason = ""
    try:
        imported = convert(data, name, pack_id).imported
    except ImportRefused as refusal:
        imported, reason = 0, str(refusal)
    if not imported:
        assert "make a pack id" in reason or "has no letters or digits" in reason, reason  # the only excuse
        return
    assert imported == 2
    check_conversion(data, name, pack_id)


def test_a_mention_in_a_red_list_file_name_does_not_refuse_the_list():
    assert convert(RED_LIST, "@everyone quiz.yaml").imported == 2


def test_an_upload_over_the_size_cap_is_refused_without_parsing():
    with pytest.raises(ImportRefused, match="at most"):
        convert(b"[" * (MAX_IMPORT_BYTES + 1), "bomb.json")


# -- answer matching --------------------------------------------------------------------------------------

any_text = st.one_of(st.text(max_size=60), odd_text, st.text(alphabet=ODD_CHARACTERS, max_size=20))
long_text = st.builds(
    lambda unit, count: (unit * count)[:10_000],
    st.sampled_from(["paris ", "a", "9", "\u0301", "👍", " ", "not ", "twenty one ", "x, "]),
    st.integers(min_value=1, max_value=10_000),
)
guesses = st.one_of(any_text, long_text, st.sampled_from(["", " ", "\u200b", "?!", "\n\t"]))
answer_lists = st.lists(
    st.one_of(any_text, st.sampled_from(["Paris", "1985", "Albert Einstein", "the Nile"])), max_size=4
)
simple_answers = st.text(
    alphabet=st.characters(categories=["Lu", "Ll", "Nd"], max_codepoint=0x24F) | st.just(" "), min_size=1, max_size=40
)
"""Latin letters (with accents), digits and spaces: answers whose case can be changed without changing letters."""


@given(guesses, answer_lists)
@examples(400, deadline=SLOW_INPUT)
def test_matching_any_guess_against_any_answers_returns_a_bool(guess, answers):
    assert isinstance(is_correct(guess, answers), bool)
    assert isinstance(is_near_miss(guess, answers), bool)
    assert isinstance(normalize(guess), str)


@given(guesses, answer_lists)
@examples(200, deadline=SLOW_INPUT)
def test_matching_is_deterministic_and_the_cache_changes_nothing(guess, answers):
    first = is_correct(guess, answers)
    assert is_correct(guess, answers) == first
    assert AnswerMatcher(answers).matches(guess) == first
    assert is_near_miss(guess, answers) == AnswerMatcher(answers).is_near_miss(guess)


@given(guesses, answer_lists)
@examples(200, deadline=SLOW_INPUT)
def test_a_near_miss_is_never_also_correct(guess, answers):
    assert not (is_near_miss(guess, answers) and is_correct(guess, answers))


@given(st.one_of(any_text, simple_answers), st.lists(any_text, max_size=2))
@examples(200, deadline=SLOW_INPUT)
def test_every_readable_answer_matches_itself(answer, others):
    assume(normalize(answer))
    answers = [*others, answer]
    assert is_correct(answer, answers)
    assert is_correct(f"  {answer} ", answers)
    assert not is_near_miss(answer, answers)


@given(simple_answers, st.sampled_from(["upper", "lower", "title", "swapcase"]), st.sampled_from(["", " ", "\t", "  "]))
@examples(300, deadline=SLOW_INPUT)
def test_an_answer_matches_with_other_case_and_surrounding_spaces(answer, case, padding):
    assume(normalize(answer))
    guess = padding + getattr(answer, case)() + padding
    assert is_correct(guess, [answer]), guess


@given(simple_answers, st.sampled_from(["!", "?", ".", "!!", "?!", "...", " ?"]))
@examples(300, deadline=SLOW_INPUT)
def test_an_answer_matches_with_trailing_punctuation(answer, punctuation):
    assume(normalize(answer))
    assert is_correct(answer + punctuation, [answer])


def test_an_answer_ending_in_a_lone_n_matches_with_trailing_punctuation():
    assert is_correct("Plan N.", ["Plan N"])
