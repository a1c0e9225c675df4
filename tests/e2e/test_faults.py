"""End-to-end under faults: a dropped gateway, replayed events, an invalidated session, 429s and 5xx errors.

One bot process serves the whole module; each test injects its faults through the fake Discord and checks
that the bot recovers: it resumes (or identifies again), the quiz goes on, nothing is scored twice, and every
reply it owed arrives.
"""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.e2e.helpers import (
    World,
    eventually,
    has_text,
    posted_text,
    query,
    synced_world,
    text_of,
)
from tests.fakediscord import BOB_ID, CHANNEL_ID, QUIZ_CHANNEL_IDS, USER_ID, FakeDiscord
from tests.helpers import SAMPLE_PACKS

pytestmark = pytest.mark.asyncio(loop_scope="module")

KIND_BY_CLAIM = {
    item["claim"]: item["kind"] for item in tomllib.loads((SAMPLE_PACKS / "sample.toml").read_text())["items"]
}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory) -> AsyncIterator[World]:
    """One bot for the module, slash commands synced, quizzes of one 5-second question."""
    workdir = tmp_path_factory.mktemp("e2e-faults")
    async with synced_world(workdir) as world:
        await world.fake.send_message("!quiz settings 1 5")
        await world.fake.wait_for_post_in(CHANNEL_ID, has_text("Quiz settings saved"))
        yield world


def scores(world: World) -> dict[int, tuple[int, int, int]]:
    """All-time (points, correct, rounds) per member."""
    rows = query(world.database, "SELECT user_id, points, correct, rounds FROM scores WHERE period = 'all'")
    return {user_id: (points, correct, rounds) for user_id, points, correct, rounds in rows}


def latest_message(fake: FakeDiscord, channel_id: int, fragment: str) -> dict:
    return next(
        m for m in reversed(fake.messages.values()) if m["channel_id"] == str(channel_id) and fragment in text_of(m)
    )


async def start_myth_or_fact(world: World, channel_id: int) -> tuple[dict, str]:
    """Start a one-question myth-or-fact quiz; return the question message and the right button."""
    mark = len(world.fake.requests)
    await world.fake.send_message("!quiz 1 myth-or-fact", channel_id=channel_id)
    await world.fake.wait_for_post_in(channel_id, has_text("Question 1/1"), after=mark)
    question = latest_message(world.fake, channel_id, "Question 1/1")
    claim = question["embeds"][0]["description"].split("**")[1]
    return question, "Myth" if KIND_BY_CLAIM[claim] == "myth" else "Fact"


async def test_gateway_drop_mid_quiz_resumes_and_the_quiz_goes_on(world: World):
    fake, channel_id = world.fake, QUIZ_CHANNEL_IDS[0]
    before = scores(world).get(USER_ID, (0, 0, 0))
    mark, log_mark = len(fake.requests), world.bot.mark()
    question, right = await start_myth_or_fact(world, channel_id)
    # The reveal is rate limited once and Discord fails once with a 500: both must be retried.
    limited = fake.fail("POST", rf"^/channels/{channel_id}/messages$", 429, retry_after=0.4)
    failing = fake.fail("POST", rf"^/channels/{channel_id}/messages$", 500)

    await fake.drop_gateway()
    click = await fake.click(question, right, user_id=USER_ID)  # sent while the bot is away: waits for RESUME
    await world.bot.wait_for_log("Gateway session resumed", since=log_mark)
    assert "Answer locked in" in text_of((await fake.answer_of(click)).body["data"])

    reveal = await fake.wait_for_post_in(channel_id, has_text("Right answers"), after=mark, seconds=20)
    assert f"<@{USER_ID}>" in posted_text(reveal)
    await fake.wait_for_post_in(channel_id, has_text("Quiz over"), after=mark)
    assert (limited.served, failing.served) == (1, 1)
    assert fake.identifies == 1 and fake.resumes >= 1
    log = world.bot.log_since(log_mark)
    assert "Disconnected from the gateway" in log and "Traceback" not in log
    after = scores(world)[USER_ID]
    assert (after[1] - before[1], after[2] - before[2]) == (1, 1), "one right answer, one round"


