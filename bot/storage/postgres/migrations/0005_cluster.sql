-- Leases: one holder at a time per name (a shard served by a process, a cluster-wide job), until it expires.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
