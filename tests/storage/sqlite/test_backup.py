"""Backups taken while the bot writes, and restores that refuse anything unsafe (bot/backup.py, the CLI)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.config import DEFAULT_DATABASE_PATH
from bot.storage.sqlite.backup import (
    EXIT_REFUSED,
    BackupError,
    backup_database,
    database_path,
    default_backup_path,
    human_size,
    kept_database_path,
    restore_database,
)
from bot.storage.sqlite.migrate import load_migrations
from bot.storage.sqlite.store import SqliteStore
from tests.helpers import PROJECT, bot_env

LATEST_VERSION = load_migrations()[-1].number
MOMENT = datetime(2026, 11, 26, 14, 30, 5, tzinfo=UTC)


INSERT_SCORE = "INSERT INTO scores (guild_id, period, user_id, points, correct, rounds) VALUES (1, 'all', ?, ?, 1, 1)"


def create_database(path: Path, score_rows: int = 0) -> Path:
    """Create a real bot database (migrated, WAL mode) with ``score_rows`` leaderboard rows."""

    async def create() -> None:
        store = await SqliteStore.open(path)
        await store.close()

    asyncio.run(create())
    with sqlite3.connect(path) as conn:
        conn.executemany(INSERT_SCORE, ((user_id, user_id % 97) for user_id in range(score_rows)))
    conn.close()
    return path


def user_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT user_id FROM scores WHERE guild_id = 1 ORDER BY user_id").fetchall()
    conn.close()
    return [row[0] for row in rows]


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    return result


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return create_database(tmp_path / "data" / "bot.db", score_rows=3)


@pytest.fixture
def backup(database: Path, tmp_path: Path) -> Path:
    return backup_database(database, tmp_path / "saved.db").target


def files_in(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


class ScoreWriter(threading.Thread):
    """Commits one leaderboard row per transaction, like the bot recording rounds, until stopped."""

    def __init__(self, path: Path, first_user_id: int) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.next_user_id = first_user_id
        self.committed = first_user_id
        """Every user id below this one is committed."""
        self.warmed_up = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            while not self.stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(INSERT_SCORE, (self.next_user_id, self.next_user_id % 97))
                conn.execute("COMMIT")
                self.next_user_id += 1
                self.committed = self.next_user_id
                if self.committed % 100 == 0:
                    self.warmed_up.set()
            conn.close()
        except BaseException as exc:
            self.error = exc
            self.warmed_up.set()


# -- backup ------------------------------------------------------------------------------------


def test_backup_taken_under_load_restores_every_row_committed_before_it(tmp_path: Path):
    live = create_database(tmp_path / "data" / "bot.db", score_rows=5000)
    writer = ScoreWriter(live, first_user_id=5000)
    writer.start()
    try:
        assert writer.warmed_up.wait(30)
        committed_before = writer.committed
        report = backup_database(live)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None
    committed_after = writer.committed

    assert report.intact
    assert report.target.parent == live.parent / "backups"
    saved = user_ids(report.target)
    # A consistent snapshot: an unbroken run of commits, with everything committed before the backup began.
    assert saved == list(range(len(saved)))
    assert committed_before <= len(saved) <= committed_after

    restored = restore_database(report.target, live, replace_existing=True)
    assert integrity(live) == "ok"
    assert user_ids(live) == saved
    assert restored.kept is not None
    assert user_ids(restored.kept) == list(range(committed_after)), "the replaced database keeps every row"


def test_backup_does_not_wait_for_an_open_write_and_leaves_it_out(database: Path, tmp_path: Path):
    writer = sqlite3.connect(database, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO scores (guild_id, period, user_id) VALUES (1, 'all', 999)")
    try:
        report = backup_database(database, tmp_path / "copy.db")
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert user_ids(report.target) == [0, 1, 2]
    assert user_ids(database) == [0, 1, 2, 999]


def test_backup_is_one_self_contained_file_with_the_default_name(database: Path):
    report = backup_database(database, moment=MOMENT)
    assert report.target == database.parent / "backups" / "mythorfact-20261126-143005.db"
    assert report.size_bytes == report.target.stat().st_size > 0
    assert report.schema_version == LATEST_VERSION
    assert report.integrity == ("ok",)
    assert sorted(path.name for path in report.target.parent.iterdir()) == [report.target.name]
    with sqlite3.connect(report.target) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    second = backup_database(database, moment=MOMENT)
    assert second.target.name == "mythorfact-20261126-143005-2.db", "a second backup in the same second is kept too"


def test_backup_into_a_folder_uses_the_default_name(database: Path, tmp_path: Path):
    folder = tmp_path / "offsite"
    folder.mkdir()
    assert backup_database(database, folder, moment=MOMENT).target == folder / "mythorfact-20261126-143005.db"


def test_backup_of_a_missing_database_is_refused(tmp_path: Path):
    with pytest.raises(BackupError, match=r"there is no database at .*missing\.db") as caught:
        backup_database(tmp_path / "missing.db")
    assert caught.value.exit_status == EXIT_REFUSED
    assert not (tmp_path / "missing.db").exists()
    assert not (tmp_path / "backups").exists()


def test_backup_never_overwrites_a_file(database: Path, tmp_path: Path):
    existing = tmp_path / "taken.db"
    existing.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(database, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(BackupError, match="cannot overwrite the database itself"):
        backup_database(database, database.parent / "other" / ".." / "bot.db")


# -- restore -----------------------------------------------------------------------------------


def test_restore_replaces_the_database_and_keeps_the_old_one(database: Path, backup: Path):
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO scores (guild_id, period, user_id) VALUES (1, 'all', 42)")
    conn.close()
    report = restore_database(backup, database, replace_existing=True, moment=MOMENT)
    assert user_ids(database) == [0, 1, 2]
    assert report.kept == database.with_name("bot.before-restore-20261126-143005.db")
    assert user_ids(report.kept) == [0, 1, 2, 42]
    assert report.schema_version == report.latest_version == LATEST_VERSION
    leftovers = {path.name for path in database.parent.iterdir()} - {"bot.db", report.kept.name}
    assert leftovers == set(), "no -wal/-shm of the old database and no staging file stay behind"


def test_restore_into_an_empty_place_needs_no_confirmation(backup: Path, tmp_path: Path):
    target = tmp_path / "new" / "bot.db"
    report = restore_database(backup, target, replace_existing=False)
    assert report.kept is None
    assert user_ids(target) == [0, 1, 2]


def test_restore_without_yes_is_refused(database: Path, backup: Path):
    before = files_in(database.parent)
    with pytest.raises(BackupError, match=r"already exists; add --yes to replace it"):
        restore_database(backup, database, replace_existing=False)
    assert files_in(database.parent) == before


def corrupt(path: Path) -> Path:
    """Overwrite pages in the middle of a database, keeping its header."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[3 * page_size : 8 * page_size] = bytes(range(256)) * (5 * page_size // 256)
    path.write_bytes(bytes(data))
    return path


