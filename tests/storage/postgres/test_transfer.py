"""Copying a whole database from SQLite to PostgreSQL and back (``python -m bot db copy``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.admin import parse_upload
from bot.core.catalog import load_pack_dir
from bot.core.scores import ALL_TIME
from bot.storage import DatabaseTarget, open_store
from bot.storage.base import FactStore
from bot.storage.transfer import CopyRefused, copy_database
from tests import postgres
from tests.helpers import SAMPLE_PACKS, pack_toml
from tests.storage.test_admin import BEN, DRAFT, GUILD, NOW, seed_member_data


async def everything(store: FactStore) -> str:
    """What a server's export holds, plus what shipped items look like: equal stores give equal text."""
    sections = await store.export_sections(GUILD)
    extra = {
        "board": [row.points for row in await store.top_scores(GUILD, ALL_TIME)],
        "search": [item.ref for item in await store.search("wombat cubes")],
        "audit": [(entry.action, entry.detail) for entry in await store.audit_history(GUILD)],
    }
    return json.dumps({**sections, **extra}, sort_keys=True, default=str)


async def test_a_database_copies_to_postgresql_and_back(tmp_path: Path, backend: str):
    sqlite_url, back_url = f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'back.db'}"
    source = await open_store(DatabaseTarget("sqlite", tmp_path / "source.db"))
    await load_pack_dir(source, SAMPLE_PACKS)
    await seed_member_data(source)
    club = await source.import_server_pack(GUILD, parse_upload(pack_toml(), "club.toml").pack)
    assert club.added == 2
    await source.hide_item(GUILD, (await source.get_item("club/first", GUILD)).pk, BEN, NOW)
    expected = await everything(source)
    await source.close()

    pg_url = await postgres.schema_url(tmp_path / "copy")
    seen: list[str] = []
    report = await copy_database(sqlite_url, pg_url, progress=lambda table, copied, total: seen.append(table))
    assert report.rows["items"] == 13 and report.rows["scores"] == 6 and "rank_buckets" in seen
    copy = await open_store(DatabaseTarget("postgresql", None, pg_url))
    try:
        assert await everything(copy) == expected
        added = await copy.add_custom_fact(GUILD, DRAFT, BEN, NOW)
        assert (added.number, added.item.pk) == (4, 14), "numbering and ids carry on after the copy"
    finally:
        await copy.close()

    with pytest.raises(CopyRefused, match="not empty"):
        await copy_database(sqlite_url, pg_url)
    assert (await copy_database(sqlite_url, pg_url, force=True)).rows == report.rows

    await copy_database(pg_url, back_url)
    back = await open_store(DatabaseTarget("sqlite", tmp_path / "back.db"))
    try:
        assert await everything(back) == expected
    finally:
        await back.close()


def test_the_command_copies_shows_progress_and_never_the_password(tmp_path: Path, backend: str):
    import asyncio
    import subprocess
    import sys

    from tests.helpers import PROJECT, bot_env

    async def make_source() -> None:
        store = await open_store(DatabaseTarget("sqlite", tmp_path / "source.db"))
        await load_pack_dir(store, SAMPLE_PACKS)
        await store.close()

    asyncio.run(make_source())
    target = asyncio.run(postgres.schema_url(tmp_path / "copy")).replace("postgres@", "postgres:s3cret@")
    command = [sys.executable, "-m", "bot", "db", "copy", f"sqlite:///{tmp_path / 'source.db'}", target]
    env = bot_env(tmp_path, PYTHONPATH=str(PROJECT))
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "items" in done.stderr and "7/7 rows" in done.stderr
    assert done.stdout.startswith("Copied ") and "every table's row count matches" in done.stdout
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "add --force" in again.stderr
    assert "s3cret" not in done.stdout + done.stderr + again.stderr
