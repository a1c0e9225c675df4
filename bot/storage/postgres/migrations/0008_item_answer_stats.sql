-- Adaptive difficulty reads an item's correct rate in every server at once: `item_stats` counts the answers to
-- each item over all servers, kept by the same trigger that counts them per server. Existing counts are summed
-- from `guild_item_stats`.
ALTER TABLE item_stats ADD COLUMN answers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE item_stats ADD COLUMN correct_answers BIGINT NOT NULL DEFAULT 0;

INSERT INTO item_stats AS stats (item_pk, answers, correct_answers)
SELECT item_pk, SUM(answers), SUM(correct_answers) FROM guild_item_stats GROUP BY item_pk
ON CONFLICT (item_pk) DO UPDATE SET answers = excluded.answers, correct_answers = excluded.correct_answers;

CREATE OR REPLACE FUNCTION rounds_count_item_and_topic() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO guild_item_stats AS stats (guild_id, item_pk, times_asked, answers, correct_answers)
    VALUES (NEW.guild_id, NEW.item_pk, 1, NEW.answers, NEW.correct_answers)
    ON CONFLICT (guild_id, item_pk) DO UPDATE SET
        times_asked = stats.times_asked + 1,
        answers = stats.answers + excluded.answers,
        correct_answers = stats.correct_answers + excluded.correct_answers;
    INSERT INTO item_stats AS overall (item_pk, answers, correct_answers)
    VALUES (NEW.item_pk, NEW.answers, NEW.correct_answers)
    ON CONFLICT (item_pk) DO UPDATE SET
        answers = overall.answers + excluded.answers,
        correct_answers = overall.correct_answers + excluded.correct_answers;
    INSERT INTO guild_topics AS topics (guild_id, topic, rounds) VALUES (NEW.guild_id, NEW.topic, 1)
    ON CONFLICT (guild_id, topic) DO UPDATE SET rounds = topics.rounds + 1;
    RETURN NULL;
END
$$;
