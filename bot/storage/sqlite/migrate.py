"""Numbered SQL migrations for the SQLite store, recorded in ``PRAGMA user_version``."""

from __future__ import annotations

import logging
from pathlib import Path

import aiosqlite

from bot.storage.shared import Migration, check_not_newer, read_migrations

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read this backend's ``NNNN_name.sql`` files in order (see :func:`bot.storage.shared.read_migrations`)."""
    return read_migrations(directory)


async def schema_version(conn: aiosqlite.Connection) -> int:
    """Return the version recorded in the database (0 for a new one)."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Bring the schema up to date, each step in its own transaction; return the names applied.

    A database newer than the code is refused with :class:`StoreError` rather than guessed at.
    """
    migrations = load_migrations() if migrations is None else migrations
    latest = migrations[-1].number if migrations else 0
    current = await schema_version(conn)
    check_not_newer(current, latest)
    applied = []
    for migration in migrations:
        if migration.number <= current:
            continue
        # executescript() runs the statements as written, so the whole step is one explicit transaction.
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.number};\nCOMMIT;"
        try:
            await conn.executescript(script)
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        log.info("Applied database migration %s", migration.name)
        applied.append(migration.name)
    return applied
