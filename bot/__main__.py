"""Command line: ``python -m bot`` runs the bot; ``packs``, ``try``, ``backup``, ``restore`` and ``db copy`` tools."""

from __future__ import annotations

import argparse
import sys

from bot.app.config import DEFAULT_PACKS_DIR


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Myth or Fact, a Discord trivia bot.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord and serve commands (the default)")
    sub.add_parser("web", help="serve only the moderator dashboard, over the bot's PostgreSQL database")
    packs = sub.add_parser("packs", help="work with fact packs")
    packs_sub = packs.add_subparsers(dest="packs_command", required=True)
    check = packs_sub.add_parser(
        "check", help="validate and review packs (duplicates, quiz fields, sources); exit 1 on any problem"
    )
    check.add_argument("directory", nargs="?", default=str(DEFAULT_PACKS_DIR), help="folder of .toml packs")
    stats = packs_sub.add_parser("stats", help="items, myths, quiz coverage, difficulty and checked share per pack")
    stats.add_argument("directory", nargs="?", default=str(DEFAULT_PACKS_DIR), help="folder of .toml packs")
    importer = packs_sub.add_parser(
        "import", help="convert Red-DiscordBot trivia lists (.yaml) or Open Trivia DB JSON (.json) into packs"
    )
    importer.add_argument("files", nargs="+", metavar="FILE", help="trivia lists to convert, one pack per file")
    importer.add_argument("--pack-id", metavar="ID", help="id (and topic) of the new pack; default: from the file name")
    importer.add_argument(
        "--out",
        metavar="DIR",
        default=str(DEFAULT_PACKS_DIR),
        help="folder to write <pack-id>.toml into (default: data/packs)",
    )
    importer.add_argument("--force", action="store_true", help="replace a pack file that already exists")
    sub.add_parser("try", help="play with the bot in this terminal, against a simulated Discord (no token)")
    backup = sub.add_parser("backup", help="copy the database while the bot runs, and check the copy (no token)")
    backup.add_argument(
        "path", nargs="?", metavar="PATH", help="file or folder for the copy (default: backups/ beside the database)"
    )
    restore = sub.add_parser("restore", help="check a backup and put it in place of the database (bot stopped)")
    restore.add_argument("path", metavar="PATH", help="the backup file to restore")
    restore.add_argument("--yes", action="store_true", help="replace an existing database (it is kept beside it)")
    database = sub.add_parser("db", help="work with whole databases (bot stopped)")
    database_sub = database.add_subparsers(dest="db_command", required=True)
    copy = database_sub.add_parser(
        "copy", help="copy every table from one DATABASE_URL to another (SQLite or PostgreSQL) and compare row counts"
    )
    copy.add_argument("source", metavar="SOURCE", help="e.g. sqlite:///data/mythorfact.db")
    copy.add_argument("target", metavar="TARGET", help="e.g. postgresql://user:password@host:5432/dbname")
    copy.add_argument("--force", action="store_true", help="replace the contents of a target that is not empty")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command named on the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "packs" and args.packs_command == "import":
        from bot.app.cli import import_packs

        return import_packs(args.files, args.out, pack_id=args.pack_id, force=args.force)
    if args.command == "packs" and args.packs_command == "stats":
        from bot.app.cli import pack_stats_command

        return pack_stats_command(args.directory)
    if args.command == "packs":
        from bot.app.cli import check_packs

        return check_packs(args.directory)
    if args.command == "backup":
        from bot.app.cli import backup_command

        return backup_command(args.path)
    if args.command == "restore":
        from bot.app.cli import restore_command

        return restore_command(args.path, yes=args.yes)
    if args.command == "db":
        from bot.app.cli import db_copy_command

        return db_copy_command(args.source, args.target, force=args.force)
    if args.command == "try":
        from bot.app.tryout import run_tryout

        return run_tryout()
    from bot.app.launcher import launch

    return launch("web" if args.command == "web" else "bot")


if __name__ == "__main__":
    sys.exit(main())
