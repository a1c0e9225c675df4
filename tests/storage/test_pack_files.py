"""Contract tests for loading a packs folder at start-up, on every backend: files unchanged since the last sync are
not read again; changed, new, removed and broken files are handled as they always were."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.core import packs as pack_reading
from bot.core.catalog import load_pack_dir
from bot.core.errors import UnknownItem
from bot.storage.base import FactStore
from tests.conftest import RawSql
from tests.helpers import SAMPLE_PACKS, club_pack

OCTOPUS_CLAIM = "An octopus has three hearts."
SECOND_PACK = """
[pack]
id = "second"
name = "Second"
description = "Another small pack."
author = "tests"
license = "CC0-1.0"
version = "1"

[[items]]
id = "honey-keeps"
kind = "fact"
claim = "Sealed honey keeps for thousands of years."
truth = "Honey holds so little water and is so acidic that microbes cannot grow in it."
topic = "food"
difficulty = 1
source = { title = "Honey", url = "https://en.wikipedia.org/wiki/Honey" }
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A packs folder of the test's own: the sample pack and a second, one-item pack."""
    packs = tmp_path / "packs"
    packs.mkdir()
    shutil.copy(SAMPLE_PACKS / "sample.toml", packs / "sample.toml")
    (packs / "second.toml").write_text(SECOND_PACK)
    return packs


async def load(store: FactStore, folder: Path):
    """Load ``folder`` as start-up does; return the report and the problems."""
    return await load_pack_dir(store, folder)


async def change_behind_the_loaders_back(raw_sql: RawSql) -> None:
    """Edit the octopus item in the database only: syncing sample.toml again would put it right."""
    await raw_sql(
        "UPDATE items SET claim = 'Changed in the database only.', content_hash = 'edited by hand' "
        "WHERE item_id = 'octopus-hearts'"
    )


async def claim_of(store: FactStore, ref: str) -> str:
    return (await store.get_item(ref)).claim


async def test_a_first_load_reads_every_file_and_a_second_reads_none(empty_store: FactStore, folder: Path):
    first, problems = await load(empty_store, folder)
    assert problems == []
    assert (first.added, first.unchanged, first.files_unchanged) == (8, 0, 0)

    second, problems = await load(empty_store, folder)
    assert problems == []
    assert (second.added, second.updated, second.unchanged, second.retired) == (0, 0, 8, 0)
    assert second.files_unchanged == 2
    assert {pack.id: pack.items for pack in await empty_store.packs()} == {"sample": 7, "second": 1}


async def test_an_unchanged_file_is_not_parsed_again(empty_store: FactStore, folder: Path, raw_sql: RawSql):
    await load(empty_store, folder)
    await change_behind_the_loaders_back(raw_sql)

    report, _ = await load(empty_store, folder)

    assert report.files_unchanged == 2
    assert await claim_of(empty_store, "sample/octopus-hearts") == "Changed in the database only."


async def test_a_changed_file_is_synced_again(empty_store: FactStore, folder: Path, raw_sql: RawSql):
    await load(empty_store, folder)
    await change_behind_the_loaders_back(raw_sql)
    sample = folder / "sample.toml"
    sample.write_text(sample.read_text().replace("Bats are blind.", "Bats are sightless."))

    report, problems = await load(empty_store, folder)

    assert problems == []
    assert (report.updated, report.files_unchanged) == (2, 1)  # the edited bat, and the octopus put right
    assert await claim_of(empty_store, "sample/bats-blind") == "Bats are sightless."
    assert await claim_of(empty_store, "sample/octopus-hearts") == OCTOPUS_CLAIM
    assert [item.id for item in await empty_store.search("sightless")] == ["bats-blind"]
    third, _ = await load(empty_store, folder)
    assert third.files_unchanged == 2


async def test_a_removed_file_retires_its_items_and_comes_back_in_full(empty_store: FactStore, folder: Path):
    await load(empty_store, folder)
    second = folder / "second.toml"
    second.unlink()

    report, _ = await load(empty_store, folder)

    assert (report.retired, report.packs_retired, report.files_unchanged) == (1, 1, 1)
    with pytest.raises(UnknownItem):
        await empty_store.get_item("second/honey-keeps")
    second.write_text(SECOND_PACK)
    back, _ = await load(empty_store, folder)
    assert (back.updated, back.files_unchanged) == (1, 1)
    assert (await empty_store.get_item("second/honey-keeps")).topic == "food"


