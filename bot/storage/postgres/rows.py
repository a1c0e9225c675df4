"""How the PostgreSQL backend lays out rows: the SQL for public ids, and server pack ids."""

from __future__ import annotations

from bot.storage.shared import ITEM_COLUMNS, item_from_row, public_pack_id, server_pack_id

__all__ = ["ITEM_COLUMNS", "PUBLIC_REF_SQL", "item_from_row", "public_pack_id", "server_pack_id"]

PUBLIC_REF_SQL = "substr(items.pack_id, strpos(items.pack_id, '~') + 1) || '/' || items.item_id"
"""SQL for an item's public id ``pack/item`` (see :func:`bot.storage.shared.public_pack_id`)."""
