"""What only the SQLite backend spells its own way: an item's public id in SQL, and the current moment as stored.

Everything dialect-free about rows (column lists, row mappers, ids, times) is in :mod:`bot.storage.shared`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.shared import iso_moment

PUBLIC_REF_SQL = "substr(items.pack_id, instr(items.pack_id, '~') + 1) || '/' || items.item_id"
"""SQL for an item's public id ``pack/item`` (see :func:`bot.storage.shared.public_pack_id`)."""


def stored_now() -> str:
    """Return the current moment as the database keeps it: UTC, ISO 8601 with microseconds."""
    return iso_moment(datetime.now(UTC))
