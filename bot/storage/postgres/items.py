"""Writing packs and items, shared by pack loading, custom facts and uploads; runs inside a caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from bot.core.catalog import SyncReport
from bot.core.packs import Item, Pack
from bot.storage.shared import changed_item_rows, content_hash


async def upsert_packs(
    conn: asyncpg.Connection, packs: Sequence[tuple[Pack, str]], guild_id: int | None, now: datetime
) -> SyncReport:
    """Write packs (each with its database id) and their items; retire items a pack dropped; report what changed.

    The pack rows are written first, which locks them: two processes loading the same packs take turns.
    Only new and edited items are written, all in one statement (one round trip).
    """
    if not packs:
        return SyncReport()
    await conn.executemany(
        """
        INSERT INTO packs (id, name, description, author, license, version, file, active, loaded_at, guild_id, language)
        VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10)
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
        for row in await conn.fetch(
            "SELECT pk, pack_id, item_id, content_hash, retired FROM items WHERE pack_id = ANY($1::text[])",
            [db_pack_id for _, db_pack_id in packs],
        )
    }
    changed, added, updated, unchanged = changed_item_rows(packs, existing, _item_row, guild_id)
    if changed:
        await conn.execute(_UPSERT_ITEMS_FROM_JSON, changed)  # the connection's jsonb codec encodes the list
    gone = [pk for pk, _, was_retired in existing.values() if not was_retired]
    if gone:
        await conn.execute("UPDATE items SET retired = 1 WHERE pk = ANY($1::bigint[])", gone)
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
        author_id = COALESCE(excluded.author_id, items.author_id)
"""
_COLUMN_TYPES = ("text",) * 6 + ("jsonb", "integer") + ("text",) * 4 + ("jsonb", "jsonb", "text", "bigint", "bigint")
"""The type of each of :data:`_ITEM_WRITE_COLUMNS`, in order."""

_UPSERT_ITEM = f"""
    INSERT INTO items ({_ITEM_WRITE_COLUMNS})
    VALUES ({", ".join(f"${number}" for number in range(1, len(_COLUMN_TYPES) + 1))})
    {_ON_ITEM_CONFLICT}
"""

_UPSERT_ITEMS_FROM_JSON = f"""
    INSERT INTO items ({_ITEM_WRITE_COLUMNS})
    SELECT {
    ", ".join(
        f"(row -> {index})::{kind}" if kind == "jsonb" else f"(row ->> {index})::{kind}"
        for index, kind in enumerate(_COLUMN_TYPES)
    )
}
    FROM jsonb_array_elements($1::jsonb) AS row
    {_ON_ITEM_CONFLICT}
"""
""":data:`_UPSERT_ITEM` for many items, given as one JSON list of :func:`_item_row` rows."""


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
