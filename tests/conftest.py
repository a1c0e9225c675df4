"""Shared fixtures: a real SQLite store loaded with the sample pack, and the bot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config
from bot.sqlite_store import SqliteStore
from bot.store import load_pack_dir

TESTS_DIR = Path(__file__).parent
SAMPLE_PACKS = TESTS_DIR / "data" / "packs"
FAKE_TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def make_config(**overrides: object) -> Config:
    """Return a valid config for tests, with ``overrides`` applied."""
    values: dict[str, object] = {"token": FAKE_TOKEN, "packs_dir": SAMPLE_PACKS}
    values.update(overrides)
    return Config(**values)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def store() -> AsyncIterator[SqliteStore]:
    """Return an in-memory store with the sample pack loaded."""
    opened = await SqliteStore.open(None)
    report, problems = await load_pack_dir(opened, SAMPLE_PACKS)
    assert problems == []
    assert report.added == 7
    yield opened
    await opened.close()


@pytest.fixture
def simcord_bot(store: SqliteStore):
    """Build the real bot over the test store, for simcord's ``simcord_env`` fixture."""
    from bot.client import MythOrFactBot

    return MythOrFactBot(make_config(), store)
