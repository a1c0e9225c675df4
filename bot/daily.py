"""Discord-free core for daily fact posts: schedules, claimed posts, answers and streaks."""

from __future__ import annotations

from typing import Protocol


class DailyStore(Protocol):
    """What the bot needs from the database for daily fact posts: schedules, claimed posts, answers and streaks."""
