"""Scores, leaderboards and per-item quiz statistics: value types and the storage interface.

Discord-free. The quiz engine produces a :class:`RoundRecord` per finished round; the store records it once
(idempotently, keyed by ``round_key``) into all-time and weekly leaderboards and into item statistics.

Leaderboards list members by points (most first), then correct answers (most first), then user id (lowest
first) so that the order is deterministic. A member's position is 1 + the number of members with strictly more
points, so members with equal points share a position (1, 2, 2, 4): the later tie-breaks only order the display.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.adaptive import PlayerRecord

ALL_TIME = "all"
"""The period key of the all-time leaderboard; weekly ones are ISO weeks such as ``2026-W48``."""

UTC = ZoneInfo("UTC")

_WEEK_KEY = re.compile(r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])")


def week_key(moment: datetime, zone: tzinfo = UTC) -> str:
    """Return the ISO week (``YYYY-Www``) that ``moment`` falls in, in the server's time zone."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def is_period(key: str) -> bool:
    """Return whether ``key`` names a leaderboard: ``"all"`` or an ISO week such as ``2026-W48``."""
    return key == ALL_TIME or _WEEK_KEY.fullmatch(key) is not None


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
class BoardKey:
    """Where a member stands in leaderboard order (points, then correct answers, most first; then user id).

    Pages next to a member's line are found from it (keyset paging), so turning pages costs the same however deep
    the page and however many members share its points.
    """

    points: int
    correct: int
    user_id: int


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One member's line on a leaderboard."""

    position: int
    """1 + the number of members with more points; members with equal points share it."""
    user_id: int
    points: int
    correct: int
    rounds: int
    best_streak: int
    fastest_ms: int | None

    @property
    def key(self) -> BoardKey:
        """Return where this line stands in leaderboard order, to page on from."""
        return BoardKey(self.points, self.correct, self.user_id)


@dataclass(frozen=True, slots=True)
class ItemStats:
    """Quiz statistics of one item in one server."""

    item_pk: int
    ref: str
    """The public id, ``pack/item``."""
    text: str
    """What to show for the item: its claim, or its question for a quiz-only item."""
    times_asked: int
    """Rounds in which the item was asked."""
    answers: int
    """Player answers given to it, right or wrong."""
    correct_answers: int
    """Player answers that were right."""
    disputes: int = 0
    """Open disputes."""
    near_misses: tuple[str, ...] = field(default_factory=tuple)
    """The most frequent close wrong guesses, most frequent first."""

    @property
    def correct_rate(self) -> float:
        """Share of answers that were right (0 when never answered)."""
        return self.correct_answers / self.answers if self.answers else 0.0


@dataclass(frozen=True, slots=True)
class ServerTotals:
    """Overall numbers for a server's `stats` command."""

    rounds: int
    players: int
    """Members with an all-time score."""
    correct_answers: int
    answers: int
    top_topics: tuple[tuple[str, int], ...]
    """(topic, rounds played), most played first."""


class ScoreStore(Protocol):
    """Storage for rounds, leaderboards, disputes and quiz statistics."""

    async def record_round(self, record: RoundRecord, week: str) -> bool:
        """Record a finished round into the all-time and ``week`` leaderboards and item stats, in one transaction.

        Return ``False`` (changing nothing) when ``record.round_key`` was already recorded.
        """
        ...

    async def top_scores(self, guild_id: int, period: str, offset: int = 0, limit: int = 10) -> list[ScoreRow]:
        """Return a page of the leaderboard of ``period`` (``"all"`` or a week key), best first.

        Raise :class:`ValueError` for a malformed period or a negative offset or limit.
        """
        ...

    async def scores_after(self, guild_id: int, period: str, key: BoardKey, limit: int = 10) -> list[ScoreRow]:
        """Return the ``limit`` lines that follow ``key`` on the leaderboard of ``period`` (the next page), best first.

        ``key`` need not be a current member's: a member who moved since still leaves a well-defined place.
        """
        ...

    async def scores_before(self, guild_id: int, period: str, key: BoardKey, limit: int = 10) -> list[ScoreRow]:
        """Return the ``limit`` lines just before ``key`` on the board of ``period`` (the previous page), best first."""
        ...

    async def count_players(self, guild_id: int, period: str) -> int:
        """Return how many members have a score in ``period`` (for page counts)."""
        ...

    async def member_rank(self, guild_id: int, period: str, user_id: int) -> ScoreRow | None:
        """Return a member's line with their position, or ``None`` if they have not played in ``period``."""
        ...

    async def member_records(self, guild_id: int, user_ids: Collection[int]) -> dict[int, PlayerRecord]:
        """Return the all-time answers and right answers of those members who have a score, by user id (one query)."""
        ...

    async def add_dispute(self, guild_id: int, item_pk: int, user_id: int, reason: str, created_at: datetime) -> int:
        """Store a player's dispute of an item; return its id.

        A member has one open dispute per item: disputing it again returns the open dispute's id unchanged.
        """
        ...

    async def resolve_dispute(self, guild_id: int, dispute_id: int, resolved_at: datetime) -> bool:
        """Close an open dispute of this server; return ``False`` if there is no such open dispute."""
        ...

    async def hardest_items(self, guild_id: int, limit: int = 5, min_answers: int = 3) -> list[ItemStats]:
        """Return the live items this server answers worst: lowest correct rate among those with ``min_answers``."""
        ...

    async def most_disputed(self, guild_id: int, limit: int = 5) -> list[ItemStats]:
        """Return the live items with the most open disputes in this server, most first."""
        ...

    async def server_totals(self, guild_id: int, topics: int = 5) -> ServerTotals:
        """Return the server's totals for `stats`, with its ``topics`` most played topics."""
        ...
