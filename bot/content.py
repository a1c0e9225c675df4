"""Discord-free core for custom facts, suggestions, the review queue and hidden items."""

from __future__ import annotations

from typing import Protocol


class ContentStore(Protocol):
    """What the bot needs from the database for custom facts, suggestions, the review queue and hidden items."""
