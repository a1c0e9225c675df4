"""Behaviour tests: real commands through discord.py against simcord's simulated Discord."""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import BadSearch, MythOrFactError, UnknownItem, UnknownTopic
from tests.helpers import expect_errors, footer_ref, make_config

EMBED_LINKS = discord.Permissions(embed_links=True)
ALL_FACT_REFS = {"sample/octopus-hearts", "sample/wombat-cubes", "sample/venus-hottest"}


@pytest.fixture
def world(simcord_env):
    """A server with a channel, an owner who may sync, and a plain member."""
    guild = simcord_env.create_guild(name="Trivia Club")
    channel = guild.create_text_channel("general")
    owner = guild.add_member(simcord_env.create_user("owner"))
    member = guild.add_member(simcord_env.create_user("alice"))
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, owner, member


@pytest.fixture
async def synced(world):
    """The same world after the owner has run `!sync` in the server."""
    guild, channel, owner, member = world
    await owner.send(channel, "!sync")
    assert channel.last_message.content.startswith("Synced ")
    return world


# -- sync ----------------------------------------------------------------------------------------


async def test_sync_by_owner_publishes_slash_commands(world):
    guild, channel, owner, member = world
    assert member.available_commands(channel) == ()
    await owner.send(channel, "!sync")
    assert "Synced" in channel.last_message.content
    assert {"fact", "myth", "topics", "source", "search", "help"} <= set(member.available_commands(channel))


async def test_sync_global_by_owner(world):
    guild, channel, owner, member = world
    await owner.send(channel, "!sync global")
    assert "globally" in channel.last_message.content
    assert "fact" in member.available_commands(channel)


async def test_sync_by_member_is_refused(simcord_env, world):
    guild, channel, owner, member = world
    await member.send(channel, "!sync")
    assert channel.last_message.content == "Only the bot's owners can use this command."
    assert member.available_commands(channel) == ()
    expect_errors(simcord_env, commands.NotOwner)


# -- fact and myth -------------------------------------------------------------------------------


async def test_prefix_fact_shows_claim_explanation_source_and_id(world):
    guild, channel, owner, member = world
    await member.send(channel, "!fact")
    embed = channel.last_message.embeds[0]
    assert embed.title == "Fact"
    assert footer_ref(embed) in ALL_FACT_REFS
    names = [field.name for field in embed.fields]
    assert names == ["Why", "Source"]
    assert embed.fields[1].value.startswith("[") and "](https://en.wikipedia.org/wiki/" in embed.fields[1].value


async def test_fact_does_not_repeat_until_the_pool_is_exhausted(world):
    guild, channel, owner, member = world
    seen = []
    for _ in range(3):
        await member.send(channel, "!fact")
        seen.append(footer_ref(channel.last_message.embeds[0]))
    assert set(seen) == ALL_FACT_REFS


async def test_slash_fact_with_topic(synced):
    guild, channel, owner, member = synced
    result = await member.slash(channel, "fact", topic="space")
    embed = result.response.embeds[0]
    assert not result.ephemeral
    assert footer_ref(embed) == "sample/venus-hottest"


async def test_prefix_myth_hides_the_truth_and_reveal_shows_it_privately(world):
    guild, channel, owner, member = world
    await member.send(channel, "!myth animals")
    message = channel.last_message
    embed = message.embeds[0]
    assert embed.title == "Myth"
    assert embed.fields[0].value.startswith("Hidden")
    ref = footer_ref(embed)
    click = await owner.click(message, label="Reveal the truth")
    assert click.ephemeral
    truth = click.response.embeds[0]
    assert truth.title == "The truth"
    assert footer_ref(truth) == ref
    assert "remember" in truth.description or "see" in truth.description


async def test_slash_myth_topic_space(synced):
    guild, channel, owner, member = synced
    result = await member.slash(channel, "myth", topic="space")
    embed = result.response.embeds[0]
    assert footer_ref(embed) in {"sample/great-wall-moon", "sample/dark-side-moon"}
    assert result.response.components, "a myth comes with a Reveal button"


async def test_reveal_button_still_works_after_a_restart(simcord_env, world, store):
    guild, channel, owner, member = world
    await member.send(channel, "!myth space")
    message = channel.last_message
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    click = await member.click(message, label="Reveal the truth")
    assert click.ephemeral
    assert click.response.embeds[0].title == "The truth"


async def test_topic_is_case_and_space_insensitive(world):
    guild, channel, owner, member = world
    await member.send(channel, "!fact  SPACE ")
    assert footer_ref(channel.last_message.embeds[0]) == "sample/venus-hottest"


