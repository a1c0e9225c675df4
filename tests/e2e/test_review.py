"""End-to-end: personal review through the real process: a wrong daily answer comes back as a card by DM, whose
buttons still work after a restart.

A day cannot pass in a real process, so the test moves the card's due day in the database, as the calendar would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.helpers import eventually, fake_discord, has_text, posted_text, query, running_bot
from tests.fakediscord import CAROL_ID, CHANNEL_ID, DM_CHANNEL_ID, QUIZ_CHANNEL_IDS, USER_ID, FakeDiscord

DAILY_CHANNEL_ID = QUIZ_CHANNEL_IDS[3]


async def command(fake: FakeDiscord, content: str, fragment: str, author_id: int = CAROL_ID) -> str:
    mark = len(fake.requests)
    await fake.send_message(content, author_id=author_id)
    return posted_text(await fake.wait_for_post_in(CHANNEL_ID, has_text(fragment), after=mark))


def buttons(message: dict) -> list[str]:
    return [c.get("label") for row in message.get("components") or [] for c in row.get("components") or []]


async def test_a_wrong_daily_answer_is_reviewed_by_dm_and_the_card_survives_a_restart(tmp_path):
    database = tmp_path / "bot.db"
    today = datetime.now(UTC).date()
    async with fake_discord() as fake:
        async with running_bot(fake, database, tmp_path):
            later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
            await command(fake, f"!daily set <#{DAILY_CHANNEL_ID}> {later} UTC", "Daily posts are on")
            await command(fake, "!daily now", "daily post")
            [post] = [m for m in fake.messages.values() if m["channel_id"] == str(DAILY_CHANNEL_ID)]
            [(item_pk, kind, claim)] = query(
                database, "SELECT items.pk, kind, claim FROM daily_posts JOIN items ON items.pk = item_pk"
            )
            right, wrong = ("Myth", "Fact") if kind == "myth" else ("Fact", "Myth")
            await fake.answer_of(await fake.click(post, wrong, user_id=USER_ID))
            rows = await eventually(lambda: query(database, "SELECT user_id, item_pk, step, due_on FROM review_items"))
            assert rows == [(USER_ID, item_pk, 0, (today + timedelta(days=1)).isoformat())]

            query(database, "UPDATE review_items SET due_on = ?", (today.isoformat(),))  # a day passes
            mark = len(fake.requests)
            assert await command(fake, "!review", "by DM", author_id=USER_ID) == "I sent it to you by DM."
            card = (await fake.wait_for_post_in(DM_CHANNEL_ID, has_text("Review: myth or fact?"), after=mark)).answer
            assert claim in card["embeds"][0]["description"] and buttons(card) == ["Myth", "Fact"]
            assert claim not in posted_text(fake.posts(CHANNEL_ID)[-1]), "the channel learns nothing"

        async with running_bot(fake, database, tmp_path):
            pressed = await fake.click(card, right, user_id=USER_ID)
            answer = (await fake.answer_of(pressed)).payload
            assert answer["embeds"][0]["title"] == f"Right! It's a {kind}."
            assert answer["embeds"][0]["footer"]["text"].startswith("Next review in 3 days.")
    assert query(database, "SELECT step, due_on FROM review_items") == [(1, (today + timedelta(days=3)).isoformat())]
    assert query(database, "SELECT reviews, correct_reviews, streak_current FROM review_members") == [(1, 1, 1)]
