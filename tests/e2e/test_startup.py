"""End-to-end: one real bot process against the fake Discord, from start-up through every kind of interaction.

Start-up and READY, command registration by ``!sync``, ``!fact``, ``/myth`` with its button, autocomplete, a
full quiz in each mode (played side by side in three channels), a dispute through a modal, and a moderator
command refused to a plain member. Every message the bot sent is checked for Discord's limits and mentions.
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
from tests.fakediscord import (
    BOB_ID,
    CAROL_ID,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    QUIZ_CHANNEL_IDS,
    USER_ID,
)
from tests.helpers import SAMPLE_PACKS

pytestmark = pytest.mark.asyncio(loop_scope="module")

SAMPLE_ITEMS = tomllib.loads((SAMPLE_PACKS / "sample.toml").read_text())["items"]
KIND_BY_CLAIM = {item["claim"]: item["kind"] for item in SAMPLE_ITEMS}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory) -> AsyncIterator[World]:
    """One bot process for the whole module, with slash commands synced and 1-question, 5-second quizzes."""
    workdir = tmp_path_factory.mktemp("e2e-startup")
    async with synced_world(workdir) as world:
        pending = await world.fake.slash("quiz settings", {"rounds": 1, "seconds": 5})
        assert "Quiz settings saved" in text_of(await world.fake.final_text(pending))
        yield world
        assert "Traceback" not in world.bot.log, world.bot.log


def question_in(world: World, channel_id: int, after: int = 0):
    return world.fake.wait_for_post_in(channel_id, has_text("Question 1/1"), after=after)


async def test_ready_once_and_sync_registers_every_command(world: World):
    assert world.fake.identifies == 1
    assert "Ready as MythOrFact" in world.bot.log
    names = world.fake.command_names(GUILD_ID)
    for expected in ("fact", "myth", "quiz", "topics", "source", "search", "leaderboard", "rank", "stats", "help"):
        assert expected in names
    assert "sync" not in names, "owner-only prefix commands are not published"
    quiz = world.fake.find_command("quiz")
    assert {option["name"] for option in quiz["options"]} >= {"start", "stop", "skip", "settings"}
    for command in world.fake.commands[GUILD_ID]:
        assert 1 <= len(command["name"]) <= 32 and 1 <= len(command["description"]) <= 100


async def test_prefix_fact_posts_a_sourced_fact_without_mentions(world: World):
    mark = len(world.fake.requests)
    await world.fake.send_message("!fact space")
    post = await world.fake.wait_for_post_in(CHANNEL_ID, after=mark)
    embed = post.body["embeds"][0]
    assert embed["footer"]["text"].endswith("id sample/venus-hottest")
    assert post.body["allowed_mentions"] == {"parse": []}


async def test_slash_myth_then_reveal_button_answers_privately(world: World):
    pending = await world.fake.slash("myth", {"topic": "space"})
    answer = await world.fake.answer_of(pending)
    assert answer.body["type"] == 4
    myth = pending.message
    assert myth is not None and "Myth" in text_of(myth)
    assert answer.body["data"]["allowed_mentions"] == {"parse": []}
    click = await world.fake.click(myth, "Reveal the truth", user_id=BOB_ID)
    revealed = await world.fake.answer_of(click)
    assert revealed.body["data"]["flags"] & EPHEMERAL
    claim = next(item for item in SAMPLE_ITEMS if item["claim"] in text_of(myth))
    assert claim["truth"][:40] in text_of(revealed.body["data"])


async def test_autocomplete_offers_matching_topics(world: World):
    pending = await world.fake.autocomplete("fact", {"topic": "sp"}, "topic")
    answer = await world.fake.answer_of(pending)
    assert answer.body["type"] == 8
    assert [choice["value"] for choice in answer.body["data"]["choices"]] == ["space"]


async def test_a_full_quiz_in_each_mode_scores_the_right_players(world: World):
    fake = world.fake
    mof_channel, choice_channel, typed_channel = QUIZ_CHANNEL_IDS[:3]
    mark = len(fake.requests)
    # Three quizzes at once, started three ways: prefix, slash, and prefix with a mode.
    await fake.send_message("!quiz 1 myth-or-fact", channel_id=mof_channel, author_id=USER_ID)
    started = await fake.slash("quiz start", {"rounds": 1, "mode": "choice"}, channel_id=choice_channel)
    await fake.send_message("!quiz 1 typed", channel_id=typed_channel, author_id=CAROL_ID)

    mof_question = (await question_in(world, mof_channel, mark)).body
    claim = mof_question["embeds"][0]["description"].split("**")[1]
    right = "Myth" if KIND_BY_CLAIM[claim] == "myth" else "Fact"
    wrong = "Fact" if right == "Myth" else "Myth"
    message = fake.messages[max(m for m, v in fake.messages.items() if v["channel_id"] == str(mof_channel))]
    alice_click = await fake.click(message, right, user_id=USER_ID)
    bob_click = await fake.click(message, wrong, user_id=BOB_ID)
    assert "Answer locked in" in text_of((await fake.answer_of(alice_click)).body["data"])
    await fake.answer_of(bob_click)
    again = await fake.click(message, wrong, user_id=USER_ID)
    assert "already answered" in text_of((await fake.answer_of(again)).body["data"])

    assert "Quiz time!" in text_of(await fake.final_text(started))
    choice_post = await question_in(world, choice_channel, mark)
    choice_message = fake.messages[max(m for m, v in fake.messages.items() if v["channel_id"] == str(choice_channel))]
    assert "How many hearts" in posted_text(choice_post)
    await fake.answer_of(await fake.click(choice_message, "3", user_id=BOB_ID))

    await question_in(world, typed_channel, mark)
    await fake.send_message("I think it's two", channel_id=typed_channel, author_id=USER_ID)
    await fake.send_message("three", channel_id=typed_channel, author_id=BOB_ID)

    for channel_id in (mof_channel, choice_channel, typed_channel):
        await fake.wait_for_post_in(channel_id, has_text("Quiz over"), after=mark, seconds=20)
    reveals = {cid: posted_text(await fake.wait_for_post_in(cid, has_text("Right answers"), after=mark))
               for cid in (mof_channel, choice_channel, typed_channel)}  # fmt: skip
    assert f"<@{USER_ID}>" in reveals[mof_channel] and f"<@{BOB_ID}>" not in reveals[mof_channel]
    assert f"<@{BOB_ID}>" in reveals[choice_channel]
    assert f"<@{BOB_ID}>" in reveals[typed_channel] and f"<@{USER_ID}>" not in reveals[typed_channel]

    rows = dict(query(world.database, "SELECT user_id, correct FROM scores WHERE period = 'all' AND guild_id = ?",
                      (GUILD_ID,)))  # fmt: skip
    assert rows[USER_ID] == 1 and rows[BOB_ID] == 2
    assert query(world.database, "SELECT COUNT(*) FROM rounds")[0][0] == 3
    await eventually(lambda: query(world.database, "SELECT COUNT(*) FROM running_quizzes") == [(0,)])


async def test_dispute_through_the_modal_is_saved(world: World):
    fake = world.fake
    reveal = next(m for m in reversed(fake.messages.values()) if "Right answers" in text_of(m))
    opened = await fake.click(reveal, "Dispute", user_id=BOB_ID)
    assert (await fake.answer_of(opened)).body["type"] == 9
    submitted = await fake.submit_modal(opened, {"reason": "The source says something else."}, user_id=BOB_ID)
    assert "dispute is saved" in text_of((await fake.answer_of(submitted)).body["data"])
    disputes = query(world.database, "SELECT user_id, reason FROM disputes")
    assert disputes == [(BOB_ID, "The source says something else.")]


async def test_moderator_command_refused_to_a_plain_member_allowed_to_a_moderator(world: World):
    refused = await world.fake.slash("quiz settings", {"rounds": 7}, user_id=BOB_ID)
    answer = await world.fake.answer_of(refused)
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert "Manage Server" in text_of(answer.body["data"])
    allowed = await world.fake.slash("quiz settings", {"rounds": 1}, user_id=CAROL_ID)
    assert "Quiz settings saved" in text_of(await world.fake.final_text(allowed))


async def test_every_message_respected_limits_and_pinged_nobody(world: World):
    sent = [r for r in world.fake.requests if r.payload.get("content") is not None or r.payload.get("embeds")]
    assert sent
    for record in sent:
        assert record.status < 400, (record.path, record.status)
        assert record.payload.get("allowed_mentions") == {"parse": []}, (record.path, record.payload)
