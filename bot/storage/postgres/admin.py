"""SQL for data control: forget-me, leaderboard resets, exports, uploaded packs and retention.

Part of :class:`bot.storage.postgres.store.PostgresStore`.
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
from bot.storage.postgres.database import PostgresDatabase
from bot.storage.postgres.global_parts import lock_board
from bot.storage.postgres.items import upsert_packs
from bot.storage.postgres.scores import lock_scores
from bot.storage.shared import TEAM_BOARD_TABLES, check_week, export_row, public_pack_id, server_pack_id, utc

log = logging.getLogger(__name__)

# The retention sweep deletes from every table with a `guild_id` column (found in the schema, so a new per-server
# table is covered without a change here). Items and packs are deleted last, items before the packs they belong to;
# rows of other tables that point at the deleted items cascade or are set to NULL by their foreign keys.
_DELETED_LAST = ("items", "packs")

# What an export holds, section by section; each query takes :guild and lists the most useful rows first.
_EXPORT_QUERIES: dict[str, str] = {
    "packs": """SELECT id, name, description, author, license, version, active, loaded_at
                FROM packs WHERE guild_id = :guild ORDER BY id COLLATE "C" """,
    "items": """SELECT pk, pack_id, item_id, kind, claim, truth, topic, tags, difficulty, source_title, source_url,
                       source_citation, question, answers, choices, retired, author_id
                FROM items WHERE guild_id = :guild ORDER BY pack_id COLLATE "C", item_id COLLATE "C" """,
    "scores": """SELECT period, user_id, points, correct, rounds, best_streak, fastest_ms
                 FROM scores WHERE guild_id = :guild ORDER BY period = 'all' DESC, period COLLATE "C" DESC, points DESC,
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
                             ORDER BY period = 'all' DESC, period COLLATE "C" DESC, points DESC, user_id""",
    "global_names": """SELECT user_id, display_name, updated_at FROM global_names AS names
                       WHERE EXISTS (SELECT 1 FROM scores
                                     WHERE scores.guild_id = :guild AND scores.user_id = names.user_id)
                       ORDER BY user_id""",
    "teams": """SELECT name, wins, quizzes, points, last_played FROM team_scores WHERE guild_id = :guild
                ORDER BY wins DESC, points DESC, team_key COLLATE "C" """,
    "team_quizzes": "SELECT quiz_key, played_at FROM team_quizzes WHERE guild_id = :guild ORDER BY played_at DESC",
}


class AdminQueries(PostgresDatabase):
    """The :class:`bot.core.admin.AdminStore` part of the PostgreSQL store."""

    # -- uploaded packs ------------------------------------------------------------------------

    async def shipped_pack_ids(self) -> set[str]:
        """Return the ids of every pack that ships with the bot (active or retired)."""
        return {row["id"] for row in await self._fetchall("SELECT id FROM packs WHERE guild_id IS NULL")}

    async def import_server_pack(self, guild_id: int, pack: Pack, audit: AuditNote | None = None) -> SyncReport:
        """Add or update a server's own pack in one transaction, with ``audit``; items keep their keys."""
        db_pack_id = server_pack_id(guild_id, pack.id)
        async with self._catalog_transaction(guild_id) as conn:
            await self._lock("packs", guild_id)  # the count of a server's packs holds until this one is in
            check_pack_id(pack.id, await self.shipped_pack_ids())
            others = await self._fetchone(
                "SELECT COUNT(*) AS n FROM packs WHERE guild_id = $1 AND active = 1 AND id NOT IN ($2, $3)",
                (guild_id, db_pack_id, server_pack_id(guild_id, CUSTOM_PACK)),
            )
            if others is not None and others["n"] >= MAX_SERVER_PACKS:
                raise ServerPacksFull()
            known = await self._fetchone("SELECT 1 FROM packs WHERE id = $1", (db_pack_id,))
            report = await upsert_packs(conn, [(pack, db_pack_id)], guild_id, datetime.now(UTC))
            await self._audit(guild_id, audit)
        if known is None:
            await self._keep_new_pack_enabled(guild_id, pack.id)
        return report

    async def remove_server_pack(self, guild_id: int, pack_id: str, actor_id: int | None = None) -> int:
        """Retire a server's uploaded pack and its items; return how many items were retired (audited if by someone)."""
        db_pack_id = server_pack_id(guild_id, pack_id)
        async with self._catalog_transaction(guild_id):
            found = await self._fetchone(
                "SELECT 1 FROM packs WHERE id = $1 AND guild_id = $2 AND active = 1", (db_pack_id, guild_id)
            )
            if found is None:
                raise UnknownServerPack(pack_id)
            retired = await self._execute(
                "UPDATE items SET retired = 1 WHERE pack_id = $1 AND retired = 0", (db_pack_id,)
            )
            await self._execute("UPDATE packs SET active = 0 WHERE id = $1", (db_pack_id,))
            if actor_id is not None:
                await self._audit(guild_id, AuditNote(actor_id, "pack", pack_removed_detail(pack_id, retired)))
            return retired

    async def server_packs(self, guild_id: int) -> list[PackSummary]:
        """Return the active packs this server uploaded (custom facts included), with live item counts."""
        rows = await self._fetchall(
            """SELECT packs.id, packs.name, packs.description, packs.version, COUNT(items.pk) AS n
               FROM packs LEFT JOIN items ON items.pack_id = packs.id AND items.retired = 0
               WHERE packs.guild_id = $1 AND packs.active = 1
               GROUP BY packs.id ORDER BY packs.name COLLATE "C" """,
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
            await lock_scores(conn, guild_id)
            await lock_board(conn)
            for name, sql in (
                ("scores", "DELETE FROM scores WHERE guild_id = $1 AND user_id = $2"),
                ("daily_answers", "DELETE FROM daily_answers WHERE guild_id = $1 AND user_id = $2"),
                ("daily_streaks", "DELETE FROM daily_streaks WHERE guild_id = $1 AND user_id = $2"),
                ("role_grants", "DELETE FROM role_grants WHERE guild_id = $1 AND user_id = $2"),
                ("disputes", "DELETE FROM disputes WHERE guild_id = $1 AND user_id = $2"),
                (
                    "suggestions_deleted",
                    "DELETE FROM suggestions WHERE guild_id = $1 AND user_id = $2 AND status = 'pending'",
                ),
                (
                    "suggestions_anonymised",
                    f"UPDATE suggestions SET user_id = {FORGOTTEN_USER_ID} WHERE guild_id = $1 AND user_id = $2",
                ),
                ("credits_cleared", "UPDATE items SET author_id = NULL WHERE guild_id = $1 AND author_id = $2"),
                ("review_items", "DELETE FROM review_items WHERE guild_id = $1 AND user_id = $2"),
                (
                    "review_numbers",
                    "DELETE FROM review_members WHERE guild_id = $1 AND user_id = $2 AND opted_out = 0",
                ),
                ("global_scores", "DELETE FROM global_parts WHERE guild_id = $1 AND user_id = $2"),
            ):
                counts[name] = await self._execute(sql, member)
            counts["global_name"] = await self._execute("DELETE FROM global_names WHERE user_id = $1", (user_id,))
        return ForgetReport(**counts)

    async def reset_leaderboard(self, guild_id: int, period: str, actor_id: int | None = None) -> int:
        """Delete one leaderboard (``all`` or a week) of a server; return the rows deleted; audit it if by someone."""
        if not is_period(period):
            raise ValueError(f"{period!r} is not a leaderboard period")
        async with self._transaction() as conn:
            await lock_scores(conn, guild_id)
            await lock_board(conn)
            # The trigger on `scores` keeps `rank_buckets` exact, row by row.
            removed = await self._execute("DELETE FROM scores WHERE guild_id = $1 AND period = $2", (guild_id, period))
            # The server's part of the global board of the same period goes too (its trigger follows).
            await self._execute("DELETE FROM global_parts WHERE guild_id = $1 AND period = $2", (guild_id, period))
            if period == ALL_TIME:  # the team board is an all-time board too
                for table in TEAM_BOARD_TABLES:
                    removed += await self._execute(f"DELETE FROM {table} WHERE guild_id = $1", (guild_id,))
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
        async with self._transaction():
            await self._execute(
                "INSERT INTO departed_guilds (guild_id, left_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                (guild_id, utc(left_at)),
            )

    async def clear_departed(self, guild_ids: Iterable[int]) -> int:
        """Forget departures of servers the bot is in again; return how many records went."""
        ids = list(guild_ids)
        if not ids or await self._fetchone("SELECT 1 FROM departed_guilds LIMIT 1") is None:
            return 0  # the common case at start-up: nothing recorded, no write needed
        async with self._transaction():
            return await self._execute("DELETE FROM departed_guilds WHERE guild_id = ANY($1::bigint[])", (ids,))

    async def purge_departed(self, now: datetime, retention: timedelta) -> list[PurgeReport]:
        """Delete all data of servers the bot left at least ``retention`` before ``now``, one transaction each."""
        await self.wait_until_recorded()  # no queued draw may bring a purged server's rows back
        due = await self._fetchall(
            "SELECT guild_id, left_at FROM departed_guilds WHERE left_at <= $1 ORDER BY left_at",
            (utc(now - retention),),
        )
        if not due:
            return []
        tables = await self._guild_tables()
        reports = []
        for row in due:
            guild_id = row["guild_id"]
            rows: dict[str, int] = {}
            async with self._transaction() as conn:
                await lock_scores(conn, guild_id)
                await lock_board(conn)
                for table in tables:
                    deleted = await self._execute(f"DELETE FROM {table} WHERE guild_id = $1", (guild_id,))
                    if deleted:
                        rows[table] = deleted
                await self._announce_settings_change(guild_id)
            self._forget_settings([guild_id])
            reports.append(PurgeReport(guild_id, row["left_at"], rows))
        return reports

    async def prune_weeks(self, before: str) -> int:
        """Delete every server's weekly leaderboards of weeks before ``before`` (a week key); return the rows deleted.

        Works through one server's week at a time, in small transactions, so writes never wait long.
        """
        check_week(before)
        deleted = 0
        # The global board's parts first: their trigger takes the weeks off the board (server 0 in `scores`).
        for table in ("global_parts", "scores"):
            boards = await self._fetchall(
                f"SELECT DISTINCT guild_id, period FROM {table} WHERE period <> 'all' AND period < $1", (before,)
            )
            for board in boards:
                batch = shared.PRUNE_BATCH
                while batch == shared.PRUNE_BATCH:
                    async with self._transaction() as conn:
                        await lock_scores(conn, board["guild_id"])
                        await lock_board(conn)
                        # The trigger on `scores` keeps `rank_buckets` exact, row by row.
                        batch = await self._execute(
                            f"""DELETE FROM {table} WHERE guild_id = :guild AND period = :period AND user_id IN (
                                   SELECT user_id FROM {table} WHERE guild_id = :guild AND period = :period
                                   LIMIT :batch)""",
                            {"guild": board["guild_id"], "period": board["period"], "batch": shared.PRUNE_BATCH},
                        )
                    if table == "scores":
                        deleted += batch
        return deleted

    async def _guild_tables(self) -> list[str]:
        """Return every table with a ``guild_id`` column, in a safe deletion order (items, then packs, last)."""
        rows = await self._fetchall(
            """SELECT table_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND column_name = 'guild_id'
               ORDER BY table_name COLLATE "C" """
        )
        tables = [row["table_name"] for row in rows if row["table_name"] not in _DELETED_LAST]
        return [*tables, *_DELETED_LAST]
