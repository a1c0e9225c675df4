"""Writing packs and items, shared by pack loading, custom facts and uploads; runs inside a caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite
import orjson

from bot.core.catalog import SyncReport
from bot.core.packs import Item, Pack
from bot.storage.shared import changed_item_rows, content_hash, json_text


async def upsert_packs(
    conn: aiosqlite.Connection, packs: Sequence[tuple[Pack, str]], guild_id: int | None, now: str
) -> SyncReport:
    """Write packs (each with its database id) and their items; retire items a pack dropped; report what changed.

    Only new and edited items are written, all in one statement.
    """
    if not packs:
        return SyncReport()
    await conn.executemany(
        """
        INSERT INTO packs (id, name, description, author, license, version, file, active, loaded_at, guild_id, language)
        VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, description = excluded.description, author = excluded.author,
            license = excluded.license, version = excluded.version, file = excluded.file,
            active = 1, loaded_at = excluded.loaded_at, language = excluded.language
        """,
        [
            (
                db_pack_id,
                pack.name,
                pack.description,
                pack.author,
                pack.license,
                pack.version,
                pack.path.name if pack.path else pack.id,
                now,
                guild_id,
                pack.language,
            )
            for pack, db_pack_id in packs
        ],
    )
    existing = {
        (row["pack_id"], row["item_id"]): (row["pk"], row["content_hash"], row["retired"])
        for row in await conn.execute_fetchall(
            """SELECT pk, pack_id, item_id, content_hash, retired FROM items
               WHERE pack_id IN (SELECT value FROM json_each(?))""",
            (json.dumps([db_pack_id for _, db_pack_id in packs]),),
        )
    }
    changed, added, updated, unchanged = changed_item_rows(packs, existing, _item_row, guild_id)
    if changed:
        # One statement for all rows: FTS5 flushes its index at each statement, so row by row costs far more.
        await conn.execute(_UPSERT_ITEMS_FROM_JSON, (orjson.dumps(changed).decode(),))
    gone = [pk for pk, _, was_retired in existing.values() if not was_retired]
    if gone:
        await conn.execute(
            "UPDATE items SET retired = 1 WHERE pk IN (SELECT value FROM json_each(?))", (json.dumps(gone),)
        )
    return SyncReport(added, updated, unchanged, len(gone))


_ITEM_WRITE_COLUMNS = (
    "pack_id, item_id, kind, claim, truth, topic, tags, difficulty, source_title, source_url, source_citation, "
    "question, answers, choices, content_hash, guild_id, author_id"
)
_ON_ITEM_CONFLICT = """
    ON CONFLICT (pack_id, item_id) DO UPDATE SET
        kind = excluded.kind, claim = excluded.claim, truth = excluded.truth,
        topic = excluded.topic, tags = excluded.tags, difficulty = excluded.difficulty,
        source_title = excluded.source_title, source_url = excluded.source_url,
        source_citation = excluded.source_citation, question = excluded.question,
        answers = excluded.answers, choices = excluded.choices,
        content_hash = excluded.content_hash, retired = 0,
        author_id = COALESCE(excluded.author_id, author_id)
"""
_COLUMN_COUNT = len(_ITEM_WRITE_COLUMNS.split(","))

_UPSERT_ITEM = (
    f"INSERT INTO items ({_ITEM_WRITE_COLUMNS}) VALUES ({', '.join('?' * _COLUMN_COUNT)}) {_ON_ITEM_CONFLICT}"
)

_UPSERT_ITEMS_FROM_JSON = f"""
    INSERT INTO items ({_ITEM_WRITE_COLUMNS})
    SELECT {", ".join(f"value ->> {index}" for index in range(_COLUMN_COUNT))} FROM json_each(?) WHERE true
    {_ON_ITEM_CONFLICT}
"""
""":data:`_UPSERT_ITEM` for many items, given as one JSON list of :func:`_item_row` rows (``WHERE true`` tells
SQLite's parser that ``ON CONFLICT`` belongs to the INSERT, not to a join)."""


def _item_row(db_pack_id: str, item: Item, digest: str, guild_id: int | None, author_id: int | None) -> tuple:
    """Return the parameters of :data:`_UPSERT_ITEM` for one item."""
    return (
        db_pack_id,
        item.id,
        item.kind,
        item.claim,
        item.truth,
        item.topic,
        json_text(item.tags),
        item.difficulty,
        item.source.title,
        item.source.url,
        item.source.citation,
        item.question,
        json_text(item.answers),
        json_text(item.choices),
        digest,
        guild_id,
        author_id,
    )


async def write_item(
    conn: aiosqlite.Connection, db_pack_id: str, item: Item, guild_id: int | None, author_id: int | None
) -> int:
    """Insert or update one item; return its key (kept across updates).

    An update brings a retired item back and keeps its credit unless a new ``author_id`` is given.
    """
    rows = await conn.execute_fetchall(
        f"{_UPSERT_ITEM} RETURNING pk", _item_row(db_pack_id, item, content_hash(item), guild_id, author_id)
    )
    return int(next(iter(rows))["pk"])
