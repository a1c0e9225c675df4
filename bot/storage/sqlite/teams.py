"""SQL for the team board; part of :class:`bot.storage.sqlite.store.SqliteStore`."""

from __future__ import annotations

from bot.core.teams import TeamQuizRecord, TeamRow
from bot.storage.shared import check_page, iso_moment, team_row, team_score_params
from bot.storage.sqlite.database import SqliteDatabase

_ADD_TEAM = """
    INSERT INTO team_scores (guild_id, team_key, name, wins, quizzes, points, last_played)
    VALUES (?, ?, ?, ?, 1, ?, ?)
    ON CONFLICT (guild_id, team_key) DO UPDATE SET
        name = excluded.name,
        wins = wins + excluded.wins,
        quizzes = quizzes + 1,
        points = points + excluded.points,
        last_played = excluded.last_played
"""

# Positions come from RANK(): 1 + the teams with more wins, or as many wins and more points.
_PAGE_SQL = """
    SELECT name, wins, quizzes, points,
           RANK() OVER (ORDER BY wins DESC, points DESC) AS position
    FROM team_scores WHERE guild_id = :guild
    ORDER BY wins DESC, points DESC, team_key
    LIMIT :limit OFFSET :offset
"""


class TeamQueries(SqliteDatabase):
    """The :class:`bot.core.teams.TeamStore` part of the SQLite store."""

    async def record_team_quiz(self, record: TeamQuizRecord) -> bool:
        """Add a finished team quiz to its server's team board in one transaction; ``False`` if already added."""
        played_at = iso_moment(record.played_at)
        params = team_score_params(record, played_at)
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO team_quizzes (quiz_key, guild_id, played_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (record.quiz_key, record.guild_id, played_at),
            )
            if cursor.rowcount == 0:
                return False
            await conn.executemany(_ADD_TEAM, params)
        return True

    async def top_teams(self, guild_id: int, offset: int = 0, limit: int = 10) -> list[TeamRow]:
        """Return a page of the server's team board: most wins first, then most points, then by name."""
        check_page(offset, limit)
        rows = await self._fetchall(_PAGE_SQL, {"guild": guild_id, "offset": offset, "limit": limit})
        return [team_row(row) for row in rows]

    async def count_teams(self, guild_id: int) -> int:
        """Return how many teams the server's board holds (for page counts)."""
        row = await self._fetchone("SELECT COUNT(*) FROM team_scores WHERE guild_id = ?", (guild_id,))
        return int(row[0]) if row else 0