async def test_unknown_topic_prefix_suggests_close_topics(simcord_env, world):
    guild, channel, owner, member = world
    await member.send(channel, "!myth spaec")
    content = channel.last_message.content
    assert "I don't know the topic `spaec`" in content
    assert "`space`" in content
    expect_errors(simcord_env, UnknownTopic)


async def test_unknown_topic_slash_is_ephemeral(simcord_env, synced):
    guild, channel, owner, member = synced
    result = await member.slash(channel, "fact", topic="cooking")
    assert result.ephemeral
    assert "I don't know the topic `cooking`" in result.response.content
    expect_errors(simcord_env, UnknownTopic)


async def test_topic_autocomplete_by_prefix_and_substring(synced):
    guild, channel, owner, member = synced
    assert [c["value"] for c in await member.autocomplete(channel, "fact", "topic", "sp")] == ["space"]
    assert [c["value"] for c in await member.autocomplete(channel, "myth", "topic", "ima")] == ["animals"]
    assert [c["value"] for c in await member.autocomplete(channel, "myth", "topic", "")] == ["animals", "space"]


async def test_cooldown_answers_politely(simcord_env, world):
    guild, channel, owner, member = world
    for _ in range(5):
        await member.send(channel, "!myth")
    await member.send(channel, "!myth")
    assert channel.last_message.content.startswith("Slow down a little")
    expect_errors(simcord_env, commands.CommandOnCooldown)
    await simcord_env.advance_time(15)
    await member.send(channel, "!myth")
    assert channel.last_message.embeds[0].title == "Myth"


async def test_missing_embed_links_is_named(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel(
        "no-embeds", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(embed_links=False)}
    )
    member = guild.add_member(simcord_env.create_user("bob"))
    await member.send(channel, "!fact")
    assert channel.last_message.content == "I need the **Embed Links** permission in this channel."
    expect_errors(simcord_env, commands.BotMissingPermissions)


async def test_a_permission_granted_later_is_seen_by_the_next_command(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel(
        "no-embeds", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(embed_links=False)}
    )
    member = guild.add_member(simcord_env.create_user("bob"))
    await member.send(channel, "!fact")
    assert channel.last_message.content == "I need the **Embed Links** permission in this channel."
    # A moderator removes the overwrite (Discord announces the channel update); later the bot's roles lose Embed Links.
    seen_by_bot = simcord_env.bot.get_channel(channel.id)
    await seen_by_bot.set_permissions(simcord_env.bot.user, overwrite=None)
    await simcord_env.settle()
    await member.send(channel, "!fact")
    assert channel.last_message.embeds[0].title == "Fact"
    for role in seen_by_bot.guild.me.roles:  # as a moderator would in Discord; each role update is announced
        simcord_env.backend.edit_role(guild.id, role.id, {"permissions": role.permissions.value & ~EMBED_LINKS.value})
    await simcord_env.settle()
    await member.send(channel, "!fact")
    assert channel.last_message.content == "I need the **Embed Links** permission in this channel."
    expect_errors(simcord_env, commands.BotMissingPermissions, commands.BotMissingPermissions)


async def test_fact_in_direct_messages(simcord_env):
    user = simcord_env.create_user("dm-user")
    await user.send_dm("!fact space")
    assert footer_ref(user.dm_channel.last_message.embeds[0]) == "sample/venus-hottest"


# -- topics, source, search, help ----------------------------------------------------------------


async def test_topics_lists_topics_and_packs_with_counts(world):
    guild, channel, owner, member = world
    await member.send(channel, "!topics")
    embed = channel.last_message.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert "`animals`: 2 myths, 2 facts" in fields["Topics"]
    assert "`space`: 2 myths, 1 facts" in fields["Topics"]
    assert "**Sample** (`sample` v1.0.0): 7 items" in fields["Packs"]


async def test_slash_topics(synced):
    guild, channel, owner, member = synced
    result = await member.slash(channel, "topics")
    assert result.response.embeds[0].title == "Topics and packs"


async def test_source_by_full_and_bare_id(synced):
    guild, channel, owner, member = synced
    await member.send(channel, "!source sample/bats-blind")
    embed = channel.last_message.embeds[0]
    assert embed.fields[0].name == "The truth"
    assert "echolocation" in embed.fields[0].value
    result = await member.slash(channel, "source", id="BATS-BLIND")
    assert footer_ref(result.response.embeds[0]) == "sample/bats-blind"


