"""Personal review: the myths and facts a member got wrong, brought back privately when they are due.

Slash replies are ephemeral; a prefix ``!review`` answers by DM (and says so in the channel, without revealing
anything), or explains that the member's DMs are closed. Members who ask for it get one DM a day when cards are
due, from a task that looks every hour. The rules live in :mod:`bot.core.review`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app.client import MythOrFactBot
from bot.core.daily import Pacer
from bot.core.errors import MythOrFactError, StorageUnavailable
from bot.core.i18n import _, _n
from bot.core.review import REMINDERS_PER_SECOND, ReviewOff, ReviewReminders, earliest_due, next_card
from bot.core.scheduling import local_day
from bot.core.text import clip
from cogs.review.views import (
    ReviewAnswerButton,
    StartReviewButton,
    card_embed,
    card_view,
    nothing_due_embed,
    reminder_view,
    stats_embed,
)
from cogs.utils.confirm import CONFIRM_SECONDS, ConfirmAction, ConfirmButton, confirmation_view

log = logging.getLogger(__name__)

REVIEW_OFF = "reviewoff"
REMINDER_CHECK_MINUTES = 60
"""How often the reminder task looks for members with cards due (each gets at most one DM a local day)."""


async def reply_privately(ctx: commands.Context[MythOrFactBot], **message: Any) -> None:
    """Answer only the member: ephemerally for a slash command, by DM for a prefix one (saying so in the channel)."""
    if ctx.interaction is not None:
        await ctx.send(ephemeral=True, **message)
        return
    try:
        await ctx.author.send(**message)
    except discord.Forbidden:
        raise MythOrFactError(
            _(
                "I couldn't send you a DM (your DMs are closed to me). Use `/review start` instead: "
                "it is shown only to you."
            )
        ) from None
    await ctx.send(_("I sent it to you by DM."))


class Review(commands.Cog):
    """Personal review of the myths and facts you got wrong."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the buttons (they work after a restart) and the opt-out confirmation; start the reminders."""
        self.bot.add_dynamic_items(ReviewAnswerButton, StartReviewButton)
        ConfirmButton.register(ConfirmAction(REVIEW_OFF, _("Turn off and delete"), self._off_confirmed))
        pacer = Pacer(REMINDERS_PER_SECOND, discord.utils.utcnow, asyncio.sleep)
        self.reminders = ReviewReminders(self.bot.store, self._send_reminder, self._zone_of, pacer.wait)
        self.remind_due.start()

    async def cog_unload(self) -> None:
        """Stop the reminders and the buttons while unloaded."""
        self.remind_due.cancel()
        self.bot.remove_dynamic_items(ReviewAnswerButton, StartReviewButton)
        ConfirmButton.unregister(REVIEW_OFF)

    # -- reminders -----------------------------------------------------------------------------

    @tasks.loop(minutes=REMINDER_CHECK_MINUTES)
    async def remind_due(self) -> None:
        """DM the members who asked for it that cards are due (the servers of this process's shards).

        A failed pass is logged and the next one tries again; reminders claimed in the database are never doubled.
        """
        try:
            sent = await self.reminders.run_pass(discord.utils.utcnow(), self.bot.shard_set)
        except StorageUnavailable as exc:
            log.warning("Review reminders could not run, the database is unavailable (%s); next turn", exc.cause)
            return
        except Exception:
            log.exception("Review reminders failed; trying again at the next turn")
            return
        if sent:
            log.info("Sent %d review reminder(s)", sent)

    @remind_due.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def _zone_of(self, guild_id: int):
        return (await self.bot.store.server_settings(guild_id)).zone()

    async def _send_reminder(self, guild_id: int, user_id: int, due: int) -> bool:
        """DM one member that ``due`` cards wait in a server; ``False`` when their DMs are closed to the bot."""
        guild = self.bot.get_guild(guild_id)
        server = discord.utils.escape_markdown(clip(guild.name, 100)) if guild else _("a server")
        text = _n(
            "You have {count} card due for review in **{server}**. Press the button, or run `/review start` there.",
            "You have {count} cards due for review in **{server}**. Press the button, or run `/review start` there.",
            due,
            server=server,
        )
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text, view=reminder_view(guild_id, user_id))
        except discord.Forbidden:
            return False
        except discord.NotFound:  # the account is gone
            return False
        return True

    @commands.hybrid_group(name="review", fallback="start", invoke_without_command=True)
    @commands.guild_only()
    @app_commands.guild_only()
    async def review(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Review the myths and facts you got wrong, privately, when they are due."""
        assert ctx.guild is not None
        now = discord.utils.utcnow()
        zone = (await self.bot.store.server_settings(ctx.guild.id)).zone()
        card = await next_card(self.bot.store, ctx.guild.id, ctx.author.id, now, zone)
        if card is None:
            upcoming = await earliest_due(self.bot.store, ctx.guild.id, ctx.author.id, now, zone)
            await reply_privately(ctx, embed=nothing_due_embed(upcoming))
            return
        await reply_privately(ctx, embed=card_embed(card), view=card_view(ctx.guild.id, ctx.author.id, card))

    @review.command(name="stats")
    @commands.guild_only()
    async def stats(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Your review in this server: due now, learning, mastered, streak and accuracy."""
        assert ctx.guild is not None
        today = local_day(discord.utils.utcnow(), (await self.bot.store.server_settings(ctx.guild.id)).zone())
        stats = await self.bot.store.review_stats(ctx.guild.id, ctx.author.id, today)
        await reply_privately(ctx, embed=stats_embed(stats, today))

    @review.command(name="off", extras={"private_reply": True})
    @commands.guild_only()
    async def turn_off(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Stop personal review in this server and delete your review data (asks first)."""
        assert ctx.guild is not None
        if await self.bot.store.review_opted_out(ctx.guild.id, ctx.author.id):
            await ctx.send(_("Your personal review is already off in this server."), ephemeral=True)
            return
        await ctx.send(
            _(
                "This turns your personal review off in **{server}** and deletes your review cards, streak and "
                "numbers there; nothing you get wrong is kept for review until you run `review on`. "
                "The buttons work for {minutes} minutes.",
                server=discord.utils.escape_markdown(clip(ctx.guild.name, 100)),
                minutes=CONFIRM_SECONDS // 60,
            ),
            view=confirmation_view(REVIEW_OFF, ctx.author.id, str(ctx.guild.id)),
            ephemeral=True,
        )

    async def _off_confirmed(self, interaction: discord.Interaction[MythOrFactBot], user_id: int, guild: str) -> str:
        """Turn review off for the member in the server of the confirmation and delete their review data."""
        deleted = await self.bot.store.set_review_opt_out(int(guild), user_id, True)
        log.info("Review turned off by member %s in guild %s (%d cards deleted)", user_id, guild, deleted)
        return _n(
            "Done. Your personal review is off here and {count} card was deleted. Turn it back on with `review on`.",
            "Done. Your personal review is off here and {count} cards were deleted. Turn it back on with `review on`.",
            deleted,
        )

    @review.command(name="on", extras={"private_reply": True})
    @commands.guild_only()
    async def turn_on(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Turn personal review back on in this server."""
        assert ctx.guild is not None
        if not await self.bot.store.review_opted_out(ctx.guild.id, ctx.author.id):
            await ctx.send(_("Your personal review is already on in this server."), ephemeral=True)
            return
        await self.bot.store.set_review_opt_out(ctx.guild.id, ctx.author.id, False)
        await ctx.send(
            _("Your personal review is on again: myths and facts you get wrong come back for review."), ephemeral=True
        )

    @review.command(name="remind", extras={"private_reply": True})
    @commands.guild_only()
    @app_commands.describe(setting="on: a DM on days when cards are due; off: no reminders")
    async def remind(self, ctx: commands.Context[MythOrFactBot], setting: Literal["on", "off"]) -> None:
        """Get a DM on days when review cards are due here, or stop them."""
        assert ctx.guild is not None
        if setting == "off":
            await self.bot.store.set_review_reminder(ctx.guild.id, ctx.author.id, False)
            await ctx.send(_("Review reminders are off in this server."), ephemeral=True)
            return
        if await self.bot.store.review_opted_out(ctx.guild.id, ctx.author.id):
            raise ReviewOff
        await self.bot.store.set_review_reminder(ctx.guild.id, ctx.author.id, True)
        await ctx.send(
            _(
                "Review reminders are on: on days when cards are due here, I send you one DM. "
                "Keep your DMs open to me (if they are closed, reminders turn themselves off)."
            ),
            ephemeral=True,
        )


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Review(bot))
