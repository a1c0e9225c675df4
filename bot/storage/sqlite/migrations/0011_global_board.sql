-- The global board: servers that opt in share one all-time and one weekly (UTC ISO week) leaderboard.
--
-- The board is kept as the leaderboard of the pseudo-server 0 in `scores` (no Discord id is 0), so it ranks and
-- pages with the same indexes, rank buckets and SQL as every server's board. Its rows are keyed by each member's
-- keyed hash (`member_key`, see bot.core.global_board), never by their Discord id.

-- The secret the member keys are computed with; one row, made by the first process that needs it, then shared.
CREATE TABLE global_secret (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);

-- Servers that take part (their `global_board` setting is on; written in the same transaction as the setting).
CREATE TABLE global_servers (
    guild_id  INTEGER PRIMARY KEY,
    joined_at TEXT NOT NULL
);

-- Each taking-part server's contribution per member: `period` is 'all' or a UTC ISO week.
CREATE TABLE global_parts (
    guild_id   INTEGER NOT NULL,
    period     TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    member_key INTEGER NOT NULL,
    points     INTEGER NOT NULL DEFAULT 0,
    correct    INTEGER NOT NULL DEFAULT 0,
    rounds     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, period, user_id)
);
-- forget_member_data deletes a member's parts in every period of a server.
CREATE INDEX global_parts_by_member ON global_parts (guild_id, user_id);
-- The retention sweep finds old weeks without reading the all-time parts.
CREATE INDEX global_parts_by_week ON global_parts (period, guild_id) WHERE period <> 'all';

-- Members who chose to be shown by name: the snapshot they opted in with, refreshed when they play.
CREATE TABLE global_names (
    user_id      INTEGER PRIMARY KEY,
    member_key   INTEGER NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- The board's rows are the sums of the parts: every change of a part changes its member's row by the difference,
-- and a member whose last part goes leaves the board (the triggers on `scores` keep the rank buckets exact).
CREATE TRIGGER global_parts_insert AFTER INSERT ON global_parts BEGIN
    INSERT INTO scores (guild_id, period, user_id, points, correct, rounds)
    VALUES (0, new.period, new.member_key, new.points, new.correct, new.rounds)
    ON CONFLICT (guild_id, period, user_id) DO UPDATE SET
        points = points + excluded.points, correct = correct + excluded.correct, rounds = rounds + excluded.rounds;
END;

CREATE TRIGGER global_parts_update AFTER UPDATE OF points, correct, rounds ON global_parts BEGIN
    UPDATE scores SET
        points = points + new.points - old.points,
        correct = correct + new.correct - old.correct,
        rounds = rounds + new.rounds - old.rounds
    WHERE guild_id = 0 AND period = new.period AND user_id = new.member_key;
END;

CREATE TRIGGER global_parts_delete AFTER DELETE ON global_parts BEGIN
    UPDATE scores SET points = points - old.points, correct = correct - old.correct, rounds = rounds - old.rounds
    WHERE guild_id = 0 AND period = old.period AND user_id = old.member_key;
    DELETE FROM scores WHERE guild_id = 0 AND period = old.period AND user_id = old.member_key AND rounds <= 0;
END;
