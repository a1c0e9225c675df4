"""Writing packs and items, shared by pack loading, custom facts and uploads; runs inside a caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite

from bot.core.catalog import SyncReport
from bot.core.packs import Item, Pack
from bot.storage.shared import content_hash


async def upsert_packs(
    conn: aiosqlite.Connection, packs: Sequence[tuple[Pack, str]], guild_id: int | None, now: str
) -> SyncReport:
    """Write packs (each with its database id) and their items; retire items a pack dropped; report what changed.

    Only new and edited items are written, and the search index of all of them is brought up to date in two
    statements rather than by a trigger per row (see migration 0007).
    """
    if not packs:
        return SyncReport()
    await conn.executemany(
        """
        INSERT INTO packs (id, name, description, author, license, version, file, active, loaded_at, guild_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, description = excluded.description, author = excluded.author,
            license = excluded.license, version = excluded.version, file = excluded.file,
            active = 1, loaded_at = excluded.loaded_at
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
    changed: list[tuple] = []
    edited_pks: list[int] = []
    added = unchanged = 0
    for pack, db_pack_id in packs:
        for item in pack.items:
            previous = existing.pop((db_pack_id, item.id), None)
            digest = content_hash(item)
            if previous is None:
                added += 1
            elif previous[1:] == (digest, 0):
                unchanged += 1
                continue
            else:
                edited_pks.append(previous[0])
            changed.append(_item_row(db_pack_id, item, digest, guild_id, None))
    if changed:
        await conn.execute("INSERT INTO items_fts_deferred VALUES (1)")
        if edited_pks:
            await conn.execute(
                """INSERT INTO items_fts (items_fts, rowid, claim, truth, topic)
                   SELECT 'delete', pk, claim, truth, topic FROM items WHERE pk IN (SELECT value FROM json_each(?))""",
                (json.dumps(edited_pks),),
            )
        await conn.executemany(_UPSERT_ITEM, changed)
        await conn.execute(
            """INSERT INTO items_fts (rowid, claim, truth, topic)
               SELECT items.pk, items.claim, items.truth, items.topic FROM json_each(?) AS changed
               JOIN items ON items.pack_id = changed.value ->> 0 AND items.item_id = changed.value ->> 1""",
            (json.dumps([row[:2] for row in changed]),),
        )
        await conn.execute("DELETE FROM items_fts_deferred")
    gone = [pk for pk, _, was_retired in existing.values() if not was_retired]
    if gone:
        await conn.execute(
            "UPDATE items SET retired = 1 WHERE pk IN (SELECT value FROM json_each(?))", (json.dumps(gone),)
        )
    return SyncReport(added, len(edited_pks), unchanged, len(gone))


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
