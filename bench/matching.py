"""Answer-matching benchmark: our matcher against Red-DiscordBot's trivia rule on the labelled set.

For each judge it prints accuracy, false-positive rate (wrong guesses accepted) and false-negative rate (right
guesses refused), overall and per category, on ``tests/data/matching_cases.tsv``; then throughput (guesses judged
per second) for both and the ratio ours/Red, measured in the same run.

Red's rule is reimplemented from ``redbot/cogs/trivia/session.py`` (``TriviaSession.check_answer``): lowercase
the answers and the guess, replace smart quotes in the guess; then for each answer, accept when a multi-word
answer is a substring of the guess, or when any space-separated word of the guess equals a single-word answer.
The real rule strips no punctuation ("paris!" is refused), so a second variant strips punctuation from each guess
word, which is how the rule is often described; both are reported and our false positives must beat both.

Run: ``python -m bench.matching`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import re
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.matching import AnswerMatcher, is_correct

CASES_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "matching_cases.tsv"

Judge = Callable[[str, Sequence[str]], bool]

# redbot.core.utils.common_filters.normalize_smartquotes
_SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|t|n|\\)")


def red_is_correct(guess: str, answers: Sequence[str]) -> bool:
    """Judge ``guess`` with Red-DiscordBot's trivia rule, as its session does for every message."""
    lowered = tuple(answer.lower() for answer in answers)
    text = guess.lower().translate(_SMART_QUOTES)
    for answer in lowered:
        if " " in answer and answer in text:
            return True
        if any(word == answer for word in text.split(" ")):
            return True
    return False


def red_is_correct_stripped(guess: str, answers: Sequence[str]) -> bool:
    """Judge ``guess`` with Red's rule after stripping punctuation from each space-separated guess word."""
    text = guess.lower().translate(_SMART_QUOTES)
    words = " ".join(word.strip(string.punctuation) for word in text.split(" "))
    return red_is_correct(words, answers) or red_is_correct(guess, answers)


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled guess: the accepted answers, the guess, whether a fair quizmaster accepts it."""

    category: str
    answers: tuple[str, ...]
    guess: str
    expected: bool
    line: int


def _unescape(text: str) -> str:
    """Decode the escapes the case file uses for invisible characters: \\uXXXX, \\UXXXXXXXX, \\t, \\n, \\\\."""

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return {"t": "\t", "n": "\n", "\\": "\\"}[code]

    return _ESCAPE.sub(replace, text)


def load_cases(path: Path = CASES_PATH) -> list[Case]:
    """Read the labelled cases: ``category<TAB>yes|no<TAB>answer | answer<TAB>guess`` per line, # comments."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        category, expected, answers, guess = line.split("\t")
        if expected not in ("yes", "no"):
            raise ValueError(f"{path.name}:{number}: expected must be yes or no, got {expected!r}")
        answer_list = tuple(_unescape(a.strip()) for a in answers.split(" | "))
        cases.append(Case(category, answer_list, _unescape(guess), expected == "yes", number))
    return cases


@dataclass(slots=True)
class Tally:
    """Confusion counts for one judge over a group of cases."""

    true_pos: int = 0
    false_pos: int = 0
    true_neg: int = 0
    false_neg: int = 0
    failures: list[Case] = field(default_factory=list)

    def add(self, case: Case, verdict: bool) -> None:
        """Count one verdict against the case's label."""
        if case.expected and verdict:
            self.true_pos += 1
        elif case.expected:
            self.false_neg += 1
            self.failures.append(case)
        elif verdict:
            self.false_pos += 1
            self.failures.append(case)
        else:
            self.true_neg += 1

    @property
    def total(self) -> int:
        """Number of cases counted."""
        return self.true_pos + self.false_pos + self.true_neg + self.false_neg

    @property
    def accuracy(self) -> float:
        """Share of cases judged as labelled."""
        return (self.true_pos + self.true_neg) / self.total if self.total else 1.0

    @property
    def fp_rate(self) -> float:
        """Share of wrong guesses that were accepted."""
        negatives = self.false_pos + self.true_neg
        return self.false_pos / negatives if negatives else 0.0

    @property
    def fn_rate(self) -> float:
        """Share of right guesses that were refused."""
        positives = self.true_pos + self.false_neg
        return self.false_neg / positives if positives else 0.0


