"""The audit trail, on every backend: changes that pass an audit note write it in their own transaction, refused
changes write none, and lines written on the dashboard's behalf say so."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.admin import UnknownServerPack, UploadRefused, parse_upload
from bot.core.audit import DASHBOARD, AuditNote, changes_via
from bot.core.daily import plan_schedule
from bot.core.scheduling import parse_zone
from bot.core.scores import ALL_TIME
from bot.storage.base import FactStore
from tests.helpers import pack_toml, round_record

GUILD = 1001
ANN = 11
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def details(store: FactStore) -> list[tuple[int, str, str]]:
    return [(entry.user_id, entry.action, entry.detail) for entry in await store.audit_history(GUILD)]


async def test_daily_schedule_changes_write_their_note_and_turning_off_nothing_writes_none(store: FactStore):
    schedule = plan_schedule(GUILD, 5, time(9, 0), parse_zone("UTC"), None, NOW)
    await store.set_daily_schedule(schedule, AuditNote(ANN, "daily", "set #general at 09:00 UTC"))
    assert await store.remove_daily_schedule(GUILD, AuditNote(ANN, "daily", "off"))
    assert not await store.remove_daily_schedule(GUILD, AuditNote(ANN, "daily", "off"))
    await store.set_daily_schedule(schedule)  # no note: nothing audited (the scheduler's own writes)
    assert await details(store) == [(ANN, "daily", "off"), (ANN, "daily", "set #general at 09:00 UTC")]


async def test_pack_import_and_removal_are_audited_with_the_change_and_a_refusal_is_not(store: FactStore):
    pack = parse_upload(pack_toml(), "club.toml").pack
    await store.import_server_pack(GUILD, pack, AuditNote(ANN, "pack", "imported club (2 items) from club.toml"))
    assert await store.remove_server_pack(GUILD, "club", actor_id=ANN) == 2
    with pytest.raises(UnknownServerPack):
        await store.remove_server_pack(GUILD, "club", actor_id=ANN)
    shipped = parse_upload(pack_toml("sample"), "sample.toml").pack
    with pytest.raises(UploadRefused):
        await store.import_server_pack(GUILD, shipped, AuditNote(ANN, "pack", "imported sample"))
    assert await details(store) == [
        (ANN, "pack", "removed club (2 items)"),
        (ANN, "pack", "imported club (2 items) from club.toml"),
    ]


async def test_a_leaderboard_reset_is_audited_with_its_row_count(store: FactStore):
    await store.record_round(round_record(GUILD, "r1", (ANN, 10), (22, 5)), "2026-W48")
    assert await store.reset_leaderboard(GUILD, ALL_TIME, actor_id=ANN) == 2
    assert await store.reset_leaderboard(GUILD, "2026-W48") == 2  # the retention sweep's kind: not audited
    assert await details(store) == [(ANN, "leaderboard", "reset all: 2 rows")]


async def test_lines_written_for_the_dashboard_say_so_and_others_do_not(store: FactStore):
    with changes_via(DASHBOARD):
        await store.update_server_settings(GUILD, {"quiz_rounds": 5}, actor_id=ANN)
    await store.update_server_settings(GUILD, {"quiz_rounds": 6}, actor_id=ANN)
    assert await details(store) == [
        (ANN, "setting", "quiz_rounds: 5 → 6"),
        (ANN, "setting", "quiz_rounds: 10 → 5 (via dashboard)"),
    ]
