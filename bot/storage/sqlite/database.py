"""The SQLite connections every part of the store shares: transactions, reads, settings and the audit trail.

Writes go through one connection, one transaction at a time. Reads go through a connection of their own (on a
database file), so they never see the rows of a write transaction still open, only what was committed; the task
that holds the write transaction reads on the write connection, so it sees its own writes.

Each concern (catalog, scores, daily, content, admin) is a subclass of :class:`SqliteDatabase`;
:class:`bot.storage.sqlite.store.SqliteStore` combines them into one :class:`bot.storage.base.FactStore`.
Driver errors that mean "not now" (a lock, a read-only file, a failing disk) leave here as
:class:`bot.core.errors.StorageUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import aiosqlite

from bot.core.audit import AuditNote, with_origin
from bot.core.catalog import AuditEntry
from bot.core.errors import StorageUnavailable
from bot.core.settings import ServerSettings, SettingsCache, apply_changes, changed_values, describe_change, from_stored
from bot.storage.shared import audit_from_row, keep_new_pack_enabled
from bot.storage.sqlite import migrate
from bot.storage.sqlite.checkpoint import WAL_SIZE_LIMIT_BYTES, WalCheckpointer
from bot.storage.sqlite.global_parts import join_global_board, leave_global_board
from bot.storage.sqlite.rows import stored_now

_UNAVAILABLE = ("database is locked", "database table is locked", "readonly database", "disk i/o error")


def _raise_unavailable(error: sqlite3.OperationalError) -> None:
    """Raise :class:`StorageUnavailable` if the driver's error means "try again later"; else return."""
    if any(text in str(error).lower() for text in _UNAVAILABLE):
        raise StorageUnavailable(str(error)) from error


