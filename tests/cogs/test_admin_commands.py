"""Behaviour tests: data control commands (packs, forgetme, leaderboard reset, export, retention) on simcord."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.app.client import MythOrFactBot
from bot.core.admin import MAX_UPLOAD_BYTES, UploadRefused
from bot.core.errors import MythOrFactError
from bot.core.scores import ALL_TIME, week_key
from cogs.utils.checks import NotModerator
from tests.conftest import on_every_backend
from tests.helpers import BAD_ITEM, expect_errors, item_toml, make_config, pack_toml, round_record

RETENTION_DAYS = 1
REFUSAL = "You need the **Manage Server** permission to do that. Nothing was changed."
MODERATOR_COMMANDS = ("pack", "export", "leaderboard-reset")


@pytest.fixture
def simcord_bot(store):
    """The real bot over the test store, keeping a departed server's data for one day."""
    return MythOrFactBot(make_config(data_retention_days=RETENTION_DAYS), store)


@pytest.fixture
def world(simcord_env):
    """A server with a channel, a moderator (Manage Server), a plain member, and the bot owner (who syncs)."""
    guild = simcord_env.create_guild(name="Trivia Club")
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[admins])
    member = guild.add_member(simcord_env.create_user("alice"))
    owner = guild.add_member(simcord_env.create_user("owner"))
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, mod, member, owner


@pytest.fixture
async def synced(world):
    """The same world after the owner has published the slash commands to the server."""
    guild, channel, mod, member, owner = world
    await owner.send(channel, "!sync")
    assert channel.last_message.content.startswith("Synced ")
    return world


def allow_for(env, guild, name: str, member) -> None:
    """Let ``member`` see a slash command Discord hides from them (as a server's Integrations settings can)."""
    command = env.backend.find_command(name, guild.id)
    guild.set_command_permissions(int(command["id"]), {member: True})


def week_now() -> str:
    return week_key(discord.utils.utcnow())


async def seed_scores(store, guild_id: int, *players: tuple[int, int]) -> None:
    await store.record_round(round_record(guild_id, f"seed-{guild_id}-{players}", *players), week_now())


# -- pack import, list, remove -----------------------------------------------------------------------


