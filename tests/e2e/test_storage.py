"""End-to-end: the database locked by another process, or read-only.

Members get a polite "try again" (a slash command is deferred in time, so the answer is not lost to Discord's
3-second limit), the log gets one clear line per failure and no traceback, and the bot keeps running.
"""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from tests.e2e.helpers import (
    eventually,
    fake_discord,
    has_text,
    query,
    running_bot,
    sync_commands,
    text_of,
)
from tests.fakediscord import CHANNEL_ID

FRIENDLY = "I can't save right now; please try again in a minute."


async def test_database_locked_by_another_process_gets_a_polite_answer_and_the_bot_carries_on(tmp_path):
    database = tmp_path / "bot.db"
    async with fake_discord() as fake, running_bot(fake, database, tmp_path) as bot:
        await sync_commands(fake)
        log_mark = bot.mark()
        other_process = sqlite3.connect(database, isolation_level=None)
        try:
            other_process.execute("BEGIN EXCLUSIVE")
            served = await fake.slash("fact")
            fact = await fake.answer_of(served, seconds=5)
            assert fact.body["type"] == 4 and fact.body["data"]["embeds"], "a fact is served from memory at once"
            pending = await fake.slash("quiz start", {"rounds": 1})
            first = await fake.answer_of(pending, seconds=5)
            assert first.body["type"] == 5, "deferred before Discord's 3 s ran out"
            answer = await fake.final_text(pending, seconds=15)
            assert text_of(answer) == FRIENDLY
            await eventually(
                lambda: "Could not record 1 served items" in bot.log_since(log_mark), what="the record's write refused"
            )
        finally:
            other_process.execute("ROLLBACK")
            other_process.close()
        assert pending.rejected == []
        await eventually(lambda: query(database, "SELECT COUNT(*) FROM served")[0][0] == 1, what="the fact recorded")
        await eventually(lambda: "Recorded the served items after" in bot.log_since(log_mark), what="the retry logged")
        log = bot.log_since(log_mark)
        assert log.count("Database unavailable") == 1 and "database is locked" in log
        assert "Could not record 1 served items (database is locked); retrying" in log
        assert "Deferred the answer to a slow /quiz start" in log
        assert "Traceback" not in log

        mark = len(fake.requests)
        await fake.send_message("!fact animals")
        post = await fake.wait_for_post_in(CHANNEL_ID, after=mark)
        assert post.body["embeds"][0]["title"], "served again once the lock is gone"
        assert bot.process.returncode is None and fake.identifies == 1


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root without setpriv ignores read-only files"
)
async def test_read_only_database_at_start_up_still_serves(tmp_path):
    """The process starts over a database it may not write: reads and facts work, a write gets the polite answer."""
    database = tmp_path / "bot.db"
    async with fake_discord() as fake:
        async with running_bot(fake, database, tmp_path) as bot:  # create and fill the database first
            assert await bot.stop() == 0
        for path in [database, *tmp_path.glob("bot.db-*")]:
            path.chmod(0o444)
        async with running_bot(fake, database, tmp_path, honour_file_modes=True) as bot:
            mark, log_mark = len(fake.requests), bot.mark()
            await fake.send_message("!topics")
            await fake.wait_for_post_in(CHANNEL_ID, has_text("Topics"), after=mark)
            await fake.send_message("!fact")
            fact = await fake.wait_for_post_in(CHANNEL_ID, lambda post: bool(post.body.get("embeds")), after=mark)
            assert fact.body["embeds"][0]["title"], "a fact is served; only its record waits for a writable file"
            await fake.send_message("!quiz")
            reply = await fake.wait_for_post_in(CHANNEL_ID, has_text(FRIENDLY), after=mark)
            assert reply.body["content"] == FRIENDLY
            log = bot.log_since(log_mark)
            assert log.count("Database unavailable") == 1 and "readonly database" in log
            await eventually(lambda: "Could not record 1 served items" in bot.log, what="the record's retry logged")
            assert "Traceback" not in bot.log, bot.log
    assert query(database, "PRAGMA integrity_check") == [("ok",)]
