"""Writing packs and items, shared by pack loading, custom facts and uploads; runs inside a caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import orjson

from bot.core.catalog import SyncReport
from bot.core.packs import Item, Pack
from bot.storage.shared import StoredItems, content_hash, item_changes, pack_row, stored_items_by_pack


async def stored_items(conn: asyncpg.Connection, db_pack_ids: Sequence[str] | None = None) -> StoredItems:
    """Return the items stored for some packs (by db id), or with ``None`` for every shipped pack."""
    if db_pack_ids is None:
        return stored_items_by_pack(await conn.fetch(f"{_STORED_ITEMS} WHERE guild_id IS NULL"))
    return stored_items_by_pack(await conn.fetch(f"{_STORED_ITEMS} WHERE pack_id = ANY($1::text[])", db_pack_ids))


_STORED_ITEMS = "SELECT pk, pack_id, item_id, content_hash, retired FROM items"


async def upsert_packs(
    conn: asyncpg.Connection,
    packs: Sequence[tuple[Pack, str]],
    guild_id: int | None,
    now: datetime,
    stored: StoredItems | None = None,
) -> SyncReport:
    """Write packs (each with its database id) and their items; retire items a pack dropped; report what changed.

    ``stored`` holds what :func:`stored_items` returns for (at least) these packs; the packs' entries leave it. It is
    read here when not given. The pack rows, the new and edited items and the retirements go in one statement (one
    round trip), the pack rows first, which locks them: two processes loading the same packs take turns.
    """
    if not packs:
        return SyncReport()
    if stored is None:
        stored = await stored_items(conn, [db_pack_id for _, db_pack_id in packs])
    changes = item_changes(packs, stored, _item_row, guild_id)
    pack_rows = [pack_row(pack, db_pack_id) for pack, db_pack_id in packs]
    item_columns = zip(*changes.rows, strict=True) if changes.rows else [()] * len(_COLUMN_TYPES)
    await conn.execute(
        _WRITE_PACKS,
        *zip(*pack_rows, strict=True),
        now,
        guild_id,
        *(
            [orjson.dumps(value).decode() for value in column] if kind == "jsonb" else column
            for column, kind in zip(item_columns, _COLUMN_TYPES, strict=True)
        ),
        changes.retire,
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
        author_id = COALESCE(excluded.author_id, items.author_id)
"""
_COLUMN_TYPES = ("text",) * 6 + ("jsonb", "integer") + ("text",) * 4 + ("jsonb", "jsonb", "text", "bigint", "bigint")
"""The type of each of :data:`_ITEM_WRITE_COLUMNS`, in order."""

_UPSERT_ITEM = f"""
    INSERT INTO items ({_ITEM_WRITE_COLUMNS})
    VALUES ({", ".join(f"${number}" for number in range(1, len(_COLUMN_TYPES) + 1))})
    {_ON_ITEM_CONFLICT}
"""

_PACK_COLUMNS = ("id", "name", "description", "author", "license", "version", "file", "language")
"""The pack columns :data:`_WRITE_PACKS` takes as arrays (``loaded_at`` and ``guild_id`` follow, one for all)."""


def _write_packs_sql() -> str:
    """Return the one statement that writes a batch of packs: their rows, their items, and retires dropped items.

    Parameters: one text array per :data:`_PACK_COLUMNS`, the moment and the guild id, one array per item column
    (the JSON lists as JSON text), then the keys of the items to retire. In one statement the items' foreign keys
    see the pack rows it writes, and the items keep the order they have in the packs (their keys follow it).
    """
    packs = ", ".join(f"${number}::text[]" for number in range(1, len(_PACK_COLUMNS) + 1))
    moment, guild = len(_PACK_COLUMNS) + 1, len(_PACK_COLUMNS) + 2
    first_item = len(_PACK_COLUMNS) + 3
    items = ", ".join(
        f"${first_item + index}::{'text' if kind == 'jsonb' else kind}[]" for index, kind in enumerate(_COLUMN_TYPES)
    )
    retire = first_item + len(_COLUMN_TYPES)
    names = [name.strip() for name in _ITEM_WRITE_COLUMNS.split(",")]
    typed = zip(names, _COLUMN_TYPES, strict=True)
    values = ", ".join(f"{name}::jsonb" if kind == "jsonb" else name for name, kind in typed)
    return f"""
    WITH written_packs AS (
        INSERT INTO packs ({", ".join(_PACK_COLUMNS)}, active, loaded_at, guild_id)
        SELECT *, 1, ${moment}::timestamptz, ${guild}::bigint FROM unnest({packs})
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, description = excluded.description, author = excluded.author,
            license = excluded.license, version = excluded.version, file = excluded.file,
            active = 1, loaded_at = excluded.loaded_at, language = excluded.language
    ), written_items AS (
        INSERT INTO items ({_ITEM_WRITE_COLUMNS})
        SELECT {values}
        FROM unnest({items}) WITH ORDINALITY AS row ({", ".join(names)}, position)
        ORDER BY position
        {_ON_ITEM_CONFLICT}
    )
    UPDATE items SET retired = 1 WHERE pk = ANY(${retire}::bigint[])
    """


_WRITE_PACKS = _write_packs_sql()


def _item_row(db_pack_id: str, item: Item, digest: str, guild_id: int | None, author_id: int | None) -> tuple:
    """Return the parameters of :data:`_UPSERT_ITEM` for one item."""
    return (
        db_pack_id,
        item.id,
        item.kind,
        item.claim,
        item.truth,
        item.topic,
        list(item.tags),
        item.difficulty,
        item.source.title,
        item.source.url,
        item.source.citation,
        item.question,
        list(item.answers),
        list(item.choices),
        digest,
        guild_id,
        author_id,
    )


async def write_item(
    conn: asyncpg.Connection, db_pack_id: str, item: Item, guild_id: int | None, author_id: int | None
) -> int:
    """Insert or update one item; return its key (kept across updates).

    An update brings a retired item back and keeps its credit unless a new ``author_id`` is given.
    """
    return await conn.fetchval(
        f"{_UPSERT_ITEM} RETURNING pk", *_item_row(db_pack_id, item, content_hash(item), guild_id, author_id)
    )
