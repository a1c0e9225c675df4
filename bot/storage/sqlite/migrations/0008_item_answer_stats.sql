-- Adaptive difficulty reads an item's correct rate in every server at once: `item_stats` counts the answers to
-- each item over all servers, kept by the same trigger that counts them per server. Existing counts are summed
-- from `guild_item_stats`.
ALTER TABLE item_stats ADD COLUMN answers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_stats ADD COLUMN correct_answers INTEGER NOT NULL DEFAULT 0;

INSERT INTO item_stats (item_pk, answers, correct_answers)
SELECT item_pk, SUM(answers), SUM(correct_answers) FROM guild_item_stats WHERE true GROUP BY item_pk
ON CONFLICT (item_pk) DO UPDATE SET answers = excluded.answers, correct_answers = excluded.correct_answers;

DROP TRIGGER rounds_count_item_and_topic;
CREATE TRIGGER rounds_count_item_and_topic AFTER INSERT ON rounds BEGIN
    INSERT INTO guild_item_stats (guild_id, item_pk, times_asked, answers, correct_answers)
    VALUES (new.guild_id, new.item_pk, 1, new.answers, new.correct_answers)
    ON CONFLICT (guild_id, item_pk) DO UPDATE SET
        times_asked = times_asked + 1,
        answers = answers + excluded.answers,
        correct_answers = correct_answers + excluded.correct_answers;
    INSERT INTO item_stats (item_pk, answers, correct_answers) VALUES (new.item_pk, new.answers, new.correct_answers)
    ON CONFLICT (item_pk) DO UPDATE SET
        answers = answers + excluded.answers,
        correct_answers = correct_answers + excluded.correct_answers;
    INSERT INTO guild_topics (guild_id, topic, rounds) VALUES (new.guild_id, new.topic, 1)
    ON CONFLICT (guild_id, topic) DO UPDATE SET rounds = rounds + 1;
END;
