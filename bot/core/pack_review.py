"""Checks that keep packs true and quizzes fair, beyond what one item's fields can show (``packs check``).

:func:`review_packs` looks across items and packs: near-duplicate claims and questions, answers that a quiz
would accept from a wrong choice, answers written into their own question, and one item's claim handing another
item's answer over. :func:`pack_stats` is the coverage table pack authors read (``packs stats``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz, utils

from bot.core.matching import is_correct
from bot.core.packs import Item, Pack, PackProblem

SAME_CLAIM = 80
"""``token_sort_ratio`` from which two claims tell the same myth or fact (calibrated on the shipped packs)."""
SAME_QUESTION = 70
"""``token_set_ratio`` from which two questions with the same answer ask the same thing."""
GIVEAWAY_WORDS = 3
"""Words of five letters or more that a question shares with another item's claim naming its answer: a giveaway."""
_WORD = re.compile(r"\w{5,}")
_COMMON = frozenset({"which", "where", "there", "their", "these", "those", "about", "would", "could", "after"})


@dataclass(frozen=True, slots=True)
class PackStats:
    """The coverage of one pack: what it holds, how much of it a quiz can ask, and how much was checked."""

    pack_id: str
    items: int
    myths: int
    facts: int
    questions: int
    """Quiz-only items (``kind = "question"``)."""
    quiz_ready: int
    """Items with quiz fields (a question and answers)."""
    with_choices: int
    difficulty: tuple[int, int, int]
    checked: int

    @property
    def quiz_share(self) -> float:
        """Share of items a typed or multiple-choice round can ask."""
        return self.quiz_ready / self.items if self.items else 0.0

    @property
    def myth_share(self) -> float:
        """Share of myths among the items."""
        return self.myths / self.items if self.items else 0.0

    @property
    def checked_share(self) -> float:
        """Share of items checked against their source."""
        return self.checked / self.items if self.items else 0.0


def pack_stats(pack: Pack) -> PackStats:
    """Count what a pack holds."""
    items = pack.items
    return PackStats(
        pack_id=pack.id,
        items=len(items),
        myths=sum(item.kind == "myth" for item in items),
        facts=sum(item.kind == "fact" for item in items),
        questions=sum(item.kind == "question" for item in items),
        quiz_ready=sum(item.question is not None and bool(item.answers) for item in items),
        with_choices=sum(bool(item.choices) for item in items),
        difficulty=(
            sum(item.difficulty == 1 for item in items),
            sum(item.difficulty == 2 for item in items),
            sum(item.difficulty == 3 for item in items),
        ),
        checked=sum(item.checked is not None for item in items),
    )


@dataclass(frozen=True, slots=True)
class _Entry:
    pack: Pack
    item: Item

    @property
    def ref(self) -> str:
        return f"{self.pack.id}/{self.item.id}"

    def problem(self, field: str | None, message: str) -> PackProblem:
        file = self.pack.path.name if self.pack.path else f"{self.pack.id}.toml"
        return PackProblem(file, message, self.item.id, field)


def review_packs(packs: Sequence[Pack]) -> list[PackProblem]:
    """Return every cross-item problem of already validated ``packs``, each naming its file, item and field."""
    entries = [_Entry(pack, item) for pack in packs for item in pack.items]
    problems: list[PackProblem] = []
    for entry in entries:
        problems.extend(_quiz_field_problems(entry))
    problems.extend(_near_duplicates(entries))
    problems.extend(_giveaways(entries))
    return problems


def _quiz_field_problems(entry: _Entry) -> Iterable[PackProblem]:
    """Find answers the matcher refuses, wrong choices it accepts, and answers written in the question itself."""
    item = entry.item
    for answer in item.answers:
        if not is_correct(answer, item.answers):
            yield entry.problem("answers", f"{answer!r} would not be accepted as a typed answer")
    for choice in item.choices:
        if choice != item.answers[0] and is_correct(choice, item.answers):
            yield entry.problem("choices", f"the wrong choice {choice!r} would be accepted as right")
    if item.question:
        for answer in item.answers:
            if len(answer) >= 4 and _contains_words(item.question, answer):
                yield entry.problem("question", f"gives its own answer away: it contains {answer!r}")


def _near_duplicates(entries: Sequence[_Entry]) -> Iterable[PackProblem]:
    """Find the same claim told twice, or the same question asked twice, anywhere in the packs."""
    for first, second in combinations(entries, 2):
        a, b = first.item, second.item
        if a.claim and b.claim:
            score = fuzz.token_sort_ratio(a.claim, b.claim, processor=utils.default_process)
            if score >= SAME_CLAIM:
                yield second.problem("claim", f"tells the same as {first.ref} ({score:.0f} % alike)")
                continue
        if a.question and b.question and a.answers[0].casefold() == b.answers[0].casefold():
            score = fuzz.token_set_ratio(a.question, b.question, processor=utils.default_process)
            if score >= SAME_QUESTION:
                yield second.problem("question", f"asks the same as {first.ref} ({score:.0f} % alike)")


def _giveaways(entries: Sequence[_Entry]) -> Iterable[PackProblem]:
    """Find claims that name another item's answer and share its question's words (same pack, same quiz)."""
    for asker in entries:
        item = asker.item
        if not item.question or len(item.answers[0]) < 4 or item.answers[0].isdigit():
            continue
        for teller in entries:
            if teller is asker or teller.pack is not asker.pack or not teller.item.claim:
                continue
            claim = teller.item.claim
            if _contains_words(claim, item.answers[0]) and len(_words(item.question) & _words(claim)) >= GIVEAWAY_WORDS:
                yield asker.problem("question", f"is answered by the claim of {teller.ref}: {claim!r}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold())) - _COMMON


def _contains_words(text: str, words: str) -> bool:
    """Whether ``words`` stand in ``text`` as whole words, ignoring case."""
    return re.search(rf"(?<!\w){re.escape(words.casefold())}(?!\w)", text.casefold()) is not None
