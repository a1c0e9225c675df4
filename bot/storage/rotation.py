"""Per-server rotation in memory, so `fact` and `myth` draw an item without waiting on the database.

Each server (and DM channel) sees every item of a pool once before any repeats. The ``served`` table is the
record of what was seen: a restart, or the process that takes over a shard, continues from it. This module
keeps the part of that record a busy process needs: for each recently used pool the items not yet seen this
cycle (a deck), and the items themselves. A draw is taken from the deck at once and written to ``served`` by
a background writer shortly after (draws gather for 50 ms), in order, many draws to one transaction. Closing
the store waits for the writer, so a clean shutdown loses nothing; a crash can lose only draws made in the
last moments (those items may be shown again).

The backends supply the SQL: how to read a deck, the whole pool, and how to write a batch of draws.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from array import array
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.core.catalog import StoredItem
from bot.core.errors import StorageUnavailable

log = logging.getLogger(__name__)

MAX_DECKS = 4096
"""Decks kept in memory (least recently used are dropped; a dropped deck is read again when needed)."""
MAX_ITEMS = 8192
"""Items kept in memory by key, for the same reason."""
DECK_MAX_AGE_SECONDS = 300.0
"""A deck older than this is read again, so a change made by another process is seen within minutes."""
GATHER_SECONDS = 0.05
"""How long the writer lets draws gather before writing them: under load, one transaction then holds many."""
RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)
"""Waits between attempts when the database refuses a batch of draws (the last one repeats)."""
READ_AHEAD = 100
"""How many more of a deck's items are read with a drawn item that is not kept (one query for them all)."""
CLOSE_WAIT_SECONDS = 10.0
"""How long closing the store waits for queued draws to be written."""
DRAWS = random.Random()
"""The generator for draws made without one of their own (making a new one per draw reads the OS's entropy)."""


class Draw(NamedTuple):
    """One item served to a server, to be recorded in ``served``; ``new_cycle`` clears the pool's record first.

    A named tuple: one is made per command, and a frozen dataclass costs a few times more to build.
    """

    guild_id: int
    pool: str
    item_pk: int
    new_cycle: bool
    served_at: datetime


@dataclass(slots=True)
class Deck:
    """The items of one server's pool not yet seen this cycle, and the last one served."""

    unseen: array
    last_served: int | None
    loaded_at: float


def draw_segments(draws: list[Draw]) -> list[tuple[Draw | None, list[Draw]]]:
    """Split draws, in order, into runs to insert; a run that starts a new cycle comes with its first draw.

    A backend clears the pool's record for that draw, then inserts the run.
    """
    segments: list[tuple[Draw | None, list[Draw]]] = []
    for draw in draws:
        if draw.new_cycle or not segments:
            segments.append((draw if draw.new_cycle else None, []))
        segments[-1][1].append(draw)
    return segments


DeckLoader = Callable[[], Awaitable[tuple[list[int], int | None]]]
"""Reads a pool's unseen item keys and the last one served (after every queued draw was written)."""
PoolLoader = Callable[[], Awaitable[list[int]]]
"""Reads every live item key of a pool."""
ItemsReader = Callable[[list[int]], Awaitable[dict[int, StoredItem]]]
"""Reads live items by key (the missing ones are gone)."""
DrawWriter = Callable[[list[Draw]], Awaitable[None]]
"""Writes draws to ``served`` (and the serving counts) in one transaction, in order."""


