"""Copying a whole database between backends (``python -m bot db copy SOURCE TARGET``), with the bot stopped.

Both ends are opened as stores (so the target gets the schema, and both are at their latest version). The tables
both schemas have are copied in foreign-key order, in batches, inside one transaction on the target with its
triggers set aside (rank buckets, item statistics and search indexes are copied or rebuilt, not counted twice);
then the row counts are compared table by table. A target that already holds rows is refused unless forced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.storage import open_store, parse_database_url

BATCH_ROWS = 1_000
"""Rows read and written at a time."""

Progress = Callable[[str, int, int], None]
"""``progress(table, copied, total)``, called after each batch."""


class TableCopier(Protocol):
    """What a backend offers the copy: its tables, their rows, and a bulk load that skips its triggers."""

    async def copy_tables(self) -> list[str]:
        """Return the tables that hold data, each after the tables it references."""
        ...

    async def table_columns(self, table: str) -> list[str]:
        """Return a table's columns, in order."""
        ...

    async def count_rows(self, table: str) -> int:
        """Return how many rows a table holds."""
        ...

    def read_rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[tuple]]:
        """Yield a table's rows in batches (values as this backend's driver returns them)."""
        ...

    def bulk_load(self, tables: Sequence[str], *, replace: bool) -> AbstractAsyncContextManager[BulkLoad]:
        """Open one transaction that loads ``tables`` without firing triggers (emptying them first if ``replace``)."""
        ...


class BulkLoad(Protocol):
    """The open bulk load: rows go in with :meth:`write_rows` and are committed when the block ends."""

    async def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows (any backend's values; converted to this one's types)."""
        ...


class CopyRefused(Exception):
    """The copy cannot start or did not check out; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What was copied: rows per table, as counted on both ends afterwards."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows copied in all."""
        return sum(self.rows.values())


async def copy_database(
    source_url: str, target_url: str, *, force: bool = False, progress: Progress | None = None
) -> CopyReport:
    """Copy every row of the database at ``source_url`` into the one at ``target_url``; compare the counts."""
    source_target, destination = parse_database_url(source_url), parse_database_url(target_url)
    if source_target.display == destination.display:
        raise CopyRefused("the source and the target are the same database")
    source = await open_store(source_target)
    try:
        target = await open_store(destination)
        try:
            return await _copy(source, target, destination.display, force, progress)  # type: ignore[arg-type]
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(
    source: TableCopier, target: TableCopier, target_name: str, force: bool, progress: Progress | None
) -> CopyReport:
    source_tables = set(await source.copy_tables())
    tables = [table for table in await target.copy_tables() if table in source_tables]
    filled = [table for table in tables if await target.count_rows(table)]
    if filled and not force:
        raise CopyRefused(
            f"{target_name} is not empty ({', '.join(filled[:3])}{'…' if len(filled) > 3 else ''} hold rows); "
            "add --force to replace its contents"
        )
    report: dict[str, int] = {}
    async with target.bulk_load(tables, replace=bool(filled)) as load:
        for table in tables:
            source_columns = set(await source.table_columns(table))
            columns = [column for column in await target.table_columns(table) if column in source_columns]
            total, copied = await source.count_rows(table), 0
            async for rows in source.read_rows(table, columns, BATCH_ROWS):
                await load.write_rows(table, columns, rows)
                copied += len(rows)
                if progress is not None:
                    progress(table, copied, total)
            if progress is not None and total == 0:
                progress(table, 0, 0)
        for table in tables:  # still inside the transaction: a mismatch rolls the whole copy back
            expected, found = await source.count_rows(table), await target.count_rows(table)
            if expected != found:
                raise CopyRefused(f"table {table}: {expected} rows in the source but {found} in the target")
            report[table] = found
    return CopyReport(report)