async def test_a_broken_file_is_reported_every_time_and_keeps_its_items(empty_store: FactStore, folder: Path):
    await load(empty_store, folder)
    sample = folder / "sample.toml"
    good = sample.read_bytes()
    sample.write_text(good.decode().replace("difficulty = 2", "difficulty = 7", 1))

    for _ in range(2):  # the broken file is not taken for unchanged the second time
        report, problems = await load(empty_store, folder)
        assert [str(problem) for problem in problems] == [
            "sample.toml, item #3 (octopus-hearts), field 'difficulty': 7 must be 1, 2 or 3"
        ]
        assert (report.retired, report.files_unchanged) == (0, 1)
        assert await claim_of(empty_store, "sample/octopus-hearts") == OCTOPUS_CLAIM

    sample.write_bytes(good)
    mended, problems = await load(empty_store, folder)
    assert problems == []
    assert (mended.unchanged, mended.files_unchanged) == (8, 1)  # read again in full, nothing to change


async def test_a_file_that_is_not_toml_is_reported_and_keeps_its_items(empty_store: FactStore, folder: Path):
    await load(empty_store, folder)
    (folder / "second.toml").write_text("[pack\nid = ")

    report, problems = await load(empty_store, folder)

    assert [problem.file for problem in problems] == ["second.toml"]
    assert "is not valid TOML" in problems[0].message
    assert report.retired == 0
    assert (await empty_store.get_item("second/honey-keeps")).claim.startswith("Sealed honey")


async def test_a_file_whose_pack_id_is_taken_is_refused_and_read_again_later(empty_store: FactStore, folder: Path):
    await load(empty_store, folder)
    copy = folder / "a-copy.toml"  # sorts before second.toml, so it owns the id "second", as it always did
    copy.write_text(SECOND_PACK.replace("Sealed honey", "Copied honey"))

    _, problems = await load(empty_store, folder)

    assert [str(problem) for problem in problems] == [
        "second.toml, item [pack], field 'id': pack id 'second' is already used by a-copy.toml"
    ]
    assert await claim_of(empty_store, "second/honey-keeps") == "Copied honey keeps for thousands of years."
    copy.unlink()
    report, problems = await load(empty_store, folder)
    assert (problems, report.updated, report.files_unchanged) == ([], 1, 1)  # second.toml read again in full
    assert await claim_of(empty_store, "second/honey-keeps") == "Sealed honey keeps for thousands of years."


async def test_files_synced_by_an_older_loader_are_read_again(
    empty_store: FactStore, folder: Path, raw_sql: RawSql, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(pack_reading, "LOADER_VERSION", pack_reading.LOADER_VERSION - 1)
    await load(empty_store, folder)
    await change_behind_the_loaders_back(raw_sql)
    monkeypatch.undo()

    report, _ = await load(empty_store, folder)

    assert report.files_unchanged == 0
    assert await claim_of(empty_store, "sample/octopus-hearts") == OCTOPUS_CLAIM


async def stored_counts(raw_sql: RawSql) -> tuple[int, int, int]:
    """Return how many packs, items and synced files the database holds."""
    rows = await raw_sql(
        "SELECT (SELECT COUNT(*) FROM packs), (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM pack_files)"
    )
    return tuple(rows[0])


async def test_a_load_that_fails_half_way_keeps_nothing_of_it(
    empty_store: FactStore, folder: Path, raw_sql: RawSql, monkeypatch: pytest.MonkeyPatch
):
    """The first pack is being written in the background when reading the second one fails."""
    read_packs = pack_reading.read_packs

    def failing_after_the_first(*args: object):
        for number, pack in enumerate(read_packs(*args), start=1):
            if number == 2:
                raise MemoryError("out of memory while reading the second pack")
            yield pack

    monkeypatch.setattr("bot.core.catalog.read_packs", failing_after_the_first)
    with pytest.raises(MemoryError):
        await load(empty_store, folder)
    assert await stored_counts(raw_sql) == (0, 0, 0)
    monkeypatch.undo()
    report, problems = await load(empty_store, folder)
    assert (report.added, problems) == (8, [])


async def test_a_write_that_fails_undoes_the_packs_written_before_it(
    empty_store: FactStore, raw_sql: RawSql, integrity_error: type[Exception]
):
    good = club_pack("kept-1", "kept-2")
    broken = dataclasses.replace(
        club_pack("broken"),
        id="broken",
        items=(dataclasses.replace(club_pack("broken").items[0], difficulty=7),),  # the database refuses it
    )
    with pytest.raises(integrity_error):
        await empty_store.sync_packs([good, broken])
    assert await stored_counts(raw_sql) == (0, 0, 0)
    assert (await empty_store.sync_packs([good])).added == 2


async def test_a_sync_left_without_finishing_is_undone(empty_store: FactStore, raw_sql: RawSql):
    with pytest.raises(RuntimeError, match="without finish"):
        async with empty_store.syncing_packs() as sync:
            sync.add(club_pack("never-finished"))
    assert await stored_counts(raw_sql) == (0, 0, 0)
