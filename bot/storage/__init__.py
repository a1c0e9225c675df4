"""Storage backends behind one protocol (:class:`bot.storage.base.FactStore`); this module picks one from a URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot import PROJECT_ROOT
from bot.core.errors import ConfigError

if TYPE_CHECKING:
    from bot.storage.base import FactStore

DEFAULT_DATABASE_PATH = PROJECT_ROOT / "data" / "mythorfact.db"


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where the store lives, parsed from ``DATABASE_URL``."""

    scheme: str
    path: Path | None = None
    """File path for SQLite; ``None`` means an in-memory database."""


def parse_database_url(url: str) -> DatabaseTarget:
    """Parse ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``sqlite:///:memory:``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(
            f"DATABASE_URL={url!r} is not a URL. Use the form sqlite:///path/to/bot.db "
            "(three slashes for a relative path, four for an absolute one)."
        )
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql"):
        raise ConfigError(
            "DATABASE_URL points at PostgreSQL, which this version does not support yet. Use sqlite:///path/to/bot.db."
        )
    if scheme != "sqlite":
        raise ConfigError(f"DATABASE_URL has an unknown scheme {scheme!r}. Use sqlite:///path/to/bot.db.")
    if not rest.startswith("/"):
        raise ConfigError(f"DATABASE_URL={url!r} names a host; SQLite URLs have none. Use sqlite:///path/to/bot.db.")
    path = rest[1:]
    if path in ("", ":memory:"):
        if path == "":
            raise ConfigError("DATABASE_URL has no file path. Use sqlite:///path/to/bot.db.")
        return DatabaseTarget("sqlite", None)
    return DatabaseTarget("sqlite", Path(path))


async def open_store(target: DatabaseTarget) -> FactStore:
    """Open and migrate the store described by ``target`` (the one place that picks a backend)."""
    from bot.storage.sqlite.store import SqliteStore

    return await SqliteStore.open(target.path)
