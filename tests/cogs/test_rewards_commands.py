"""Behaviour tests: role rewards set up with `config rewards`, granted and taken back through discord.py on simcord.

simcord gives the bot a managed role of its own ("TestBot", with Manage Roles) at the top of each new server; roles
created later go below it unless given a position.
"""

from __future__ import annotations

import dataclasses

import discord
import pytest

from bot.core.errors import MythOrFactError
from bot.core.rewards import RewardKind, RoleGrant, RoleReward
from bot.core.scores import ALL_TIME, week_key
from cogs.utils.checks import NotModerator
from tests.helpers import expect_errors, round_record


@dataclasses.dataclass
class World:
    guild: object
    channel: object
    logs: object
    mod: object
    ann: object
    ben: object
    scholar: object


@pytest.fixture
def world(simcord_env) -> World:
    """A server with a quiz channel, a log channel, a moderator, two members and a Scholar role below the bot's."""
    guild = simcord_env.create_guild(name="Club")
    channel = guild.create_text_channel("quiz")
    logs = guild.create_text_channel("logs")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[admins])
    ann = guild.add_member(simcord_env.create_user("ann"))
    ben = guild.add_member(simcord_env.create_user("ben"))
    scholar = guild.create_role("Scholar")
    return World(guild, channel, logs, mod, ann, ben, scholar)


async def has_grants(store, guild_id: int, count: int) -> bool:
    return len(await store.role_grants(guild_id)) == count


def member_roles(env, guild, member) -> set[str]:
    """The names of a member's roles as Discord (simcord) holds them."""
    stored = env.backend.get_member(guild.id, member.id)
    roles = env.backend.get_guild(guild.id).roles
    return {roles[role_id].name for role_id in stored.role_ids if role_id in roles}


def bot_role(env, guild):
    return next(role for role in env.backend.get_guild(guild.id).roles.values() if role.managed)


async def settled(env, condition) -> None:
    """Let the bot's background work (a settle started by an event) finish: move the clock on until ``condition()``.

    The role calls run in listener tasks of their own, after the command or round that started them has answered.
    """
    for _ in range(30):
        if await condition():
            return
        await env.advance_time(1)
    raise AssertionError("the bot never got there")


def take_manage_roles(env, guild) -> None:
    """Leave the bot its posting permissions but not Manage Roles."""
    posting = discord.Permissions(view_channel=True, send_messages=True, embed_links=True, read_message_history=True)
    env.backend.edit_role(guild.id, bot_role(env, guild).id, {"permissions": posting.value})


async def reward_reply(w: World, text: str) -> discord.Message:
    await w.mod.send(w.channel, text)
    return w.channel.last_message


async def test_a_member_who_passes_500_points_in_a_quiz_gets_the_role_and_a_reset_takes_it_back(
    simcord_env, world, store
):
    w = world
    saved = await reward_reply(w, f"!config rewards add points 500 {w.scholar.mention}")
    assert saved.embeds[0].title == "Settings saved"
    assert "Members with 500 all-time points get **Scholar**" in saved.embeds[0].description
    assert await store.role_rewards(w.guild.id) == [RoleReward(w.guild.id, w.scholar.id, RewardKind.POINTS, 500)]
    await store.record_round(round_record(w.guild.id, "earlier", (w.ann.id, 495), (w.ben.id, 100)), "2025-W01")

    await w.ann.send(w.channel, "!quiz 1 myth-or-fact")
    session = simcord_env.bot.quizzes.get(w.channel.id).session
    question = next(m for m in reversed(w.channel.history()) if m.embeds and m.embeds[0].title.startswith("Question"))
    await w.ann.click(question, label=session.question.correct_option)
    await w.ben.click(question, label=session.question.correct_option)
    await simcord_env.advance_time(60)
    await settled(simcord_env, lambda: has_grants(store, w.guild.id, 1))
    assert member_roles(simcord_env, w.guild, w.ann) == {"Scholar"}
    assert member_roles(simcord_env, w.guild, w.ben) == set(), "Ben is still below 500"

    await w.mod.send(w.channel, "!leaderboard reset all")
    confirm = w.channel.last_message
    await w.mod.click(confirm, label=confirm.components[0].children[0].label)
    assert await store.count_players(w.guild.id, ALL_TIME) == 0
    await settled(simcord_env, lambda: has_grants(store, w.guild.id, 0))
    assert member_roles(simcord_env, w.guild, w.ann) == set()
    assert await store.role_grants(w.guild.id) == []


async def test_roles_the_bot_cannot_give_are_refused_with_the_reason_and_nothing_changes(simcord_env, world, store):
    w = world
    top = w.guild.create_role("Owners", position=50)
    await w.mod.send(w.channel, f"!config rewards add points 500 {top.mention}")
    expect_errors(simcord_env, MythOrFactError)
    refusal = w.channel.last_message.content
    assert "**Owners** is at or above my highest role (**TestBot**)" in refusal and "Nothing was changed." in refusal
    assert "<@&" not in refusal, "the role is named, never mentioned"

    await w.mod.send(w.channel, f"!config rewards add weekly <@&{bot_role(simcord_env, w.guild).id}>")
    expect_errors(simcord_env, MythOrFactError)
    assert "is managed by Discord or an integration" in w.channel.last_message.content
    await w.mod.send(w.channel, f"!config rewards add streak 7 <@&{w.guild.id}>")
    expect_errors(simcord_env, MythOrFactError)
    assert "@everyone can't be a reward" in w.channel.last_message.content

    take_manage_roles(simcord_env, w.guild)
    await w.mod.send(w.channel, f"!config rewards add streak 7 {w.scholar.mention}")
    expect_errors(simcord_env, MythOrFactError)
    assert "I need the **Manage Roles** permission to give **Scholar**" in w.channel.last_message.content
    assert await store.role_rewards(w.guild.id) == []
    assert [e for e in await store.audit_history(w.guild.id) if e.action == "reward"] == []


