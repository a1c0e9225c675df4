"""The quiz game, without Discord: modes, time limits, hints, scoring and the session state machine.

A :class:`QuizSession` takes ids, answers and timestamps and returns results; the quiz cog only renders them.
Times are plain seconds from any monotonic clock, passed in by the caller, so tests control time exactly.
"""

from __future__ import annotations

import asyncio
import enum
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.i18n import N_
from bot.core.matching import is_correct, is_near_miss
from bot.core.scores import PlayerResult, RoundRecord
from bot.core.teams import TeamRoster, TeamStanding, team_standings

if TYPE_CHECKING:
    from bot.core.adaptive import AdaptivePlan
    from bot.core.catalog import StoredItem


class Mode(enum.StrEnum):
    """How a round is asked."""

    MYTH_OR_FACT = "myth-or-fact"
    CHOICE = "choice"
    TYPED = "typed"


MIXED = "mixed"
"""Not a mode of its own: each round uses a mode its item supports, chosen at random."""

MODE_NAMES = {
    Mode.MYTH_OR_FACT: N_("Myth or fact?"),
    Mode.CHOICE: N_("Multiple choice"),
    Mode.TYPED: N_("Type the answer"),
}
"""Each mode's name, in English: show it with ``_()``."""
MYTH, FACT = "Myth", "Fact"


def supported_modes(item: StoredItem) -> tuple[Mode, ...]:
    """Return the modes an item can be asked in."""
    modes: list[Mode] = []
    if item.kind in ("myth", "fact"):
        modes.append(Mode.MYTH_OR_FACT)
    if item.question and item.choices:
        modes.append(Mode.CHOICE)
    if item.question and item.answers:
        modes.append(Mode.TYPED)
    return tuple(modes)


@dataclass(frozen=True, slots=True)
class QuizSettings:
    """Per-server game settings; defaults suit most servers."""

    rounds: int = 10
    base_seconds: dict[Mode, float] = field(
        default_factory=lambda: {Mode.MYTH_OR_FACT: 15.0, Mode.CHOICE: 20.0, Mode.TYPED: 30.0}
    )
    extra_time_percent: int = 0
    """Accessibility: lengthen every time limit by this much (0-200)."""
    hints: bool = True
    idle_rounds_to_end: int = 3
    """End the session after this many rounds in a row that nobody answered."""
    pause_seconds: float = 4.0
    """Time between a reveal and the next question."""


READING_CHARS_PER_SECOND = 15
READING_FREE_CHARS = 60
READING_MAX_SECONDS = 20.0


def time_limit(mode: Mode, text: str, settings: QuizSettings) -> float:
    """Return the seconds a round lasts: a base per mode, plus reading time for long text, times the extra time."""
    reading = min(READING_MAX_SECONDS, max(0, len(text) - READING_FREE_CHARS) / READING_CHARS_PER_SECOND)
    return round((settings.base_seconds[mode] + reading) * (1 + settings.extra_time_percent / 100), 1)


# -- scoring -------------------------------------------------------------------------------------

POINTS_BY_DIFFICULTY = {1: 10, 2: 20, 3: 30}
SPEED_BONUS_SHARE = 0.5
"""An instant answer earns half the base points again; the bonus falls linearly to 0 at the time limit."""
STREAK_BONUS_STEP = 5
STREAK_BONUS_MAX = 25


def round_points(difficulty: int, elapsed: float, limit: float, streak: int) -> int:
    """Return points for a correct answer after ``elapsed`` of ``limit`` seconds, as the ``streak``-th in a row."""
    base = POINTS_BY_DIFFICULTY[difficulty]
    remaining = max(0.0, min(1.0, 1 - elapsed / limit)) if limit > 0 else 0.0
    speed = round(base * SPEED_BONUS_SHARE * remaining)
    streak_bonus = min(STREAK_BONUS_MAX, STREAK_BONUS_STEP * max(0, streak - 1))
    return base + speed + streak_bonus


