"""Scores, leaderboards and per-item quiz statistics: value types and the storage interface.

Discord-free. The quiz engine produces a :class:`RoundRecord` per finished round; the store records it once
(idempotently, keyed by ``round_key``) into all-time and weekly leaderboards and into item statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

ALL_TIME = "all"
"""The period key of the all-time leaderboard; weekly ones are ISO weeks such as ``2026-W48``."""

UTC = ZoneInfo("UTC")


def week_key(moment: datetime, zone: tzinfo = UTC) -> str:
    """Return the ISO week (``YYYY-Www``) that ``moment`` falls in, in the server's time zone."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class PlayerResult:
    """How one player did in one round."""

    user_id: int
    points: int
    """Points earned this round (0 when wrong)."""
    correct: bool
    answer_ms: int | None = None
    """Milliseconds from the question to this player's correct answer; ``None`` when wrong."""
    streak: int = 0
    """The player's streak of consecutive correct rounds in this session, after this round."""


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """Everything a finished round contributes to scores and statistics."""

    guild_id: int
    round_key: str
    """Unique per round (e.g. ``<session id>:<round number>``); recording the same key twice changes nothing."""
    item_pk: int
    topic: str
    played_at: datetime
    """When the round ended (timezone-aware)."""
    players: tuple[PlayerResult, ...] = ()
    """Everyone who answered, right or wrong."""
    near_misses: tuple[str, ...] = ()
    """Wrong typed guesses that were close to the answer, for item statistics."""


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One member's line on a leaderboard."""

    position: int
    user_id: int
    points: int
    correct: int
    rounds: int
    best_streak: int
    fastest_ms: int | None


@dataclass(frozen=True, slots=True)
class ItemStats:
    """Quiz statistics of one item in one server (or across all servers)."""

    item_pk: int
    ref: str
    claim: str
    times_asked: int
    times_correct: int
    disputes: int = 0
    near_misses: tuple[str, ...] = field(default_factory=tuple)

    @property
    def correct_rate(self) -> float:
        """Share of answers that were right (0 when never asked)."""
        return self.times_correct / self.times_asked if self.times_asked else 0.0


@dataclass(frozen=True, slots=True)
class ServerTotals:
    """Overall numbers for a server's `stats` command."""

    rounds: int
    players: int
    correct_answers: int
    answers: int
    top_topics: tuple[tuple[str, int], ...]
    """(topic, rounds played), most played first."""


Period = Literal["all", "week"]


class ScoreStore(Protocol):
    """Storage for rounds, leaderboards, disputes and quiz statistics."""

    async def record_round(self, record: RoundRecord, week: str) -> bool:
        """Record a finished round into the all-time and ``week`` leaderboards and item stats, in one transaction.

        Return ``False`` (changing nothing) when ``record.round_key`` was already recorded.
        """
        ...

    async def top_scores(self, guild_id: int, period: str, offset: int = 0, limit: int = 10) -> list[ScoreRow]:
        """Return a page of the leaderboard of ``period`` (``"all"`` or a week key), best first."""
        ...

    async def count_players(self, guild_id: int, period: str) -> int:
        """Return how many members have a score in ``period`` (for page counts)."""
        ...

    async def member_rank(self, guild_id: int, period: str, user_id: int) -> ScoreRow | None:
        """Return a member's line with their position, or ``None`` if they have not played in ``period``."""
        ...

    async def add_dispute(self, guild_id: int, item_pk: int, user_id: int, reason: str, created_at: datetime) -> int:
        """Store a player's dispute of an item; return its id."""
        ...

    async def hardest_items(self, guild_id: int, limit: int = 5, min_asked: int = 3) -> list[ItemStats]:
        """Return the items this server answers worst (lowest correct rate, asked at least ``min_asked`` times)."""
        ...

    async def most_disputed(self, guild_id: int, limit: int = 5) -> list[ItemStats]:
        """Return the items with the most open disputes in this server."""
        ...

    async def server_totals(self, guild_id: int) -> ServerTotals:
        """Return the server's totals for `stats`."""
        ...

    async def forget_member(self, guild_id: int, user_id: int) -> None:
        """Delete a member's scores in a server."""
        ...
