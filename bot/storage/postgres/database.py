"""The PostgreSQL connection pool every part of the store shares: transactions, reads, settings and the audit trail.

Each concern (catalog, scores, daily, content, admin) is a subclass of :class:`PostgresDatabase`;
:class:`bot.storage.postgres.store.PostgresStore` combines them into one :class:`bot.storage.base.FactStore`.

Several bot processes may share the database, so every read-modify-write holds a lock: a row lock, a unique key
(``ON CONFLICT``) or a transaction-level advisory lock named after what it protects (:meth:`_lock`); a settings
change is announced with ``NOTIFY`` so the other processes drop their cached copy. Driver
errors that mean "not now" (a lost connection, a server starting or shutting down, a read-only replica, a lock
or statement timeout, a deadlock, a closed pool) leave here as :class:`bot.core.errors.StorageUnavailable`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import secrets
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bot.core.audit import AuditNote, with_origin
from bot.core.catalog import AuditEntry
from bot.core.errors import StorageUnavailable
from bot.core.settings import ServerSettings, SettingsCache, apply_changes, changed_values, describe_change, from_stored
from bot.storage.postgres import migrate
from bot.storage.postgres.global_parts import join_global_board, leave_global_board
from bot.storage.shared import audit_from_row, keep_new_pack_enabled

log = logging.getLogger(__name__)

Params = Sequence[Any] | Mapping[str, Any]
"""Query parameters: positional for ``$1, $2…``, or a mapping for ``:name`` placeholders (see :func:`bind`)."""

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # 08…: lost or refused connection
    asyncpg.OperatorInterventionError,  # 57…: statement timeout, shutdown, cannot connect now
    asyncpg.InsufficientResourcesError,  # 53…: disk full, too many connections
    asyncpg.TransactionRollbackError,  # 40…: deadlock, serialization failure
    asyncpg.ReadOnlySQLTransactionError,  # 25006: a read-only server or replica
    asyncpg.exceptions.IdleInTransactionSessionTimeoutError,
    asyncpg.LockNotAvailableError,  # 55P03: lock_timeout
    OSError,  # the server cannot be reached
    TimeoutError,  # the client gave up waiting (connect, acquire, command timeout)
)
_CLOSED = ("pool is closed", "pool is closing", "connection is closed", "connection was closed")

SETTINGS_CHANNEL = "mythorfact_settings"
"""Where a process announces (``NOTIFY``, the server id as payload) that it changed or deleted a server's settings."""

_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")

_TRANSACTION: ContextVar[tuple[PostgresDatabase, asyncpg.Connection] | None] = ContextVar(
    "postgres_transaction", default=None
)
"""The store and connection of the transaction the current task is in (reads inside it use the same one)."""


@functools.lru_cache(maxsize=512)
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _NAMED.sub(number, sql), tuple(names)


def bind(sql: str, params: Params = ()) -> tuple[str, list[Any]]:
    """Return ``sql`` and its arguments for asyncpg; ``:name`` placeholders become ``$n`` when given a mapping."""
    if isinstance(params, Mapping):
        text, names = _positional(sql)
        return text, [params[name] for name in names]
    return sql, list(params)


