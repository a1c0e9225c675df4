"""Helpers shared by the test layers: settings, sample packs, handled-error checks, pack text, process environments."""

from __future__ import annotations

import ast
import os
import weakref
from datetime import UTC, datetime
from pathlib import Path

import discord

from bot.app.config import Config
from bot.core.packs import Item, Pack, Source
from bot.core.scores import PlayerResult, RoundRecord

TESTS_DIR = Path(__file__).parent
PROJECT = TESTS_DIR.parent
SAMPLE_PACKS = TESTS_DIR / "data" / "packs"
FAKE_TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def make_config(**overrides: object) -> Config:
    """Return a valid config for tests, with ``overrides`` applied."""
    values: dict[str, object] = {"token": FAKE_TOKEN, "packs_dir": SAMPLE_PACKS, "shard_count": 1}
    values.update(overrides)
    return Config(**values)  # type: ignore[arg-type]


_checked_errors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def expect_errors(env, *expected: type[BaseException]) -> None:
    """Assert the command errors the bot handled since the last check, by type, and acknowledge them."""
    from cogs.errors import unwrap

    errors = env.errors  # reading acknowledges them, so teardown does not re-raise
    start = _checked_errors.get(env, 0)
    _checked_errors[env] = len(errors)
    assert [type(unwrap(error)) for error in errors[start:]] == list(expected)


def footer_ref(embed: discord.Embed) -> str:
    """Read the item id from an item embed's footer."""
    return embed.footer.text.rsplit("id ", 1)[1]


def item_toml(item_id: str, claim: str = "A claim that is long enough to pass.", topic: str = "local") -> str:
    """Return one valid [[items]] table."""
    return f"""
[[items]]
id = "{item_id}"
kind = "fact"
claim = "{claim}"
truth = "The explanation, long enough to pass as well."
topic = "{topic}"
difficulty = 1
source = {{ title = "A book", citation = "Somebody, A book (2020)" }}
"""


def pack_toml(pack_id: str = "club", *items: str) -> bytes:
    """Return a TOML pack with the given [[items]] tables (two valid ones by default)."""
    body = "".join(items) if items else item_toml("first") + item_toml("second")
    return (
        f'[pack]\nid = "{pack_id}"\nname = "Club pack"\ndescription = "Our own."\nauthor = "The club"\n'
        f'license = "CC-BY-4.0"\nversion = "1.0.0"\n{body}'
    ).encode()


BAD_ITEM = """
[[items]]
id = "broken"
kind = "fact"
claim = "short"
topic = "local"
difficulty = 7
source = { title = "A book", citation = "Somebody" }
"""


def round_record(guild: int, key: str, *players: tuple[int, int], played_at: datetime = NOW) -> RoundRecord:
    """A round in ``guild`` where each (user, points) player answered (right when points > 0)."""
    return RoundRecord(
        guild_id=guild,
        round_key=key,
        item_pk=1,
        topic="animals",
        played_at=played_at,
        players=tuple(PlayerResult(user, points, points > 0, 1000 if points else None) for user, points in players),
    )


def bot_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Environment for a bot process: nothing inherited that could change its settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "COMMAND_", "OWNER_"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "PACKS_DIR": str(SAMPLE_PACKS)})
    env.update(settings)
    return env


def imported_modules(path: Path) -> set[str]:
    """Return the absolute module names a Python file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def club_pack(*ids: str) -> Pack:
    """A server's own pack ``club``: one fact about the topic ``local`` per id, as a server might upload it."""
    items = tuple(
        Item(
            id=item_id,
            kind="fact",
            claim=f"Club claim {item_id}.",
            truth=f"Club truth {item_id}.",
            topic="local",
            difficulty=1,
            source=Source("Club source", "https://example.org/club"),
        )
        for item_id in ids
    )
    return Pack("club", "Club pack", "Our own.", "The club", "CC0", "1", items)