class SqliteDatabase:
    """A write connection (WAL mode, foreign keys on, explicit transactions one at a time) and a read connection."""

    def __init__(self, conn: aiosqlite.Connection, reader: aiosqlite.Connection | None = None) -> None:
        self._conn = conn
        self._reader = reader or conn
        """Reads outside the write transaction; the write connection itself for an in-memory database."""
        self._writer: asyncio.Task | None = None
        """The task holding the write transaction, whose reads go through the write connection."""
        self._write_lock = asyncio.Lock()
        self._settings = SettingsCache()
        self._checkpointer: WalCheckpointer | None = None
        """Checkpoints the WAL off the write path (a database file only; see :mod:`.checkpoint`)."""
        self._secret: str | None = None
        """The secret of the global board's member keys, read once (it never changes)."""

    async def _checkpoint_in_background(self, path: str) -> None:
        """Stop checkpointing inside commits; checkpoint from a connection and task of its own instead."""
        await self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        await self._conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")
        self._checkpointer = await WalCheckpointer.open(path, self._write_lock)

    async def close(self) -> None:
        """Fold the WAL into the database and close the connections; safe to call twice."""
        async with self._write_lock:
            try:
                if self._checkpointer is not None:
                    checkpointer, self._checkpointer = self._checkpointer, None
                    await checkpointer.close()
            finally:
                if self._reader is not self._conn:
                    await self._reader.close()
                await self._conn.close()

    async def schema_version(self) -> int:
        """Return the schema version recorded in the database."""
        return await migrate.schema_version(self._conn)

    def _read_connection(self) -> aiosqlite.Connection:
        """Return the connection a read should use: the write one inside this task's write transaction."""
        return self._conn if self._writer is not None and asyncio.current_task() is self._writer else self._reader

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one write transaction; other writers wait their turn."""
        async with self._write_lock:
            self._writer = asyncio.current_task()
            try:
                await self._begin()
                try:
                    yield self._conn
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                _raise_unavailable(exc)
                raise
            finally:
                self._writer = None
            if self._checkpointer is not None:
                self._checkpointer.wrote()

    @asynccontextmanager
    async def _catalog_transaction(self, guild_id: int | None) -> AsyncIterator[aiosqlite.Connection]:
        """Run a write transaction that changes what ``guild_id`` (``None``: every server) is served."""
        try:
            async with self._transaction() as conn:
                yield conn
        finally:
            self._catalog_changed(guild_id)

    async def _begin(self) -> None:
        """Start a write transaction; a cancellation while it starts never leaves it open."""
        begin = asyncio.ensure_future(self._conn.execute("BEGIN IMMEDIATE"))
        try:
            await asyncio.shield(begin)
        except asyncio.CancelledError:
            # The BEGIN runs in aiosqlite's thread whatever happens here: wait for it, then undo it.
            with contextlib.suppress(Exception):
                await begin
                await self._conn.execute("ROLLBACK")
            raise

    # Each call is one round trip to aiosqlite's thread (execute, fetch and close would be three).
    async def _fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        try:
            return list(await self._read_connection().execute_fetchall(sql, params))
        except sqlite3.OperationalError as exc:
            _raise_unavailable(exc)
            raise

    async def _fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        return next(iter(await self._fetchall(sql, params)), None)

    async def _global_secret(self) -> str:
        """Return the secret the global board's member keys are computed with (see :mod:`bot.core.global_board`)."""
        if self._secret is None:
            row = await self._fetchone("SELECT secret FROM global_secret WHERE id = 1")
            if row is None:
                async with self._transaction() as conn:
                    await conn.execute(
                        "INSERT INTO global_secret (id, secret) VALUES (1, ?) ON CONFLICT DO NOTHING",
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
        row = await self._fetchone("SELECT settings FROM server_settings WHERE guild_id = ?", (guild_id,))
        settings = from_stored(json.loads(row["settings"])) if row else ServerSettings()
        newer = self._settings.get(guild_id)
        if newer is not None:  # a change committed while this read ran has cached the settings it saved
            return newer
        self._settings.put(guild_id, settings)
        return settings

    async def update_server_settings(
        self, guild_id: int, changes: dict[str, object], actor_id: int | None = None
    ) -> ServerSettings:
        """Validate and save changes to a server's settings; record who changed what; return the new settings."""
        now = stored_now()
        secret = await self._global_secret()
        async with self._transaction() as conn:
            # Read inside the transaction, so two moderators changing different settings at once both count.
            current = await self.server_settings(guild_id)
            updated = apply_changes(current, changes)
            if updated.global_board and not current.global_board:
                await join_global_board(conn, guild_id, secret, datetime.now(UTC))
            elif current.global_board and not updated.global_board:
                await leave_global_board(conn, guild_id)
            if actor_id is not None:
                for name in changes:
                    before, after = getattr(current, name), getattr(updated, name)
                    if before != after:
                        await self._insert_audit(
                            guild_id, actor_id, "setting", describe_change(name, before, after), now
                        )
            await conn.execute(
                """INSERT INTO server_settings (guild_id, settings, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (guild_id) DO UPDATE
                   SET settings = excluded.settings, updated_at = excluded.updated_at""",
                (guild_id, json.dumps(changed_values(updated)), now),
            )
        self._settings.put(guild_id, updated)
        self._catalog_changed(guild_id)
        return updated

    def _forget_settings(self, guild_ids: Iterable[int]) -> None:
        """Drop cached settings of servers whose rows were deleted."""
        for guild_id in guild_ids:
            self._settings.drop(guild_id)
            self._catalog_changed(guild_id)

    def _catalog_changed(self, guild_id: int | None) -> None:
        """Note that what a server is served may have changed (``None``: every server); caches drop it."""

    async def _keep_new_pack_enabled(self, guild_id: int, pack_id: str) -> None:
        """Switch a server's newly created pack on if it limits its packs (see :func:`keep_new_pack_enabled`)."""
        await keep_new_pack_enabled(self, guild_id, pack_id)

    # -- audit trail ---------------------------------------------------------------------------

    async def record_audit(self, guild_id: int, user_id: int, action: str, detail: str) -> None:
        """Record one moderator action (``action`` is a short word such as ``daily`` or ``fact``)."""
        async with self._transaction():
            await self._insert_audit(guild_id, user_id, action, detail, stored_now())

    async def _insert_audit(self, guild_id: int, user_id: int, action: str, detail: str, at: str) -> None:
        """Write one audit line inside the caller's transaction (so a change and its line commit together)."""
        await self._conn.execute(
            "INSERT INTO audit_log (guild_id, user_id, action, detail, at) VALUES (?, ?, ?, ?, ?)",
            (guild_id, user_id, action, with_origin(detail), at),
        )

    async def _audit(self, guild_id: int, note: AuditNote | None) -> None:
        """Write ``note`` (if any) inside the caller's transaction."""
        if note is not None:
            await self._insert_audit(guild_id, note.user_id, note.action, note.detail, stored_now())

    async def audit_history(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        """Return the server's most recent moderator actions, newest first."""
        rows = await self._fetchall(
            "SELECT user_id, action, detail, at FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [audit_from_row(row) for row in rows]
