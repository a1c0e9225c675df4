"""Behaviour tests: daily posts, their commands and buttons, through discord.py against simcord.

simcord's clock starts at 2026-01-01 00:00 UTC, so a 09:00 UTC post is nine virtual hours away.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import discord
import pytest
from discord.ext import commands
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from bot.app.client import MythOrFactBot
from bot.core.daily import PostStatus, plan_schedule
from bot.core.errors import MythOrFactError, UnknownTopic
from cogs.utils.checks import NotModerator
from tests.helpers import expect_errors, make_config

REFUSAL = "You need the **Manage Server** permission to do that. Nothing was changed."
DAY1, DAY2 = date(2026, 1, 1), date(2026, 1, 2)
HOUR = 3600


@dataclasses.dataclass
class World:
    guild: object
    channel: object
    lobby: object
    mod: object
    ann: object
    ben: object
    owner: object


@pytest.fixture
def world(simcord_env) -> World:
    """A server with a daily channel, a lobby, a moderator (Manage Server), two members and the bot's owner."""
    guild = simcord_env.create_guild(name="Club")
    channel = guild.create_text_channel("daily")
    lobby = guild.create_text_channel("lobby")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[admins])
    ann = guild.add_member(simcord_env.create_user("ann"))
    ben = guild.add_member(simcord_env.create_user("ben"))
    owner = guild.add_member(simcord_env.create_user("owner"))
    simcord_env.bot.owner_ids = {owner.id}
    return World(guild, channel, lobby, mod, ann, ben, owner)


def daily_posts(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot and m.embeds and m.embeds[0].title == "Daily myth or fact"]


async def right_and_wrong(store, guild_id: int, day: date) -> tuple[str, str]:
    """Return the labels of the right and the wrong button of a day's post."""
    post = await store.daily_post(guild_id, day)
    kind = (await store.get_item_by_pk(post.item_pk)).kind
    return ("Myth", "Fact") if kind == "myth" else ("Fact", "Myth")


async def set_daily(w: World, at: str = "09:00", extra: str = "") -> None:
    await w.mod.send(w.lobby, f"!daily set {w.channel.mention} {at} {extra}".strip())
    assert w.lobby.last_message.embeds[0].title == "Daily posts are on"


# -- commands ------------------------------------------------------------------------------------


async def test_moderator_sets_checks_and_turns_off_daily_posts_with_prefix_commands(world, store):
    w = world
    await w.mod.send(w.lobby, f"!daily set {w.channel.mention} 09:00 Europe/London space")
    shown = w.lobby.last_message.embeds[0].description
    assert "**09:00** Europe/London · topic: `space`" in shown
    assert "Next post: Thu 01 Jan 2026, 09:00 Europe/London" in shown
    schedule = await store.daily_schedule(w.guild.id)
    assert (schedule.channel_id, schedule.zone, schedule.topic) == (w.channel.id, "Europe/London", "space")
    assert schedule.next_due == datetime(2026, 1, 1, 9, tzinfo=UTC)

    await w.mod.send(w.lobby, f"!daily set {w.channel.mention} 21:30 animals")  # no zone: UTC, and a topic
    schedule = await store.daily_schedule(w.guild.id)
    assert (schedule.zone, schedule.topic, schedule.post_time.hour) == ("UTC", "animals", 21)
    await w.mod.send(w.lobby, "!daily status")
    status = w.lobby.last_message.embeds[0]
    assert status.title == "Daily posts"
    assert "Next post: Thu 01 Jan 2026, 21:30 UTC" in status.description

    await w.mod.send(w.lobby, "!daily off")
    assert w.lobby.last_message.content == "Daily posts are off. Turn them back on with `daily set`."
    assert await store.daily_schedule(w.guild.id) is None
    await w.mod.send(w.lobby, "!daily status")
    assert w.lobby.last_message.content.startswith("Daily posts are off.")
    history = [(entry.action, entry.detail) for entry in await store.audit_history(w.guild.id)]
    assert history == [
        ("daily", "off"),
        ("daily", "set #daily at 21:30 UTC, topic animals"),
        ("daily", "set #daily at 09:00 Europe/London, topic space"),
    ]


