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
    guild_id  BIGINT PRIMARY KEY,
    joined_at TIMESTAMPTZ NOT NULL
);

-- Each taking-part server's contribution per member: `period` is 'all' or a UTC ISO week.
CREATE TABLE global_parts (
    guild_id   BIGINT NOT NULL,
    period     TEXT NOT NULL,
    user_id    BIGINT NOT NULL,
    member_key BIGINT NOT NULL,
    points     BIGINT NOT NULL DEFAULT 0,
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
    user_id      BIGINT PRIMARY KEY,
    member_key   BIGINT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- The board's rows are the sums of the parts: every change of a part changes its member's row by the difference,
-- and a member whose last part goes leaves the board (the trigger on `scores` keeps the rank buckets exact).
-- Writers of the board's rows hold its lock (`global_board_lock`), so they never deadlock on rank buckets.
CREATE FUNCTION global_parts_sum() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO scores AS s (guild_id, period, user_id, points, correct, rounds)
        VALUES (0, NEW.period, NEW.member_key, NEW.points, NEW.correct, NEW.rounds)
        ON CONFLICT (guild_id, period, user_id) DO UPDATE SET
            points = s.points + excluded.points, correct = s.correct + excluded.correct,
            rounds = s.rounds + excluded.rounds;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE scores SET
            points = points + NEW.points - OLD.points,
            correct = correct + NEW.correct - OLD.correct,
            rounds = rounds + NEW.rounds - OLD.rounds
        WHERE guild_id = 0 AND period = NEW.period AND user_id = NEW.member_key;
    ELSE
        UPDATE scores SET points = points - OLD.points, correct = correct - OLD.correct, rounds = rounds - OLD.rounds
        WHERE guild_id = 0 AND period = OLD.period AND user_id = OLD.member_key;
        DELETE FROM scores WHERE guild_id = 0 AND period = OLD.period AND user_id = OLD.member_key AND rounds <= 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER global_parts_sum AFTER INSERT OR DELETE OR UPDATE OF points, correct, rounds ON global_parts
FOR EACH ROW EXECUTE FUNCTION global_parts_sum();

-- Whether server `g` takes part, and if so the board's lock, held until the transaction ends. Called after the
-- server's own score lock: being VOLATILE, its query sees what committed while that lock was awaited (a statement's
-- own snapshot would not), so a round never counts for a server that just left, nor misses one that just joined.
CREATE FUNCTION global_board_lock(g BIGINT) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM global_servers WHERE guild_id = g) THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('scores:0', 0));
        RETURN true;
    END IF;
    RETURN false;
END
$$;