def rowcount(status: str) -> int:
    """Return how many rows a command changed, from asyncpg's status line (``UPDATE 3``, ``INSERT 0 1``)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


@contextmanager
def unavailable_as_storage_error() -> Iterator[None]:
    """Turn driver errors that mean "try again later" into :class:`StorageUnavailable`."""
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc
    except asyncpg.InterfaceError as exc:
        if any(text in str(exc).lower() for text in _CLOSED):
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc
        raise


class PostgresDatabase:
    """An asyncpg pool; each write runs in a transaction on one connection, reads anywhere in the pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._settings = SettingsCache()
        self._listener: asyncpg.Connection | None = None
        self._secret: str | None = None
        """The secret of the global board's member keys, read once (it never changes)."""

    async def close(self) -> None:
        """Close the pool, waiting for queries in flight; safe to call twice."""
        closing = []
        if self._listener is not None and not self._listener.is_closed():
            self._listener.remove_termination_listener(self._listener_lost)  # closing it on purpose
            closing.append(self._listener.close())
        if not self._pool.is_closing():
            closing.append(self._pool.close())
        await asyncio.gather(*closing)

    async def _listen_for_settings(self, listener: asyncpg.Connection) -> None:
        """Keep this process's settings cache fresh: drop a server's entry when another process announces a change.

        ``listener`` is a connection of its own (a pooled one would be handed to queries); it closes with the store.
        """
        self._listener = listener
        await listener.add_listener(SETTINGS_CHANNEL, self._settings_changed)
        listener.add_termination_listener(self._listener_lost)

    def _settings_changed(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload.isdigit():
            self._settings.drop(int(payload))
            self._catalog_changed(int(payload))

    def _listener_lost(self, _conn: object) -> None:
        log.warning(
            "Lost the connection that hears about settings changed by other processes; until a restart, "
            "this process may serve a server's old settings after another process changes them"
        )

    async def _announce_settings_change(self, guild_id: int) -> None:
        """Tell every process (on commit) that a server's settings changed, so they drop their cached copy."""
        await self._execute("SELECT pg_notify($1, $2)", (SETTINGS_CHANNEL, str(guild_id)))

    async def schema_version(self) -> int:
        """Return the schema version recorded in the database."""
        with unavailable_as_storage_error():
            async with self._pool.acquire() as conn:
                return await migrate.schema_version(conn)

    def _current(self) -> asyncpg.Connection | None:
        """Return the connection of the transaction this task is in, if any."""
        current = _TRANSACTION.get()
        return current[1] if current is not None and current[0] is self else None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """Run a block as one transaction (a savepoint when nested); reads inside it see its writes."""
        with unavailable_as_storage_error():
            conn = self._current()
            if conn is not None:
                async with conn.transaction():
                    yield conn
                return
            async with self._pool.acquire() as conn, conn.transaction():
                token = _TRANSACTION.set((self, conn))
                try:
                    yield conn
                finally:
                    _TRANSACTION.reset(token)

    @asynccontextmanager
    async def _catalog_transaction(self, guild_id: int | None) -> AsyncIterator[asyncpg.Connection]:
        """Run a transaction that changes what ``guild_id`` (``None``: every server) is served."""
        try:
            async with self._transaction() as conn:
                yield conn
        finally:
            self._catalog_changed(guild_id)

    def _catalog_changed(self, guild_id: int | None) -> None:
        """Note that what a server is served may have changed (``None``: every server); caches drop it."""

    async def _lock(self, *name: object) -> None:
        """Hold an advisory lock named ``name`` until the current transaction ends (other processes wait)."""
        conn = self._current()
        assert conn is not None, "an advisory lock only means something inside a transaction"
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ":".join(map(str, name)))

    async def _fetchall(self, sql: str, params: Params = ()) -> list[asyncpg.Record]:
        text, args = bind(sql, params)
        with unavailable_as_storage_error():
            conn = self._current()
            if conn is not None:
                return await conn.fetch(text, *args)
            return await self._pool.fetch(text, *args)

    async def _fetchone(self, sql: str, params: Params = ()) -> asyncpg.Record | None:
        text, args = bind(sql, params)
        with unavailable_as_storage_error():
            conn = self._current()
            if conn is not None:
                return await conn.fetchrow(text, *args)
            return await self._pool.fetchrow(text, *args)

    async def _execute(self, sql: str, params: Params = ()) -> int:
        """Run one command (in the current transaction if there is one); return how many rows it changed."""
        text, args = bind(sql, params)
        with unavailable_as_storage_error():
            conn = self._current()
            if conn is not None:
                return rowcount(await conn.execute(text, *args))
            return rowcount(await self._pool.execute(text, *args))

    async def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one command for each row of arguments, inside the current transaction."""
        conn = self._current()
        assert conn is not None, "executemany runs inside a transaction"
        with unavailable_as_storage_error():
            await conn.executemany(sql, list(rows))

    async def _global_secret(self) -> str:
        """Return the secret the global board's member keys are computed with (see :mod:`bot.core.global_board`)."""
        if self._secret is None:
            row = await self._fetchone("SELECT secret FROM global_secret WHERE id = 1")
            if row is None:  # the first process to need it makes it; one racing it keeps the one stored first
                await self._execute(
                    "INSERT INTO global_secret (id, secret) VALUES (1, $1) ON CONFLICT DO NOTHING",
                    (secrets.token_hex(32),),
                )
                row = await self._fetchone("SELECT secret FROM global_secret WHERE id = 1")
            assert row is not None
            self._secret = str(row["secret"])
        return self._secret

    # -- server settings -----------------------------------------------------------------------

    def cached_server_settings(self, guild_id: int) -> ServerSettings | None:
        """Return a server's settings if they were read already, else ``None`` (then await :meth:`server_settings`)."""
        return self._settings.get(guild_id)

    async def server_settings(self, guild_id: int) -> ServerSettings:
        """Return a server's settings; cached, so reading them costs no query after the first time."""
        cached = self._settings.get(guild_id)
        if cached is not None:
            return cached
        row = await self._fetchone("SELECT settings FROM server_settings WHERE guild_id = $1", (guild_id,))
        settings = from_stored(row["settings"]) if row else ServerSettings()
        self._settings.put(guild_id, settings)
        return settings

    async def update_server_settings(
        self, guild_id: int, changes: dict[str, object], actor_id: int | None = None
    ) -> ServerSettings:
        """Validate and save changes to a server's settings; record who changed what; return the new settings.

        The stored settings are read under a lock (not from this process's cache), so two moderators changing
        different settings at once, through different processes, both count.
        """
        now = datetime.now(UTC)
        async with self._transaction() as conn:
            await self._lock("settings", guild_id)
            row = await self._fetchone("SELECT settings FROM server_settings WHERE guild_id = $1", (guild_id,))
            current = from_stored(row["settings"]) if row else ServerSettings()
            updated = apply_changes(current, changes)
            if updated.global_board != current.global_board:
                await self._lock("scores", guild_id)  # the server's score lock: no round is recorded meanwhile
                if updated.global_board:
                    await join_global_board(conn, guild_id, await self._global_secret(), now)
                else:
                    await leave_global_board(conn, guild_id)
            if actor_id is not None:
                for name in changes:
                    before, after = getattr(current, name), getattr(updated, name)
                    if before != after:
                        await self._insert_audit(
                            guild_id, actor_id, "setting", describe_change(name, before, after), now
                        )
            await self._execute(
                """INSERT INTO server_settings (guild_id, settings, updated_at) VALUES ($1, $2, $3)
                   ON CONFLICT (guild_id) DO UPDATE
                   SET settings = excluded.settings, updated_at = excluded.updated_at""",
                (guild_id, changed_values(updated), now),
            )
            await self._announce_settings_change(guild_id)
        self._settings.put(guild_id, updated)
        self._catalog_changed(guild_id)
        return updated

    def _forget_settings(self, guild_ids: Iterable[int]) -> None:
        """Drop cached settings of servers whose rows were deleted."""
        for guild_id in guild_ids:
            self._settings.drop(guild_id)
            self._catalog_changed(guild_id)

    async def _keep_new_pack_enabled(self, guild_id: int, pack_id: str) -> None:
        """Switch a server's newly created pack on if it limits its packs (see :func:`keep_new_pack_enabled`).

        The cached settings are dropped first: another process may have changed the server's packs.
        """
        self._settings.drop(guild_id)
        await keep_new_pack_enabled(self, guild_id, pack_id)

    # -- audit trail ---------------------------------------------------------------------------

    async def record_audit(self, guild_id: int, user_id: int, action: str, detail: str) -> None:
        """Record one moderator action (``action`` is a short word such as ``daily`` or ``fact``)."""
        async with self._transaction():
            await self._insert_audit(guild_id, user_id, action, detail, datetime.now(UTC))

    async def _insert_audit(self, guild_id: int, user_id: int, action: str, detail: str, at: datetime) -> None:
        """Write one audit line inside the caller's transaction (so a change and its line commit together)."""
        await self._execute(
            "INSERT INTO audit_log (guild_id, user_id, action, detail, at) VALUES ($1, $2, $3, $4, $5)",
            (guild_id, user_id, action, with_origin(detail), at),
        )

    async def _audit(self, guild_id: int, note: AuditNote | None) -> None:
        """Write ``note`` (if any) inside the caller's transaction."""
        if note is not None:
            await self._insert_audit(guild_id, note.user_id, note.action, note.detail, datetime.now(UTC))

    async def audit_history(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        """Return the server's most recent moderator actions, newest first."""
        rows = await self._fetchall(
            "SELECT user_id, action, detail, at FROM audit_log WHERE guild_id = $1 ORDER BY id DESC LIMIT $2",
            (guild_id, limit),
        )
        return [audit_from_row(row) for row in rows]
