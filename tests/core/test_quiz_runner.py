"""Unit tests for the quiz runner without Discord: a real store, a presenter that records, an alarm on events."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from bot.core import retry
from bot.core.errors import StorageUnavailable
from bot.core.quiz import Question, QuizSession, RoundResult, Standing
from bot.core.quiz_runner import SHUTDOWN_END, STORAGE_END, QuizRunner
from bot.storage.base import FactStore

GUILD, CHANNEL, STARTER = 1, 10, 100


class EventAlarm:
    """Naps that a ring ends early, on asyncio events."""

    def __init__(self) -> None:
        self._naps: dict[str, asyncio.Event] = {}

    async def nap(self, key: str, seconds: float) -> None:
        event = self._naps.setdefault(key, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            pass
        finally:
            self._naps.pop(key, None)

    def ring(self, key: str) -> None:
        if key in self._naps:
            self._naps[key].set()


class RecordingPresenter:
    """Records what a quiz shows; its reveal can be held up, like a slow Discord."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.reveals: list[RoundResult] = []
        self.reveal_allowed = asyncio.Event()
        self.reveal_allowed.set()
        self.question_asked = asyncio.Event()
        self.revealed = asyncio.Event()

    async def ask(self, session: QuizSession, question: Question) -> int:
        self.shown.append(f"ask {question.number}")
        self.question_asked.set()
        return 1000 + question.number

    async def close_question(self, question: Question, message_id: int) -> None:
        self.shown.append(f"close {question.number}")

    async def hint(self, text: str) -> None:
        self.shown.append("hint")

    async def reveal(self, result: RoundResult) -> None:
        await self.reveal_allowed.wait()
        self.reveals.append(result)
        self.shown.append(f"reveal {result.question.number}")
        self.revealed.set()

    async def finish(self, session: QuizSession, standings: list[Standing], reason: str) -> None:
        self.shown.append(f"finish: {reason}")


@pytest.fixture
def presenter() -> RecordingPresenter:
    return RecordingPresenter()


@pytest.fixture
def runner(store: FactStore, presenter: RecordingPresenter) -> QuizRunner:
    loop = asyncio.get_running_loop
    return QuizRunner(
        store,
        clock=lambda: loop().time(),
        now=lambda: datetime.now(UTC),
        alarm=EventAlarm(),
        presenter_for=lambda channel_id: presenter,
    )


async def start(runner: QuizRunner, presenter: RecordingPresenter, starter: int = STARTER):
    async def announce(session: QuizSession, wanted: int) -> None:
        presenter.shown.append("announce")

    presenter.question_asked.clear()
    running = await runner.start(
        guild_id=GUILD,
        channel_id=CHANNEL,
        starter_id=starter,
        announce=announce,
        command_prefix="!",
        rounds=5,
        mode="myth-or-fact",
    )
    await presenter.question_asked.wait()
    return running


async def test_stop_reveals_the_open_question_then_the_standings_and_frees_the_channel(runner, presenter, store):
    running = await start(runner, presenter)
    running.session.answer_option(STARTER, running.session.question.correct_option, runner.clock())
    assert await runner.stop(running) is True
    assert presenter.shown == ["announce", "ask 1", "close 1", "reveal 1", "finish: The quiz was stopped."]
    [result] = presenter.reveals
    assert result.stopped and result.skipped and result.winners == ()
    assert runner.quizzes.get(CHANNEL) is None
    assert await store.running_quizzes() == []
    assert await store.top_scores(GUILD, "all") == [], "the stopped question scores nothing"

    again = await start(runner, presenter, starter=STARTER + 1)
    assert runner.quizzes.get(CHANNEL) is again
    assert await runner.stop(again) is True


async def test_a_stop_that_cannot_finish_in_time_says_so_and_the_quiz_still_ends(runner, presenter):
    running = await start(runner, presenter)
    presenter.reveal_allowed.clear()  # Discord does not take the reveal for now
    assert await runner.stop(running, wait=0.05) is False
    assert runner.quizzes.get(CHANNEL) is running, "the channel stays taken until the quiz has ended"
    presenter.reveal_allowed.set()
    assert await runner.stop(running) is True
    assert presenter.shown[-2:] == ["reveal 1", "finish: The quiz was stopped."]
    assert runner.quizzes.get(CHANNEL) is None


async def test_a_stop_between_questions_asks_no_more(runner, presenter):
    running = await start(runner, presenter)
    running.skip_requested = True
    runner.wake(running)
    await presenter.revealed.wait()  # the runner now pauses before the next question
    assert await runner.stop(running) is True
    assert "ask 2" not in presenter.shown
    assert presenter.shown[-1] == "finish: The quiz was stopped."
    assert not presenter.reveals[0].stopped, "a skipped round is not a stopped one"


