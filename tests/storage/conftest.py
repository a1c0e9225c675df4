"""The contract suite: every test in tests/storage runs on each backend (PostgreSQL only with TEST_POSTGRES_URL)."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS, backend_param


@pytest.fixture(params=[backend_param(name) for name in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test (overrides the suite's SQLite-only fixture)."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_database")
    return request.param


@pytest.fixture
def integrity_error(backend: str) -> type[Exception]:
    """The driver's error for a broken constraint (a foreign key, a unique key) on the backend under test."""
    if backend == "postgres":
        import asyncpg

        return asyncpg.IntegrityConstraintViolationError
    import sqlite3

    return sqlite3.IntegrityError
