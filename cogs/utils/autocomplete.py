"""Autocomplete shared by the cogs: the server's topics, matched as the member types."""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord import app_commands

from bot.app.client import MythOrFactBot
from bot.core.text import normalize_topic

AUTOCOMPLETE_MAX = 25
"""Discord shows at most 25 suggestions."""


def match_names(names: Sequence[str], needle: str, limit: int = AUTOCOMPLETE_MAX) -> list[str]:
    """Return the names that start with ``needle``, then those that contain it, at most ``limit``."""
    starts = [n for n in names if n.startswith(needle)]
    contains = [n for n in names if needle in n and n not in starts]
    return (starts + contains)[:limit]


def match_topics(topics: Sequence[str], typed: str, limit: int = AUTOCOMPLETE_MAX) -> list[str]:
    """Return the topics matching what was typed (see :func:`match_names`)."""
    return match_names(topics, normalize_topic(typed), limit)


async def topic_autocomplete(
    interaction: discord.Interaction[MythOrFactBot], current: str
) -> list[app_commands.Choice[str]]:
    """Offer the server's topics (shipped and its own) matching what was typed, by prefix first."""
    names = [topic.topic for topic in await interaction.client.store.topics(interaction.guild_id)]
    return [app_commands.Choice(name=t, value=t) for t in match_topics(names, current)]