async def test_an_adaptive_quiz_goes_on_when_a_new_players_record_cannot_be_read(runner, presenter, store, caplog):
    await store.update_server_settings(GUILD, {"quiz_adaptive": True, "quiz_seconds": 5})
    reads: list[list[int]] = []
    read_records = store.member_records
    refused = asyncio.Event()

    async def member_records(guild_id: int, user_ids):
        reads.append(sorted(user_ids))
        if len(reads) > 1:
            refused.set()
            raise StorageUnavailable("database is locked")
        return await read_records(guild_id, user_ids)

    store.member_records = member_records  # type: ignore[method-assign]
    running = await start(runner, presenter)
    assert running.adaptive is not None and running.adaptive.players == [STARTER]
    newcomer = STARTER + 1
    running.session.answer_option(newcomer, running.session.question.correct_option, runner.clock())
    await presenter.revealed.wait()  # the round ran to its time limit (a skipped one counts no answers)
    await asyncio.wait_for(refused.wait(), 5)
    assert reads == [[STARTER], [newcomer]]
    assert "could not read new players' records" in caplog.text
    assert [p.user_id for p in running.adaptive.current_players()] == [newcomer]
    assert await runner.stop(running) is True


class HeldWrites:
    """Wraps ``store.record_round`` so each write waits until the test lets it through; notes overlaps and order."""

    def __init__(self, store: FactStore) -> None:
        self.real = store.record_round
        self.allowed = asyncio.Event()
        self.started: list[str] = []
        self.written: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, record, week):
        self.started.append(record.round_key)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.allowed.wait()
            recorded = await self.real(record, week)
        finally:
            self.in_flight -= 1
        self.written.append(record.round_key)
        return recorded


class ManualClock:
    """The runner's clock, moved on by the test (answers and time limits), not by the machine."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def manual_runner(store: FactStore, presenter: RecordingPresenter, clock: ManualClock) -> QuizRunner:
    return QuizRunner(
        store, clock=clock, now=lambda: datetime.now(UTC), alarm=EventAlarm(), presenter_for=lambda _: presenter
    )


async def answer_and_close(runner: QuizRunner, running, presenter: RecordingPresenter, clock: ManualClock) -> None:
    """Answer the open question right as the starter, let its time run out, and wait for its reveal."""
    session = running.session
    presenter.revealed.clear()
    clock.now += 1
    session.answer_option(STARTER, session.question.correct_option, clock())
    clock.now = session.deadline() + 0.1
    runner.wake(running)
    await asyncio.wait_for(presenter.revealed.wait(), 5)


async def test_rounds_are_revealed_before_their_write_and_written_once_each_in_order(
    manual_runner, presenter, store, clock, monkeypatch
):
    held = HeldWrites(store)
    monkeypatch.setattr(store, "record_round", held)
    running = await start(manual_runner, presenter)
    running.session.settings = dataclasses.replace(running.session.settings, pause_seconds=0)
    for number in range(1, 6):
        held.allowed.clear()
        await answer_and_close(manual_runner, running, presenter, clock)
        assert f"reveal {number}" in presenter.shown and len(held.written) == number - 1, "revealed before written"
        await asyncio.sleep(0.01)
        assert presenter.shown[-1] == f"reveal {number}", "nothing follows until the round is written"
        presenter.question_asked.clear()
        held.allowed.set()
        if number < 5:
            await asyncio.wait_for(presenter.question_asked.wait(), 5)
    await asyncio.wait_for(running.task, 5)
    assert held.most_in_flight == 1, "one write at a time"
    assert held.written == held.started == [running.session.round_key(n) for n in range(1, 6)], "each once, in order"
    [standing] = running.session.standings()
    mine = await store.member_rank(GUILD, "all", STARTER)
    assert (mine.points, mine.correct, mine.rounds) == (standing.points, standing.correct, 5) == (mine.points, 5, 5)
    assert presenter.shown[-1] == "finish: That was the last question."


async def test_a_shutdown_while_a_revealed_round_is_written_waits_for_it_before_the_standings(
    manual_runner, presenter, store, clock, monkeypatch
):
    held = HeldWrites(store)
    monkeypatch.setattr(store, "record_round", held)
    running = await start(manual_runner, presenter)
    await answer_and_close(manual_runner, running, presenter, clock)  # the runner now pauses before question 2
    shutdown = asyncio.create_task(manual_runner.cancel_all())
    await asyncio.sleep(0.01)
    assert not shutdown.done() and not any(shown.startswith("finish") for shown in presenter.shown)
    held.allowed.set()
    await asyncio.wait_for(shutdown, 5)
    assert presenter.shown[-1] == f"finish: {SHUTDOWN_END}"
    assert "ask 2" not in presenter.shown
    [standing] = running.session.standings()
    mine = await store.member_rank(GUILD, "all", STARTER)
    assert (mine.points, mine.correct, mine.rounds) == (standing.points, 1, 1)
    assert await store.running_quizzes() == []


async def test_a_round_whose_write_keeps_failing_behind_its_reveal_ends_the_quiz_before_the_next_question(
    manual_runner, presenter, store, clock, monkeypatch
):
    monkeypatch.setattr(retry, "RETRY_DELAYS", (0, 0, 0))
    attempts = []

    async def unavailable(record, week):
        attempts.append(record.round_key)
        raise StorageUnavailable("database is locked")

    monkeypatch.setattr(store, "record_round", unavailable)
    running = await start(manual_runner, presenter)
    running.session.settings = dataclasses.replace(running.session.settings, pause_seconds=0)
    await answer_and_close(manual_runner, running, presenter, clock)
    await asyncio.wait_for(running.task, 5)
    assert presenter.shown == ["announce", "ask 1", "close 1", "reveal 1", f"finish: {STORAGE_END}"]
    assert len(attempts) == 4
    assert await store.member_rank(GUILD, "all", STARTER) is None
