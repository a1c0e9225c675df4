"""SQLite specifics run on SQLite only."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend() -> str:
    """These tests are about the SQLite backend."""
    return "sqlite"
