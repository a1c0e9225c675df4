"""Command-line tools that work without starting the bot: packs check and import, backup and restore."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from bot.core.importers import MAX_IMPORT_BYTES, ImportRefused, ImportResult, convert
from bot.core.pack_review import PackStats, pack_stats, review_packs
from bot.core.packs import Pack, PackError, PackScan, read_pack, scan_packs
from bot.storage.sqlite.backup import (
    EXIT_FAILED,
    EXIT_OK,
    BackupError,
    backup_database,
    database_path,
    human_size,
    restore_database,
)


def check_packs(directory: str) -> int:
    """Validate and review every pack in ``directory``; print each problem and a summary; return 1 if any."""
    scan = _scan(directory)
    if scan is None:
        return 2
    problems = [*scan.problems, *review_packs(scan.packs)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print_stats(scan.packs)
    items = sum(len(pack.items) for pack in scan.packs)
    print(f"{len(scan.packs)} valid packs with {items} items; {len(problems)} problems.")
    return 1 if problems else 0


def pack_stats_command(directory: str) -> int:
    """Print the coverage table of the packs in ``directory`` (validation problems go to stderr)."""
    scan = _scan(directory)
    if scan is None:
        return 2
    for problem in scan.problems:
        print(problem, file=sys.stderr)
    print_stats(scan.packs)
    return 1 if scan.problems else 0


def _scan(directory: str) -> PackScan | None:
    folder = Path(directory)
    if not folder.is_dir():
        print(f"error: {folder} is not a folder of packs", file=sys.stderr)
        return None
    return scan_packs(folder)


def print_stats(packs: list[Pack]) -> None:
    """Print one line per pack: items, myths and facts, quiz coverage, difficulty mix, checked share; then totals."""
    rows = [pack_stats(pack) for pack in packs]
    print(
        f"{'pack':<20}{'items':>6}{'myths':>7}{'facts':>7}{'quiz':>6}{'quiz %':>8}{'easy/med/hard':>15}{'checked':>9}"
    )
    for row in rows:
        print(_stats_line(row.pack_id, row))
    if len(rows) > 1:
        total = PackStats(
            "all",
            *(sum(getattr(row, name) for row in rows) for name in ("items", "myths", "facts", "questions")),
            sum(row.quiz_ready for row in rows),
            sum(row.with_choices for row in rows),
            tuple(sum(row.difficulty[level] for row in rows) for level in range(3)),  # type: ignore[arg-type]
            sum(row.checked for row in rows),
        )
        print(_stats_line(f"all ({len(rows)} packs)", total))


def _stats_line(name: str, row: PackStats) -> str:
    mix = "/".join(str(count) for count in row.difficulty)
    checked = f"{row.checked_share:.0%}"
    return (
        f"{name:<20}{row.items:>6}{row.myths:>7}{row.facts:>7}{row.quiz_ready:>6}{row.quiz_share:>8.0%}"
        f"{mix:>15}{checked:>9}"
    )


def import_packs(files: list[str], out_dir: str, *, pack_id: str | None = None, force: bool = False) -> int:
    """Convert Red trivia lists / Open Trivia DB files into packs in ``out_dir``; return 1 if any file failed."""
    if pack_id is not None and len(files) > 1:
        print("error: --pack-id names one pack; import one file at a time with it", file=sys.stderr)
        return 2
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot use {folder} as the output folder: {exc.strerror or exc}", file=sys.stderr)
        return 2
    written: set[Path] = set()
    failures = sum(not _import_file(Path(name), folder, pack_id, force, written) for name in files)
    return 1 if failures else 0


def _import_file(path: Path, folder: Path, pack_id: str | None, force: bool, written: set[Path]) -> bool:
    """Convert and write one file, printing the outcome; return whether a pack was written."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)  # one byte more is enough for convert() to refuse it
        result = convert(data, path.name, pack_id)
    except OSError as exc:
        print(f"error: {path}: cannot be read: {exc.strerror or exc}", file=sys.stderr)
        return False
    except ImportRefused as exc:
        for skip in exc.skipped:
            print(f"  {skip}")
        print(f"error: {path}: {exc}", file=sys.stderr)
        return False
    target = folder / f"{result.pack_id}.toml"
    if target in written:
        print(f"error: {path}: {target} was just written from another file; use --pack-id", file=sys.stderr)
        return False
    if target.exists() and not force:
        print(f"error: {path}: {target} already exists; use --force to replace it or --pack-id", file=sys.stderr)
        return False
    try:
        _write_verified(result, target)
    except OSError as exc:
        print(f"error: {path}: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return False
    except PackError as exc:
        for problem in exc.problems:
            print(f"error: {path}: the converted pack does not validate: {problem}", file=sys.stderr)
        return False
    written.add(target)
    print(f"{path} -> {target}: imported {result.imported} questions, skipped {len(result.skipped)}")
    for note in result.notes:
        print(f"  note: {note}")
    for skip in result.skipped:
        print(f"  {skip}")
    return True


def _write_verified(result: ImportResult, target: Path) -> None:
    """Write the pack beside ``target``, check it with :func:`read_pack`, then move it into place."""
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{result.pack_id}.", suffix=".tmp", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(result.pack_toml)
        read_pack(temp)
        temp.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


# -- backup and restore -----------------------------------------------------------------------


def _load_dotenv() -> None:
    """Read ``.env`` from the current folder like the bot does (real environment variables win)."""
    from dotenv import find_dotenv, load_dotenv

    load_dotenv(find_dotenv(usecwd=True), override=False)


def backup_command(path: str | None) -> int:
    """``python -m bot backup [PATH]``: copy the configured database, print where and how big; exit status."""
    _load_dotenv()
    try:
        report = backup_database(database_path(command="backup"), Path(path) if path else None)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_status
    print(f"Backed up {report.source} to {report.target}")
    print(f"  size: {human_size(report.size_bytes)}, schema version {report.schema_version}")
    print(f"  integrity check: {'; '.join(report.integrity)}")
    if not report.intact:
        print(
            f"error: the copy at {report.target} failed its integrity check; the database may be damaged.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def restore_command(path: str, *, yes: bool) -> int:
    """``python -m bot restore PATH [--yes]``: check a backup and put it in place of the configured database."""
    _load_dotenv()
    try:
        report = restore_database(Path(path), database_path(command="restore"), replace_existing=yes)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_status
    print(f"Restored {report.backup} to {report.target}")
    print(f"  size: {human_size(report.size_bytes)}, schema version {report.schema_version}; integrity check: ok")
    if report.kept is not None:
        print(f"  the previous database is kept as {report.kept}")
    else:
        print("  there was no database there before")
    if report.note:
        print(f"  {report.note}")
    if report.schema_version < report.latest_version:
        print(
            f"  the bot will upgrade it from schema version {report.schema_version} to {report.latest_version} "
            "when it next starts"
        )
    return EXIT_OK
