"""Reading and bulk-loading whole tables, for copying a database to or from another backend."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from typing import Any

import aiosqlite

from bot.storage.shared import foreign_key_order, iso_moment
from bot.storage.sqlite.database import SqliteDatabase


def sqlite_value(value: Any) -> Any:
    """Return a value as this backend stores it: moments, days and times as text, lists as JSON."""
    if isinstance(value, datetime):
        return iso_moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, list | dict | tuple):
        return json.dumps(value)
    return value


class SqliteLoad:
    """Rows going into the open bulk-load transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows, converting other backends' values."""
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" * len(columns))
        await self._conn.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [[sqlite_value(v) for v in row] for row in rows]
        )


class TransferQueries(SqliteDatabase):
    """The :class:`bot.storage.transfer.TableCopier` part of the SQLite store."""

    async def _search_indexes(self) -> list[str]:
        rows = await self._fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
        return [row["name"] for row in rows]

    async def copy_tables(self) -> list[str]:
        """Return the tables that hold data (not search indexes), each after the tables it references."""
        indexes = await self._search_indexes()
        rows = await self._fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        names = [
            row["name"]
            for row in rows
            if row["name"] not in indexes and not any(row["name"].startswith(f"{index}_") for index in indexes)
        ]
        references = {
            name: {row[0] for row in await self._fetchall('SELECT "table" FROM pragma_foreign_key_list(?)', (name,))}
            for name in names
        }
        return foreign_key_order(names, references)

    async def table_columns(self, table: str) -> list[str]:
        """Return a table's columns, in order."""
        return [
            row["name"] for row in await self._fetchall("SELECT name FROM pragma_table_info(?) ORDER BY cid", (table,))
        ]

    async def count_rows(self, table: str) -> int:
        """Return how many rows a table holds."""
        row = await self._fetchone(f'SELECT COUNT(*) FROM "{table}"')
        return int(row[0]) if row else 0

    async def read_rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[tuple]]:
        """Yield a table's rows in batches."""
        names = ", ".join(f'"{column}"' for column in columns)
        async with self._read_connection().execute(f'SELECT {names} FROM "{table}"') as cursor:
            while rows := await cursor.fetchmany(batch):
                yield [tuple(row) for row in rows]

    @asynccontextmanager
    async def bulk_load(self, tables: Sequence[str], *, replace: bool) -> AsyncIterator[SqliteLoad]:
        """Load ``tables`` in one transaction with the triggers set aside, then restore them and rebuild search."""
        async with self._transaction() as conn:
            triggers = await self._fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            for trigger in triggers:
                await conn.execute(f'DROP TRIGGER "{trigger["name"]}"')
            if replace:
                for table in reversed(tables):
                    await conn.execute(f'DELETE FROM "{table}"')
            yield SqliteLoad(conn)
            for trigger in triggers:
                await conn.execute(trigger["sql"])
            for index in await self._search_indexes():
                await conn.execute(f'INSERT INTO "{index}" ("{index}") VALUES (\'rebuild\')')