async def test_bad_time_zone_topic_and_channel_are_refused_politely(simcord_env, world, store):
    w = world
    await w.mod.send(w.lobby, f"!daily set {w.channel.mention} 25:00")
    assert w.lobby.last_message.content.startswith("`25:00` is not a time.")
    await w.mod.send(w.lobby, f"!daily set {w.channel.mention} 09:00 Mars/Olympus")
    assert w.lobby.last_message.content.startswith("`Mars/Olympus` is not a time zone I know.")
    await w.mod.send(w.lobby, f"!daily set {w.channel.mention} 09:00 UTC cooking")
    assert w.lobby.last_message.content.startswith("I don't know the topic `cooking`.")
    closed = w.guild.create_text_channel(
        "closed", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(embed_links=False)}
    )
    await w.mod.send(w.lobby, f"!daily set {closed.mention} 09:00")
    assert w.lobby.last_message.content == (
        f"I can't post there: I am missing the Embed Links permission in {closed.mention}."
    )
    expect_errors(simcord_env, MythOrFactError, MythOrFactError, UnknownTopic, MythOrFactError)
    assert await store.daily_schedule(w.guild.id) is None


async def test_plain_member_is_refused_every_daily_subcommand_with_prefix(simcord_env, world, store):
    w = world
    await set_daily(w)
    before = await store.daily_schedule(w.guild.id)
    for command in (f"daily set {w.channel.mention} 10:00", "daily off", "daily status", "daily now", "daily"):
        await w.ann.send(w.lobby, f"!{command}")
        assert w.lobby.last_message.content == REFUSAL
        expect_errors(simcord_env, NotModerator)
    assert await store.daily_schedule(w.guild.id) == before
    assert daily_posts(w.channel) == []
    assert len(await store.audit_history(w.guild.id)) == 1


async def test_slash_daily_commands_for_a_moderator_and_refused_for_a_member(simcord_env, world, store):
    w = world
    await w.owner.send(w.lobby, "!sync")
    assert "daily set" in w.mod.available_commands(w.lobby)
    assert not any(name.startswith("daily") for name in w.ann.available_commands(w.lobby)), "hidden from members"
    choices = await w.mod.autocomplete(w.lobby, "daily set", "timezone", "europe/lon")
    assert [choice["value"] for choice in choices] == ["Europe/London"]
    topics = await w.mod.autocomplete(w.lobby, "daily set", "topic", "spa")
    assert [choice["value"] for choice in topics] == ["space"]

    done = await w.mod.slash(w.lobby, "daily set", channel=w.channel, time="08:15", timezone="Asia/Tokyo")
    assert done.ephemeral and "**08:15** Asia/Tokyo" in done.response.embeds[0].description
    status = await w.mod.slash(w.lobby, "daily status")
    # 08:15 in Tokyo was 23:15 UTC yesterday, so the first post is tomorrow morning there.
    assert status.ephemeral and "Next post: Fri 02 Jan 2026, 08:15 Asia/Tokyo" in status.response.embeds[0].description

    command = simcord_env.backend.find_command("daily", w.guild.id)
    w.guild.set_command_permissions(int(command["id"]), {w.ann: True})  # as a server's Integrations settings can
    for name, options in (("daily off", {}), ("daily now", {}), ("daily set", {"channel": w.lobby, "time": "10:00"})):
        refused = await w.ann.slash(w.lobby, name, **options)
        assert refused.ephemeral and refused.response.content == REFUSAL
        expect_errors(simcord_env, NotModerator)
    assert (await store.daily_schedule(w.guild.id)).zone == "Asia/Tokyo"

    now = await w.mod.slash(w.lobby, "daily now")
    [post] = daily_posts(w.channel)
    reply = [now.response, *now.followups][-1]
    assert now.ephemeral and reply.content.endswith(f"/{w.channel.id}/{post.id}")
    assert post.embeds[0].footer.text.startswith("Daily fact · 2026-01-01")
    off = await w.mod.slash(w.lobby, "daily off")
    assert off.ephemeral and await store.daily_schedule(w.guild.id) is None


# -- the post and its buttons --------------------------------------------------------------------


