"""Online backups and checked restores of the SQLite database (behind ``python -m bot backup`` and ``restore``).

A backup is taken with SQLite's backup API in a single step, which reads one consistent snapshot while the
bot keeps writing (the database is in WAL mode, so readers never block the writer). The copy is a plain
single-file database (rollback-journal mode), checked with ``PRAGMA integrity_check`` before it is reported.

A restore checks the backup first (a SQLite file, intact, a schema this code can run), refuses while the
database is in use, keeps the current database beside it as ``<name>.before-restore-<timestamp>.db``, and
only then moves the checked copy into place.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core.errors import ConfigError
from bot.storage import DEFAULT_DATABASE_PATH, parse_database_url, without_password
from bot.storage.sqlite.migrate import load_migrations

EXIT_OK = 0
EXIT_FAILED = 1
"""Something went wrong part-way (an I/O error, a damaged copy)."""
EXIT_REFUSED = 2
"""Bad input or an unsafe situation; nothing was changed."""

SQLITE_HEADER = b"SQLite format 3\x00"
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")
INTEGRITY_ROWS = 10
"""How many problems ``PRAGMA integrity_check`` may list; the first is enough to refuse."""
IN_USE_TIMEOUT_SECONDS = 0.5
"""How long a restore waits for another program's write lock before deciding the database is in use."""

_TIMESTAMP_FORMAT = "%Y%m%d-%H%M%S"


