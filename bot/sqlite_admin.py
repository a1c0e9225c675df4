"""SQL for data control: forget-me, leaderboard resets, exports, uploaded packs and retention.

Mixed into :class:`bot.sqlite_store.SqliteStore`.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiosqlite


class AdminQueries:
    """The :class:`bot.admin.AdminStore` part of the SQLite store."""

    if TYPE_CHECKING:  # provided by SqliteStore

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...
        async def _fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]: ...
        async def _fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None: ...