async def test_the_post_appears_at_its_time_and_answers_score_once_with_a_streak(simcord_env, world, store):
    w = world
    await set_daily(w)
    await simcord_env.advance_time(9 * HOUR - 60)
    assert daily_posts(w.channel) == []
    await simcord_env.advance_time(61)
    [first] = daily_posts(w.channel)
    embed = first.embeds[0]
    assert embed.footer.text.startswith("Daily fact · 2026-01-01 · ")
    assert embed.fields == [], "no answer to reveal on the first day"
    assert [button.label for button in first.components[0].children] == ["Myth", "Fact", "Play a quiz"]

    right, wrong = await right_and_wrong(store, w.guild.id, DAY1)
    answered = await w.ann.click(first, label=right)
    assert answered.ephemeral
    ack = answered.response.embeds[0]
    assert ack.title.startswith("Right! It's a ")
    assert ack.fields[0].name == "Source"
    points = int(ack.footer.text.split()[0].lstrip("+"))
    assert ack.footer.text.endswith("daily streak 1 (best 1)")
    again = await w.ann.click(first, label=wrong)
    assert again.ephemeral and again.response.content.startswith("You already answered this daily post")
    missed = await w.ben.click(first, label=wrong)
    assert missed.response.embeds[0].title.startswith("Not quite: it's a ")
    assert (await store.member_rank(w.guild.id, "all", w.ann.id)).points == points

    await simcord_env.advance_time(24 * HOUR)
    second = daily_posts(w.channel)[-1]
    revealed = second.embeds[0].fields[0]
    assert revealed.name == "Yesterday's answer"
    assert f"It's a **{right.lower()}**" in revealed.value
    late = await w.ben.click(first, label=right)
    assert late.response.content.startswith("This daily post is over") and str(second.id) in late.response.content
    right, _ = await right_and_wrong(store, w.guild.id, DAY2)
    streak = await w.ann.click(second, label=right)
    assert streak.response.embeds[0].footer.text.endswith("daily streak 2 (best 2)")

    await w.ben.send(w.lobby, f"!rank {w.ann.id}")
    rank = w.lobby.last_message.embeds[0]
    assert rank.fields[-1].name == "Daily streak" and rank.fields[-1].value == "2 in a row · best 2"
    assert rank.fields[0].value.startswith("**#1** of 2")


async def test_play_a_quiz_button_starts_one_quiz_in_the_channel(simcord_env, world):
    w = world
    await set_daily(w)
    await simcord_env.advance_time(9 * HOUR)
    [post] = daily_posts(w.channel)
    started = await w.ann.click(post, label="Play a quiz")
    assert not started.ephemeral
    assert started.response.content.startswith("**Quiz time!**")
    assert f"started by {w.ann.mention}" in started.response.content
    running = simcord_env.bot.quizzes.get(w.channel.id)
    assert running is not None and running.session.starter_id == w.ann.id
    second = await w.ben.click(post, label="Play a quiz")
    assert second.ephemeral and second.response.content.startswith("A quiz is already running here")


async def test_daily_now_posts_once_and_then_links_to_the_post(simcord_env, world, store):
    w = world
    await set_daily(w)
    await w.mod.send(w.lobby, "!daily now")
    [post] = daily_posts(w.channel)
    assert w.lobby.last_message.content == (
        f"Today's daily post is up: https://discord.com/channels/{w.guild.id}/{w.channel.id}/{post.id}"
    )
    await w.mod.send(w.lobby, "!daily now")
    assert w.lobby.last_message.content.startswith("Today's daily post is already up: ")
    assert w.lobby.last_message.content.endswith(str(post.id))
    await simcord_env.advance_time(10 * HOUR)
    assert len(daily_posts(w.channel)) == 1, "the scheduled time today does not post again"


# -- restarts ------------------------------------------------------------------------------------


async def test_nothing_is_posted_twice_across_restarts(simcord_env, world, store):
    w = world
    await set_daily(w)
    await simcord_env.advance_time(9 * HOUR)
    [post] = daily_posts(w.channel)
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    await simcord_env.advance_time(60)
    assert len(daily_posts(w.channel)) == 1

    # A crash between sending and recording it: the claim is still open, the message is in the channel.
    await store.finish_daily_post(w.guild.id, DAY1, PostStatus.CLAIMED)
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    await simcord_env.advance_time(1)
    assert len(daily_posts(w.channel)) == 1
    recovered = await store.daily_post(w.guild.id, DAY1)
    assert (recovered.status, recovered.message_id) == (PostStatus.SENT, post.id)
    right, _ = await right_and_wrong(store, w.guild.id, DAY1)
    answered = await w.ann.click(post, label=right)
    assert answered.response.embeds[0].title.startswith("Right!"), "buttons still work after a restart"


async def test_a_post_due_while_the_bot_was_down_goes_out_once_at_restart(simcord_env, world, store):
    w = world
    await simcord_env.advance_time(3 * HOUR)
    # Set up yesterday for 02:00; the bot was down from 01:00 until now (03:00), so today's post is still due.
    schedule = plan_schedule(
        w.guild.id, w.channel.id, time(2, 0), ZoneInfo("UTC"), None, datetime(2025, 12, 31, 12, tzinfo=UTC)
    )
    await store.set_daily_schedule(schedule)
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    await simcord_env.advance_time(1)
    [post] = daily_posts(w.channel)
    assert post.embeds[0].footer.text.startswith("Daily fact · 2026-01-01")
    assert (await store.daily_schedule(w.guild.id)).next_due == datetime(2026, 1, 2, 2, tzinfo=UTC)
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    await simcord_env.advance_time(60)
    assert len(daily_posts(w.channel)) == 1


