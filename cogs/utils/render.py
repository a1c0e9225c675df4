"""Turn store items into Discord embeds, always within Discord's size limits."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.catalog import PackSummary, StoredItem, TopicSummary
from bot.core.daily import DailySchedule
from bot.core.quiz import QuizSession
from bot.core.text import clip

MYTH_COLOUR = discord.Colour.from_rgb(231, 76, 60)
FACT_COLOUR = discord.Colour.from_rgb(46, 204, 113)
INFO_COLOUR = discord.Colour.blurple()

# Discord's limits (see shared/discord-limits.md).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
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
    return clip(f"{item.topic} · {stars} · id {item.ref}", FOOTER_MAX)


def item_embed(item: StoredItem, *, show_truth: bool) -> discord.Embed:
    """Build the embed for a myth or fact; a myth's truth appears only when ``show_truth`` is set."""
    claim = discord.utils.escape_markdown(item.claim)
    if item.kind == "myth":
        embed = discord.Embed(title="Myth", colour=MYTH_COLOUR, description=clip(f"**{claim}**", DESCRIPTION_MAX))
        if show_truth:
            embed.add_field(name="The truth", value=clip(item.truth, FIELD_VALUE_MAX), inline=False)
        else:
            embed.add_field(name="The truth", value="Hidden. Press **Reveal the truth** to see it.", inline=False)
    else:
        embed = discord.Embed(title="Fact", colour=FACT_COLOUR, description=clip(f"**{claim}**", DESCRIPTION_MAX))
        embed.add_field(name="Why", value=clip(item.truth, FIELD_VALUE_MAX), inline=False)
    embed.add_field(name="Source", value=source_markdown(item), inline=False)
    embed.set_footer(text=footer_text(item))
    return embed


SHARED_EMBEDS_MAX = 2048
_shared_embeds: dict[tuple[int, bool], tuple[StoredItem, discord.Embed]] = {}


def shared_item_embed(item: StoredItem, show_truth: bool) -> discord.Embed:
    """:func:`item_embed`, built once per item object and kept: the result is shared, so never change it.

    The store hands out the same object for an item until the item changes, so an edited item gets a new embed.
    """
    key = (item.pk, show_truth)
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
        title="The truth",
        colour=FACT_COLOUR,
        description=clip(f"~~{discord.utils.escape_markdown(item.claim)}~~\n\n{item.truth}", DESCRIPTION_MAX),
    )
    embed.add_field(name="Source", value=source_markdown(item), inline=False)
    embed.set_footer(text=footer_text(item))
    return embed


def topics_embed(topics: list[TopicSummary], packs: list[PackSummary]) -> discord.Embed:
    """Build the overview of topics and packs with their item counts."""
    embed = discord.Embed(title="Topics and packs", colour=INFO_COLOUR)
    topic_lines = [
        f"`{t.topic}`: {t.myths} myths, {t.facts} facts" + (f", {t.questions} questions" if t.questions else "")
        for t in topics
    ]
    pack_lines = [
        f"**{discord.utils.escape_markdown(p.name)}** (`{p.id}` v{p.version}): {p.items} items" for p in packs
    ]
    embed.add_field(name="Topics", value=_join_within(topic_lines, FIELD_VALUE_MAX) or "None yet.", inline=False)
    embed.add_field(name="Packs", value=_join_within(pack_lines, FIELD_VALUE_MAX) or "None yet.", inline=False)
    embed.set_footer(text="Use fact <topic> or myth <topic>, e.g. myth space")
    return embed


def search_embed(query: str, items: list[StoredItem]) -> discord.Embed:
    """Build the list of search results, each with its kind, claim and id."""
    embed = discord.Embed(title=clip(f"Search: {query}", TITLE_MAX), colour=INFO_COLOUR)
    for item in items:
        embed.add_field(
            name=clip(f"{item.kind.title()} · {item.ref}", 256),
            value=clip(discord.utils.escape_markdown(item.claim), FIELD_VALUE_MAX),
            inline=False,
        )
    embed.set_footer(text="Use source <id> to see an item in full.")
    return embed


def describe_moment(moment: datetime, schedule: DailySchedule) -> str:
    """Render a moment in the schedule's zone, with a Discord timestamp that each reader sees in their own."""
    local = moment.astimezone(schedule.tz)
    stamp = int(moment.timestamp())
    return f"{local:%a %d %b %Y, %H:%M} {schedule.zone} (<t:{stamp}:R>)"


def daily_schedule_lines(schedule: DailySchedule) -> list[str]:
    """Describe a daily schedule: the channel, the local time and zone, the topic, and the next post or the pause."""
    topic = f"`{schedule.topic}`" if schedule.topic else "all topics"
    lines = [
        f"Channel: <#{schedule.channel_id}>",
        f"Time: **{schedule.post_time:%H:%M}** {schedule.zone} · topic: {topic}",
    ]
    if schedule.paused_reason:
        lines.append(f"**Paused:** {schedule.paused_reason}. Run `daily set` again to resume.")
    else:
        lines.append(f"Next post: {describe_moment(schedule.next_due, schedule)}")
    return lines


def _join_within(lines: list[str], limit: int) -> str:
    """Join lines with newlines, stopping (with a count of the rest) before ``limit`` is passed."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index
        tail = f"…and {rest} more"
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
    about = f" about `{topic}`" if topic else ""
    short = f" (only {session.total_rounds} questions available)" if session.total_rounds < wanted else ""
    plural = "" if session.total_rounds == 1 else "s"
    return (
        f"**Quiz time!** {session.total_rounds} question{plural}{about}{short}, started by {starter.mention}. "
        f"`{stop_command}` ends it."
    )
