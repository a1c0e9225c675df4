-- Personal review (see bot.core.review): the myths and facts each member got wrong, per server, on a
-- spaced-repetition schedule, and each member's review numbers and opt-out.

-- One row per member and missed item. `step` 0-3 is learning (due on `due_on`, a local day); 4 is mastered
-- (`due_on` NULL). A deleted item takes its rows with it; retired and hidden ones are cleaned up when read.
CREATE TABLE review_items (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    item_pk   INTEGER NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    step      INTEGER NOT NULL CHECK (step BETWEEN 0 AND 4),
    due_on    TEXT CHECK ((step = 4) = (due_on IS NULL)),
    missed_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, item_pk)
) WITHOUT ROWID;
-- A member's due cards, in the order they are shown.
CREATE INDEX review_items_due ON review_items (guild_id, user_id, due_on, missed_at) WHERE due_on IS NOT NULL;

-- A member's review numbers in a server, whether they turned review off there, and their DM reminder: on or off,
-- and the moment (UTC) from which the next one may go out (the server's next midnight after the last one).
CREATE TABLE review_members (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    opted_out       INTEGER NOT NULL DEFAULT 0 CHECK (opted_out IN (0, 1)),
    streak_current  INTEGER NOT NULL DEFAULT 0,
    streak_best     INTEGER NOT NULL DEFAULT 0,
    last_review_day TEXT,
    reviews         INTEGER NOT NULL DEFAULT 0,
    correct_reviews INTEGER NOT NULL DEFAULT 0,
    remind          INTEGER NOT NULL DEFAULT 0 CHECK (remind IN (0, 1)),
    next_reminder_at TEXT,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
-- Members who asked for reminders, by when the next may go out (the reminder task reads it).
CREATE INDEX review_reminders ON review_members (next_reminder_at) WHERE remind = 1;
