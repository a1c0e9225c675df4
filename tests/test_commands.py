"""Behaviour tests: real commands through discord.py against simcord's simulated Discord."""

from __future__ import annotations

import discord
import pytest


@pytest.fixture
def world(simcord_env):
    """Create a server with a channel, an owner who can sync, and a plain member."""
    guild = simcord_env.create_guild(name="Trivia Club")
    channel = guild.create_text_channel("general")
    owner = guild.add_member(simcord_env.create_user("owner"))
    member = guild.add_member(simcord_env.create_user("alice"))
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, owner, member


async def test_prefix_fact(simcord_env, world):
    guild, channel, owner, member = world
    await member.send(channel, "!fact")
    message = channel.last_message
    embed = message.embeds[0]
    assert embed.title == "Fact"
    print(embed.to_dict())
