"""PostgreSQL for the tests: one database per session, one schema per test, and raw SQL beside the store.

The server comes from ``TEST_POSTGRES_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``); without it,
PostgreSQL tests are skipped with :data:`SKIP_REASON`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from bot.storage.postgres.database import bind

SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()
SKIP_REASON = "PostgreSQL tests need TEST_POSTGRES_URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres"

_database_url: str | None = None
"""The session's database, once :func:`session_database` created it."""


def with_database(url: str, database: str, schema: str | None = None) -> str:
    """Return ``url`` pointing at another database (and, with ``schema``, searching only that schema)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if schema is not None:
        query["search_path"] = schema
    return urlunsplit(parts._replace(path=f"/{database}", query=urlencode(query)))


@contextmanager
def session_database() -> Iterator[str]:
    """Create a fresh database for this process's test session; yield its URL; drop it afterwards."""
    global _database_url
    name = f"mythorfact_test_{os.getpid()}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(SERVER_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    _database_url = with_database(SERVER_URL, name)
    try:
        yield _database_url
    finally:
        _database_url = None
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def schema_for(folder: Path) -> str:
    """Return the schema that holds the data of the test whose files live in ``folder``."""
    return "t_" + hashlib.sha1(str(folder).encode()).hexdigest()[:20]


async def schema_url(folder: Path) -> str:
    """Return a URL of the session database searching the test's own schema (created if needed)."""
    assert _database_url is not None, "request the postgres_database fixture first"
    schema = schema_for(folder)
    conn = await asyncpg.connect(_database_url)
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    finally:
        await conn.close()
    return with_database(_database_url, urlsplit(_database_url).path.lstrip("/"), schema)


def question_marks_to_numbers(sql: str) -> str:
    """Turn SQLite-style ``?`` placeholders into PostgreSQL's ``$1, $2…``."""
    numbers = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


@asynccontextmanager
async def raw_connection(folder: Path) -> AsyncIterator:
    """Yield ``run(sql, *params)`` on a connection of its own to the test's schema (each call commits)."""
    conn = await asyncpg.connect(await schema_url(folder))

    async def run(sql: str, *params: object) -> list[tuple]:
        if len(params) == 1 and isinstance(params[0], dict):
            text, args = bind(sql, params[0])
        else:
            text, args = question_marks_to_numbers(sql), list(params)
        return [tuple(row) for row in await conn.fetch(text, *args)]

    try:
        yield run
    finally:
        await conn.close()
