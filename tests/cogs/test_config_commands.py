"""Behaviour tests: the moderators' `config` group, the channel allow-list and per-server prefixes, on simcord."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import discord
import pytest
from discord.ext import commands
from simcord import ChannelHandle, GuildHandle, MemberActor, RoleHandle

from bot.core.daily import plan_schedule
from bot.core.errors import MythOrFactError
from bot.core.quiz import Mode
from bot.core.settings import ServerSettings, describe_enabled, toggled
from cogs.utils.checks import ChannelNotAllowed, NotModerator, moderator_only
from tests.helpers import NOW, club_pack, expect_errors, footer_ref

NEEDS_MANAGE_SERVER = "You need the **Manage Server** permission to do that. Nothing was changed."
NEEDS_MANAGE_SERVER_OR_MODS = (
    "You need the **Manage Server** permission or the **Mods** role to do that. Nothing was changed."
)


@dataclass
class World:
    """A server with two channels, the bot's owner, an admin (Manage Server), a role for moderators, and a member."""

    guild: GuildHandle
    general: ChannelHandle
    games: ChannelHandle
    owner: MemberActor
    admin: MemberActor
    mods: RoleHandle
    member: MemberActor


@pytest.fixture
def world(simcord_env) -> World:
    guild = simcord_env.create_guild(name="Trivia Club")
    general = guild.create_text_channel("general")
    games = guild.create_text_channel("games")
    owner = guild.add_member(simcord_env.create_user("owner"))
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    mods = guild.create_role("Mods")
    member = guild.add_member(simcord_env.create_user("alice"))
    simcord_env.bot.owner_ids = {owner.id}
    return World(guild, general, games, owner, admin, mods, member)


@pytest.fixture
async def synced(world) -> World:
    """The same world after the owner has run `!sync` in the server."""
    await world.owner.send(world.general, "!sync")
    assert world.general.last_message.content.startswith("Synced ")
    return world