# -- an unusable channel -------------------------------------------------------------------------


async def test_a_deleted_channel_pauses_the_schedule_with_one_notice(simcord_env, world, store):
    w = world
    log_channel = w.guild.create_text_channel("mod-log")
    await store.update_server_settings(w.guild.id, {"log_channel_id": log_channel.id})
    await set_daily(w)
    simcord_env.backend.delete_channel(w.channel.id)
    await simcord_env.advance_time(9 * HOUR)
    notices = [m.content for m in log_channel.history() if m.author.bot]
    assert notices == [
        f"**The daily post is paused:** the channel <#{w.channel.id}> was deleted or I can no longer see it. "
        "A moderator can fix that and resume it with `daily set`; `daily status` shows the schedule."
    ]
    await simcord_env.advance_time(24 * HOUR)  # the next due time passes
    assert len([m for m in log_channel.history() if m.author.bot]) == 1, "told once"
    await w.mod.send(w.lobby, "!daily status")
    status = w.lobby.last_message.embeds[0]
    assert status.title == "Daily posts are paused"
    assert "**Paused:** the channel" in status.description and "was deleted" in status.description


async def test_a_removed_permission_pauses_until_daily_set_resumes(simcord_env, world, store):
    w = world
    simcord_env.backend.edit_guild(w.guild.id, {"system_channel_id": w.lobby.id})
    await set_daily(w)
    deny = discord.Permissions(send_messages=True).value
    bot_id = simcord_env.bot.user.id
    simcord_env.backend.set_overwrite(w.channel.id, Overwrite(bot_id, OverwriteType.MEMBER, deny=deny))
    await simcord_env.advance_time(9 * HOUR)
    assert daily_posts(w.channel) == []
    notice = w.lobby.last_message.content
    assert notice.startswith(
        # Without Send Messages, Discord also withholds Embed Links.
        f"**The daily post is paused:** I am missing the Send Messages, Embed Links permission in {w.channel.mention}."
    )
    await w.mod.send(w.lobby, "!daily status")
    assert "I am missing the Send Messages, Embed Links permission" in w.lobby.last_message.embeds[0].description

    simcord_env.backend.delete_overwrite(w.channel.id, bot_id)
    await set_daily(w, at="10:00")
    await simcord_env.advance_time(HOUR)
    assert len(daily_posts(w.channel)) == 1, "resumed, and today's post goes out at the new time"
    assert len([m for m in w.lobby.history() if m.content.startswith("**The daily post is paused")]) == 1


async def test_a_channel_typed_as_plain_text_gets_a_clear_hint(simcord_env, world, store):
    w = world
    await w.mod.send(w.lobby, "!daily set #nowhere 09:00")
    assert w.lobby.last_message.content == (
        "I can't find the channel `#nowhere`. Mention it (pick it from Discord's list), or give its id."
    )
    expect_errors(simcord_env, commands.ChannelNotFound)
    assert await store.daily_schedule(w.guild.id) is None


# -- threads -------------------------------------------------------------------------------------


async def open_thread(env, parent, name: str = "daily-thread"):
    """Have the bot open a public thread in ``parent``; return its handle."""
    await env.bot.get_channel(parent.id).create_thread(name=name, type=discord.ChannelType.public_thread)
    return next(thread for thread in parent.threads if thread.name == name)


def thread_metadata(env, thread):
    return env.backend.get_thread(thread.id).thread_metadata


async def test_a_thread_can_be_the_daily_channel_and_gets_the_post(simcord_env, world, store):
    w = world
    thread = await open_thread(simcord_env, w.channel)
    await w.mod.send(w.lobby, f"!daily set {thread.mention} 09:00")
    assert w.lobby.last_message.embeds[0].title == "Daily posts are on"
    assert f"Channel: {thread.mention}" in w.lobby.last_message.embeds[0].description
    assert (await store.daily_schedule(w.guild.id)).channel_id == thread.id
    await simcord_env.advance_time(9 * HOUR)
    [post] = daily_posts(thread)
    assert daily_posts(w.channel) == [], "the post goes into the thread, not its channel"
    right, _ = await right_and_wrong(store, w.guild.id, DAY1)
    answered = await w.ann.click(post, label=right)
    assert answered.response.embeds[0].title.startswith("Right!")
    started = await w.ben.click(post, label="Play a quiz")
    assert started.response.content.startswith("**Quiz time!**")
    assert simcord_env.bot.quizzes.get(thread.id) is not None, "the quiz plays in the thread"


