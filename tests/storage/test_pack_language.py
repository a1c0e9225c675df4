"""Contract tests, on every backend: packs record their language, and a server's pack languages filter its pool."""

from __future__ import annotations

import dataclasses
import random

import pytest

from bot.core.errors import NoItems
from bot.core.packs import Item, Pack, Source, read_pack
from bot.storage.base import FactStore
from tests.helpers import SAMPLE_PACKS, club_pack

GUILD, OTHER = 111, 222


def german_pack() -> Pack:
    items = tuple(
        Item(
            id=f"de-{n}",
            kind="fact",
            claim=f"Eine deutsche Behauptung Nummer {n}.",
            truth=f"Die deutsche Erklärung Nummer {n}.",
            topic="deutsch",
            difficulty=1,
            source=Source("Ein Buch", "https://example.org/de"),
        )
        for n in (1, 2)
    )
    return Pack("deutsch", "Deutsches Paket", "Auf Deutsch.", "Jemand", "CC0", "1", items, language="de")


async def served_refs(store: FactStore, guild_id: int, kind: str = "fact") -> set[str]:
    rng = random.Random(2)
    return {(await store.pick_item(guild_id, kind, rng=rng)).ref for _ in range(12)}


SAMPLE = read_pack(SAMPLE_PACKS / "sample.toml")


@pytest.fixture
async def both(store: FactStore) -> FactStore:
    """The sample pack (English) and a German pack."""
    await store.sync_packs([SAMPLE, german_pack()])
    return store


async def test_the_store_records_each_packs_language(both, raw_sql):
    rows = await raw_sql("SELECT id, language FROM packs ORDER BY id")
    assert rows == [("deutsch", "de"), ("sample", "en")]


async def test_a_server_gets_english_packs_and_those_of_its_own_language_by_default(both):
    refs = await served_refs(both, GUILD)
    assert refs and all(ref.startswith("sample/") for ref in refs), "English by default: no German item"
    await both.update_server_settings(OTHER, {"language": "de"})
    refs = await served_refs(both, OTHER)
    assert {"deutsch/de-1", "deutsch/de-2"} <= refs
    assert any(ref.startswith("sample/") for ref in refs), "a German server still gets the English packs"


async def test_every_language_is_served_when_the_server_asks_for_all(both):
    await both.update_server_settings(GUILD, {"languages": ["en", "de", "fr", "es"]})
    refs = await served_refs(both, GUILD)
    assert {"deutsch/de-1", "deutsch/de-2"} <= refs
    assert any(ref.startswith("sample/") for ref in refs)


async def test_a_server_limited_to_german_gets_german_packs_only_and_its_own_items(both):
    await both.import_server_pack(GUILD, club_pack("mine"))
    await both.update_server_settings(GUILD, {"languages": ["de"]})
    assert await served_refs(both, GUILD) == {"deutsch/de-1", "deutsch/de-2", "club/mine"}
    quiz = await both.pick_quiz_items(GUILD, 10, ["myth-or-fact"], rng=random.Random(1))
    assert {item.ref for item in quiz} == {"deutsch/de-1", "deutsch/de-2", "club/mine"}
    with pytest.raises(NoItems):
        await both.pick_item(GUILD, "myth")
    await both.update_server_settings(OTHER, {"languages": ["en", "de"]})
    assert "deutsch/de-1" in await served_refs(both, OTHER), "other servers are not affected"


async def test_changing_the_languages_changes_a_rotation_already_in_memory(both):
    await both.update_server_settings(GUILD, {"languages": ["de", "en"]})
    await served_refs(both, GUILD)  # the English and German pool is now in memory
    await both.update_server_settings(GUILD, {"languages": ["en"]})
    refs = await served_refs(both, GUILD)
    assert refs and all(ref.startswith("sample/") for ref in refs)
    await both.update_server_settings(GUILD, {"languages": ["es", "de", "fr", "en"]})
    assert (await both.server_settings(GUILD)).languages == ("en", "de", "fr", "es")
    assert "deutsch/de-1" in await served_refs(both, GUILD)


async def test_a_pack_that_changes_language_is_stored_with_the_new_one(both, raw_sql):
    await both.sync_packs([SAMPLE, dataclasses.replace(german_pack(), language="fr")])
    assert await raw_sql("SELECT language FROM packs WHERE id = 'deutsch'") == [("fr",)]
