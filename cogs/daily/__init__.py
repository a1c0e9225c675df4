"""Daily myth-or-fact posts: the moderators' `daily` commands, and the one scheduler task that posts for every server.

The scheduling, claiming and pacing live in :mod:`bot.core.daily`; this cog gives it Discord's clock, a sleep that
simulated time understands, and a poster that sends through discord.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable
from datetime import timedelta

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.audit import AuditNote
from bot.core.daily import (
    RETRY_DELAYED_AFTER,
    SCHEDULE_CHANGED,
    DailyDelivery,
    DailyPost,
    DailySchedule,
    DailyScheduler,
    NowOutcome,
    PostDelayed,
    PostUnavailable,
    describe_pause,
    pause_reason,
    plan_schedule,
    post_marker,
    schedule_audit_detail,
)
from bot.core.errors import MythOrFactError, UnknownTopic
from bot.core.i18n import N_, _, using
from bot.core.scheduling import available_zones, local_day, matching_zones, parse_local_time, parse_zone
from bot.core.text import clip, normalize_topic
from cogs.daily import views as daily_ui
from cogs.utils import render
from cogs.utils.autocomplete import match_topics, topic_autocomplete
from cogs.utils.checks import moderator_only

log = logging.getLogger(__name__)

WAKE_EVENT = SCHEDULE_CHANGED
PACE_EVENT = "daily_pace"
"""Never dispatched: the pacer waits on it with a timeout, a sleep that simulated time recognises."""
HISTORY_LOOKBACK = 50


class DailyChannel(app_commands.Transformer, commands.Converter[daily_ui.DailyChannel]):
    """A text channel or a thread for `daily set`, typed (prefix) or picked (slash).

    Discord does not send the bot archived threads, so one that is not cached is fetched: `daily set` can then say
    that it is archived, instead of that it does not exist.
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        """A channel option, so Discord offers its channel picker."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Text and announcement channels and their threads."""
        return [
            discord.ChannelType.text,
            discord.ChannelType.news,
            discord.ChannelType.public_thread,
            discord.ChannelType.private_thread,
            discord.ChannelType.news_thread,
        ]

    async def transform(
        self, interaction: discord.Interaction, value: app_commands.AppCommandChannel | app_commands.AppCommandThread
    ) -> daily_ui.DailyChannel:
        """Return the picked channel or thread (fetched when it is not cached)."""
        resolved = value.resolve()
        if resolved is None:
            resolved = await _fetched_for_set(value.fetch(), value.mention)
        return _daily_channel(resolved, value.mention)

    async def convert(self, ctx: commands.Context, argument: str) -> daily_ui.DailyChannel:
        """Return the channel or thread named by a mention, an id or a name (an uncached thread is fetched)."""
        for converter in (commands.TextChannelConverter(), commands.ThreadConverter()):
            with contextlib.suppress(commands.BadArgument):
                return _daily_channel(await converter.convert(ctx, argument), argument)
        mentioned = CHANNEL_REFERENCE.fullmatch(argument.strip())
        if ctx.guild is None or mentioned is None:
            raise commands.ChannelNotFound(argument)
        channel_id = int(mentioned["mention"] or mentioned["id"])
        return _daily_channel(await _fetched_for_set(ctx.guild.fetch_channel(channel_id), f"<#{channel_id}>"), argument)


CHANNEL_REFERENCE = re.compile(r"<#(?P<mention>\d{15,21})>|(?P<id>\d{15,21})")


async def _fetched_for_set(fetch: Awaitable[object], shown: str) -> object:
    """Fetch a channel `daily set` was given; explain a channel the bot cannot see."""
    try:
        return await fetch
    except (discord.NotFound, discord.Forbidden) as exc:
        raise MythOrFactError(
            _(
                "I can't see {channel}. If it is a private thread, add me to it (mention me there), "
                "or pick another channel.",
                channel=shown,
            )
        ) from exc


