-- Per-server settings as one JSON document per server; defaults live in bot/settings.py, so adding a setting
-- needs no migration. Only values a moderator changed are stored.
CREATE TABLE server_settings (
    guild_id   INTEGER PRIMARY KEY,
    settings   TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
