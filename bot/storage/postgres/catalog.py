"""SQL for the catalogue: loading packs, per-server rotation, lookups, full-text search, topics and packs."""

from __future__ import annotations

import difflib
import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg

from bot.core.catalog import PackSummary, PackSync, QuizChooser, StoredItem, SyncReport, TopicSummary
from bot.core.errors import AmbiguousItem, NoItems, UnknownItem, UnknownTopic
from bot.core.packs import Kind, Pack, PackFile
from bot.core.text import normalize_topic
from bot.storage.pack_sync import background_sync, sync_all
from bot.storage.postgres.database import PostgresDatabase
from bot.storage.postgres.items import stored_items, upsert_packs
from bot.storage.postgres.rows import ITEM_COLUMNS, item_from_row, public_pack_id, server_pack_id
from bot.storage.rotation import DRAWS, Draw, Rotation, draw_segments
from bot.storage.shared import (
    draw_from,
    fold_diacritics,
    pack_file_rows,
    packs_to_retire,
    pool_name,
    quiz_pool_sql,
    refill_from_new_cycle,
    search_words,
    synced_files,
)

# Which items can be asked in each quiz mode (see bot.core.quiz.supported_modes).
_MODE_CONDITIONS = {
    "myth-or-fact": "kind IN ('myth', 'fact')",
    "choice": "(question IS NOT NULL AND choices <> '[]'::jsonb)",
    "typed": "(question IS NOT NULL AND answers <> '[]'::jsonb)",
}

# What one server may be served: shipped items and its own, minus hidden ones, limited to its enabled
# packs and topics. Parameters: :guild, :packs and :own_packs (pack ids as shipped and as the server's own),
# :topics and :languages (arrays, or NULL for "all"); the languages limit shipped packs only.
_VISIBLE = """(items.guild_id IS NULL OR items.guild_id = :guild)
    AND NOT EXISTS (SELECT 1 FROM hidden_items WHERE hidden_items.guild_id = :guild AND hidden_items.item_pk = items.pk)
    AND (:packs::text[] IS NULL OR items.pack_id = ANY(:packs::text[]) OR items.pack_id = ANY(:own_packs::text[]))
    AND (:topics::text[] IS NULL OR items.topic = ANY(:topics::text[]))
    AND (:languages::text[] IS NULL OR items.guild_id IS NOT NULL
         OR items.pack_id IN (SELECT id FROM packs WHERE language = ANY(:languages::text[])))"""

# Shipped items and the server's own, regardless of its filters (for ids, search and topic lists).
_OWNED = "(items.guild_id IS NULL OR items.guild_id = :guild::bigint)"

# Relative weights of claim (A), topic (B) and truth (C), as SQLite's bm25(3, 1, 2); ts_rank takes {D, C, B, A}.
_SEARCH_WEIGHTS = "'{0.1, 0.333, 0.667, 1.0}'"


