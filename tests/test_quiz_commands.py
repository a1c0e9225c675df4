"""Behaviour tests: quizzes and leaderboards played through discord.py against simcord."""

from __future__ import annotations

import discord
import pytest

from bot.client import MythOrFactBot
from bot.errors import MythOrFactError
from tests.conftest import make_config
from tests.test_commands import expect_errors


@pytest.fixture
def world(simcord_env):
    """A server with a quiz channel, the owner, and three players."""
    guild = simcord_env.create_guild(name="Quiz Club")
    channel = guild.create_text_channel("quiz")
    owner = guild.add_member(simcord_env.create_user("owner"))
    players = [guild.add_member(simcord_env.create_user(name)) for name in ("ann", "ben", "cat")]
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, owner, players


def bot_messages(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def last_question(channel) -> discord.Message:
    return next(m for m in reversed(bot_messages(channel)) if m.embeds and m.embeds[0].title.startswith("Question"))


async def test_myth_or_fact_quiz_plays_to_the_end(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 2 myth-or-fact")
    assert channel.history()[-2].content.startswith("**Quiz time!** 2 questions")
    question = last_question(channel)
    assert question.embeds[0].title == "Question 1/2 · Myth or fact?"
    labels = [child.label for child in question.components[0].children]
    assert labels == ["Myth", "Fact"]
    first = await ann.click(question, label="Myth")
    assert first.ephemeral and first.response.content == "Answer locked in: **Myth**. Wait for the reveal!"
    again = await ann.click(question, label="Fact")
    assert again.response.content.startswith("You already answered")
    await ben.click(question, label="Fact")
    await simcord_env.advance_time(60)
    reveal = next(m for m in bot_messages(channel) if m.embeds and m.embeds[0].title.startswith("Answer:"))
    assert reveal.embeds[0].fields[0].name == "Right answers"
    assert [c.label for c in reveal.components[0].children] == ["Dispute"]
    await simcord_env.advance_time(60)
    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Quiz over"
    assert simcord_env.bot.quizzes.get(channel.id) is None
