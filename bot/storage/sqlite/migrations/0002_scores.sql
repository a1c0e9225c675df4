-- Scores: recorded rounds, all-time and weekly leaderboards, per-server item stats, near misses, topics, disputes.

-- One row per recorded round; the primary key makes recording idempotent.
CREATE TABLE rounds (
    round_key       TEXT PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    played_at       TEXT NOT NULL,
    item_pk         INTEGER NOT NULL,
    topic           TEXT NOT NULL,
    answers         INTEGER NOT NULL,
    correct_answers INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per member per leaderboard: `period` is 'all' or an ISO week such as '2026-W48'.
CREATE TABLE scores (
    guild_id    INTEGER NOT NULL,
    period      TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    points      INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    rounds      INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    fastest_ms  INTEGER,
    PRIMARY KEY (guild_id, period, user_id)
) WITHOUT ROWID;

-- Leaderboard order: points, then correct answers, then user id (a deterministic tie-break for display).
CREATE INDEX scores_by_rank ON scores (guild_id, period, points DESC, correct DESC, user_id);
-- forget_member deletes a member's rows in every period of a server.
CREATE INDEX scores_by_member ON scores (guild_id, user_id);

-- How many members of a leaderboard hold each points value, at three resolutions, so that a member's
-- position (1 + members with more points) is a sum over at most ~255 rows per level instead of a count
-- over every member ahead:
--   level 0: bucket = points         (summed within the member's level-1 bucket)
--   level 1: bucket = points >> 8    (summed within the member's level-2 bucket)
--   level 2: bucket = points >> 16   (summed over every higher bucket)
-- Kept exact by the triggers below for every insert, points change and delete on `scores`.
CREATE TABLE rank_buckets (
    guild_id INTEGER NOT NULL,
    period   TEXT NOT NULL,
    level    INTEGER NOT NULL CHECK (level IN (0, 1, 2)),
    bucket   INTEGER NOT NULL,
    members  INTEGER NOT NULL CHECK (members >= 0),
    PRIMARY KEY (guild_id, period, level, bucket)
) WITHOUT ROWID;

CREATE TRIGGER scores_rank_insert AFTER INSERT ON scores BEGIN
    INSERT INTO rank_buckets (guild_id, period, level, bucket, members)
    VALUES (new.guild_id, new.period, 0, new.points, 1),
           (new.guild_id, new.period, 1, new.points >> 8, 1),
           (new.guild_id, new.period, 2, new.points >> 16, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER scores_rank_delete AFTER DELETE ON scores BEGIN
    UPDATE rank_buckets SET members = members - 1
    WHERE guild_id = old.guild_id AND period = old.period AND level = 0 AND bucket = old.points;
    UPDATE rank_buckets SET members = members - 1
    WHERE guild_id = old.guild_id AND period = old.period AND level = 1 AND bucket = old.points >> 8;
    UPDATE rank_buckets SET members = members - 1
    WHERE guild_id = old.guild_id AND period = old.period AND level = 2 AND bucket = old.points >> 16;
    DELETE FROM rank_buckets
    WHERE guild_id = old.guild_id AND period = old.period AND level = 0 AND bucket = old.points AND members = 0;
    DELETE FROM rank_buckets
    WHERE guild_id = old.guild_id AND period = old.period AND level = 1 AND bucket = old.points >> 8
      AND members = 0;
    DELETE FROM rank_buckets
    WHERE guild_id = old.guild_id AND period = old.period AND level = 2 AND bucket = old.points >> 16
      AND members = 0;
END;

-- One trigger per level, so a points change only touches the levels whose bucket changed.
CREATE TRIGGER scores_rank_update_0 AFTER UPDATE OF points ON scores WHEN old.points <> new.points BEGIN
    UPDATE rank_buckets SET members = members - 1
    WHERE guild_id = old.guild_id AND period = old.period AND level = 0 AND bucket = old.points;
    DELETE FROM rank_buckets
    WHERE guild_id = old.guild_id AND period = old.period AND level = 0 AND bucket = old.points AND members = 0;
    INSERT INTO rank_buckets (guild_id, period, level, bucket, members)
    VALUES (new.guild_id, new.period, 0, new.points, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER scores_rank_update_1 AFTER UPDATE OF points ON scores
WHEN old.points >> 8 <> new.points >> 8 BEGIN
    UPDATE rank_buckets SET members = members - 1
    WHERE guild_id = old.guild_id AND period = old.period AND level = 1 AND bucket = old.points >> 8;
    DELETE FROM rank_buckets
    WHERE guild_id = old.guild_id AND period = old.period AND level = 1 AND bucket = old.points >> 8
      AND members = 0;
    INSERT INTO rank_buckets (guild_id, period, level, bucket, members)
    VALUES (new.guild_id, new.period, 1, new.points >> 8, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER scores_rank_update_2 AFTER UPDATE OF points ON scores
WHEN old.points >> 16 <> new.points >> 16 BEGIN
    UPDATE rank_buckets SET members = members - 1
    WHERE guild_id = old.guild_id AND period = old.period AND level = 2 AND bucket = old.points >> 16;
    DELETE FROM rank_buckets
    WHERE guild_id = old.guild_id AND period = old.period AND level = 2 AND bucket = old.points >> 16
      AND members = 0;
    INSERT INTO rank_buckets (guild_id, period, level, bucket, members)
    VALUES (new.guild_id, new.period, 2, new.points >> 16, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
END;

-- Per-server quiz statistics of an item: `times_asked` counts rounds, `answers` and `correct_answers`
-- count player answers (correct rate = correct_answers / answers).
CREATE TABLE guild_item_stats (
    guild_id        INTEGER NOT NULL,
    item_pk         INTEGER NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    times_asked     INTEGER NOT NULL DEFAULT 0,
    answers         INTEGER NOT NULL DEFAULT 0,
    correct_answers INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, item_pk)
) WITHOUT ROWID;

-- Close wrong guesses per item and server; only the most frequent few are kept (see ScoreQueries).
CREATE TABLE near_misses (
    guild_id  INTEGER NOT NULL,
    item_pk   INTEGER NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    guess     TEXT NOT NULL,
    count     INTEGER NOT NULL DEFAULT 0,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (guild_id, item_pk, guess)
) WITHOUT ROWID;

-- Rounds played per topic and server, for `stats`.
CREATE TABLE guild_topics (
    guild_id INTEGER NOT NULL,
    topic    TEXT NOT NULL,
    rounds   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, topic)
) WITHOUT ROWID;

-- Players' disputes of an item; open while `resolved_at` is NULL.
CREATE TABLE disputes (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    item_pk     INTEGER NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT
);

-- A member has at most one open dispute per item and server.
CREATE UNIQUE INDEX disputes_open ON disputes (guild_id, item_pk, user_id) WHERE resolved_at IS NULL;

-- Recording a round updates the item's and the topic's counters in the same statement, so a round costs
-- fewer round trips to the database thread.
CREATE TRIGGER rounds_count_item_and_topic AFTER INSERT ON rounds BEGIN
    INSERT INTO guild_item_stats (guild_id, item_pk, times_asked, answers, correct_answers)
    VALUES (new.guild_id, new.item_pk, 1, new.answers, new.correct_answers)
    ON CONFLICT (guild_id, item_pk) DO UPDATE SET
        times_asked = times_asked + 1,
        answers = answers + excluded.answers,
        correct_answers = correct_answers + excluded.correct_answers;
    INSERT INTO guild_topics (guild_id, topic, rounds) VALUES (new.guild_id, new.topic, 1)
    ON CONFLICT (guild_id, topic) DO UPDATE SET rounds = rounds + 1;
END;
