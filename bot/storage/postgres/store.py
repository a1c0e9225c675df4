"""The PostgreSQL implementation of :class:`bot.storage.base.FactStore`: every concern's queries over one pool."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import asyncpg

from bot.core.errors import StoreError
from bot.storage.postgres import migrate
from bot.storage.postgres.admin import AdminQueries
from bot.storage.postgres.catalog import CatalogQueries
from bot.storage.postgres.cluster import ClusterQueries
from bot.storage.postgres.content import ContentQueries
from bot.storage.postgres.daily import DailyQueries
from bot.storage.postgres.review import ReviewQueries
from bot.storage.postgres.rewards import RewardQueries
from bot.storage.postgres.scores import ScoreQueries
from bot.storage.postgres.teams import TeamQueries
from bot.storage.postgres.transfer import TransferQueries
from bot.storage.shared import utc

POOL_SIZE = (1, 10)
"""Fewest and most connections each bot process keeps open."""
COMMAND_TIMEOUT_SECONDS = 30.0
"""A query that takes longer is given up (the member is asked to try again)."""


async def _prepare_connection(conn: asyncpg.Connection) -> None:
    """Decode ``jsonb`` columns to Python values (and encode parameters) on every pooled connection."""
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Hand a connection back to the pool as it is (asyncpg has already rolled back a transaction left open).

    asyncpg's default reset sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`` after
    every pooled query, one more round trip each time. The store leaves no session state on pooled connections:
    its advisory locks are transaction-scoped (the migration lock is released in a ``finally``), cursors live
    inside transactions, nothing is set for the session, and the settings ``LISTEN`` has a connection of its own.
    """


async def _close_unless_listening(connecting: asyncio.Future[asyncpg.Connection], store: PostgresStore) -> None:
    """Close (or stop opening) a listener connection that opening the store did not get to hand to ``store``."""
    connecting.cancel()
    try:
        conn = await connecting
    except BaseException:  # cancelled, or it never connected: nothing to close
        return
    if conn is not store._listener:
        await conn.close()


class PostgresStore(
    CatalogQueries,
    ScoreQueries,
    TeamQueries,
    DailyQueries,
    ContentQueries,
    AdminQueries,
    ReviewQueries,
    ClusterQueries,
    TransferQueries,
    RewardQueries,
):
    """Fact store on PostgreSQL: a connection pool, many processes, row and advisory locks where they meet."""

    @classmethod
    async def open(cls, url: str, *, redacted_url: str | None = None) -> PostgresStore:
        """Connect to the database at ``url`` and migrate it; ``redacted_url`` names it in errors (no password)."""
        where = redacted_url or "the PostgreSQL database"
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=POOL_SIZE[0],
                max_size=POOL_SIZE[1],
                command_timeout=COMMAND_TIMEOUT_SECONDS,
                init=_prepare_connection,
                reset=_keep_session,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"cannot connect to {where}: {type(exc).__name__}: {exc}") from exc
        store = cls(pool)
        listener = asyncio.ensure_future(asyncpg.connect(url))  # connects while the schema is brought up to date
        try:
            async with pool.acquire() as conn:
                await migrate.migrate(conn)
            await store._listen_for_settings(await listener)
        except BaseException as exc:
            await _close_unless_listening(listener, store)
            await store.close()
            if isinstance(exc, StoreError) or not isinstance(exc, Exception):
                raise
            raise StoreError(f"cannot use {where}: {type(exc).__name__}: {exc}") from exc
        return store

    # -- running quizzes (crash recovery) ------------------------------------------------------

    async def record_running_quiz(self, session_id: str, guild_id: int, channel_id: int, started_at: datetime) -> None:
        """Note that a quiz is running, so a restart after a crash can close it with a message."""
        async with self._transaction():
            await self._execute(
                """INSERT INTO running_quizzes (session_id, guild_id, channel_id, started_at) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (session_id) DO NOTHING""",
                (session_id, guild_id, channel_id, utc(started_at)),
            )

    async def forget_running_quiz(self, session_id: str) -> bool:
        """Remove a quiz that ended (or was closed after a restart); return whether it was still recorded."""
        async with self._transaction():
            return await self._execute("DELETE FROM running_quizzes WHERE session_id = $1", (session_id,)) > 0

    async def running_quizzes(self) -> list[tuple[str, int, int]]:
        """Return ``(session_id, guild_id, channel_id)`` of every quiz recorded as running, oldest first."""
        rows = await self._fetchall("SELECT session_id, guild_id, channel_id FROM running_quizzes ORDER BY started_at")
        return [(row["session_id"], row["guild_id"], row["channel_id"]) for row in rows]
