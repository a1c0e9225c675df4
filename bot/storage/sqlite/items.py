"""Writing packs and items, shared by pack loading, custom facts and uploads; runs inside a caller's transaction."""

from __future__ import annotations

import json

import aiosqlite

from bot.core.catalog import SyncReport
from bot.core.packs import Item, Pack
from bot.storage.shared import content_hash


async def upsert_pack(
    conn: aiosqlite.Connection, pack: Pack, db_pack_id: str, guild_id: int | None, now: str
) -> SyncReport:
    """Write one pack and its items; retire items the pack dropped; report what changed."""
    added = updated = unchanged = retired = 0
    await conn.execute(
        """
        INSERT INTO packs (id, name, description, author, license, version, file, active, loaded_at, guild_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, description = excluded.description, author = excluded.author,
            license = excluded.license, version = excluded.version, file = excluded.file,
            active = 1, loaded_at = excluded.loaded_at
        """,
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
        ),
    )
    existing = {
        row["item_id"]: (row["content_hash"], row["retired"])
        for row in await conn.execute_fetchall(
            "SELECT item_id, content_hash, retired FROM items WHERE pack_id = ?", (db_pack_id,)
        )
    }
    changed = []
    for item in pack.items:
        previous = existing.pop(item.id, None)
        digest = content_hash(item)
        if previous == (digest, 0):
            unchanged += 1
            continue
        changed.append(_item_row(db_pack_id, item, digest, guild_id, None))
        if previous is None:
            added += 1
        else:
            updated += 1
    await conn.executemany(_UPSERT_ITEM, changed)
    gone = [item_id for item_id, (_, was_retired) in existing.items() if not was_retired]
    if gone:
        await conn.executemany(
            "UPDATE items SET retired = 1 WHERE pack_id = ? AND item_id = ?",
            [(db_pack_id, item_id) for item_id in gone],
        )
        retired += len(gone)
    return SyncReport(added, updated, unchanged, retired)


_UPSERT_ITEM = """
    INSERT INTO items (pack_id, item_id, kind, claim, truth, topic, tags, difficulty, source_title,
        source_url, source_citation, question, answers, choices, content_hash, guild_id, author_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (pack_id, item_id) DO UPDATE SET
        kind = excluded.kind, claim = excluded.claim, truth = excluded.truth,
        topic = excluded.topic, tags = excluded.tags, difficulty = excluded.difficulty,
        source_title = excluded.source_title, source_url = excluded.source_url,
        source_citation = excluded.source_citation, question = excluded.question,
        answers = excluded.answers, choices = excluded.choices,
        content_hash = excluded.content_hash, retired = 0,
        author_id = COALESCE(excluded.author_id, author_id)
"""


def _item_row(db_pack_id: str, item: Item, digest: str, guild_id: int | None, author_id: int | None) -> tuple:
    """Return the parameters of :data:`_UPSERT_ITEM` for one item."""
    return (
        db_pack_id,
        item.id,
        item.kind,
        item.claim,
        item.truth,
        item.topic,
        json.dumps(item.tags),
        item.difficulty,
        item.source.title,
        item.source.url,
        item.source.citation,
        item.question,
        json.dumps(item.answers),
        json.dumps(item.choices),
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