class CatalogQueries(PostgresDatabase):
    """The :class:`bot.core.catalog.CatalogStore` part of the PostgreSQL store."""

    # -- loading packs -------------------------------------------------------------------------

    async def sync_packs(
        self, packs: list[Pack], failed_files: set[str] = frozenset(), unchanged: Sequence[PackFile] = ()
    ) -> SyncReport:
        """Load packs idempotently (see :meth:`bot.core.catalog.CatalogStore.sync_packs`)."""
        return await sync_all(self.syncing_packs, packs, failed_files, unchanged)

    @asynccontextmanager
    async def syncing_packs(self) -> AsyncIterator[PackSync]:
        """Sync packs as they are read (see :meth:`bot.core.catalog.CatalogStore.syncing_packs`)."""
        now = datetime.now(UTC)
        async with self._catalog_transaction(None) as conn:
            await self._lock("sync_packs")  # two processes starting at once load the packs one after the other
            known = {row["id"] for row in await self._fetchall("SELECT id FROM packs WHERE guild_id IS NULL")}

            async def write_batch(packs: list[Pack]) -> SyncReport:
                stored = [pack.id for pack in packs if pack.id in known]  # only a known pack can have stored items
                batch = [(pack, pack.id) for pack in packs]
                return await upsert_packs(conn, batch, None, now, await stored_items(conn, stored) if stored else {})

            async with background_sync(write_batch, self._finish_pack_sync) as sync:
                yield sync

    async def _finish_pack_sync(
        self, packs: list[Pack], failed_files: set[str], unchanged: Sequence[PackFile]
    ) -> SyncReport:
        """Retire the packs whose file is gone and record the files synced, once every pack is written."""
        retired = 0
        active = await self._fetchall("SELECT id, file FROM packs WHERE active = 1 AND guild_id IS NULL")
        gone = packs_to_retire(active, packs, failed_files, unchanged)
        for pack_id in gone:
            retired += await self._execute(
                "UPDATE items SET retired = 1 WHERE pack_id = $1 AND retired = 0", (pack_id,)
            )
            await self._execute("UPDATE packs SET active = 0 WHERE id = $1", (pack_id,))
        synced = synced_files(packs)
        kept = [file.name for file in (*synced, *unchanged)]
        await self._execute("DELETE FROM pack_files WHERE file <> ALL($1::text[])", (kept,))
        if synced:
            await self._executemany(
                """INSERT INTO pack_files (file, digest, pack_id, items) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (file) DO UPDATE SET
                       digest = excluded.digest, pack_id = excluded.pack_id, items = excluded.items""",
                pack_file_rows(synced),
            )
        return SyncReport(
            unchanged=sum(file.items for file in unchanged),
            retired=retired,
            packs_retired=len(gone),
            files_unchanged=len(unchanged),
        )

    async def synced_pack_files(self) -> dict[str, PackFile]:
        """Return the pack files as last synced, by file name (see :meth:`bot.core.catalog.CatalogStore`)."""
        rows = await self._fetchall("SELECT file, digest, pack_id, items FROM pack_files")
        return {row["file"]: PackFile(row["file"], row["digest"], row["pack_id"], row["items"]) for row in rows}

    # -- serving items -------------------------------------------------------------------------

    async def _require_topic(self, topic: str, guild_id: int) -> None:
        """Raise :class:`UnknownTopic` (with close matches) unless the topic exists among the server's items."""
        params = {"topic": topic, "guild": guild_id}
        if await self._fetchone(
            f"SELECT 1 FROM items WHERE topic = :topic AND retired = 0 AND {_OWNED} LIMIT 1", params
        ):
            return
        known = [
            row["topic"]
            for row in await self._fetchall(
                f'SELECT topic FROM items WHERE retired = 0 AND {_OWNED} GROUP BY topic ORDER BY topic COLLATE "C"',
                {"guild": guild_id},
            )
        ]
        suggestions = difflib.get_close_matches(topic, known, n=3, cutoff=0.5)
        suggestions += [t for t in known if topic in t and t not in suggestions]
        raise UnknownTopic(topic, suggestions[:3])

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self._rotation = Rotation(self._record_draws)

    async def close(self) -> None:
        """Record the draws still queued, then close."""
        await self._rotation.close()
        await super().close()

    def _catalog_changed(self, guild_id: int | None) -> None:
        self._rotation.forget(guild_id)

    async def pick_item(
        self, guild_id: int, kind: Kind, topic: str | None = None, rng: random.Random | None = None
    ) -> StoredItem:
        """Choose a random unseen item for the server's pool, restarting the cycle once all were seen.

        The pool's rotation is kept in memory by the process serving the server's shard, and recorded right
        after (see :mod:`bot.storage.rotation`).
        """
        if topic is not None:
            topic = normalize_topic(topic)
        settings = self._settings.get(guild_id) or await self.server_settings(guild_id)
        pool = pool_name(f"{kind}:{topic or '*'}", settings.pack_languages())
        if (kept := self._rotation.draw_kept(guild_id, pool, datetime.now(UTC), rng or DRAWS)) is not None:
            return kept
        if topic is not None:
            await self._require_topic(topic, guild_id)
        params = {**await self._scope(guild_id), "kind": kind, "topic": topic, "pool": pool}
        live = (
            "FROM items WHERE retired = 0 AND kind = :kind AND (:topic::text IS NULL OR topic = :topic::text) "
            f"AND {_VISIBLE}"
        )
        seen = "SELECT item_pk FROM served WHERE guild_id = :guild AND pool = :pool"

        async def load_deck() -> tuple[list[int], int | None]:
            unseen = await self._fetchall(f"SELECT pk {live} AND pk NOT IN ({seen})", params)
            last = await self._fetchone(f"{seen} ORDER BY served_at DESC LIMIT 1", params)
            return [row["pk"] for row in unseen], last["item_pk"] if last else None

        async def load_pool() -> list[int]:
            return [row["pk"] for row in await self._fetchall(f"SELECT pk {live} ORDER BY pk", params)]

        item = await self._rotation.serve(
            guild_id, pool, load_deck, load_pool, self.get_items_by_pk, datetime.now(UTC), rng or DRAWS
        )
        if item is None:
            raise NoItems(kind, topic)
        return item

    async def _record_draws(self, draws: list[Draw]) -> None:
        """Write draws to ``served`` and count them in ``item_stats``, in one transaction, in order.

        Each batch of rows goes as arrays in one statement (one message, not one per row).
        """
        async with self._transaction():
            for new_cycle, rows in draw_segments(draws):
                if new_cycle is not None:
                    await self._lock("served", new_cycle.guild_id, new_cycle.pool)
                    await self._execute(
                        "DELETE FROM served WHERE guild_id = $1 AND pool = $2", (new_cycle.guild_id, new_cycle.pool)
                    )
                await self._execute(
                    """INSERT INTO served (guild_id, pool, item_pk, served_at)
                       SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::timestamptz[])
                       ON CONFLICT DO NOTHING""",
                    (
                        [d.guild_id for d in rows],
                        [d.pool for d in rows],
                        [d.item_pk for d in rows],
                        [d.served_at for d in rows],
                    ),
                )
            counts = sorted(Counter(draw.item_pk for draw in draws).items())
            await self._execute(
                """INSERT INTO item_stats AS stats (item_pk, times_served)
                   SELECT * FROM unnest($1::bigint[], $2::integer[])
                   ON CONFLICT (item_pk) DO UPDATE SET times_served = stats.times_served + excluded.times_served""",
                ([pk for pk, _ in counts], [n for _, n in counts]),
            )

    async def pick_quiz_items(
        self,
        guild_id: int,
        count: int,
        modes: Sequence[str],
        topic: str | None = None,
        rng: random.Random | None = None,
        choose: QuizChooser | None = None,
    ) -> list[StoredItem]:
        """Choose up to ``count`` different items askable in one of ``modes``, rotating per server like `fact`.

        With ``choose``, it picks among the unseen items (see :meth:`bot.core.catalog.CatalogStore.pick_quiz_items`).
        """
        if topic is not None:
            topic = normalize_topic(topic)
            await self._require_topic(topic, guild_id)
        askable = [_MODE_CONDITIONS[mode] for mode in sorted(set(modes))]
        condition = f"({' OR '.join(askable)}) AND (:topic::text IS NULL OR topic = :topic::text)"
        languages = (await self.server_settings(guild_id)).pack_languages()
        pool = pool_name(f"quiz:{'+'.join(sorted(set(modes)))}:{topic or '*'}", languages)
        async with self._transaction():
            scope = {**await self._scope(guild_id), "topic": topic}
            chosen = await self._draw(guild_id, pool, condition, scope, count, rng or DRAWS, choose)
        if chosen == [None]:
            raise NoItems("quiz question", topic)
        found = await self.get_items_by_pk([pk for pk in chosen if pk is not None])
        items = [found.get(pk) for pk in chosen if pk is not None]
        return [item for item in items if item is not None]

    async def _scope(self, guild_id: int) -> dict[str, object]:
        """Return the query parameters of :data:`_VISIBLE` for a server, from its cached settings."""
        settings = await self.server_settings(guild_id)
        packs = list(settings.packs) if settings.packs else None
        return {
            "guild": guild_id,
            "packs": packs,
            "own_packs": [server_pack_id(guild_id, pack) for pack in packs] if packs else None,
            "topics": list(settings.topics) if settings.topics else None,
            "languages": None if (languages := settings.pack_languages()) is None else list(languages),
        }

    async def _draw(
        self,
        guild_id: int,
        pool: str,
        condition: str,
        params: dict,
        count: int,
        rng: random.Random,
        choose: QuizChooser | None,
    ) -> list[int | None]:
        """Draw ``count`` pks from the pool that the server has not seen this cycle, and mark them seen.

        They are drawn at random, or picked by ``choose`` (see :func:`bot.storage.shared.draw_from`).

        When the unseen part runs short, a new cycle starts (without reopening on the item that closed the last
        one). Returns ``[None]`` when the pool is empty. Runs inside the caller's transaction, holding the pool's
        lock, so two processes drawing for one server never hand out the same item twice in a cycle.
        """
        await self._lock("served", guild_id, pool)
        params = {**params, "guild": guild_id, "pool": pool}
        live = f"FROM items WHERE retired = 0 AND {condition} AND {_VISIBLE}"
        seen_sql = "SELECT item_pk FROM served WHERE guild_id = :guild AND pool = :pool"
        pool_sql = f"SELECT pk {live}"
        unseen_sql = quiz_pool_sql(f"SELECT pk, difficulty {live} AND pk NOT IN ({seen_sql})", choose, pool_sql)
        chosen = draw_from(await self._fetchall(unseen_sql, params), count, rng, choose)
        if len(chosen) < count:
            everything = await self._fetchall(quiz_pool_sql(f"SELECT pk, difficulty {live}", choose, pool_sql), params)
            if not everything:
                return [None]
            last = await self._fetchone(f"{seen_sql} ORDER BY served_at DESC LIMIT 1", params)
            await self._execute("DELETE FROM served WHERE guild_id = $1 AND pool = $2", (guild_id, pool))
            chosen = refill_from_new_cycle(chosen, everything, last["item_pk"] if last else None, count, rng, choose)
        now = datetime.now(UTC)
        await self._executemany(
            """INSERT INTO served (guild_id, pool, item_pk, served_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT DO NOTHING""",
            [(guild_id, pool, pk, now) for pk in chosen],
        )
        return list(chosen)

    async def get_item_by_pk(self, pk: int) -> StoredItem | None:
        """Find a live item by its internal key."""
        row = await self._fetchone(f"SELECT {ITEM_COLUMNS} FROM items WHERE pk = $1 AND retired = 0", (pk,))
        return item_from_row(row) if row else None

    async def get_items_by_pk(self, pks: Sequence[int]) -> dict[int, StoredItem]:
        """Find many live items by their internal keys in one query."""
        rows = await self._fetchall(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE pk = ANY($1::bigint[]) AND retired = 0", (list(pks),)
        )
        return {item.pk: item for item in map(item_from_row, rows)}

    async def get_item(self, ref: str, guild_id: int | None = None) -> StoredItem:
        """Find a live item by ``pack/item`` or an unambiguous bare item id (case-insensitive).

        Shipped items are found everywhere; a server's own items only with that server's ``guild_id``.
        """
        ref = ref.strip().strip("`").lower()
        pack_id, sep, item_id = ref.rpartition("/")
        params = {
            "guild": guild_id,
            "item": item_id,
            "pack": pack_id,
            "own_pack": server_pack_id(guild_id or 0, pack_id),
        }
        if sep:
            rows = await self._fetchall(
                f"""SELECT {ITEM_COLUMNS} FROM items WHERE pack_id IN (:pack, :own_pack) AND item_id = :item
                    AND retired = 0 AND {_OWNED}""",
                params,
            )
        else:
            rows = await self._fetchall(
                f"""SELECT {ITEM_COLUMNS} FROM items WHERE item_id = :item AND retired = 0 AND {_OWNED}
                    ORDER BY pack_id COLLATE "C" """,
                params,
            )
        if not rows:
            raise UnknownItem(ref)
        if len(rows) > 1:
            raise AmbiguousItem(ref, [f"{public_pack_id(row['pack_id'])}/{row['item_id']}" for row in rows])
        return item_from_row(rows[0])

    async def search(self, text: str, limit: int = 5, guild_id: int | None = None) -> list[StoredItem]:
        """Rank live items over claim, truth and topic (weighted like SQLite's bm25); more matching words rank higher.

        Each word becomes a quoted prefix term (``'word':*``), so operators typed by users (``&``, ``|``, ``!``,
        ``<->``) are taken literally; words are stemmed like the index (English) and folded without accents.
        """
        words = [fold_diacritics(word) for word in search_words(text)]
        query = " | ".join(f"'{word}':*" for word in words)  # words are \w+: no quote can slip in
        rows = await self._fetchall(
            f"""SELECT {", ".join(f"items.{c.strip()}" for c in ITEM_COLUMNS.split(","))}
                FROM items, to_tsquery('english', :query) AS query
                WHERE items.search_vector @@ query AND items.retired = 0 AND {_OWNED}
                ORDER BY ts_rank({_SEARCH_WEIGHTS}, items.search_vector, query) DESC, items.pk
                LIMIT :limit""",
            {"query": query, "limit": limit, "guild": guild_id},
        )
        return [item_from_row(row) for row in rows]

    async def topics(self, guild_id: int | None = None) -> list[TopicSummary]:
        """Return each live topic with its myth and fact counts (with the server's own items)."""
        rows = await self._fetchall(
            f"""SELECT topic, COUNT(*) FILTER (WHERE kind = 'myth') AS myths,
                      COUNT(*) FILTER (WHERE kind = 'fact') AS facts,
                      COUNT(*) FILTER (WHERE kind = 'question') AS questions
               FROM items WHERE retired = 0 AND {_OWNED} GROUP BY topic ORDER BY topic COLLATE "C" """,
            {"guild": guild_id},
        )
        return [TopicSummary(row["topic"], row["myths"], row["facts"], row["questions"]) for row in rows]

    async def packs(self, guild_id: int | None = None) -> list[PackSummary]:
        """Return active packs (shipped ones and the server's own) with their live item counts."""
        rows = await self._fetchall(
            """SELECT packs.id, packs.name, packs.description, packs.version, COUNT(items.pk) AS n
               FROM packs LEFT JOIN items ON items.pack_id = packs.id AND items.retired = 0
               WHERE packs.active = 1 AND (packs.guild_id IS NULL OR packs.guild_id = $1::bigint)
               GROUP BY packs.id ORDER BY packs.name COLLATE "C" """,
            (guild_id,),
        )
        return [
            PackSummary(public_pack_id(row["id"]), row["name"], row["description"], row["version"], row["n"])
            for row in rows
        ]

    async def wait_until_recorded(self) -> None:
        """Wait until every item served so far is recorded in ``served`` and ``item_stats``."""
        await self._rotation.flush()

    async def times_served(self, pk: int) -> int:
        """Return how often an item has been served, across all servers."""
        await self._rotation.flush()
        row = await self._fetchone("SELECT times_served FROM item_stats WHERE item_pk = $1", (pk,))
        return int(row["times_served"]) if row else 0
