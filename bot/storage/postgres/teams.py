"""SQL for the team board; part of :class:`bot.storage.postgres.store.PostgresStore`."""

from __future__ import annotations

from bot.core.teams import TeamQuizRecord, TeamRow
from bot.storage.postgres.database import PostgresDatabase
from bot.storage.shared import check_page, team_row, team_score_params, utc

# Several processes may add quizzes of one server at once: each upsert is atomic, and the rows of a quiz come in
# key order (see team_score_params), so two such transactions never wait on each other in a circle.
_ADD_TEAM = """
    INSERT INTO team_scores (guild_id, team_key, name, wins, quizzes, points, last_played)
    VALUES ($1, $2, $3, $4, 1, $5, $6)
    ON CONFLICT (guild_id, team_key) DO UPDATE SET
        name = excluded.name,
        wins = team_scores.wins + excluded.wins,
        quizzes = team_scores.quizzes + 1,
        points = team_scores.points + excluded.points,
        last_played = excluded.last_played
"""

# Positions come from RANK(): 1 + the teams with more wins, or as many wins and more points.
_PAGE_SQL = """
    SELECT name, wins, quizzes, points,
           RANK() OVER (ORDER BY wins DESC, points DESC) AS position
    FROM team_scores WHERE guild_id = :guild
    ORDER BY wins DESC, points DESC, team_key COLLATE "C"
    LIMIT :limit OFFSET :offset
"""


class TeamQueries(PostgresDatabase):
    """The :class:`bot.core.teams.TeamStore` part of the PostgreSQL store."""

    async def record_team_quiz(self, record: TeamQuizRecord) -> bool:
        """Add a finished team quiz to its server's team board in one transaction; ``False`` if already added."""
        played_at = utc(record.played_at)
        params = team_score_params(record, played_at)
        async with self._transaction():
            added = await self._execute(
                "INSERT INTO team_quizzes (quiz_key, guild_id, played_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                (record.quiz_key, record.guild_id, played_at),
            )
            if not added:
                return False
            await self._executemany(_ADD_TEAM, params)
        return True

    async def top_teams(self, guild_id: int, offset: int = 0, limit: int = 10) -> list[TeamRow]:
        """Return a page of the server's team board: most wins first, then most points, then by name."""
        check_page(offset, limit)
        rows = await self._fetchall(_PAGE_SQL, {"guild": guild_id, "offset": offset, "limit": limit})
        return [team_row(row) for row in rows]

    async def count_teams(self, guild_id: int) -> int:
        """Return how many teams the server's board holds (for page counts)."""
        row = await self._fetchone("SELECT COUNT(*) AS n FROM team_scores WHERE guild_id = $1", (guild_id,))
        return int(row["n"]) if row else 0
