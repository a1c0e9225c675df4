"""The global board: one all-time and one weekly leaderboard shared by every server that opts in.

Discord-free. A server takes part when its moderators turn ``global_board`` on (:mod:`bot.core.settings`); its
members' points then count on the global board, summed over every server that takes part. Weekly means the ISO week
as UTC names it (:func:`global_week`), whatever the server's own zone.

A member is shown by name only if they opt in (``global name on``): the name is a snapshot taken then, and refreshed
when they play, because a process serving another shard cannot look the member up. Everyone else is an anonymous
entry, "Player #123456", whose number comes from :func:`member_key`: a keyed hash of the member's id, so it is stable
across servers and processes but cannot be turned back into the id without the board's secret (kept in the
database). The board itself is keyed by that hash, never by the id, so nothing a client receives (a page button's
custom id included) unmasks an anonymous player.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.i18n import _
from bot.core.scores import ALL_TIME, UTC, BoardKey, week_key

NAME_MAX = 32
"""Display names on the global board are clipped to Discord's own limit for display names."""
LABEL_DIGITS = 6
"""Digits of an anonymous entry's number."""

_MENTION_LIKE = re.compile(r"[@#<>`*_~|\\\[\]()]")


def global_week(now: datetime) -> str:
    """Return the key of the weekly global board at ``now``: the ISO week in UTC (servers' own zones do not count)."""
    return week_key(now, UTC)


def global_period(choice: str, now: datetime) -> str:
    """Turn ``all`` or ``week`` into the period key of the global board."""
    return ALL_TIME if choice == ALL_TIME else global_week(now)


def member_key(secret: str, user_id: int) -> int:
    """Return the board's key of a member: a positive 63-bit keyed hash of their id (stable, not reversible)."""
    digest = hashlib.sha256(f"{secret}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def anonymous_label(key: int) -> str:
    """Return how a member who did not opt in is shown, e.g. ``Player #048213`` (in the reader's language)."""
    return _("Player #{number}", number=f"{key % 10**LABEL_DIGITS:0{LABEL_DIGITS}d}")


def name_snapshot(display_name: str) -> str:
    """Return a display name fit for the board: one line, no mentions or markdown, at most :data:`NAME_MAX` long.

    Empty when nothing printable is left (the member is then shown anonymously).
    """
    printable = "".join(
        char if unicodedata.category(char)[0] not in "CZ" or char == " " else " " for char in display_name
    )
    cleaned = " ".join(_MENTION_LIKE.sub("", printable).split())
    return cleaned[:NAME_MAX].rstrip()


@dataclass(frozen=True, slots=True)
class GlobalRow:
    """One line of the global board."""

    position: int
    """1 + the number of members with more points; members with equal points share it."""
    key: BoardKey
    """Where the line stands (its ``user_id`` is the member's :func:`member_key`, not their Discord id)."""
    rounds: int
    name: str | None
    """The member's name snapshot if they opted in, else ``None`` (shown as :func:`anonymous_label`)."""

    @property
    def points(self) -> int:
        """The member's points summed over every server that takes part."""
        return self.key.points

    @property
    def correct(self) -> int:
        """Right answers summed over every server that takes part."""
        return self.key.correct

    @property
    def label(self) -> str:
        """What the board shows for the member: their name snapshot, or their anonymous label."""
        return self.name or anonymous_label(self.key.user_id)


class GlobalBoardStore(Protocol):
    """Storage for the global board. A server's part follows its ``global_board`` setting in the same transaction."""

    async def global_top(self, period: str, offset: int = 0, limit: int = 10) -> list[GlobalRow]:
        """Return a page of the global board of ``period`` (``"all"`` or a UTC week key), best first."""
        ...

    async def global_after(self, period: str, key: BoardKey, limit: int = 10) -> list[GlobalRow]:
        """Return the ``limit`` lines after ``key`` on the global board (the next page)."""
        ...

    async def global_before(self, period: str, key: BoardKey, limit: int = 10) -> list[GlobalRow]:
        """Return the ``limit`` lines just before ``key`` on the global board (the previous page)."""
        ...

    async def global_count(self, period: str) -> int:
        """Return how many members are on the global board of ``period``."""
        ...

    async def global_rank(self, period: str, user_id: int) -> GlobalRow | None:
        """Return a member's line on the global board, or ``None`` if they have no points there."""
        ...

    async def set_global_name(self, user_id: int, display_name: str | None, at: datetime) -> None:
        """Show the member under ``display_name`` (a :func:`name_snapshot`) on the global board; ``None`` hides it."""
        ...

    async def global_name(self, user_id: int) -> str | None:
        """Return the name snapshot a member opted in with, or ``None``."""
        ...

    async def refresh_global_names(self, names: Mapping[int, str], at: datetime) -> int:
        """Refresh the snapshots of members who opted in (others are left alone); return how many changed."""
        ...