class BackupError(Exception):
    """A backup or restore was refused or failed; the message is one line for the operator."""

    def __init__(self, message: str, exit_status: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_status = exit_status


@dataclass(frozen=True, slots=True)
class BackupReport:
    """Where a backup went and what its check found."""

    source: Path
    target: Path
    size_bytes: int
    schema_version: int
    integrity: tuple[str, ...]

    @property
    def intact(self) -> bool:
        """Whether ``PRAGMA integrity_check`` answered ``ok``."""
        return self.integrity == ("ok",)


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What a restore did."""

    backup: Path
    target: Path
    kept: Path | None
    """Where the database that was replaced now lives (``None`` if there was none)."""
    size_bytes: int
    schema_version: int
    latest_version: int
    note: str = ""


def postgres_refusal(url: str, command: str) -> str:
    """Return the one line that sends the operator of a PostgreSQL database to pg_dump or pg_restore."""
    shown = shlex.quote(without_password(url, marker=None))
    if command == "restore":
        example = f"pg_restore --clean --if-exists --dbname={shown} mythorfact.dump"
        tool = "pg_restore"
    else:
        example = f"pg_dump --format=custom --file=mythorfact.dump {shown}"
        tool = "pg_dump"
    return (
        f"DATABASE_URL points at PostgreSQL, and `python -m bot {command}` handles SQLite files only: "
        f"use {tool}, e.g. `{example}` (the password comes from PGPASSWORD or ~/.pgpass)."
    )


def database_path(environ: Mapping[str, str] | None = None, command: str = "backup") -> Path:
    """Return the database file named by ``DATABASE_URL`` (or the default), without needing the bot token.

    A PostgreSQL database is refused with a pointer to pg_dump / pg_restore (``command`` says which).
    """
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return DEFAULT_DATABASE_PATH
    try:
        target = parse_database_url(url)
    except ConfigError as exc:
        raise BackupError(str(exc)) from exc
    if target.url is not None:
        raise BackupError(postgres_refusal(target.url, command))
    if target.path is None:
        raise BackupError("DATABASE_URL names an in-memory database; there is no file to back up or restore into.")
    return target.path


def timestamp(moment: datetime) -> str:
    """Format ``moment`` (in UTC) for file names: ``YYYYMMDD-HHMMSS``."""
    return moment.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def default_backup_path(database: Path, moment: datetime) -> Path:
    """Return ``backups/mythorfact-YYYYMMDD-HHMMSS.db`` in the database's folder."""
    return database.parent / "backups" / f"mythorfact-{timestamp(moment)}.db"


def kept_database_path(database: Path, moment: datetime) -> Path:
    """Return ``<name>.before-restore-YYYYMMDD-HHMMSS.db`` beside ``database``."""
    return database.with_name(f"{database.stem}.before-restore-{timestamp(moment)}.db")


def _unused(path: Path) -> Path:
    """Return ``path``, or ``path`` with ``-2``, ``-3``… before its suffix if that name is taken."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def _now() -> datetime:
    return datetime.now(UTC)


def _connect(path: Path, *, mode: str, timeout: float = 10.0) -> sqlite3.Connection:
    """Open ``path`` without ever creating it (``mode`` is ``rw``, ``ro`` or ``immutable``)."""
    options = "mode=ro&immutable=1" if mode == "immutable" else f"mode={mode}"
    uri = f"{path.resolve().as_uri()}?{options}"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)


@contextlib.contextmanager
def _closing(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield conn
    finally:
        conn.close()


def _make_folder(folder: Path) -> None:
    """Create a folder (and its parents) for a copy; refuse with one line if that is impossible."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def _copy_into(source: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """Copy a database into a new self-contained file at ``path`` (no -wal beside it); yield the copy, open."""
    path.unlink(missing_ok=True)
    with _closing(sqlite3.connect(path)) as copy:
        # One step (pages=-1) reads a single snapshot; steps spread over time would restart on every write.
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode = DELETE")
        yield copy


def _integrity(conn: sqlite3.Connection) -> tuple[str, ...]:
    return tuple(str(row[0]) for row in conn.execute(f"PRAGMA integrity_check({INTEGRITY_ROWS})"))


def _schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _error_code(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def human_size(size_bytes: int) -> str:
    """Return a size such as ``1.4 MB (1,474,560 bytes)``."""
    if size_bytes < 1000:
        return f"{size_bytes:,} bytes"
    size, unit = float(size_bytes), "kB"
    for unit in ("kB", "MB", "GB", "TB"):  # noqa: B007 - the unit the loop stops at is the one shown
        size /= 1000
        if size < 1000:
            break
    return f"{size:.1f} {unit} ({size_bytes:,} bytes)"


# -- backup ------------------------------------------------------------------------------------


def _backup_target(source: Path, target: Path | None, moment: datetime) -> Path:
    """Decide where the copy goes: the default name, a folder given on the command line, or a file name."""
    if target is None:
        return _unused(default_backup_path(source, moment))
    if target.is_dir():
        return _unused(target / default_backup_path(source, moment).name)
    if target.exists():
        raise BackupError(f"{target} already exists; name a new file or a folder to put the backup in.")
    if target.resolve() == source.resolve():
        raise BackupError("the backup cannot overwrite the database itself; name another file.")
    return target


def backup_database(source: Path, target: Path | None = None, *, moment: datetime | None = None) -> BackupReport:
    """Copy the live database ``source`` to ``target`` (default: a dated file in ``backups/``) and check the copy."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}. Check DATABASE_URL (or start the bot once).")
    if not _is_sqlite_file(source):
        raise BackupError(f"{source} is not a SQLite database. Check DATABASE_URL.")
    destination = _backup_target(source, target, moment or _now())
    _make_folder(destination.parent)
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        with _closing(_connect(source, mode="rw")) as live, _copy_into(live, partial) as copy:
            integrity = _integrity(copy)
            version = _schema_version(copy)
        partial.replace(destination)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        if isinstance(exc, sqlite3.DatabaseError) and _error_code(exc) in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            raise BackupError(f"cannot read {source}: {exc}. The database may be damaged.", EXIT_FAILED) from exc
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise BackupError(f"the backup of {source} failed: {detail}", EXIT_FAILED) from exc
    return BackupReport(source, destination, destination.stat().st_size, version, integrity)


# -- restore -----------------------------------------------------------------------------------


def _open_backup(path: Path) -> sqlite3.Connection:
    """Open a backup file for reading without leaving -wal/-shm files beside it."""
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}.")
    if not _is_sqlite_file(path):
        raise BackupError(f"{path} is not a SQLite database; nothing was changed.")
    # A copy with no -wal beside it has nothing more to read, so open it as immutable (no locks, no sidecars).
    has_wal = path.with_name(path.name + "-wal").exists()
    try:
        return _connect(path, mode="ro" if has_wal else "immutable")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}; nothing was changed.") from exc