async def test_pack_import_prefix_with_a_valid_attachment(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await mod.send(channel, "!pack import", attachments=[("club.toml", pack_toml())])
    reply = channel.last_message.content
    assert reply.startswith("Imported **Club pack** (`club`) for this server: 2 added, 0 updated, 0 unchanged.")
    await member.send(channel, "!fact local")
    assert channel.last_message.embeds[0].footer.text.split("id ")[1] in {"club/first", "club/second"}
    [entry] = await store.audit_history(guild.id)
    assert (entry.user_id, entry.action) == (mod.id, "pack")
    assert entry.detail.startswith("imported club (2 items) from club.toml")
    await mod.send(channel, "!pack import", attachments=[("club.toml", pack_toml("club", item_toml("first")))])
    assert "0 added, 0 updated, 1 unchanged, 1 retired" in channel.last_message.content, "re-import updates"


async def test_pack_import_of_an_invalid_file_lists_problems_and_imports_nothing(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    data = pack_toml("club", item_toml("first"), BAD_ITEM)
    await mod.send(channel, "!pack import", attachments=[("club.toml", data)])
    reply = channel.last_message
    assert reply.content.startswith("`club.toml` has 3 problems, so nothing was imported.")
    assert "club.toml, item #2 (broken), field 'difficulty': 7 must be 1, 2 or 3" in reply.content
    assert "import again with `partial`" in reply.content
    assert reply.attachments == []
    assert await store.server_packs(guild.id) == []
    assert await store.audit_history(guild.id) == []


async def test_pack_import_partial_imports_the_valid_items_and_lists_the_rest(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    data = pack_toml("club", item_toml("first"), BAD_ITEM, item_toml("third"))
    await mod.send(channel, "!pack import partial", attachments=[("club.toml", data)])
    reply = channel.last_message.content
    assert "2 added" in reply
    assert "Left out 1 item with problems:" in reply and "item #2 (broken), field 'difficulty'" in reply
    [pack] = await store.server_packs(guild.id)
    assert (pack.id, pack.items) == ("club", 2)


async def test_a_long_problem_list_is_clipped_and_attached_in_full(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    broken = [BAD_ITEM.replace('"broken"', f'"broken-{n}"') for n in range(40)]
    await mod.send(channel, "!pack import", attachments=[("club.toml", pack_toml("club", *broken))])
    reply = channel.last_message
    assert len(reply.content) <= 2000
    assert "more: the full list is attached." in reply.content
    [attachment] = reply.attachments
    assert attachment.filename == "problems.txt"
    assert (await attachment.read()).decode().count("\n") == 120
    assert await store.server_packs(guild.id) == []


async def test_a_red_trivia_list_is_converted_and_imported(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    red = b"AUTHOR: Club\nWhat is the capital of France?:\n- Paris\nHow many legs does a spider have?:\n- 8\n"
    await mod.send(channel, "!pack import", attachments=[("Capitals Quiz.yaml", red)])
    assert channel.last_message.content.startswith("Imported **Capitals Quiz** (`capitals-quiz`)")
    assert (await store.server_packs(guild.id))[0].items == 2


async def test_oversized_and_unknown_files_are_refused_before_download(simcord_env, world, store, monkeypatch):
    guild, channel, mod, member, owner = world

    async def no_download(self) -> bytes:
        raise AssertionError("the file must not be downloaded")

    monkeypatch.setattr(discord.Attachment, "read", no_download)
    await mod.send(channel, "!pack import", attachments=[("club.toml", b"#" * (MAX_UPLOAD_BYTES + 1))])
    assert "may be at most 256 KB" in channel.last_message.content
    await mod.send(channel, "!pack import", attachments=[("club.txt", b"hello")])
    assert "is not a pack I can read" in channel.last_message.content
    await mod.send(channel, "!pack import")
    assert channel.last_message.content.startswith("Attach the pack file")
    expect_errors(simcord_env, UploadRefused, UploadRefused, MythOrFactError)


async def test_shipped_pack_ids_cannot_be_uploaded(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await mod.send(channel, "!pack import", attachments=[("sample.toml", pack_toml("sample"))])
    assert "belongs to a pack that ships with the bot" in channel.last_message.content
    expect_errors(simcord_env, UploadRefused)


async def test_pack_commands_are_refused_for_a_plain_member_prefix(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    for command in ("!pack import", "!pack list", "!pack remove club", "!pack"):
        await member.send(channel, command, attachments=[("club.toml", pack_toml())])
        assert channel.last_message.content == REFUSAL
    expect_errors(simcord_env, *[NotModerator] * 4)
    assert await store.server_packs(guild.id) == []


async def test_pack_slash_import_list_remove_by_a_moderator(simcord_env, synced, store):
    guild, channel, mod, member, owner = synced
    result = await mod.slash(channel, "pack import", file=("club.toml", pack_toml()))
    callbacks = [request for request in simcord_env.http_requests if request.path.endswith("/callback")]
    assert callbacks[-1].json["type"] == 5, "deferred first"
    assert result.ephemeral
    reply = [result.response, *result.followups][-1]
    assert reply.content.startswith("Imported **Club pack** (`club`)")
    listed = await mod.slash(channel, "pack list")
    assert listed.ephemeral
    fields = {field.name: field.value for field in listed.response.embeds[0].fields}
    assert fields["This server's packs"] == "**Club pack** (`club`): 2 items"
    assert "**Sample** (`sample`): 7 items" in fields["Shipped packs"]
    removed = await mod.slash(channel, "pack remove", id="club")
    assert removed.response.content.startswith("Removed the pack `club`: 2 items are no longer served here.")
    assert await store.server_packs(guild.id) == []
    assert (await store.audit_history(guild.id))[0].detail == "removed club (2 items)"


async def test_pack_slash_import_invalid_and_partial(simcord_env, synced, store):
    guild, channel, mod, member, owner = synced
    data = pack_toml("club", item_toml("first"), BAD_ITEM)
    refused = await mod.slash(channel, "pack import", file=("club.toml", data))
    reply = [refused.response, *refused.followups][-1]
    assert refused.ephemeral and "nothing was imported" in reply.content
    assert await store.server_packs(guild.id) == []
    kept = await mod.slash(channel, "pack import", file=("club.toml", data), partial=True)
    assert "Left out 1 item with problems" in [kept.response, *kept.followups][-1].content
    assert (await store.server_packs(guild.id))[0].items == 1


async def test_moderator_slash_commands_are_hidden_from_members_and_refused_server_side(simcord_env, synced, store):
    guild, channel, mod, member, owner = synced
    visible = set(member.available_commands(channel))
    assert "forgetme" in visible
    assert not any(name.split()[0] in MODERATOR_COMMANDS for name in visible)
    assert {"pack import", "export", "leaderboard-reset"} <= set(mod.available_commands(channel))
    await seed_scores(store, guild.id, (member.id, 10))
    for root, invocation, options in (
        ("pack", "pack import", {"file": ("club.toml", pack_toml())}),
        ("export", "export", {}),
        ("leaderboard-reset", "leaderboard-reset", {}),
    ):
        allow_for(simcord_env, guild, root, member)
        result = await member.slash(channel, invocation, **options)
        assert result.ephemeral
        assert [result.response, *result.followups][-1].content == REFUSAL
        expect_errors(simcord_env, NotModerator)
    assert await store.server_packs(guild.id) == []
    assert await store.count_players(guild.id, ALL_TIME) == 1
    assert await store.audit_history(guild.id) == []


# -- forgetme ----------------------------------------------------------------------------------------


async def test_forgetme_prefix_confirm_cancel_and_only_the_member_can_press(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await seed_scores(store, guild.id, (member.id, 30), (mod.id, 10))
    await member.send(channel, "!forgetme")
    prompt = channel.last_message
    assert "This deletes your data in **Trivia Club**" in prompt.content
    assert "Custom facts you were credited for stay, but without your name" in prompt.content
    stranger = await mod.click(prompt, label="Delete my data")
    assert stranger.ephemeral and stranger.response.content.startswith("These buttons belong to the member")
    assert await store.member_rank(guild.id, ALL_TIME, member.id) is not None
    cancel = await member.click(prompt, label="Cancel")
    assert cancel.response.content == "Cancelled. Nothing was changed."
    assert await store.member_rank(guild.id, ALL_TIME, member.id) is not None
    await member.send(channel, "!forgetme")
    confirm = await member.click(channel.last_message, label="Delete my data")
    assert confirm.response.content == "Done. I deleted your data in this server: 2 leaderboard entries."
    assert await store.member_rank(guild.id, ALL_TIME, member.id) is None
    assert (await store.member_rank(guild.id, ALL_TIME, mod.id)).position == 1, "others keep their scores"
    await member.send(channel, "!forgetme")
    again = await member.click(channel.last_message, label="Delete my data")
    assert again.response.content == "Done. There was no data of yours left to delete in this server."


async def test_forgetme_slash_is_private_and_expires(simcord_env, synced, store):
    guild, channel, mod, member, owner = synced
    await seed_scores(store, guild.id, (member.id, 30))
    result = await member.slash(channel, "forgetme")
    assert result.ephemeral
    await simcord_env.advance_time(301)
    late = await member.click(result.response, label="Delete my data")
    assert late.response.content.startswith("This confirmation has expired")
    assert await store.member_rank(guild.id, ALL_TIME, member.id) is not None
    result = await member.slash(channel, "forgetme")
    confirm = await member.click(result.response, label="Delete my data")
    assert confirm.response.content.startswith("Done. I deleted your data")
    assert await store.count_players(guild.id, ALL_TIME) == 0


# -- leaderboard reset -------------------------------------------------------------------------------


async def test_leaderboard_reset_week_via_the_prefix_leaderboard_command(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await seed_scores(store, guild.id, (member.id, 30), (mod.id, 10))
    await mod.send(channel, "!leaderboard reset week")
    prompt = channel.last_message
    assert prompt.content.startswith(f"Reset the leaderboard of week {week_now()} of this server? 2 players")
    assert await store.count_players(guild.id, week_now()) == 2, "nothing happens before the button"
    done = await mod.click(prompt, label="Reset it")
    assert done.response.content == f"Done: the leaderboard of week {week_now()} is empty again (2 players removed)."
    assert await store.count_players(guild.id, week_now()) == 0
    assert await store.count_players(guild.id, ALL_TIME) == 2, "the all-time leaderboard stays"
    [entry] = await store.audit_history(guild.id)
    assert (entry.action, entry.detail) == ("leaderboard", f"reset {week_now()}: 2 rows")
    await member.send(channel, "!leaderboard week 1")
    assert channel.last_message.embeds[0].title.startswith("Leaderboard · Trivia Club · Week"), "routing leaves it be"


async def test_leaderboard_reset_refused_for_a_member_and_cancel_changes_nothing(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await seed_scores(store, guild.id, (member.id, 30))
    await member.send(channel, "!leaderboard reset all")
    assert channel.last_message.content == REFUSAL
    await member.send(channel, "!leaderboard-reset")
    assert channel.last_message.content == REFUSAL
    expect_errors(simcord_env, NotModerator, NotModerator)
    await mod.send(channel, "!leaderboard reset")
    prompt = channel.last_message
    assert prompt.content.startswith("Reset the all-time leaderboard")
    other = await member.click(prompt, label="Reset it")
    assert other.response.content.startswith("These buttons belong to the member")
    await mod.click(prompt, label="Cancel")
    assert await store.count_players(guild.id, ALL_TIME) == 1
    await mod.send(channel, "!leaderboard reset month")
    assert "is not a leaderboard" in channel.last_message.content
    expect_errors(simcord_env, MythOrFactError)


async def test_leaderboard_reset_slash_by_a_moderator(simcord_env, synced, store):
    guild, channel, mod, member, owner = synced
    await seed_scores(store, guild.id, (member.id, 30))
    result = await mod.slash(channel, "leaderboard-reset", period="all")
    assert result.ephemeral and result.response.content.startswith("Reset the all-time leaderboard")
    done = await mod.click(result.response, label="Reset it")
    assert done.response.content.startswith("Done: the all-time leaderboard is empty again")
    assert await store.count_players(guild.id, ALL_TIME) == 0
    assert await store.count_players(guild.id, week_now()) == 1
    empty = await mod.slash(channel, "leaderboard-reset", period="all")
    assert empty.response.content == "The all-time leaderboard is already empty; nothing to reset."


# -- export ------------------------------------------------------------------------------------------


@on_every_backend
async def test_export_slash_is_an_ephemeral_json_attachment(simcord_env, synced, store):
    guild, channel, mod, member, owner = synced
    await seed_scores(store, guild.id, (member.id, 30))
    result = await mod.slash(channel, "export")
    reply = [result.response, *result.followups][-1]
    assert result.ephemeral
    [attachment] = reply.attachments
    assert attachment.filename.endswith(".json")
    document = json.loads(await attachment.read())
    assert document["guild_id"] == str(guild.id), "Discord ids are strings, which JavaScript cannot round"
    assert {"settings", "scores", "audit_log", "items"} <= set(document["sections"])
    assert [row["user_id"] for row in document["sections"]["scores"]] == [str(member.id), str(member.id)]
    assert f"({len(await attachment.read()) / 1024:,.1f} KB)" in reply.content
    [entry] = await store.audit_history(guild.id)
    assert entry.action == "export"


async def test_export_prefix_arrives_by_dm(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await mod.send(channel, "!export")
    assert channel.last_message.content.startswith("I sent you the export by DM (")
    dm = mod.user.dm_channel.last_message
    [attachment] = dm.attachments
    assert json.loads(await attachment.read())["sections"]["packs"] == []


async def test_export_prefix_with_closed_dms_says_so(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    dm_channel = mod.user.dm_channel
    simcord_env.inject_error("POST", f"/channels/{dm_channel.id}/messages", status=403, code=50007)
    await mod.send(channel, "!export")
    assert "your DMs are closed to me" in channel.last_message.content
    assert "/export" in channel.last_message.content
    expect_errors(simcord_env, MythOrFactError)


async def test_export_refused_for_a_plain_member(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await member.send(channel, "!export")
    assert channel.last_message.content == REFUSAL
    assert member.user.dm_channel.last_message is None
    expect_errors(simcord_env, NotModerator)


# -- retention ---------------------------------------------------------------------------------------

DAY = 24 * 3600
SWEEP_HOURS = 6


async def test_data_of_a_server_the_bot_left_is_deleted_after_the_retention_period(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await seed_scores(store, guild.id, (member.id, 30))
    await mod.send(channel, "!pack import", attachments=[("club.toml", pack_toml())])
    other = simcord_env.create_guild(name="Other")
    await seed_scores(store, other.id, (member.id, 5))
    await simcord_env.bot.get_guild(guild.id).leave()
    await simcord_env.settle()
    await simcord_env.advance_time(RETENTION_DAYS * DAY - 60)
    assert await store.count_players(guild.id, ALL_TIME) == 1, "kept during the retention period"
    await simcord_env.advance_time(SWEEP_HOURS * 3600)
    assert await store.count_players(guild.id, ALL_TIME) == 0
    assert await store.server_packs(guild.id) == []
    assert await store.audit_history(guild.id) == []
    assert await store.count_players(other.id, ALL_TIME) == 1, "servers the bot is in are untouched"


async def test_a_server_that_adds_the_bot_back_keeps_its_data(simcord_env, world, store):
    returning_id = 4242 << 22
    await seed_scores(store, returning_id, (1, 30))
    await store.mark_departed(returning_id, discord.utils.utcnow())
    simcord_env.create_guild(name="Back again", id=returning_id)  # GUILD_CREATE: on_guild_join
    await simcord_env.settle()
    await simcord_env.advance_time(RETENTION_DAYS * DAY + SWEEP_HOURS * 3600)
    assert await store.count_players(returning_id, ALL_TIME) == 1


async def test_servers_the_bot_is_in_at_start_up_keep_their_data(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await seed_scores(store, guild.id, (member.id, 30))
    await store.mark_departed(guild.id, discord.utils.utcnow())  # e.g. removed, then added back while offline
    await simcord_env.restart_bot(MythOrFactBot(make_config(data_retention_days=RETENTION_DAYS), store))
    await simcord_env.advance_time(RETENTION_DAYS * DAY + SWEEP_HOURS * 3600)
    assert await store.count_players(guild.id, ALL_TIME) == 1


async def test_sweep_prunes_weekly_boards_older_than_four_weeks(simcord_env, world, store, caplog):
    guild, channel, mod, member, owner = world
    now = discord.utils.utcnow()
    weeks = [week_key(now - timedelta(weeks=back)) for back in range(7)]
    for back, week in enumerate(weeks):
        await store.record_round(round_record(guild.id, f"week-{back}", (member.id, 10)), week)
    cog = simcord_env.bot.get_cog("Admin")
    with caplog.at_level(logging.INFO):
        await cog.sweep()
    assert [await store.count_players(guild.id, week) for week in weeks] == [1, 1, 1, 1, 1, 0, 0]
    assert (await store.member_rank(guild.id, ALL_TIME, member.id)).rounds == 7
    assert f"2 weekly score rows from before {weeks[4]}" in caplog.text


async def test_sweep_uses_the_configured_retention(simcord_env, world, store):
    guild, channel, mod, member, owner = world
    await seed_scores(store, guild.id, (member.id, 30))
    await store.mark_departed(guild.id + 1, datetime(2000, 1, 1, tzinfo=UTC))
    await seed_scores(store, guild.id + 1, (member.id, 30))
    cog = simcord_env.bot.get_cog("Admin")
    [report] = await cog.sweep()
    assert report.guild_id == guild.id + 1 and report.rows["scores"] == 2
    assert await store.count_players(guild.id, ALL_TIME) == 1
