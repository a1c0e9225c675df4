"""Structural rules of the tree: layers without import circles, no private names across modules, extensions that
stand alone; what the bot process imports; command names within Discord's limits; CI running the README's command.
(Which layer may import discord.py or a database driver is ruff's banned-api rule, configured in pyproject.toml and
the folders' ruff.toml.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.app.client import EXTENSIONS, MythOrFactBot
from tests.helpers import PROJECT, make_config

FIRST_PARTY = ("bot", "cogs")


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def first_party_modules() -> dict[str, Path]:
    return {module_name(path): path for root in FIRST_PARTY for path in (PROJECT / root).rglob("*.py")}


def imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Yield ``(module, names)`` for every absolute import in a file, wherever it is (top level, lazy, typing)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [alias.name for alias in node.names]


def import_graph() -> dict[str, set[str]]:
    """Which first-party module imports which (``from a import b`` counts as importing ``a.b`` if it is a module)."""
    modules = first_party_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, names in imports(path):
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in modules and candidate != name:
                    graph[name].add(candidate)
                    break
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    assert cycles(import_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


TRANSLATION_FUNCTIONS = ("bot.core.i18n", {"_", "_n"})
"""The texts' functions are named ``_`` and ``_n`` by the gettext convention, and every module imports them."""


def test_no_private_name_is_imported_from_another_module():
    offenders = [
        f"{module_name(path)} imports {name} from {target}"
        for path in first_party_modules().values()
        for target, names in imports(path)
        if target.split(".")[0] in FIRST_PARTY
        for name in names
        if name.startswith("_") and not (target == TRANSLATION_FUNCTIONS[0] and name in TRANSLATION_FUNCTIONS[1])
    ]
    assert offenders == []


def test_extensions_never_import_each_other_and_the_bot_imports_none():
    extensions = set(EXTENSIONS)
    for name, targets in import_graph().items():
        if name.startswith("cogs."):
            own = next((ext for ext in extensions if name == ext or name.startswith(f"{ext}.")), None)
            others = {t for t in targets if any(t == e or t.startswith(f"{e}.") for e in extensions - {own})}
            assert others == set(), f"{name} imports another extension: {others}"
        if name.startswith("bot."):
            assert not {t for t in targets if t.startswith("cogs")}, f"{name} imports a cog module"


BOT_PROCESS_IMPORTS = """
import importlib, sys
import bot.app.launcher, bot.storage.sqlite.store
from bot.app.client import EXTENSIONS
for extension in EXTENSIONS:
    importlib.import_module(extension)
print(" ".join(sys.modules))
"""
"""What ``python -m bot`` imports on SQLite without the dashboard: the launcher, the store, every extension."""
ONLY_WHEN_USED = {
    *("bot.web", "aiohttp.web", "jinja2", "aiohttp_jinja2", "aiohttp_session", "asyncpg", "yaml", "html"),
    *("babel", "rapidfuzz"),
}
"""Imported only when needed: the dashboard's stack when it is configured, PostgreSQL's driver, YAML and HTML entities
for an import, Babel for a catalogue other than English, rapidfuzz for the first typed answer judged."""


def test_the_bot_process_imports_neither_the_dashboard_nor_what_it_does_not_use():
    run = subprocess.run([sys.executable, "-c", BOT_PROCESS_IMPORTS], cwd=PROJECT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert set(run.stdout.split()) & ONLY_WHEN_USED == set()


async def test_command_names_are_unique_and_fit_discord_limits(store):
    # `async with` sets the client up as login would (an AutoShardedBot cannot close otherwise) and closes it.
    async with MythOrFactBot(make_config(), store) as bot:
        await bot.setup_hook()
        names = [command.name for command in bot.tree.get_commands()]
        assert len(names) == len(set(names))
        for command in bot.tree.walk_commands():
            assert 1 <= len(command.name) <= 32 and command.name == command.name.lower()
            assert 1 <= len(command.description) <= 100, command.name
            for parameter in getattr(command, "parameters", []):
                assert 1 <= len(parameter.description) <= 100, (command.name, parameter.name)


def test_ci_runs_exactly_the_readme_test_command():
    readme = (PROJECT / "README.md").read_text()
    ci = (PROJECT / ".ci" / "run").read_text()
    test_command = next(line for line in readme.splitlines() if '.[test]"' in line and "pytest" in line)
    assert test_command in ci.splitlines()
    run_command = next(line for line in readme.splitlines() if "pip install -q -e . &&" in line)
    assert run_command.endswith("python -m bot")
