"""How the SQLite backend lays out rows: column lists, row mappers, stored times and server pack ids."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.shared import ITEM_COLUMNS, content_hash, iso_moment, item_from_row, public_pack_id, server_pack_id

__all__ = [
    "ITEM_COLUMNS",
    "PUBLIC_REF_SQL",
    "content_hash",
    "public_pack_id",
    "row_to_item",
    "server_pack_id",
    "stored_now",
    "stored_time",
]

PUBLIC_REF_SQL = "substr(items.pack_id, instr(items.pack_id, '~') + 1) || '/' || items.item_id"
"""SQL for an item's public id ``pack/item`` (see :func:`bot.storage.shared.public_pack_id`)."""


def stored_time(moment: datetime) -> str:
    """Return a moment as the database keeps it: UTC, ISO 8601 with microseconds; refuse a naive datetime."""
    return iso_moment(moment)


def stored_now() -> str:
    """Return the current moment as the database keeps it."""
    return stored_time(datetime.now(UTC))


row_to_item = item_from_row
"""Build a :class:`bot.core.catalog.StoredItem` from a row holding :data:`ITEM_COLUMNS`."""
