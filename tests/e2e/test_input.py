"""End-to-end: hostile and odd input through the real process.

10,000-character commands and answers, unknown options and values, Unicode tricks, mentions of @everyone,
roles and users, commands in DMs, in a thread, and in a channel where the bot may not post. The bot must answer
(or stay quiet where it cannot post), stay within Discord's limits, ping nobody, and log no traceback.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.helpers import (
    World,
    has_text,
    posted_text,
    synced_world,
    text_of,
)
from tests.fakediscord import (
    BOB_ID,
    CAROL_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    LOCKED_CHANNEL_ID,
    MOD_ROLE_ID,
    QUIZ_CHANNEL_IDS,
    THREAD_ID,
    USER_ID,
    Recorded,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

HUGE = "x" * 10_000
MENTIONS = f"@everyone @here <@&{MOD_ROLE_ID}> <@{BOB_ID}> <@!{CAROL_ID}>"
_CODE_SPAN = re.compile(r"`[^`]*`")
_PINGS = re.compile(r"@everyone|@here|<@[!&]?\d+>")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory) -> AsyncIterator[World]:
    workdir = tmp_path_factory.mktemp("e2e-input")
    async with synced_world(workdir) as world:
        await world.fake.send_message("!sync global")
        await world.fake.wait_for_post_in(CHANNEL_ID, has_text("globally"))
        yield world
        assert "Traceback" not in world.bot.log, world.bot.log


async def reply_to(
    world: World, content: str, *, channel_id: int = CHANNEL_ID, author_id: int = USER_ID, **mentions: Any
) -> str:
    """Send a message and return the text of the bot's next post in that channel."""
    mark = len(world.fake.requests)
    await world.fake.send_message(content, channel_id=channel_id, author_id=author_id, **mentions)
    return posted_text(await world.fake.wait_for_post_in(channel_id, after=mark))


def pings_outside_code(text: str) -> list[str]:
    """Mentions that would ping if allowed mentions were ever turned on (code spans never ping)."""
    return _PINGS.findall(_CODE_SPAN.sub("", text))


async def test_ten_thousand_character_commands_get_short_answers(world: World):
    assert "I don't know the topic" in await reply_to(world, "!fact " + HUGE)
    assert "Nothing matches" in await reply_to(world, "!search " + HUGE, author_id=BOB_ID)
    assert "I don't know the topic" in await reply_to(world, "!quiz " + HUGE, author_id=CAROL_ID)
    pending = await world.fake.slash("search", {"words": HUGE})
    assert "Nothing matches" in text_of(await world.fake.final_text(pending))


async def test_a_ten_thousand_character_answer_in_a_typed_round_is_judged_and_the_round_goes_on(world: World):
    fake, channel_id = world.fake, QUIZ_CHANNEL_IDS[0]
    mark = len(fake.requests)
    await fake.send_message("!quiz 1 typed", channel_id=channel_id)
    await fake.wait_for_post_in(channel_id, has_text("Question 1/1"), after=mark)
    await fake.send_message(HUGE, channel_id=channel_id, author_id=BOB_ID)
    await fake.send_message("three " * 1500, channel_id=channel_id, author_id=CAROL_ID)
    await fake.send_message("3", channel_id=channel_id, author_id=USER_ID)
    reveal = posted_text(await fake.wait_for_post_in(channel_id, has_text("Right answers"), after=mark))
    assert f"<@{USER_ID}>" in reveal and f"<@{BOB_ID}>" not in reveal and f"<@{CAROL_ID}>" not in reveal


async def test_unknown_options_and_values_are_refused_politely(world: World):
    # An option the prefix form does not understand changes nothing: the usage is shown, nothing is saved.
    assert (await reply_to(world, "!quiz settings rounds=many")).startswith("I couldn't understand that. Usage:")
    assert "must be a whole number from 1 to 50" in await reply_to(world, "!quiz settings 999")
    assert "A quiz has 1 to 50 questions" in await reply_to(world, "!quiz 999 typed", author_id=CAROL_ID)
    assert "Usage" in await reply_to(world, "!source", author_id=BOB_ID)
    unknown = await world.fake.slash("fact", {"colour": "blue"})
    assert text_of(await world.fake.final_text(unknown))
    # A command registered by an older version can still send options and values this one does not know.
    bad_mode = await world.fake.slash("quiz start", {"mode": "sideways"}, channel_id=QUIZ_CHANNEL_IDS[1])
    assert "There is no quiz mode `sideways`" in text_of(await world.fake.final_text(bad_mode))
    assert world.bot.process.returncode is None


