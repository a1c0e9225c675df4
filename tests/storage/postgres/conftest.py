"""PostgreSQL specifics run on PostgreSQL only, and are skipped without TEST_POSTGRES_URL."""

from __future__ import annotations

import pytest

from tests import postgres


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """These tests are about the PostgreSQL backend."""
    if not postgres.SERVER_URL:
        pytest.skip(postgres.SKIP_REASON)
    request.getfixturevalue("postgres_database")
    return "postgres"
