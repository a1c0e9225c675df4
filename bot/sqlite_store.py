"""The SQLite implementation of :class:`bot.store.FactStore`, over one aiosqlite connection."""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import logging
import random
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot import migrate
from bot.errors import AmbiguousItem, BadSearch, MythOrFactError, NoItems, StoreError, UnknownItem, UnknownTopic
from bot.packs import Item, Kind, Pack, Source
from bot.settings import ServerSettings, apply_changes, changed_values, describe_change, from_stored
from bot.sqlite_admin import AdminQueries
from bot.sqlite_content import ContentQueries
from bot.sqlite_daily import DailyQueries
from bot.sqlite_scores import ScoreQueries
from bot.store import (
    AuditEntry,
    PackSummary,
    StoredItem,
    SyncReport,
    TopicSummary,
    public_pack_id,
    server_pack_id,
    stored_time,
)
from bot.text import normalize_topic

log = logging.getLogger(__name__)

_ITEM_COLUMNS = (
    "pk, pack_id, item_id, kind, claim, truth, topic, difficulty, source_title, source_url, "
    "source_citation, tags, question, answers, choices"
)
_WORD = re.compile(r"\w+", re.UNICODE)

# Which items can be asked in each quiz mode (see bot.quiz.supported_modes).
_MODE_CONDITIONS = {
    "myth-or-fact": "kind IN ('myth', 'fact')",
    "choice": "(question IS NOT NULL AND choices != '[]')",
    "typed": "(question IS NOT NULL AND answers != '[]')",
}


def _now() -> str:
    return stored_time(datetime.now(UTC))


