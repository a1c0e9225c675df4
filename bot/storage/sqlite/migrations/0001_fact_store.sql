-- The fact store: packs, their items, full-text search, per-server rotation and per-item stats.

CREATE TABLE packs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    author      TEXT NOT NULL,
    license     TEXT NOT NULL,
    version     TEXT NOT NULL,
    file        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    loaded_at   TEXT NOT NULL
);

-- `pk` is the internal key that stats and rotation point at; it stays the same when a pack edits an
-- item, so history survives edits. `(pack_id, item_id)` is the stable public id.
CREATE TABLE items (
    pk              INTEGER PRIMARY KEY,
    pack_id         TEXT NOT NULL REFERENCES packs (id),
    item_id         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('myth', 'fact', 'question')),
    claim           TEXT NOT NULL,
    truth           TEXT NOT NULL,
    topic           TEXT NOT NULL,
    tags            TEXT NOT NULL DEFAULT '[]',
    difficulty      INTEGER NOT NULL CHECK (difficulty BETWEEN 1 AND 3),
    source_title    TEXT NOT NULL,
    source_url      TEXT,
    source_citation TEXT,
    question        TEXT,
    answers         TEXT NOT NULL DEFAULT '[]',
    choices         TEXT NOT NULL DEFAULT '[]',
    content_hash    TEXT NOT NULL,
    retired         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (pack_id, item_id)
);

CREATE INDEX items_by_pool ON items (kind, topic) WHERE retired = 0;
CREATE INDEX items_by_item_id ON items (item_id);

CREATE VIRTUAL TABLE items_fts USING fts5 (
    claim, truth, topic,
    content = 'items', content_rowid = 'pk',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, claim, truth, topic) VALUES (new.pk, new.claim, new.truth, new.topic);
END;

CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, claim, truth, topic)
    VALUES ('delete', old.pk, old.claim, old.truth, old.topic);
END;

CREATE TRIGGER items_fts_update AFTER UPDATE OF claim, truth, topic ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, claim, truth, topic)
    VALUES ('delete', old.pk, old.claim, old.truth, old.topic);
    INSERT INTO items_fts (rowid, claim, truth, topic) VALUES (new.pk, new.claim, new.truth, new.topic);
END;

-- Which items a server has already seen in the current cycle of a pool ("fact:space", "myth:*").
CREATE TABLE served (
    guild_id  INTEGER NOT NULL,
    pool      TEXT NOT NULL,
    item_pk   INTEGER NOT NULL REFERENCES items (pk) ON DELETE CASCADE,
    served_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, pool, item_pk)
) WITHOUT ROWID;

CREATE TABLE item_stats (
    item_pk      INTEGER PRIMARY KEY REFERENCES items (pk) ON DELETE CASCADE,
    times_served INTEGER NOT NULL DEFAULT 0
);
