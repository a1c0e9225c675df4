"""What a daily post looks like on Discord: its embed, the Myth/Fact and Play-a-quiz buttons, and the replies.

Buttons are dynamic items with stable custom ids (``mof:daily:<server>:<day>:<myth|fact>`` and
``mof:daily-quiz:<server>``) registered at start-up, so posts from before a restart keep working. The custom id
never says which answer is right.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

import discord

from bot.app.client import MythOrFactBot
from bot.core.catalog import StoredItem
from bot.core.daily import (
    AnswerResult,
    AnswerStatus,
    DailyDelivery,
    DailyPost,
    answer_daily,
    describe_pause,
    pause_reason,
    post_marker,
)
from bot.core.errors import MythOrFactError
from bot.core.i18n import DEFAULT_LOCALE, N_, _, using
from bot.core.rewards import SCORES_CHANGED
from bot.core.scores import week_key
from bot.core.text import clip
from cogs.utils import render
from cogs.utils.checks import ChannelNotAllowed, permission_names

log = logging.getLogger(__name__)

DAILY_COLOUR = discord.Colour.gold()
NEEDED_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
NEEDED_IN_THREADS = ("view_channel", "send_messages_in_threads", "embed_links")
DailyChannel = discord.TextChannel | discord.Thread
"""Where daily posts go: a text channel, or a thread the bot can post in."""


def message_url(guild_id: int, channel_id: int, message_id: int | None) -> str:
    """Return a link to a message (or to its channel when the id is unknown)."""
    base = f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"{base}/{message_id}" if message_id else base


def post_url(post: DailyPost) -> str:
    """Return a link to a daily post."""
    return message_url(post.guild_id, post.channel_id, post.message_id)


def missing_permissions(channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member) -> list[str]:
    """Return the permissions the bot lacks to post daily embeds in ``channel`` (a thread needs its own kind)."""
    needed = NEEDED_IN_THREADS if isinstance(channel, discord.Thread) else NEEDED_PERMISSIONS
    try:
        granted = channel.permissions_for(me)
    except discord.ClientException:  # a thread whose parent channel I cannot see
        return list(needed)
    return [name for name in needed if not getattr(granted, name)]


def channel_refusal(channel: DailyChannel, me: discord.Member) -> str | None:
    """Say why the bot cannot post daily embeds in ``channel`` (a locked or archived thread, a permission), or None."""
    if isinstance(channel, discord.Thread):
        if channel.locked:
            return _("{thread} is a locked thread. Unlock it, or pick another channel", thread=channel.mention)
        if channel.archived:
            return _(
                "{thread} is an archived thread. Send a message in it to open it again, or pick another channel",
                thread=channel.mention,
            )
    missing = missing_permissions(channel, me)
    return describe_pause(missing_reason(channel, missing)) if missing else None


def missing_reason(channel: discord.abc.GuildChannel | discord.Thread, missing: list[str]) -> str:
    """Return the pause reason for missing permissions (stored in English), naming them as Discord's settings do."""
    with using(DEFAULT_LOCALE):
        names = permission_names(missing)
    return pause_reason(
        N_("I am missing the {permissions} permission in {channel}"), permissions=names, channel=channel.mention
    )


def _stars(item: StoredItem) -> str:
    return "★" * item.difficulty + "☆" * (3 - item.difficulty)


def previous_answer(item: StoredItem) -> str:
    """Render the answer to an earlier post: the claim, whether it was a myth or a fact, the truth and the source."""
    claim = clip(discord.utils.escape_markdown(item.claim), 200)
    truth = clip(item.truth, 500)
    verdict = _("It's a **myth**.") if item.kind == "myth" else _("It's a **fact**.")
    return clip(f"*{claim}*\n{verdict} {truth}\n{render.source_markdown(item)}", render.FIELD_VALUE_MAX)


def post_embed(delivery: DailyDelivery) -> discord.Embed:
    """Build the daily post: today's claim to judge, and the answer to the previous one."""
    item = delivery.item
    embed = discord.Embed(
        title=_("Daily myth or fact"),
        colour=DAILY_COLOUR,
        description=clip(
            f"**{discord.utils.escape_markdown(item.claim)}**\n\n"
            + _(
                "Myth or fact? Answer once with the buttons; only you see whether you were right. "
                "Right answers score on the leaderboard and build your daily streak."
            ),
            render.DESCRIPTION_MAX,
        ),
    )
    if delivery.previous is not None:
        yesterday = delivery.previous_day == delivery.day - timedelta(days=1)
        embed.add_field(
            name=_("Yesterday's answer") if yesterday else _("Last time's answer"),
            value=previous_answer(delivery.previous),
            inline=False,
        )
    # The footer starts with a stable marker: after a crash, the scheduler finds the post by it.
    embed.set_footer(text=clip(f"{post_marker(delivery.day)} · {item.topic} · {_stars(item)}", render.FOOTER_MAX))
    return embed


