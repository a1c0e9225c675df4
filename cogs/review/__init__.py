"""Personal review: the myths and facts a member got wrong, brought back privately when they are due.

Slash replies are ephemeral; a prefix ``!review`` answers by DM (and says so in the channel, without revealing
anything), or explains that the member's DMs are closed. The rules live in :mod:`bot.core.review`.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError
from bot.core.i18n import _, _n
from bot.core.review import earliest_due, next_card
from bot.core.scheduling import local_day
from bot.core.text import clip
from cogs.review.views import ReviewAnswerButton, card_embed, card_view, nothing_due_embed, stats_embed
from cogs.utils.confirm import CONFIRM_SECONDS, ConfirmAction, ConfirmButton, confirmation_view

log = logging.getLogger(__name__)

REVIEW_OFF = "reviewoff"


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
        """Register the card buttons (they work after a restart) and the opt-out confirmation."""
        self.bot.add_dynamic_items(ReviewAnswerButton)
        ConfirmButton.register(ConfirmAction(REVIEW_OFF, _("Turn off and delete"), self._off_confirmed))

    async def cog_unload(self) -> None:
        """Stop handling the buttons while unloaded."""
        self.bot.remove_dynamic_items(ReviewAnswerButton)
        ConfirmButton.unregister(REVIEW_OFF)

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


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Review(bot))
