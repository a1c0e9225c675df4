"""Turn store items into Discord embeds, always within Discord's size limits."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.catalog import PackSummary, StoredItem, TopicSummary
from bot.core.daily import DailySchedule, describe_pause
from bot.core.i18n import LOCALE, _, _n
from bot.core.quiz import QuizSession
from bot.core.scores import BoardKey
from bot.core.text import clip

MYTH_COLOUR = discord.Colour.from_rgb(231, 76, 60)
FACT_COLOUR = discord.Colour.from_rgb(46, 204, 113)
INFO_COLOUR = discord.Colour.blurple()

# Discord's limits (see shared/discord-limits.md).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048


def source_markdown(item: StoredItem) -> str:
    """Render the source as a Markdown link (or the citation when there is no URL)."""
    title = discord.utils.escape_markdown(item.source.title).replace("[", "(").replace("]", ")")
    if item.source.url:
        url = item.source.url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        text = f"[{title}]({url})"
    else:
        text = title
    if item.source.citation:
        text = f"{text}\n{discord.utils.escape_markdown(item.source.citation)}"
    return clip(text, FIELD_VALUE_MAX)


def footer_text(item: StoredItem) -> str:
    """Return the footer line: topic, difficulty and the id to use with ``source``."""
    stars = "★" * item.difficulty + "☆" * (3 - item.difficulty)
    return clip(_("{topic} · {stars} · id {ref}", topic=item.topic, stars=stars, ref=item.ref), FOOTER_MAX)


def item_embed(item: StoredItem, *, show_truth: bool) -> discord.Embed:
    """Build the embed for a myth or fact; a myth's truth appears only when ``show_truth`` is set."""
    claim = discord.utils.escape_markdown(item.claim)
    if item.kind == "myth":
        embed = discord.Embed(title=_("Myth"), colour=MYTH_COLOUR, description=clip(f"**{claim}**", DESCRIPTION_MAX))
        if show_truth:
            embed.add_field(name=_("The truth"), value=clip(item.truth, FIELD_VALUE_MAX), inline=False)
        else:
            embed.add_field(name=_("The truth"), value=_("Hidden. Press **Reveal the truth** to see it."), inline=False)
    else:
        embed = discord.Embed(title=_("Fact"), colour=FACT_COLOUR, description=clip(f"**{claim}**", DESCRIPTION_MAX))
        embed.add_field(name=_("Why"), value=clip(item.truth, FIELD_VALUE_MAX), inline=False)
    embed.add_field(name=_("Source"), value=source_markdown(item), inline=False)
    embed.set_footer(text=footer_text(item))
    return embed


SHARED_EMBEDS_MAX = 2048
_shared_embeds: dict[tuple[int, bool, str], tuple[StoredItem, discord.Embed]] = {}


def shared_item_embed(item: StoredItem, show_truth: bool) -> discord.Embed:
    """:func:`item_embed`, built once per item object and kept: the result is shared, so never change it.

    The store hands out the same object for an item until the item changes, so an edited item gets a new embed.
    Each language has its own (the titles and the footer are translated).
    """
    key = (item.pk, show_truth, LOCALE.get())
    cached = _shared_embeds.get(key)
    if cached is not None and cached[0] is item:
        return cached[1]
    if len(_shared_embeds) >= SHARED_EMBEDS_MAX:
        _shared_embeds.clear()
    embed = item_embed(item, show_truth=show_truth)
    _shared_embeds[key] = (item, embed)
    return embed


def truth_embed(item: StoredItem) -> discord.Embed:
    """Build the private reply to a Reveal click: the truth behind a myth, with its source."""
    embed = discord.Embed(
        title=_("The truth"),
        colour=FACT_COLOUR,
        description=clip(f"~~{discord.utils.escape_markdown(item.claim)}~~\n\n{item.truth}", DESCRIPTION_MAX),
    )
    embed.add_field(name=_("Source"), value=source_markdown(item), inline=False)
    embed.set_footer(text=footer_text(item))
    return embed