async def test_members_cannot_set_rewards(simcord_env, world, store):
    w = world
    await w.ann.send(w.channel, f"!config rewards add points 5 {w.scholar.mention}")
    expect_errors(simcord_env, NotModerator)
    assert await store.role_rewards(w.guild.id) == []


async def test_slash_commands_add_list_show_and_remove_a_reward_with_audit_lines(simcord_env, world, store):
    w = world
    simcord_env.bot.owner_ids = {w.mod.id}
    await w.mod.send(w.channel, "!sync")
    await store.record_round(round_record(w.guild.id, "r1", (w.ann.id, 40)), "2025-W01")
    added = await w.mod.slash(w.channel, "config rewards add", kind="points", threshold=30, role=w.scholar)
    assert added.ephemeral
    await settled(simcord_env, lambda: has_grants(store, w.guild.id, 1))
    assert member_roles(simcord_env, w.guild, w.ann) == {"Scholar"}, "members who already qualify get it at once"
    await w.mod.slash(w.channel, "config rewards add", kind="weekly", role=w.guild.create_role("Champion"))

    listed = await w.mod.slash(w.channel, "config rewards list")
    shown = listed.response.embeds[0].description
    assert shown.splitlines() == [
        "**Scholar** for 30 all-time points",
        "**Champion** for the top of last week's leaderboard",
    ]
    overview = (await w.mod.slash(w.channel, "config show")).response.embeds[0]
    field = next(f for f in overview.fields if f.name == "Role rewards")
    assert "**Scholar** for 30 all-time points" in field.value

    await w.mod.slash(w.channel, "config rewards remove", role=w.scholar)
    await settled(simcord_env, lambda: has_grants(store, w.guild.id, 0))
    assert member_roles(simcord_env, w.guild, w.ann) == set(), "the bot takes back the roles it gave"
    again = await w.mod.slash(w.channel, "config rewards remove", role=w.scholar)
    assert again.response.content.startswith("Nothing to change: **Scholar** is not a reward.")
    history = [e.detail for e in await store.audit_history(w.guild.id) if e.action == "reward"]
    assert history[0] == f"removed Scholar ({w.scholar.id})"
    assert f"set Scholar ({w.scholar.id}): points 30" in history


async def test_a_grant_discord_refuses_is_reported_once_in_the_log_channel_and_not_retried(simcord_env, world, store):
    w = world
    await w.mod.send(w.channel, f"!config logchannel {w.logs.mention}")
    await w.mod.send(w.channel, f"!config rewards add points 10 {w.scholar.mention}")
    take_manage_roles(simcord_env, w.guild)
    week = week_key(discord.utils.utcnow())
    for user in (w.ann, w.ben):
        await store.record_round(round_record(w.guild.id, f"r{user.id}", (user.id, 20)), week)
        await simcord_env.bot.get_cog("Rewards").keeper.settle(w.guild.id, [user.id])  # as after a quiz round
    notices = [m.content for m in w.logs.history() if m.author.bot]
    assert len(notices) == 1
    assert notices[0].startswith(
        "**A role reward is paused:** I need the **Manage Roles** permission to give **Scholar**"
    )
    assert (await store.role_rewards(w.guild.id))[0].paused_reason is not None
    assert not any(r.method == "PUT" and "/roles/" in r.path for r in simcord_env.http_requests)


async def test_a_deleted_role_drops_its_reward(simcord_env, world, store):
    w = world
    await w.mod.send(w.channel, f"!config rewards add points 10 {w.scholar.mention}")
    assert len(await store.role_rewards(w.guild.id)) == 1
    simcord_env.backend.delete_role(w.guild.id, w.scholar.id)

    async def dropped() -> bool:
        return await store.role_rewards(w.guild.id) == []

    await settled(simcord_env, dropped)


async def test_help_explains_the_reward_commands(world):
    w = world
    await w.mod.send(w.channel, "!help config rewards")
    shown = w.channel.last_message.embeds[0].description
    assert "`!config rewards add <kind> [threshold] <role>`" in shown
    assert "Give a role to members who reach a threshold (or win last week)" in shown
    assert "`!config rewards remove <role>`" in shown and "`!config rewards list`" in shown


async def test_forgetme_takes_back_the_reward_roles_the_bot_gave(simcord_env, world, store):
    w = world
    await store.record_round(round_record(w.guild.id, "r1", (w.ann.id, 40), (w.ben.id, 40)), "2025-W01")
    await w.mod.send(w.channel, f"!config rewards add points 30 {w.scholar.mention}")
    await settled(simcord_env, lambda: has_grants(store, w.guild.id, 2))
    await w.ann.send(w.channel, "!forgetme")
    assert "I take back the reward roles I gave you" in w.channel.last_message.content
    done = await w.ann.click(w.channel.last_message, label="Delete my data")
    assert done.response.content == "Done. I deleted your data in this server: 2 leaderboard entries, 1 reward role."

    async def taken_back() -> bool:
        return member_roles(simcord_env, w.guild, w.ann) == set()

    await settled(simcord_env, taken_back)
    assert member_roles(simcord_env, w.guild, w.ben) == {"Scholar"}
    assert await store.role_grants(w.guild.id) == [RoleGrant(w.guild.id, w.scholar.id, w.ben.id)]
