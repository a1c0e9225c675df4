"""Small text helpers that keep output within Discord's length limits."""

from __future__ import annotations

import re

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ending on a word with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def normalize_topic(raw: str) -> str:
    """Turn user input such as ``Human Body`` into the topic slug ``human-body``."""
    return re.sub(r"[\s_]+", "-", raw.strip().lower()).strip("-")
