"""SQL for scores, leaderboards, disputes and quiz statistics; mixed into :class:`bot.sqlite_store.SqliteStore`."""

from __future__ import annotations


class ScoreQueries:
    """The :class:`bot.scores.ScoreStore` half of the SQLite store."""
