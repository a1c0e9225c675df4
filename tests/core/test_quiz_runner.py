"""Unit tests for the quiz runner without Discord: a real store, a presenter that records, an alarm on events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.errors import StorageUnavailable
from bot.core.quiz import Question, QuizSession, RoundResult, Standing
from bot.core.quiz_runner import QuizRunner
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
