-- Moderation: server-local content, hidden items, the audit trail, suggestions, daily posts, and
-- when the bot left a server (for the retention period).

-- Custom facts and uploaded packs belong to one server; NULL means a shipped pack everyone gets.
-- A server pack's id is "<guild id>~<pack id>" inside the database; users see only "<pack id>".
ALTER TABLE packs ADD COLUMN guild_id INTEGER;
ALTER TABLE items ADD COLUMN guild_id INTEGER;
-- The member credited for a custom fact (its author, or whoever suggested it).
ALTER TABLE items ADD COLUMN author_id INTEGER;
CREATE INDEX items_by_guild ON items (guild_id) WHERE guild_id IS NOT NULL;

-- Items a server's moderators hid (after a dispute, say); they leave that server's rotation only.
CREATE TABLE hidden_items (
    guild_id  INTEGER NOT NULL,
    item_pk   INTEGER NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    hidden_by INTEGER NOT NULL,
    hidden_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, item_pk)
) WITHOUT ROWID;

-- Who changed what, and when: `config history`.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX audit_by_guild ON audit_log (guild_id, id);

-- Members' suggestions, waiting for review; an approved one points at the custom item it became.
CREATE TABLE suggestions (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('myth', 'fact')),
    claim        TEXT NOT NULL,
    truth        TEXT NOT NULL,
    topic        TEXT NOT NULL,
    source       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at   TEXT NOT NULL,
    reviewed_by  INTEGER,
    reviewed_at  TEXT,
    item_pk      INTEGER REFERENCES items (pk) ON DELETE SET NULL
);
CREATE INDEX suggestions_pending ON suggestions (guild_id, id) WHERE status = 'pending';
CREATE INDEX suggestions_by_member ON suggestions (guild_id, user_id, created_at);

-- One daily schedule per server. `next_due` (UTC, ISO 8601) is what the single scheduler sleeps on.
CREATE TABLE daily_schedules (
    guild_id      INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL,
    post_time     TEXT NOT NULL,
    zone          TEXT NOT NULL,
    topic         TEXT,
    next_due      TEXT NOT NULL,
    paused_reason TEXT,
    updated_at    TEXT NOT NULL
);
CREATE INDEX daily_due ON daily_schedules (next_due) WHERE paused_reason IS NULL;

-- One row per server and local day, written before the post is sent: the primary key is what makes a
-- second post on the same day impossible, whichever pass, retry or restart tries it.
CREATE TABLE daily_posts (
    guild_id   INTEGER NOT NULL,
    day        TEXT NOT NULL,
    item_pk    INTEGER REFERENCES items (pk) ON DELETE SET NULL,
    channel_id INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'skipped', 'failed')),
    message_id INTEGER,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, day)
) WITHOUT ROWID;
-- Posts still waiting to be settled (a crash or a delayed send), looked at on every scheduler pass.
CREATE INDEX daily_posts_claimed ON daily_posts (claimed_at) WHERE status = 'claimed';

-- Members' answers to a daily post: one per member and day.
CREATE TABLE daily_answers (
    guild_id    INTEGER NOT NULL,
    day         TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, day, user_id)
) WITHOUT ROWID;

-- Consecutive daily posts a member answered right, and the best run so far.
CREATE TABLE daily_streaks (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    current  INTEGER NOT NULL DEFAULT 0,
    best     INTEGER NOT NULL DEFAULT 0,
    last_day TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

-- Servers the bot left, and when; their data is deleted once the retention period has passed.
CREATE TABLE departed_guilds (
    guild_id INTEGER PRIMARY KEY,
    left_at  TEXT NOT NULL
);

-- == Running quizzes (crash recovery; added with the end-to-end reliability suite) ==
-- One row per quiz in progress, written when it starts and deleted when it ends. A row still here at
-- start-up belongs to a quiz a crash interrupted: the bot closes it with a message and deletes the row.
CREATE TABLE running_quizzes (
    session_id TEXT PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    started_at TEXT NOT NULL
);