def break_index(path: Path) -> Path:
    """Change one byte of an index entry: the file still reads, but the index no longer matches its table."""
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'scores_by_member'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[root * page_size - 1] ^= 1  # the last byte of the index's only page is inside its newest entry
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make_backup", "message"),
    [
        (lambda backup: backup.with_name("missing.db"), "there is no backup file"),
        (lambda backup: (backup.write_text("name,points\nalice,10\n"), backup)[1], "is not a SQLite database"),
        (corrupt, r"is damaged \(database disk image is malformed\)"),
        (break_index, r"failed its integrity check \(row \d+ missing from index scores_by_member\)"),
    ],
    ids=["missing", "not-a-database", "corrupt", "index-mismatch"],
)
def test_restore_of_a_bad_file_is_refused_and_changes_nothing(database: Path, backup: Path, make_backup, message):
    bad = make_backup(backup)
    before = files_in(database.parent)
    with pytest.raises(BackupError, match=message) as caught:
        restore_database(bad, database, replace_existing=True)
    assert caught.value.exit_status == EXIT_REFUSED
    assert files_in(database.parent) == before


def test_restore_of_a_newer_schema_is_refused(database: Path, backup: Path):
    with sqlite3.connect(backup) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    before = files_in(database.parent)
    with pytest.raises(BackupError, match=f"schema version {LATEST_VERSION + 1}, newer than"):
        restore_database(backup, database, replace_existing=True)
    assert files_in(database.parent) == before


