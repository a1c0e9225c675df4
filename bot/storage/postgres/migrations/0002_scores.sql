-- Scores: recorded rounds, all-time and weekly leaderboards, per-server item stats, near misses, topics, disputes.

-- One row per recorded round; the primary key makes recording idempotent, across processes too.
CREATE TABLE rounds (
    round_key       TEXT PRIMARY KEY,
    guild_id        BIGINT NOT NULL,
    played_at       TIMESTAMPTZ NOT NULL,
    item_pk         BIGINT NOT NULL,
    topic           TEXT NOT NULL,
    answers         INTEGER NOT NULL,
    correct_answers INTEGER NOT NULL
);

-- One row per member per leaderboard: `period` is 'all' or an ISO week such as '2026-W48'.
CREATE TABLE scores (
    guild_id    BIGINT NOT NULL,
    period      TEXT NOT NULL,
    user_id     BIGINT NOT NULL,
    points      BIGINT NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    rounds      INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    fastest_ms  INTEGER,
    PRIMARY KEY (guild_id, period, user_id)
);

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
-- Kept exact by the trigger below for every insert, points change and delete on `scores`.
CREATE TABLE rank_buckets (
    guild_id BIGINT NOT NULL,
    period   TEXT NOT NULL,
    level    INTEGER NOT NULL CHECK (level IN (0, 1, 2)),
    bucket   BIGINT NOT NULL,
    members  INTEGER NOT NULL CHECK (members >= 0),
    PRIMARY KEY (guild_id, period, level, bucket)
);

-- Add `delta` members to one bucket; a bucket that empties is deleted. The decrement locks the row before
-- the delete looks at it, so concurrent writers never leave an empty bucket behind.
CREATE FUNCTION rank_bucket_add(g BIGINT, p TEXT, lvl INTEGER, b BIGINT, delta INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    remaining INTEGER;
BEGIN
    IF delta > 0 THEN
        INSERT INTO rank_buckets AS kept (guild_id, period, level, bucket, members) VALUES (g, p, lvl, b, delta)
        ON CONFLICT (guild_id, period, level, bucket) DO UPDATE SET members = kept.members + excluded.members;
    ELSE
        UPDATE rank_buckets SET members = members + delta
        WHERE guild_id = g AND period = p AND level = lvl AND bucket = b
        RETURNING members INTO remaining;
        IF remaining = 0 THEN
            DELETE FROM rank_buckets WHERE guild_id = g AND period = p AND level = lvl AND bucket = b AND members = 0;
        END IF;
    END IF;
END
$$;

-- Keep `rank_buckets` exact: a points change only touches the levels whose bucket changed.
CREATE FUNCTION scores_rank_buckets() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lvl INTEGER;
    moved BOOLEAN;
BEGIN
    FOR lvl IN 0..2 LOOP
        moved := TG_OP <> 'UPDATE' OR OLD.guild_id <> NEW.guild_id OR OLD.period <> NEW.period
                 OR (OLD.points >> (8 * lvl)) <> (NEW.points >> (8 * lvl));
        IF moved AND TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM rank_bucket_add(OLD.guild_id, OLD.period, lvl, OLD.points >> (8 * lvl), -1);
        END IF;
        IF moved AND TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM rank_bucket_add(NEW.guild_id, NEW.period, lvl, NEW.points >> (8 * lvl), 1);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER scores_rank AFTER INSERT OR DELETE OR UPDATE OF guild_id, period, points ON scores
FOR EACH ROW EXECUTE FUNCTION scores_rank_buckets();

-- Per-server quiz statistics of an item: `times_asked` counts rounds, `answers` and `correct_answers`
-- count player answers (correct rate = correct_answers / answers).
CREATE TABLE guild_item_stats (
    guild_id        BIGINT NOT NULL,
    item_pk         BIGINT NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    times_asked     INTEGER NOT NULL DEFAULT 0,
    answers         INTEGER NOT NULL DEFAULT 0,
    correct_answers INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, item_pk)
);

-- Close wrong guesses per item and server; only the most frequent few are kept (see ScoreQueries).
CREATE TABLE near_misses (
    guild_id  BIGINT NOT NULL,
    item_pk   BIGINT NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    guess     TEXT NOT NULL,
    count     INTEGER NOT NULL DEFAULT 0,
    last_seen TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, item_pk, guess)
);

-- Rounds played per topic and server, for `stats`.
CREATE TABLE guild_topics (
    guild_id BIGINT NOT NULL,
    topic    TEXT NOT NULL,
    rounds   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, topic)
);

-- Players' disputes of an item; open while `resolved_at` is NULL.
CREATE TABLE disputes (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    item_pk     BIGINT NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ
);

-- A member has at most one open dispute per item and server.
CREATE UNIQUE INDEX disputes_open ON disputes (guild_id, item_pk, user_id) WHERE resolved_at IS NULL;

-- Recording a round updates the item's and the topic's counters in the same statement.
CREATE FUNCTION rounds_count_item_and_topic() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO guild_item_stats AS stats (guild_id, item_pk, times_asked, answers, correct_answers)
    VALUES (NEW.guild_id, NEW.item_pk, 1, NEW.answers, NEW.correct_answers)
    ON CONFLICT (guild_id, item_pk) DO UPDATE SET
        times_asked = stats.times_asked + 1,
        answers = stats.answers + excluded.answers,
        correct_answers = stats.correct_answers + excluded.correct_answers;
    INSERT INTO guild_topics AS topics (guild_id, topic, rounds) VALUES (NEW.guild_id, NEW.topic, 1)
    ON CONFLICT (guild_id, topic) DO UPDATE SET rounds = topics.rounds + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER rounds_count AFTER INSERT ON rounds FOR EACH ROW EXECUTE FUNCTION rounds_count_item_and_topic();