def _content_hash(item: Item) -> str:
    payload = json.dumps(
        [
            item.kind,
            item.claim,
            item.truth,
            item.topic,
            item.difficulty,
            item.source.title,
            item.source.url,
            item.source.citation,
            item.tags,
            item.question,
            item.answers,
            item.choices,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# What one server may be served: shipped items and its own, minus hidden ones, limited to its enabled
# packs and topics. Parameters: :guild, :packs and :topics (JSON lists, or NULL for "all").
_VISIBLE = """(items.guild_id IS NULL OR items.guild_id = :guild)
    AND items.pk NOT IN (SELECT item_pk FROM hidden_items WHERE hidden_items.guild_id = :guild)
    AND (:packs IS NULL
         OR items.pack_id IN (SELECT value FROM json_each(:packs))
         OR items.pack_id IN (SELECT :guild || '~' || value FROM json_each(:packs)))
    AND (:topics IS NULL OR items.topic IN (SELECT value FROM json_each(:topics)))"""

# Shipped items and the server's own, regardless of its filters (for ids, search and topic lists).
_OWNED = "(items.guild_id IS NULL OR items.guild_id = :guild)"


def _row_to_item(row: aiosqlite.Row) -> StoredItem:
    return StoredItem(
        pk=row["pk"],
        pack_id=public_pack_id(row["pack_id"]),
        id=row["item_id"],
        kind=row["kind"],
        claim=row["claim"],
        truth=row["truth"],
        topic=row["topic"],
        difficulty=row["difficulty"],
        source=Source(row["source_title"], row["source_url"], row["source_citation"]),
        tags=tuple(json.loads(row["tags"])),
        question=row["question"],
        answers=tuple(json.loads(row["answers"])),
        choices=tuple(json.loads(row["choices"])),
    )


class SqliteStore(ScoreQueries, DailyQueries, ContentQueries, AdminQueries):
    """Fact store on SQLite: WAL mode, foreign keys on, writes serialized in explicit transactions."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._write_lock = asyncio.Lock()
        self._settings_cache: dict[int, ServerSettings] = {}

    @classmethod
    async def open(cls, path: Path | None) -> SqliteStore:
        """Open (creating if needed) the database at ``path`` (``None``: in memory) and migrate it."""
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the data directory {path.parent}: {exc.strerror}") from exc
        try:
            conn = await aiosqlite.connect(":memory:" if path is None else str(path), isolation_level=None)
        except Exception as exc:  # aiosqlite wraps the sqlite3 error
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await migrate.migrate(conn)
        except Exception as exc:
            await conn.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot use the database {path}: {exc}") from exc
        return cls(conn)

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        async with self._write_lock:
            await self._conn.close()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one write transaction; other writers wait their turn."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    # Each call is one round trip to aiosqlite's thread (execute, fetch and close would be three).
    async def _fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def _fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def schema_version(self) -> int:
        """Return the schema version recorded in the database."""
        return await migrate.schema_version(self._conn)

    # -- loading packs -------------------------------------------------------------------------

    async def sync_packs(self, packs: list[Pack], failed_files: set[str] = frozenset()) -> SyncReport:
        """Load packs idempotently (see :meth:`bot.store.FactStore.sync_packs`)."""
        added = updated = unchanged = retired = packs_retired = 0
        now = _now()
        async with self._transaction() as conn:
            for pack in packs:
                counts = await self._upsert_pack(pack, pack.id, None, now)
                added, updated, unchanged, retired = (
                    added + counts.added,
                    updated + counts.updated,
                    unchanged + counts.unchanged,
                    retired + counts.retired,
                )

            # Packs whose file disappeared are retired; packs whose file failed validation keep their items.
            loaded = {pack.id for pack in packs}
            for row in await self._fetchall("SELECT id, file FROM packs WHERE active = 1 AND guild_id IS NULL"):
                if row["id"] in loaded or row["file"] in failed_files:
                    continue
                cursor = await conn.execute(
                    "UPDATE items SET retired = 1 WHERE pack_id = ? AND retired = 0", (row["id"],)
                )
                retired += cursor.rowcount
                await conn.execute("UPDATE packs SET active = 0 WHERE id = ?", (row["id"],))
                packs_retired += 1
        return SyncReport(added, updated, unchanged, retired, packs_retired)

    async def _upsert_pack(
        self, pack: Pack, db_pack_id: str, guild_id: int | None, now: str, author_id: int | None = None
    ) -> SyncReport:
        """Write one pack and its items inside the caller's transaction; retire items the pack dropped."""
        added = updated = unchanged = retired = 0
        await self._conn.execute(
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
            for row in await self._fetchall(
                "SELECT item_id, content_hash, retired FROM items WHERE pack_id = ?", (db_pack_id,)
            )
        }
        for item in pack.items:
            digest = _content_hash(item)
            previous = existing.pop(item.id, None)
            if previous == (digest, 0):
                unchanged += 1
                continue
            await self._write_item(db_pack_id, item, guild_id, author_id)
            if previous is None:
                added += 1
            else:
                updated += 1
        gone = [item_id for item_id, (_, was_retired) in existing.items() if not was_retired]
        if gone:
            await self._conn.executemany(
                "UPDATE items SET retired = 1 WHERE pack_id = ? AND item_id = ?",
                [(db_pack_id, item_id) for item_id in gone],
            )
            retired += len(gone)
        return SyncReport(added, updated, unchanged, retired)

    async def _write_item(self, db_pack_id: str, item: Item, guild_id: int | None, author_id: int | None) -> int:
        """Insert or update one item inside the caller's transaction; return its key (kept across updates).

        An update brings a retired item back and keeps its credit unless a new ``author_id`` is given.
        """
        rows = await self._fetchall(
            """
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
            RETURNING pk
            """,
            (
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
                _content_hash(item),
                guild_id,
                author_id,
            ),
        )
        return int(rows[0]["pk"])

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
            for row in await self._fetchall(f"SELECT DISTINCT topic FROM items WHERE retired = 0 AND {_OWNED}", params)
        ]
        suggestions = difflib.get_close_matches(topic, known, n=3, cutoff=0.5)
        suggestions += [t for t in known if topic in t and t not in suggestions]
        raise UnknownTopic(topic, suggestions[:3])

    async def pick_item(
        self, guild_id: int, kind: Kind, topic: str | None = None, rng: random.Random | None = None
    ) -> StoredItem:
        """Choose a random unseen item for the server's pool, restarting the cycle once all were seen."""
        if topic is not None:
            topic = normalize_topic(topic)
            await self._require_topic(topic, guild_id)
        condition = "kind = :kind AND (:topic IS NULL OR topic = :topic)"
        params = {**await self._scope(guild_id), "kind": kind, "topic": topic}
        async with self._transaction() as conn:
            [chosen] = await self._draw(
                guild_id, f"{kind}:{topic or '*'}", condition, params, 1, rng or random.Random()
            )
            if chosen is None:
                raise NoItems(kind, topic)
            await conn.execute(
                """INSERT INTO item_stats (item_pk, times_served) VALUES (?, 1)
                   ON CONFLICT (item_pk) DO UPDATE SET times_served = times_served + 1""",
                (chosen,),
            )
        item = await self.get_item_by_pk(chosen)
        assert item is not None
        return item

    async def pick_quiz_items(
        self,
        guild_id: int,
        count: int,
        modes: Sequence[str],
        topic: str | None = None,
        rng: random.Random | None = None,
    ) -> list[StoredItem]:
        """Choose up to ``count`` different items askable in one of ``modes``, rotating per server like `fact`."""
        if topic is not None:
            topic = normalize_topic(topic)
            await self._require_topic(topic, guild_id)
        askable = [_MODE_CONDITIONS[mode] for mode in sorted(set(modes))]
        condition = f"({' OR '.join(askable)}) AND (:topic IS NULL OR topic = :topic)"
        pool = f"quiz:{'+'.join(sorted(set(modes)))}:{topic or '*'}"
        async with self._transaction():
            scope = {**await self._scope(guild_id), "topic": topic}
            chosen = await self._draw(guild_id, pool, condition, scope, count, rng or random.Random())
        if chosen == [None]:
            raise NoItems("quiz question", topic)
        items = [await self.get_item_by_pk(pk) for pk in chosen if pk is not None]
        return [item for item in items if item is not None]

    async def _scope(self, guild_id: int) -> dict[str, object]:
        """Return the query parameters of :data:`_VISIBLE` for a server, from its cached settings."""
        settings = await self.server_settings(guild_id)
        return {
            "guild": guild_id,
            "packs": json.dumps(settings.packs) if settings.packs else None,
            "topics": json.dumps(settings.topics) if settings.topics else None,
        }

    async def _draw(
        self, guild_id: int, pool: str, condition: str, params: dict, count: int, rng: random.Random
    ) -> list[int | None]:
        """Draw ``count`` random pks from the pool that the server has not seen this cycle, and mark them seen.

        When the unseen part runs short, a new cycle starts (without reopening on the item that closed the last
        one). Returns ``[None]`` when the pool is empty. Runs inside the caller's transaction.
        """
        params = {**params, "guild": guild_id, "pool": pool}
        live = f"FROM items WHERE retired = 0 AND {condition} AND {_VISIBLE}"
        seen_sql = "SELECT item_pk FROM served WHERE guild_id = :guild AND pool = :pool"
        unseen_sql = f"SELECT pk {live} AND pk NOT IN ({seen_sql}) ORDER BY pk"
        unseen = [row["pk"] for row in await self._fetchall(unseen_sql, params)]
        chosen = rng.sample(unseen, min(count, len(unseen)))
        if len(chosen) < count:
            everything = [row["pk"] for row in await self._fetchall(f"SELECT pk {live} ORDER BY pk", params)]
            if not everything:
                return [None]
            last = await self._fetchone(f"{seen_sql} ORDER BY served_at DESC LIMIT 1", params)
            await self._conn.execute("DELETE FROM served WHERE guild_id = :guild AND pool = :pool", params)
            rest = [pk for pk in everything if pk not in chosen and (last is None or pk != last["item_pk"])]
            rest = rest or [pk for pk in everything if pk not in chosen]
            chosen += rng.sample(rest, min(count - len(chosen), len(rest)))
        now = _now()
        await self._conn.executemany(
            "INSERT OR IGNORE INTO served (guild_id, pool, item_pk, served_at) VALUES (?, ?, ?, ?)",
            [(guild_id, pool, pk, now) for pk in chosen],
        )
        return list(chosen)

    async def get_item_by_pk(self, pk: int) -> StoredItem | None:
        """Find a live item by its internal key."""
        row = await self._fetchone(f"SELECT {_ITEM_COLUMNS} FROM items WHERE pk = ? AND retired = 0", (pk,))
        return _row_to_item(row) if row else None

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
                f"""SELECT {_ITEM_COLUMNS} FROM items WHERE pack_id IN (:pack, :own_pack) AND item_id = :item
                    AND retired = 0 AND {_OWNED}""",
                params,
            )
        else:
            rows = await self._fetchall(
                f"""SELECT {_ITEM_COLUMNS} FROM items WHERE item_id = :item AND retired = 0 AND {_OWNED}
                    ORDER BY pack_id""",
                params,
            )
        if not rows:
            raise UnknownItem(ref)
        if len(rows) > 1:
            raise AmbiguousItem(ref, [f"{public_pack_id(row['pack_id'])}/{row['item_id']}" for row in rows])
        return _row_to_item(rows[0])

    async def search(self, text: str, limit: int = 5, guild_id: int | None = None) -> list[StoredItem]:
        """Rank live items by BM25 over claim, truth and topic; more matching words rank higher."""
        words = [w for w in _WORD.findall(text.lower()) if len(w) > 1][:12]
        if not words:
            raise BadSearch("Give me at least one word to search for, e.g. `search goldfish memory`.")
        # Each word is quoted so FTS5 operators typed by users (AND, NEAR, *, ^) are taken literally.
        match = " OR ".join(f'"{w}"*' for w in words)
        rows = await self._fetchall(
            f"""SELECT {", ".join(f"items.{c.strip()}" for c in _ITEM_COLUMNS.split(","))}
                FROM items_fts JOIN items ON items.pk = items_fts.rowid
                WHERE items_fts MATCH :match AND items.retired = 0 AND {_OWNED}
                ORDER BY bm25(items_fts, 3.0, 1.0, 2.0) LIMIT :limit""",
            {"match": match, "limit": limit, "guild": guild_id},
        )
        return [_row_to_item(row) for row in rows]

    async def topics(self, guild_id: int | None = None) -> list[TopicSummary]:
        """Return each live topic with its myth and fact counts (with the server's own items)."""
        rows = await self._fetchall(
            f"""SELECT topic, SUM(kind = 'myth') AS myths, SUM(kind = 'fact') AS facts,
                      SUM(kind = 'question') AS questions
               FROM items WHERE retired = 0 AND {_OWNED} GROUP BY topic ORDER BY topic""",
            {"guild": guild_id},
        )
        return [TopicSummary(row["topic"], row["myths"], row["facts"], row["questions"]) for row in rows]

    async def packs(self, guild_id: int | None = None) -> list[PackSummary]:
        """Return active packs (shipped ones and the server's own) with their live item counts."""
        rows = await self._fetchall(
            """SELECT packs.id, packs.name, packs.description, packs.version, COUNT(items.pk) AS n
               FROM packs LEFT JOIN items ON items.pack_id = packs.id AND items.retired = 0
               WHERE packs.active = 1 AND (packs.guild_id IS NULL OR packs.guild_id = :guild)
               GROUP BY packs.id ORDER BY packs.name""",
            {"guild": guild_id},
        )
        return [
            PackSummary(public_pack_id(row["id"]), row["name"], row["description"], row["version"], row["n"])
            for row in rows
        ]

    # -- server settings -----------------------------------------------------------------------

    async def server_settings(self, guild_id: int) -> ServerSettings:
        """Return a server's settings; cached, so reading them costs no query after the first time."""
        cached = self._settings_cache.get(guild_id)
        if cached is not None:
            return cached
        row = await self._fetchone("SELECT settings FROM server_settings WHERE guild_id = ?", (guild_id,))
        settings = from_stored(json.loads(row["settings"])) if row else ServerSettings()
        self._settings_cache[guild_id] = settings
        return settings

    async def update_server_settings(
        self, guild_id: int, changes: dict[str, object], actor_id: int | None = None
    ) -> ServerSettings:
        """Validate and save changes to a server's settings; record who changed what; return the new settings."""
        now = _now()
        async with self._transaction() as conn:
            # Read inside the transaction, so two moderators changing different settings at once both count.
            current = await self.server_settings(guild_id)
            updated = apply_changes(current, changes)
            if actor_id is not None:
                for name in changes:
                    before, after = getattr(current, name), getattr(updated, name)
                    if before != after:
                        await self._insert_audit(
                            guild_id, actor_id, "setting", describe_change(name, before, after), now
                        )
            await conn.execute(
                """INSERT INTO server_settings (guild_id, settings, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (guild_id) DO UPDATE
                   SET settings = excluded.settings, updated_at = excluded.updated_at""",
                (guild_id, json.dumps(changed_values(updated)), now),
            )
        self._settings_cache[guild_id] = updated
        return updated

    async def _keep_new_pack_enabled(self, guild_id: int, pack_id: str) -> None:
        """Add a server's newly created pack (custom facts, an upload) to its enabled packs, if it limits them.

        Otherwise a server that had turned some packs off would never see its own new content.
        """
        settings = await self.server_settings(guild_id)
        if settings.packs and pack_id not in settings.packs:
            try:
                await self.update_server_settings(guild_id, {"packs": [*settings.packs, pack_id]})
            except MythOrFactError as exc:  # the list is full: the moderators can make room with `config packs`
                log.warning("Guild %s's new pack %s stays off: %s", guild_id, pack_id, exc)

    async def times_served(self, pk: int) -> int:
        """Return how often an item has been served, across all servers."""
        row = await self._fetchone("SELECT times_served FROM item_stats WHERE item_pk = ?", (pk,))
        return int(row["times_served"]) if row else 0

    # -- audit trail ---------------------------------------------------------------------------

    async def record_audit(self, guild_id: int, user_id: int, action: str, detail: str) -> None:
        """Record one moderator action (``action`` is a short word such as ``daily`` or ``fact``)."""
        async with self._transaction():
            await self._insert_audit(guild_id, user_id, action, detail, _now())

    async def _insert_audit(self, guild_id: int, user_id: int, action: str, detail: str, at: str) -> None:
        """Write one audit line inside the caller's transaction (so a change and its line commit together)."""
        await self._conn.execute(
            "INSERT INTO audit_log (guild_id, user_id, action, detail, at) VALUES (?, ?, ?, ?, ?)",
            (guild_id, user_id, action, detail, at),
        )

    async def audit_history(self, guild_id: int, limit: int = 20) -> list[AuditEntry]:
        """Return the server's most recent moderator actions, newest first."""
        rows = await self._fetchall(
            "SELECT user_id, action, detail, at FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [
            AuditEntry(row["user_id"], row["action"], row["detail"], datetime.fromisoformat(row["at"])) for row in rows
        ]

    # -- running quizzes (crash recovery) ------------------------------------------------------

    async def record_running_quiz(self, session_id: str, guild_id: int, channel_id: int, started_at: datetime) -> None:
        """Note that a quiz is running, so a restart after a crash can close it with a message."""
        async with self._transaction() as conn:
            await conn.execute(
                """INSERT INTO running_quizzes (session_id, guild_id, channel_id, started_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (session_id) DO NOTHING""",
                (session_id, guild_id, channel_id, started_at.isoformat()),
            )

    async def forget_running_quiz(self, session_id: str) -> bool:
        """Remove a quiz that ended (or was closed after a restart); return whether it was still recorded."""
        async with self._transaction() as conn:
            cursor = await conn.execute("DELETE FROM running_quizzes WHERE session_id = ?", (session_id,))
            return cursor.rowcount > 0

    async def running_quizzes(self) -> list[tuple[str, int, int]]:
        """Return ``(session_id, guild_id, channel_id)`` of every quiz recorded as running, oldest first."""
        rows = await self._fetchall("SELECT session_id, guild_id, channel_id FROM running_quizzes ORDER BY started_at")
        return [(row["session_id"], row["guild_id"], row["channel_id"]) for row in rows]
