"""Reading and bulk-loading whole tables, for copying a database to or from another backend."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.storage.postgres.database import PostgresDatabase, unavailable_as_storage_error
from bot.storage.shared import as_clock, as_day, as_moment, foreign_key_order


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "timestamp with time zone": as_moment,
    "date": as_day,
    "time without time zone": as_clock,
    "jsonb": _json_value,
}
"""How another backend's value (SQLite's ISO text and JSON text) becomes this column type's value."""


class PostgresLoad:
    """Rows going into the open bulk-load transaction."""

    def __init__(self, conn: asyncpg.Connection, types: dict[tuple[str, str], str]) -> None:
        self._conn = conn
        self._types = types

    async def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows, converting other backends' values to the columns' types."""
        convert = [_CONVERTERS.get(self._types[table, column]) for column in columns]
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        records = [
            [value if value is None or fix is None else fix(value) for fix, value in zip(convert, row, strict=True)]
            for row in rows
        ]
        await self._conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', records)


class TransferQueries(PostgresDatabase):
    """The :class:`bot.storage.transfer.TableCopier` part of the PostgreSQL store."""

    async def copy_tables(self) -> list[str]:
        """Return the tables that hold data (not the migration record), each after the tables it references."""
        rows = await self._fetchall(
            """SELECT table_name FROM information_schema.tables
               WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                 AND table_name <> 'schema_migrations'"""
        )
        names = [row["table_name"] for row in rows]
        references: dict[str, set[str]] = {name: set() for name in names}
        for row in await self._fetchall(
            """SELECT conrelid::regclass::text AS name, confrelid::regclass::text AS target FROM pg_constraint
               WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"""
        ):
            references.setdefault(row["name"], set()).add(row["target"])
        return foreign_key_order(names, references)

    async def table_columns(self, table: str) -> list[str]:
        """Return a table's columns that take values, in order (not generated ones such as the search vector)."""
        rows = await self._fetchall(
            """SELECT column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
               ORDER BY ordinal_position""",
            (table,),
        )
        return [row["column_name"] for row in rows]

    async def count_rows(self, table: str) -> int:
        """Return how many rows a table holds."""
        row = await self._fetchone(f'SELECT COUNT(*) FROM "{table}"')
        return int(row[0]) if row else 0

    async def read_rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[tuple]]:
        """Yield a table's rows in batches, through a cursor of one snapshot."""
        names = ", ".join(f'"{column}"' for column in columns)
        with unavailable_as_storage_error():
            async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                cursor = await conn.cursor(f'SELECT {names} FROM "{table}"')
                while rows := await cursor.fetch(batch):
                    yield [tuple(row) for row in rows]

    @asynccontextmanager
    async def bulk_load(self, tables: Sequence[str], *, replace: bool) -> AsyncIterator[PostgresLoad]:
        """Load ``tables`` in one transaction with their triggers off; then restart the id sequences after the ids."""
        async with self._transaction() as conn:
            listed = ", ".join(f'"{table}"' for table in tables)
            if replace:
                await conn.execute(f"TRUNCATE {listed}")
            for table in tables:
                await conn.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            columns = await conn.fetch(
                """SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns
                   WHERE table_schema = current_schema()"""
            )
            types = {(row["table_name"], row["column_name"]): row["data_type"] for row in columns}
            yield PostgresLoad(conn, types)
            for table in tables:
                await conn.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            for row in columns:
                if row["is_identity"] == "YES" and row["table_name"] in tables:
                    table, column = row["table_name"], row["column_name"]
                    await conn.execute(
                        f"""SELECT setval(pg_get_serial_sequence('"{table}"', '{column}'),
                                          COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table}" """
                    )