def _daily_channel(channel: object, shown: str) -> daily_ui.DailyChannel:
    if not isinstance(channel, daily_ui.DailyChannel):
        raise MythOrFactError(
            _(
                "Daily posts go to a text channel or a thread, and {channel} is neither. Nothing was changed.",
                channel=clip(shown, 60),
            )
        )
    return channel


class DiscordPoster:
    """Sends daily posts through discord.py and reports an unusable channel as :class:`PostUnavailable`."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def _channel(self, guild_id: int, channel_id: int) -> daily_ui.DailyChannel:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise PostUnavailable(pause_reason(N_("I am no longer in this server")))
        if guild.unavailable:
            raise PostDelayed("the server is unavailable on Discord's side")
        channel = guild.get_channel_or_thread(channel_id) or await self._uncached(guild, channel_id)
        if not isinstance(channel, daily_ui.DailyChannel):
            raise PostUnavailable(
                pause_reason(
                    N_("the channel {channel} was deleted or I can no longer see it"), channel=f"<#{channel_id}>"
                )
            )
        if isinstance(channel, discord.Thread) and channel.locked:
            raise PostUnavailable(pause_reason(N_("the thread {channel} is locked"), channel=channel.mention))
        missing = daily_ui.missing_permissions(channel, guild.me)
        if missing:
            raise PostUnavailable(daily_ui.missing_reason(channel, missing))
        return channel

    @staticmethod
    async def _uncached(guild: discord.Guild, channel_id: int) -> object:
        """Fetch a channel that is not cached: an archived thread (Discord stops sending those), or a deleted one."""
        try:
            return await guild.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        except discord.DiscordServerError as exc:
            raise PostDelayed(f"Discord answered {exc.status}") from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise PostDelayed(f"Discord could not be reached: {exc!r}") from exc

    async def send(self, delivery: DailyDelivery) -> int:
        """Post the day's embed and buttons; return the message id. A thread that archived itself is reopened."""
        channel = await self._channel(delivery.guild_id, delivery.channel_id)
        try:
            if isinstance(channel, discord.Thread) and channel.archived:
                channel = await channel.edit(archived=False)
            with using(await self.bot.language_in(delivery.guild_id)):  # the server's post, in its language
                embed, view = daily_ui.post_embed(delivery), daily_ui.post_view(delivery)
            message = await channel.send(embed=embed, view=view)
        except discord.NotFound as exc:
            raise PostUnavailable(
                pause_reason(N_("the channel {channel} was deleted"), channel=channel.mention)
            ) from exc
        except discord.Forbidden as exc:
            raise PostUnavailable(
                pause_reason(
                    N_("Discord refused my post in {channel}: a permission is missing"), channel=channel.mention
                )
            ) from exc
        except discord.DiscordServerError as exc:
            raise PostDelayed(f"Discord answered {exc.status}") from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise PostDelayed(f"Discord could not be reached: {exc!r}") from exc
        return message.id

    async def find_sent(self, post: DailyPost) -> int | None:
        """Look for our post of that day (by the footer marker) among the channel's recent messages."""
        channel = await self._channel(post.guild_id, post.channel_id)
        assert self.bot.user is not None
        if not channel.permissions_for(channel.guild.me).read_message_history:
            return None
        marker = post_marker(post.day)
        after = post.claimed_at - timedelta(seconds=5)  # oldest first from just before the claim
        async for message in channel.history(limit=HISTORY_LOOKBACK, after=after):
            footer = message.embeds[0].footer.text if message.embeds else None
            if message.author.id == self.bot.user.id and footer and footer.startswith(marker):
                return message.id
        return None

    async def notify_paused(self, guild_id: int, reason: str) -> None:
        """Tell the server in its log channel (or system channel), if the bot may post there."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        settings = await self.bot.store.server_settings(guild_id)
        target = guild.get_channel(settings.log_channel_id) if settings.log_channel_id else guild.system_channel
        if not isinstance(target, discord.TextChannel) or not target.permissions_for(guild.me).send_messages:
            log.info("Guild %s has nowhere I may tell it that its daily post is paused", guild_id)
            return
        with using(settings.language):
            text = _(
                "**The daily post is paused:** {reason}. A moderator can fix that and resume it with `daily set`; "
                "`daily status` shows the schedule.",
                reason=describe_pause(reason),
            )
        await target.send(clip(text, 2000))


def status_embed(schedule: DailySchedule, today_post: DailyPost | None, *, title: str) -> discord.Embed:
    """Show a server's daily schedule: where, when, the topic, the next post, and why it is paused."""
    lines = render.daily_schedule_lines(schedule)
    if today_post is not None and today_post.message_id:
        lines.append(_("Today's post: {link}", link=daily_ui.post_url(today_post)))
    colour = render.MYTH_COLOUR if schedule.paused_reason else render.INFO_COLOUR
    return discord.Embed(title=title, colour=colour, description=clip("\n".join(lines), render.DESCRIPTION_MAX))