def topics_embed(topics: list[TopicSummary], packs: list[PackSummary]) -> discord.Embed:
    """Build the overview of topics and packs with their item counts."""
    embed = discord.Embed(title=_("Topics and packs"), colour=INFO_COLOUR)
    topic_lines = [
        _("`{topic}`: {myths} myths, {facts} facts", topic=t.topic, myths=t.myths, facts=t.facts)
        + (_(", {count} questions", count=t.questions) if t.questions else "")
        for t in topics
    ]
    pack_lines = [
        _(
            "**{name}** (`{id}` v{version}): {count} items",
            name=discord.utils.escape_markdown(p.name),
            id=p.id,
            version=p.version,
            count=p.items,
        )
        for p in packs
    ]
    none_yet = _("None yet.")
    embed.add_field(name=_("Topics"), value=_join_within(topic_lines, FIELD_VALUE_MAX) or none_yet, inline=False)
    embed.add_field(name=_("Packs"), value=_join_within(pack_lines, FIELD_VALUE_MAX) or none_yet, inline=False)
    embed.set_footer(text=_("Use fact <topic> or myth <topic>, e.g. myth space"))
    return embed


def search_embed(query: str, items: list[StoredItem]) -> discord.Embed:
    """Build the list of search results, each with its kind, claim and id."""
    embed = discord.Embed(title=clip(_("Search: {query}", query=query), TITLE_MAX), colour=INFO_COLOUR)
    for item in items:
        kind = _("Myth") if item.kind == "myth" else _("Fact")
        embed.add_field(
            name=clip(f"{kind} · {item.ref}", 256),
            value=clip(discord.utils.escape_markdown(item.claim), FIELD_VALUE_MAX),
            inline=False,
        )
    embed.set_footer(text=_("Use source <id> to see an item in full."))
    return embed


def describe_moment(moment: datetime, schedule: DailySchedule) -> str:
    """Render a moment in the schedule's zone, with a Discord timestamp that each reader sees in their own."""
    local = moment.astimezone(schedule.tz)
    stamp = int(moment.timestamp())
    return f"{local:%a %d %b %Y, %H:%M} {schedule.zone} (<t:{stamp}:R>)"


def daily_schedule_lines(schedule: DailySchedule) -> list[str]:
    """Describe a daily schedule: the channel, the local time and zone, the topic, and the next post or the pause."""
    topic = f"`{schedule.topic}`" if schedule.topic else _("all topics")
    lines = [
        _("Channel: <#{channel_id}>", channel_id=schedule.channel_id),
        _(
            "Time: **{time}** {zone} · topic: {topic}",
            time=schedule.post_time.strftime("%H:%M"),
            zone=schedule.zone,
            topic=topic,
        ),
    ]
    if schedule.paused_reason:
        lines.append(
            _("**Paused:** {reason}. Run `daily set` again to resume.", reason=describe_pause(schedule.paused_reason))
        )
    else:
        lines.append(_("Next post: {moment}", moment=describe_moment(schedule.next_due, schedule)))
    return lines


def _join_within(lines: list[str], limit: int) -> str:
    """Join lines with newlines, stopping (with a count of the rest) before ``limit`` is passed."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index
        tail = _("…and {count} more", count=rest)
        if used + len(line) + 1 > limit - len(tail) - 1:
            out.append(tail)
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def quiz_announcement(
    session: QuizSession, wanted: int, topic: str | None, starter: discord.abc.User, stop_command: str
) -> str:
    """Return the line that opens a quiz: how many questions, about what, who started it and how to stop it."""
    count, fields = session.total_rounds, {"topic": topic, "starter": starter.mention, "stop": stop_command}
    if topic:
        opening = _n(
            "**Quiz time!** {count} question about `{topic}`, started by {starter}. `{stop}` ends it.",
            "**Quiz time!** {count} questions about `{topic}`, started by {starter}. `{stop}` ends it.",
            count,
            **fields,
        )
    else:
        opening = _n(
            "**Quiz time!** {count} question, started by {starter}. `{stop}` ends it.",
            "**Quiz time!** {count} questions, started by {starter}. `{stop}` ends it.",
            count,
            **fields,
        )
    if session.total_rounds < wanted:
        opening += " " + _n(
            "(only {count} question was available)", "(only {count} questions were available)", session.total_rounds
        )
    return opening


CUSTOM_ID_MAX = 100
"""Discord's limit for a component's custom id."""


def continued_custom_id(base: str, *, after: BoardKey | None, before: BoardKey | None) -> str:
    """Return a board page button's custom id: ``base`` and the line it continues from (``a`` after, ``b`` before).

    Ids that would pass Discord's 100 characters keep ``base`` alone (the page is then found by offset).
    """
    side, key = ("a", after) if after is not None else ("b", before)
    if key is not None:
        with_key = f"{base}:{side}{key.points}.{key.correct}.{key.user_id}"
        if len(with_key) <= CUSTOM_ID_MAX:
            return with_key
    return base