def evaluate(judge: Judge, cases: Sequence[Case]) -> tuple[Tally, dict[str, Tally]]:
    """Judge every case; return the overall tally and one per category."""
    overall = Tally()
    by_category: dict[str, Tally] = {}
    for case in cases:
        verdict = judge(case.guess, case.answers)
        overall.add(case, verdict)
        by_category.setdefault(case.category, Tally()).add(case, verdict)
    return overall, by_category


def throughput(judge: Judge, cases: Sequence[Case], min_seconds: float, repeats: int = 5) -> float:
    """Return guesses judged per second over ``cases``: the best of ``repeats`` timed runs, as timeit does."""
    pairs = [(case.guess, list(case.answers)) for case in cases]
    for guess, answers in pairs:  # warm caches, as a running round would be
        judge(guess, answers)
    best = 0.0
    for _ in range(repeats):
        judged = 0
        start = time.perf_counter()
        while True:
            for guess, answers in pairs:
                judge(guess, answers)
            judged += len(pairs)
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds / repeats:
                break
        best = max(best, judged / elapsed)
    return best


JUDGES: dict[str, Judge] = {
    "ours": is_correct,
    "red": red_is_correct,
    "red+strip": red_is_correct_stripped,
}


def _cell(tally: Tally) -> str:
    """Format one judge's figures for a group of cases: accuracy, false positives, false negatives."""
    return f"{tally.accuracy:6.1%} {tally.false_pos:>3} {tally.fp_rate:5.0%} {tally.false_neg:>3} {tally.fn_rate:5.0%}"


def _print_table(results: dict[str, tuple[Tally, dict[str, Tally]]]) -> None:
    """Print overall and per-category figures, one column group per judge."""
    names = list(results)
    header = f"{'':<14}{'n':>5}  " + "  ".join(f"{name:<28}" for name in names)
    columns = f"{'':<14}{'':>5}  " + "  ".join(
        f"{'acc':>6} {'FP':>3} {'rate':>5} {'FN':>3} {'rate':>5}  " for _ in names
    )
    print(header.rstrip())
    print(columns.rstrip())
    overall = {name: results[name][0] for name in names}
    print(f"{'overall':<14}{overall[names[0]].total:>5}  " + "    ".join(_cell(overall[n]) for n in names))
    for category in sorted(results[names[0]][1]):
        tallies = {name: results[name][1][category] for name in names}
        row = "    ".join(_cell(tallies[n]) for n in names)
        print(f"{category:<14}{tallies[names[0]].total:>5}  {row}")


def build_cost(cases: Sequence[Case], rounds: int) -> float:
    """Return microseconds to build one :class:`AnswerMatcher` (the first guess of each question pays it)."""
    answer_lists = list(dict.fromkeys(case.answers for case in cases))
    start = time.perf_counter()
    for _ in range(rounds):
        for answers in answer_lists:
            AnswerMatcher(answers)
    return (time.perf_counter() - start) / (rounds * len(answer_lists)) * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    """Print quality per category and throughput for our matcher and Red's rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter throughput runs")
    parser.add_argument("--failures", action="store_true", help="list the cases our matcher gets wrong")
    args = parser.parse_args(argv)
    cases = load_cases()
    results = {name: evaluate(judge, cases) for name, judge in JUDGES.items()}
    right = sum(case.expected for case in cases)
    print(f"Labelled set {CASES_PATH.name}: {len(cases)} cases, {right} right and {len(cases) - right} wrong guesses")
    print("acc = share judged as labelled; FP = wrong guesses accepted (rate over wrong guesses);")
    print("FN = right guesses refused (rate over right guesses). red+strip = Red's rule with punctuation stripped.\n")
    _print_table(results)

    if args.failures:
        print("\nOur failures")
        for case in results["ours"][0].failures:
            kind = "FN" if case.expected else "FP"
            print(f"  {kind} line {case.line} [{case.category}] {case.guess!r} for {list(case.answers)!r}")

    seconds = 0.3 if args.quick else 2.0
    speeds = {name: throughput(judge, cases, seconds) for name, judge in JUDGES.items()}
    print("\nThroughput over the labelled set (guesses judged per second, best of 5 runs; answer-list cache warm)")
    for name, speed in speeds.items():
        print(f"  {name:<10} {speed:>12,.0f}/s   {1e6 / speed:6.2f} us per guess")
    ratio = speeds["ours"] / speeds["red"]
    print(f"  ratio ours/red {ratio:.3f} (Red's rule is {1 / ratio:.1f}x faster)")
    print(
        f"  building an AnswerMatcher (once per question, cached): {build_cost(cases, 3 if args.quick else 20):.1f} us"
    )


if __name__ == "__main__":
    main()