async def test_a_thread_that_archived_itself_is_reopened_by_the_next_post(simcord_env, world, store):
    w = world
    thread = await open_thread(simcord_env, w.channel)
    await w.mod.send(w.lobby, f"!daily set {thread.mention} 09:00")
    simcord_env.backend.edit_channel(thread.id, {}, thread_metadata={"archived": True})  # a quiet day
    assert simcord_env.bot.get_channel(thread.id) is None, "Discord no longer sends the bot an archived thread"
    await simcord_env.advance_time(9 * HOUR)
    assert len(daily_posts(thread)) == 1
    assert thread_metadata(simcord_env, thread).archived is False
    post = await store.daily_post(w.guild.id, DAY1)
    assert post.status == PostStatus.SENT and post.channel_id == thread.id


async def test_locked_archived_and_closed_threads_are_refused_with_the_reason(simcord_env, world, store):
    w = world
    await w.owner.send(w.lobby, "!sync")
    locked = await open_thread(simcord_env, w.channel, "locked")
    simcord_env.backend.edit_channel(locked.id, {}, thread_metadata={"locked": True})
    await w.mod.send(w.lobby, f"!daily set {locked.mention} 09:00")
    assert w.lobby.last_message.content == (
        f"I can't post there: {locked.mention} is a locked thread. Unlock it, or pick another channel."
    )
    archived = await open_thread(simcord_env, w.channel, "archived")
    simcord_env.backend.edit_channel(archived.id, {}, thread_metadata={"archived": True})
    refusal = (
        f"I can't post there: {archived.mention} is an archived thread. Send a message in it to open it again, "
        "or pick another channel."
    )
    await w.mod.send(w.lobby, f"!daily set {archived.mention} 09:00")
    assert w.lobby.last_message.content == refusal
    result = await w.mod.slash(w.lobby, "daily set", channel=archived, time="09:00")
    assert result.ephemeral and result.response.content == refusal

    closed = w.guild.create_text_channel("closed")
    no_threads = await open_thread(simcord_env, closed, "no-threads")
    deny = discord.Permissions(send_messages_in_threads=True).value
    simcord_env.backend.set_overwrite(closed.id, Overwrite(simcord_env.bot.user.id, OverwriteType.MEMBER, deny=deny))
    result = await w.mod.slash(w.lobby, "daily set", channel=no_threads, time="09:00")
    assert result.response.content == (
        # Without Send Messages in Threads, Discord also withholds Embed Links there.
        f"I can't post there: I am missing the Send Messages in Threads, Embed Links permission in "
        f"{no_threads.mention}."
    )
    expect_errors(simcord_env, *[MythOrFactError] * 4)
    assert await store.daily_schedule(w.guild.id) is None


async def test_slash_daily_set_takes_a_thread(simcord_env, world, store):
    w = world
    await w.owner.send(w.lobby, "!sync")
    thread = await open_thread(simcord_env, w.channel)
    done = await w.mod.slash(w.lobby, "daily set", channel=thread, time="09:00")
    assert done.ephemeral and f"Channel: {thread.mention}" in done.response.embeds[0].description
    await w.mod.send(w.lobby, "!config")
    daily = next(f.value for f in w.lobby.last_message.embeds[0].fields if f.name == "Daily post")
    assert daily.startswith(f"Channel: {thread.mention}")


async def test_a_thread_locked_after_set_pauses_the_schedule(simcord_env, world, store):
    w = world
    simcord_env.backend.edit_guild(w.guild.id, {"system_channel_id": w.lobby.id})
    thread = await open_thread(simcord_env, w.channel)
    await w.mod.send(w.lobby, f"!daily set {thread.mention} 09:00")
    simcord_env.backend.edit_channel(thread.id, {}, thread_metadata={"locked": True, "archived": True})
    await simcord_env.advance_time(9 * HOUR)
    assert daily_posts(thread) == []
    notice = w.lobby.last_message.content
    assert notice.startswith(f"**The daily post is paused:** the thread {thread.mention} is locked.")
    assert (await store.daily_schedule(w.guild.id)).paused_reason == f"the thread {thread.mention} is locked"
