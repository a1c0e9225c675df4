"""Unit tests for data control: uploaded packs, forget-me, leaderboard resets, exports and retention."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.app.config import load_config
from bot.core.admin import (
    DISCORD_ID_FIELDS,
    MAX_UPLOAD_BYTES,
    WEEKS_KEPT,
    ForgetReport,
    UnknownServerPack,
    UploadRefused,
    build_export,
    check_upload_size,
    list_problems,
    oldest_week_kept,
    parse_upload,
    resolve_period,
)
from bot.core.content import FactDraft, check_draft
from bot.core.daily import DailySchedule, PostStatus
from bot.core.errors import MythOrFactError, UnknownItem, UnknownTopic
from bot.core.i18n import using
from bot.core.packs import PackProblem, Source
from bot.core.rewards import RewardKind, RoleGrant, RoleReward
from bot.core.scores import ALL_TIME
from bot.storage import shared
from bot.storage.base import FactStore
from tests.conftest import RawSql
from tests.helpers import BAD_ITEM, FAKE_TOKEN, TESTS_DIR, item_toml, pack_toml, round_record

IMPORTS = TESTS_DIR / "data" / "import"
GUILD, OTHER_GUILD = 1001, 2002
ANN, BEN = 11, 22
ROLE = 77
WEEK = "2026-W48"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


# -- parsing uploads ---------------------------------------------------------------------------------


def test_a_valid_toml_upload_becomes_a_pack():
    upload = parse_upload(pack_toml(), "club.toml")
    assert upload.pack.id == "club"
    assert [item.id for item in upload.pack.items] == ["first", "second"]
    assert upload.rejected == [] and upload.source_format == "toml"


def test_one_bad_item_refuses_the_whole_file_and_names_file_item_and_field():
    data = pack_toml("club", item_toml("first"), BAD_ITEM, item_toml("third"))
    with pytest.raises(UploadRefused) as info:
        parse_upload(data, "club.toml")
    problems = info.value.problems
    assert {(p.file, p.item, p.field) for p in problems} == {
        ("club.toml", "#2 (broken)", "claim"),
        ("club.toml", "#2 (broken)", "truth"),
        ("club.toml", "#2 (broken)", "difficulty"),
    }
    assert "nothing was imported" in str(info.value)


def test_partial_keeps_the_valid_items_and_lists_the_rest():
    data = pack_toml("club", item_toml("first"), BAD_ITEM, item_toml("first"), item_toml("third"))
    upload = parse_upload(data, "club.toml", partial=True)
    assert [item.id for item in upload.pack.items] == ["first", "third"]
    assert {p.item for p in upload.rejected} == {"#2 (broken)", "#3"}, "the bad item and the duplicate id"


def test_partial_does_not_paper_over_a_broken_pack_table():
    data = pack_toml("Not A Slug", item_toml("first"), BAD_ITEM)
    with pytest.raises(UploadRefused) as info:
        parse_upload(data, "club.toml", partial=True)
    assert any(p.item == "[pack]" and p.field == "id" for p in info.value.problems)


def test_partial_with_no_valid_item_imports_nothing():
    with pytest.raises(UploadRefused, match="no valid item"):
        parse_upload(pack_toml("club", BAD_ITEM), "club.toml", partial=True)


def test_size_limit_on_the_announced_size_and_on_the_bytes():
    check_upload_size(MAX_UPLOAD_BYTES)
    with pytest.raises(UploadRefused, match="at most 256 KB"):
        check_upload_size(MAX_UPLOAD_BYTES + 1)
    padded = pack_toml() + b"#" * MAX_UPLOAD_BYTES
    with pytest.raises(UploadRefused, match="at most 256 KB"):
        parse_upload(padded, "club.toml")


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("club.toml", b"[pack\nid = 1", "is not valid TOML"),
        ("club.toml", b"\xff\xfe", "is not UTF-8 text"),
        ("not_yaml.yaml", (IMPORTS / "not_yaml.yaml").read_bytes(), "is not valid YAML"),
        ("not_json.json", (IMPORTS / "not_json.json").read_bytes(), "is not valid JSON"),
    ],
)
def test_unreadable_files_give_one_problem_for_the_file(name, data, fragment):
    with pytest.raises(UploadRefused) as info:
        parse_upload(data, name, partial=True)
    [problem] = info.value.problems
    assert problem.file == name and problem.item is None
    assert fragment in problem.message


def test_unknown_extension_is_refused_before_reading():
    with pytest.raises(UploadRefused, match="not a pack I can read"):
        parse_upload(b"anything", "notes.txt")


@pytest.mark.parametrize(
    ("name", "kind", "kept", "skipped"), [("red_sample.yaml", "red", 5, 6), ("opentdb_sample.json", "opentdb", 4, 3)]
)
def test_red_and_opentdb_lists_are_all_or_nothing_too(name, kind, kept, skipped):
    data = (IMPORTS / name).read_bytes()
    with pytest.raises(UploadRefused) as info:
        parse_upload(data, name)
    assert len(info.value.problems) == skipped
    assert all(p.file == name and p.item.startswith("'") for p in info.value.problems), "each names its question"
    upload = parse_upload(data, name, partial=True)
    assert upload.source_format == kind
    assert len(upload.pack.items) == kept and len(upload.rejected) == skipped


def test_problem_listing_fits_a_message_and_attaches_the_rest():
    problems = [PackProblem("club.toml", f"problem number {n} with a `backtick`", f"#{n}", "claim") for n in range(200)]
    listing = list_problems("Header.", problems, limit=2000)
    assert len(listing.text) <= 2000
    assert listing.text.startswith("Header.\n```text\n")
    assert "more: the full list is attached" in listing.text
    assert listing.full_list is not None and listing.full_list.count("\n") == 200
    assert "`backtick`" not in listing.text.split("```text", 1)[1].rsplit("```", 1)[0]
    short = list_problems("Header.", problems[:2])
    assert short.full_list is None and short.text.endswith("```")


# -- server packs in the store -----------------------------------------------------------------------


async def test_an_imported_pack_is_served_to_its_server_only(store: FactStore):
    pack = parse_upload(pack_toml(), "club.toml").pack
    report = await store.import_server_pack(GUILD, pack)
    assert report.added == 2
    rng = random.Random(1)
    served = {(await store.pick_item(GUILD, "fact", "local", rng)).ref for _ in range(2)}
    assert served == {"club/first", "club/second"}
    with pytest.raises(UnknownTopic, match="local"):
        await store.pick_item(OTHER_GUILD, "fact", "local", rng)
    assert (await store.get_item("club/first", GUILD)).pack_id == "club"
    with pytest.raises(UnknownItem):
        await store.get_item("club/first", OTHER_GUILD)
    assert [p.id for p in await store.server_packs(GUILD)] == ["club"]
    assert await store.server_packs(OTHER_GUILD) == []


async def test_reimporting_updates_the_pack_and_items_keep_their_keys(store: FactStore):
    await store.import_server_pack(GUILD, parse_upload(pack_toml(), "club.toml").pack)
    before = await store.get_item("club/first", GUILD)
    edited = pack_toml("club", item_toml("first", claim="An edited claim that is long enough."), item_toml("third"))
    report = await store.import_server_pack(GUILD, parse_upload(edited, "club.toml").pack)
    assert (report.added, report.updated, report.unchanged, report.retired) == (1, 1, 0, 1)
    after = await store.get_item("club/first", GUILD)
    assert after.pk == before.pk and after.claim == "An edited claim that is long enough."
    with pytest.raises(UnknownItem):
        await store.get_item("club/second", GUILD)
    [summary] = await store.server_packs(GUILD)
    assert summary.items == 2


async def test_shipped_and_reserved_pack_ids_are_refused(store: FactStore):
    for pack_id, fragment in (("sample", "ships with the bot"), ("custom", "reserved")):
        pack = parse_upload(pack_toml(pack_id), f"{pack_id}.toml").pack
        with pytest.raises(UploadRefused, match=fragment):
            await store.import_server_pack(GUILD, pack)
    assert await store.server_packs(GUILD) == []


async def test_two_servers_can_upload_the_same_pack_id(store: FactStore):
    pack = parse_upload(pack_toml(), "club.toml").pack
    await store.import_server_pack(GUILD, pack)
    await store.import_server_pack(OTHER_GUILD, pack)
    first, other = await store.get_item("club/first", GUILD), await store.get_item("club/first", OTHER_GUILD)
    assert first.pk != other.pk


async def test_removing_a_server_pack_retires_its_items(store: FactStore):
    await store.import_server_pack(GUILD, parse_upload(pack_toml(), "club.toml").pack)
    assert await store.remove_server_pack(GUILD, "club") == 2
    assert await store.server_packs(GUILD) == []
    with pytest.raises(UnknownItem):
        await store.get_item("club/first", GUILD)
    with pytest.raises(UnknownServerPack):
        await store.remove_server_pack(GUILD, "club")
    with pytest.raises(UnknownServerPack):  # a shipped pack is not the server's to remove
        await store.remove_server_pack(GUILD, "sample")
    await store.import_server_pack(GUILD, parse_upload(pack_toml(), "club.toml").pack)
    assert (await store.server_packs(GUILD))[0].items == 2, "importing again brings it back"


# -- forgetting a member -----------------------------------------------------------------------------


DRAFT = FactDraft("fact", "A custom fact that Ann wrote for the club.", "It is true, and long enough to pass.",
                  "animals", Source("Ann's notes", "https://example.org/ann"))  # fmt: skip
DAY = date(2026, 11, 26)


async def seed_member_data(store: FactStore) -> int:
    """Give ANN and BEN data in GUILD, and ANN data in OTHER_GUILD; return the pk of ANN's custom fact.

    Each of them has scores, a daily answer and streak, a pending and an approved suggestion (which made a custom
    fact credited to them), a reward role the bot gave, and ANN and BEN have disputes.
    """
    await store.record_round(round_record(GUILD, "r1", (ANN, 30), (BEN, 10)), WEEK)
    await store.record_round(round_record(OTHER_GUILD, "r2", (ANN, 20)), WEEK)
    for guild in (GUILD, OTHER_GUILD):
        await store.add_dispute(guild, 1, ANN, "The source says otherwise.", NOW)
    await store.add_dispute(GUILD, 2, BEN, "Ambiguous wording here.", NOW)
    fact = await store.add_custom_fact(GUILD, DRAFT, ANN, NOW)
    for guild, user in ((GUILD, ANN), (GUILD, BEN), (OTHER_GUILD, ANN)):
        await store.record_daily_answer(guild, DAY, user, False, 0, NOW, WEEK)
        approved = await store.add_suggestion(guild, user, DRAFT, 5, NOW)
        await store.add_suggestion(guild, user, DRAFT, 5, NOW)
        await store.review_suggestion(guild, approved.id, "approve", BEN, NOW)
        await store.set_role_reward(RoleReward(guild, ROLE, RewardKind.POINTS, 5))
        await store.record_role_grant(RoleGrant(guild, ROLE, user), NOW)
    return fact.item.pk


async def count(raw_sql: RawSql, sql: str, *params: object) -> int:
    return (await raw_sql(sql, *params))[0][0]


async def test_forget_deletes_exactly_that_members_data_in_that_server(store: FactStore, raw_sql: RawSql):
    custom_pk = await seed_member_data(store)
    report = await store.forget_member_data(GUILD, ANN)
    assert report == ForgetReport(
        scores=2,
        daily_answers=1,
        daily_streaks=1,
        role_grants=1,
        disputes=1,
        suggestions_deleted=1,
        suggestions_anonymised=1,
        credits_cleared=2,
    )
    for table in ("scores", "daily_answers", "daily_streaks", "role_grants", "disputes", "suggestions"):
        assert await count(raw_sql, f"SELECT COUNT(*) FROM {table} WHERE guild_id = ? AND user_id = ?", GUILD, ANN) == 0
        assert await count(raw_sql, f"SELECT COUNT(*) FROM {table} WHERE guild_id = ? AND user_id = ?", GUILD, BEN) > 0
        other = f"SELECT COUNT(*) FROM {table} WHERE guild_id = ? AND user_id = ?"
        assert await count(raw_sql, other, OTHER_GUILD, ANN) > 0, f"{table} of the other server is untouched"
    assert await count(raw_sql, "SELECT COUNT(*) FROM suggestions WHERE guild_id = ? AND user_id = 0", GUILD) == 1
    fact = await store.get_item_by_pk(custom_pk)
    assert fact is not None, "the credited fact stays"
    credited = "SELECT COUNT(*) FROM items WHERE guild_id = ? AND author_id = ?"
    assert await count(raw_sql, credited, GUILD, ANN) == 0
    assert await count(raw_sql, credited, OTHER_GUILD, ANN) == 1, "credits in the other server stay"
    # Ranks follow: Ben is now first of one player, in both periods.
    for period in (ALL_TIME, WEEK):
        assert await store.count_players(GUILD, period) == 1
        ben = await store.member_rank(GUILD, period, BEN)
        assert ben is not None and ben.position == 1
        assert await store.member_rank(GUILD, period, ANN) is None
    assert (await store.member_rank(OTHER_GUILD, ALL_TIME, ANN)).points == 20
    again = await store.forget_member_data(GUILD, ANN)
    assert again.total == 0, "forgetting twice changes nothing more"


# -- leaderboard resets ------------------------------------------------------------------------------


def test_periods_resolve_from_words_and_week_keys():
    assert resolve_period("all", NOW) == ALL_TIME
    assert resolve_period(" Week ", NOW) == WEEK
    assert resolve_period("2026-w01", NOW) == "2026-W01"
    for bad in ("month", "2026-W54", ""):
        with pytest.raises(MythOrFactError, match="is not a leaderboard"):
            resolve_period(bad, NOW)


async def test_reset_deletes_one_leaderboard_of_one_server(store: FactStore, raw_sql: RawSql):
    await store.record_round(round_record(GUILD, "r1", (ANN, 30), (BEN, 10)), WEEK)
    await store.record_round(round_record(GUILD, "r2", (ANN, 10)), "2026-W49")
    await store.record_round(round_record(OTHER_GUILD, "r3", (ANN, 20)), WEEK)
    assert await store.reset_leaderboard(GUILD, WEEK) == 2
    assert await store.count_players(GUILD, WEEK) == 0
    assert await store.top_scores(GUILD, WEEK) == []
    assert await store.count_players(GUILD, "2026-W49") == 1
    assert await store.count_players(GUILD, ALL_TIME) == 2
    assert (await store.member_rank(GUILD, ALL_TIME, BEN)).position == 2
    assert await store.count_players(OTHER_GUILD, WEEK) == 1
    assert await count(raw_sql, "SELECT COUNT(*) FROM rank_buckets WHERE guild_id = ? AND period = ?", GUILD, WEEK) == 0


def test_the_sweep_keeps_the_current_week_and_the_four_before_it():
    assert WEEKS_KEPT == 4
    thursday = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # in 2026-W48
    assert oldest_week_kept(thursday) == "2026-W44"
    assert oldest_week_kept(datetime(2027, 1, 7, tzinfo=UTC)) == "2026-W50", "across the new year (2026 has 53 weeks)"


async def test_pruning_deletes_old_weekly_boards_of_every_server_and_nothing_else(
    store: FactStore, raw_sql: RawSql, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(shared, "PRUNE_BATCH", 3)  # more rows than one batch per board
    crowd = [(user, 10) for user in range(500, 507)]
    await store.record_round(round_record(GUILD, "old", *crowd, (ANN, 30)), "2026-W40")
    await store.record_round(round_record(GUILD, "older", (BEN, 10)), "2025-W52")
    await store.record_round(round_record(OTHER_GUILD, "other", (ANN, 20)), "2026-W43")
    await store.record_round(round_record(GUILD, "kept", (ANN, 10)), "2026-W44")
    await store.record_round(round_record(OTHER_GUILD, "now", (BEN, 10)), WEEK)

    assert await store.prune_weeks("2026-W44") == 8 + 1 + 1
    for guild, week in ((GUILD, "2026-W40"), (GUILD, "2025-W52"), (OTHER_GUILD, "2026-W43")):
        assert await store.count_players(guild, week) == 0
        assert await store.top_scores(guild, week) == []
    assert await store.count_players(GUILD, "2026-W44") == 1
    assert await store.count_players(OTHER_GUILD, WEEK) == 1
    assert await store.count_players(GUILD, ALL_TIME) == 9, "all-time boards are never pruned"
    assert (await store.member_rank(GUILD, ALL_TIME, ANN)).points == 40
    old = "SELECT COUNT(*) FROM rank_buckets WHERE period <> 'all' AND period < '2026-W44'"
    assert await count(raw_sql, old) == 0, "the position counts of pruned boards went with them"
    assert await store.prune_weeks("2026-W44") == 0, "running it again is harmless"
    with pytest.raises(ValueError, match="week key"):
        await store.prune_weeks(ALL_TIME)


# -- export ------------------------------------------------------------------------------------------

EXPORT_SECTIONS = {
    "settings", "packs", "items", "scores", "daily_schedule", "daily_posts", "daily_streaks", "suggestions",
    "hidden_items", "disputes", "review_items", "review_members", "audit_log", "global_board", "global_board_parts",
    "global_names",
    "role_rewards", "role_grants", "teams", "team_quizzes",
}  # fmt: skip


async def test_export_holds_every_section_and_round_trips_as_json(store: FactStore):
    await seed_member_data(store)
    await store.import_server_pack(GUILD, parse_upload(pack_toml(), "club.toml").pack)
    first = await store.get_item("club/first", GUILD)
    await store.hide_item(GUILD, first.pk, BEN, NOW)
    await store.set_daily_schedule(DailySchedule(GUILD, 5, time(9, 0), "UTC", None, NOW))
    await store.update_server_settings(GUILD, {"quiz_rounds": 5}, actor_id=BEN)
    export = build_export(GUILD, await store.export_sections(GUILD), NOW)
    document = json.loads(export.data)
    sections = document["sections"]
    assert set(sections) == EXPORT_SECTIONS
    assert document["guild_id"] == str(GUILD) and export.truncated == {} and document["version"] == 2
    assert sections["settings"]["quiz_rounds"] == 5
    assert {p["id"] for p in sections["packs"]} == {"custom", "club"}, "pack ids without the server part"
    assert {(i["pack_id"], i["item_id"]) for i in sections["items"]} >= {("club", "first"), ("custom", "1")}
    assert sections["items"][0]["tags"] == [], "list columns are decoded"
    assert {(s["period"], s["user_id"]) for s in sections["scores"]} == {
        (ALL_TIME, str(ANN)), (ALL_TIME, str(BEN)), (WEEK, str(ANN)), (WEEK, str(BEN)),
    }  # fmt: skip
    assert sections["scores"][0]["period"] == ALL_TIME and sections["scores"][0]["user_id"] == str(ANN)
    assert [row["channel_id"] for row in sections["daily_schedule"]] == ["5"]
    assert len(sections["suggestions"]) == 4 and len(sections["daily_streaks"]) == 2
    assert sections["hidden_items"][0]["item_id"] == "first"
    assert {d["user_id"] for d in sections["disputes"]} == {str(ANN), str(BEN)}
    assert sections["audit_log"][0]["detail"].startswith("quiz_rounds")
    assert all(str(OTHER_GUILD) not in json.dumps(row) for row in sections["scores"]), "no other server's data"
    assert export.filename.endswith(".json") and str(GUILD) in export.filename


def discord_ids_in(value, key=None):
    """Yield every (field, value) of an export document whose field holds Discord ids."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from discord_ids_in(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from discord_ids_in(item, key)
    elif key in DISCORD_ID_FIELDS:
        yield key, value


