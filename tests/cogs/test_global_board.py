"""Behaviour tests: the global board through discord.py on simcord, two servers that opt in and one that does not."""

from __future__ import annotations

import re
from types import SimpleNamespace

import discord
import pytest

from bot.core.global_board import global_week
from bot.core.scores import PlayerResult, RoundRecord, week_key
from cogs.utils.checks import NotModerator
from tests.helpers import expect_errors


@pytest.fixture
def world(simcord_env):
    """Two servers, each with an admin (Manage Server); Ann plays in both, Ben in the first, Cat in the second."""
    one = simcord_env.create_guild(name="Club One")
    two = simcord_env.create_guild(name="Club Two")
    ann, ben, cat = (simcord_env.create_user(name) for name in ("ann", "ben", "cat @everyone **bold**"))
    admins = {}
    for guild in (one, two):
        role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        admins[guild.id] = guild.add_member(simcord_env.create_user(f"admin-{guild.name}"), roles=[role])
    simcord_env.bot.owner_ids = {admins[one.id].id}
    return SimpleNamespace(
        one=one,
        two=two,
        one_channel=one.create_text_channel("quiz"),
        two_channel=two.create_text_channel("quiz"),
        one_admin=admins[one.id],
        two_admin=admins[two.id],
        ann_one=one.add_member(ann),
        ann_two=two.add_member(ann, nick="Annie"),
        ben=one.add_member(ben),
        cat=two.add_member(cat),
    )


