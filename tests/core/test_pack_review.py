"""``packs check`` beyond one item's fields: duplicates across packs, fair quiz fields, giveaways, coverage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.pack_review import pack_stats, review_packs
from bot.core.packs import Item, Pack, PackError, Source, parse_pack
from tests.helpers import PROJECT

SOURCE = Source("Britannica: Goldfish", "https://www.britannica.com/animal/goldfish")


def item(item_id: str, claim: str, **quiz: object) -> Item:
    truth = "The truth, explained at some length."
    return Item(item_id, "myth", claim, truth, "animals", 1, SOURCE, **quiz)  # type: ignore[arg-type]


def pack(pack_id: str, *items: Item) -> Pack:
    return Pack(pack_id, pack_id.title(), "A pack.", "Tester", "CC-BY-4.0", "1.0.0", items, Path(f"{pack_id}.toml"))


def messages(*packs: Pack) -> list[tuple[str | None, str | None, str]]:
    return [(p.item, p.field, p.message) for p in review_packs(packs)]


def test_the_same_myth_in_two_packs_is_found_and_a_different_one_is_not():
    first = pack("fish", item("goldfish", "Goldfish have a memory span of only three seconds."))
    second = pack(
        "pets",
        item("goldfish-memory", "A goldfish has a memory span of only three seconds."),
        item("bulls", "Bulls are enraged by the colour red."),
    )
    [(where, field, message)] = messages(first, second)
    assert (where, field) == ("goldfish-memory", "claim")
    assert message.startswith("tells the same as fish/goldfish")


def test_the_same_question_with_the_same_answer_is_found_but_a_template_is_not():
    hottest = {"question": "Which planet has the hottest surface?", "answers": ("Venus",)}
    found = messages(
        pack(
            "a",
            item("one", "Venus is hotter than Mercury.", **hottest),
            item(
                "two", "Mercury is the hottest planet of all.", question="Which planet is hottest?", answers=("Venus",)
            ),
            item(
                "three",
                "Mars is the coldest planet.",
                question="Which planet has the coldest surface?",
                answers=("Uranus",),
            ),
        )
    )
    assert [(where, field) for where, field, _ in found] == [("two", "question")]


def test_quiz_fields_that_a_quiz_would_get_wrong_are_problems():
    found = messages(
        pack(
            "a",
            item(
                "refused",
                "A claim that is long enough.",
                question="Which city is the capital?",
                answers=("Canberra", "  "),
            ),
            item(
                "accepted",
                "Another claim, long enough.",
                question="Which country is the largest?",
                answers=("Russia",),
                choices=("Russia", "Russia!", "Canada", "China"),
            ),
            item("told", "A third claim, long enough.", question="Is the Sahara a desert?", answers=("Sahara",)),
        )
    )
    assert ("accepted", "choices", "the wrong choice 'Russia!' would be accepted as right") in found
    assert ("told", "question", "gives its own answer away: it contains 'Sahara'") in found


def test_a_claim_that_answers_another_items_question_in_the_same_pack_is_a_giveaway():
    asker = item(
        "hottest",
        "Mercury is the hottest planet.",
        question="Which planet has the hottest surface temperature?",
        answers=("Venus",),
    )
    teller = item("venus-surface", "Venus has the hottest surface temperature of any planet.")
    elsewhere = pack("other", item("venus-too", "Venus has the hottest surface temperature of any planet, they say."))
    found = messages(pack("space", asker, teller), elsewhere)
    assert [(where, field) for where, field, _ in found if field == "question"] == [("hottest", "question")]


def test_markdown_links_and_bad_addresses_are_refused_with_file_item_and_field():
    base = {"id": "x", "kind": "myth", "claim": "See [this page](https://example.org) for more.",
            "truth": "Long enough truth.", "topic": "t", "difficulty": 1,
            "source": {"title": "A page", "url": "https://exa mple.org/x"}}  # fmt: skip
    data = {"pack": {"id": "p", "name": "P", "description": "d", "author": "a", "license": "l", "version": "1"},
            "items": [base]}  # fmt: skip
    with pytest.raises(PackError) as info:
        parse_pack(data, "p.toml")
    found = {(p.file, p.item, p.field) for p in info.value.problems}
    assert found == {("p.toml", "#1 (x)", "claim"), ("p.toml", "#1 (x)", "source.url")}
    assert "Markdown links" in str(info.value)


def test_stats_count_coverage_and_checks():
    stats = pack_stats(
        pack(
            "a",
            item("one", "A claim that is long enough.", question="Which one?", answers=("One",), checked="2026-12-03"),
            Item("two", "fact", "Another claim, long enough.", "Truth.", "t", 3, SOURCE),
        )
    )
    assert (stats.items, stats.myths, stats.facts, stats.quiz_ready, stats.checked) == (2, 1, 1, 1, 1)
    assert stats.difficulty == (1, 0, 1) and stats.quiz_share == 0.5 and stats.myth_share == 0.5


def run_packs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "packs", *args],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_packs_check_fails_on_a_duplicate_across_files_and_stats_prints_the_table(tmp_path: Path):
    sample = (PROJECT / "tests" / "data" / "packs" / "sample.toml").read_text()
    (tmp_path / "sample.toml").write_text(sample)
    (tmp_path / "copy.toml").write_text(sample.replace('id = "sample"', 'id = "copy"', 1))
    checked = run_packs("check", str(tmp_path))
    assert checked.returncode == 1
    assert "sample.toml, item octopus-hearts, field 'claim': tells the same as copy/octopus-hearts" in checked.stderr
    stats = run_packs("stats", str(tmp_path))
    assert stats.returncode == 0
    header, *rows = stats.stdout.splitlines()
    assert header.split()[:3] == ["pack", "items", "myths"]
    assert rows[-1].startswith("all (2 packs)") and rows[-1].split()[3] == "14"


def test_the_shipped_packs_pass_the_review():
    from bot.core.packs import scan_packs

    scan = scan_packs(PROJECT / "data" / "packs")
    assert scan.problems == [] and review_packs(scan.packs) == []
