"""Writing packs and items, shared by pack loading, custom facts and uploads; runs inside a caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite
import orjson

from bot.core.catalog import SyncReport
from bot.core.packs import Item, Pack
from bot.storage.shared import StoredItems, content_hash, item_changes, json_text, pack_row, stored_items_by_pack


async def stored_items(conn: aiosqlite.Connection, db_pack_ids: Sequence[str] | None = None) -> StoredItems:
    """Return the items stored for some packs (by db id), or with ``None`` for every shipped pack."""
    if db_pack_ids is None:
        sql, params = f"{_STORED_ITEMS} WHERE guild_id IS NULL", ()
    else:
        sql, params = f"{_STORED_ITEMS} WHERE pack_id IN (SELECT value FROM json_each(?))", (json.dumps(db_pack_ids),)
    return stored_items_by_pack(await conn.execute_fetchall(sql, params))


_STORED_ITEMS = "SELECT pk, pack_id, item_id, content_hash, retired FROM items"


async def upsert_packs(
    conn: aiosqlite.Connection,
    packs: Sequence[tuple[Pack, str]],
    guild_id: int | None,
    now: str,
) -> SyncReport:
    """Write packs (each with its database id) and their items; retire items a pack dropped; report what changed."""
    if not packs:
        return SyncReport()
    stored = await stored_items(conn, [db_pack_id for _, db_pack_id in packs])
    await write_pack_rows(conn, packs, guild_id, now)
    return await write_items(conn, packs, guild_id, stored)


async def write_pack_rows(
    conn: aiosqlite.Connection, packs: Sequence[tuple[Pack, str]], guild_id: int | None, now: str
) -> None:
    """Write the rows of packs (each with its database id): a pack written again is active again."""
    await conn.executemany(
        """
        INSERT INTO packs (id, name, description, author, license, version, file, language, active, loaded_at, guild_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, description = excluded.description, author = excluded.author,
            license = excluded.license, version = excluded.version, file = excluded.file,
            active = 1, loaded_at = excluded.loaded_at, language = excluded.language
        """,
        [(*pack_row(pack, db_pack_id), now, guild_id) for pack, db_pack_id in packs],
    )


async def write_items(
    conn: aiosqlite.Connection, packs: Sequence[tuple[Pack, str]], guild_id: int | None, stored: StoredItems
) -> SyncReport:
    """Write the new and edited items of packs, retire the ones they dropped; report what changed.

    ``stored`` holds what :func:`stored_items` returns for (at least) these packs; the packs' entries leave it.
    The items go in one statement: FTS5 flushes its index at each statement, so row by row costs far more.
    """
    changes = item_changes(packs, stored, _item_row, guild_id)
    if changes.rows:
        await conn.execute(_UPSERT_ITEMS_FROM_JSON, (orjson.dumps(changes.rows).decode(),))
    if changes.retire:
        await conn.execute(
            "UPDATE items SET retired = 1 WHERE pk IN (SELECT value FROM json_each(?))", (json.dumps(changes.retire),)
        )
    return SyncReport(changes.added, changes.updated, changes.unchanged, len(changes.retire))


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

_LIST_COLUMNS = (6, 12, 13)
"""Where :func:`_item_row` has the JSON list columns (tags, answers, choices)."""

_UPSERT_ITEMS_FROM_JSON = f"""
    INSERT INTO items ({_ITEM_WRITE_COLUMNS})
    SELECT {", ".join(f"value {'->' if index in _LIST_COLUMNS else '->>'} {index}" for index in range(_COLUMN_COUNT))}
    FROM json_each(?) WHERE true
    {_ON_ITEM_CONFLICT}
"""
""":data:`_UPSERT_ITEM` for many items, given as one JSON list of :func:`_item_row` rows (``WHERE true`` tells
SQLite's parser that ``ON CONFLICT`` belongs to the INSERT, not to a join). A list column takes its list's JSON
text (``->``), so the lists are encoded once, with the rows."""


def _item_row(db_pack_id: str, item: Item, digest: str, guild_id: int | None, author_id: int | None) -> tuple:
    """Return one item's row: the parameters of :data:`_UPSERT_ITEM`, but with the lists as they are."""
    return (
        db_pack_id,
        item.id,
        item.kind,
        item.claim,
        item.truth,
        item.topic,
        item.tags,
        item.difficulty,
        item.source.title,
        item.source.url,
        item.source.citation,
        item.question,
        item.answers,
        item.choices,
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
    row = _item_row(db_pack_id, item, content_hash(item), guild_id, author_id)
    params = tuple(json_text(value) if index in _LIST_COLUMNS else value for index, value in enumerate(row))
    rows = await conn.execute_fetchall(f"{_UPSERT_ITEM} RETURNING pk", params)
    return int(next(iter(rows))["pk"])
