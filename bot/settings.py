"""Per-server settings: defaults declared once, validated values, and the quiz settings they produce."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bot.errors import MythOrFactError
from bot.quiz import Mode, QuizSettings


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What a server's moderators can change. Every field has a default suitable for most servers."""

    quiz_rounds: int = 10
    """Questions in a quiz when the starter does not say."""
    quiz_seconds: int = 15
    """Time limit of a myth-or-fact round; multiple choice gets 5 s more and typed rounds twice as long."""
    quiz_extra_time: int = 0
    """Accessibility: lengthen every time limit by this percentage."""
    quiz_hints: bool = True
    quiz_idle_rounds: int = 3
    """End a quiz after this many unanswered questions in a row."""

    def quiz(self) -> QuizSettings:
        """Return the game settings these server settings describe."""
        seconds = float(self.quiz_seconds)
        return QuizSettings(
            rounds=self.quiz_rounds,
            base_seconds={Mode.MYTH_OR_FACT: seconds, Mode.CHOICE: seconds + 5, Mode.TYPED: seconds * 2},
            extra_time_percent=self.quiz_extra_time,
            hints=self.quiz_hints,
            idle_rounds_to_end=self.quiz_idle_rounds,
        )


LIMITS: dict[str, tuple[int, int]] = {
    "quiz_rounds": (1, 50),
    "quiz_seconds": (5, 120),
    "quiz_extra_time": (0, 200),
    "quiz_idle_rounds": (1, 10),
}


def apply_changes(current: ServerSettings, changes: dict[str, Any]) -> ServerSettings:
    """Return ``current`` with ``changes`` applied, or raise a friendly error naming the bad value."""
    known = {f.name for f in dataclasses.fields(ServerSettings)}
    for name, value in changes.items():
        if name not in known:
            raise MythOrFactError(f"There is no setting called `{name}`.")
        if name in LIMITS:
            low, high = LIMITS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise MythOrFactError(f"`{name}` must be a whole number from {low} to {high}.")
    return dataclasses.replace(current, **changes)


def from_stored(stored: dict[str, Any]) -> ServerSettings:
    """Build settings from the stored document, ignoring unknown or invalid entries (defaults win)."""
    known = {f.name for f in dataclasses.fields(ServerSettings)}
    settings = ServerSettings()
    for name, value in stored.items():
        if name in known:
            try:
                settings = apply_changes(settings, {name: value})
            except MythOrFactError:
                continue
    return settings


def changed_values(settings: ServerSettings) -> dict[str, Any]:
    """Return only the values that differ from the defaults (what gets stored)."""
    defaults = ServerSettings()
    return {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(ServerSettings)
        if getattr(settings, f.name) != getattr(defaults, f.name)
    }
