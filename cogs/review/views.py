"""What personal review looks like on Discord: a card with Myth/Fact buttons, the answer, and the stats.

The buttons are dynamic items with stable custom ids (``mof:review:<server>:<member>:<item>:<step>:<myth|fact>``,
and ``mof:review-start:<server>:<member>`` on a reminder), so a card or reminder sent by DM before a restart keeps
working. The id never says which answer is right; the step in it makes a second press of the same card (or a
replayed one) count once.
"""

from __future__ import annotations

import logging
import re
from datetime import date

import discord

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError
from bot.core.i18n import _, _n
from bot.core.review import (
    INTERVALS_DAYS,
    MASTERED,
    ReviewAnswer,
    ReviewCard,
    ReviewStats,
    answer_review,
    earliest_due,
    next_card,
)
from bot.core.text import clip
from cogs.utils import render

log = logging.getLogger(__name__)

REVIEW_COLOUR = discord.Colour.teal()


def day_text(day: date) -> str:
    """Render a local day for people, e.g. ``Fri 27 Nov 2026``."""
    return f"{day:%a %d %b %Y}"


def card_embed(card: ReviewCard) -> discord.Embed:
    """Build a review card: the claim to judge, and its step."""
    claim = discord.utils.escape_markdown(card.item.claim)
    embed = discord.Embed(
        title=_("Review: myth or fact?"),
        colour=REVIEW_COLOUR,
        description=clip(f"**{claim}**", render.DESCRIPTION_MAX),
    )
    footer = _("Step {step} of {steps} · id {ref}", step=card.step + 1, steps=MASTERED, ref=card.item.ref)
    embed.set_footer(text=clip(footer, render.FOOTER_MAX))
    return embed


def nothing_due_embed(next_due: date | None) -> discord.Embed:
    """Build the reply when no card is due: when the next one is, or how cards get here."""
    if next_due is not None:
        text = _("Nothing to review right now. Your next card is due on {day}.", day=day_text(next_due))
    else:
        text = _(
            "Nothing to review. Myths and facts you get wrong in quizzes and daily posts come back here, "
            "the next day and then after 3, 7 and 21 days, until you know them."
        )
    return discord.Embed(title=_("Personal review"), colour=REVIEW_COLOUR, description=text)


def answer_embed(answer: ReviewAnswer) -> discord.Embed:
    """Build the answer to a review press: right or wrong, the truth, the source, and when the card comes back."""
    item = answer.item
    if answer.correct:
        title = _("Right! It's a myth.") if item.kind == "myth" else _("Right! It's a fact.")
        colour = render.FACT_COLOUR
    else:
        title = _("Not quite: it's a myth.") if item.kind == "myth" else _("Not quite: it's a fact.")
        colour = render.MYTH_COLOUR
    embed = discord.Embed(title=title, colour=colour, description=clip(item.truth, render.DESCRIPTION_MAX))
    embed.add_field(name=_("Source"), value=render.source_markdown(item), inline=False)
    outcome = answer.outcome
    if outcome.mastered:
        when = _("Mastered: this card won't come back.")
    elif answer.correct:
        days = INTERVALS_DAYS[outcome.step]
        when = _n("Next review in {count} day.", "Next review in {count} days.", days)
    else:
        when = _("Back to the first step: it comes back tomorrow.")
    streak = _n("review streak {count} day", "review streak {count} days", answer.streak.current)
    embed.set_footer(text=f"{when} · {streak}")
    return embed


def stats_embed(stats: ReviewStats, today: date) -> discord.Embed:
    """Build ``review stats``: due now, learning by step, mastered, the streak and the accuracy."""
    embed = discord.Embed(title=_("Your personal review"), colour=REVIEW_COLOUR)
    embed.add_field(name=_("Due now"), value=str(stats.due))
    embed.add_field(name=_("Mastered"), value=str(stats.mastered))
    embed.add_field(
        name=_("Review streak"),
        value=_n(
            "{count} day (best {best})",
            "{count} days (best {best})",
            stats.streak.shown_on(today),
            best=stats.streak.best,
        ),
    )
    steps = "\n".join(
        _n(
            "Step {step} (every {days} day): {cards}",
            "Step {step} (every {days} days): {cards}",
            days,
            step=step + 1,
            days=days,
            cards=stats.learning[step],
        )
        for step, days in enumerate(INTERVALS_DAYS)
    )
    embed.add_field(name=_("Learning"), value=steps, inline=False)
    if stats.reviews:
        accuracy = _n(
            "{percent}% right of {count} review",
            "{percent}% right of {count} reviews",
            stats.reviews,
            percent=round(stats.accuracy * 100),
        )
    else:
        accuracy = _("No reviews yet.")
    embed.add_field(name=_("Accuracy"), value=accuracy, inline=False)
    return embed


class ReviewAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"mof:review:(?P<guild>\d+):(?P<user>\d+):(?P<pk>\d+):(?P<step>\d):(?P<choice>myth|fact)",
):
    """Myth or Fact on a review card: only its member can press it, once; works after a restart and in DMs."""

    def __init__(self, guild_id: int, user_id: int, item_pk: int, step: int, choice: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Myth") if choice == "myth" else _("Fact"),
                style=discord.ButtonStyle.danger if choice == "myth" else discord.ButtonStyle.success,
                custom_id=f"mof:review:{guild_id}:{user_id}:{item_pk}:{step}:{choice}",
            )
        )
        self.guild_id, self.user_id, self.item_pk, self.step, self.choice = guild_id, user_id, item_pk, step, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ReviewAnswerButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["guild"]), int(match["user"]), int(match["pk"]), int(match["step"]), match["choice"])

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Judge the answer, show the truth and source, and put the next due card in the same message."""
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(
                _("This review card belongs to another member; nothing was recorded."), ephemeral=True
            )
            return
        store = interaction.client.store
        zone = (await store.server_settings(self.guild_id)).zone()
        try:
            answer = await answer_review(
                store,
                self.guild_id,
                self.user_id,
                self.item_pk,
                self.step,
                self.choice,
                discord.utils.utcnow(),
                zone,
            )
        except MythOrFactError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        embeds = [answer_embed(answer)]
        view = None
        if answer.next_card is not None:
            embeds.append(card_embed(answer.next_card))
            view = card_view(self.guild_id, self.user_id, answer.next_card)
        else:
            embeds.append(
                discord.Embed(
                    title=_("Personal review"),
                    colour=REVIEW_COLOUR,
                    description=_("That was the last card due today. Well done!"),
                )
            )
        await interaction.response.edit_message(content=None, embeds=embeds, view=view)


def card_view(guild_id: int, user_id: int, card: ReviewCard) -> discord.ui.View:
    """Return a card's Myth and Fact buttons for its member."""
    view = discord.ui.View(timeout=None)
    for choice in ("myth", "fact"):
        view.add_item(ReviewAnswerButton(guild_id, user_id, card.item.pk, card.step, choice))
    return view


class StartReviewButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"mof:review-start:(?P<guild>\d+):(?P<user>\d+)"
):
    """On a reminder DM: shows the member's first due card there and then."""

    def __init__(self, guild_id: int, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Start review"),
                style=discord.ButtonStyle.primary,
                custom_id=f"mof:review-start:{guild_id}:{user_id}",
            )
        )
        self.guild_id, self.user_id = guild_id, user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> StartReviewButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["guild"]), int(match["user"]))

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Answer with the first due card (or when the next one is due)."""
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(_("This reminder belongs to another member."), ephemeral=True)
            return
        store = interaction.client.store
        zone = (await store.server_settings(self.guild_id)).zone()
        now = discord.utils.utcnow()
        try:
            card = await next_card(store, self.guild_id, self.user_id, now, zone)
        except MythOrFactError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        if card is None:
            upcoming = await earliest_due(store, self.guild_id, self.user_id, now, zone)
            await interaction.response.send_message(embed=nothing_due_embed(upcoming), ephemeral=True)
            return
        await interaction.response.send_message(
            embed=card_embed(card), view=card_view(self.guild_id, self.user_id, card), ephemeral=True
        )


def reminder_view(guild_id: int, user_id: int) -> discord.ui.View:
    """Return a reminder's Start review button."""
    view = discord.ui.View(timeout=None)
    view.add_item(StartReviewButton(guild_id, user_id))
    return view
