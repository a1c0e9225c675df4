"""Contract tests for the catalogue, on every backend: pack loading, rotation, lookups and search."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.errors import AmbiguousItem, BadSearch, NoItems, UnknownItem, UnknownTopic
from bot.core.packs import read_pack
from bot.storage.base import FactStore
from tests.conftest import open_test_store
from tests.helpers import SAMPLE_PACKS

SAMPLE = read_pack(SAMPLE_PACKS / "sample.toml")


# -- loading packs -------------------------------------------------------------------------------


async def test_loading_twice_changes_nothing(store: FactStore):
    report = await store.sync_packs([SAMPLE])
    assert (report.added, report.updated, report.unchanged, report.retired) == (0, 0, 7, 0)
    assert sum(t.myths + t.facts for t in await store.topics()) == 7


async def test_edited_item_is_updated_and_keeps_its_stats(store: FactStore):
    before = await store.get_item("sample/octopus-hearts")
    await store.pick_item(1, "fact", "animals", random.Random(1))
    await store.pick_item(1, "fact", "animals", random.Random(1))
    assert await store.times_served(before.pk) == 1
    edited_items = tuple(
        dataclasses.replace(item, truth="Two branchial hearts serve the gills; the systemic heart serves the body.")
        if item.id == "octopus-hearts"
        else item
        for item in SAMPLE.items
    )
    report = await store.sync_packs([dataclasses.replace(SAMPLE, items=edited_items)])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 6)
    after = await store.get_item("sample/octopus-hearts")
    assert after.pk == before.pk
    assert after.truth.startswith("Two branchial hearts")
    assert await store.times_served(after.pk) == 1


async def test_removed_item_is_retired_and_comes_back(store: FactStore):
    fewer = dataclasses.replace(SAMPLE, items=tuple(i for i in SAMPLE.items if i.id != "bats-blind"))
    report = await store.sync_packs([fewer])
    assert report.retired == 1
    with pytest.raises(UnknownItem):
        await store.get_item("sample/bats-blind")
    assert await store.search("echolocation") == []
    report = await store.sync_packs([SAMPLE])
    assert report.updated == 1
    assert (await store.get_item("bats-blind")).id == "bats-blind"


async def test_removed_pack_file_retires_its_items(store: FactStore):
    report = await store.sync_packs([])
    assert (report.retired, report.packs_retired) == (7, 1)
    assert await store.packs() == []
    with pytest.raises(NoItems):
        await store.pick_item(1, "fact")


async def test_pack_that_failed_validation_keeps_its_items(store: FactStore):
    report = await store.sync_packs([], failed_files={"sample.toml"})
    assert report.retired == 0
    assert len(await store.topics()) == 2


# -- selection -----------------------------------------------------------------------------------


async def test_no_repeats_until_the_pool_is_exhausted_then_a_new_cycle(store: FactStore):
    rng = random.Random(7)
    first_cycle = [(await store.pick_item(42, "myth", rng=rng)).id for _ in range(4)]
    assert sorted(first_cycle) == ["bats-blind", "dark-side-moon", "goldfish-memory", "great-wall-moon"]
    second_cycle = [(await store.pick_item(42, "myth", rng=rng)).id for _ in range(4)]
    assert sorted(second_cycle) == sorted(first_cycle)
    assert second_cycle[0] != first_cycle[-1], "a new cycle does not open with the item that closed the last"


async def test_draws_at_once_never_repeat_within_a_cycle(store: FactStore):
    picks = await asyncio.gather(*(store.pick_item(42, "myth", rng=random.Random(n)) for n in range(4)))
    assert len({item.pk for item in picks}) == 4, "four myths, four different ones"


async def test_the_rotation_survives_a_restart(store: FactStore, backend: str, tmp_path: Path):
    """Draws are kept in memory and recorded behind the reply; closing the store records them all."""
    rng = random.Random(5)
    before = [(await store.pick_item(42, "myth", rng=rng)).id for _ in range(2)]
    assert await store.times_served((await store.get_item(before[0])).pk) == 1
    await store.close()
    reopened = await open_test_store(backend, tmp_path)
    try:
        after = [(await reopened.pick_item(42, "myth", rng=rng)).id for _ in range(2)]
    finally:
        await reopened.close()
    assert sorted(before + after) == ["bats-blind", "dark-side-moon", "goldfish-memory", "great-wall-moon"]


async def test_a_hidden_item_leaves_a_rotation_already_in_memory(store: FactStore):
    first = await store.pick_item(42, "myth", rng=random.Random(1))
    target = next(
        item for item in [await store.get_item(i) for i in ("bats-blind", "goldfish-memory")] if item.pk != first.pk
    )
    await store.hide_item(42, target.pk, 7, datetime(2026, 12, 3, tzinfo=UTC))
    served = {(await store.pick_item(42, "myth", rng=random.Random(n))).pk for n in range(8)}
    assert target.pk not in served and len(served) == 3
    await store.unhide_item(42, target.pk, 7, datetime(2026, 12, 3, tzinfo=UTC))
    served = {(await store.pick_item(42, "myth", rng=random.Random(n))).pk for n in range(8)}
    assert target.pk in served, "unhidden, it is back in the rotation"


async def test_rotation_is_per_server_and_per_topic(store: FactStore):
    rng = random.Random(3)
    a = {(await store.pick_item(1, "myth", "space", rng)).id for _ in range(2)}
    b = {(await store.pick_item(2, "myth", "space", rng)).id for _ in range(2)}
    assert a == b == {"great-wall-moon", "dark-side-moon"}


async def test_choice_is_random_not_round_robin(store: FactStore):
    openings = set()
    for seed in range(30):
        openings.add((await store.pick_item(1000 + seed, "myth", rng=random.Random(seed))).id)
    assert len(openings) == 4


async def test_unknown_topic_suggests(store: FactStore):
    with pytest.raises(UnknownTopic) as info:
        await store.pick_item(1, "fact", "spcae")
    assert info.value.suggestions == ["space"]


async def test_topic_with_no_items_of_that_kind(store: FactStore):
    fewer = dataclasses.replace(SAMPLE, items=tuple(i for i in SAMPLE.items if i.id != "venus-hottest"))
    await store.sync_packs([fewer])
    with pytest.raises(NoItems, match="no facts about `space`"):
        await store.pick_item(1, "fact", "space")


# -- lookup and search ---------------------------------------------------------------------------


async def test_get_item_forms(store: FactStore):
    assert (await store.get_item("sample/wombat-cubes")).claim.startswith("Wombats")
    assert (await store.get_item(" `Wombat-Cubes` ")).ref == "sample/wombat-cubes"
    with pytest.raises(UnknownItem):
        await store.get_item("other/wombat-cubes")


async def test_many_items_are_read_by_key_in_one_call_and_retired_ones_are_left_out(store: FactStore):
    wombats, bats = await store.get_item("sample/wombat-cubes"), await store.get_item("sample/bats-blind")
    assert await store.get_items_by_pk([wombats.pk, bats.pk, 999_999]) == {wombats.pk: wombats, bats.pk: bats}
    await store.sync_packs([dataclasses.replace(SAMPLE, items=tuple(i for i in SAMPLE.items if i.id != "bats-blind"))])
    assert await store.get_items_by_pk([wombats.pk, bats.pk]) == {wombats.pk: wombats}
    assert await store.get_items_by_pk([]) == {}


async def test_bare_id_in_two_packs_is_ambiguous(store: FactStore):
    await store.sync_packs([SAMPLE, dataclasses.replace(SAMPLE, id="copy", path=Path("copy.toml"))])
    with pytest.raises(AmbiguousItem) as info:
        await store.get_item("wombat-cubes")
    assert "`copy/wombat-cubes`, `sample/wombat-cubes`" in str(info.value)


async def test_search_ranks_the_best_match_first(store: FactStore):
    results = await store.search("three hearts octopus")
    assert results[0].id == "octopus-hearts"
    assert {r.id for r in await store.search("Moon")} == {"great-wall-moon", "dark-side-moon"}


async def test_search_ignores_accents(store: FactStore):
    accented = dataclasses.replace(SAMPLE.items[0], id="cafe-crema", claim="Crème brûlée comes from a café in Nîmes.")
    await store.sync_packs([dataclasses.replace(SAMPLE, items=(*SAMPLE.items, accented))])
    for words in ("creme brulee", "CAFÉ", "nimes", "Crème"):
        assert [item.id for item in await store.search(words)][:1] == ["cafe-crema"], words


async def test_search_stems_and_ignores_operators(store: FactStore):
    assert (await store.search("remembering"))[0].id == "goldfish-memory"
    assert (await store.search('hearts" OR NEAR(*'))[0].id == "octopus-hearts"
    assert await store.search("xylophone") == []
    with pytest.raises(BadSearch):
        await store.search("?! -")


# -- quiz selection ------------------------------------------------------------------------------


async def test_quiz_items_match_the_modes(store: FactStore):
    rng = random.Random(5)
    typed = await store.pick_quiz_items(1, 5, ["typed"], rng=rng)
    assert [item.id for item in typed] == ["octopus-hearts"], "only one sample item has a question"
    both = await store.pick_quiz_items(2, 10, ["myth-or-fact"], rng=rng)
    assert len(both) == 7 and len({item.id for item in both}) == 7


async def test_quiz_items_rotate_without_repeats_until_the_pool_is_used(store: FactStore):
    rng = random.Random(11)
    first = [item.id for item in await store.pick_quiz_items(3, 4, ["myth-or-fact"], rng=rng)]
    second = [item.id for item in await store.pick_quiz_items(3, 3, ["myth-or-fact"], rng=rng)]
    assert len(set(first + second)) == 7, "the second quiz gets the three items the first did not ask"
    third = [item.id for item in await store.pick_quiz_items(3, 4, ["myth-or-fact"], rng=rng)]
    assert len(set(third)) == 4, "a new cycle never repeats inside one quiz"


async def test_quiz_items_by_topic_and_empty_pools(store: FactStore):
    space = await store.pick_quiz_items(4, 10, ["myth-or-fact", "choice"], "Space", random.Random(1))
    assert {item.topic for item in space} == {"space"} and len(space) == 3
    with pytest.raises(NoItems):
        await store.pick_quiz_items(4, 10, ["typed"], "space")
    with pytest.raises(UnknownTopic):
        await store.pick_quiz_items(4, 10, ["typed"], "cooking")