class Rotation:
    """Decks and items in memory over the ``served`` table, with draws written behind the reply."""

    def __init__(self, write: DrawWriter, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self._clock = clock
        self._decks: OrderedDict[tuple[int, str], Deck] = OrderedDict()
        self._items: OrderedDict[int, StoredItem] = OrderedDict()
        self._generation = 0
        self._loading = asyncio.Lock()
        self._pool_reads: dict[tuple[int, str], asyncio.Future[list[int]]] = {}
        self._queued: list[Draw] = []
        self._all_written = asyncio.Event()
        self._all_written.set()
        self._writer: asyncio.Task[None] | None = None
        self._gathering = False

    # -- drawing -------------------------------------------------------------------------------

    async def draw(
        self,
        guild_id: int,
        pool: str,
        load_deck: DeckLoader,
        load_pool: PoolLoader,
        now: datetime,
        rng: random.Random,
    ) -> int | None:
        """Return the key of an unseen item of the pool (starting a new cycle when all were seen), or ``None``."""
        key = (guild_id, pool)
        deck = self._decks.get(key)
        if deck is None or self._clock() - deck.loaded_at > DECK_MAX_AGE_SECONDS:
            deck = await self._load(key, load_deck)
        else:
            self._decks.move_to_end(key)
        new_cycle = False
        if not deck.unseen:
            everything = await self._read_pool(key, load_pool)
            if not everything:
                return None
            if not deck.unseen:  # another draw may have started the new cycle while we read
                deck.unseen = array("q", everything)
                new_cycle = True
        choices = len(deck.unseen)
        if new_cycle and choices > 1 and deck.last_served in deck.unseen:
            # The new cycle holds every item but does not open with the one that closed the last cycle:
            # move that one to the end and draw from the others.
            last = deck.unseen.index(deck.last_served)
            deck.unseen[last], deck.unseen[-1] = deck.unseen[-1], deck.unseen[last]
            choices -= 1
        return self._take(deck, rng.randrange(choices), guild_id, pool, new_cycle=new_cycle, now=now)

    async def _read_pool(self, key: tuple[int, str], load_pool: PoolLoader) -> list[int]:
        """Read a pool's keys for a new cycle, once for every draw that finds the deck empty at the same time.

        Under load many draws reach a cycle's end together; without this each read the whole pool again.
        """
        pending = self._pool_reads.get(key)
        if pending is None:
            pending = asyncio.ensure_future(load_pool())
            self._pool_reads[key] = pending
            pending.add_done_callback(lambda _: self._pool_reads.pop(key, None))
        return await asyncio.shield(pending)

    def draw_kept(self, guild_id: int, pool: str, now: datetime, rng: random.Random) -> StoredItem | None:
        """Draw from memory alone: an item of the pool's deck if the deck and that item are kept, else ``None``.

        The quick path of :meth:`serve` (no loaders to build, nothing awaited); on ``None`` call :meth:`serve`.
        """
        deck = self._decks.get((guild_id, pool))
        if deck is None or not deck.unseen or self._clock() - deck.loaded_at > DECK_MAX_AGE_SECONDS:
            return None
        index = rng.randrange(len(deck.unseen))
        item = self._items.get(deck.unseen[index])
        if item is None:
            return None
        self._decks.move_to_end((guild_id, pool))
        self._items.move_to_end(item.pk)
        self._take(deck, index, guild_id, pool, new_cycle=False, now=now)
        return item

    def _take(self, deck: Deck, index: int, guild_id: int, pool: str, *, new_cycle: bool, now: datetime) -> int:
        """Remove the deck's item at ``index``, queue its draw for the record, and return its key."""
        chosen = deck.unseen[index]
        deck.unseen[index] = deck.unseen[-1]
        deck.unseen.pop()
        deck.last_served = chosen
        self._enqueue(Draw(guild_id, pool, chosen, new_cycle, now))
        return chosen

    async def _load(self, key: tuple[int, str], load_deck: DeckLoader) -> Deck:
        """Read a deck from the database, after the draws still queued are written."""
        async with self._loading:
            cached = self._decks.get(key)
            if cached is not None and self._clock() - cached.loaded_at <= DECK_MAX_AGE_SECONDS:
                return cached
            await self.flush()
            generation = self._generation
            unseen, last_served = await load_deck()
            deck = Deck(array("q", unseen), last_served, self._clock())
            if generation == self._generation:  # nothing changed while we read: keep it
                self._decks[key] = deck
                self._decks.move_to_end(key)
                while len(self._decks) > MAX_DECKS:
                    self._decks.popitem(last=False)
            return deck

    async def serve(
        self,
        guild_id: int,
        pool: str,
        load_deck: DeckLoader,
        load_pool: PoolLoader,
        read_items: ItemsReader,
        now: datetime,
        rng: random.Random,
    ) -> StoredItem | None:
        """Draw an item of the pool and return it (read once, then kept), or ``None`` if the pool is empty.

        An item retired since its deck was read is skipped: the server's decks are read again and one more
        item drawn.
        """
        for _ in range(2):
            pk = await self.draw(guild_id, pool, load_deck, load_pool, now, rng)
            if pk is None:
                return None
            item = self._cached_item(pk)
            if item is None:
                item = await self._read_ahead((guild_id, pool), pk, read_items)
            if item is not None:
                return item
            self.forget(guild_id)
        return None

    # -- items ---------------------------------------------------------------------------------

    async def _read_ahead(self, key: tuple[int, str], pk: int, read_items: ItemsReader) -> StoredItem | None:
        """Read a drawn item that is not kept, with up to :data:`READ_AHEAD` more of its deck that are not either.

        After a restart each draw would otherwise wait for a query of its own until the deck's items are kept.
        """
        deck = self._decks.get(key)
        more = (other for other in deck.unseen if other not in self._items) if deck is not None else iter(())
        generation = self._generation
        found = await read_items([pk, *itertools.islice(more, READ_AHEAD)])
        if generation == self._generation:  # nothing changed while we read: keep them
            for item in found.values():
                self._keep_item(item)
        return found.get(pk)

    def _cached_item(self, pk: int) -> StoredItem | None:
        """Return an item kept in memory, or ``None``."""
        item = self._items.get(pk)
        if item is not None:
            self._items.move_to_end(pk)
        return item

    def _keep_item(self, item: StoredItem) -> None:
        """Keep an item in memory for the next draws."""
        self._items[item.pk] = item
        while len(self._items) > MAX_ITEMS:
            self._items.popitem(last=False)

    def forget(self, guild_id: int | None = None) -> None:
        """Drop what a change may have made stale: one server's decks, or with ``None`` every deck and item.

        Call it after any change to items, packs, hidden items or a server's settings.
        """
        self._generation += 1
        if guild_id is None:
            self._decks.clear()
            self._items.clear()
            return
        for key in [key for key in self._decks if key[0] == guild_id]:
            del self._decks[key]
        self._items.clear()  # an item of this server may have been edited

    # -- writing behind ------------------------------------------------------------------------

    def _enqueue(self, draw: Draw) -> None:
        self._queued.append(draw)
        self._all_written.clear()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(gather=True), name="rotation-writer")

    async def _write_queued(self, *, gather: bool) -> None:
        """Write queued draws in batches until the queue is empty; retry while the database refuses.

        With ``gather``, draws gather for :data:`GATHER_SECONDS` before each batch, so that under load one
        transaction holds many and the database is written at most once per gathering, not back to back
        (:meth:`flush` cuts that short).
        """
        failures = 0
        while self._queued:
            if gather and not failures:
                await self._gather()
            batch, self._queued = self._queued, []
            try:
                await self._write(batch)
            except StorageUnavailable as exc:
                self._queued[:0] = batch
                wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                if failures == 0:  # one line per outage, not one per attempt
                    log.warning("Could not record %d served items (%s); retrying until it works", len(batch), exc.cause)
                failures += 1
                await asyncio.sleep(wait)
                continue
            except Exception:
                log.exception("Could not record %d served items; they may be shown again", len(batch))
            if failures:
                log.info("Recorded the served items after %d failed attempts", failures)
            failures = 0
        self._all_written.set()

    async def _gather(self) -> None:
        """Let draws gather for :data:`GATHER_SECONDS`; nothing is taken from the queue meanwhile."""
        self._gathering = True
        try:
            await asyncio.sleep(GATHER_SECONDS)
        finally:
            self._gathering = False

    async def flush(self) -> None:
        """Wait until every draw made so far is written."""
        if self._gathering and self._writer is not None:  # nothing taken from the queue yet: write now instead
            self._writer.cancel()
            self._gathering = False
            self._writer = asyncio.create_task(self._write_queued(gather=False), name="rotation-writer")
        while not self._all_written.is_set():
            await self._all_written.wait()

    async def close(self) -> None:
        """Write what is queued (waiting at most :data:`CLOSE_WAIT_SECONDS`), then stop the writer."""
        try:
            await asyncio.wait_for(self.flush(), CLOSE_WAIT_SECONDS)
        except TimeoutError:
            log.error("Closed with %d served items not recorded; they may be shown again", len(self._queued))
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
