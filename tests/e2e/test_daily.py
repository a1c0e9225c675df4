"""End-to-end: the daily post through the real process, once normally and once with a SIGKILL mid-send.

The schedule is set 12 hours ahead, so only `daily now` posts during the test; the post is the same one the
scheduler sends (claimed in the database first, then sent, then recorded).
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from tests.e2e.helpers import eventually, fake_discord, has_text, posted_text, query, running_bot, text_of
from tests.fakediscord import CAROL_ID, CHANNEL_ID, QUIZ_CHANNEL_IDS, FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")

DAILY_CHANNEL_ID = QUIZ_CHANNEL_IDS[5]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with fake_discord() as started:
        yield started


def daily_posts_in_channel(fake: FakeDiscord) -> list[dict]:
    """The daily posts (embeds whose footer carries the day's marker) that exist in the daily channel."""
    today = datetime.now(UTC).date().isoformat()
    return [
        message
        for message in fake.messages.values()
        if message["channel_id"] == str(DAILY_CHANNEL_ID)
        and any(today in (embed.get("footer") or {}).get("text", "") for embed in message["embeds"])
    ]


async def command(fake: FakeDiscord, content: str, fragment: str) -> str:
    mark = len(fake.requests)
    await fake.send_message(content, author_id=CAROL_ID)
    return posted_text(await fake.wait_for_post_in(CHANNEL_ID, has_text(fragment), after=mark))


async def set_daily(fake: FakeDiscord) -> None:
    later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
    await command(fake, f"!daily set <#{DAILY_CHANNEL_ID}> {later} UTC", "Daily posts are on")


async def test_daily_post_then_a_second_request_for_the_same_day_posts_nothing(fake, tmp_path):
    database = tmp_path / "bot.db"
    async with running_bot(fake, database, tmp_path):
        await set_daily(fake)
        assert "daily post is up" in await command(fake, "!daily now", "daily post")
        assert len(daily_posts_in_channel(fake)) == 1
        post = daily_posts_in_channel(fake)[0]
        assert {"Myth", "Fact"} <= {c.get("label") for row in post["components"] for c in row["components"]}
        assert "already up" in await command(fake, "!daily now", "already up")
    assert len(daily_posts_in_channel(fake)) == 1
    assert query(database, "SELECT status FROM daily_posts") == [("sent",)]


async def test_sigkill_while_the_daily_post_is_in_flight_does_not_double_it(fake, tmp_path):
    database = tmp_path / "bot.db"
    fake.messages.clear()
    async with running_bot(fake, database, tmp_path) as bot:
        await set_daily(fake)
        # Discord holds the post until the bot is dead, so the bot never hears that it was created.
        held = fake.fail("POST", rf"^/channels/{DAILY_CHANNEL_ID}/messages$", 0, hold=True)
        await fake.send_message("!daily now", author_id=CAROL_ID)
        await held.wait_for_arrival()
        bot.process.kill()
        assert await bot.process.wait() == -signal.SIGKILL
        held.release()
    await eventually(lambda: len(daily_posts_in_channel(fake)) == 1, what="Discord created the post anyway")
    assert query(database, "SELECT status FROM daily_posts") == [("claimed",)]
    assert query(database, "PRAGMA integrity_check") == [("ok",)]

    async with running_bot(fake, database, tmp_path) as bot:
        await bot.wait_for_log("was sent before a restart")
        await eventually(lambda: query(database, "SELECT status FROM daily_posts") == [("sent",)])
        assert "already up" in await command(fake, "!daily now", "already up")
    assert len(daily_posts_in_channel(fake)) == 1, "the day was posted once"
    assert not any("Traceback" in line for line in bot.lines)
    assert all(text_of(m) for m in daily_posts_in_channel(fake))
