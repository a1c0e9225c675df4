-- Per-server settings as one JSON document per server; defaults live in bot/core/settings.py, so adding a
-- setting needs no migration. Only values a moderator changed are stored.
CREATE TABLE server_settings (
    guild_id   BIGINT PRIMARY KEY,
    settings   JSONB NOT NULL DEFAULT '{}',
    updated_at TIMESTAMPTZ NOT NULL
);
