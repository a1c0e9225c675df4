"""Contract tests for server settings on every backend: stored per server, validated, persistent, cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import MythOrFactError
from bot.core.settings import ServerSettings
from bot.storage.base import FactStore
from tests.conftest import RawSql, open_test_store


async def test_settings_persist_and_are_cached(empty_store: FactStore, backend: str, tmp_path: Path, raw_sql: RawSql):
    store = empty_store
    assert await store.server_settings(1) == ServerSettings()
    await store.update_server_settings(1, {"quiz_extra_time": 100})
    assert (await store.server_settings(1)).quiz_extra_time == 100
    assert await store.server_settings(2) == ServerSettings(), "per server"
    with pytest.raises(MythOrFactError):
        await store.update_server_settings(1, {"quiz_rounds": 999})
    assert (await store.server_settings(1)).quiz_rounds == 10, "a refused change changes nothing"
    await store.close()
    reopened = await open_test_store(backend, tmp_path)
    try:
        assert (await reopened.server_settings(1)).quiz_extra_time == 100
        await raw_sql("UPDATE server_settings SET settings = '{}'")
        assert (await reopened.server_settings(1)).quiz_extra_time == 100, "reads come from the cache"
    finally:
        await reopened.close()
