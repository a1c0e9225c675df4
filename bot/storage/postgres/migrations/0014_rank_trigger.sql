-- A cheaper rank trigger (recording a round fires it for every score row it writes):
-- - an update that leaves a row's points, server and board alone no longer runs it (the WHEN clause is checked
--   before any PL/pgSQL runs; a wrong answer writes its row but moves no points);
-- - the bucket arithmetic is inline instead of a call of `rank_bucket_add` per bucket;
-- - it stops at the first level whose bucket did not move (a higher level cannot move when a lower one did not).
-- `rank_buckets` stays exact as before: a decrement locks the row before the delete looks at it.

CREATE OR REPLACE FUNCTION scores_rank_buckets() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lvl INTEGER;
    old_bucket BIGINT;
    new_bucket BIGINT;
    remaining INTEGER;
BEGIN
    FOR lvl IN 0..2 LOOP
        IF TG_OP <> 'INSERT' THEN
            old_bucket := OLD.points >> (8 * lvl);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_bucket := NEW.points >> (8 * lvl);
        END IF;
        IF TG_OP = 'UPDATE' AND old_bucket = new_bucket AND OLD.guild_id = NEW.guild_id AND OLD.period = NEW.period
        THEN
            EXIT;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            UPDATE rank_buckets SET members = members - 1
            WHERE guild_id = OLD.guild_id AND period = OLD.period AND level = lvl AND bucket = old_bucket
            RETURNING members INTO remaining;
            IF remaining = 0 THEN
                DELETE FROM rank_buckets
                WHERE guild_id = OLD.guild_id AND period = OLD.period AND level = lvl AND bucket = old_bucket
                  AND members = 0;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO rank_buckets AS kept (guild_id, period, level, bucket, members)
            VALUES (NEW.guild_id, NEW.period, lvl, new_bucket, 1)
            ON CONFLICT (guild_id, period, level, bucket) DO UPDATE SET members = kept.members + 1;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

DROP TRIGGER scores_rank ON scores;
CREATE TRIGGER scores_rank_insert AFTER INSERT ON scores FOR EACH ROW EXECUTE FUNCTION scores_rank_buckets();
CREATE TRIGGER scores_rank_delete AFTER DELETE ON scores FOR EACH ROW EXECUTE FUNCTION scores_rank_buckets();
CREATE TRIGGER scores_rank_update AFTER UPDATE OF guild_id, period, points ON scores
FOR EACH ROW WHEN (OLD.points <> NEW.points OR OLD.guild_id <> NEW.guild_id OR OLD.period <> NEW.period)
EXECUTE FUNCTION scores_rank_buckets();

DROP FUNCTION rank_bucket_add(BIGINT, TEXT, INTEGER, BIGINT, INTEGER);
