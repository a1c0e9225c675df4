"""Structural rules: the core stays discord-free, and command names are unique and within Discord's limits."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.client import MythOrFactBot
from tests.conftest import make_config

PROJECT = Path(__file__).resolve().parent.parent
CORE_MODULES = [
    "admin", "backup", "cli", "config", "content", "daily", "errors", "importers", "matching", "migrate", "packs",
    "quiz", "scheduling", "scores", "settings", "sqlite_admin", "sqlite_content", "sqlite_daily", "sqlite_scores",
    "sqlite_store", "store", "text",
]  # fmt: skip


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_modules_do_not_import_discord():
    for name in CORE_MODULES:
        roots = imported_roots(PROJECT / "bot" / f"{name}.py")
        assert not roots & {"discord", "cogs"}, f"bot/{name}.py must stay discord-free"


async def test_command_names_are_unique_and_fit_discord_limits(store):
    bot = MythOrFactBot(make_config(), store)
    await bot.setup_hook()
    names = [command.name for command in bot.tree.get_commands()]
    assert len(names) == len(set(names))
    for command in bot.tree.walk_commands():
        assert 1 <= len(command.name) <= 32 and command.name == command.name.lower()
        assert 1 <= len(command.description) <= 100, command.name
        for parameter in getattr(command, "parameters", []):
            assert 1 <= len(parameter.description) <= 100, (command.name, parameter.name)
    await bot.close()


def test_ci_runs_exactly_the_readme_test_command():
    readme = (PROJECT / "README.md").read_text()
    ci = (PROJECT / ".ci" / "run").read_text()
    test_command = next(line for line in readme.splitlines() if '.[test]"' in line and "pytest" in line)
    assert test_command in ci.splitlines()
    run_command = next(line for line in readme.splitlines() if "pip install -q -e . &&" in line)
    assert run_command.endswith("python -m bot")
