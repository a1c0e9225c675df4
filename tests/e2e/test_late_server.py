"""End-to-end: a server whose GUILD_CREATE comes after ready, through the real process.

The bot gets ready without the server (discord.py's wait runs out while READY still lists it), and the work done at
ready treats it as a server the bot is in whose details are not there yet: its departure mark is cleared (retention),
its due daily post is delayed rather than paused, its role rewards are neither dropped nor paused, and the quiz a crash
left running there is left for later. Once the server arrives, that quiz is closed with a message in its channel and
the rewards are settled there (a role whose scores are gone is taken back).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.helpers import eventually, fake_discord, has_text, posted_text, query, running_bot
from tests.fakediscord import BOB_ID, CAROL_ID, CHANNEL_ID, GUILD_ID, QUIZ_CHANNEL_IDS, SCHOLAR_ROLE_ID, FakeDiscord

DAILY_CHANNEL_ID = QUIZ_CHANNEL_IDS[6]
QUIZ_CHANNEL = QUIZ_CHANNEL_IDS[7]


async def command(fake: FakeDiscord, content: str, fragment: str) -> str:
    mark = len(fake.requests)
    await fake.send_message(content, author_id=CAROL_ID)
    return posted_text(await fake.wait_for_post_in(CHANNEL_ID, has_text(fragment), after=mark))


async def test_work_at_ready_keeps_a_server_that_arrives_after_ready(tmp_path):
    database = tmp_path / "bot.db"
    async with fake_discord() as fake:
        async with running_bot(fake, database, tmp_path) as bot:
            await command(fake, f"!config rewards add points 10 <@&{SCHOLAR_ROLE_ID}>", "Settings saved")
            later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
            await command(fake, f"!daily set <#{DAILY_CHANNEL_ID}> {later} UTC", "Daily posts are on")
            await command(fake, "!daily now", "daily post is up")
            post = next(m for m in fake.messages.values() if m["channel_id"] == str(DAILY_CHANNEL_ID))
            [(kind,)] = query(database, "SELECT kind FROM items JOIN daily_posts ON daily_posts.item_pk = items.pk")
            await fake.final_text(await fake.click(post, kind.capitalize(), user_id=BOB_ID), seconds=15)
            await eventually(lambda: query(database, "SELECT user_id FROM role_grants") == [(BOB_ID,)])
            assert await bot.stop() == 0

        # While the bot was down: Bob's scores emptied, the server marked as left, today's post due (at midnight).
        now = datetime.now(UTC)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        query(database, "DELETE FROM scores")
        left_at = (now - timedelta(days=1)).isoformat(timespec="microseconds")
        query(database, "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?)", (GUILD_ID, left_at))
        query(database, "DELETE FROM daily_posts")
        due = midnight.isoformat(timespec="microseconds")
        query(database, "UPDATE daily_schedules SET post_time = '00:00', next_due = ?", (due,))
        started_at = now.isoformat(timespec="microseconds")
        query(database, "INSERT INTO running_quizzes VALUES ('crashed', ?, ?, ?)", (GUILD_ID, QUIZ_CHANNEL, started_at))

        fake.withheld_guilds.add(GUILD_ID)
        async with running_bot(fake, database, tmp_path) as bot:
            assert "in 1 servers" in await bot.wait_for_log("Ready as")
            await bot.wait_for_log("the server is unavailable on Discord's side")
            assert query(database, "SELECT status FROM daily_posts") == [("claimed",)], "delayed, to be tried again"
            assert query(database, "SELECT paused_reason FROM daily_schedules") == [(None,)]
            await eventually(lambda: query(database, "SELECT * FROM departed_guilds") == [], what="departure cleared")
            assert query(database, "SELECT paused_reason FROM role_rewards") == [(None,)], "reward kept, not paused"
            assert SCHOLAR_ROLE_ID in fake.role_ids_of(BOB_ID)
            assert query(database, "SELECT session_id FROM running_quizzes") == [("crashed",)], "closed once it arrives"

            mark = len(fake.requests)
            await fake.release_guild(GUILD_ID)
            await fake.wait_for_post_in(QUIZ_CHANNEL, has_text("interrupted by a restart"), after=mark)
            assert query(database, "SELECT * FROM running_quizzes") == []
            await eventually(lambda: SCHOLAR_ROLE_ID not in fake.role_ids_of(BOB_ID), what="the role was taken back")
            await eventually(lambda: query(database, "SELECT user_id FROM role_grants") == [], what="grant forgotten")
            assert query(database, "SELECT paused_reason FROM role_rewards") == [(None,)]
            assert await bot.stop() == 0
        assert not any("Traceback" in line for line in bot.lines), bot.log
