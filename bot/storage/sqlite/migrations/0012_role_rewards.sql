-- Role rewards: a role per server for all-time points, a daily streak, or the top of last week's board.
CREATE TABLE role_rewards (
    guild_id      INTEGER NOT NULL,
    role_id       INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('points', 'streak', 'weekly')),
    threshold     INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, role_id)
) WITHOUT ROWID;

-- The reward roles the bot gave, so that it only ever takes back roles it gave itself.
CREATE TABLE role_grants (
    guild_id   INTEGER NOT NULL,
    role_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, role_id, user_id)
) WITHOUT ROWID;

-- A member's grants (scores changed, forgetme).
CREATE INDEX role_grants_by_member ON role_grants (guild_id, user_id);