# -- hints ---------------------------------------------------------------------------------------

HINT_FRACTIONS = (1 / 3, 2 / 3)
"""Typed rounds show a hint after a third and after two thirds of the time limit."""


def hint_text(answer: str, level: int, seed: int) -> str:
    """Mask ``answer``: level 1 shows each word's first letter, level 2 also about a third of the other letters."""
    letters = [index for index, char in enumerate(answer) if char.isalnum()]
    shown: set[int] = set()
    if level >= 1:
        shown.update(i for i in letters if i == 0 or not answer[i - 1].isalnum())
    if level >= 2:
        rest = [i for i in letters if i not in shown]
        shown.update(random.Random(seed).sample(rest, len(rest) // 3))
    return " ".join(
        "".join(char if (not char.isalnum() or index in shown) else "_" for index, char in word)
        for word in _indexed_words(answer)
    )


def _indexed_words(text: str) -> list[list[tuple[int, str]]]:
    words: list[list[tuple[int, str]]] = [[]]
    for index, char in enumerate(text):
        if char == " ":
            words.append([])
        else:
            words[-1].append((index, char))
    return [word for word in words if word]


# -- rounds --------------------------------------------------------------------------------------


def question_text(item: StoredItem, mode: Mode) -> str:
    """Return what players read in ``mode``: the claim for myth-or-fact, else the question."""
    return item.claim if mode is Mode.MYTH_OR_FACT else (item.question or item.claim)


@dataclass(frozen=True, slots=True)
class Question:
    """One round as asked: the item, the mode, the options and the time limit."""

    number: int
    item: StoredItem
    mode: Mode
    time_limit: float
    options: tuple[str, ...] = ()
    """Button labels for myth-or-fact and multiple-choice rounds."""

    @property
    def text(self) -> str:
        """What the players read."""
        return question_text(self.item, self.mode)

    @property
    def correct_option(self) -> str:
        """The right answer as shown."""
        if self.mode is Mode.MYTH_OR_FACT:
            return MYTH if self.item.kind == "myth" else FACT
        return self.item.answers[0]


def build_question(number: int, item: StoredItem, mode: Mode, settings: QuizSettings, rng: random.Random) -> Question:
    """Prepare an item for a round in ``mode`` (choices shuffled so the answer is not always first)."""
    options: tuple[str, ...] = ()
    if mode is Mode.MYTH_OR_FACT:
        options = (MYTH, FACT)
    elif mode is Mode.CHOICE:
        shuffled = list(item.choices)
        rng.shuffle(shuffled)
        options = tuple(shuffled)
    return Question(number, item, mode, time_limit(mode, question_text(item, mode), settings), options)


MAX_JUDGED_GUESSES = 500
"""Distinct typed guesses remembered per round (a flood of unique spam is still judged, just not cached)."""
MAX_NEAR_MISS_CHECKS = 50


class AnswerStatus(enum.Enum):
    """What happened to a submitted answer."""

    ACCEPTED = "accepted"
    ALREADY_ANSWERED = "already answered"
    ROUND_CLOSED = "round closed"
    NOT_AN_OPTION = "not an option"
    WRONG = "wrong"
    WON = "won"
    NOT_IN_A_TEAM = "not in a team"
    """A team quiz: only members of a team score, so the answer was not taken."""


@dataclass(slots=True)
class _Answer:
    option: str
    elapsed: float
    correct: bool


@dataclass(frozen=True, slots=True)
class RoundResult:
    """A closed round: the answer, who was right, and their points."""

    question: Question
    winners: tuple[PlayerResult, ...]
    """Players who were right, fastest first."""
    players: tuple[PlayerResult, ...]
    """Everyone who answered."""
    wrong_guesses: tuple[str, ...]
    """The distinct wrong typed guesses (at most :data:`MAX_NEAR_MISS_CHECKS`), from which :meth:`near_misses` picks."""
    skipped: bool = False
    """Nobody scores the round (a skip, or a stop before anyone won it)."""
    stopped: bool = False
    """Skipped because the quiz was stopped (its answer is still revealed)."""
    teams: tuple[TeamStanding, ...] = ()
    """A team quiz's team totals after this round, best first (empty in other quizzes)."""

    @property
    def answered(self) -> bool:
        """Whether anyone answered at all."""
        return bool(self.players)

    def near_misses(self) -> tuple[str, ...]:
        """Return the wrong guesses that came close, for item statistics (worked out when recorded, not revealed)."""
        answers = self.question.item.answers
        return tuple(guess for guess in self.wrong_guesses if is_near_miss(guess, answers, judged_wrong=True))


@dataclass(frozen=True, slots=True)
class Standing:
    """A player's total in the session."""

    position: int
    user_id: int
    points: int
    correct: int


class QuizError(Exception):
    """A session was driven out of order (a bug in the caller, not a user mistake)."""


class QuizSession:
    """One game in one channel: asks questions in turn, collects answers, scores rounds."""

    def __init__(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        items: Sequence[tuple[StoredItem, Mode]],
        settings: QuizSettings,
        rng: random.Random | None = None,
        session_id: str | None = None,
        roster: TeamRoster | None = None,
    ) -> None:
        self.id = session_id or secrets.token_hex(4)
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.starter_id = starter_id
        self.settings = settings
        self.roster = roster
        """The teams of a team quiz (only their members score), else ``None``."""
        self._rng = rng or random.Random()
        self._plan = list(items)
        self.round_number = 0
        self.question: Question | None = None
        self._round_started_at = 0.0
        self._answers: dict[int, _Answer] = {}
        self._verdicts: dict[str, bool] = {}
        self._winner: int | None = None
        self._hints_shown = 0
        self._idle_rounds = 0
        self._streaks: dict[int, int] = {}
        self._points: dict[int, int] = {}
        self._correct: dict[int, int] = {}
        self.stopped = False
        self.message_id: int | None = None
        """The Discord message of the current question (set by the cog; used for links)."""

    # -- state -----------------------------------------------------------------------------------

    @property
    def total_rounds(self) -> int:
        """How many rounds the session plans."""
        return len(self._plan)

    @property
    def round_open(self) -> bool:
        """Whether a question is being asked right now."""
        return self.question is not None

    @property
    def finished(self) -> bool:
        """Whether the session is over: stopped, out of questions, or idle too long."""
        return (
            self.stopped
            or self.round_number >= len(self._plan)
            or self._idle_rounds >= self.settings.idle_rounds_to_end
        )

    @property
    def ended_idle(self) -> bool:
        """Whether the session ended because nobody was answering."""
        return self._idle_rounds >= self.settings.idle_rounds_to_end

    def round_key(self, number: int | None = None) -> str:
        """Return the unique key of a round, used to record it exactly once."""
        return f"{self.id}:{number or self.round_number}"

    # -- driving ---------------------------------------------------------------------------------

    def bring_forward(self, choose: Callable[[Sequence[tuple[StoredItem, Mode]]], int]) -> None:
        """Let ``choose`` say which of the rounds still planned is asked next (its index among them)."""
        if self.round_open or self.finished:
            raise QuizError("cannot reorder the rounds now")
        index = self.round_number + choose(self._plan[self.round_number :])
        self._plan.insert(self.round_number, self._plan.pop(index))

    def start_round(self, now: float) -> Question:
        """Ask the next question."""
        if self.round_open or self.finished:
            raise QuizError("cannot start a round now")
        item, mode = self._plan[self.round_number]
        self.round_number += 1
        self.question = build_question(self.round_number, item, mode, self.settings, self._rng)
        self._round_started_at = now
        self._answers = {}
        self._verdicts = {}
        self._winner = None
        self._hints_shown = 0
        return self.question

    def deadline(self) -> float:
        """Return when the open round times out."""
        if self.question is None:
            raise QuizError("no round is open")
        return self._round_started_at + self.question.time_limit

    def answer_option(self, user_id: int, option: str, now: float) -> AnswerStatus:
        """Record a button answer; each member answers once and cannot change it."""
        question = self.question
        if question is None or question.mode is Mode.TYPED or now > self.deadline():
            return AnswerStatus.ROUND_CLOSED
        if option not in question.options:
            return AnswerStatus.NOT_AN_OPTION
        if self.roster is not None and user_id not in self.roster:
            return AnswerStatus.NOT_IN_A_TEAM
        if user_id in self._answers:
            return AnswerStatus.ALREADY_ANSWERED
        elapsed = now - self._round_started_at
        self._answers[user_id] = _Answer(option, elapsed, option == question.correct_option)
        return AnswerStatus.ACCEPTED

    def answer_typed(self, user_id: int, guess: str, now: float) -> AnswerStatus:
        """Check a typed guess; the first correct one wins the round."""
        question = self.question
        if question is None or question.mode is not Mode.TYPED or self._winner is not None or now > self.deadline():
            return AnswerStatus.ROUND_CLOSED
        if self.roster is not None and user_id not in self.roster:
            return AnswerStatus.NOT_IN_A_TEAM
        elapsed = now - self._round_started_at
        # Chat repeats itself ("paris?", "paris?"): judge each distinct text once per round.
        correct = self._verdicts.get(guess)
        if correct is None:
            correct = is_correct(guess, question.item.answers)
            if len(self._verdicts) < MAX_JUDGED_GUESSES:
                self._verdicts[guess] = correct
        if correct:
            self._winner = user_id
            self._answers[user_id] = _Answer(guess, elapsed, True)
            return AnswerStatus.WON
        self._answers.setdefault(user_id, _Answer(guess, elapsed, False))
        return AnswerStatus.WRONG

    @property
    def round_won(self) -> bool:
        """Whether a typed round already has its winner (the round can close early)."""
        return self._winner is not None

    def due_hint(self, now: float) -> str | None:
        """Return the next hint if its time has come (typed rounds with hints on), else ``None``."""
        question = self.question
        if question is None or question.mode is not Mode.TYPED or not self.settings.hints or self._winner:
            return None
        if self._hints_shown >= len(HINT_FRACTIONS):
            return None
        if now - self._round_started_at < HINT_FRACTIONS[self._hints_shown] * question.time_limit:
            return None
        self._hints_shown += 1
        return hint_text(question.correct_option, self._hints_shown, seed=question.item.pk)

    def next_hint_at(self) -> float | None:
        """Return when the next hint is due, or ``None`` if no more hints come this round."""
        question = self.question
        if question is None or question.mode is not Mode.TYPED or not self.settings.hints:
            return None
        if self._hints_shown >= len(HINT_FRACTIONS) or self._winner:
            return None
        return self._round_started_at + HINT_FRACTIONS[self._hints_shown] * question.time_limit

    def close_round(self, *, skipped: bool = False) -> RoundResult:
        """End the open round: score it, update streaks and standings, and return the result."""
        question = self.question
        if question is None:
            raise QuizError("no round is open")
        players: list[PlayerResult] = []
        for user_id, answer in sorted(self._answers.items(), key=lambda pair: pair[1].elapsed):
            correct = answer.correct and not skipped
            streak = self._streaks.get(user_id, 0) + 1 if correct else 0
            self._streaks[user_id] = streak
            points = (
                round_points(question.item.difficulty, answer.elapsed, question.time_limit, streak) if correct else 0
            )
            players.append(
                PlayerResult(user_id, points, correct, round(answer.elapsed * 1000) if correct else None, streak)
            )
            self._points[user_id] = self._points.get(user_id, 0) + points
            self._correct[user_id] = self._correct.get(user_id, 0) + int(correct)
        for user_id in self._streaks.keys() - self._answers.keys():
            self._streaks[user_id] = 0
        self._idle_rounds = 0 if players else self._idle_rounds + 1
        self.question = None
        return RoundResult(
            question,
            tuple(p for p in players if p.correct),
            tuple(players),
            self._wrong_guesses(question),
            skipped,
            stopped=skipped and self.stopped,
            teams=tuple(self.team_standings()),
        )

    def _wrong_guesses(self, question: Question) -> tuple[str, ...]:
        """Return the round's distinct wrong guesses, up to the number checked for near misses."""
        if question.mode is not Mode.TYPED:
            return ()
        return tuple(guess for guess, correct in self._verdicts.items() if not correct)[:MAX_NEAR_MISS_CHECKS]

    def stop(self) -> None:
        """End the session: no round starts after the open one."""
        self.stopped = True

    def record(self, result: RoundResult, played_at: datetime) -> RoundRecord:
        """Return what the store needs to score ``result`` (keyed so it is recorded once)."""
        return RoundRecord(
            guild_id=self.guild_id,
            round_key=self.round_key(result.question.number),
            item_pk=result.question.item.pk,
            topic=result.question.item.topic,
            played_at=played_at,
            players=() if result.skipped else result.players,
            near_misses=result.near_misses(),
        )

    def standings(self) -> list[Standing]:
        """Return the session's totals, best first; equal points share a position."""
        ordered = sorted(self._points, key=lambda uid: (-self._points[uid], -self._correct[uid], uid))
        standings: list[Standing] = []
        for index, user_id in enumerate(ordered):
            tied = standings and standings[-1].points == self._points[user_id]
            position = standings[-1].position if tied else index + 1
            standings.append(Standing(position, user_id, self._points[user_id], self._correct[user_id]))
        return standings

    def team_standings(self) -> list[TeamStanding]:
        """Return a team quiz's team totals, best first (see :func:`bot.core.teams.team_standings`); else nothing."""
        return team_standings(self.roster, self._points, self._correct) if self.roster is not None else []


def plan_rounds(
    items: Iterable[StoredItem], modes: Sequence[Mode], rng: random.Random
) -> list[tuple[StoredItem, Mode]]:
    """Pair each item with a mode it supports among ``modes`` (chosen at random); drop items that support none."""
    plan = []
    for item in items:
        usable = [mode for mode in supported_modes(item) if mode in modes]
        if usable:
            plan.append((item, rng.choice(usable)))
    return plan


@dataclass(eq=False)
class RunningQuiz:
    """A session plus the task that drives it, whether a skip was asked for, and its round being written."""

    session: QuizSession
    skip_requested: bool = False
    task: asyncio.Task[None] | None = None
    saving: asyncio.Future[bool] | None = None
    """The score write of the round revealed last, while it may still run (see :mod:`bot.core.quiz_runner`)."""
    command_prefix: str = "!"
    """The server's command prefix when the quiz started: messages starting with it are commands, not guesses."""
    adaptive: AdaptivePlan | None = None
    """How questions are matched to the players, when the server has adaptive difficulty on."""


class QuizRegistry:
    """The running quizzes, one per channel. Lives on the bot, so a reloaded cog finds its games."""

    def __init__(self) -> None:
        self._by_channel: dict[int, RunningQuiz] = {}

    def get(self, channel_id: int) -> RunningQuiz | None:
        """Return the quiz running in a channel."""
        return self._by_channel.get(channel_id)

    def by_session_id(self, session_id: str) -> RunningQuiz | None:
        """Return a running quiz by its session id (used by buttons)."""
        return next((q for q in self._by_channel.values() if q.session.id == session_id), None)

    def add(self, running: RunningQuiz) -> None:
        """Register a new quiz; a channel holds one at a time."""
        if running.session.channel_id in self._by_channel:
            raise QuizError("a session is already running in this channel")
        self._by_channel[running.session.channel_id] = running

    def remove(self, running: RunningQuiz) -> None:
        """Forget a finished quiz."""
        if self._by_channel.get(running.session.channel_id) is running:
            del self._by_channel[running.session.channel_id]

    def all(self) -> list[RunningQuiz]:
        """Return every running quiz."""
        return list(self._by_channel.values())
