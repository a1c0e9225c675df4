"""Numbered SQL migrations for the SQLite store, recorded in ``PRAGMA user_version``."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.core.errors import StoreError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: version ``number`` is reached by running ``sql``."""

    number: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read ``NNNN_name.sql`` files in order; numbers must run 1, 2, 3… without gaps."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise StoreError(f"migration file {path.name} must be named like 0001_description.sql")
        migrations.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(migrations, start=1):
        if migration.number != expected:
            raise StoreError(f"migration {migration.name} should be number {expected:04d}")
    return migrations


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
    if current > latest:
        raise StoreError(
            f"the database is at schema version {current}, but this version of the bot only knows up to "
            f"{latest}. Run a newer version of the bot, or restore a backup made by this version."
        )
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
