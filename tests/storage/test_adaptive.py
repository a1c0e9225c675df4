"""Adaptive difficulty's reads, on every backend: items' answer counts in a quiz draw, and members' records."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.core.adaptive import ItemRecord, PlayerRecord, QuizPool
from bot.core.scores import PlayerResult, RoundRecord
from bot.storage.base import FactStore
from tests.conftest import RawSql

GUILD = 1001
OTHER_GUILD = 2002
PLAYED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WEEK = "2026-W48"


class Recorder:
    """A chooser that keeps what the store offered it and takes the candidates with the most answers here."""

    def __init__(self) -> None:
        self.offered: list[list[ItemRecord]] = []
        self.pools: list[QuizPool] = []

    def __call__(self, pool: QuizPool, count: int) -> list[int]:
        self.offered.append(list(pool.candidates))
        self.pools.append(pool)
        ranked = sorted(pool.candidates, key=lambda item: (-item.server_answers, item.pk))
        return [item.pk for item in ranked[:count]]


async def play(store: FactStore, guild: int, key: str, item_pk: int, *answers: tuple[int, bool]) -> None:
    players = tuple(PlayerResult(user, 10 if right else 0, right, 900 if right else None) for user, right in answers)
    record = RoundRecord(guild, key, item_pk, "animals", PLAYED, players)
    assert await store.record_round(record, WEEK)


async def test_a_chooser_is_offered_the_unseen_items_with_their_answers_here_and_everywhere(store: FactStore):
    fact = await store.get_item("sample/octopus-hearts")
    await play(store, GUILD, "a:1", fact.pk, (1, True), (2, False), (3, True))
    await play(store, OTHER_GUILD, "b:1", fact.pk, (4, False))
    choose = Recorder()
    chosen = await store.pick_quiz_items(GUILD, 2, ["myth-or-fact"], rng=random.Random(1), choose=choose)
    offered = {item.pk: item for item in choose.offered[0]}
    assert len(offered) == 7, "every unseen item of the pool"
    assert offered[fact.pk] == ItemRecord(fact.pk, fact.difficulty, 3, 2, 4, 2)
    assert all(item.overall_answers == 0 for pk, item in offered.items() if pk != fact.pk)
    assert chosen[0].pk == fact.pk and len(chosen) == 2
    assert (choose.pools[0].answers, choose.pools[0].correct) == (4, 2)


async def test_the_pools_answers_count_its_seen_items_too(store: FactStore):
    first = await store.pick_quiz_items(GUILD, 6, ["myth-or-fact"], rng=random.Random(2))
    await play(store, GUILD, "a:1", first[0].pk, (1, True), (2, True))
    await play(store, OTHER_GUILD, "b:1", first[1].pk, (3, False))
    choose = Recorder()
    await store.pick_quiz_items(GUILD, 1, ["myth-or-fact"], choose=choose)
    assert len(choose.offered[0]) == 1, "one unseen item is left"
    assert (choose.pools[0].answers, choose.pools[0].correct) == (3, 2)


async def test_the_rotation_is_kept_when_a_chooser_picks(store: FactStore):
    choose = Recorder()
    first = await store.pick_quiz_items(GUILD, 4, ["myth-or-fact"], choose=choose)
    second = await store.pick_quiz_items(GUILD, 3, ["myth-or-fact"], choose=choose)
    assert len({item.pk for item in first + second}) == 7
    assert {item.pk for item in choose.offered[1]} == {item.pk for item in second}, "only unseen items are offered"
    third = await store.pick_quiz_items(GUILD, 4, ["myth-or-fact"], choose=choose)
    assert len({item.pk for item in third}) == 4, "a new cycle never repeats inside one quiz"
    left_out = {item.pk for item in first + second} - {item.pk for item in choose.offered[-1]}
    assert len(left_out) == 1 and left_out <= {item.pk for item in second}, "nor reopens on an item that closed it"


async def test_without_a_chooser_the_draw_is_a_random_sample_of_the_unseen_items_as_before(
    store: FactStore, raw_sql: RawSql
):
    plain = [item.pk for item in await store.pick_quiz_items(GUILD, 5, ["myth-or-fact"], rng=random.Random(7))]
    pool = sorted(row[0] for row in await raw_sql("SELECT pk FROM items WHERE kind IN ('myth', 'fact')"))
    assert plain == random.Random(7).sample(pool, 5)


async def test_member_records_are_the_all_time_answers_and_right_answers(store: FactStore):
    fact = await store.get_item("sample/octopus-hearts")
    await play(store, GUILD, "a:1", fact.pk, (1, True), (2, False))
    await play(store, GUILD, "a:2", fact.pk, (1, True))
    await play(store, OTHER_GUILD, "b:1", fact.pk, (1, False))
    records = await store.member_records(GUILD, [1, 2, 3])
    assert records == {1: PlayerRecord(1, 2, 2), 2: PlayerRecord(2, 1, 0)}
    assert await store.member_records(OTHER_GUILD, [1]) == {1: PlayerRecord(1, 1, 0)}
    assert await store.member_records(GUILD, []) == {}


async def test_forgetme_removes_the_record_adaptive_difficulty_reads(store: FactStore):
    fact = await store.get_item("sample/octopus-hearts")
    await play(store, GUILD, "a:1", fact.pk, (1, True), (2, True))
    await store.forget_member_data(GUILD, 1)
    assert await store.member_records(GUILD, [1, 2]) == {2: PlayerRecord(2, 1, 1)}
