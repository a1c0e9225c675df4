"""End-to-end: with adaptive difficulty on, a quiz runs through ``python -m bot`` to its end and feeds the model."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.e2e.helpers import fake_discord, has_text, query, running_bot, text_of
from tests.fakediscord import CHANNEL_ID, QUIZ_CHANNEL_IDS, USER_ID, FakeDiscord
from tests.helpers import SAMPLE_PACKS

pytestmark = pytest.mark.asyncio(loop_scope="module")

KIND_BY_CLAIM = {
    item["claim"]: item["kind"] for item in tomllib.loads((SAMPLE_PACKS / "sample.toml").read_text())["items"]
}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with fake_discord() as started:
        yield started


async def test_an_adaptive_quiz_plays_to_its_end_and_counts_its_answers_for_the_next(fake, tmp_path):
    database, channel_id = tmp_path / "bot.db", QUIZ_CHANNEL_IDS[0]
    async with running_bot(fake, database, tmp_path) as bot:
        mark = len(fake.requests)
        await fake.send_message("!config quiz adaptive on")
        await fake.wait_for_post_in(CHANNEL_ID, has_text("Adaptive difficulty: **on**"), after=mark)
        await fake.send_message("!quiz settings 2 5")
        await fake.wait_for_post_in(CHANNEL_ID, has_text("Quiz settings saved"), after=mark)

        mark = len(fake.requests)
        await fake.send_message("!quiz 2 myth-or-fact", channel_id=channel_id)
        for number in ("1/2", "2/2"):
            await fake.wait_for_post_in(channel_id, has_text(f"Question {number}"), after=mark, seconds=20)
            message = next(m for m in reversed(fake.messages.values()) if f"Question {number}" in text_of(m))
            claim = message["embeds"][0]["description"].split("**")[1]
            click = await fake.click(message, "Myth" if KIND_BY_CLAIM[claim] == "myth" else "Fact", user_id=USER_ID)
            await fake.answer_of(click)
        await fake.wait_for_post_in(channel_id, has_text("Quiz over"), after=mark, seconds=30)
        assert await bot.stop() == 0
    assert "Traceback" not in bot.log and "ERROR" not in bot.log, bot.log
    assert query(database, "SELECT correct, rounds FROM scores WHERE period = 'all' AND user_id = ?", (USER_ID,)) == [
        (2, 2)
    ]
    assert query(database, "SELECT SUM(answers), SUM(correct_answers) FROM item_stats") == [(2, 2)]
    assert query(database, "SELECT COUNT(*) FROM served WHERE pool LIKE 'quiz:%'") == [(2,)], "the rotation is kept"
    assert ("quiz_adaptive: False → True",) in query(database, "SELECT detail FROM audit_log")
