"""Unit tests for the quiz session state machine, scoring, hints and time limits (no Discord involved)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.core.catalog import StoredItem
from bot.core.packs import Source
from bot.core.quiz import (
    FACT,
    MYTH,
    AnswerStatus,
    Mode,
    QuizError,
    QuizSession,
    QuizSettings,
    hint_text,
    plan_rounds,
    round_points,
    supported_modes,
    time_limit,
)


def make_item(pk: int, kind: str = "myth", difficulty: int = 1, **extra: object) -> StoredItem:
    values: dict[str, object] = {
        "pk": pk,
        "pack_id": "test",
        "id": f"item-{pk}",
        "kind": kind,
        "claim": f"Claim number {pk} that people often repeat.",
        "truth": "The truth explained.",
        "topic": "testing",
        "difficulty": difficulty,
        "source": Source("Source", "https://example.org"),
    }
    values.update(extra)
    return StoredItem(**values)  # type: ignore[arg-type]


CAPITAL = make_item(
    10, "question", 2, claim="", truth="", question="What is the capital of France?", answers=("Paris",)
)
HEARTS = make_item(
    11,
    "fact",
    2,
    question="How many hearts does an octopus have?",
    answers=("3", "three"),
    choices=("1", "2", "3", "8"),
)


def session_with(*plan: tuple[StoredItem, Mode], **settings: object) -> QuizSession:
    return QuizSession(
        guild_id=1,
        channel_id=2,
        starter_id=3,
        items=list(plan),
        settings=QuizSettings(**settings),  # type: ignore[arg-type]
        rng=random.Random(0),
        session_id="abcd1234",
    )


# -- modes, time limits, scoring -----------------------------------------------------------------


def test_supported_modes():
    assert supported_modes(make_item(1)) == (Mode.MYTH_OR_FACT,)
    assert supported_modes(HEARTS) == (Mode.MYTH_OR_FACT, Mode.CHOICE, Mode.TYPED)
    assert supported_modes(CAPITAL) == (Mode.TYPED,)


def test_plan_drops_items_without_a_wanted_mode():
    plan = plan_rounds([make_item(1), CAPITAL, HEARTS], [Mode.TYPED], random.Random(1))
    assert plan == [(CAPITAL, Mode.TYPED), (HEARTS, Mode.TYPED)]


def test_time_limit_grows_with_text_and_accessibility_setting():
    short = time_limit(Mode.MYTH_OR_FACT, "x" * 40, QuizSettings())
    long = time_limit(Mode.MYTH_OR_FACT, "x" * 240, QuizSettings())
    assert short == 15.0
    assert long == 15.0 + 12.0
    assert time_limit(Mode.MYTH_OR_FACT, "x" * 5000, QuizSettings()) == 35.0, "reading time is capped"
    assert time_limit(Mode.TYPED, "x" * 40, QuizSettings(extra_time_percent=50)) == 45.0


def test_points_by_difficulty_speed_and_streak():
    assert round_points(1, elapsed=15, limit=15, streak=1) == 10
    assert round_points(3, elapsed=15, limit=15, streak=1) == 30
    assert round_points(2, elapsed=0, limit=15, streak=1) == 30, "an instant answer earns half again"
    assert round_points(2, elapsed=7.5, limit=15, streak=1) == 25
    assert round_points(1, elapsed=15, limit=15, streak=3) == 20, "+5 per consecutive correct round after the first"
    assert round_points(1, elapsed=15, limit=15, streak=50) == 35, "streak bonus is capped"


def test_hints_reveal_more_letters_at_each_level():
    assert hint_text("Albert Einstein", 0, seed=1) == "______ ________"
    assert hint_text("Albert Einstein", 1, seed=1) == "A_____ E_______"
    level2 = hint_text("Albert Einstein", 2, seed=1)
    assert level2.startswith("A") and level2.count("_") < 12
    assert hint_text("1985", 1, seed=1) == "1___"
    assert hint_text("Saint-Étienne", 1, seed=1) == "S____-É______"


# -- button rounds -------------------------------------------------------------------------------


def test_myth_or_fact_round_scores_correct_players_fastest_first():
    session = session_with((make_item(1, "myth"), Mode.MYTH_OR_FACT))
    question = session.start_round(now=100.0)
    assert question.options == (MYTH, FACT)
    assert question.correct_option == MYTH
    assert session.answer_option(7, MYTH, now=103.0) is AnswerStatus.ACCEPTED
    assert session.answer_option(8, FACT, now=101.0) is AnswerStatus.ACCEPTED
    assert session.answer_option(9, MYTH, now=101.0) is AnswerStatus.ACCEPTED
    result = session.close_round()
    assert [p.user_id for p in result.winners] == [9, 7]
    assert result.winners[0].points > result.winners[1].points, "faster earns more"
    assert [p.user_id for p in result.players] == [8, 9, 7]
    assert result.players[0].points == 0 and result.players[0].answer_ms is None
    assert result.winners[0].answer_ms == 1000


def test_a_member_answers_once_and_cannot_change():
    session = session_with((make_item(1, "fact"), Mode.MYTH_OR_FACT))
    session.start_round(now=0.0)
    assert session.answer_option(7, MYTH, now=1.0) is AnswerStatus.ACCEPTED
    assert session.answer_option(7, FACT, now=2.0) is AnswerStatus.ALREADY_ANSWERED
    assert session.answer_option(7, "Maybe", now=2.0) is AnswerStatus.NOT_AN_OPTION
    result = session.close_round()
    assert result.winners == ()


def test_answers_after_the_time_limit_or_reveal_are_refused():
    session = session_with((make_item(1), Mode.MYTH_OR_FACT))
    question = session.start_round(now=0.0)
    assert session.answer_option(7, MYTH, now=question.time_limit + 0.1) is AnswerStatus.ROUND_CLOSED
    session.close_round()
    assert session.answer_option(7, MYTH, now=1.0) is AnswerStatus.ROUND_CLOSED


def test_multiple_choice_round():
    session = session_with((HEARTS, Mode.CHOICE))
    question = session.start_round(now=0.0)
    assert sorted(question.options) == ["1", "2", "3", "8"]
    assert question.correct_option == "3"
    session.answer_option(5, "3", now=1.0)
    session.answer_option(6, "8", now=1.0)
    assert [p.user_id for p in session.close_round().winners] == [5]


# -- typed rounds --------------------------------------------------------------------------------


def test_typed_round_first_correct_answer_wins():
    session = session_with((CAPITAL, Mode.TYPED))
    session.start_round(now=0.0)
    assert session.answer_typed(7, "london", now=2.0) is AnswerStatus.WRONG
    assert session.answer_typed(8, "i think it's Paris!", now=3.0) is AnswerStatus.WON
    assert session.round_won
    assert session.answer_typed(9, "paris", now=3.5) is AnswerStatus.ROUND_CLOSED, "later answers do not count"
    result = session.close_round()
    assert [p.user_id for p in result.winners] == [8]
    assert {p.user_id for p in result.players} == {7, 8}


def test_typed_round_records_near_misses():
    einstein = make_item(
        12, "question", question="Who developed general relativity?", answers=("Albert Einstein",), claim="", truth=""
    )
    session = session_with((einstein, Mode.TYPED))
    session.start_round(now=0.0)
    assert session.answer_typed(7, "einstine", now=1.0) is AnswerStatus.WRONG
    assert session.answer_typed(8, "Isaac Newton", now=1.0) is AnswerStatus.WRONG
    assert session.answer_typed(9, "einstine", now=2.0) is AnswerStatus.WRONG
    result = session.close_round()
    assert result.near_misses() == ("einstine",)
    assert result.winners == ()


def test_hints_fall_due_at_fractions_of_the_time_limit():
    session = session_with((CAPITAL, Mode.TYPED))
    question = session.start_round(now=0.0)
    limit = question.time_limit
    assert session.due_hint(now=limit / 3 - 0.1) is None
    assert session.next_hint_at() == pytest.approx(limit / 3)
    assert session.due_hint(now=limit / 3) == "P____"
    assert session.due_hint(now=limit / 3 + 1) is None, "each hint once"
    assert session.due_hint(now=2 * limit / 3)
    assert session.next_hint_at() is None


def test_no_hints_when_turned_off_or_after_a_win():
    session = session_with((CAPITAL, Mode.TYPED), (CAPITAL, Mode.TYPED), hints=False)
    session.start_round(now=0.0)
    assert session.due_hint(now=100.0) is None
    session.close_round()
    session.settings = QuizSettings()
    session.start_round(now=0.0)
    session.answer_typed(1, "Paris", now=1.0)
    assert session.due_hint(now=100.0) is None


# -- streaks, standings, endings -----------------------------------------------------------------


def test_streaks_grow_with_consecutive_correct_rounds_and_reset_on_a_miss():
    items = [(make_item(i, "myth"), Mode.MYTH_OR_FACT) for i in range(1, 5)]
    session = session_with(*items)
    streaks = []
    for answer in (MYTH, MYTH, FACT, MYTH):
        session.start_round(now=0.0)
        session.answer_option(7, answer, now=15.0)
        streaks.append(session.close_round().players[0].streak)
    assert streaks == [1, 2, 0, 1]


def test_sitting_out_a_round_breaks_the_streak():
    items = [(make_item(i, "myth"), Mode.MYTH_OR_FACT) for i in range(1, 4)]
    session = session_with(*items)
    session.start_round(now=0.0)
    session.answer_option(7, MYTH, now=15.0)
    session.close_round()
    session.start_round(now=0.0)
    session.answer_option(8, MYTH, now=15.0)
    session.close_round()
    session.start_round(now=0.0)
    session.answer_option(7, MYTH, now=15.0)
    assert session.close_round().players[0].streak == 1


def test_standings_share_positions_on_ties():
    items = [(make_item(i, "myth"), Mode.MYTH_OR_FACT) for i in range(1, 3)]
    session = session_with(*items)
    session.start_round(now=0.0)
    for user in (5, 6, 7):
        session.answer_option(user, MYTH if user != 7 else FACT, now=15.0)
    session.close_round()
    standings = session.standings()
    assert [(s.position, s.user_id, s.points) for s in standings] == [(1, 5, 10), (1, 6, 10), (3, 7, 0)]


def test_session_ends_after_the_last_round():
    session = session_with((make_item(1), Mode.MYTH_OR_FACT))
    assert session.total_rounds == 1 and not session.finished
    session.start_round(now=0.0)
    with pytest.raises(QuizError):
        session.start_round(now=1.0)
    session.close_round()
    assert session.finished and not session.ended_idle
    with pytest.raises(QuizError):
        session.start_round(now=2.0)


def test_session_ends_itself_after_idle_rounds():
    items = [(make_item(i), Mode.MYTH_OR_FACT) for i in range(1, 10)]
    session = session_with(*items, idle_rounds_to_end=2)
    session.start_round(now=0.0)
    session.answer_option(1, MYTH, now=1.0)
    session.close_round()
    for _ in range(2):
        session.start_round(now=0.0)
        assert not session.close_round().answered
    assert session.finished and session.ended_idle
    assert session.round_number == 3


def test_stop_and_skip():
    items = [(make_item(i), Mode.MYTH_OR_FACT) for i in range(1, 5)]
    session = session_with(*items)
    session.start_round(now=0.0)
    session.answer_option(1, MYTH, now=1.0)
    skipped = session.close_round(skipped=True)
    assert skipped.skipped and skipped.winners == ()
    assert session.standings()[0].points == 0, "a skipped round scores nothing"
    session.stop()
    assert session.finished


def test_round_record_is_keyed_per_round():
    session = session_with((make_item(1), Mode.MYTH_OR_FACT), (make_item(2), Mode.MYTH_OR_FACT))
    session.start_round(now=0.0)
    session.answer_option(1, MYTH, now=1.0)
    record = session.record(session.close_round(), datetime(2026, 11, 26, tzinfo=UTC))
    assert record.round_key == "abcd1234:1"
    assert record.item_pk == 1 and record.guild_id == 1
    assert [p.user_id for p in record.players] == [1]
    session.start_round(now=0.0)
    assert session.record(session.close_round(skipped=True), datetime.now(UTC)).round_key == "abcd1234:2"
