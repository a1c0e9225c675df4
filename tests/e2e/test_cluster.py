"""End-to-end: a cluster of two ``python -m bot`` processes (SHARD_COUNT=2, SHARD_IDS=0 and 1) on one PostgreSQL
database, against one fake Discord with servers on both shards.

Commands and quizzes are answered once in every server, by the process of its shard; each server's daily post is
sent exactly once although one process is killed with SIGKILL and restarted before it is due; the retention sweep
runs in one process; points scored in servers of both shards are on their leaderboards. Runs when
TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.helpers import BotProcess, eventually, fake_discord, has_text, posted_text, text_of
from tests.fakediscord import FakeDiscord

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="PostgreSQL tests skipped: set TEST_POSTGRES_URL")


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Create an empty PostgreSQL database for the test; drop it afterwards. Yields its URL."""
    import asyncpg

    name = f"mof_cluster_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def start(fake: FakeDiscord, database_url: str, workdir: Path, shard: int) -> BotProcess:
    bot = await BotProcess.start(
        fake, workdir / "unused.db", workdir, DATABASE_URL=database_url, SHARD_COUNT="2", SHARD_IDS=str(shard)
    )
    await bot.wait_for_log("Ready as", seconds=40)
    return bot


def daily_posts(fake: FakeDiscord, channel_id: int) -> list[dict]:
    today = datetime.now(UTC).date().isoformat()
    return [
        m
        for m in fake.messages.values()
        if m["channel_id"] == str(channel_id)
        and any(today in (e.get("footer") or {}).get("text", "") for e in m["embeds"])
    ]


async def answer_in(fake: FakeDiscord, guild_id: int, content: str, fragment: str) -> str:
    """Send a command in a server and return the one reply that contains ``fragment``."""
    channel_id = fake.channel_in(guild_id)
    mark = len(fake.requests)
    await fake.send_message_in(guild_id, content)
    return posted_text(await fake.wait_for_post_in(channel_id, has_text(fragment), after=mark, seconds=20))


async def test_two_processes_serve_their_shards_post_once_and_sweep_once(tmp_path: Path):
    async with fake_discord(extra_guilds=5) as fake, fresh_database() as url:
        servers = {shard: fake.guild_ids(shard, 2)[:2] for shard in (0, 1)}
        assert all(len(found) == 2 for found in servers.values()), servers
        first, second = await start(fake, url, tmp_path, 0), await start(fake, url, tmp_path, 1)
        processes = {0: first, 1: second}
        try:
            # Each command is answered once, by the process of the server's shard; so is a quiz.
            for guild_ids in servers.values():
                for guild_id in guild_ids:
                    channel_id = fake.channel_in(guild_id)
                    mark = len(fake.requests)
                    await answer_in(fake, guild_id, "!fact", "id ")
                    await answer_in(fake, guild_id, "!quiz 1 myth-or-fact", "Question 1/1")
                    await answer_in(fake, guild_id, "!quiz stop", "Quiz over")
                    posted = [posted_text(r) for r in fake.posts(channel_id) if fake.requests.index(r) >= mark]
                    assert sum("Quiz time!" in text for text in posted) == 1, posted
                    assert sum("Question 1/1" in text for text in posted) == 1, posted
            # The retention sweep ran in exactly one of them.
            await eventually(lambda: sum("Retention sweep done" in p.log for p in processes.values()) == 1, 20)
            assert sum("The retention sweep runs in" in p.log for p in processes.values()) == 1

            # Daily posts everywhere at the next minute; shard 1's process dies and comes back before then.
            due = datetime.now(UTC) + timedelta(minutes=1 if datetime.now(UTC).second < 40 else 2)
            for guild_ids in servers.values():
                for guild_id in guild_ids:
                    channel = fake.channel_in(guild_id)
                    await answer_in(fake, guild_id, f"!daily set <#{channel}> {due:%H:%M} UTC", "Daily posts are on")
            second.process.send_signal(signal.SIGKILL)
            await second.process.wait()
            second = processes[1] = await start(fake, url, tmp_path, 1)
            every = [g for found in servers.values() for g in found]
            await eventually(lambda: all(daily_posts(fake, fake.channel_in(g)) for g in every), 150, "daily posts")

            # Points from a daily answer count on each server's leaderboard, whichever process serves it.
            for guild_id in every:
                [post] = daily_posts(fake, fake.channel_in(guild_id))
                first = await fake.final_text(await fake.click(post, "Myth"), seconds=15)
                again = await fake.final_text(await fake.click(post, "Fact"), seconds=15)
                assert "already answered" in text_of(again) and text_of(first) != text_of(again)
            for guild_id in every:
                assert "** of 1 · " in await answer_in(fake, guild_id, "!rank", "Rank of")
            assert all(len(daily_posts(fake, fake.channel_in(g))) == 1 for g in every), "exactly once per server"
            for process in processes.values():
                assert "Traceback" not in process.log
                assert await process.stop() == 0
        finally:
            for process in processes.values():
                process.kill()


async def test_a_process_asked_for_a_shard_another_process_serves_is_refused_with_one_line(tmp_path: Path):
    async with fake_discord(extra_guilds=3) as fake, fresh_database() as url:
        first = await BotProcess.start(
            fake, tmp_path / "unused.db", tmp_path, DATABASE_URL=url, SHARD_COUNT="2", SHARD_IDS="0-1"
        )
        try:
            await first.wait_for_log("Ready as", seconds=40)
            second = await BotProcess.start(
                fake, tmp_path / "unused.db", tmp_path, DATABASE_URL=url, SHARD_COUNT="2", SHARD_IDS="1"
            )
            assert await second.process.wait() == 2
            await eventually(lambda: any(line.startswith("error:") for line in second.lines), 5)
            errors = [line for line in second.lines if line.startswith("error:")]
            assert len(errors) == 1 and "shard 1 of 2 is already served by the process" in errors[0], second.log
            assert "Traceback" not in second.log
            mark = len(fake.requests)
            await fake.send_message_in(fake.guild_ids(1, 2)[0], "!topics")
            await fake.wait_for_post_in(fake.channel_in(fake.guild_ids(1, 2)[0]), has_text("Topics"), after=mark)
            assert await first.stop() == 0
        finally:
            first.kill()
