"""What custom facts, suggestions and the review queue look like on Discord: the form, its buttons, the queue.

Buttons that must work after a restart are dynamic items with stable custom ids that carry what they act on:
``mof:form:<purpose>:<member>:<kind>:<number>[:<difficulty>]`` opens the form for the member who asked, and
``mof:review:<action>:<id>`` approves or rejects a suggestion, or hides or dismisses a disputed item.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

import discord

from bot.app.client import MythOrFactBot
from bot.core.content import (
    CLAIM_LENGTH,
    CUSTOM_DIFFICULTY,
    SOURCE_TEXT_MAX,
    TRUTH_LENGTH,
    CustomFact,
    DisputedItem,
    HiddenItem,
    Suggestion,
    check_draft,
    difficulty_name,
    format_source,
    suggestion_limit_message,
)
from bot.core.errors import InvalidContent, MythOrFactError, SuggestionLimit
from bot.core.i18n import N_, _, _n
from bot.core.text import clip
from cogs.utils import render
from cogs.utils.checks import FriendlyCheckFailure, NotModerator, is_moderator, require_moderator

log = logging.getLogger(__name__)

Purpose = Literal["add", "edit", "suggest"]
QUEUE_SIZE = 5
"""Entries per queue message: one row of buttons each, and Discord allows five rows."""
LIST_PAGE_SIZE = 10
DIFFICULTY_MAX = 10
"""The difficulty field's length: room for a word like "medium" and a stray space."""


def safe_text(text: str, limit: int) -> str:
    """Return user text for a plain message: clipped, with Markdown and mentions defused."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(clip(" ".join(text.split()), limit)))


def mention(user_id: int) -> str:
    """Return a member's mention (shown as their name; the bot never pings)."""
    return f"<@{user_id}>"


def _escaped(text: str, limit: int) -> str:
    return clip(discord.utils.escape_markdown(text), limit)


# -- the form ---------------------------------------------------------------------------------------------


def form_title(purpose: Purpose, kind: str, number: int) -> str:
    """Return the form's title: what it writes, and which kind."""
    myth = kind == "myth"
    if purpose == "add":
        return _("New custom myth") if myth else _("New custom fact")
    if purpose == "edit":
        return (
            _("Edit custom/{number} (myth)", number=number) if myth else _("Edit custom/{number} (fact)", number=number)
        )
    return _("Suggest a myth") if myth else _("Suggest a fact")


def kind_name(kind: str) -> str:
    """Return "myth" or "fact" in the reader's language, lowercase, for the middle of a line."""
    return _("myth") if kind == "myth" else _("fact")


@dataclass(frozen=True, slots=True)
class FormValues:
    """What the form shows when it opens: an item being edited, or a submission to correct."""

    claim: str = ""
    truth: str = ""
    source: str = ""
    topic: str = ""
    difficulty: str = ""
    """Custom facts only: easy, medium or hard (or 1-3)."""


def text_field(
    custom_id: str,
    *,
    label: str,
    placeholder: str,
    max_length: int,
    min_length: int | None = None,
    paragraph: bool = False,
    required: bool = True,
    default: str = "",
) -> discord.ui.TextInput:
    """Return a field of the form, opened with ``default`` cut to the field's length (empty if none)."""
    return discord.ui.TextInput(
        label=label,
        custom_id=custom_id,
        style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
        required=required,
        min_length=min_length,
        max_length=max_length,
        placeholder=placeholder,
        default=default[:max_length] or None,
    )


