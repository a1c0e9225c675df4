-- Start-up reads a pack file again only when its bytes changed: each synced file's digest (SHA-256 of the loader's
-- version and the file's bytes), its pack and its item count, written in the same transaction as its items.
CREATE TABLE pack_files (
    file    TEXT PRIMARY KEY,
    digest  TEXT NOT NULL,
    pack_id TEXT NOT NULL REFERENCES packs (id),
    items   INTEGER NOT NULL
);

-- Indexing items for search one trigger at a time makes FTS5 flush a tiny segment per row, which is most of the cost
-- of loading packs. While this table has its one row (only ever inside a pack loader's transaction, deleted before
-- it commits) the triggers stand aside, and the loader indexes every item it changed in one statement.
CREATE TABLE items_fts_deferred (deferred INTEGER PRIMARY KEY CHECK (deferred = 1));

DROP TRIGGER items_fts_insert;
CREATE TRIGGER items_fts_insert AFTER INSERT ON items WHEN NOT EXISTS (SELECT 1 FROM items_fts_deferred) BEGIN
    INSERT INTO items_fts (rowid, claim, truth, topic) VALUES (new.pk, new.claim, new.truth, new.topic);
END;

DROP TRIGGER items_fts_update;
CREATE TRIGGER items_fts_update AFTER UPDATE OF claim, truth, topic ON items
WHEN NOT EXISTS (SELECT 1 FROM items_fts_deferred) BEGIN
    INSERT INTO items_fts (items_fts, rowid, claim, truth, topic)
    VALUES ('delete', old.pk, old.claim, old.truth, old.topic);
    INSERT INTO items_fts (rowid, claim, truth, topic) VALUES (new.pk, new.claim, new.truth, new.topic);
END;
