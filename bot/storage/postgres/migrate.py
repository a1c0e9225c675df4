"""Numbered SQL migrations for the PostgreSQL store, recorded in the ``schema_migrations`` table.

Several bot processes may start at once against one database: the steps run under a session-level advisory
lock (one per schema), so exactly one process applies each migration and the others find it done.
"""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

from bot.storage.shared import Migration, check_not_newer, read_migrations

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
LOCK_NAME = "mythorfact:migrations:"
"""Prefix of the advisory lock's name; the schema's name follows, so separate schemas migrate independently."""

_CREATE_VERSIONS = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
"""
_LOCK_KEY = "hashtextextended($1 || current_schema(), 0)"


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read this backend's ``NNNN_name.sql`` files in order (see :func:`bot.storage.shared.read_migrations`)."""
    return read_migrations(directory)


async def schema_version(conn: asyncpg.Connection) -> int:
    """Return the highest version recorded in the database (0 for a new one)."""
    if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def migrate(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Bring the schema up to date in one transaction with the version rows; return the names applied.

    The steps a database lacks (all of them for a new one) run as one script: one round trip and one commit, rather
    than four round trips and a commit each. A step that fails undoes them all, so the schema is either as it was
    or up to date. A database newer than the code is refused with :class:`bot.core.errors.StoreError` rather than
    guessed at.
    """
    migrations = load_migrations() if migrations is None else migrations
    latest = migrations[-1].number if migrations else 0
    current = await schema_version(conn)
    check_not_newer(current, latest)
    if current == latest:
        return []  # the usual start: nothing to write (so a read-only standby can be opened too)
    await conn.execute(f"SELECT pg_advisory_lock({_LOCK_KEY})", LOCK_NAME)
    try:
        await conn.execute(_CREATE_VERSIONS)
        current = await schema_version(conn)  # again: another process may have migrated while this one waited
        check_not_newer(current, latest)
        pending = [migration for migration in migrations if migration.number > current]
        if not pending:
            return []
        async with conn.transaction():
            # Each step on lines of its own, ended by a semicolon: a step's last line may be a comment.
            await conn.execute("\n".join(f"{migration.sql}\n;" for migration in pending))
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) SELECT * FROM unnest($1::integer[], $2::text[])",
                [migration.number for migration in pending],
                [migration.name for migration in pending],
            )
        for migration in pending:
            log.info("Applied database migration %s", migration.name)
        return [migration.name for migration in pending]
    finally:
        if not conn.is_closed():
            await conn.execute(f"SELECT pg_advisory_unlock({_LOCK_KEY})", LOCK_NAME)