class FactForm(discord.ui.Modal):
    """The form for a custom fact (new or edited) or a member's suggestion (which has no difficulty field)."""

    def __init__(self, purpose: Purpose, kind: str, number: int = 0, values: FormValues | None = None) -> None:
        super().__init__(title=clip(form_title(purpose, kind, number), 45))
        self.purpose = purpose
        self.kind = kind
        self.number = number
        values = values or FormValues()
        self.claim = text_field(
            "claim",
            label=_("Claim"),
            placeholder=_("e.g. An octopus has three hearts."),
            min_length=CLAIM_LENGTH[0],
            max_length=CLAIM_LENGTH[1],
            paragraph=True,
            default=values.claim,
        )
        self.truth = text_field(
            "truth",
            label=_("The truth, or why it is true"),
            placeholder=_("For a myth, what is actually true; for a fact, the explanation."),
            min_length=TRUTH_LENGTH[0],
            max_length=TRUTH_LENGTH[1],
            paragraph=True,
            default=values.truth,
        )
        self.source = text_field(
            "source",
            label=_("Source: a title, a link, or both"),
            placeholder=_("e.g. Octopus https://en.wikipedia.org/wiki/Octopus"),
            max_length=SOURCE_TEXT_MAX,
            default=values.source,
        )
        self.topic = text_field(
            "topic",
            label=_("Topic"),
            placeholder=_("e.g. animals, space or human body"),
            max_length=40,
            default=values.topic,
        )
        for field in (self.claim, self.truth, self.source, self.topic):
            self.add_item(field)
        self.opened_difficulty = values.difficulty[:DIFFICULTY_MAX] or difficulty_name(CUSTOM_DIFFICULTY)
        """What the difficulty field opened with; an emptied field keeps it."""
        self.difficulty = text_field(
            "difficulty",
            label=_("Difficulty: easy, medium or hard"),
            placeholder=_("easy, medium or hard (or 1, 2, 3); left empty, it stays as it was"),
            max_length=DIFFICULTY_MAX,
            required=False,
            default=self.opened_difficulty,
        )
        if purpose != "suggest":  # members' suggestions take the default; a moderator can edit it later
            self.add_item(self.difficulty)

    def typed(self) -> FormValues:
        """Return what was submitted."""
        difficulty = "" if self.purpose == "suggest" else str(self.difficulty.value).strip() or self.opened_difficulty
        return FormValues(
            str(self.claim.value), str(self.truth.value), str(self.source.value), str(self.topic.value), difficulty
        )

    async def on_submit(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Check and save the submission; a bad one saves nothing and offers the form again, filled in."""
        try:
            message, embed = await self._save(interaction)
        except (MythOrFactError, FriendlyCheckFailure) as error:
            # Bad fields can be fixed in the same form; a refusal (limit, permission) cannot.
            fixable = isinstance(error, InvalidContent)
            extra = {"view": RetryView(FactForm(self.purpose, self.kind, self.number, self.typed()))} if fixable else {}
            await interaction.response.send_message(clip(str(error), 2000), ephemeral=True, **extra)
            return
        await interaction.response.send_message(message, embed=embed, ephemeral=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        """Log an unexpected failure and apologise; the member never sees a traceback."""
        log.error("Saving a %s form failed", self.purpose, exc_info=error)
        apology = _("Sorry, something went wrong on my side and nothing was saved. Please try again in a moment.")
        if interaction.response.is_done():
            await interaction.followup.send(apology, ephemeral=True)
        else:
            await interaction.response.send_message(apology, ephemeral=True)

    async def _save(self, interaction: discord.Interaction[MythOrFactBot]) -> tuple[str, discord.Embed | None]:
        store = interaction.client.store
        guild = interaction.guild
        assert guild is not None
        settings = await store.server_settings(guild.id)
        typed = self.typed()
        level = typed.difficulty or CUSTOM_DIFFICULTY
        draft = check_draft(self.kind, typed.claim, typed.truth, typed.source, typed.topic, level)
        now = discord.utils.utcnow()
        if self.purpose == "suggest":
            suggestion = await store.add_suggestion(
                guild.id, interaction.user.id, draft, settings.suggestions_per_day, now
            )
            log.info("Suggestion %s in guild %s", suggestion.id, guild.id)
            message = _("Thanks! Your suggestion #{id} is waiting for the moderators to review it.", id=suggestion.id)
            return message, None
        await require_moderator(interaction.user, guild, settings)
        if self.purpose == "add":
            fact = await store.add_custom_fact(guild.id, draft, interaction.user.id, now)
            message = (
                _("Saved as `{ref}`. It joins this server's rotation of myths.", ref=fact.item.ref)
                if fact.item.kind == "myth"
                else _("Saved as `{ref}`. It joins this server's rotation of facts.", ref=fact.item.ref)
            )
        else:
            fact = await store.edit_custom_fact(guild.id, self.number, draft, interaction.user.id, now)
            message = _("Saved your changes to `{ref}`.", ref=fact.item.ref)
        log.info("Custom fact %s %s in guild %s", fact.item.ref, self.purpose, guild.id)
        return message, render.item_embed(fact.item, show_truth=True)


class RetryView(discord.ui.View):
    """Offers a rejected form again, filled in with what was typed, so nothing has to be retyped."""

    def __init__(self, form: FactForm) -> None:
        super().__init__(timeout=900)
        self.form = form

        self.reopen.label = _("Fix and try again")

    @discord.ui.button(label=N_("Fix and try again"), style=discord.ButtonStyle.primary)
    async def reopen(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Open the form again with the previous text."""
        await interaction.response.send_modal(self.form)


async def prepare_form(
    bot: MythOrFactBot,
    member: discord.Member | discord.User,
    guild: discord.Guild,
    purpose: Purpose,
    kind: str | None,
    number: int = 0,
    difficulty: int | None = None,
) -> FactForm:
    """Check that ``member`` may open the form now and return it (filled in when editing).

    ``difficulty`` (a custom fact's, 1-3) fills in the form's difficulty; otherwise the default or the fact's own.

    Raise a friendly error otherwise: not a moderator, no such custom fact, or no suggestions left today.
    """
    store = bot.store
    settings = await store.server_settings(guild.id)
    if purpose == "suggest":
        used = await store.suggestions_today(guild.id, member.id, discord.utils.utcnow())
        if used >= settings.suggestions_per_day:
            raise SuggestionLimit(suggestion_limit_message(settings.suggestions_per_day))
        return FactForm(purpose, kind or "fact")
    await require_moderator(member, guild, settings)
    if purpose == "add":
        chosen = difficulty_name(difficulty or CUSTOM_DIFFICULTY)
        return FactForm(purpose, kind or "fact", values=FormValues(difficulty=chosen))
    fact = await store.custom_fact(guild.id, number)
    item = fact.item
    level = difficulty_name(difficulty or item.difficulty)
    values = FormValues(item.claim, item.truth, format_source(item.source), item.topic, level)
    return FactForm(purpose, kind or item.kind, number, values)


class OpenFormButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"mof:form:(?P<purpose>add|edit|suggest):(?P<user>\d+):(?P<kind>myth|fact|keep):(?P<number>\d+)"
        r"(?::(?P<difficulty>[1-3]))?"
    ),
):
    """Opens the form for the member who typed the prefix command (a prefix command cannot open one itself)."""

    def __init__(
        self, purpose: Purpose, user_id: int, kind: str | None, number: int = 0, difficulty: int | None = None
    ) -> None:
        chosen = f":{difficulty}" if difficulty else ""
        super().__init__(
            discord.ui.Button(
                label=_("Open the form"),
                style=discord.ButtonStyle.primary,
                custom_id=f"mof:form:{purpose}:{user_id}:{kind or 'keep'}:{number}{chosen}",
            )
        )
        self.purpose = purpose
        self.user_id = user_id
        self.kind = kind
        self.number = number
        self.difficulty = difficulty

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> OpenFormButton:
        """Rebuild the button from its custom id."""
        kind = None if match["kind"] == "keep" else match["kind"]
        difficulty = int(match["difficulty"]) if match["difficulty"] else None
        return cls(match["purpose"], int(match["user"]), kind, int(match["number"]), difficulty)  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Open the form, after checking again that the clicker may."""
        if interaction.user.id != self.user_id:
            command = "suggest" if self.purpose == "suggest" else f"customfact {self.purpose}"
            await interaction.response.send_message(
                _(
                    "This form belongs to the member who asked for it. Use `{command}` to get your own.",
                    command=command,
                ),
                ephemeral=True,
            )
            return
        assert interaction.guild is not None
        try:
            form = await prepare_form(
                interaction.client,
                interaction.user,
                interaction.guild,
                self.purpose,
                self.kind,
                self.number,
                self.difficulty,
            )
        except (MythOrFactError, FriendlyCheckFailure) as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        await interaction.response.send_modal(form)


def open_form_view(
    purpose: Purpose, user_id: int, kind: str | None, number: int = 0, difficulty: int | None = None
) -> discord.ui.View:
    """Return a view holding the Open the form button."""
    view = discord.ui.View(timeout=None)
    view.add_item(OpenFormButton(purpose, user_id, kind, number, difficulty))
    return view


class RemoveButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mof:unfact:(?P<user>\d+):(?P<number>\d+)"):
    """Confirms the removal of a custom fact; only the moderator who asked can press it."""

    def __init__(self, user_id: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Remove custom/{number}", number=number),
                style=discord.ButtonStyle.danger,
                custom_id=f"mof:unfact:{user_id}:{number}",
            )
        )
        self.user_id = user_id
        self.number = number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> RemoveButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["user"]), int(match["number"]))

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Remove the fact (after checking the clicker again) and say so in place of the question."""
        if interaction.user.id != self.user_id or interaction.guild is None:
            await interaction.response.send_message(
                _("Only the moderator who asked can confirm this removal."), ephemeral=True
            )
            return
        store = interaction.client.store
        guild = interaction.guild
        try:
            await require_moderator(interaction.user, guild, await store.server_settings(guild.id))
            fact = await store.remove_custom_fact(guild.id, self.number, self.user_id, discord.utils.utcnow())
        except (MythOrFactError, FriendlyCheckFailure) as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        log.info("Custom fact %s removed in guild %s", fact.item.ref, guild.id)
        await interaction.response.edit_message(
            content=_(
                "Removed `{ref}`. It has left this server's rotation, and the number {number} will not be used again.",
                ref=fact.item.ref,
                number=fact.number,
            ),
            view=None,
        )