def numbers_in(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from numbers_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from numbers_in(item)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield value


async def test_an_export_writes_every_discord_id_as_a_string(store: FactStore):
    snowflake = 1_456_074_443_980_800_001  # above 2**53: a double would round it
    user, moderator, channel, role = snowflake, snowflake + 2, snowflake + 4, snowflake + 6
    await store.add_dispute(GUILD, (await store.get_item("sample/octopus-hearts")).pk, user, "Squid too?", NOW)
    await store.hide_item(GUILD, (await store.get_item("sample/wombat-cubes")).pk, moderator, NOW)
    await store.add_custom_fact(GUILD, check_draft("fact", "A claim long enough.", "A truth long enough.", "Book", "x"),
                                moderator, NOW)  # fmt: skip
    suggestion = await store.add_suggestion(
        GUILD, user, check_draft("myth", "A claim long enough.", "A truth long enough.", "Book", "x"), 3, NOW
    )
    await store.review_suggestion(GUILD, suggestion.id, "reject", moderator, NOW)
    await store.record_round(round_record(GUILD, "r1", (user, 10)), WEEK)
    await store.set_daily_schedule(DailySchedule(GUILD, channel, time(9, 0), "UTC", None, NOW))
    await store.claim_daily_post(GUILD, NOW.date(), channel, NOW)
    await store.finish_daily_post(GUILD, NOW.date(), PostStatus.SENT, snowflake + 8)
    await store.update_server_settings(
        GUILD, {"mod_role_id": role, "log_channel_id": channel, "allowed_channels": [channel]}, actor_id=moderator
    )
    await store.set_role_reward(RoleReward(GUILD, role + 2, RewardKind.POINTS, 500))
    await store.record_role_grant(RoleGrant(GUILD, role + 2, user), NOW)
    document = json.loads(build_export(GUILD, await store.export_sections(GUILD), NOW).data)
    found = list(discord_ids_in(document))
    assert {name for name, _ in found} == DISCORD_ID_FIELDS, "every kind of id is in this export"
    assert all(isinstance(value, str) and value.isdigit() for _, value in found if value is not None), found
    assert ("message_id", str(snowflake + 8)) in found and ("allowed_channels", str(channel)) in found
    assert max(numbers_in(document)) < 2**53, "no number a JavaScript reader would round"


def test_an_export_too_big_for_the_limit_is_cut_and_says_so():
    sections = {"settings": {"prefix": ""}, "scores": [{"user_id": n, "points": n} for n in range(1000)], "packs": []}
    export = build_export(GUILD, sections, NOW, limit=4000)
    assert len(export.data) <= 4000
    document = json.loads(export.data)
    kept = len(document["sections"]["scores"])
    assert 0 < kept < 1000
    assert export.truncated == {"scores": 1000 - kept} == document["truncated"]
    assert document["sections"]["scores"][0] == {"user_id": "0", "points": 0}, "the first rows are kept"


def test_an_export_that_cannot_be_cut_to_fit_is_refused_in_the_readers_language():
    sections = {"settings": {"prefix": "!" * 5000}, "scores": [{"user_id": n, "points": n} for n in range(100)]}
    with using("fr"), pytest.raises(MythOrFactError) as refused:
        build_export(GUILD, sections, NOW, limit=4000)
    assert str(refused.value) == "L'export de ce serveur ne tient pas dans un seul fichier, même réduit."


# -- retention ---------------------------------------------------------------------------------------


GUILD_TABLES = (
    "scores", "rank_buckets", "rounds", "guild_item_stats", "near_misses", "guild_topics", "disputes", "served",
    "server_settings", "audit_log", "suggestions", "daily_schedules", "daily_posts", "daily_answers",
    "daily_streaks", "hidden_items", "departed_guilds", "role_rewards", "role_grants", "items", "packs",
)  # fmt: skip
"""Every table that holds rows of one server (tests/storage/sqlite checks the schema has no other)."""


async def guild_rows(raw_sql: RawSql, guild_id: int) -> dict[str, int]:
    """Count the rows of every per-server table that belong to ``guild_id``."""
    counts = {}
    for table in GUILD_TABLES:
        counts[table] = await count(raw_sql, f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", guild_id)
    return {table: n for table, n in counts.items() if n}


async def test_retention_deletes_a_departed_server_after_the_period_and_not_before(store: FactStore, raw_sql: RawSql):
    await seed_member_data(store)
    await store.import_server_pack(GUILD, parse_upload(pack_toml(), "club.toml").pack)
    await store.pick_item(GUILD, "fact", "local")
    await store.update_server_settings(GUILD, {"quiz_rounds": 5}, actor_id=BEN)
    await store.record_audit(GUILD, BEN, "pack", "imported club")
    await store.mark_departed(GUILD, NOW)
    await store.mark_departed(GUILD, NOW + timedelta(days=3))  # a replayed departure keeps the first time
    await store.wait_until_recorded()
    before = await guild_rows(raw_sql, GUILD)
    assert {"scores", "rank_buckets", "rounds", "served", "server_settings", "audit_log", "items", "packs"} <= set(
        before
    )
    other_before = await guild_rows(raw_sql, OTHER_GUILD)

    retention = timedelta(days=30)
    assert await store.purge_departed(NOW + timedelta(days=29, hours=23), retention) == []
    assert await guild_rows(raw_sql, GUILD) == before

    [report] = await store.purge_departed(NOW + timedelta(days=30), retention)
    assert report.guild_id == GUILD and report.left_at == NOW
    assert report.rows["items"] == 5 and report.rows["departed_guilds"] == 1  # 3 custom facts, 2 uploaded
    assert await guild_rows(raw_sql, GUILD) == {}
    assert await guild_rows(raw_sql, OTHER_GUILD) == other_before
    assert (await store.server_settings(GUILD)).quiz_rounds == 10, "the cached settings went too"
    assert [hit.ref for hit in await store.search("custom fact Ann", guild_id=GUILD)] == [], "search index is clean"
    assert await store.purge_departed(NOW + timedelta(days=60), retention) == [], "nothing left to delete"


async def test_a_server_that_came_back_keeps_its_data(store: FactStore):
    await store.record_round(round_record(GUILD, "r1", (ANN, 30)), WEEK)
    await store.mark_departed(GUILD, NOW)
    await store.mark_departed(OTHER_GUILD, NOW)
    assert await store.clear_departed([GUILD, 12345]) == 1
    reports = await store.purge_departed(NOW + timedelta(days=90), timedelta(days=30))
    assert [report.guild_id for report in reports] == [OTHER_GUILD]
    assert await store.count_players(GUILD, ALL_TIME) == 1


# -- settings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "days"), [("", 30), ("0", 0), ("90", 90), ("3650", 3650)])
def test_data_retention_days_setting(raw, days):
    assert load_config({"DISCORD_TOKEN": FAKE_TOKEN, "DATA_RETENTION_DAYS": raw}).data_retention_days == days
