"""End-to-end: the global board across two ``python -m bot`` processes (one shard each) on one PostgreSQL database.

Two servers on different shards, so served by different processes, join the global board; a member plays a quiz
question in each; either process then shows the same board, with the member's rounds summed over both servers. The
name the member opts in with in one process shows in the other, and a server that leaves is off the board at once.
Runs when TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.helpers import fake_discord, has_text, posted_text
from tests.e2e.test_cluster import fresh_database, pytestmark, start
from tests.fakediscord import FakeDiscord, Recorded

__all__ = ["pytestmark"]


async def reply_in(fake: FakeDiscord, guild_id: int, content: str, fragment: str) -> Recorded:
    """Send a command in a server's #general; return the bot's post that contains ``fragment``."""
    mark = len(fake.requests)
    await fake.send_message_in(guild_id, content)
    return await fake.wait_for_post_in(fake.channel_in(guild_id), has_text(fragment), after=mark, seconds=20)


async def test_two_processes_share_one_global_board(tmp_path: Path):
    async with fake_discord(extra_guilds=5) as fake, fresh_database() as url:
        guild_a, guild_b = fake.guild_ids(0, 2)[0], fake.guild_ids(1, 2)[0]
        first, second = await start(fake, url, tmp_path, 0), await start(fake, url, tmp_path, 1)
        try:
            marks = {}
            for guild_id in (guild_a, guild_b):
                await reply_in(fake, guild_id, "!config global on", "takes part in the global board")
                await reply_in(fake, guild_id, "!quiz settings 1 5", "Quiz settings")
                marks[guild_id] = len(fake.requests)
                question = await reply_in(fake, guild_id, "!quiz 1 myth-or-fact", "Question 1/1")
                await fake.final_text(await fake.click(question.answer, "Myth"), seconds=15)
            for guild_id, mark in marks.items():
                await fake.wait_for_post_in(fake.channel_in(guild_id), has_text("Quiz over"), after=mark, seconds=40)
            for guild_id in (guild_a, guild_b):
                board = posted_text(await reply_in(fake, guild_id, "!global", "Global board"))
                assert "**1.** Player #" in board and "of 1 · " in board and "/2 right" in board, board

            await reply_in(fake, guild_a, "!global name on", "shows you as **alice**")
            board = posted_text(await reply_in(fake, guild_b, "!leaderboard global week", "Global board · Week"))
            assert "**1.** alice: " in board, "the name opted in with in one process shows in the other"

            await reply_in(fake, guild_a, "!config global off", "left the global board")
            board = posted_text(await reply_in(fake, guild_b, "!global", "Global board"))
            assert "/1 right" in board, "the server that left no longer counts, in the other process at once"
            for process in (first, second):
                assert "Traceback" not in process.log
                assert await process.stop() == 0
        finally:
            first.kill()
            second.kill()