class Daily(commands.Cog):
    """Daily fact posts: schedules, claimed posts, answers and streaks."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot
        self.scheduler = DailyScheduler(bot.store, DiscordPoster(bot), now=discord.utils.utcnow, sleep=self._sleep)
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        """Register the daily post's buttons (they work after a restart) and start the scheduler."""
        self.bot.add_dynamic_items(daily_ui.DailyAnswerButton, daily_ui.DailyQuizButton)
        self._task = asyncio.create_task(self._run(), name="daily-scheduler")
        self._task.add_done_callback(_scheduler_stopped)

    async def cog_unload(self) -> None:
        """Stop the scheduler (a post in flight stays claimed and is settled at the next start) and the buttons."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.bot.remove_dynamic_items(daily_ui.DailyAnswerButton, daily_ui.DailyQuizButton)

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        self.scheduler.serve(self.bot.shard_set)
        await self.scheduler.run(self._idle)

    async def _idle(self, seconds: float) -> None:
        """Sleep until the next due time, or until a schedule changes."""
        with contextlib.suppress(TimeoutError):
            await self.bot.wait_for(WAKE_EVENT, timeout=seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await self.bot.wait_for(PACE_EVENT, timeout=seconds)

    def wake(self) -> None:
        """Make the scheduler look at the schedules again now."""
        self.bot.dispatch(WAKE_EVENT)

    # -- autocomplete --------------------------------------------------------------------------

    async def zone_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Offer IANA time zone names matching what was typed."""
        return [app_commands.Choice(name=zone, value=zone) for zone in matching_zones(current)]

    # -- commands ------------------------------------------------------------------------------

    @commands.hybrid_group(name="daily", invoke_without_command=True)
    @commands.guild_only()
    @moderator_only()
    @app_commands.default_permissions(manage_guild=True)
    async def daily(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Daily myth-or-fact posts (moderators): set, off, status, now."""
        await self.daily_status.callback(self, ctx)  # type: ignore[arg-type]

    @daily.command(name="set")
    @commands.guild_only()
    @moderator_only()
    @app_commands.describe(
        channel="Where to post: a text channel, or a thread I can post in",
        time="Local time, 24-hour, e.g. 09:00",
        timezone="Time zone such as Europe/London (default: the server's, see config timezone)",
        topic="Only items about this topic (default: all)",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete, topic=topic_autocomplete)
    async def daily_set(
        self,
        ctx: commands.Context[MythOrFactBot],
        channel: DailyChannel,
        time: str,
        timezone: str | None = None,
        *,
        topic: str | None = None,
    ) -> None:
        """Post a myth or fact every day at a local time; also resumes a paused schedule."""
        assert ctx.guild is not None
        post_time = parse_local_time(time)
        topics = [summary.topic for summary in await self.bot.store.topics(ctx.guild.id)]
        if timezone and topic is None and timezone not in available_zones() and normalize_topic(timezone) in topics:
            timezone, topic = None, timezone  # `!daily set #general 09:00 space`
        zone = parse_zone(timezone or (await self.bot.store.server_settings(ctx.guild.id)).timezone)
        if topic is not None:
            topic = normalize_topic(topic)
            if topic not in topics:
                raise UnknownTopic(topic, match_topics(topics, topic, 3))
        refusal = daily_ui.channel_refusal(channel, ctx.guild.me)  # type: ignore[arg-type]
        if refusal:
            raise MythOrFactError(_("I can't post there: {reason}.", reason=refusal))
        schedule = plan_schedule(ctx.guild.id, channel.id, post_time, zone, topic, discord.utils.utcnow())
        detail = schedule_audit_detail(channel.name, post_time, zone, topic)
        await self.bot.store.set_daily_schedule(schedule, AuditNote(ctx.author.id, "daily", detail))
        log.info("Daily post of guild %s set by %s: %s", ctx.guild.id, ctx.author.id, schedule)
        self.wake()
        await ctx.send(embed=status_embed(schedule, None, title=_("Daily posts are on")), ephemeral=True)

    @daily.command(name="off")
    @commands.guild_only()
    @moderator_only()
    async def daily_off(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Stop the daily posts; answers to the last one still count."""
        assert ctx.guild is not None
        if not await self.bot.store.remove_daily_schedule(ctx.guild.id, AuditNote(ctx.author.id, "daily", "off")):
            await ctx.send(_("Daily posts are already off here."), ephemeral=True)
            return
        self.wake()
        await ctx.send(_("Daily posts are off. Turn them back on with `daily set`."), ephemeral=True)

    @daily.command(name="status")
    @commands.guild_only()
    @moderator_only()
    async def daily_status(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Show the daily schedule, the next post time, and why it is paused if it is."""
        assert ctx.guild is not None
        schedule = await self.bot.store.daily_schedule(ctx.guild.id)
        if schedule is None:
            await ctx.send(
                _("Daily posts are off. Moderators turn them on with `daily set #channel 09:00 Europe/London`."),
                ephemeral=True,
            )
            return
        today = local_day(discord.utils.utcnow(), schedule.tz)
        today_post = await self.bot.store.daily_post(ctx.guild.id, today)
        title = _("Daily posts are paused") if schedule.paused_reason else _("Daily posts")
        await ctx.send(embed=status_embed(schedule, today_post, title=title), ephemeral=True)

    @daily.command(name="now")
    @commands.guild_only()
    @moderator_only()
    async def daily_now(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Post today's myth or fact right away; it counts as today's post."""
        assert ctx.guild is not None
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)
        result = await self.scheduler.post_now(ctx.guild.id)
        if result.outcome is NowOutcome.POSTED:
            assert result.post is not None
            await self.bot.store.record_audit(ctx.guild.id, ctx.author.id, "daily", f"posted {result.post.day} now")
            await ctx.send(_("Today's daily post is up: {link}", link=daily_ui.post_url(result.post)), ephemeral=True)
        elif result.outcome is NowOutcome.ALREADY_DONE:
            await ctx.send(already_posted(result.post), ephemeral=True)
        elif result.outcome is NowOutcome.DELAYED:
            minutes = int(RETRY_DELAYED_AFTER.total_seconds() // 60)
            await ctx.send(
                _(
                    "Discord could not take the post just now ({reason}). I'll try again within {minutes} minutes; "
                    "it still counts as today's post.",
                    reason=result.reason,
                    minutes=minutes,
                ),
                ephemeral=True,
            )
        else:
            raise MythOrFactError(
                _(
                    "I couldn't post: {reason}. The daily post is paused; fix that and run `daily set` again.",
                    reason=describe_pause(result.reason or ""),
                )
            )


def already_posted(post: DailyPost | None) -> str:
    """Explain why `daily now` did not post again today."""
    if post is not None and post.message_id:
        return _("Today's daily post is already up: {link}", link=daily_ui.post_url(post))
    if post is not None and post.status == "claimed":
        return _("Today's daily post is being sent right now.")
    return _("Today's daily post was skipped (the bot was down at its time); the next one comes at the usual time.")


def _scheduler_stopped(task: asyncio.Task[None]) -> None:
    """Log a scheduler that stopped for any reason other than the cog unloading."""
    if not task.cancelled() and task.exception() is not None:
        log.error("The daily scheduler stopped", exc_info=task.exception())


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Daily(bot))