async def test_replayed_answers_and_interactions_do_not_score_twice(world: World):
    fake = world.fake
    typed_channel, button_channel = QUIZ_CHANNEL_IDS[1], QUIZ_CHANNEL_IDS[2]
    before = scores(world)
    rounds_before = query(world.database, "SELECT COUNT(*) FROM rounds")[0][0]
    mark, log_mark = len(fake.requests), world.bot.mark()

    await fake.send_message("!quiz 1 typed", channel_id=typed_channel)
    await fake.wait_for_post_in(typed_channel, has_text("Question 1/1"), after=mark)
    await fake.send_message("three", channel_id=typed_channel, author_id=BOB_ID)
    guess = fake.last_sequence("MESSAGE_CREATE")
    await fake.replay(guess)
    await fake.replay(guess)

    question, right = await start_myth_or_fact(world, button_channel)
    click = await fake.click(question, right, user_id=USER_ID)
    await fake.answer_of(click)
    await fake.replay(fake.last_sequence("INTERACTION_CREATE"))
    # And once more through a RESUME that re-sends events the bot already had.
    fake.replay_on_resume = 3
    await fake.drop_gateway()
    await eventually(lambda: fake.connected, what="the bot reconnected")
    fake.replay_on_resume = 0
    assert click.rejected == [], "a replayed interaction is not answered a second time"
    replays = world.bot.log_since(log_mark)
    assert "Ignored a replayed MESSAGE_CREATE" in replays and "Ignored a replayed INTERACTION_CREATE" in replays

    for channel_id in (typed_channel, button_channel):
        await fake.wait_for_post_in(channel_id, has_text("Quiz over"), after=mark, seconds=20)
    after = scores(world)
    bob_before, alice_before = before.get(BOB_ID, (0, 0, 0)), before.get(USER_ID, (0, 0, 0))
    assert after[BOB_ID][1] - bob_before[1] == 1 and after[BOB_ID][2] - bob_before[2] == 1
    assert after[USER_ID][1] - alice_before[1] == 1 and after[USER_ID][2] - alice_before[2] == 1
    assert query(world.database, "SELECT COUNT(*) FROM rounds")[0][0] == rounds_before + 2


async def test_invalidated_session_identifies_again_and_the_live_quiz_is_not_closed(world: World):
    fake, channel_id = world.fake, QUIZ_CHANNEL_IDS[3]
    # discord.py waits 5 s before identifying again: give the typed round (twice this) time to outlive that.
    await fake.send_message("!quiz settings 1 10")
    await fake.send_message("!quiz 1 typed", channel_id=channel_id)
    mark, log_mark = len(fake.requests), world.bot.mark()
    await fake.wait_for_post_in(channel_id, has_text("Question 1/1"), seconds=20)
    identifies = fake.identifies
    fake.invalidate_next_resume = True
    await fake.drop_gateway()
    await world.bot.wait_for_log("Ready as", since=log_mark)
    assert fake.identifies == identifies + 1
    await fake.send_message("3", channel_id=channel_id, author_id=BOB_ID)
    reveal = await fake.wait_for_post_in(channel_id, has_text("Right answers"), after=mark, seconds=20)
    assert f"<@{BOB_ID}>" in posted_text(reveal), "the quiz went on after the new session"
    await fake.wait_for_post_in(channel_id, has_text("Quiz over"), after=mark)
    assert not any("interrupted by a restart" in posted_text(r) for r in fake.posts(channel_id))
    settings_mark = len(fake.requests)
    await fake.send_message("!quiz settings 1 5")
    await fake.wait_for_post_in(CHANNEL_ID, has_text("Quiz settings saved"), after=settings_mark)


