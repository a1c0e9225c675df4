"""SQL for data control: forget-me, leaderboard resets, exports, uploaded packs and retention.

Part of :class:`bot.storage.sqlite.store.SqliteStore`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.admin import (
    FORGOTTEN_USER_ID,
    MAX_SERVER_PACKS,
    ForgetReport,
    PurgeReport,
    ServerPacksFull,
    UnknownServerPack,
    check_pack_id,
    pack_removed_detail,
    reset_detail,
)
from bot.core.audit import AuditNote
from bot.core.catalog import PackSummary, SyncReport
from bot.core.content import CUSTOM_PACK
from bot.core.packs import Pack
from bot.core.scores import ALL_TIME, is_period
from bot.storage import shared
from bot.storage.shared import TEAM_BOARD_TABLES, check_week, export_row, iso_moment, public_pack_id, server_pack_id
from bot.storage.sqlite.database import SqliteDatabase
from bot.storage.sqlite.items import upsert_packs

log = logging.getLogger(__name__)

# The retention sweep deletes from every table with a `guild_id` column (found in the schema, so a new per-server
# table is covered without a change here). Items and packs are deleted last, items before the packs they belong to;
# rows of other tables that point at the deleted items cascade or are set to NULL by their foreign keys.
_DELETED_LAST = ("items", "packs")

# What an export holds, section by section; each query takes :guild and lists the most useful rows first.
_EXPORT_QUERIES: dict[str, str] = {
    "packs": """SELECT id, name, description, author, license, version, active, loaded_at
                FROM packs WHERE guild_id = :guild ORDER BY id""",
    "items": """SELECT pk, pack_id, item_id, kind, claim, truth, topic, tags, difficulty, source_title, source_url,
                       source_citation, question, answers, choices, retired, author_id
                FROM items WHERE guild_id = :guild ORDER BY pack_id, item_id""",
    "scores": """SELECT period, user_id, points, correct, rounds, best_streak, fastest_ms
                 FROM scores WHERE guild_id = :guild ORDER BY period = 'all' DESC, period DESC, points DESC,
                 correct DESC, user_id""",
    "daily_schedule": "SELECT * FROM daily_schedules WHERE guild_id = :guild",
    "daily_posts": "SELECT * FROM daily_posts WHERE guild_id = :guild ORDER BY day DESC",
    "daily_streaks": "SELECT * FROM daily_streaks WHERE guild_id = :guild ORDER BY best DESC, user_id",
    "suggestions": "SELECT * FROM suggestions WHERE guild_id = :guild ORDER BY id DESC",
    "hidden_items": """SELECT hidden_items.item_pk, items.pack_id, items.item_id, hidden_by, hidden_at
                       FROM hidden_items LEFT JOIN items ON items.pk = hidden_items.item_pk
                       WHERE hidden_items.guild_id = :guild ORDER BY hidden_at DESC""",
    "disputes": """SELECT disputes.id, disputes.item_pk, items.pack_id, items.item_id, user_id, reason, created_at,
                          resolved_at
                   FROM disputes LEFT JOIN items ON items.pk = disputes.item_pk
                   WHERE disputes.guild_id = :guild ORDER BY disputes.id DESC""",
    "review_items": """SELECT review_items.user_id, review_items.item_pk, items.pack_id, items.item_id, step, due_on,
                              missed_at
                       FROM review_items LEFT JOIN items ON items.pk = review_items.item_pk
                       WHERE review_items.guild_id = :guild
                       ORDER BY review_items.user_id, review_items.due_on, review_items.item_pk""",
    "review_members": """SELECT user_id, opted_out, streak_current, streak_best, last_review_day, reviews,
                                correct_reviews, remind, next_reminder_at
                         FROM review_members WHERE guild_id = :guild ORDER BY user_id""",
    "role_rewards": """SELECT role_id, kind, threshold, paused_reason, created_at FROM role_rewards
                       WHERE guild_id = :guild ORDER BY created_at, role_id""",
    "role_grants": """SELECT role_id, user_id, granted_at FROM role_grants WHERE guild_id = :guild
                      ORDER BY role_id, user_id""",
    "audit_log": "SELECT id, user_id, action, detail, at FROM audit_log WHERE guild_id = :guild ORDER BY id DESC",
    "global_board": "SELECT joined_at FROM global_servers WHERE guild_id = :guild",
    "global_board_parts": """SELECT period, user_id, points, correct, rounds FROM global_parts WHERE guild_id = :guild
                             ORDER BY period = 'all' DESC, period DESC, points DESC, user_id""",
    "global_names": """SELECT user_id, display_name, updated_at FROM global_names AS names
                       WHERE EXISTS (SELECT 1 FROM scores
                                     WHERE scores.guild_id = :guild AND scores.user_id = names.user_id)
                       ORDER BY user_id""",
    "teams": """SELECT name, wins, quizzes, points, last_played FROM team_scores WHERE guild_id = :guild
                ORDER BY wins DESC, points DESC, team_key""",
    "team_quizzes": "SELECT quiz_key, played_at FROM team_quizzes WHERE guild_id = :guild ORDER BY played_at DESC",
}


class AdminQueries(SqliteDatabase):
    """The :class:`bot.core.admin.AdminStore` part of the SQLite store."""

    # -- uploaded packs ------------------------------------------------------------------------

    async def shipped_pack_ids(self) -> set[str]:
        """Return the ids of every pack that ships with the bot (active or retired)."""
        return {row["id"] for row in await self._fetchall("SELECT id FROM packs WHERE guild_id IS NULL")}

    async def import_server_pack(self, guild_id: int, pack: Pack, audit: AuditNote | None = None) -> SyncReport:
        """Add or update a server's own pack in one transaction, with ``audit``; items keep their keys."""
        db_pack_id = server_pack_id(guild_id, pack.id)
        async with self._catalog_transaction(guild_id):
            check_pack_id(pack.id, await self.shipped_pack_ids())
            others = await self._fetchone(
                "SELECT COUNT(*) AS n FROM packs WHERE guild_id = ? AND active = 1 AND id NOT IN (?, ?)",
                (guild_id, db_pack_id, server_pack_id(guild_id, CUSTOM_PACK)),
            )
            if others is not None and others["n"] >= MAX_SERVER_PACKS:
                raise ServerPacksFull()
            known = await self._fetchone("SELECT 1 FROM packs WHERE id = ?", (db_pack_id,))
            report = await upsert_packs(self._conn, [(pack, db_pack_id)], guild_id, iso_moment(datetime.now(UTC)))
            await self._audit(guild_id, audit)
        if known is None:
            await self._keep_new_pack_enabled(guild_id, pack.id)
        return report

    async def remove_server_pack(self, guild_id: int, pack_id: str, actor_id: int | None = None) -> int:
        """Retire a server's uploaded pack and its items; return how many items were retired (audited if by someone)."""
        db_pack_id = server_pack_id(guild_id, pack_id)
        async with self._catalog_transaction(guild_id) as conn:
            found = await self._fetchone(
                "SELECT 1 FROM packs WHERE id = ? AND guild_id = ? AND active = 1", (db_pack_id, guild_id)
            )
            if found is None:
                raise UnknownServerPack(pack_id)
            cursor = await conn.execute("UPDATE items SET retired = 1 WHERE pack_id = ? AND retired = 0", (db_pack_id,))
            await conn.execute("UPDATE packs SET active = 0 WHERE id = ?", (db_pack_id,))
            if actor_id is not None:
                await self._audit(guild_id, AuditNote(actor_id, "pack", pack_removed_detail(pack_id, cursor.rowcount)))
            return cursor.rowcount

    async def server_packs(self, guild_id: int) -> list[PackSummary]:
        """Return the active packs this server uploaded (custom facts included), with live item counts."""
        rows = await self._fetchall(
            """SELECT packs.id, packs.name, packs.description, packs.version, COUNT(items.pk) AS n
               FROM packs LEFT JOIN items ON items.pack_id = packs.id AND items.retired = 0
               WHERE packs.guild_id = ? AND packs.active = 1
               GROUP BY packs.id ORDER BY packs.name""",
            (guild_id,),
        )
        return [
            PackSummary(public_pack_id(row["id"]), row["name"], row["description"], row["version"], row["n"])
            for row in rows
        ]

    # -- a member's data -----------------------------------------------------------------------

    async def forget_member_data(self, guild_id: int, user_id: int) -> ForgetReport:
        """Delete a member's data in one server; keep facts they were credited for, without their id.

        Deleted: scores in every period (the rank triggers follow), daily answers and streak, disputes, pending
        suggestions, and review items and numbers (an opt-out of review stays). Kept without the member's id: custom
        facts credited to them and their reviewed suggestions.
        """
        member = (guild_id, user_id)
        counts: dict[str, int] = {}
        async with self._transaction() as conn:
            for name, sql in (
                ("scores", "DELETE FROM scores WHERE guild_id = ? AND user_id = ?"),
                ("daily_answers", "DELETE FROM daily_answers WHERE guild_id = ? AND user_id = ?"),
                ("daily_streaks", "DELETE FROM daily_streaks WHERE guild_id = ? AND user_id = ?"),
                ("role_grants", "DELETE FROM role_grants WHERE guild_id = ? AND user_id = ?"),
                ("disputes", "DELETE FROM disputes WHERE guild_id = ? AND user_id = ?"),
                (
                    "suggestions_deleted",
                    "DELETE FROM suggestions WHERE guild_id = ? AND user_id = ? AND status = 'pending'",
                ),
                (
                    "suggestions_anonymised",
                    f"UPDATE suggestions SET user_id = {FORGOTTEN_USER_ID} WHERE guild_id = ? AND user_id = ?",
                ),
                ("credits_cleared", "UPDATE items SET author_id = NULL WHERE guild_id = ? AND author_id = ?"),
                ("review_items", "DELETE FROM review_items WHERE guild_id = ? AND user_id = ?"),
                (
                    "review_numbers",
                    "DELETE FROM review_members WHERE guild_id = ? AND user_id = ? AND opted_out = 0",
                ),
                ("global_scores", "DELETE FROM global_parts WHERE guild_id = ? AND user_id = ?"),
            ):
                counts[name] = (await conn.execute(sql, member)).rowcount
            cursor = await conn.execute("DELETE FROM global_names WHERE user_id = ?", (user_id,))
            counts["global_name"] = cursor.rowcount
        return ForgetReport(**counts)

    async def reset_leaderboard(self, guild_id: int, period: str, actor_id: int | None = None) -> int:
        """Delete one leaderboard (``all`` or a week) of a server; return the rows deleted; audit it if by someone."""
        if not is_period(period):
            raise ValueError(f"{period!r} is not a leaderboard period")
        async with self._transaction() as conn:
            # The triggers on `scores` keep `rank_buckets` exact, row by row.
            cursor = await conn.execute("DELETE FROM scores WHERE guild_id = ? AND period = ?", (guild_id, period))
            # The server's part of the global board of the same period goes too (its triggers follow).
            await conn.execute("DELETE FROM global_parts WHERE guild_id = ? AND period = ?", (guild_id, period))
            removed = cursor.rowcount
            if period == ALL_TIME:  # the team board is an all-time board too
                for table in TEAM_BOARD_TABLES:
                    removed += (await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))).rowcount
            if actor_id is not None:
                await self._audit(guild_id, AuditNote(actor_id, "leaderboard", reset_detail(period, removed)))
            return removed

    # -- export --------------------------------------------------------------------------------

    async def export_sections(self, guild_id: int) -> dict[str, Any]:
        """Gather everything the bot stores for a server, section by section, most useful rows first."""
        sections: dict[str, Any] = {"settings": dataclasses.asdict(await self.server_settings(guild_id))}
        for name, sql in _EXPORT_QUERIES.items():
            sections[name] = [export_row(row) for row in await self._fetchall(sql, {"guild": guild_id})]
        return sections

    # -- retention -----------------------------------------------------------------------------

    async def mark_departed(self, guild_id: int, left_at: datetime) -> None:
        """Record that the bot left a server (the first time counts if it is reported twice)."""
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (guild_id, iso_moment(left_at)),
            )

    async def clear_departed(self, guild_ids: Iterable[int]) -> int:
        """Forget departures of servers the bot is in again; return how many records went."""
        ids = list(guild_ids)
        if not ids or await self._fetchone("SELECT 1 FROM departed_guilds LIMIT 1") is None:
            return 0  # the common case at start-up: nothing recorded, no write needed
        async with self._transaction() as conn:
            cursor = await conn.executemany("DELETE FROM departed_guilds WHERE guild_id = ?", [(i,) for i in ids])
            return cursor.rowcount

    async def purge_departed(self, now: datetime, retention: timedelta) -> list[PurgeReport]:
        """Delete all data of servers the bot left at least ``retention`` before ``now``, one transaction each."""
        await self.wait_until_recorded()  # no queued draw may bring a purged server's rows back
        due = await self._fetchall(
            "SELECT guild_id, left_at FROM departed_guilds WHERE left_at <= ? ORDER BY left_at",
            (iso_moment(now - retention),),
        )
        if not due:
            return []
        tables = await self._guild_tables()
        reports = []
        for row in due:
            guild_id = row["guild_id"]
            rows: dict[str, int] = {}
            async with self._transaction() as conn:
                for table in tables:
                    cursor = await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
                    if cursor.rowcount:
                        rows[table] = cursor.rowcount
            self._forget_settings([guild_id])
            reports.append(PurgeReport(guild_id, datetime.fromisoformat(row["left_at"]), rows))
        return reports

    async def prune_weeks(self, before: str) -> int:
        """Delete every server's weekly leaderboards of weeks before ``before`` (a week key); return the rows deleted.

        Works through one server's week at a time, in small transactions, so writes never wait long.
        """
        check_week(before)
        deleted = 0
        # The global board's parts first: their triggers take the weeks off the board (server 0 in `scores`).
        for table in ("global_parts", "scores"):
            boards = await self._fetchall(
                f"SELECT DISTINCT guild_id, period FROM {table} WHERE period <> 'all' AND period < ?", (before,)
            )
            for board in boards:
                batch = shared.PRUNE_BATCH
                while batch == shared.PRUNE_BATCH:
                    async with self._transaction() as conn:
                        # The triggers on `scores` keep `rank_buckets` exact, row by row.
                        cursor = await conn.execute(
                            f"""DELETE FROM {table} WHERE guild_id = :guild AND period = :period AND user_id IN (
                                   SELECT user_id FROM {table} WHERE guild_id = :guild AND period = :period
                                   LIMIT :batch)""",
                            {"guild": board["guild_id"], "period": board["period"], "batch": shared.PRUNE_BATCH},
                        )
                    batch = cursor.rowcount
                    if table == "scores":
                        deleted += batch
        return deleted

    async def _guild_tables(self) -> list[str]:
        """Return every table with a ``guild_id`` column, in a safe deletion order (items, then packs, last)."""
        names = [
            row["name"]
            for row in await self._fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = []
        for name in names:
            columns = await self._fetchall("SELECT name FROM pragma_table_info(?)", (name,))
            if any(column["name"] == "guild_id" for column in columns) and name not in _DELETED_LAST:
                tables.append(name)
        return [*tables, *_DELETED_LAST]