def bot_messages(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def last_embed(channel) -> discord.Embed:
    return bot_messages(channel)[-1].embeds[0]


def field(embed: discord.Embed, name: str) -> str:
    return next(f.value for f in embed.fields if f.name == name)


async def add_server_pack(store, guild_id: int) -> None:
    """Give a server its own pack `club` with two facts about the topic `local`."""
    pack = club_pack("a", "b")
    await store.import_server_pack(guild_id, pack)


# -- pack and topic lists (pure) ------------------------------------------------------------------------------------


def test_disabling_one_while_all_are_on_keeps_the_others():
    assert toggled((), ["a", "b", "c"], "b", enable=False, noun="pack") == ("a", "c")


def test_enabling_the_last_missing_one_goes_back_to_all():
    assert toggled(("a",), ["a", "b"], "b", enable=True, noun="pack") == ()
    assert toggled(("a",), ["a", "b", "c"], "b", enable=True, noun="pack") == ("a", "b")


def test_the_last_one_on_cannot_be_disabled():
    with pytest.raises(MythOrFactError, match="only pack left on"):
        toggled((), ["a"], "a", enable=False, noun="pack")
    with pytest.raises(MythOrFactError, match="only topic left on"):
        toggled(("a", "gone"), ["a", "b"], "a", enable=False, noun="topic")


def test_unknown_names_are_refused_with_close_matches_or_the_full_list():
    with pytest.raises(MythOrFactError, match=r"I don't know the topic `spaec`\. Did you mean `space`\?"):
        toggled((), ["animals", "space"], "spaec", enable=False, noun="topic")
    with pytest.raises(MythOrFactError, match=r"This server has: `animals`, `space`\."):
        toggled((), ["animals", "space"], "zzz", enable=True, noun="topic")


def test_changes_that_change_nothing_are_refused():
    with pytest.raises(MythOrFactError, match="already on"):
        toggled((), ["a", "b"], "a", enable=True, noun="pack")
    with pytest.raises(MythOrFactError, match="already off"):
        toggled(("a",), ["a", "b"], "b", enable=False, noun="pack")


def test_a_name_that_is_gone_can_still_be_turned_off():
    assert toggled(("a", "gone"), ["a", "b"], "gone", enable=False, noun="pack") == ("a",)


def test_describe_enabled():
    assert describe_enabled((), ["a", "b"], "pack") == "All packs (2)"
    assert describe_enabled(("b", "gone"), ["a", "b"], "pack") == "1 of 2: `b` (no longer available: `gone`)"


# -- who may use config ---------------------------------------------------------------------------------------------


async def test_plain_members_are_refused_every_config_command_and_nothing_changes(simcord_env, world, store):
    w = world
    await store.update_server_settings(
        w.guild.id, {"allowed_channels": [w.games.id], "log_channel_id": w.games.id, "mod_role_id": w.mods.id}
    )
    before = await store.server_settings(w.guild.id)
    attempts = [
        "!config",
        "!config show",
        "!config prefix ?",
        "!config prefix reset",
        f"!config channels add {w.general.mention}",
        f"!config channels remove {w.games.mention}",
        "!config channels clear",
        "!config packs disable sample",
        "!config packs all",
        "!config topics disable space",
        "!config topics all",
        f"!config modrole {w.guild.default_role.mention}",
        "!config modrole",
        f"!config logchannel {w.general.mention}",
        "!config logchannel",
        "!config suggestions 5",
        "!config history",
    ]
    for attempt in attempts:
        await w.member.send(w.general, attempt)
        reply = bot_messages(w.general)[-1]
        assert reply.content == NEEDS_MANAGE_SERVER_OR_MODS, attempt
        assert not reply.embeds
    expect_errors(simcord_env, *[NotModerator] * len(attempts))
    assert await store.server_settings(w.guild.id) == before
    assert await store.audit_history(w.guild.id) == []


async def test_config_in_direct_messages_is_refused(simcord_env):
    user = simcord_env.create_user("dm-user")
    await user.send_dm("!config")
    assert user.dm_channel.last_message.content == "This command only works in a server."
    expect_errors(simcord_env, commands.NoPrivateMessage)


async def test_members_with_the_moderator_role_may_configure_until_it_is_cleared(simcord_env, world, store):
    w = world
    mod = w.guild.add_member(simcord_env.create_user("mod"), roles=[w.mods])
    await w.admin.send(w.general, f"!config modrole {w.mods.mention}")
    assert f"Moderator role: {w.mods.mention}" in last_embed(w.general).description
    assert (await store.server_settings(w.guild.id)).mod_role_id == w.mods.id

    await mod.send(w.general, "!config suggestions 5")
    assert last_embed(w.general).title == "Settings saved"
    assert (await store.server_settings(w.guild.id)).suggestions_per_day == 5

    await mod.send(w.general, "!config modrole")
    assert bot_messages(w.general)[-1].content.startswith(
        "Only members with the **Manage Server** permission can choose the moderator role."
    )
    expect_errors(simcord_env, MythOrFactError)
    assert (await store.server_settings(w.guild.id)).mod_role_id == w.mods.id, "a role moderator cannot re-delegate"

    await w.admin.send(w.general, "!config modrole")
    assert last_embed(w.general).description.startswith("Moderator role cleared")
    await mod.send(w.general, "!config suggestions 6")
    assert bot_messages(w.general)[-1].content == NEEDS_MANAGE_SERVER
    expect_errors(simcord_env, NotModerator)
    assert (await store.server_settings(w.guild.id)).suggestions_per_day == 5


async def test_everyone_cannot_be_the_moderator_role(simcord_env, world, store):
    await world.admin.send(world.general, "!config modrole @everyone")
    assert bot_messages(world.general)[-1].content.startswith("@everyone can't be the moderator role")
    expect_errors(simcord_env, MythOrFactError)
    assert (await store.server_settings(world.guild.id)).mod_role_id is None


# -- show and history -----------------------------------------------------------------------------------------------


async def test_config_shows_every_setting_in_one_embed(simcord_env, world):
    w = world
    for command in ("!config", "!config show", "!CONFIG Show"):
        await w.admin.send(w.general, command)
        embed = last_embed(w.general)
        assert embed.title == "Settings · Trivia Club"
        assert [f.name for f in embed.fields] == [
            "Prefix",
            "Channels for commands and games",
            "Quiz defaults",
            "Packs",
            "Topics",
            "Moderators",
            "Log channel",
            "Suggestions",
            "Time zone",
            "Daily post",
            "Language",
            "Global board",
            "Role rewards",
        ]
        assert field(embed, "Role rewards") == "None. Add one with `!config rewards add points 500 @Role`."
        assert field(embed, "Prefix") == f"`!` (the default)\nMentioning <@{simcord_env.bot.user.id}> always works too."
        assert field(embed, "Channels for commands and games") == "Everywhere"
        quiz = field(embed, "Quiz defaults")
        assert "Questions: **10** · mode when not chosen: **mixed**" in quiz
        assert "myth or fact? 15 s, multiple choice 20 s, type the answer 30 s" in quiz
        assert "Extra time: **0%** · hints in typed rounds: **on**" in quiz
        assert "Ends after **3** unanswered questions in a row" in quiz
        assert field(embed, "Packs") == "All packs (1)"
        assert field(embed, "Topics") == "All topics (2)"
        assert field(embed, "Moderators") == "Members with **Manage Server**"
        assert field(embed, "Log channel") == "None: the server's system channel"
        assert field(embed, "Suggestions") == "Up to **3** a day per member"
        assert field(embed, "Time zone").startswith("**UTC**: weekly leaderboards start on its Monday")
        assert field(embed, "Daily post") == "Off. Turn it on with `!daily set #channel 09:00`."


async def test_config_show_reflects_changed_settings(world, store):
    w = world
    await store.update_server_settings(
        w.guild.id,
        {
            "prefix": "?",
            "allowed_channels": [w.games.id],
            "topics": ["space"],
            "mod_role_id": w.mods.id,
            "log_channel_id": w.general.id,
            "suggestions_per_day": 0,
        },
    )
    await w.admin.send(w.general, "?config")
    embed = last_embed(w.general)
    assert field(embed, "Prefix").startswith("`?`\n")
    assert field(embed, "Channels for commands and games") == w.games.mention
    assert field(embed, "Topics") == "1 of 2: `space`"
    assert field(embed, "Moderators") == f"Members with **Manage Server** or the {w.mods.mention} role"
    assert field(embed, "Log channel") == w.general.mention
    assert field(embed, "Suggestions") == "Up to **0** a day per member"
    assert embed.footer.text.startswith("Change one with ?config <setting>")


async def test_config_show_stays_within_embed_limits(world, store):
    w = world
    long_names = [f"{n:02d}-" + "x" * 61 for n in range(25)]
    channel_ids = [10**18 + n for n in range(25)]
    await store.update_server_settings(
        w.guild.id, {"packs": long_names, "topics": long_names, "allowed_channels": channel_ids}
    )
    longest_zone = ZoneInfo("America/Argentina/ComodRivadavia")
    schedule = plan_schedule(w.guild.id, 10**18, time(23, 59), longest_zone, "t" * 32, NOW)
    await store.set_daily_schedule(schedule)
    await store.pause_daily_schedule(w.guild.id, "a reason that goes on " * 100)
    await w.admin.send(w.general, "!config")
    embed = last_embed(w.general)
    assert len(embed) <= 6000
    assert all(len(f.value) <= 1024 for f in embed.fields)
    assert field(embed, "Packs").endswith("…")
    assert field(embed, "Daily post").endswith("…")


async def test_config_shows_the_daily_post_and_its_pause(simcord_env, synced, store):
    w = synced
    await w.admin.send(w.general, f"!daily set {w.games.mention} 21:30 Europe/Paris space")
    await w.admin.send(w.general, "!config")
    daily = field(last_embed(w.general), "Daily post").splitlines()
    # simcord's clock starts at 2026-01-01 00:00 UTC: 21:30 in Paris is 20:30 UTC that day.
    due = int(datetime(2026, 1, 1, 20, 30, tzinfo=UTC).timestamp())
    assert daily == [
        f"Channel: {w.games.mention}",
        "Time: **21:30** Europe/Paris · topic: `space`",
        f"Next post: Thu 01 Jan 2026, 21:30 Europe/Paris (<t:{due}:R>)",
    ]
    assert "the daily post with !daily set" in last_embed(w.general).footer.text

    await store.pause_daily_schedule(w.guild.id, f"I am missing the Embed Links permission in {w.games.mention}")
    result = await w.admin.slash(w.general, "config show")
    assert result.ephemeral
    daily = field(result.response.embeds[0], "Daily post").splitlines()
    assert daily[:2] == [f"Channel: {w.games.mention}", "Time: **21:30** Europe/Paris · topic: `space`"]
    assert daily[2] == (
        f"**Paused:** I am missing the Embed Links permission in {w.games.mention}. Run `daily set` again to resume."
    )

    await w.admin.send(w.general, "!daily off")
    await w.admin.send(w.general, "!config")
    assert field(last_embed(w.general), "Daily post") == "Off. Turn it on with `!daily set #channel 09:00`."


async def test_unknown_config_subcommand_lists_the_real_ones(simcord_env, world):
    await world.admin.send(world.general, "!config prefx ?")
    content = bot_messages(world.general)[-1].content
    assert content.startswith(
        "There is no `config prefx`. Try `config` alone, or one of: `channels`, `global`, `history`,"
    )
    expect_errors(simcord_env, MythOrFactError)


async def test_history_shows_who_changed_what_newest_first(simcord_env, world, store):
    w = world
    mod = w.guild.add_member(simcord_env.create_user("mod"), roles=[w.mods])
    await w.admin.send(w.general, "!config history")
    assert last_embed(w.general).description == "No changes yet."
    await w.admin.send(w.general, f"!config modrole {w.mods.mention}")
    await w.admin.send(w.general, f"!config channels add {w.games.mention}")
    await mod.send(w.general, "!config suggestions 7")
    await mod.send(w.general, "!config history")
    embed = last_embed(w.general)
    assert embed.title == "Recent changes · Trivia Club"
    lines = embed.description.splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(f"· <@{mod.id}> · **setting** · suggestions\\_per\\_day: 3 → 7")
    assert lines[1].endswith(f"· <@{w.admin.id}> · **setting** · allowed\\_channels: (default) → {w.games.mention}")
    assert lines[2].endswith(f"· <@{w.admin.id}> · **setting** · mod\\_role\\_id: (default) → {w.mods.mention}")
    assert all(line.startswith("<t:") and ":R> · " in line for line in lines)


async def test_history_keeps_to_the_last_fifteen(world, store):
    w = world
    for per_day in range(1, 18):
        await store.update_server_settings(w.guild.id, {"suggestions_per_day": per_day}, actor_id=w.admin.id)
    await w.admin.send(w.general, "!config history")
    lines = last_embed(w.general).description.splitlines()
    assert len(lines) == 15
    assert lines[0].endswith("16 → 17") and lines[-1].endswith("2 → 3")


# -- prefix ---------------------------------------------------------------------------------------------------------


async def test_a_server_prefix_replaces_the_default_there_only(simcord_env, world, store):
    w = world
    await w.admin.send(w.general, "!config prefix ?")
    saved = last_embed(w.general)
    assert saved.title == "Settings saved"
    assert saved.description.startswith("Prefix: `?` (was `!`). Commands now look like `?fact`")
    assert (await store.server_settings(w.guild.id)).prefix == "?"

    await w.member.send(w.general, "?fact")
    assert last_embed(w.general).title == "Fact"
    replies = len(bot_messages(w.general))
    await w.member.send(w.general, "!fact")
    assert len(bot_messages(w.general)) == replies, "the default prefix no longer answers here"
    await w.member.send(w.general, f"<@{simcord_env.bot.user.id}> fact")
    assert last_embed(w.general).title == "Fact", "a mention always works"

    elsewhere = simcord_env.create_guild(name="Elsewhere")
    chat = elsewhere.create_text_channel("chat")
    bob = elsewhere.add_member(simcord_env.create_user("bob"))
    await bob.send(chat, "!fact")
    assert last_embed(chat).title == "Fact", "other servers keep the default"

    await w.admin.send(w.general, "?config prefix reset")
    assert last_embed(w.general).description.startswith("Prefix: the default `!` (was `?`)")
    assert (await store.server_settings(w.guild.id)).prefix == ""
    await w.member.send(w.general, "!fact")
    assert last_embed(w.general).title == "Fact"


async def test_a_bad_prefix_is_refused_and_nothing_changes(simcord_env, world, store):
    w = world
    for bad in ("toolong", "@bot", "<x"):
        await w.admin.send(w.general, f"!config prefix {bad}")
        assert bot_messages(w.general)[-1].content.startswith("The prefix ")
    expect_errors(simcord_env, MythOrFactError, MythOrFactError, MythOrFactError)
    await w.admin.send(w.general, "!config prefix !")
    assert bot_messages(w.general)[-1].content == "Nothing to change: the prefix is already `!`."
    assert (await store.server_settings(w.guild.id)).prefix == ""
    assert await store.audit_history(w.guild.id) == []


async def test_messages_read_the_prefix_from_the_cache(simcord_env, world, store, raw_sql):
    w = world
    await w.admin.send(w.general, "!config prefix ?")
    await raw_sql("UPDATE server_settings SET settings = '{}'")  # the default prefix again, behind the cache's back
    before = len(bot_messages(w.general))
    await w.member.send(w.general, "!topics")
    assert len(bot_messages(w.general)) == before, "no message read the settings from the database"
    await w.member.send(w.general, "?topics")
    assert len(bot_messages(w.general)) == before + 1 and bot_messages(w.general)[-1].embeds


# -- channel allow-list ---------------------------------------------------------------------------------------------


async def test_the_channel_allow_list_limits_members_but_not_moderators(simcord_env, synced, store):
    w = synced
    await w.admin.send(w.general, f"!config channels add {w.games.mention}")
    assert last_embed(w.general).description.startswith(
        f"Members can now use commands and play only in {w.games.mention}. Moderators can still"
    )
    assert (await store.server_settings(w.guild.id)).allowed_channels == (w.games.id,)

    before = len(bot_messages(w.general))
    await w.member.send(w.general, "!fact")
    refusal = f"Commands and games are on in {w.games.mention} on this server. See you there!"
    assert [m.content for m in bot_messages(w.general)[before:]] == [refusal]
    expect_errors(simcord_env, ChannelNotAllowed)
    result = await w.member.slash(w.general, "fact")
    assert result.ephemeral and result.response.content == refusal and not result.response.embeds
    assert not result.followups
    expect_errors(simcord_env, ChannelNotAllowed)
    assert len(bot_messages(w.general)) == before + 1

    await w.member.send(w.games, "!fact")
    assert last_embed(w.games).title == "Fact"
    result = await w.member.slash(w.games, "fact")
    assert result.response.embeds[0].title == "Fact"

    games = simcord_env.bot.get_channel(w.games.id)
    await games.create_thread(name="round two", type=discord.ChannelType.public_thread)
    [thread] = w.games.threads
    await w.member.send(thread, "!fact")
    assert last_embed(thread).title == "Fact", "a thread whose parent is allowed is allowed"

    await w.admin.send(w.general, "!config")
    assert last_embed(w.general).title == "Settings · Trivia Club", "moderators configure from anywhere"
    await w.admin.send(thread, "!config channels remove")
    assert (await store.server_settings(w.guild.id)).allowed_channels == (), "in a thread, `this channel` is its parent"


async def test_channels_add_remove_and_clear(simcord_env, world, store):
    w = world
    await w.admin.send(w.games, "!config channels add")
    assert (await store.server_settings(w.guild.id)).allowed_channels == (w.games.id,), "default: this channel"
    await w.admin.send(w.games, f"!config channels add {w.games.mention}")
    assert bot_messages(w.games)[-1].content == f"Nothing to change: {w.games.mention} is already on the list."
    await w.admin.send(w.games, f"!config channels add {w.general.mention}")
    assert (await store.server_settings(w.guild.id)).allowed_channels == (w.games.id, w.general.id)
    await w.admin.send(w.games, f"!config channels remove {w.games.mention}")
    assert (await store.server_settings(w.guild.id)).allowed_channels == (w.general.id,)
    await w.admin.send(w.games, "!config channels clear")
    assert last_embed(w.games).description == "Commands and games work in every channel again."
    assert (await store.server_settings(w.guild.id)).allowed_channels == ()
    await w.admin.send(w.games, "!config channels clear")
    assert bot_messages(w.games)[-1].content == "Nothing to change: commands already work in every channel."
    await w.admin.send(w.games, "!config channels shuffle")
    assert bot_messages(w.games)[-1].content == (
        "Choose one of `add`, `remove`, `clear`, like `config channels add #games`. Nothing was changed."
    )
    await w.admin.send(w.games, "!config channels add #nowhere")
    assert bot_messages(w.games)[-1].content.startswith("I couldn't understand that. Usage: `!config channels")
    expect_errors(simcord_env, MythOrFactError, commands.TooManyArguments)
    assert (await store.server_settings(w.guild.id)).allowed_channels == (), "a bad channel is not this channel"
    assert len(await store.audit_history(w.guild.id)) == 4


async def test_adding_a_channel_where_the_bot_cannot_post_warns(world, simcord_env, store):
    w = world
    quiet = w.guild.create_text_channel(
        "quiet", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    await w.admin.send(w.general, f"!config channels add {quiet.mention}")
    assert f"Heads up: I can't post in {quiet.mention} yet." in last_embed(w.general).description
    assert (await store.server_settings(w.guild.id)).allowed_channels == (quiet.id,)


# -- packs and topics -----------------------------------------------------------------------------------------------


async def test_disabling_a_topic_changes_what_fact_serves(simcord_env, world, store):
    w = world
    await w.admin.send(w.general, "!config topics disable animals")
    saved = last_embed(w.general).description
    assert saved.startswith("Topics on: 1 of 2: `space`.")
    assert "New topics are off until you turn them on" in saved
    assert (await store.server_settings(w.guild.id)).topics == ("space",)
    for _ in range(2):
        await w.member.send(w.general, "!fact")
        assert footer_ref(last_embed(w.general)) == "sample/venus-hottest"

    await w.admin.send(w.general, "!config topics disable space")
    assert "`space` is the only topic left on" in bot_messages(w.general)[-1].content
    await w.admin.send(w.general, "!config topics enable Animls")
    assert bot_messages(w.general)[-1].content == (
        "I don't know the topic `animls`. Did you mean `animals`? Nothing was changed."
    )
    await w.admin.send(w.general, "!config topics enable")
    assert bot_messages(w.general)[-1].content.startswith("Name the topic, like `config topics enable space`.")
    expect_errors(simcord_env, MythOrFactError, MythOrFactError, MythOrFactError)
    assert (await store.server_settings(w.guild.id)).topics == ("space",)

    await w.admin.send(w.general, "!config topics enable animals")
    assert last_embed(w.general).description == "Topics on: All topics (2)."
    assert (await store.server_settings(w.guild.id)).topics == ()
    await w.admin.send(w.general, "!config topics all")
    assert bot_messages(w.general)[-1].content == "Nothing to change: all topics are already on."


async def test_disabling_a_pack_changes_what_fact_serves(simcord_env, world, store):
    w = world
    await w.admin.send(w.general, "!config packs disable sample")
    assert "`sample` is the only pack left on" in bot_messages(w.general)[-1].content
    expect_errors(simcord_env, MythOrFactError)

    await add_server_pack(store, w.guild.id)
    await w.admin.send(w.general, "!config packs disable sample")
    assert last_embed(w.general).description.startswith("Packs on: 1 of 2: `club`.")
    assert (await store.server_settings(w.guild.id)).packs == ("club",)
    served = set()
    for _ in range(2):
        await w.member.send(w.general, "!fact")
        served.add(footer_ref(last_embed(w.general)))
    assert served == {"club/a", "club/b"}

    await w.admin.send(w.general, "!config packs enable sampel")
    assert bot_messages(w.general)[-1].content == (
        "I don't know the pack `sampel`. Did you mean `sample`? Nothing was changed."
    )
    expect_errors(simcord_env, MythOrFactError)
    await w.admin.send(w.general, "!config packs all")
    assert last_embed(w.general).description == "Packs on: All packs (2)."
    assert (await store.server_settings(w.guild.id)).packs == ()


# -- log channel and suggestions ------------------------------------------------------------------------------------


async def test_log_channel_set_and_clear(simcord_env, world, store):
    w = world
    await w.admin.send(w.general, f"!config logchannel {w.games.mention}")
    assert last_embed(w.general).description.startswith(f"Log channel: {w.games.mention}.")
    assert (await store.server_settings(w.guild.id)).log_channel_id == w.games.id
    await w.admin.send(w.general, "!config logchannel")
    assert last_embed(w.general).description == "Log channel cleared: problems go to the server's system channel."
    assert (await store.server_settings(w.guild.id)).log_channel_id is None
    await w.admin.send(w.general, "!config logchannel")
    assert bot_messages(w.general)[-1].content.startswith("Nothing to change: there is no log channel")


async def test_a_mistyped_channel_or_role_is_refused_instead_of_clearing_the_setting(simcord_env, world, store):
    w = world
    await store.update_server_settings(w.guild.id, {"log_channel_id": w.games.id, "mod_role_id": w.mods.id})
    await w.admin.send(w.general, "!config logchannel gmaes")
    assert bot_messages(w.general)[-1].content == "I couldn't understand that. Usage: `!config logchannel [channel]`"
    await w.admin.send(w.general, "!config modrole Mosd")
    assert bot_messages(w.general)[-1].content == "I couldn't understand that. Usage: `!config modrole [role]`"
    expect_errors(simcord_env, commands.TooManyArguments, commands.TooManyArguments)
    settings = await store.server_settings(w.guild.id)
    assert (settings.log_channel_id, settings.mod_role_id) == (w.games.id, w.mods.id)


async def test_suggestions_per_day(simcord_env, world, store):
    w = world
    await w.admin.send(w.general, "!config suggestions 21")
    assert bot_messages(w.general)[-1].content == "`suggestions_per_day` must be a whole number from 0 to 20."
    await w.admin.send(w.general, "!config suggestions many")
    assert bot_messages(w.general)[-1].content.startswith("I couldn't understand that.")
    expect_errors(simcord_env, MythOrFactError, commands.BadArgument)
    assert (await store.server_settings(w.guild.id)).suggestions_per_day == 3
    await w.admin.send(w.general, "!config suggestions 0")
    assert last_embed(w.general).description == "Members can send no suggestions (they are off) (was 3)."
    assert (await store.server_settings(w.guild.id)).suggestions_per_day == 0


# -- slash forms ----------------------------------------------------------------------------------------------------


async def config_app_command(simcord_env, guild) -> discord.app_commands.AppCommand:
    synced = await simcord_env.bot.tree.fetch_commands(guild=discord.Object(guild.id))
    return next(command for command in synced if command.name == "config")


async def test_slash_config_needs_manage_server_and_refuses_members_it_is_shown_to(simcord_env, synced, store):
    w = synced
    config = await config_app_command(simcord_env, w.guild)
    assert config.default_member_permissions == discord.Permissions(manage_guild=True)
    assert {"config show", "config prefix", "config channels", "config history"} <= set(
        w.admin.available_commands(w.general)
    )
    assert not [name for name in w.member.available_commands(w.general) if name.startswith("config")]

    # A server can show the command to anyone (Server Settings → Integrations); the bot still says no.
    w.guild.set_command_permissions(config, {w.member: True})
    for name, options in (
        ("config show", {}),
        ("config prefix", {"prefix": "?"}),
        ("config channels", {"action": "add", "channel": w.games}),
        ("config topics", {"action": "disable", "topic": "space"}),
        ("config modrole", {"role": w.mods}),
        ("config history", {}),
    ):
        result = await w.member.slash(w.general, name, **options)
        assert result.ephemeral, name
        assert result.response.content == NEEDS_MANAGE_SERVER, name
    expect_errors(simcord_env, *[NotModerator] * 6)
    assert await store.server_settings(w.guild.id) == ServerSettings()


async def test_slash_config_by_a_moderator(simcord_env, synced, store):
    w = synced
    shown = await w.admin.slash(w.general, "config show")
    assert shown.ephemeral and shown.response.embeds[0].title == "Settings · Trivia Club"
    assert shown.response.embeds[0].footer.text.startswith("Change one with /config <setting>")

    steps = [
        ("config prefix", {"prefix": "?"}, "Prefix: `?`"),
        ("config channels", {"action": "add", "channel": w.games}, "Members can now use commands and play only in"),
        ("config topics", {"action": "disable", "topic": "animals"}, "Topics on: 1 of 2: `space`."),
        ("config packs", {"action": "all"}, None),
        ("config modrole", {"role": w.mods}, f"Moderator role: {w.mods.mention}."),
        ("config logchannel", {"channel": w.general}, f"Log channel: {w.general.mention}."),
        ("config suggestions", {"per_day": 5}, "Members can send up to **5** suggestions a day (was 3)."),
    ]
    for name, options, summary in steps:
        result = await w.admin.slash(w.general, name, **options)
        assert result.ephemeral, name
        if summary is None:
            assert result.response.content == "Nothing to change: all packs are already on."
        else:
            assert result.response.embeds[0].description.startswith(summary), name
    assert await store.server_settings(w.guild.id) == ServerSettings(
        prefix="?",
        allowed_channels=(w.games.id,),
        topics=("space",),
        mod_role_id=w.mods.id,
        log_channel_id=w.general.id,
        suggestions_per_day=5,
    )
    history = await w.admin.slash(w.general, "config history")
    assert history.ephemeral
    assert len(history.response.embeds[0].description.splitlines()) == 6

    result = await w.admin.slash(w.general, "config suggestions", per_day=-1)
    assert result.ephemeral and result.response.content == "`suggestions_per_day` must be a whole number from 0 to 20."
    expect_errors(simcord_env, MythOrFactError)


async def test_slash_config_for_the_moderator_role_once_the_server_shows_it(simcord_env, synced, store):
    w = synced
    mod = w.guild.add_member(simcord_env.create_user("mod"), roles=[w.mods])
    await store.update_server_settings(w.guild.id, {"mod_role_id": w.mods.id})
    w.guild.set_command_permissions(await config_app_command(simcord_env, w.guild), {w.mods: True})
    result = await mod.slash(w.general, "config suggestions", per_day=4)
    assert result.ephemeral and result.response.embeds[0].title == "Settings saved"
    assert (await store.server_settings(w.guild.id)).suggestions_per_day == 4


async def test_slash_autocomplete_offers_what_can_be_turned_on_or_off(simcord_env, synced, store):
    w = synced
    await add_server_pack(store, w.guild.id)
    choices = await w.admin.autocomplete(w.general, "config packs", "pack", "", action="disable")
    assert [c["value"] for c in choices] == ["club", "sample"]
    assert choices[0]["name"] == "club · Club pack (2 items)"
    choices = await w.admin.autocomplete(w.general, "config topics", "topic", "sp", action="disable")
    assert [c["value"] for c in choices] == ["space"]
    await store.update_server_settings(w.guild.id, {"topics": ["space"]})
    choices = await w.admin.autocomplete(w.general, "config topics", "topic", "", action="enable")
    assert [c["value"] for c in choices] == ["animals", "local"]
    choices = await w.admin.autocomplete(w.general, "config topics", "topic", "", action="disable")
    assert [c["value"] for c in choices] == ["space"]


# -- quiz defaults --------------------------------------------------------------------------------------------------


async def test_quiz_defaults_shown_by_config_are_the_ones_a_quiz_uses(simcord_env, synced, store):
    w = synced
    result = await w.admin.slash(w.general, "quiz settings", mode="typed", rounds=4)
    assert result.response.embeds[0].title == "Quiz settings saved"
    await w.admin.send(w.general, "!config")
    assert "Questions: **4** · mode when not chosen: **typed**" in field(last_embed(w.general), "Quiz defaults")

    await w.member.send(w.games, "!quiz")
    running = simcord_env.bot.quizzes.get(w.games.id)
    assert running is not None
    assert running.session.question.mode is Mode.TYPED
    announcement = next(m.content for m in bot_messages(w.games) if m.content.startswith("**Quiz time!**"))
    assert "(only 1 question" in announcement, "4 questions wanted; the sample pack has one typed question"


# -- cogs.utils.checks: a moderator-only group guards its subcommands ---------------------------------------------


class Probe(commands.Cog):
    """A moderator-only group whose subcommand carries no check of its own."""

    @commands.hybrid_group(name="probe", invoke_without_command=True)
    @moderator_only()
    async def probe(self, ctx: commands.Context) -> None:
        await ctx.send("group ran")

    @probe.command(name="poke")
    async def probe_poke(self, ctx: commands.Context) -> None:
        await ctx.send("subcommand ran")


async def test_a_moderator_only_group_guards_subcommands_without_their_own_check(simcord_env, world):
    w = world
    await simcord_env.bot.add_cog(Probe())
    await w.owner.send(w.general, "!sync")
    await w.member.send(w.general, "!probe poke")
    assert bot_messages(w.general)[-1].content == NEEDS_MANAGE_SERVER
    result = await w.member.slash(w.general, "probe poke")
    assert result.ephemeral and result.response.content == NEEDS_MANAGE_SERVER
    expect_errors(simcord_env, NotModerator, NotModerator)
    await w.admin.send(w.general, "!probe poke")
    assert bot_messages(w.general)[-1].content == "subcommand ran"
    user = simcord_env.create_user("dm-user")
    await user.send_dm("!probe poke")
    assert user.dm_channel.last_message.content == "This command only works in a server."
    expect_errors(simcord_env, commands.NoPrivateMessage)


# -- time zone -------------------------------------------------------------------------------------------------------


async def test_the_server_time_zone_decides_the_week_and_the_daily_default(simcord_env, world, store):
    from bot.core.scores import PlayerResult, RoundRecord

    w = world
    await w.member.send(w.general, "!config timezone Pacific/Kiritimati")
    assert (
        bot_messages(w.general)[-1].content
        == "You need the **Manage Server** permission to do that. Nothing was changed."
    )
    expect_errors(simcord_env, NotModerator)
    await w.admin.send(w.general, "!config timezone Mars/Olympus")
    assert "is not a time zone I know" in bot_messages(w.general)[-1].content
    expect_errors(simcord_env, MythOrFactError)
    assert (await store.server_settings(w.guild.id)).timezone == "UTC", "nothing changed"

    # Sunday 4 January 2026, 12:00 UTC: still week 1 in UTC, already Monday of week 2 in UTC+14. Days pass, with
    # the bot's hourly tasks (reminders, rewards) running each virtual hour: allow a busy machine more than 5 s.
    simcord_env.settle_timeout = 60.0
    await simcord_env.advance_time((simcord_env.now().replace(day=4, hour=12) - simcord_env.now()).total_seconds())
    now = simcord_env.now()
    player = PlayerResult(w.member.id, points=10, correct=True, answer_ms=500, streak=1)
    await store.record_round(RoundRecord(w.guild.id, "seed:w2", 1, "animals", now, (player,)), "2026-W02")
    await w.member.send(w.general, "!leaderboard week")
    assert last_embed(w.general).description.startswith("No scores yet"), "week 1 in UTC: empty"

    await w.admin.send(w.general, "!config timezone Pacific/Kiritimati")
    assert "Time zone: **Pacific/Kiritimati** (was UTC)" in last_embed(w.general).description
    await w.member.send(w.general, "!leaderboard week")
    board = last_embed(w.general)
    assert "Week 2026-W02" in board.title and f"<@{w.member.id}>: 10 points" in board.description
    assert next((e.action, e.detail) for e in await store.audit_history(w.guild.id)) == (
        "setting",
        "timezone: UTC → Pacific/Kiritimati",
    )

    await w.admin.send(w.general, f"!daily set {w.games.mention} 09:00")
    schedule = await store.daily_schedule(w.guild.id)
    assert schedule.zone == "Pacific/Kiritimati", "daily posts default to the server's zone"
    assert schedule.next_due == now.replace(hour=19), "09:00 on Monday in UTC+14 is 19:00 UTC on Sunday"
