"""The catalogue of items as the store serves them: value types, the store protocol, and loading packs.

Everything here is backend-neutral; :mod:`bot.storage` implements :class:`CatalogStore` for each database.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.core.adaptive import QuizPool
from bot.core.packs import Item, Kind, Pack, PackFile, PackProblem, PackScan, read_packs

QuizChooser = Callable[[QuizPool, int], list[int]]
"""Picks up to a number of items among a quiz pool's unseen ones, by pk (adaptive difficulty)."""


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
    files_unchanged: int = 0
    """Pack files not read again because their bytes matched the last sync (their items count as unchanged)."""

    def __add__(self, other: SyncReport) -> SyncReport:
        """Add up two reports (of two batches of one sync)."""
        return SyncReport(*(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One moderator action: who did what, and when."""

    user_id: int
    action: str
    detail: str
    at: datetime


class PackSync(Protocol):
    """A sync of the packs under way, in one transaction (see :meth:`CatalogStore.syncing_packs`)."""

    def add(self, pack: Pack) -> None:
        """Have ``pack`` written; it is written in the background, while the caller reads the next one."""
        ...

    async def finish(self, failed_files: set[str] = frozenset(), unchanged: Sequence[PackFile] = ()) -> SyncReport:
        """Wait for the packs added to be written, retire what the packs dropped, and report what changed.

        Called once, after the last :meth:`add`; the rules are those of :meth:`CatalogStore.sync_packs`.
        """
        ...


class CatalogStore(Protocol):
    """What the store offers for loading packs and serving items."""

    async def sync_packs(
        self, packs: list[Pack], failed_files: set[str] = frozenset(), unchanged: Sequence[PackFile] = ()
    ) -> SyncReport:
        """Load packs idempotently: add new items, update edited ones, retire removed ones.

        Packs from ``failed_files`` (files that did not validate) keep their previous items, and so do the packs
        of ``unchanged`` files (not read again: their bytes match the last sync). The file of every pack read from
        one is recorded with its digest for :meth:`synced_pack_files`; files neither synced nor unchanged are
        forgotten, so they are read in full next time.
        """
        ...

    def syncing_packs(self) -> AbstractAsyncContextManager[PackSync]:
        """Start :meth:`sync_packs` with packs still to come: add each as it is read, then ``finish``.

        The whole sync is one transaction, committed when the block ends after ``finish``; an error in the block
        (or a write that failed) rolls it all back.
        """
        ...

    async def synced_pack_files(self) -> dict[str, PackFile]:
        """Return the pack files as the last sync recorded them, by file name."""
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
        choose: QuizChooser | None = None,
    ) -> list[StoredItem]:
        """Choose up to ``count`` different items askable in one of ``modes``, rotating per server like `fact`.

        Items are drawn at random from those the server has not seen in this cycle, or, with ``choose``, as it
        prefers among them (given each one's answer counts); either way the rotation is the same.
        """
        ...

    async def get_item(self, ref: str, guild_id: int | None = None) -> StoredItem:
        """Find an item by ``pack/item`` or a bare item id that only one pack uses.

        A server's own items (custom facts, uploaded packs) are found only with that server's ``guild_id``.
        """
        ...

    async def get_item_by_pk(self, pk: int) -> StoredItem | None:
        """Find an item by its internal key (used by buttons); ``None`` when it is gone."""
        ...

    async def get_items_by_pk(self, pks: Sequence[int]) -> dict[int, StoredItem]:
        """Find many items by their internal keys in one query: the live ones, by key."""
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

    async def times_served(self, pk: int) -> int:
        """Return how often an item has been served, across all servers."""
        ...

    async def wait_until_recorded(self) -> None:
        """Wait until every item served so far is recorded (serving writes its record just after the reply)."""
        ...


async def load_pack_dir(store: CatalogStore, directory: Path) -> tuple[SyncReport, list[PackProblem]]:
    """Validate every changed pack in ``directory`` and sync the good ones; bad packs keep their old items.

    A file whose bytes match the last sync is not parsed again (its items are in the store already); a changed,
    new or removed file is synced in full. Each pack is written while the next file is parsed: the database works
    (in its thread or its server) while this one parses.
    """
    scan = PackScan()
    synced = await store.synced_pack_files()
    async with store.syncing_packs() as sync:
        for pack in read_packs(directory, scan, synced):
            sync.add(pack)
            await _let_the_sync_run()
        report = await sync.finish({problem.file for problem in scan.problems}, scan.unchanged)
    return report, scan.problems


_LOOP_TURNS = 4
"""How many turns of the event loop :func:`_let_the_sync_run` gives: a database call goes through a few callbacks (a
reply read, a future set, a task woken) between sending a statement and sending the next."""


async def _let_the_sync_run() -> None:
    """Let the sync's writes move on (read a reply, send the next statement) before the next file is parsed."""
    for _ in range(_LOOP_TURNS):
        await asyncio.sleep(0)
