"""What each server is served: its own items, enabled packs and topics, hidden items; and the audit trail."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.core.catalog import load_pack_dir
from bot.core.errors import UnknownItem, UnknownTopic
from bot.core.packs import Pack
from bot.core.settings import ServerSettings
from bot.storage.base import FactStore
from tests.helpers import SAMPLE_PACKS, club_pack

GUILD, OTHER = 111, 222


async def add_server_pack(store: FactStore, guild_id: int, pack: Pack) -> None:
    await store.import_server_pack(guild_id, pack)


async def draw_all(store, guild_id: int, kind: str = "fact", topic: str | None = None) -> set[str]:
    rng = random.Random(1)
    return {(await store.pick_item(guild_id, kind, topic, rng)).ref for _ in range(12)}


async def test_a_server_pack_is_served_to_its_server_only(store):
    await add_server_pack(store, GUILD, club_pack("a"))
    assert "club/a" in await draw_all(store, GUILD, topic="local")
    with pytest.raises(UnknownTopic):
        await store.pick_item(OTHER, "fact", "local")
    assert (await store.get_item("club/a", GUILD)).claim == "Club claim a."
    with pytest.raises(UnknownItem):
        await store.get_item("club/a", OTHER)
    with pytest.raises(UnknownItem):
        await store.get_item("club/a")
    assert [item.ref for item in await store.search("local claim", guild_id=GUILD)] == ["club/a"]
    assert await store.search("local claim", guild_id=OTHER) == []
    assert "local" in {topic.topic for topic in await store.topics(GUILD)}
    assert "local" not in {topic.topic for topic in await store.topics(OTHER)}
    assert "club" in {pack.id for pack in await store.packs(GUILD)}
    assert "club" not in {pack.id for pack in await store.packs(OTHER)}


async def test_reloading_shipped_packs_keeps_server_packs(store):
    await add_server_pack(store, GUILD, club_pack("a"))
    report, _ = await load_pack_dir(store, SAMPLE_PACKS)
    assert report.retired == 0 and report.packs_retired == 0
    assert (await store.get_item("club/a", GUILD)).ref == "club/a"


async def test_enabled_packs_and_topics_limit_the_rotation(store):
    await add_server_pack(store, GUILD, club_pack("a", "b"))
    await store.update_server_settings(GUILD, {"packs": ["club"]})
    assert await draw_all(store, GUILD) == {"club/a", "club/b"}
    await store.update_server_settings(GUILD, {"packs": [], "topics": ["space"]})
    assert await draw_all(store, GUILD) == {"sample/venus-hottest"}
    assert "sample/octopus-hearts" in await draw_all(store, OTHER), "other servers keep everything"


async def test_hidden_items_leave_that_servers_rotation_only(store):
    hidden = await store.get_item("sample/venus-hottest")
    await store.hide_item(GUILD, hidden.pk, 1, datetime(2026, 11, 26, tzinfo=UTC))
    assert "sample/venus-hottest" not in await draw_all(store, GUILD)
    assert "sample/venus-hottest" in await draw_all(store, OTHER)


async def test_setting_changes_are_audited_with_who_and_what(store):
    await store.update_server_settings(GUILD, {"quiz_rounds": 5, "quiz_hints": True}, actor_id=42)
    await store.update_server_settings(GUILD, {"allowed_channels": [7, 8]}, actor_id=43)
    await store.update_server_settings(GUILD, {"prefix": "?"})  # no actor: a system change, not audited
    await store.record_audit(GUILD, 44, "daily", "daily post set to 09:00 Europe/Paris")
    history = await store.audit_history(GUILD)
    assert [(entry.user_id, entry.action, entry.detail) for entry in history] == [
        (44, "daily", "daily post set to 09:00 Europe/Paris"),
        (43, "setting", "allowed_channels: (default) → 7, 8"),
        (42, "setting", "quiz_rounds: 10 → 5"),
    ], "newest first; unchanged values (hints already on) are not recorded"
    assert await store.audit_history(OTHER) == []
    assert history[0].at.tzinfo is not None


async def test_a_server_that_limits_its_packs_still_gets_the_packs_it_creates(store):
    from datetime import UTC, datetime

    from bot.core.content import check_draft

    await store.update_server_settings(GUILD, {"packs": ["sample"]}, actor_id=1)
    draft = check_draft(
        "fact", "Honey found in tombs is still edible.", "Honey is too acidic for microbes.", "Honey", "food"
    )
    await store.add_custom_fact(GUILD, draft, 7, datetime(2026, 11, 26, tzinfo=UTC))
    assert (await store.server_settings(GUILD)).packs == ("sample", "custom")
    assert (await store.pick_item(GUILD, "fact", "food")).ref == "custom/1"

    await store.update_server_settings(GUILD, {"packs": ["sample"]}, actor_id=1)  # turned off on purpose
    await store.add_custom_fact(GUILD, draft, 7, datetime(2026, 11, 26, tzinfo=UTC))
    assert (await store.server_settings(GUILD)).packs == ("sample",), "only a new pack is switched on"

    await store.import_server_pack(GUILD, club_pack("a"))
    assert (await store.server_settings(GUILD)).packs == ("sample", "club")
    assert await store.server_settings(OTHER) == ServerSettings(), "other servers untouched"
