"""Shared fixtures: a real store (every backend) loaded with the sample pack, and the bot wired to it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.core.catalog import load_pack_dir
from bot.storage import DatabaseTarget, open_store
from bot.storage.base import FactStore
from tests import postgres
from tests.helpers import SAMPLE_PACKS, make_config

BACKENDS = ["sqlite", "postgres"]
"""Every storage backend; tests/storage runs its contract tests against each (the rest of the suite uses SQLite).
A new backend adds its name here and in open_test_store."""


RawSql = Callable[..., Awaitable[list[tuple]]]
"""``await raw_sql(sql, *params)``: run SQL on the test's database beside the store; return the rows as tuples.
Placeholders are ``?`` (or ``:name`` with one dict) on every backend."""


async def open_test_store(backend: str, folder: Path) -> FactStore:
    """Open an empty, migrated store of ``backend`` for one test, its data under ``folder``.

    Opening it again with the same ``folder`` reopens the same data (a PostgreSQL schema named after the folder).
    """
    if backend == "postgres":
        return await open_store(DatabaseTarget("postgresql", None, await postgres.schema_url(folder)))
    assert backend == "sqlite", backend
    return await open_store(DatabaseTarget("sqlite", folder / "store.db"))


def backend_param(name: str) -> object:
    """A ``backend`` parameter, skipped with one clear reason when its server is not configured."""
    if name == "postgres":
        return pytest.param(name, marks=pytest.mark.skipif(not postgres.SERVER_URL, reason=postgres.SKIP_REASON))
    return name


on_every_backend = pytest.mark.parametrize("backend", [backend_param(name) for name in BACKENDS], indirect=True)
"""Run a test outside tests/storage (a behaviour test whose logic lives in the store) once per backend."""


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test: SQLite, except in tests/storage (see its conftest.py) and tests marked
    :data:`on_every_backend`."""
    name = getattr(request, "param", "sqlite")
    if name == "postgres":
        request.getfixturevalue("postgres_database")
    return name


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create a PostgreSQL database for this test session (each test gets a schema in it); drop it at the end."""
    if not postgres.SERVER_URL:
        pytest.skip(postgres.SKIP_REASON)
    with postgres.session_database() as url:
        yield url


@pytest_asyncio.fixture
async def empty_store(backend: str, tmp_path: Path) -> AsyncIterator[FactStore]:
    """Return an empty, migrated store."""
    opened = await open_test_store(backend, tmp_path)
    yield opened
    await opened.close()


@pytest_asyncio.fixture
async def raw_sql(backend: str, tmp_path: Path) -> AsyncIterator[RawSql]:
    """Run SQL on the test's database through a connection of its own: to check what was stored, or to set up
    rows no command can write (old data that today's rules refuse). Each call commits."""
    if backend == "postgres":
        async with postgres.raw_connection(tmp_path) as run:
            yield run
        return

    async def run(sql: str, *params: object) -> list[tuple]:
        named = len(params) == 1 and isinstance(params[0], dict)
        with sqlite3.connect(tmp_path / "store.db") as conn:
            return conn.execute(sql, params[0] if named else params).fetchall()

    yield run


@pytest_asyncio.fixture
async def store(empty_store: FactStore) -> FactStore:
    """Return a store with the sample pack loaded (items 1..7)."""
    report, problems = await load_pack_dir(empty_store, SAMPLE_PACKS)
    assert problems == []
    assert report.added == 7
    return empty_store


@pytest.fixture
def simcord_bot(store: FactStore):
    """Build the real bot over the test store, for simcord's ``simcord_env`` fixture."""
    from bot.app.client import MythOrFactBot

    return MythOrFactBot(make_config(), store)