async def test_rate_limits_and_server_errors_on_every_kind_of_reply_are_retried(world: World):
    fake = world.fake
    faults = [
        fake.fail("POST", rf"^/channels/{CHANNEL_ID}/messages$", 429, retry_after=0.3),
        fake.fail("POST", rf"^/channels/{CHANNEL_ID}/messages$", 429, retry_after=0.3, is_global=True),
        fake.fail("POST", rf"^/channels/{CHANNEL_ID}/messages$", 502),
    ]
    mark = len(fake.requests)
    await fake.send_message("!topics")
    post = await fake.wait_for_post_in(CHANNEL_ID, has_text("Topics"), after=mark, seconds=20)
    attempts = [r for r in fake.requests[mark : fake.requests.index(post) + 1] if r.path == post.path]
    assert [r.status for r in attempts] == [429, 429, 502, 200]
    assert attempts[1].at - attempts[0].at >= 0.3 * 0.9, "retry_after was respected"
    assert attempts[2].at - attempts[1].at >= 0.3 * 0.9

    # Interaction callbacks go through Discord's webhook routes: a 5xx there is not retried as it is (discord.py
    # would wait 1 s, then 3 s after a second one, too late for Discord's 3 s limit): the bot defers at once, and
    # the deferral meets a 429 here, which is retried after its retry_after; the reply then fills the deferral.
    faults.append(fake.fail("POST", r"^/interactions/\d+/[^/]+/callback$", 500))
    faults.append(fake.fail("POST", r"^/interactions/\d+/[^/]+/callback$", 429, retry_after=0.3))
    pending = await fake.slash("fact", {"topic": "animals"})
    assert "Fact" in text_of(await fake.final_text(pending))
    calls = [(r.method, r.status) for r in fake.requests if pending.token in r.path]
    assert calls == [("POST", 500), ("POST", 429), ("POST", 200), ("PATCH", 200)]
    assert (await fake.answer_of(pending)).body["type"] == 5

    assert all(fault.served == fault.times for fault in faults)
    assert "Traceback" not in world.bot.log


CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


async def test_two_server_errors_in_a_row_on_a_slash_reply_do_not_lose_it(world: World):
    """The reply meets a 500, so the bot defers; the deferral meets a 500 too and is retried within the 3 s."""
    fake, log_mark = world.fake, world.bot.mark()
    fake.fail("POST", CALLBACK, 500, times=2)
    pending = await fake.slash("fact", {"topic": "animals"})
    assert "Fact" in text_of(await fake.final_text(pending))
    calls = [r for r in fake.requests if pending.token in r.path]
    assert [(r.method, r.status) for r in calls] == [("POST", 500), ("POST", 500), ("POST", 200), ("PATCH", 200)]
    assert calls[2].at - pending.sent_at < 3, "deferred within Discord's 3 s"
    assert calls[2].body["type"] == 5 and not calls[2].body.get("data"), "a public reply stays public"
    assert pending.rejected == []
    log = world.bot.log_since(log_mark)
    assert "Discord answered 500 to an interaction response; deferring it" in log
    assert "Traceback" not in log


async def test_a_private_button_answer_after_two_server_errors_stays_private(world: World):
    fake, channel_id = world.fake, QUIZ_CHANNEL_IDS[1]
    question, right = await start_myth_or_fact(world, channel_id)
    fake.fail("POST", CALLBACK, 502, times=2)
    click = await fake.click(question, right, user_id=BOB_ID)
    assert "Answer locked in" in text_of(await fake.final_text(click))
    calls = [r for r in fake.requests if click.token in r.path]
    assert [(r.method, r.status) for r in calls] == [("POST", 502), ("POST", 502), ("POST", 200), ("PATCH", 200)]
    assert calls[2].body == {"type": 5, "data": {"flags": 64}}, "deferred privately, as the answer was private"
    assert click.rejected == []
    await fake.wait_for_post_in(channel_id, has_text("Quiz over"), seconds=20)
    assert "Traceback" not in world.bot.log


async def test_a_server_error_after_discord_took_the_reply_keeps_the_reply(world: World):
    """The 500 came after Discord had accepted the reply: the deferral is refused as a second answer, the reply
    stands, and the bot writes the same reply into it again rather than fail."""
    fake, log_mark = world.fake, world.bot.mark()
    fake.fail("POST", CALLBACK, 500, after_doing_it=True)
    pending = await fake.slash("fact", {"topic": "animals"})
    first = await fake.answer_of(pending)
    assert first.body["type"] == 4 and "Fact" in text_of(first.body["data"])
    edit = await fake.wait_until(
        lambda: next((r for r in pending.responses if r.method == "PATCH"), None), 10, "the reply written again"
    )
    assert text_of(edit.body) == text_of(first.body["data"])
    assert [r.body["type"] for r in pending.rejected] == [5], "the deferral, refused as a second answer"
    assert "Traceback" not in world.bot.log_since(log_mark)
