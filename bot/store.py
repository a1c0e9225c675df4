"""The fact store's interface and value types, independent of the database behind it.

Cogs and the rest of the core talk to :class:`FactStore`; :func:`open_store` picks the backend from the
configured database URL. Only SQLite exists today; a PostgreSQL backend implements the same protocol.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.admin import AdminStore
from bot.config import DatabaseTarget
from bot.content import ContentStore
from bot.daily import DailyStore
from bot.packs import Item, Kind, Pack, PackProblem, scan_packs
from bot.scores import ScoreStore
from bot.settings import ServerSettings


def server_pack_id(guild_id: int, pack_id: str) -> str:
    """Return the database id of a pack that belongs to one server: ``<guild id>~<pack id>``."""
    return f"{guild_id}~{pack_id}"


def public_pack_id(db_pack_id: str) -> str:
    """Return the pack id users see: a server pack's id without its server part."""
    return db_pack_id.rpartition("~")[2]


def stored_time(moment: datetime) -> str:
    """Return a moment as the database keeps it: UTC, ISO 8601 with microseconds; refuse a naive datetime."""
    if moment.tzinfo is None:
        raise ValueError(f"times must be timezone-aware, not {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


PUBLIC_REF_SQL = "substr(items.pack_id, instr(items.pack_id, '~') + 1) || '/' || items.item_id"
"""SQL for an item's public id ``pack/item`` (see :func:`public_pack_id`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredItem(Item):
    """An item as the store serves it: the pack's item plus where it lives."""

    pk: int
    """Internal key that stats and rotation point at; stable across pack edits."""
    pack_id: str

    @property
    def ref(self) -> str:
        """The public id users type, ``pack/item``."""
        return f"{self.pack_id}/{self.id}"


@dataclass(frozen=True, slots=True)
class TopicSummary:
    """How many myths, facts and quiz-only questions a topic has."""

    topic: str
    myths: int
    facts: int
    questions: int = 0


@dataclass(frozen=True, slots=True)
class PackSummary:
    """A loaded pack and how many live items it has."""

    id: str
    name: str
    description: str
    version: str
    items: int


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What loading the packs changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    packs_retired: int = 0


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One moderator action: who did what, and when."""

    user_id: int
    action: str
    detail: str
    at: datetime


class FactStore(ScoreStore, DailyStore, ContentStore, AdminStore, Protocol):
    """Everything the bot needs from its database."""

    async def schema_version(self) -> int:
        """Return the schema version recorded in the database."""
        ...

    async def sync_packs(self, packs: list[Pack], failed_files: set[str] = frozenset()) -> SyncReport:
        """Load packs idempotently: add new items, update edited ones, retire removed ones.

        Packs from ``failed_files`` (files that did not validate) keep their previous items.
        """
        ...

    async def pick_item(
        self, guild_id: int, kind: Kind, topic: str | None = None, rng: random.Random | None = None
    ) -> StoredItem:
        """Choose a random item of ``kind`` (and ``topic``) the server has not seen in this cycle."""
        ...

    async def pick_quiz_items(
        self,
        guild_id: int,
        count: int,
        modes: Sequence[str],
        topic: str | None = None,
        rng: random.Random | None = None,
    ) -> list[StoredItem]:
        """Choose up to ``count`` different items askable in one of ``modes``, rotating per server like `fact`."""
        ...

    async def get_item(self, ref: str, guild_id: int | None = None) -> StoredItem:
        """Find an item by ``pack/item`` or a bare item id that only one pack uses.

        A server's own items (custom facts, uploaded packs) are found only with that server's ``guild_id``.
        """
        ...

    async def get_item_by_pk(self, pk: int) -> StoredItem | None:
        """Find an item by its internal key (used by buttons); ``None`` when it is gone."""
        ...

    async def search(self, text: str, limit: int = 5, guild_id: int | None = None) -> list[StoredItem]:
        """Return the best full-text matches for ``text`` among live items (with the server's own)."""
        ...

    async def topics(self, guild_id: int | None = None) -> list[TopicSummary]:
        """Return every topic with live items, with myth and fact counts (with the server's own items)."""
        ...

    async def packs(self, guild_id: int | None = None) -> list[PackSummary]:
        """Return the active packs (shipped and the server's own) with their live item counts."""
        ...

    async def server_settings(self, guild_id: int) -> ServerSettings:
        """Return a server's settings (cached)."""
        ...

    async def update_server_settings(
        self, guild_id: int, changes: dict[str, object], actor_id: int | None = None
    ) -> ServerSettings:
        """Validate and save changes to a server's settings; raise a friendly error for a bad value.

        With ``actor_id``, each changed value is recorded in the audit trail.
        """
        ...

    async def record_audit(self, guild_id: int, user_id: int, action: str, detail: str) -> None:
        """Record one moderator action in the server's audit trail."""
        ...

    async def audit_history(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        """Return the server's most recent moderator actions, newest first."""
        ...

    async def record_running_quiz(self, session_id: str, guild_id: int, channel_id: int, started_at: datetime) -> None:
        """Note that a quiz is running, so a restart after a crash can close it with a message."""
        ...

    async def forget_running_quiz(self, session_id: str) -> bool:
        """Remove a quiz that ended (or was closed after a restart); return whether it was still recorded."""
        ...

    async def running_quizzes(self) -> list[tuple[str, int, int]]:
        """Return ``(session_id, guild_id, channel_id)`` of every quiz recorded as running, oldest first."""
        ...

    async def times_served(self, pk: int) -> int:
        """Return how often an item has been served, across all servers."""
        ...

    async def close(self) -> None:
        """Close the database connection."""
        ...


async def open_store(target: DatabaseTarget) -> FactStore:
    """Open and migrate the store described by ``target``."""
    from bot.sqlite_store import SqliteStore

    return await SqliteStore.open(target.path)


async def load_pack_dir(store: FactStore, directory: Path) -> tuple[SyncReport, list[PackProblem]]:
    """Validate every pack in ``directory`` and sync the good ones; bad packs keep their old items."""
    scan = scan_packs(directory)
    report = await store.sync_packs(scan.packs, {problem.file for problem in scan.problems})
    return report, scan.problems