@pytest.mark.parametrize(
    "trick",
    [
        "sp\u200bace",  # zero-width space
        "\u202eecaps",  # right-to-left override
        "ｓｐａｃｅ",  # fullwidth letters
        "spаce",  # Cyrillic a
        "s\u0301pace",  # combining accent
        "🚀🌕",
        "space\x00",
        "`space`",
        "**space** ||spoiler||",
    ],
)
async def test_unicode_tricks_in_topics_get_an_answer(world: World, trick: str):
    text = await reply_to(world, f"!topics {trick}", author_id=CAROL_ID)
    assert "Topics" in text
    answer = await world.fake.slash("fact", {"topic": trick}, user_id=BOB_ID)
    assert text_of(await world.fake.final_text(answer))


async def test_mentions_in_user_text_never_ping(world: World):
    mark = len(world.fake.requests)
    for command, author in (("!fact", CAROL_ID), ("!search", BOB_ID), ("!source", CAROL_ID), ("!quiz", BOB_ID)):
        reply = await reply_to(
            world,
            f"{command} {MENTIONS}",
            author_id=author,
            mention_everyone=True,
            mention_user_ids=(BOB_ID, CAROL_ID),
            mention_role_ids=(MOD_ROLE_ID,),
        )
        assert reply
    answer = await world.fake.slash("search", {"words": MENTIONS})
    await world.fake.final_text(answer)
    sent = [r for r in world.fake.requests[mark:] if r.payload.get("content") or r.payload.get("embeds")]
    assert len(sent) >= 5
    for record in sent:
        assert record.payload.get("allowed_mentions") == {"parse": []}, record.payload
        assert pings_outside_code(record.payload.get("content") or "") == [], record.payload["content"]


async def test_commands_in_direct_messages(world: World):
    fact = await reply_to(world, "!fact space", channel_id=DM_CHANNEL_ID)
    assert "Fact" in fact
    assert "only works in a server" in await reply_to(world, "!quiz", channel_id=DM_CHANNEL_ID)
    assert "only works in a server" in await reply_to(world, "!quiz settings 3", channel_id=DM_CHANNEL_ID)
    slash = await world.fake.slash("myth", {"topic": "animals"}, channel_id=DM_CHANNEL_ID)
    assert "Myth" in text_of(await world.fake.final_text(slash))


async def test_commands_and_a_quiz_in_a_thread(world: World):
    fake = world.fake
    assert "Fact" in await reply_to(world, "!fact animals", channel_id=THREAD_ID, author_id=CAROL_ID)
    mark = len(fake.requests)
    await fake.send_message("!quiz 1 myth-or-fact", channel_id=THREAD_ID)
    await fake.wait_for_post_in(THREAD_ID, has_text("Question 1/1"), after=mark)
    await fake.send_message("!quiz skip", channel_id=THREAD_ID)
    await fake.wait_for_post_in(THREAD_ID, has_text("Quiz over"), after=mark)


async def test_a_channel_where_the_bot_may_not_post(world: World):
    fake = world.fake
    mark = len(fake.requests)
    await fake.send_message("!fact", channel_id=LOCKED_CHANNEL_ID)
    refused = await fake.slash("quiz start", {"rounds": 1}, channel_id=LOCKED_CHANNEL_ID)
    answer = text_of(await fake.final_text(refused))
    assert "I need the **Send Messages, Embed Links** permission" in answer
    fact = await fake.slash("myth", channel_id=LOCKED_CHANNEL_ID, user_id=CAROL_ID)
    assert "Myth" in text_of(await fake.final_text(fact)), "a slash reply needs no Send Messages permission"
    attempts = [r for r in fake.requests[mark:] if r.path == f"/channels/{LOCKED_CHANNEL_ID}/messages"]
    assert [r.status for r in attempts] in ([], [403]), "at most one refused attempt, no retry loop"
    assert world.bot.process.returncode is None


async def test_every_reply_stayed_within_limits(world: World):
    refused = [r for r in world.fake.requests if r.status >= 400 and r.status != 403]
    assert refused == [], [(r.method, r.path, r.status) for r in refused]
    assert all(isinstance(r, Recorded) for r in world.fake.requests)
