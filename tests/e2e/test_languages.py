"""End-to-end: the real process speaks the server's language, each member's Discord language, and syncs both."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.e2e.helpers import World, has_text, posted_text, query, synced_world, text_of
from tests.fakediscord import CHANNEL_ID

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory) -> AsyncIterator[World]:
    workdir = tmp_path_factory.mktemp("e2e-languages")
    async with synced_world(workdir) as world:
        yield world
        assert "Traceback" not in world.bot.log, world.bot.log


async def reply_to(world: World, content: str) -> str:
    mark = len(world.fake.requests)
    await world.fake.send_message(content, channel_id=CHANNEL_ID)
    return posted_text(await world.fake.wait_for_post_in(CHANNEL_ID, after=mark))


async def test_the_server_language_is_saved_and_prefix_replies_follow_it(world: World):
    assert "Sprache: **Deutsch**" in await reply_to(world, "!config language de")
    assert query(world.database, "SELECT count(*) FROM audit_log WHERE detail LIKE 'language: en → de%'") == [(1,)]
    assert await reply_to(world, "!search zzzqqq") == "Nichts passt zu `zzzqqq`. Versuche es mit anderen Wörtern."
    fact = await reply_to(world, "!fact")
    assert fact.startswith("Fakt\n") and "Warum:" in fact and "Quelle:" in fact


async def test_a_slash_command_answers_in_the_members_language_else_the_servers(world: World):
    french = await world.fake.slash("search", {"words": "zzzqqq"}, locale="fr")
    assert text_of(await world.fake.final_text(french)) == "Rien ne correspond à `zzzqqq`. Essayez d'autres mots."
    japanese = await world.fake.slash("search", {"words": "zzzqqq"}, locale="ja")
    assert "Nichts passt zu `zzzqqq`" in text_of(await world.fake.final_text(japanese))


async def test_the_synced_commands_carry_their_translations(world: World):
    fact = world.fake.find_command("fact")
    assert fact["name_localizations"] == {"de": "fakt", "fr": "fait", "es-ES": "hecho", "es-419": "hecho"}
    assert fact["description_localizations"]["de"] == "Einen wahren und überraschenden Fakt mit Quelle zeigen."


async def test_a_quiz_started_by_a_french_member_speaks_the_servers_language(world: World):
    await reply_to(world, "!quiz settings 1 5")  # one question of 5 s
    started = await world.fake.slash("quiz start", {"rounds": 1, "mode": "myth-or-fact"}, locale="fr")
    announcement = text_of(await world.fake.final_text(started))
    assert announcement.startswith("**Quizzeit!** 1 Frage, gestartet von"), announcement
    await world.fake.wait_for_post_in(CHANNEL_ID, has_text("Das war die letzte Frage."), seconds=30)
