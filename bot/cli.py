"""Command-line tools that work on packs without starting the bot."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.packs import scan_packs


def check_packs(directory: str) -> int:
    """Validate every pack in ``directory``; print one line per problem; return 1 if any, else 0."""
    folder = Path(directory)
    if not folder.is_dir():
        print(f"error: {folder} is not a folder of packs", file=sys.stderr)
        return 2
    scan = scan_packs(folder)
    for problem in scan.problems:
        print(problem, file=sys.stderr)
    items = sum(len(pack.items) for pack in scan.packs)
    print(f"{len(scan.packs)} valid packs with {items} items; {len(scan.problems)} problems.")
    return 1 if scan.problems else 0