def test_restore_of_an_unrelated_database_is_refused(database: Path, tmp_path: Path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (text)").connection.close()
    with pytest.raises(BackupError, match="not a Myth or Fact database"):
        restore_database(other, database, replace_existing=True)


@pytest.mark.parametrize("writing", [True, False], ids=["bot-writing", "bot-idle"])
def test_restore_is_refused_while_the_database_is_open(database: Path, backup: Path, writing: bool):
    running_bot = sqlite3.connect(database, isolation_level=None)
    running_bot.execute("PRAGMA journal_mode = WAL")
    running_bot.execute("SELECT COUNT(*) FROM scores").fetchone()
    if writing:
        running_bot.execute("BEGIN IMMEDIATE")
    try:
        before = files_in(database.parent)
        with pytest.raises(BackupError, match=r"is in use by another program \(is the bot running\?\)"):
            restore_database(backup, database, replace_existing=True)
        assert files_in(database.parent) == before
    finally:
        if writing:
            running_bot.execute("ROLLBACK")
        running_bot.close()
    assert user_ids(database) == [0, 1, 2]


# -- settings and helpers ----------------------------------------------------------------------


def test_database_path_needs_no_token():
    assert database_path({}) == DEFAULT_DATABASE_PATH
    assert database_path({"DATABASE_URL": "sqlite:////srv/mof/bot.db"}) == Path("/srv/mof/bot.db")
    with pytest.raises(BackupError, match="in-memory"):
        database_path({"DATABASE_URL": "sqlite:///:memory:"})


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_a_postgresql_database_is_sent_to_pg_dump_and_pg_restore(command: str, tool: str):
    url = "postgresql://mof:s3cret@db.example:5432/mythorfact"
    with pytest.raises(BackupError) as info:
        database_path({"DATABASE_URL": url}, command=command)
    message = str(info.value)
    assert f"use {tool}, e.g. `{tool} " in message and "postgresql://mof@db.example:5432/mythorfact" in message
    assert "s3cret" not in message and "\n" not in message
    assert info.value.exit_status == EXIT_REFUSED


def test_names_and_sizes():
    database = Path("/srv/data/mythorfact.db")
    assert default_backup_path(database, MOMENT) == Path("/srv/data/backups/mythorfact-20261126-143005.db")
    assert kept_database_path(database, MOMENT) == Path("/srv/data/mythorfact.before-restore-20261126-143005.db")
    assert human_size(512) == "512 bytes"
    assert human_size(1_474_560) == "1.5 MB (1,474,560 bytes)"


# -- the command line --------------------------------------------------------------------------


def run_cli(tmp_path: Path, *args: str, **settings: str | None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` from ``tmp_path`` with no token in the environment (a ``None`` setting is unset)."""
    env = bot_env(tmp_path, PYTHONPATH=str(PROJECT))
    env.update(settings)
    env = {name: value for name, value in env.items() if value is not None and name != "DISCORD_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def test_cli_backup_and_restore_without_a_token(tmp_path: Path):
    create_database(tmp_path / "bot.db", score_rows=3)
    made = run_cli(tmp_path, "backup")
    assert made.returncode == 0, made.stderr
    match = re.match(r"Backed up \S*bot\.db to (\S*backups/mythorfact-\d{8}-\d{6}\.db)\n", made.stdout)
    assert match, made.stdout
    assert re.search(r"size: [\d.]+ kB \([\d,]+ bytes\), schema version \d+\n  integrity check: ok\n", made.stdout)
    copy = Path(match.group(1))
    assert user_ids(copy) == [0, 1, 2]

    refused = run_cli(tmp_path, "restore", str(copy))
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ") and "add --yes" in refused.stderr
    assert refused.stderr.count("\n") == 1

    restored = run_cli(tmp_path, "restore", str(copy), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "the previous database is kept as" in restored.stdout
    assert len(list(tmp_path.glob("bot.before-restore-*.db"))) == 1


def test_cli_reads_the_database_url_from_dotenv(tmp_path: Path):
    create_database(tmp_path / "elsewhere.db")
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///elsewhere.db\n")
    made = run_cli(tmp_path, "backup", "copy.db", DATABASE_URL=None)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Backed up elsewhere.db to copy.db")


def test_cli_backup_of_a_missing_database_exits_2_with_one_line(tmp_path: Path):
    result = run_cli(tmp_path, "backup", DATABASE_URL=f"sqlite:///{tmp_path / 'nothing.db'}")
    assert result.returncode == 2
    assert (
        result.stderr
        == f"error: there is no database at {tmp_path / 'nothing.db'}. Check DATABASE_URL (or start the bot once).\n"
    )
    assert result.stdout == ""


def test_cli_backup_and_restore_of_postgresql_point_at_pg_dump_and_pg_restore(tmp_path: Path):
    url = "postgresql://mof:s3cret@db.example:5432/mythorfact"
    for command, tool in (("backup", "pg_dump"), ("restore", "pg_restore")):
        result = run_cli(tmp_path, command, *(["copy.dump"] if command == "restore" else []), DATABASE_URL=url)
        assert result.returncode == 2
        assert result.stderr.startswith("error: DATABASE_URL points at PostgreSQL") and f"use {tool}," in result.stderr
        assert result.stderr.count("\n") == 1 and "s3cret" not in result.stderr
        assert result.stdout == ""
