"""How the SQLite backend lays out rows: column lists, row mappers, stored times and server pack ids."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import aiosqlite

from bot.core.catalog import StoredItem
from bot.core.packs import Item, Source

ITEM_COLUMNS = (
    "pk, pack_id, item_id, kind, claim, truth, topic, difficulty, source_title, source_url, "
    "source_citation, tags, question, answers, choices"
)
"""The columns :func:`row_to_item` reads, in a form ready for ``SELECT``."""

PUBLIC_REF_SQL = "substr(items.pack_id, instr(items.pack_id, '~') + 1) || '/' || items.item_id"
"""SQL for an item's public id ``pack/item`` (see :func:`public_pack_id`)."""


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


def stored_now() -> str:
    """Return the current moment as the database keeps it."""
    return stored_time(datetime.now(UTC))


def content_hash(item: Item) -> str:
    """Return a digest of everything an item shows, so an unchanged item is not rewritten on start-up."""
    payload = json.dumps(
        [
            item.kind,
            item.claim,
            item.truth,
            item.topic,
            item.difficulty,
            item.source.title,
            item.source.url,
            item.source.citation,
            item.tags,
            item.question,
            item.answers,
            item.choices,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def row_to_item(row: aiosqlite.Row) -> StoredItem:
    """Build a :class:`StoredItem` from a row holding :data:`ITEM_COLUMNS`."""
    return StoredItem(
        pk=row["pk"],
        pack_id=public_pack_id(row["pack_id"]),
        id=row["item_id"],
        kind=row["kind"],
        claim=row["claim"],
        truth=row["truth"],
        topic=row["topic"],
        difficulty=row["difficulty"],
        source=Source(row["source_title"], row["source_url"], row["source_citation"]),
        tags=tuple(json.loads(row["tags"])),
        question=row["question"],
        answers=tuple(json.loads(row["answers"])),
        choices=tuple(json.loads(row["choices"])),
    )