def post_view(delivery: DailyDelivery) -> discord.ui.View:
    """Return the daily post's buttons: Myth, Fact and Play a quiz."""
    view = discord.ui.View(timeout=None)
    view.add_item(DailyAnswerButton(delivery.guild_id, delivery.day, "myth"))
    view.add_item(DailyAnswerButton(delivery.guild_id, delivery.day, "fact"))
    view.add_item(DailyQuizButton(delivery.guild_id))
    return view


def answer_reply(result: AnswerResult) -> discord.Embed:
    """Build the private acknowledgement of a recorded answer: right or wrong, the truth, the source, the streak."""
    item = result.item
    assert item is not None
    myth = item.kind == "myth"
    if result.correct:
        title = _("Right! It's a myth.") if myth else _("Right! It's a fact.")
        colour = render.FACT_COLOUR
    else:
        title = _("Not quite: it's a myth.") if myth else _("Not quite: it's a fact.")
        colour = render.MYTH_COLOUR
    embed = discord.Embed(title=title, colour=colour, description=clip(item.truth, render.DESCRIPTION_MAX))
    embed.add_field(name=_("Source"), value=render.source_markdown(item), inline=False)
    streak = result.streak
    if result.correct and streak is not None:
        embed.set_footer(
            text=_(
                "+{points} points · daily streak {current} (best {best})",
                points=result.points,
                current=streak.current,
                best=streak.best,
            )
        )
    else:
        embed.set_footer(text=_("Your daily streak starts again with the next right answer."))
    return embed


class DailyAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"mof:daily:(?P<guild>\d+):(?P<day>\d{4}-\d{2}-\d{2}):(?P<choice>myth|fact)",
):
    """Myth or Fact on a daily post: answered once per member, acknowledged privately; works after a restart."""

    def __init__(self, guild_id: int, day: date, choice: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Myth") if choice == "myth" else _("Fact"),
                style=discord.ButtonStyle.danger if choice == "myth" else discord.ButtonStyle.success,
                custom_id=f"mof:daily:{guild_id}:{day.isoformat()}:{choice}",
            )
        )
        self.guild_id = guild_id
        self.day = day
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> DailyAnswerButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["guild"]), date.fromisoformat(match["day"]), match["choice"])

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Record the answer once and tell the member privately whether it was right."""
        if interaction.guild_id != self.guild_id:
            await interaction.response.send_message(_("This daily post belongs to another server."), ephemeral=True)
            return
        now = discord.utils.utcnow()
        store = interaction.client.store
        zone = (await store.server_settings(self.guild_id)).zone()
        week = week_key(now, zone)
        result = await answer_daily(
            store, self.guild_id, self.day, interaction.user.id, self.choice, now, week, zone=zone
        )
        if result.status is AnswerStatus.RECORDED:
            await interaction.response.send_message(embed=answer_reply(result), ephemeral=True)
            interaction.client.dispatch(SCORES_CHANGED, self.guild_id, (interaction.user.id,))  # role rewards
            return
        if result.status is AnswerStatus.ALREADY_ANSWERED:
            message = _("You already answered this daily post; answers can't be changed. See you tomorrow!")
        elif result.status is AnswerStatus.OLD_POST:
            message = _("This daily post is over, so it can't be answered any more.")
            if result.latest:
                message += " " + _("Today's is here: {link}", link=post_url(result.latest))
        else:
            message = _("This item was retired from the fact store, so this daily post can't be answered.")
        await interaction.response.send_message(message, ephemeral=True)


class DailyQuizButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mof:daily-quiz:(?P<guild>\d+)"):
    """Starts a quiz in the daily post's channel, as the quiz command would."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Play a quiz"),
                emoji="🎲",
                style=discord.ButtonStyle.primary,
                custom_id=f"mof:daily-quiz:{guild_id}",
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> DailyQuizButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["guild"]))

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Start a quiz with the server's default settings; say privately why not if it can't start."""
        channel, guild = interaction.channel, interaction.guild
        if guild is None or guild.id != self.guild_id or not isinstance(channel, DailyChannel):
            await interaction.response.send_message(_("Quizzes start from a server's daily post."), ephemeral=True)
            return
        missing = missing_permissions(channel, guild.me)
        if missing:
            await interaction.response.send_message(
                _(
                    "I need the **{permission}** permission in this channel to run a quiz.",
                    permission=permission_names(missing),
                ),
                ephemeral=True,
            )
            return
        settings = await interaction.client.store.server_settings(guild.id)
        here = {channel.id, getattr(channel, "parent_id", None)}  # threads follow their channel
        if settings.allowed_channels and not here & set(settings.allowed_channels):
            await interaction.response.send_message(str(ChannelNotAllowed(settings.allowed_channels)), ephemeral=True)
            return
        prefix = await interaction.client.prefix_in(guild.id)
        try:
            await interaction.client.quiz_runner.start(
                guild_id=guild.id,
                channel_id=channel.id,
                starter_id=interaction.user.id,
                announce=lambda session, wanted: interaction.response.send_message(
                    render.quiz_announcement(session, wanted, None, interaction.user, f"{prefix}quiz stop")
                ),
                command_prefix=prefix,
            )
        except MythOrFactError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
