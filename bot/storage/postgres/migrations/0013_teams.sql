-- Team quizzes: the server's team board by team name, and each finished team quiz recorded once.

-- One row per team quiz added to a board; the primary key makes adding it idempotent, across processes too.
CREATE TABLE team_quizzes (
    quiz_key  TEXT PRIMARY KEY,
    guild_id  BIGINT NOT NULL,
    played_at TIMESTAMPTZ NOT NULL
);
-- A leaderboard reset and the retention sweep delete a server's team quizzes.
CREATE INDEX team_quizzes_by_guild ON team_quizzes (guild_id);

-- One row per team name per server; `team_key` is the name case-folded ("Red" and "red" are one team) and `name`
-- the spelling it was last played under. Teams hold no members: who played in a team is not stored.
CREATE TABLE team_scores (
    guild_id    BIGINT NOT NULL,
    team_key    TEXT NOT NULL,
    name        TEXT NOT NULL,
    wins        INTEGER NOT NULL DEFAULT 0,
    quizzes     INTEGER NOT NULL DEFAULT 0,
    points      BIGINT NOT NULL DEFAULT 0,
    last_played TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, team_key)
);

-- Team board order: wins, then points, then the name (byte order, the same on every backend).
CREATE INDEX team_scores_by_rank ON team_scores (guild_id, wins DESC, points DESC, team_key COLLATE "C");
