"""End-to-end: role rewards through the real process against the fake Discord's role endpoints.

A moderator sets a points reward; a member answers the daily post right and the bot gives them the role; a role
above the bot's is refused with the reason; scores emptied while the bot was down take the role back at the next
start; a deleted role drops its reward.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.helpers import eventually, fake_discord, has_text, posted_text, query, running_bot
from tests.fakediscord import (
    BOB_ID,
    CAROL_ID,
    CHANNEL_ID,
    GUILD_ID,
    OWNERS_ROLE_ID,
    QUIZ_CHANNEL_IDS,
    SCHOLAR_ROLE_ID,
    FakeDiscord,
)

DAILY_CHANNEL_ID = QUIZ_CHANNEL_IDS[4]


async def command(fake: FakeDiscord, content: str, fragment: str) -> str:
    mark = len(fake.requests)
    await fake.send_message(content, author_id=CAROL_ID)
    return posted_text(await fake.wait_for_post_in(CHANNEL_ID, has_text(fragment), after=mark))


def role_calls(fake: FakeDiscord) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests if "/roles/" in r.path and r.method in ("PUT", "DELETE")]


async def test_a_member_earns_a_reward_role_and_loses_it_when_the_scores_are_gone(tmp_path):
    database = tmp_path / "bot.db"
    async with fake_discord() as fake:
        async with running_bot(fake, database, tmp_path) as bot:
            saved = await command(fake, f"!config rewards add points 10 <@&{SCHOLAR_ROLE_ID}>", "Settings saved")
            assert "get **Scholar**" in saved
            refused = await command(fake, f"!config rewards add weekly <@&{OWNERS_ROLE_ID}>", "Nothing was changed")
            assert "**Owners** is at or above my highest role (**MythOrFact**)" in refused

            later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
            await command(fake, f"!daily set <#{DAILY_CHANNEL_ID}> {later} UTC", "Daily posts are on")
            await command(fake, "!daily now", "daily post is up")
            post = next(m for m in fake.messages.values() if m["channel_id"] == str(DAILY_CHANNEL_ID))
            [(kind,)] = query(database, "SELECT kind FROM items JOIN daily_posts ON daily_posts.item_pk = items.pk")
            await fake.final_text(await fake.click(post, kind.capitalize(), user_id=BOB_ID), seconds=15)
            await eventually(lambda: SCHOLAR_ROLE_ID in fake.role_ids_of(BOB_ID), what="Bob got the Scholar role")
            assert role_calls(fake) == [f"PUT /guilds/{GUILD_ID}/members/{BOB_ID}/roles/{SCHOLAR_ROLE_ID}"]
            await eventually(lambda: query(database, "SELECT user_id FROM role_grants") == [(BOB_ID,)])
            assert await bot.stop() == 0

        query(database, "DELETE FROM scores")  # emptied while the bot was down (a dashboard of another process)
        async with running_bot(fake, database, tmp_path) as bot:
            await eventually(lambda: SCHOLAR_ROLE_ID not in fake.role_ids_of(BOB_ID), what="the role was taken back")
            await eventually(lambda: query(database, "SELECT user_id FROM role_grants") == [], what="grant forgotten")

            await fake.delete_role(SCHOLAR_ROLE_ID)
            await eventually(lambda: query(database, "SELECT role_id FROM role_rewards") == [], what="reward dropped")
            assert await bot.stop() == 0
        assert not any("Traceback" in line for line in bot.lines)
