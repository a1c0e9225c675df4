"""Storage backends behind one protocol (:class:`bot.storage.base.FactStore`); this module picks one from a URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from bot import PROJECT_ROOT
from bot.core.errors import ConfigError

if TYPE_CHECKING:
    from bot.storage.base import FactStore

DEFAULT_DATABASE_PATH = PROJECT_ROOT / "data" / "mythorfact.db"


POSTGRES_SCHEMES = ("postgresql", "postgres")


def without_password(url: str, marker: str | None = "***") -> str:
    """Return ``url`` with its password (if any) replaced by ``marker`` (or left out), fit for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:{marker}@{host}" if marker else f"{user}@{host}"))


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where the store lives, parsed from ``DATABASE_URL``."""

    scheme: str
    path: Path | None = None
    """File path for SQLite; ``None`` means an in-memory database (or a server, for PostgreSQL)."""
    url: str | None = None
    """The full connection URL of a PostgreSQL database (it may hold a password: never log it, see ``display``)."""

    @property
    def display(self) -> str:
        """Name the database for logs and messages, without a password."""
        if self.url is not None:
            return without_password(self.url)
        return str(self.path) if self.path is not None else ":memory:"

    def __repr__(self) -> str:
        """Show where the database is, never its password."""
        return f"DatabaseTarget(scheme={self.scheme!r}, path={self.path!r}, url={self.display!r})"


def parse_database_url(url: str) -> DatabaseTarget:
    """Parse ``DATABASE_URL``: SQLite or PostgreSQL.

    SQLite: ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``sqlite:///:memory:``.
    PostgreSQL: ``postgresql://user:password@host:port/dbname`` (or ``postgres://``).
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(
            f"DATABASE_URL={url!r} is not a URL. Use the form sqlite:///path/to/bot.db "
            "(three slashes for a relative path, four for an absolute one)."
        )
    scheme = scheme.lower()
    if scheme in POSTGRES_SCHEMES:
        return _parse_postgres_url(url)
    if scheme != "sqlite":
        raise ConfigError(
            f"DATABASE_URL has an unknown scheme {scheme!r}. Use sqlite:///path/to/bot.db "
            "or postgresql://user:password@host:5432/dbname."
        )
    if not rest.startswith("/"):
        raise ConfigError(f"DATABASE_URL={url!r} names a host; SQLite URLs have none. Use sqlite:///path/to/bot.db.")
    path = rest[1:]
    if path in ("", ":memory:"):
        if path == "":
            raise ConfigError("DATABASE_URL has no file path. Use sqlite:///path/to/bot.db.")
        return DatabaseTarget("sqlite", None)
    return DatabaseTarget("sqlite", Path(path))


def _parse_postgres_url(url: str) -> DatabaseTarget:
    """Check a PostgreSQL URL names a database (and a valid port); messages never show its password."""
    shown = without_password(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it is a number
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL={shown!r} is not a valid PostgreSQL URL ({exc}).") from None
    if not parts.path.strip("/"):
        raise ConfigError(f"DATABASE_URL={shown!r} names no database. Use postgresql://user:password@host:5432/dbname.")
    return DatabaseTarget("postgresql", None, url)


async def open_store(target: DatabaseTarget) -> FactStore:
    """Open and migrate the store described by ``target`` (the one place that picks a backend)."""
    if target.scheme == "postgresql":
        from bot.storage.postgres.store import PostgresStore

        assert target.url is not None
        return await PostgresStore.open(target.url, redacted_url=target.display)
    from bot.storage.sqlite.store import SqliteStore

    return await SqliteStore.open(target.path)
