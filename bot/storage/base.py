"""The protocol every storage backend implements: each part of the core's needs, in one interface.

The parts live beside the rules that use them (``bot.core.catalog``, ``bot.core.scores``, ``bot.core.daily``, …);
cogs and the core type their store as :class:`FactStore` or as the one part they need.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.admin import AdminStore
from bot.core.catalog import CatalogStore
from bot.core.cluster import LeaseStore
from bot.core.content import ContentStore
from bot.core.daily import DailyStore
from bot.core.global_board import GlobalBoardStore
from bot.core.quiz_runner import RunningQuizStore
from bot.core.review import ReviewStore
from bot.core.rewards import RewardStore
from bot.core.scores import ScoreStore
from bot.core.settings import SettingsStore
from bot.core.teams import TeamStore


class FactStore(
    DailyStore,
    RewardStore,
    CatalogStore,
    SettingsStore,
    ScoreStore,
    GlobalBoardStore,
    TeamStore,
    ContentStore,
    AdminStore,
    ReviewStore,
    RunningQuizStore,
    LeaseStore,
    Protocol,
):
    """Everything the bot needs from its database."""

    async def schema_version(self) -> int:
        """Return the schema version recorded in the database."""
        ...

    async def close(self) -> None:
        """Close the database connection."""
        ...
