"""Discord-free core for data control: forget-me, leaderboard resets, exports, uploaded packs and retention."""

from __future__ import annotations

from typing import Protocol


class AdminStore(Protocol):
    """What the bot needs from the database for data control."""
