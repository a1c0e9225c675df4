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
    """Bring the schema up to date in one transaction; return the names applied.

    The steps a database lacks (all of them for a new one) run as one script, with the version: a step that fails
    undoes them all, so the schema is either as it was or up to date. A database newer than the code is refused
    with :class:`StoreError` rather than guessed at.
    """
    migrations = load_migrations() if migrations is None else migrations
    latest = migrations[-1].number if migrations else 0
    current = await schema_version(conn)
    check_not_newer(current, latest)
    pending = [migration for migration in migrations if migration.number > current]
    if not pending:
        return []
    # executescript() runs the statements as written, so the whole upgrade is one explicit transaction; each step
    # on lines of its own, ended by a semicolon (a step's last line may be a comment).
    steps = "\n".join(f"{migration.sql}\n;" for migration in pending)
    try:
        await conn.executescript(f"BEGIN IMMEDIATE;\n{steps}\nPRAGMA user_version = {latest};\nCOMMIT;")
    except Exception:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
    for migration in pending:
        log.info("Applied database migration %s", migration.name)
    return [migration.name for migration in pending]