async def test_source_unknown_id_prefix_and_slash(simcord_env, synced):
    guild, channel, owner, member = synced
    await member.send(channel, "!source nope/nothing")
    assert channel.last_message.content.startswith("No item has the id `nope/nothing`")
    result = await member.slash(channel, "source", id="missing")
    assert result.ephemeral
    assert result.response.content.startswith("No item has the id `missing`")
    expect_errors(simcord_env, UnknownItem, UnknownItem)


async def test_source_without_id_shows_usage(simcord_env, world):
    guild, channel, owner, member = world
    await member.send(channel, "!source")
    assert channel.last_message.content == "`item_id` is missing. Usage: `!source <item_id>`"
    expect_errors(simcord_env, commands.MissingRequiredArgument)


async def test_search_finds_best_matches(synced):
    guild, channel, owner, member = synced
    await member.send(channel, "!search goldfish memory")
    embed = channel.last_message.embeds[0]
    assert embed.fields[0].name == "Myth · sample/goldfish-memory"
    result = await member.slash(channel, "search", words="moon")
    refs = {field.name.split(" · ")[1] for field in result.response.embeds[0].fields}
    assert refs == {"sample/great-wall-moon", "sample/dark-side-moon"}


async def test_search_without_matches_or_words(simcord_env, synced):
    guild, channel, owner, member = synced
    result = await member.slash(channel, "search", words="zebra crossing")
    assert result.ephemeral
    assert result.response.content == "Nothing matches `zebra crossing`. Try other words."
    await member.send(channel, "!search ???")
    assert channel.last_message.content.startswith("Give me at least one word")
    expect_errors(simcord_env, BadSearch)


async def test_help_lists_commands_in_both_forms(synced):
    guild, channel, owner, member = synced
    await member.send(channel, "!help")
    fields = {field.name: field.value for field in channel.last_message.embeds[0].fields}
    play = "\n".join(value for name, value in fields.items() if name in ("Play", "Play (more)"))
    assert "`!fact [topic]` · `/fact` · Show a true and surprising fact, with its source." in play
    assert "`!search <words>` · `/search`" in play
    assert "Owners" not in fields, "owner commands are hidden from members"
    assert all(len(value) <= 1024 for value in fields.values())
    assert len(channel.last_message.embeds[0]) <= 6000, "Discord's limit for all of a message's embeds"
    assert "`!config`" in fields["Moderators (Manage Server)"], "moderator commands are listed apart"
    result = await member.slash(channel, "help", command="myth")
    assert result.ephemeral
    assert "`!myth [topic]`" in result.response.embeds[0].description


async def test_help_shows_sync_to_owners(world):
    guild, channel, owner, member = world
    await owner.send(channel, "!help")
    fields = {field.name: field.value for field in channel.last_message.embeds[0].fields}
    assert fields["Owners"].startswith("`!sync")


async def test_help_for_unknown_command(simcord_env, world):
    guild, channel, owner, member = world
    await member.send(channel, "!help dance")
    assert channel.last_message.content == "There is no command called `dance`. Try `!help`."
    expect_errors(simcord_env, MythOrFactError)


async def test_unknown_prefix_command_is_ignored(simcord_env, world):
    guild, channel, owner, member = world
    await member.send(channel, "!dance")
    assert channel.last_message.content == "!dance"


# -- safety --------------------------------------------------------------------------------------


async def test_every_message_the_bot_sends_disables_mentions(simcord_env, synced):
    guild, channel, owner, member = synced
    await member.send(channel, "!fact")
    await member.send(channel, "!myth")
    await member.send(channel, "!search @everyone moon")
    await member.slash(channel, "topics")
    await member.slash(channel, "fact", topic="nowhere")
    posts = [r for r in simcord_env.http_requests if r.method == "POST"]
    messages = [r.json for r in posts if r.path.endswith("/messages")]
    responses = [r.json["data"] for r in posts if r.path.endswith("/callback")]
    assert len(messages) == 4
    assert len(responses) == 2
    for payload in messages + responses:
        assert payload["allowed_mentions"] == {"parse": []}, payload
    expect_errors(simcord_env, UnknownTopic)


async def test_search_echo_cannot_break_formatting(simcord_env, synced):
    guild, channel, owner, member = synced
    await member.send(channel, "!search `zzz` @everyone")
    assert channel.last_message.content == "Nothing matches `'zzz' @everyone`. Try other words."


async def test_reveal_of_a_retired_item_says_so(simcord_env, world, store):
    guild, channel, owner, member = world
    await member.send(channel, "!myth")
    message = channel.last_message
    await store.sync_packs([])  # every pack removed: all items retired
    click = await member.click(message, label="Reveal the truth")
    assert click.ephemeral
    assert "retired" in click.response.content
