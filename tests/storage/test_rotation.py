"""The in-memory rotation over the ``served`` record: decks, the writer behind the reply, and its retries."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

from bot.core.catalog import StoredItem
from bot.core.errors import StorageUnavailable
from bot.core.packs import Source
from bot.storage import rotation
from bot.storage.rotation import Draw, Rotation, draw_segments

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class Record:
    """A ``served`` table in a list, whose writes can be made to fail."""

    def __init__(self, failures: int = 0) -> None:
        self.rows: list[Draw] = []
        self.batches: list[int] = []
        self.failures = failures
        self.deck_reads = 0
        self.pool_reads = 0

    async def write(self, draws: list[Draw]) -> None:
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise StorageUnavailable("database is locked")
        self.rows.extend(draws)
        self.batches.append(len(draws))

    async def load_deck(self) -> tuple[list[int], int | None]:
        self.deck_reads += 1
        seen = {row.item_pk for row in self.rows}
        return [pk for pk in (1, 2, 3) if pk not in seen], self.rows[-1].item_pk if self.rows else None

    async def load_pool(self) -> list[int]:
        self.pool_reads += 1
        await asyncio.sleep(0.01)
        return [1, 2, 3]


async def draw(rotation_: Rotation, record: Record, rng: random.Random) -> int | None:
    return await rotation_.draw(5, "myth:*", record.load_deck, record.load_pool, NOW, rng)


async def test_draws_are_recorded_in_order_and_a_deck_is_read_once():
    record = Record()
    rotation_ = Rotation(record.write)
    rng = random.Random(1)
    drawn = [await draw(rotation_, record, rng) for _ in range(4)]
    await rotation_.flush()
    assert sorted(drawn[:3]) == [1, 2, 3] and drawn[3] != drawn[2]
    assert [row.item_pk for row in record.rows] == drawn
    assert [row.new_cycle for row in record.rows] == [False, False, False, True]
    assert record.deck_reads == 1


async def test_draws_made_close_together_share_one_write(monkeypatch):
    monkeypatch.setattr(rotation, "GATHER_SECONDS", 0.2)
    record = Record()
    rotation_ = Rotation(record.write)
    rng = random.Random(4)
    await draw(rotation_, record, rng)
    await asyncio.sleep(0.01)
    await draw(rotation_, record, rng)
    assert record.rows == [], "nothing is written before the gathering time is up"
    await asyncio.sleep(0.4)
    assert record.batches == [2]


async def test_draws_made_during_a_write_gather_again_before_the_next_one(monkeypatch):
    monkeypatch.setattr(rotation, "GATHER_SECONDS", 0.1)
    loop = asyncio.get_running_loop()
    record = Record()
    writes: list[tuple[float, float]] = []

    async def slow_write(draws: list[Draw]) -> None:
        started = loop.time()
        await asyncio.sleep(0.05)
        await record.write(draws)
        writes.append((started, loop.time()))

    rotation_ = Rotation(slow_write)
    rng = random.Random(6)
    await draw(rotation_, record, rng)
    await asyncio.sleep(0.12)  # the first write is under way
    await draw(rotation_, record, rng)
    await draw(rotation_, record, rng)
    await asyncio.sleep(0.4)
    assert record.batches == [1, 2]
    (_, first_done), (second_started, _) = writes
    assert second_started - first_done >= 0.09, "the database is written once per gathering, not back to back"


async def test_waiting_for_the_writes_cuts_the_gathering_short(monkeypatch):
    monkeypatch.setattr(rotation, "GATHER_SECONDS", 30.0)
    record = Record()
    rotation_ = Rotation(record.write)
    pk = await draw(rotation_, record, random.Random(5))
    await asyncio.wait_for(rotation_.flush(), 5)
    assert [row.item_pk for row in record.rows] == [pk]


async def test_a_refused_write_is_retried_until_it_lands(monkeypatch):
    monkeypatch.setattr(rotation, "RETRY_SECONDS", (0.0,))
    record = Record(failures=3)
    rotation_ = Rotation(record.write)
    pk = await draw(rotation_, record, random.Random(2))
    await rotation_.close()
    assert [row.item_pk for row in record.rows] == [pk]


async def test_a_forgotten_server_is_read_again_after_the_queue_is_written():
    record = Record()
    rotation_ = Rotation(record.write)
    rng = random.Random(3)
    first = await draw(rotation_, record, rng)
    rotation_.forget(5)
    second = await draw(rotation_, record, rng)
    assert record.deck_reads == 2 and second != first, "the second deck was read after the first draw was written"


async def test_draws_that_end_a_cycle_together_read_the_pool_once():
    record = Record()
    rotation_ = Rotation(record.write)
    rng = random.Random(6)
    first_cycle = [await draw(rotation_, record, rng) for _ in range(3)]
    second_cycle = await asyncio.gather(*(draw(rotation_, record, random.Random(n)) for n in range(3)))
    assert sorted(first_cycle) == sorted(second_cycle) == [1, 2, 3]
    assert record.pool_reads == 1, "three draws found the deck empty at once and shared one read of the pool"


async def test_segments_start_where_a_new_cycle_starts():
    a, b, c = (Draw(1, "p", pk, pk == 2, NOW) for pk in (1, 2, 3))
    assert draw_segments([a, b, c]) == [(None, [a]), (b, [b, c])]
    assert draw_segments([b]) == [(b, [b])]


class Items:
    """Items by key, counting the queries that read them."""

    def __init__(self, keys: range) -> None:
        self.items = {pk: item_with(pk) for pk in keys}
        self.queries: list[list[int]] = []

    async def read(self, pks: list[int]) -> dict[int, StoredItem]:
        self.queries.append(pks)
        return {pk: self.items[pk] for pk in pks if pk in self.items}


def item_with(pk: int) -> StoredItem:
    source = Source("A source", "https://example.org")
    return StoredItem(f"item-{pk}", "fact", "A claim.", "The truth.", "space", 1, source, pk=pk, pack_id="test")


async def test_an_item_not_kept_is_read_with_more_of_its_deck(monkeypatch):
    monkeypatch.setattr(rotation, "READ_AHEAD", 3)
    items = Items(range(1, 11))
    rotation_ = Rotation(Record().write)

    async def load_deck() -> tuple[list[int], int | None]:
        return list(items.items), None

    async def load_pool() -> list[int]:
        return list(items.items)

    rng = random.Random(7)
    served = [
        await rotation_.serve(5, "fact:*", load_deck, load_pool, items.read, NOW, rng) for _ in range(len(items.items))
    ]
    assert sorted(item.pk for item in served) == list(range(1, 11))
    assert len(items.queries) < len(served), "most draws found their item already read"
    assert all(len(query) <= 4 for query in items.queries)
    read = [pk for query in items.queries for pk in query]
    assert len(read) == len(set(read)), "no item is read twice"
    await rotation_.close()