def confirm_removal(fact: CustomFact, user_id: int) -> tuple[str, discord.ui.View]:
    """Return the question asked before removing a custom fact, with its confirmation button."""
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveButton(user_id, fact.number))
    question = _(
        "Remove `{ref}` ({kind}): {claim}\nIt leaves this server's rotation for good. Press the button to confirm.",
        ref=fact.item.ref,
        kind=kind_name(fact.item.kind),
        claim=safe_text(fact.item.claim, 200),
    )
    return question, view


# -- listing custom facts ---------------------------------------------------------------------------------


def custom_facts_embed(facts: list[CustomFact], total: int, page: int) -> discord.Embed:
    """Build one page of the server's custom facts: number, kind, claim and who wrote it."""
    pages = max(1, -(-total // LIST_PAGE_SIZE))
    embed = discord.Embed(title=_("Custom facts"), colour=render.INFO_COLOUR)
    if not facts:
        embed.description = (
            _("This server has no custom facts yet. Moderators add them with `customfact add` (or `fact add`).")
            if total == 0
            else _("There is no page {page}: the last one is {pages}.", page=page, pages=pages)
        )
        return embed
    lines = []
    for fact in facts:
        credit = " · " + _("by {member}", member=mention(fact.author_id)) if fact.author_id else ""
        level = difficulty_name(fact.item.difficulty)
        lines.append(
            f"`{fact.item.ref}` {kind_name(fact.item.kind)} · {level} · {_escaped(fact.item.claim, 150)}{credit}"
        )
    embed.description = clip("\n".join(lines), render.DESCRIPTION_MAX)
    embed.set_footer(
        text=_n(
            "Page {page} of {pages} · {count} custom fact · customfact list <page> for more",
            "Page {page} of {pages} · {count} custom facts · customfact list <page> for more",
            total,
            page=page,
            pages=pages,
        )
    )
    return embed


def hidden_items_embed(hidden: list[HiddenItem], total: int, page: int) -> discord.Embed:
    """Build one page of the items hidden in the server: id, kind, claim, who hid it and when."""
    pages = max(1, -(-total // LIST_PAGE_SIZE))
    embed = discord.Embed(title=_("Hidden in this server"), colour=render.INFO_COLOUR)
    if not hidden:
        embed.description = (
            _("No items are hidden here. Moderators hide disputed items from the review queue (`suggestions`).")
            if total == 0
            else _("There is no page {page}: the last one is {pages}.", page=page, pages=pages)
        )
        return embed
    lines = [
        f"`{item.ref}` {kind_name(item.kind)} · {_escaped(item.text, 150)} · "
        + _("by {member} {when}", member=mention(item.hidden_by), when=discord.utils.format_dt(item.hidden_at, "R"))
        for item in hidden
    ]
    embed.description = clip("\n".join(lines), render.DESCRIPTION_MAX)
    embed.set_footer(
        text=_(
            "Page {page} of {pages} · {total} hidden · item unhide <id> puts one back",
            page=page,
            pages=pages,
            total=total,
        )
    )
    return embed


# -- the review queue -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """One message of the review queue: a heading, an embed per entry and a row of buttons per entry."""

    content: str
    embeds: list[discord.Embed]
    view: discord.ui.View | None


def suggestion_embed(suggestion: Suggestion) -> discord.Embed:
    """Show a pending suggestion in full (within a fifth of a message's embed budget)."""
    claim = _escaped(suggestion.claim, CLAIM_LENGTH[1])
    description = clip(f"**{claim}**\n\n{discord.utils.escape_markdown(suggestion.truth)}", 650)
    embed = discord.Embed(
        title=_("Suggestion #{id} · Myth", id=suggestion.id)
        if suggestion.kind == "myth"
        else _("Suggestion #{id} · Fact", id=suggestion.id),
        description=description,
        colour=render.MYTH_COLOUR if suggestion.kind == "myth" else render.FACT_COLOUR,
    )
    embed.add_field(name=_("Source"), value=_escaped(suggestion.source, 250), inline=False)
    when = discord.utils.format_dt(suggestion.created_at, "R")
    credit = _("by {member} {when}", member=mention(suggestion.user_id), when=when)
    embed.add_field(name=_("Topic"), value=f"`{suggestion.topic}` · {credit}", inline=False)
    return embed


def disputed_embed(item: DisputedItem) -> discord.Embed:
    """Show a disputed item with the reasons players gave."""
    reasons = "\n".join(f"• <@{r.user_id}>: {_escaped(' '.join(r.reason.split()), 200)}" for r in item.reasons)
    more = item.disputes - len(item.reasons)
    if more > 0:
        reasons += "\n" + _("…and {count} more", count=more)
    embed = discord.Embed(
        title=clip(
            _n("{ref} · {count} dispute", "{ref} · {count} disputes", item.disputes, ref=item.ref), render.TITLE_MAX
        ),
        description=clip(f"**{_escaped(item.text, 300)}** ({kind_name(item.kind)})\n\n{reasons}", 900),
        colour=render.INFO_COLOUR,
    )
    return embed


async def suggestion_queue(bot: MythOrFactBot, guild_id: int) -> QueueMessage:
    """Build the suggestions part of the review queue, from the store as it is now."""
    pending, total = await bot.store.pending_suggestions(guild_id, QUEUE_SIZE)
    if not pending:
        return QueueMessage(_("**Suggestions:** none waiting. Members send them with `suggest`."), [], None)
    view = discord.ui.View(timeout=None)
    for row, suggestion in enumerate(pending):
        view.add_item(ReviewButton("approve", suggestion.id, row=row))
        view.add_item(ReviewButton("reject", suggestion.id, row=row))
    content = (
        _("**Suggestions:** {total} waiting (the oldest {shown} shown).", total=total, shown=len(pending))
        if total > len(pending)
        else _("**Suggestions:** {total} waiting.", total=total)
    )
    return QueueMessage(content, [suggestion_embed(s) for s in pending], view)


async def dispute_queue(bot: MythOrFactBot, guild_id: int) -> QueueMessage:
    """Build the disputed-items part of the review queue, from the store as it is now."""
    items, total = await bot.store.disputed_items(guild_id, QUEUE_SIZE)
    if not items:
        return QueueMessage(_("**Disputed items:** none. Players dispute questions at a quiz reveal."), [], None)
    view = discord.ui.View(timeout=None)
    for row, item in enumerate(items):
        view.add_item(ReviewButton("hide", item.item_pk, label=_("Hide {ref} in this server", ref=item.ref), row=row))
        view.add_item(ReviewButton("dismiss", item.item_pk, label=_("Dismiss {ref}", ref=item.ref), row=row))
    content = (
        _(
            "**Disputed items:** {total} with open disputes (the {shown} most disputed shown).",
            total=total,
            shown=len(items),
        )
        if total > len(items)
        else _("**Disputed items:** {total} with open disputes.", total=total)
    )
    return QueueMessage(content, [disputed_embed(item) for item in items], view)


_LABELS = {
    "approve": N_("Approve #{id}"),
    "reject": N_("Reject #{id}"),
    "hide": N_("Hide in this server"),
    "dismiss": N_("Dismiss"),
}
_STYLES = {
    "approve": discord.ButtonStyle.success,
    "reject": discord.ButtonStyle.secondary,
    "hide": discord.ButtonStyle.danger,
    "dismiss": discord.ButtonStyle.secondary,
}


_REVIEW_ID = r"mof:review:(?P<action>approve|reject|hide|dismiss):(?P<id>\d+)"


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button], template=_REVIEW_ID):
    """A moderator's decision on a suggestion (approve, reject) or a disputed item (hide, dismiss)."""

    def __init__(self, action: str, target_id: int, *, label: str | None = None, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label or _(_LABELS[action], id=target_id), 80),
                style=_STYLES[action],
                custom_id=f"mof:review:{action}:{target_id}",
                row=row,
            )
        )
        self.action = action
        self.target_id = target_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ReviewButton:
        """Rebuild the button from its custom id."""
        return cls(match["action"], int(match["id"]), label=item.label)

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Check the clicker is a moderator, act, refresh the queue message and confirm privately."""
        guild = interaction.guild
        if guild is None:
            await interaction.response.send_message(_("The review queue only works in a server."), ephemeral=True)
            return
        bot = interaction.client
        settings = await bot.store.server_settings(guild.id)
        if not is_moderator(interaction.user, settings):
            role = guild.get_role(settings.mod_role_id) if settings.mod_role_id else None
            await interaction.response.send_message(str(NotModerator(role)), ephemeral=True)
            return
        try:
            note = await self._act(bot, guild.id, interaction.user.id)
        except MythOrFactError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        is_suggestion = self.action in ("approve", "reject")
        queue = await (suggestion_queue if is_suggestion else dispute_queue)(bot, guild.id)
        await interaction.response.edit_message(content=queue.content, embeds=queue.embeds, view=queue.view)
        await interaction.followup.send(note, ephemeral=True)

    async def _act(self, bot: MythOrFactBot, guild_id: int, moderator_id: int) -> str:
        """Do what the button says; return the confirmation for the moderator."""
        store = bot.store
        now = discord.utils.utcnow()
        if self.action in ("approve", "reject"):
            review = await store.review_suggestion(guild_id, self.target_id, self.action, moderator_id, now)  # type: ignore[arg-type]
            done = review.suggestion
            if not review.changed:
                return already_reviewed(done)
            if review.ref:
                return _(
                    "Approved suggestion #{id}: it is now `{ref}`, credited to {member}.",
                    id=done.id,
                    ref=review.ref,
                    member=mention(done.user_id),
                )
            return _("Rejected suggestion #{id}.", id=done.id)
        item = await store.get_item_by_pk(self.target_id)
        ref = f"`{item.ref}`" if item else _("this item")
        if self.action == "hide":
            hidden, closed = await store.hide_item(guild_id, self.target_id, moderator_id, now)
            if hidden:
                return _n(
                    "Hid {ref} in this server (it leaves the rotation here only; `item unhide` brings it back) "
                    "and closed {count} dispute.",
                    "Hid {ref} in this server (it leaves the rotation here only; `item unhide` brings it back) "
                    "and closed {count} disputes.",
                    closed,
                    ref=ref,
                )
            if closed:
                return _n(
                    "Already hidden in this server: {ref}; closed {count} dispute.",
                    "Already hidden in this server: {ref}; closed {count} disputes.",
                    closed,
                    ref=ref,
                )
            return _("Already hidden in this server: {ref}.", ref=ref)
        closed = await store.dismiss_disputes(guild_id, self.target_id, moderator_id, now)
        if closed:
            return _n(
                "Dismissed {count} dispute of {ref}; it stays in the rotation.",
                "Dismissed {count} disputes of {ref}; it stays in the rotation.",
                closed,
                ref=ref,
            )
        return _("Nothing to dismiss: the disputes of {ref} were already handled.", ref=ref)


def already_reviewed(suggestion: Suggestion) -> str:
    """Say that a suggestion was reviewed before (approved or rejected, and by whom); nothing changed."""
    approved = suggestion.status == "approved"
    if suggestion.reviewed_by:
        by = mention(suggestion.reviewed_by)
        if approved:
            return _("Suggestion #{id} was already approved by {member}; nothing changed.", id=suggestion.id, member=by)
        return _("Suggestion #{id} was already rejected by {member}; nothing changed.", id=suggestion.id, member=by)
    if approved:
        return _("Suggestion #{id} was already approved; nothing changed.", id=suggestion.id)
    return _("Suggestion #{id} was already rejected; nothing changed.", id=suggestion.id)
