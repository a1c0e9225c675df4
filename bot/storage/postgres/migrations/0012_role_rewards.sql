-- Role rewards: a role per server for all-time points, a daily streak, or the top of last week's board.
CREATE TABLE role_rewards (
    guild_id      BIGINT NOT NULL,
    role_id       BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('points', 'streak', 'weekly')),
    threshold     INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, role_id)
);

-- The reward roles the bot gave, so that it only ever takes back roles it gave itself.
CREATE TABLE role_grants (
    guild_id   BIGINT NOT NULL,
    role_id    BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, role_id, user_id)
);

-- A member's grants (scores changed, forgetme).
CREATE INDEX role_grants_by_member ON role_grants (guild_id, user_id);