def check_backup(conn: sqlite3.Connection, path: Path, latest_version: int) -> int:
    """Refuse a damaged backup or one from a newer version of the bot; return its schema version."""
    try:
        integrity = _integrity(conn)
        version = _schema_version(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is damaged ({exc}); nothing was changed.") from exc
    if integrity != ("ok",):
        raise BackupError(f"{path} failed its integrity check ({integrity[0]}); nothing was changed.")
    if version > latest_version:
        raise BackupError(
            f"{path} is at schema version {version}, newer than this version of the bot knows ({latest_version}). "
            "Restore it with the newer version of the bot; nothing was changed."
        )
    if version < 1:
        raise BackupError(f"{path} is not a Myth or Fact database (schema version 0); nothing was changed.")
    return version


def ensure_not_in_use(database: Path) -> str:
    """Refuse if another program (the bot) has ``database`` open; fold its WAL into the file if not.

    Return a note for the operator when the current database cannot be read at all (it is then replaced as is).
    """
    try:
        with _closing(_connect(database, mode="rw", timeout=IN_USE_TIMEOUT_SECONDS)) as conn:
            # A writer holding the lock makes this wait, then fail.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            # Leaving WAL mode needs the only connection, so it also catches an idle bot; it checkpoints the
            # WAL into the main file, so the copy kept aside is complete on its own.
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
                if mode != "delete":
                    raise sqlite3.OperationalError("database is locked")
    except sqlite3.Error as exc:
        code = _error_code(exc)
        if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc):
            raise BackupError(
                f"{database} is in use by another program (is the bot running?). Stop the bot, then restore."
            ) from exc
        if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            return f"The database that was replaced could not be read ({exc})."
        raise BackupError(f"cannot check {database}: {exc}; nothing was changed.") from exc
    return ""


def _move_with_sidecars(source: Path, destination: Path) -> None:
    """Rename a database file and any -wal/-shm/-journal beside it, so nothing of it is lost or left stale."""
    source.replace(destination)
    for suffix in SIDECAR_SUFFIXES:
        sidecar = source.with_name(source.name + suffix)
        if sidecar.exists():
            sidecar.replace(destination.with_name(destination.name + suffix))


def restore_database(
    backup: Path, target: Path, *, replace_existing: bool, moment: datetime | None = None
) -> RestoreReport:
    """Check ``backup`` and put a copy of it at ``target``, keeping the current database beside it.

    Refuses (raising :class:`BackupError`, changing nothing) a missing, non-SQLite, damaged or too new backup,
    an existing ``target`` without ``replace_existing``, and a ``target`` another program has open.
    """
    moment = moment or _now()
    latest = max((migration.number for migration in load_migrations()), default=0)
    exists = target.exists()
    if exists and backup.exists() and target.resolve() == backup.resolve():
        raise BackupError(f"{backup} is the database itself; name a backup file.")
    note = ""
    with _closing(_open_backup(backup)) as source:
        version = check_backup(source, backup, latest)
        if exists and not replace_existing:
            raise BackupError(
                f"{target} already exists; add --yes to replace it (it will be kept as "
                f"{kept_database_path(target, moment).name})."
            )
        if exists:
            note = ensure_not_in_use(target)
        _make_folder(target.parent)
        staging = target.with_name(f".{target.name}.restoring")
        try:
            with _copy_into(source, staging):
                pass
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(OSError):
                staging.unlink()
            raise BackupError(
                f"cannot copy {backup} next to {target}: {exc}; nothing was changed.", EXIT_FAILED
            ) from exc

    kept = _unused(kept_database_path(target, moment)) if exists else None
    try:
        if kept is not None:
            _move_with_sidecars(target, kept)
        staging.replace(target)
    except OSError as exc:
        if kept is not None and kept.exists() and not target.exists():
            with contextlib.suppress(OSError):
                _move_with_sidecars(kept, target)
        with contextlib.suppress(OSError):
            staging.unlink()
        raise BackupError(f"the restore failed: {exc.strerror or exc}", EXIT_FAILED) from exc
    return RestoreReport(backup, target, kept, target.stat().st_size, version, latest, note)
