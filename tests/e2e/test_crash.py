"""End-to-end: the bot killed with SIGKILL mid-quiz, and stopped with SIGTERM while a score is being written.

Each test starts its own processes over its own database; the fake Discord is shared by the module.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import time
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.helpers import eventually, fake_discord, has_text, posted_text, query, running_bot, text_of
from tests.fakediscord import CHANNEL_ID, QUIZ_CHANNEL_IDS, USER_ID, FakeDiscord
from tests.helpers import SAMPLE_PACKS

pytestmark = pytest.mark.asyncio(loop_scope="module")

KIND_BY_CLAIM = {
    item["claim"]: item["kind"] for item in tomllib.loads((SAMPLE_PACKS / "sample.toml").read_text())["items"]
}
INTERRUPTED = "interrupted by a restart"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with fake_discord() as started:
        yield started


async def set_quiz(fake: FakeDiscord, rounds: int, seconds: int) -> None:
    mark = len(fake.requests)
    await fake.send_message(f"!quiz settings {rounds} {seconds}")
    await fake.wait_for_post_in(CHANNEL_ID, has_text("Quiz settings saved"), after=mark)


async def answer_right(fake: FakeDiscord, channel_id: int, number: str, after: int):
    """Wait for question ``number`` (e.g. "1/2"), press its right button as alice; return the question post."""
    post = await fake.wait_for_post_in(channel_id, has_text(f"Question {number}"), after=after)
    message = next(m for m in reversed(fake.messages.values()) if f"Question {number}" in text_of(m))
    claim = message["embeds"][0]["description"].split("**")[1]
    click = await fake.click(message, "Myth" if KIND_BY_CLAIM[claim] == "myth" else "Fact", user_id=USER_ID)
    await fake.answer_of(click)
    return post


def integrity(database: Path) -> str:
    return query(database, "PRAGMA integrity_check")[0][0]


def alice_all_time(database: Path) -> tuple[int, int, int] | None:
    rows = query(
        database, "SELECT points, correct, rounds FROM scores WHERE period = 'all' AND user_id = ?", (USER_ID,)
    )
    return rows[0] if rows else None


async def test_kill_9_mid_quiz_keeps_committed_scores_and_the_restart_closes_the_quiz_once(fake, tmp_path):
    database, channel_id = tmp_path / "bot.db", QUIZ_CHANNEL_IDS[0]
    async with running_bot(fake, database, tmp_path) as bot:
        await set_quiz(fake, rounds=2, seconds=5)
        mark = len(fake.requests)
        await fake.send_message("!quiz 2 myth-or-fact", channel_id=channel_id)
        await answer_right(fake, channel_id, "1/2", mark)
        reveal = await fake.wait_for_post_in(channel_id, has_text("Right answers"), after=mark, seconds=20)
        points = int(re.search(rf"<@{USER_ID}> \+(\d+)", posted_text(reveal))[1])
        await fake.wait_for_post_in(channel_id, has_text("Question 2/2"), after=mark, seconds=20)
        bot.process.kill()
        assert await bot.process.wait() == -signal.SIGKILL

    assert integrity(database) == "ok"
    assert alice_all_time(database) == (points, 1, 1), "the committed round survived"
    assert query(database, "SELECT COUNT(*) FROM rounds") == [(1,)]
    assert query(database, "SELECT channel_id FROM running_quizzes") == [(channel_id,)]

    mark = len(fake.requests)
    async with running_bot(fake, database, tmp_path) as bot:
        notice = await fake.wait_for_post_in(channel_id, has_text(INTERRUPTED), after=mark)
        assert notice.body["content"].startswith("The quiz here was interrupted by a restart; scores of finished")
        await eventually(lambda: query(database, "SELECT COUNT(*) FROM running_quizzes") == [(0,)])
        await fake.send_message("!quiz 1 myth-or-fact", channel_id=channel_id)  # the channel is free again
        await fake.wait_for_post_in(channel_id, has_text("Question 1/1"), after=mark)
        assert await bot.stop() == 0

    mark = len(fake.requests)
    async with running_bot(fake, database, tmp_path):
        await fake.send_message("!topics")
        await fake.wait_for_post_in(CHANNEL_ID, has_text("Topics"), after=mark)
    assert not any(INTERRUPTED in posted_text(r) for r in fake.posts()[mark:]), "closed once, not at every start"
    assert alice_all_time(database) == (points, 1, 1)
    assert integrity(database) == "ok"


async def test_sigterm_while_a_score_waits_to_be_written_commits_it_and_exits_0(fake, tmp_path):
    database, channel_id = tmp_path / "bot.db", QUIZ_CHANNEL_IDS[1]
    async with running_bot(fake, database, tmp_path) as bot:
        await set_quiz(fake, rounds=1, seconds=5)
        mark = len(fake.requests)
        await fake.send_message("!quiz 1 myth-or-fact", channel_id=channel_id)
        question = await answer_right(fake, channel_id, "1/1", mark)
        # Another process holds the write lock when the round closes, so the score write is in flight...
        blocker = sqlite3.connect(database, isolation_level=None, timeout=5)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            await asyncio.sleep(max(0.0, question.at + 5.8 - time.monotonic()))
            bot.process.send_signal(signal.SIGTERM)  # ...when the stop is asked for;
            await bot.wait_for_log("Received SIGTERM")
            await asyncio.sleep(0.3)
        finally:
            blocker.execute("ROLLBACK")  # then the lock goes away and the write may finish.
            blocker.close()
        assert await bot.stop(seconds=10) == 0
    assert "Traceback" not in bot.log, bot.log
    assert alice_all_time(database) is not None and alice_all_time(database)[1:] == (1, 1)
    assert query(database, "SELECT COUNT(*) FROM running_quizzes") == [(0,)], "a stopped quiz is not interrupted"
    assert integrity(database) == "ok"
    ending = [posted_text(r) for r in fake.posts(channel_id)[-2:]]
    assert any("quiz ended early" in text or "Quiz over" in text for text in ending)
