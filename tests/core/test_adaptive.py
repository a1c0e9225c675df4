"""Unit tests for adaptive difficulty: the model's predictions, its shrinkage, the target and the choice of items."""

from __future__ import annotations

import random

import pytest

from bot.core.adaptive import (
    DIFFICULTY_PRIOR,
    NEWCOMER_TARGET,
    REGULAR_TARGET,
    AdaptivePlan,
    DifficultyModel,
    ItemRecord,
    PlayerRecord,
    QuizPool,
    choose_items,
    target_rate,
)
from bot.core.quiz import Mode, QuizSession, QuizSettings
from tests.core.test_quiz import make_item

MODEL = DifficultyModel(0.65)
NEWCOMER = PlayerRecord(1)
REGULAR = PlayerRecord(2, answers=400, correct=340)
WEAK = PlayerRecord(3, answers=400, correct=120)


def test_an_unplayed_item_is_predicted_from_its_pack_difficulty():
    for difficulty, prior in DIFFICULTY_PRIOR.items():
        assert MODEL.item_rate(ItemRecord(1, difficulty)) == pytest.approx(prior)
    assert MODEL.item_rate(ItemRecord(1, 1)) > MODEL.item_rate(ItemRecord(2, 3))


def test_more_answers_mean_less_shrinkage_toward_the_prior():
    # An easy item (prior 80 %) that players get right only 20 % of the time.
    few = MODEL.item_rate(ItemRecord(1, 1, overall_answers=5, overall_correct=1))
    many = MODEL.item_rate(ItemRecord(1, 1, overall_answers=500, overall_correct=100))
    assert DIFFICULTY_PRIOR[1] > few > many
    assert many == pytest.approx(0.2, abs=0.02)
    assert few > 0.5  # five answers move it, but not most of the way


def test_the_servers_own_answers_move_the_overall_rate():
    overall = ItemRecord(1, 2, overall_answers=1000, overall_correct=800)
    here = ItemRecord(1, 2, server_answers=200, server_correct=40, overall_answers=1000, overall_correct=800)
    assert MODEL.item_rate(overall) == pytest.approx(0.8, abs=0.01)
    assert MODEL.item_rate(here) < 0.3


def test_a_newcomer_is_an_average_player_and_records_move_the_ability():
    assert MODEL.ability(NEWCOMER) == 0
    assert MODEL.ability(REGULAR) > 0 > MODEL.ability(WEAK)
    # Two answers out of two barely say anything; 200 out of 200 do.
    assert 0 < MODEL.ability(PlayerRecord(4, 2, 2)) < MODEL.ability(PlayerRecord(5, 200, 200)) / 5


def test_a_strong_player_gets_a_higher_predicted_rate_on_a_hard_item_than_a_newcomer():
    hard = ItemRecord(1, 3, overall_answers=300, overall_correct=90)
    assert MODEL.predict(hard, [REGULAR]) > MODEL.predict(hard, [NEWCOMER]) > MODEL.predict(hard, [WEAK])
    assert MODEL.predict(hard, []) == pytest.approx(MODEL.item_rate(hard))


def test_a_group_is_predicted_as_the_mean_of_its_members():
    item = ItemRecord(1, 2)
    group = MODEL.predict(item, [REGULAR, WEAK])
    assert group == pytest.approx((MODEL.predict(item, [REGULAR]) + MODEL.predict(item, [WEAK])) / 2)


def test_the_average_player_is_the_one_who_answered_the_whole_pool():
    assert DifficultyModel.for_pool(QuizPool((), 1000, 500)).population_rate == pytest.approx(0.5, abs=0.01)
    assert DifficultyModel.for_pool(QuizPool(())).population_rate == pytest.approx(0.65)


def test_the_target_falls_from_newcomers_to_regulars():
    assert target_rate([]) == target_rate([NEWCOMER]) == NEWCOMER_TARGET
    veteran = PlayerRecord(6, answers=100_000, correct=70_000)
    assert NEWCOMER_TARGET > target_rate([REGULAR]) > target_rate([veteran]) > REGULAR_TARGET - 0.01
    assert target_rate([NEWCOMER, veteran]) == pytest.approx((NEWCOMER_TARGET + target_rate([veteran])) / 2)


def spread_pool() -> list[ItemRecord]:
    """Sixty items from very easy to very hard, each with plenty of answers."""
    return [ItemRecord(pk, 2, overall_answers=200, overall_correct=int(200 * (0.97 - pk * 0.015))) for pk in range(60)]


def test_selection_moves_toward_the_target():
    pool = spread_pool()
    for players in ([NEWCOMER], [REGULAR], [WEAK]):
        chosen = choose_items(pool, 5, players, MODEL, random.Random(1))
        at_random = random.Random(1).sample(pool, 5)
        target = target_rate(players)
        by_pk = {item.pk: item for item in pool}
        error = sum(abs(MODEL.predict(by_pk[pk], players) - target) for pk in chosen) / 5
        random_error = sum(abs(MODEL.predict(item, players) - target) for item in at_random) / 5
        assert error < 0.05 and error < random_error / 4


def test_a_regular_is_given_harder_items_than_a_newcomer():
    pool = spread_pool()
    by_pk = {item.pk: item for item in pool}
    newcomer = choose_items(pool, 5, [NEWCOMER], MODEL, random.Random(2))
    regular = choose_items(pool, 5, [REGULAR], MODEL, random.Random(2))

    def mean_rate(pks: list[int]) -> float:
        return sum(MODEL.item_rate(by_pk[pk]) for pk in pks) / len(pks)

    assert mean_rate(regular) < mean_rate(newcomer) - 0.1


def test_equal_items_are_chosen_at_random():
    pool = [ItemRecord(pk, 2) for pk in range(30)]
    draws = {tuple(choose_items(pool, 3, [], MODEL, random.Random(seed))) for seed in range(5)}
    assert len(draws) == 5


def test_the_plan_follows_who_answered_the_last_rounds():
    plan = AdaptivePlan([1], {1: NEWCOMER}, random.Random(3))
    plan.choose(QuizPool(tuple(spread_pool())), 10)
    assert [p.user_id for p in plan.current_players()] == [1]
    assert plan.note_round([(2, True), (1, False)]) == [2]
    plan.learn({2: REGULAR})
    assert {p.user_id for p in plan.current_players()} == {1, 2}
    assert plan.records[1] == PlayerRecord(1, 1, 0)  # this quiz's answer counts
    for _round in range(3):
        assert plan.note_round([(2, True)]) == []
    assert [p.user_id for p in plan.current_players()] == [2]  # 1 has not answered the last three rounds
    assert plan.records[2].answers == REGULAR.answers + 3


def test_the_next_question_is_the_planned_one_best_suited_to_the_players():
    pool = spread_pool()
    plan = AdaptivePlan([2], {2: REGULAR}, random.Random(4))
    plan.choose(QuizPool(tuple(pool)), 5)
    items = [make_item(pk) for pk in (0, 30, 59)]  # very easy, medium, very hard
    session = QuizSession(
        guild_id=1, channel_id=2, starter_id=2, items=[(item, Mode.MYTH_OR_FACT) for item in items],
        settings=QuizSettings(),
    )  # fmt: skip
    predicted = {pk: plan.model.predict(pool[pk], [REGULAR]) for pk in (0, 30, 59)}
    best = min(predicted, key=lambda pk: abs(predicted[pk] - target_rate([REGULAR])))
    session.bring_forward(plan.next_index)
    assert session.start_round(0.0).item.pk == best
    assert session.total_rounds == 3
