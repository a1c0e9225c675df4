"""Tests for importing Red-DiscordBot trivia lists and Open Trivia DB JSON into packs, in code and from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.core.importers import MAX_IMPORT_BYTES, ImportRefused, convert, slugify, toml_string
from bot.core.packs import parse_pack, read_pack

PROJECT = Path(__file__).resolve().parents[2]
IMPORT_DATA = Path(__file__).parents[1] / "data" / "import"
RED_SAMPLE = IMPORT_DATA / "red_sample.yaml"
OPENTDB_SAMPLE = IMPORT_DATA / "opentdb_sample.json"


def convert_file(path: Path, pack_id: str | None = None):
    return convert(path.read_bytes(), path.name, pack_id)


def refusal(data: bytes, filename: str) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        convert(data, filename)
    return info.value


def items_by_question(result) -> dict[str, object]:
    return {item.question or item.claim: item for item in result.pack.items}


def opentdb(*results: dict) -> bytes:
    return json.dumps({"response_code": 0, "results": list(results)}).encode()


def boolean(question: str, correct: str = "True") -> dict:
    return {
        "type": "boolean",
        "difficulty": "easy",
        "category": "General Knowledge",
        "question": question,
        "correct_answer": correct,
        "incorrect_answers": ["False" if correct == "True" else "True"],
    }


# -- Red-DiscordBot trivia lists ---------------------------------------------------------------


def test_red_list_becomes_a_valid_pack_with_metadata():
    result = convert_file(RED_SAMPLE)
    assert result.source_format == "red"
    assert result.pack_id == "red-sample"
    reparsed = parse_pack(tomllib.loads(result.pack_toml), "red-sample.toml")
    assert reparsed == result.pack
    assert (result.pack.name, result.pack.author, result.pack.version) == ("red_sample", "Jane Doe", "1.0.0")
    assert result.pack.description == "Questions about the film Mask (1985) and its stars."
    assert result.imported == 5
    for item in result.pack.items:
        assert item.kind == "question"
        assert item.topic == "red-sample"
        assert item.difficulty == 2
        assert item.source.title == "Red-DiscordBot trivia list red_sample"
        assert item.source.citation == "Jane Doe"


def test_red_unquoted_answers_keep_the_text_the_author_wrote():
    items = items_by_question(convert_file(RED_SAMPLE))
    assert items["In what year was the film Mask released?"].answers == ("1985", "nineteen eighty-five")
    # "Yes" repeats "yes" (answers match case-insensitively), so it is dropped; "true" stays text.
    assert items["Did Cher win Best Actress at Cannes for Mask?"].answers == ("yes", "true")
    assert items["To two decimal places, what is the value of pi?"].answers == ("3.14",)
    # "~" (YAML's null) stays text too, but no typed guess can match a bare symbol, so it is dropped with a note.
    result = convert_file(RED_SAMPLE)
    assert items['Which YAML word means "nothing at all"?'].answers == ("null", "No")
    assert any("dropped '~'" in note for note in result.notes)


def test_red_item_ids_are_short_unique_slugs():
    data = b"What is the name of the longest river that flows through Egypt?:\n- Nile\n"
    data += b"What is the name of the longest river that flows through Egypt, again?:\n- Nile\n"
    ids = [item.id for item in convert(data, "rivers.yaml").pack.items]
    assert ids == [
        "what-is-the-name-of-the-longest-river-that-flows",
        "what-is-the-name-of-the-longest-river-that-2",
    ]
    assert all(len(item_id) <= 48 for item_id in ids)


def test_red_skips_name_the_question_and_the_reason():
    result = convert_file(RED_SAMPLE)
    reasons = {skip.question: skip.reason for skip in result.skipped}
    assert reasons == {
        "Short?": "question shorter than 10 characters",
        "Who directed the film Mask?": "empty answer list",
        "Which actor played Gar in Mask?": "answers are a mapping, not a list",
        "Which nested answer is this one?": "answer 1 is a list, not text",
        "Which one has an answer that is far too long to be accepted by the validator?": (
            "answer longer than 100 characters"
        ),
        "Ping @everyone with this question, will you?": (
            "question must not contain mentions such as @everyone or <@id>"
        ),
    }
    assert str(result.skipped[4]) == "skipped 'Which one has an answer that is far…': answer longer than 100 characters"


def test_red_without_author_or_description_uses_defaults_and_pack_id_option():
    result = convert(b"What is the capital of France?:\n- Paris\n", "upload.yml", "Capitals Of Europe")
    assert result.pack_id == "capitals-of-europe"
    assert result.pack.author == "unknown author"
    assert result.pack.description == "Imported from the Red-DiscordBot trivia list upload."
    item = result.pack.items[0]
    assert item.topic == "capitals-of-europe"
    assert item.source.citation == "unknown author"


def test_red_url_becomes_the_source_url_and_a_mention_in_author_is_not_used():
    data = b"AUTHOR: '@everyone'\nURL: https://example.org/trivia\nWhat is the capital of France?:\n- Paris\n"
    result = convert(data, "capitals.yaml")
    assert result.pack.author == "unknown author"
    assert result.pack.items[0].source.url == "https://example.org/trivia"
    assert any(note.startswith("author not used") for note in result.notes)


def test_red_more_than_ten_answers_keeps_the_first_ten():
    answers = "".join(f"- answer {n}\n" for n in range(1, 13))
    result = convert(f"Name one of twelve answers here:\n{answers}".encode(), "many.yaml")
    assert result.pack.items[0].answers == tuple(f"answer {n}" for n in range(1, 11))
    assert result.notes == ["kept the first 10 of 12 answers for 'Name one of twelve answers here'"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"# only a comment\n", "is empty"),
        ((IMPORT_DATA / "not_yaml.yaml").read_bytes(), "is not valid YAML (line "),
        ((IMPORT_DATA / "top_level_list.yaml").read_bytes(), "expected a mapping of question: [answers], not a list"),
        (b"just some words", "expected a mapping of question: [answers], not text"),
        (b"a: b\n---\nc: d\n", "is not valid YAML"),
        (b"? [a, b]\n: c\n", "is not valid YAML"),
        (b"\xff\xfeW\x00", "is not UTF-8 text"),
        (b"[" * 5000, "YAML"),  # libyaml: "exceeded maximum nesting depth"; pure Python: "nested too deeply"
    ],
)
def test_malformed_red_files_are_refused_in_one_line(data: bytes, fragment: str):
    error = refusal(data, "broken.yaml")
    assert fragment in str(error)
    assert "\n" not in str(error)


def test_red_file_where_every_question_is_skipped_is_refused_with_the_skips():
    error = refusal(b"AUTHOR: x\nWhat is the answer to this?: yes\nAnother question here?:\n  nested: dict\n", "x.yaml")
    assert str(error) == "has no question that could be imported (2 skipped)"
    assert [skip.reason for skip in error.skipped] == [
        "answers are text, not a list",
        "answers are a mapping, not a list",
    ]


def test_alias_bomb_is_refused_before_it_is_expanded():
    error = refusal((IMPORT_DATA / "alias_bomb.yaml").read_bytes(), "alias_bomb.yaml")
    assert str(error) == "uses YAML anchors or aliases (line 1), which trivia lists do not need"


def test_any_anchor_is_refused():
    error = refusal(b"What is the capital of France?: &capital [Paris]\n", "x.yaml")
    assert "anchors or aliases" in str(error)


def test_huge_file_is_refused_without_parsing():
    data = b"What is the capital of France?:\n- Paris\n" * (MAX_IMPORT_BYTES // 40 + 1)
    assert len(data) > MAX_IMPORT_BYTES
    assert str(refusal(data, "huge.yaml")) == (
        f"is {len(data):,} bytes; files to import may be at most {MAX_IMPORT_BYTES:,} bytes"
    )


def test_pack_that_would_be_too_big_is_refused():
    # Under the input limit, but every question grows by its id, topic and source when written as TOML.
    data = b"".join(f"Question number {n} is this?: [a]\n".encode() for n in range(45_000))
    assert len(data) < MAX_IMPORT_BYTES
    assert "over the 2,000,000-byte limit; split it" in str(refusal(data, "big.yaml"))


# -- Open Trivia Database ----------------------------------------------------------------------


def test_opentdb_multiple_choice_decodes_entities_and_does_not_always_put_the_answer_first():
    result = convert_file(OPENTDB_SAMPLE)
    assert result.source_format == "opentdb"
    assert (result.pack.license, result.pack.author) == ("CC-BY-SA-4.0", "Open Trivia Database contributors")
    items = items_by_question(result)
    cher = items['Which actress played Rusty Dennis in the 1985 film "Mask"?']
    assert cher.kind == "question"
    assert cher.answers == ("Cher",)
    assert cher.choices == ("Barbra Streisand", "Bette Midler", "Cher", "Goldie Hawn")
    assert cher.difficulty == 1
    assert cher.topic == "entertainment-film"
    assert (cher.source.title, cher.source.url) == ("Open Trivia Database", "https://opentdb.com/")
    seger = items['Whose songs did Universal replace with Bob Seger\'s on the "Mask" soundtrack?']
    assert seger.difficulty == 3
    assert seger.choices[0] != seger.answers[0]


def test_opentdb_true_false_becomes_fact_or_myth():
    items = items_by_question(convert_file(OPENTDB_SAMPLE))
    wall = items['The Great Wall of China is visible with the naked eye from the "Moon".']
    assert (wall.kind, wall.truth, wall.difficulty, wall.topic) == (
        "myth",
        "This statement is false.",
        2,
        "science-nature",
    )
    venus = items["Venus is hotter than Mercury, even though it is farther from the Sun & smaller."]
    assert (venus.kind, venus.truth, venus.question, venus.answers) == ("fact", "This statement is true.", None, ())


def test_opentdb_skips_and_pack_id_sets_the_topic():
    result = convert_file(OPENTDB_SAMPLE, pack_id="mask-quiz")
    assert {item.topic for item in result.pack.items} == {"mask-quiz"}
    assert [str(skip) for skip in result.skipped] == [
        "skipped 'Pi > 3.': statement shorter than 10 characters",
        "skipped 'Which of these is a choice that…': choices are not all different",
        "skipped 'What kind of question is this one…': unknown type 'text' (expected 'multiple' or 'boolean')",
    ]


def test_opentdb_bare_list_and_single_category_name():
    data = json.dumps([boolean("Octopuses have three hearts.")]).encode()
    result = convert(data, "octopus.json")
    assert result.pack.name == "General Knowledge"
    assert result.pack.items[0].kind == "fact"


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (boolean("A statement " + "x" * 300), "statement longer than 300 characters"),
        (boolean("It is a statement.", correct="Maybe"), "correct_answer 'Maybe' is neither True nor False"),
        ({"type": "boolean", "question": "It is a statement."}, "correct_answer is missing or not text"),
        (
            {"type": "multiple", "question": "Which one is right?", "correct_answer": "A", "incorrect_answers": "B"},
            "incorrect_answers is not a list of text",
        ),
        (
            {"type": "multiple", "question": "Which one is right?", "correct_answer": "A", "incorrect_answers": []},
            "no incorrect answers to offer as choices",
        ),
        (
            {"type": "multiple", "question": "Which one is right?", "correct_answer": "", "incorrect_answers": ["B"]},
            "empty answer list",
        ),
        (
            {
                "type": "multiple",
                "question": "Which one is right?",
                "correct_answer": "A" * 90,
                "incorrect_answers": ["B"],
            },
            "choice longer than 80 characters",
        ),
        (
            {
                "type": "multiple",
                "question": "Which one is right?",
                "correct_answer": "A" * 101,
                "incorrect_answers": ["B"],
            },
            "answer longer than 100 characters",
        ),
        (
            {"type": "multiple", "question": "Ask <@123> now?", "correct_answer": "A", "incorrect_answers": ["B"]},
            "question must not contain mentions such as @everyone or <@id>",
        ),
    ],
)
def test_opentdb_bad_results_are_skipped_with_a_reason(result: dict, reason: str):
    imported = convert(opentdb(boolean("Octopuses have three hearts."), result), "mixed.json")
    assert imported.imported == 1
    assert [skip.reason for skip in imported.skipped] == [reason]


def test_opentdb_result_that_is_not_an_object_is_skipped():
    imported = convert(opentdb(boolean("Octopuses have three hearts."), ["nested", "list"], 7), "mixed.json")
    assert [str(skip) for skip in imported.skipped] == [
        "skipped 'result 2': is a list, not an object",
        "skipped 'result 3': is a number, not an object",
    ]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ((IMPORT_DATA / "not_json.json").read_bytes(), "is not valid JSON (line 2, column 1: "),
        (b'{"response_code": 5, "results": []}', "error response (response_code 5: rate limit exceeded)"),
        (b'{"response_code": 0}', "it has no 'results' list"),
        (b'{"response_code": 0, "results": {"question": "x"}}', "it has no 'results' list"),
        (b'{"response_code": 0, "results": []}', "has no questions"),
        (b'"just a string"', "expected an object or a list, not text"),
        (b"[" * 100_000, "nested too deeply"),
        (opentdb({**boolean("x"), "type": "Ym9vbGVhbg=="}), "is base64-encoded"),
    ],
)
def test_malformed_opentdb_files_are_refused_in_one_line(data: bytes, fragment: str):
    error = refusal(data, "broken.json")
    assert fragment in str(error)
    assert "\n" not in str(error)


def test_format_is_sniffed_when_the_extension_is_unknown():
    assert convert(opentdb(boolean("Octopuses have three hearts.")), "upload.txt").source_format == "opentdb"
    assert convert(b"What is the capital of France?: [Paris]\n", "upload.txt").source_format == "red"


# -- helpers -----------------------------------------------------------------------------------


def test_slugify_and_toml_strings():
    assert slugify("Entertainment: Japanese Anime & Manga", 32) == "entertainment-japanese-anime"
    assert slugify("Crème brûlée?", 48) == "creme-brulee"
    assert slugify("日本", 32) == ""
    tricky = 'quote " backslash \\ tab \t newline \n del \x7f bell \x07 emoji 🎉'
    assert tomllib.loads(f"value = {toml_string(tricky)}")["value"] == tricky


# -- command line ------------------------------------------------------------------------------


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "packs", *args],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_imports_files_and_packs_check_passes(tmp_path: Path):
    out = tmp_path / "packs"
    result = run_cli(tmp_path, "import", str(RED_SAMPLE), str(OPENTDB_SAMPLE), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"-> {out / 'red-sample.toml'}: imported 5 questions, skipped 6" in result.stdout
    assert f"-> {out / 'opentdb-sample.toml'}: imported 4 questions, skipped 3" in result.stdout
    assert "  skipped 'Short?': question shorter than 10 characters" in result.stdout
    assert result.stderr == ""
    assert sorted(path.name for path in out.iterdir()) == ["opentdb-sample.toml", "red-sample.toml"]
    assert read_pack(out / "red-sample.toml").items[0].answers == ("1985", "nineteen eighty-five")
    check = run_cli(tmp_path, "check", str(out))
    assert check.returncode == 0, check.stderr
    assert "2 valid packs with 9 items; 0 problems." in check.stdout


def test_cli_bad_file_fails_alone_with_one_error_line(tmp_path: Path):
    out = tmp_path / "packs"
    bomb, missing = IMPORT_DATA / "alias_bomb.yaml", tmp_path / "missing.yaml"
    result = run_cli(tmp_path, "import", str(bomb), str(missing), str(RED_SAMPLE), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {bomb}: uses YAML anchors or aliases (line 1), which trivia lists do not need",
        f"error: {missing}: cannot be read: No such file or directory",
    ]
    assert "Traceback" not in result.stderr
    assert [path.name for path in out.iterdir()] == ["red-sample.toml"]


def test_cli_refuses_to_overwrite_without_force(tmp_path: Path):
    out = tmp_path / "packs"
    out.mkdir()
    (out / "mask.toml").write_text("# someone's hand-written pack\n")
    refused = run_cli(tmp_path, "import", str(RED_SAMPLE), "--pack-id", "mask", "--out", str(out))
    assert refused.returncode == 1
    assert "mask.toml already exists; use --force" in refused.stderr
    assert (out / "mask.toml").read_text() == "# someone's hand-written pack\n"
    forced = run_cli(tmp_path, "import", str(RED_SAMPLE), "--pack-id", "mask", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert read_pack(out / "mask.toml").id == "mask"
    assert [path.name for path in out.iterdir()] == ["mask.toml"]  # no temporary file left behind


def test_cli_pack_id_needs_a_single_file(tmp_path: Path):
    result = run_cli(tmp_path, "import", str(RED_SAMPLE), str(OPENTDB_SAMPLE), "--pack-id", "x", "--out", "out")
    assert result.returncode == 2
    assert "import one file at a time" in result.stderr


def test_cli_two_files_with_the_same_pack_id_do_not_overwrite_each_other(tmp_path: Path):
    other = tmp_path / "elsewhere" / "red_sample.yaml"
    other.parent.mkdir()
    other.write_text("What is the capital of France?:\n- Paris\n")
    result = run_cli(tmp_path, "import", str(RED_SAMPLE), str(other), "--out", "out")
    assert result.returncode == 1
    assert result.stderr == f"error: {other}: out/red-sample.toml was just written from another file; use --pack-id\n"
    assert read_pack(tmp_path / "out" / "red-sample.toml").items[0].question == (
        "In what year was the film Mask released?"
    )
