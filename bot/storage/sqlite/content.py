"""SQL for custom facts, suggestions, the review queue and hidden items.

Part of :class:`bot.storage.sqlite.store.SqliteStore`. Every change writes its audit line in the same transaction,
so the audit trail never misses a change nor records one that was rolled back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.content import (
    CUSTOM_PACK,
    CUSTOM_PACK_LICENSE,
    CUSTOM_PACK_NAME,
    CustomFact,
    DisputedItem,
    FactDraft,
    HiddenItem,
    Review,
    ReviewAction,
    Suggestion,
    draft_from_suggestion,
    format_source,
    suggestion_limit_message,
)
from bot.core.errors import ItemGone, SuggestionGone, SuggestionLimit, UnknownCustomFact
from bot.storage.shared import (
    ITEM_COLUMNS,
    as_moment,
    content_hash,
    custom_fact_detail,
    dismiss_detail,
    disputed_items_from_rows,
    hide_detail,
    iso_moment,
    item_from_row,
    review_detail,
    server_pack_id,
    suggestion_from_row,
    unhide_detail,
)
from bot.storage.sqlite.database import SqliteDatabase
from bot.storage.sqlite.items import write_item
from bot.storage.sqlite.rows import PUBLIC_REF_SQL

if TYPE_CHECKING:
    from bot.core.packs import Item

_DAY = timedelta(hours=24)


def _custom_pack_id(guild_id: int) -> str:
    return server_pack_id(guild_id, CUSTOM_PACK)


class ContentQueries(SqliteDatabase):
    """The :class:`bot.core.content.ContentStore` part of the SQLite store."""

    # -- custom facts --------------------------------------------------------------------------

    async def add_custom_fact(self, guild_id: int, draft: FactDraft, author_id: int, now: datetime) -> CustomFact:
        """Store a new custom fact with the server's next number, credited to ``author_id``; audit it."""
        async with self._catalog_transaction(guild_id):
            _, number = await self._create_custom_fact(guild_id, draft, author_id, now)
            await self._insert_audit(
                guild_id, author_id, "fact", custom_fact_detail("added", number, draft.claim), iso_moment(now)
            )
        if number == 1:
            await self._keep_new_pack_enabled(guild_id, CUSTOM_PACK)
        return await self.custom_fact(guild_id, number)

    async def edit_custom_fact(
        self, guild_id: int, number: int, draft: FactDraft, editor_id: int, now: datetime
    ) -> CustomFact:
        """Replace a live custom fact's content (its number and credit stay); audit it."""
        item = draft.to_item(number)
        async with self._catalog_transaction(guild_id) as conn:
            cursor = await conn.execute(
                """UPDATE items SET kind = ?, claim = ?, truth = ?, topic = ?, difficulty = ?, source_title = ?,
                       source_url = ?, source_citation = NULL, content_hash = ?
                   WHERE pack_id = ? AND item_id = ? AND retired = 0""",
                (
                    item.kind,
                    item.claim,
                    item.truth,
                    item.topic,
                    item.difficulty,
                    item.source.title,
                    item.source.url,
                    content_hash(item),
                    _custom_pack_id(guild_id),
                    item.id,
                ),
            )
            if cursor.rowcount == 0:
                raise UnknownCustomFact(number)
            await self._insert_audit(
                guild_id, editor_id, "fact", custom_fact_detail("edited", number, draft.claim), iso_moment(now)
            )
        return await self.custom_fact(guild_id, number)

    async def remove_custom_fact(self, guild_id: int, number: int, remover_id: int, now: datetime) -> CustomFact:
        """Retire a live custom fact (it leaves the rotation; its number is never reused); audit it."""
        fact = await self.custom_fact(guild_id, number)
        async with self._catalog_transaction(guild_id) as conn:
            cursor = await conn.execute("UPDATE items SET retired = 1 WHERE pk = ? AND retired = 0", (fact.item.pk,))
            if cursor.rowcount == 0:  # removed by someone else in the meantime
                raise UnknownCustomFact(number)
            detail = custom_fact_detail("removed", number, fact.item.claim)
            await self._insert_audit(guild_id, remover_id, "fact", detail, iso_moment(now))
        return fact

    async def custom_fact(self, guild_id: int, number: int) -> CustomFact:
        """Return a live custom fact of the server; raise :class:`bot.core.errors.UnknownCustomFact`."""
        row = await self._fetchone(
            f"SELECT {ITEM_COLUMNS}, author_id FROM items WHERE pack_id = ? AND item_id = ? AND retired = 0",
            (_custom_pack_id(guild_id), str(number)),
        )
        if row is None:
            raise UnknownCustomFact(number)
        return CustomFact(item_from_row(row), row["author_id"])

    async def custom_facts(self, guild_id: int, offset: int = 0, limit: int = 10) -> tuple[list[CustomFact], int]:
        """Return a page of the server's live custom facts by number, and how many there are in all."""
        params = {"pack": _custom_pack_id(guild_id), "offset": max(offset, 0), "limit": max(limit, 0)}
        rows = await self._fetchall(
            f"""SELECT {ITEM_COLUMNS}, author_id FROM items WHERE pack_id = :pack AND retired = 0
                ORDER BY CAST(item_id AS INTEGER) LIMIT :limit OFFSET :offset""",
            params,
        )
        total = await self._fetchone("SELECT COUNT(*) AS n FROM items WHERE pack_id = :pack AND retired = 0", params)
        assert total is not None
        return [CustomFact(item_from_row(row), row["author_id"]) for row in rows], int(total["n"])

    async def _create_custom_fact(
        self, guild_id: int, draft: FactDraft, author_id: int, now: datetime
    ) -> tuple[int, int]:
        """Insert a custom fact inside the caller's transaction (creating the server's pack on first use).

        Return its internal key and its number.
        """
        pack_id = _custom_pack_id(guild_id)
        await self._fetchall(
            """INSERT INTO packs (id, name, description, author, license, version, file, active, loaded_at, guild_id)
               VALUES (?, ?, ?, ?, ?, '1', ?, 1, ?, ?) ON CONFLICT (id) DO UPDATE SET active = 1""",
            (
                pack_id,
                CUSTOM_PACK_NAME,
                "Facts and myths written by this server's moderators and members.",
                "this server",
                CUSTOM_PACK_LICENSE,
                CUSTOM_PACK,
                iso_moment(now),
                guild_id,
            ),
        )
        # Retired facts keep their rows, so the highest number ever used is still there: numbers are never reused.
        row = await self._fetchone(
            "SELECT COALESCE(MAX(CAST(item_id AS INTEGER)), 0) + 1 AS next FROM items WHERE pack_id = ?", (pack_id,)
        )
        assert row is not None
        number = int(row["next"])
        item: Item = draft.to_item(number)
        pk = await write_item(self._conn, pack_id, item, guild_id, author_id)
        return pk, number

    # -- suggestions ---------------------------------------------------------------------------

    async def suggestions_today(self, guild_id: int, user_id: int, now: datetime) -> int:
        """Return how many suggestions a member sent in the server in the 24 hours before ``now``."""
        row = await self._fetchone(
            "SELECT COUNT(*) AS n FROM suggestions WHERE guild_id = ? AND user_id = ? AND created_at > ?",
            (guild_id, user_id, iso_moment(now - _DAY)),
        )
        return int(row["n"]) if row else 0

    async def add_suggestion(
        self, guild_id: int, user_id: int, draft: FactDraft, per_day: int, now: datetime
    ) -> Suggestion:
        """Store a pending suggestion unless the member already sent ``per_day`` in the last 24 hours."""
        async with self._transaction() as conn:
            if await self.suggestions_today(guild_id, user_id, now) >= per_day:
                raise SuggestionLimit(suggestion_limit_message(per_day))
            cursor = await conn.execute(
                """INSERT INTO suggestions (guild_id, user_id, kind, claim, truth, topic, source, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    guild_id,
                    user_id,
                    draft.kind,
                    draft.claim,
                    draft.truth,
                    draft.topic,
                    format_source(draft.source),
                    iso_moment(now),
                ),
            )
            suggestion_id = cursor.lastrowid
        row = await self._fetchone("SELECT * FROM suggestions WHERE id = ?", (suggestion_id,))
        assert row is not None
        return suggestion_from_row(row)

    async def pending_suggestions(self, guild_id: int, limit: int = 5) -> tuple[list[Suggestion], int]:
        """Return the oldest pending suggestions, and how many are pending in all."""
        rows = await self._fetchall(
            "SELECT * FROM suggestions WHERE guild_id = ? AND status = 'pending' ORDER BY id LIMIT ?",
            (guild_id, max(limit, 0)),
        )
        total = await self._fetchone(
            "SELECT COUNT(*) AS n FROM suggestions WHERE guild_id = ? AND status = 'pending'", (guild_id,)
        )
        assert total is not None
        return [suggestion_from_row(row) for row in rows], int(total["n"])

    async def review_suggestion(
        self, guild_id: int, suggestion_id: int, action: ReviewAction, moderator_id: int, now: datetime
    ) -> Review:
        """Approve (it becomes a credited custom fact, in one transaction) or reject a pending suggestion."""
        select = "SELECT * FROM suggestions WHERE id = ? AND guild_id = ?"
        ref = None
        async with self._catalog_transaction(guild_id) as conn:
            row = await self._fetchone(select, (suggestion_id, guild_id))
            if row is None:
                raise SuggestionGone(suggestion_id)
            suggestion = suggestion_from_row(row)
            if suggestion.status != "pending":
                return Review(suggestion, changed=False)
            item_pk = None
            if action == "approve":
                draft = draft_from_suggestion(suggestion)
                item_pk, number = await self._create_custom_fact(guild_id, draft, suggestion.user_id, now)
                ref = f"{CUSTOM_PACK}/{number}"
            status = "approved" if action == "approve" else "rejected"
            await conn.execute(
                """UPDATE suggestions SET status = ?, reviewed_by = ?, reviewed_at = ?, item_pk = ?
                   WHERE id = ? AND status = 'pending'""",
                (status, moderator_id, iso_moment(now), item_pk, suggestion_id),
            )
            detail = review_detail(status, suggestion_id, ref, suggestion.claim)
            await self._insert_audit(guild_id, moderator_id, "suggestion", detail, iso_moment(now))
            row = await self._fetchone(select, (suggestion_id, guild_id))
        assert row is not None
        if ref == f"{CUSTOM_PACK}/1":
            await self._keep_new_pack_enabled(guild_id, CUSTOM_PACK)
        return Review(suggestion_from_row(row), changed=True, ref=ref)

    # -- disputes and hidden items -------------------------------------------------------------

    async def disputed_items(self, guild_id: int, limit: int = 5, reasons: int = 3) -> tuple[list[DisputedItem], int]:
        """Return the live items with the most open disputes (with up to ``reasons`` each), and how many in all."""
        params: dict[str, Any] = {"guild": guild_id, "limit": max(limit, 0)}
        open_disputes = """(SELECT item_pk, COUNT(*) AS disputes, MIN(id) AS first FROM disputes
                            WHERE guild_id = :guild AND resolved_at IS NULL GROUP BY item_pk) AS open
                           JOIN items ON items.pk = open.item_pk
                           WHERE items.retired = 0 AND (items.guild_id IS NULL OR items.guild_id = :guild)"""
        rows = await self._fetchall(
            f"""SELECT items.pk, {PUBLIC_REF_SQL} AS ref, items.kind, open.disputes,
                       CASE WHEN items.claim != '' THEN items.claim ELSE COALESCE(items.question, '') END AS text
                FROM {open_disputes} ORDER BY open.disputes DESC, open.first LIMIT :limit""",
            params,
        )
        total = await self._fetchone(f"SELECT COUNT(*) AS n FROM {open_disputes}", params)
        assert total is not None
        found = []
        if rows:
            found = await self._fetchall(
                f"""SELECT item_pk, user_id, reason FROM disputes
                    WHERE guild_id = ? AND resolved_at IS NULL AND item_pk IN ({", ".join("?" * len(rows))})
                    ORDER BY id DESC""",
                (guild_id, *[row["pk"] for row in rows]),
            )
        items = disputed_items_from_rows(rows, found, reasons)
        return items, int(total["n"])

    async def hide_item(self, guild_id: int, item_pk: int, moderator_id: int, now: datetime) -> tuple[bool, int]:
        """Take an item out of the server's rotation and close its open disputes there; audit it.

        Return whether it was hidden now (false: it already was) and how many disputes were closed.
        """
        async with self._catalog_transaction(guild_id) as conn:
            ref = await self._visible_ref(guild_id, item_pk)
            cursor = await conn.execute(
                """INSERT INTO hidden_items (guild_id, item_pk, hidden_by, hidden_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (guild_id, item_pk) DO NOTHING""",
                (guild_id, item_pk, moderator_id, iso_moment(now)),
            )
            hidden = cursor.rowcount == 1
            closed = await self._close_disputes(guild_id, item_pk, now)
            if hidden or closed:
                detail = hide_detail(ref, closed)
                await self._insert_audit(guild_id, moderator_id, "dispute", detail, iso_moment(now))
        return hidden, closed

    async def dismiss_disputes(self, guild_id: int, item_pk: int, moderator_id: int, now: datetime) -> int:
        """Close the item's open disputes in the server without hiding it; audit it. Return how many were closed."""
        async with self._transaction():
            ref = await self._visible_ref(guild_id, item_pk)
            closed = await self._close_disputes(guild_id, item_pk, now)
            if closed:
                detail = dismiss_detail(ref, closed)
                await self._insert_audit(guild_id, moderator_id, "dispute", detail, iso_moment(now))
        return closed

    async def unhide_item(self, guild_id: int, item_pk: int, moderator_id: int, now: datetime) -> bool:
        """Put a hidden item back into the server's rotation; audit it. Return false if it was not hidden."""
        async with self._catalog_transaction(guild_id) as conn:
            ref = await self._visible_ref(guild_id, item_pk)
            cursor = await conn.execute(
                "DELETE FROM hidden_items WHERE guild_id = ? AND item_pk = ?", (guild_id, item_pk)
            )
            unhidden = cursor.rowcount == 1
            if unhidden:
                await self._insert_audit(guild_id, moderator_id, "item", unhide_detail(ref), iso_moment(now))
        return unhidden

    async def hidden_items(self, guild_id: int, offset: int = 0, limit: int = 10) -> tuple[list[HiddenItem], int]:
        """Return a page of the server's hidden live items, most recently hidden first, and how many there are."""
        params: dict[str, Any] = {"guild": guild_id, "offset": max(offset, 0), "limit": max(limit, 0)}
        hidden = """FROM hidden_items JOIN items ON items.pk = hidden_items.item_pk
                 WHERE hidden_items.guild_id = :guild AND items.retired = 0"""
        rows = await self._fetchall(
            f"""SELECT items.pk, {PUBLIC_REF_SQL} AS ref, items.kind, hidden_by, hidden_at,
                       CASE WHEN items.claim != '' THEN items.claim ELSE COALESCE(items.question, '') END AS text
                {hidden} ORDER BY hidden_at DESC, items.pk LIMIT :limit OFFSET :offset""",
            params,
        )
        total = await self._fetchone(f"SELECT COUNT(*) AS n {hidden}", params)
        assert total is not None
        items = [
            HiddenItem(row["pk"], row["ref"], row["kind"], row["text"], row["hidden_by"], as_moment(row["hidden_at"]))
            for row in rows
        ]
        return items, int(total["n"])

    async def _visible_ref(self, guild_id: int, item_pk: int) -> str:
        row = await self._fetchone(
            f"SELECT {PUBLIC_REF_SQL} AS ref FROM items WHERE pk = ? AND (guild_id IS NULL OR guild_id = ?)",
            (item_pk, guild_id),
        )
        if row is None:
            raise ItemGone()
        return str(row["ref"])

    async def _close_disputes(self, guild_id: int, item_pk: int, now: datetime) -> int:
        rows = await self._fetchall(
            """UPDATE disputes SET resolved_at = ? WHERE guild_id = ? AND item_pk = ? AND resolved_at IS NULL
               RETURNING id""",
            (iso_moment(now), guild_id, item_pk),
        )
        return len(rows)
