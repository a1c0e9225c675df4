-- Start-up reads a pack file again only when its bytes changed: each synced file's digest (SHA-256 of the loader's
-- version and the file's bytes), its pack and its item count, written in the same transaction as its items.
CREATE TABLE pack_files (
    file    TEXT PRIMARY KEY,
    digest  TEXT NOT NULL,
    pack_id TEXT NOT NULL REFERENCES packs (id),
    items   INTEGER NOT NULL
);