def bot_messages(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def last_question(channel) -> discord.Message:
    return next(m for m in reversed(bot_messages(channel)) if m.embeds and m.embeds[0].title.startswith("Question"))


async def play_a_quiz(env, channel, winner, loser) -> None:
    """One myth-or-fact question: ``winner`` answers right, ``loser`` wrong."""
    await winner.send(channel, "!quiz 1 myth-or-fact")
    question = last_question(channel)
    right = env.bot.quizzes.get(channel.id).session.question.correct_option
    await winner.click(question, label=right)
    await loser.click(question, label="Fact" if right == "Myth" else "Myth")
    await env.advance_time(env.bot.quizzes.get(channel.id).session.question.time_limit + 0.5)
    assert env.bot.quizzes.get(channel.id) is None


async def test_two_servers_share_a_board_that_names_only_who_opts_in(simcord_env, world, store):
    w = world
    await w.one_admin.send(w.one_channel, "!config global on")
    assert bot_messages(w.one_channel)[-1].embeds[0].title == "Settings saved"
    await w.cat.send(w.two_channel, "!config global on")
    expect_errors(simcord_env, NotModerator)
    await w.two_admin.send(w.two_channel, "!config global on")
    await w.one_admin.send(w.one_channel, "!config")
    shown = {field.name: field.value for field in bot_messages(w.one_channel)[-1].embeds[0].fields}
    assert shown["Global board"].startswith("On")

    await play_a_quiz(simcord_env, w.one_channel, w.ann_one, w.ben)
    now = simcord_env.now()
    await store.record_round(
        RoundRecord(w.two.id, "two:1", 1, "animals", now, (PlayerResult(w.cat.id, 5, True),)), week_key(now)
    )
    await w.ann_one.send(w.one_channel, "!global name on")
    assert "shows you as **ann**" in bot_messages(w.one_channel)[-1].content

    await w.cat.send(w.two_channel, "!leaderboard global")
    board = bot_messages(w.two_channel)[-1]
    lines = board.embeds[0].description.splitlines()
    assert lines[0].startswith("**1.** ann: ") and "right)" in lines[0]
    assert lines[1].startswith("**2.** Player #") and lines[1].endswith(": 5 points (1 right) ← you")
    assert lines[2].startswith("**3.** Player #") and ": 0 points (0 right)" in lines[2]
    assert str(w.ben.id) not in board.embeds[0].description and "<@" not in board.embeds[0].description
    assert board.embeds[0].fields[0].value.startswith("**#2** of 3 · 5 points")
    assert "global name on" in board.embeds[0].fields[0].value, "Cat is told how to show a name"

    await w.cat.send(w.two_channel, "!global name on")
    await w.cat.send(w.two_channel, "!global week")
    weekly = bot_messages(w.two_channel)[-1].embeds[0]
    assert weekly.title == f"Global board · Week {global_week(now)} (UTC)"
    assert "**2.** cat everyone bold: 5 points" in weekly.description, "no mention, no markdown"

    await w.one_admin.send(w.one_channel, "!config global off")
    await w.cat.send(w.two_channel, "!global")
    after = bot_messages(w.two_channel)[-1].embeds[0]
    assert after.description.splitlines() == ["**1.** cat everyone bold: 5 points (1 right) ← you"]
    await w.ben.send(w.one_channel, "!global")
    mine = bot_messages(w.one_channel)[-1].embeds[0].fields[0].value
    assert mine.startswith("No points on this board yet") and "does not take part" in mine
    history = await store.audit_history(w.one.id)
    assert [entry.detail for entry in history[:2]] == ["global_board: True → False", "global_board: False → True"]


async def test_pages_turn_without_showing_anyones_id(simcord_env, world, store):
    w = world
    await w.one_admin.send(w.one_channel, "!config global on")
    now = simcord_env.now()
    players = tuple(PlayerResult(7000 + n, points=n + 1, correct=True) for n in range(25))
    await store.record_round(RoundRecord(w.one.id, "seed:1", 1, "animals", now, players), week_key(now))
    await w.ben.send(w.one_channel, "!global all 1")
    first = bot_messages(w.one_channel)[-1]
    assert first.embeds[0].footer.text == "Page 1 of 3 · 25 players"
    previous, following = first.components[0].children
    numbers = set(re.findall(r"\d+", following.custom_id))  # whole numbers: a member key may contain "7012"
    assert previous.disabled and numbers.isdisjoint(str(7000 + n) for n in range(25))
    await w.ann_one.click(first, label="Next ▶")
    turned = next(m for m in w.one_channel.history() if m.id == first.id)
    assert turned.embeds[0].footer.text == "Page 2 of 3 · 25 players"
    assert turned.embeds[0].description.splitlines()[0].startswith("**11.** Player #")
    assert turned.embeds[0].fields[0].name == "Place of ann", "the place of whoever pressed"


async def test_slash_forms(simcord_env, world, store):
    w = world
    await w.one_admin.send(w.one_channel, "!sync")
    result = await w.one_admin.slash(w.one_channel, "config global", state="on")
    assert result.ephemeral and (await store.server_settings(w.one.id)).global_board
    named = await w.ann_one.slash(w.one_channel, "global name", state="on")
    assert named.ephemeral and await store.global_name(w.ann_one.id) == "ann"
    board = await w.ann_one.slash(w.one_channel, "global board", period="week")
    assert board.response.embeds[0].title.startswith("Global board · Week ")
    off = await w.ann_one.slash(w.one_channel, "global name", state="off")
    assert off.ephemeral and await store.global_name(w.ann_one.id) is None


async def test_a_shown_name_is_refreshed_when_the_member_plays_elsewhere(simcord_env, world, store):
    w = world
    await w.ann_one.send(w.one_channel, "!global name on")
    assert await store.global_name(w.ann_one.id) == "ann"
    await w.ann_two.send(w.two_channel, "!global")
    assert await store.global_name(w.ann_one.id) == "ann", "written at most every 5 minutes"
    await simcord_env.advance_time(6 * 60)
    await w.ann_two.send(w.two_channel, "!global")
    assert await store.global_name(w.ann_one.id) == "Annie", "the name in the server where she played last"
    await w.cat.send(w.two_channel, "!global")
    assert await store.global_name(w.cat.id) is None, "a member who did not opt in gets no name stored"


async def test_help_explains_the_global_commands(world):
    w = world
    await w.ben.send(w.one_channel, "!help global")
    text = bot_messages(w.one_channel)[-1].embeds[0]
    shown = f"{text.title}\n{text.description}\n" + "\n".join(f"{f.name} {f.value}" for f in text.fields)
    assert "global board" in shown.lower() and "global name" in shown


async def test_forgetme_takes_the_servers_part_and_the_name_off_the_board(simcord_env, world, store):
    w = world
    await w.one_admin.send(w.one_channel, "!config global on")
    await w.two_admin.send(w.two_channel, "!config global on")
    now = simcord_env.now()
    for guild in (w.one, w.two):
        await store.record_round(
            RoundRecord(guild.id, f"{guild.id}:1", 1, "animals", now, (PlayerResult(w.ann_one.id, 10, True),)),
            week_key(now),
        )
    await w.ann_one.send(w.one_channel, "!global name on")
    await w.ann_one.send(w.one_channel, "!forgetme")
    confirm = await w.ann_one.click(bot_messages(w.one_channel)[-1], label="Delete my data")
    assert confirm.response.content == (
        "Done. I deleted your data in this server: 2 leaderboard entries, 2 entries from this server on the global "
        "board. The global board no longer shows your name."
    )
    row = await store.global_rank("all", w.ann_one.id)
    assert row is not None and row.points == 10 and row.name is None, "the other server's part stays, anonymous"
