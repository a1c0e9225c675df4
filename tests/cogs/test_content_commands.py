"""Behaviour tests: custom facts, suggestions and the review queue through discord.py against simcord."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.content import check_draft
from bot.core.errors import MythOrFactError, SuggestionLimit, UnknownCustomFact, UnknownItem
from bot.storage.sqlite.store import SqliteStore
from cogs.utils.checks import NotModerator
from tests.conftest import on_every_backend
from tests.helpers import expect_errors, make_config

REFUSED = "You need the **Manage Server** permission to do that. Nothing was changed."
FORM = {
    "claim": "Honey found in ancient tombs is still edible.",
    "truth": "Honey is acidic and low in water, so microbes cannot grow in it.",
    "source": "Honey https://en.wikipedia.org/wiki/Honey",
    "topic": "Food",
}
EARLIER = datetime(2026, 1, 1, tzinfo=UTC)


def draft(claim: str = FORM["claim"], kind: str = "fact"):
    return check_draft(kind, claim, FORM["truth"], FORM["source"], "food")


def bot_messages(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def button_labels(message) -> list[str]:
    return [child.label for row in message.components for child in row.children]


def modal_defaults(shown) -> dict[str, str]:
    """Read the values a form opens with, by field."""
    values = {}
    for row in shown.modal["components"]:
        for field in row.get("components") or [row.get("component")]:
            values[field["custom_id"]] = field.get("value", "")
    return values


@pytest.fixture
def world(simcord_env):
    """A server with a moderator (Manage Server), two plain members, and the bot's owner (who may sync)."""
    guild = simcord_env.create_guild(name="Trivia Club")
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[admins])
    member = guild.add_member(simcord_env.create_user("alice"))
    other = guild.add_member(simcord_env.create_user("bob"))
    owner = guild.add_member(simcord_env.create_user("owner"))
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, mod, member, other, owner


@pytest.fixture
async def synced(world):
    """The same world after the owner published the slash commands to the server."""
    guild, channel, mod, member, other, owner = world
    await owner.send(channel, "!sync")
    assert channel.last_message.content.startswith("Synced ")
    return world


# -- custom facts: add --------------------------------------------------------------------------


async def test_slash_customfact_add_opens_the_form_and_saves_a_credited_fact(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    shown = await mod.slash(channel, "customfact add", kind="myth")
    assert shown.modal["title"] == "New custom myth"
    done = await mod.submit_modal(shown, FORM)
    assert done.ephemeral
    assert done.response.content == "Saved as `custom/1`. It joins this server's rotation of myths."
    assert done.response.embeds[0].title == "Myth"
    assert done.response.embeds[0].footer.text.endswith("id custom/1")
    fact = await store.custom_fact(guild.id, 1)
    assert (fact.item.kind, fact.item.topic, fact.author_id) == ("myth", "food", mod.id)
    assert fact.item.source.url == "https://en.wikipedia.org/wiki/Honey"
    [entry] = await store.audit_history(guild.id)
    assert (entry.user_id, entry.action, entry.detail) == (mod.id, "fact", f"added custom/1: {FORM['claim']}")
    await member.send(channel, "!myth food")
    assert bot_messages(channel)[-1].embeds[0].footer.text.endswith("id custom/1"), "it joined the rotation"


async def test_prefix_fact_add_offers_a_form_button_to_the_moderator_only(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await mod.send(channel, "!fact add")
    offer = channel.last_message
    assert offer.content == "Press **Open the form** to write the fact."
    assert button_labels(offer) == ["Open the form"]
    stranger = await member.click(offer, label="Open the form")
    assert stranger.ephemeral and stranger.modal is None
    assert stranger.response.content.startswith("This form belongs to the member who asked for it.")
    shown = await mod.click(offer, label="Open the form")
    assert shown.modal["title"] == "New custom fact"
    done = await mod.submit_modal(shown, FORM)
    assert done.response.content.startswith("Saved as `custom/1`.")
    assert (await store.custom_fact(guild.id, 1)).item.kind == "fact"


async def test_prefix_customfact_add_myth_and_the_form_button_survives_a_restart(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await mod.send(channel, "!customfact add myth")
    offer = channel.last_message
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    shown = await mod.click(offer, label="Open the form")
    assert shown.modal["title"] == "New custom myth"
    await mod.submit_modal(shown, FORM)
    assert (await store.custom_fact(guild.id, 1)).item.kind == "myth"


async def test_a_bad_submission_saves_nothing_and_the_form_comes_back_filled_in(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    shown = await mod.slash(channel, "customfact add")
    bad = FORM | {"source": "ftp://example.org/honey", "topic": "food & drink!"}
    refused = await mod.submit_modal(shown, bad)
    assert refused.ephemeral
    content = refused.response.content
    assert content.startswith("Nothing was saved. Please fix:")
    assert "**Source** links must start with http:// or https://" in content
    assert "**Topic** must be up to 32 letters" in content
    assert "Claim" not in content
    assert await store.custom_facts(guild.id) == ([], 0)
    assert await store.audit_history(guild.id) == []
    again = await mod.click(refused.response, label="Fix and try again")
    assert modal_defaults(again) == bad | {"difficulty": "medium"}
    done = await mod.submit_modal(again, FORM)
    assert done.response.content.startswith("Saved as `custom/1`.")


@on_every_backend
async def test_slash_add_and_edit_choose_the_difficulty_and_the_form_shows_it(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    shown = await mod.slash(channel, "customfact add", difficulty="hard")
    assert modal_defaults(shown)["difficulty"] == "hard"
    await mod.submit_modal(shown, FORM | {"difficulty": "hard"})
    assert (await store.custom_fact(guild.id, 1)).item.difficulty == 3
    shown = await mod.slash(channel, "customfact add", kind="myth")
    assert modal_defaults(shown)["difficulty"] == "medium", "medium unless chosen, as before"
    done = await mod.submit_modal(shown, FORM | {"claim": "Goldfish remember for three seconds."})
    assert done.response.embeds[0].footer.text.startswith("food · ★★☆")
    assert (await store.custom_fact(guild.id, 2)).item.difficulty == 2

    shown = await mod.slash(channel, "customfact edit", number="1")
    assert modal_defaults(shown)["difficulty"] == "hard", "the form opens with the fact's own difficulty"
    await mod.submit_modal(shown, modal_defaults(shown) | {"difficulty": "1"})
    assert (await store.custom_fact(guild.id, 1)).item.difficulty == 1
    shown = await mod.slash(channel, "customfact edit", number="2", difficulty="easy")
    assert modal_defaults(shown)["difficulty"] == "easy"
    await mod.submit_modal(shown, modal_defaults(shown) | {"difficulty": ""})
    assert (await store.custom_fact(guild.id, 2)).item.difficulty == 1, "an emptied field keeps what it opened with"
    await mod.send(channel, "!fact list")
    lines = bot_messages(channel)[-1].embeds[0].description.splitlines()
    assert [line.split(" · ")[1] for line in lines] == ["easy", "easy"]


@on_every_backend
async def test_prefix_add_and_edit_take_the_difficulty_after_the_kind_or_alone(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await mod.send(channel, "!fact add myth hard")
    shown = await mod.click(channel.last_message, label="Open the form")
    assert shown.modal["title"] == "New custom myth" and modal_defaults(shown)["difficulty"] == "hard"
    await mod.submit_modal(shown, FORM | {"difficulty": "hard"})
    await mod.send(channel, "!fact add 1")
    offer = channel.last_message
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    shown = await mod.click(offer, label="Open the form")
    assert shown.modal["title"] == "New custom fact", "the chosen difficulty survives a restart in the button"
    assert modal_defaults(shown)["difficulty"] == "easy"
    await mod.submit_modal(shown, FORM | {"claim": "Wombats make cube-shaped droppings.", "difficulty": "easy"})
    assert [(await store.custom_fact(guild.id, n)).item.difficulty for n in (1, 2)] == [3, 1]
    await mod.send(channel, "!customfact edit 2 Medium")
    shown = await mod.click(channel.last_message, label="Open the form")
    await mod.submit_modal(shown, modal_defaults(shown))
    assert (await store.custom_fact(guild.id, 2)).item.difficulty == 2
    assert (await store.custom_fact(guild.id, 2)).item.kind == "fact"


async def test_a_bad_difficulty_is_refused_and_nothing_is_saved(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await mod.send(channel, "!fact add myth impossible")
    assert channel.last_message.content == (
        "`impossible` is not a difficulty: use easy, medium or hard (or 1, 2, 3). Nothing was changed."
    )
    assert not channel.last_message.components
    expect_errors(simcord_env, MythOrFactError)
    await mod.send(channel, "!fact add")
    shown = await mod.click(channel.last_message, label="Open the form")
    refused = await mod.submit_modal(shown, FORM | {"difficulty": "4"})
    assert refused.response.content.startswith("Nothing was saved. Please fix:")
    assert "**Difficulty** must be easy, medium or hard (or 1, 2, 3)." in refused.response.content
    assert await store.custom_facts(guild.id) == ([], 0)
    again = await mod.click(refused.response, label="Fix and try again")
    assert modal_defaults(again)["difficulty"] == "4"


async def test_suggestions_have_no_difficulty_field_and_become_medium_custom_facts(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await member.send(channel, "!suggest")
    shown = await member.click(channel.last_message, label="Open the form")
    assert "difficulty" not in modal_defaults(shown)
    await member.submit_modal(shown, FORM)
    suggestions, _ = await open_queue(mod, channel)
    await mod.click(suggestions, label="Approve #1")
    assert (await store.custom_fact(guild.id, 1)).item.difficulty == 2


async def test_a_moderator_who_lost_the_permission_cannot_submit_an_open_form(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await mod.send(channel, "!fact add")
    shown = await mod.click(channel.last_message, label="Open the form")
    guild.remove_member(mod)
    guild.add_member(mod.user)  # back without the Admins role
    refused = await mod.submit_modal(shown, FORM)
    assert refused.response.content == REFUSED
    assert not refused.response.components, "no point in offering the form again"
    assert await store.custom_facts(guild.id) == ([], 0)


# -- custom facts: edit, remove, list -----------------------------------------------------------


async def test_slash_edit_opens_the_form_filled_in_and_saves_changes(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    await store.add_custom_fact(guild.id, draft(), member.id, EARLIER)
    shown = await mod.slash(channel, "customfact edit", number="custom/1")
    assert shown.modal["title"] == "Edit custom/1 (fact)"
    assert modal_defaults(shown) == FORM | {"topic": "food", "difficulty": "medium"}
    done = await mod.submit_modal(shown, FORM | {"claim": "Honey never spoils if it is sealed."})
    assert done.response.content == "Saved your changes to `custom/1`."
    fact = await store.custom_fact(guild.id, 1)
    assert fact.item.claim == "Honey never spoils if it is sealed." and fact.author_id == member.id


async def test_prefix_fact_edit_can_turn_a_fact_into_a_myth(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await store.add_custom_fact(guild.id, draft(), mod.id, EARLIER)
    await mod.send(channel, "!fact edit 1 myth")
    shown = await mod.click(channel.last_message, label="Open the form")
    assert shown.modal["title"] == "Edit custom/1 (myth)"
    await mod.submit_modal(shown, modal_defaults(shown))
    assert (await store.custom_fact(guild.id, 1)).item.kind == "myth"


async def test_edit_or_remove_of_an_unknown_number(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await mod.send(channel, "!fact edit 9")
    assert channel.last_message.content.startswith("This server has no custom fact `custom/9`.")
    await mod.send(channel, "!fact remove nine")
    assert channel.last_message.content.startswith("`nine` is not a custom fact number.")
    expect_errors(simcord_env, UnknownCustomFact, MythOrFactError)


async def test_remove_asks_for_confirmation_by_prefix_and_slash(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    for claim in ("The first custom fact here.", "The second custom fact here."):
        await store.add_custom_fact(guild.id, draft(claim), mod.id, EARLIER)
    await mod.send(channel, "!fact remove 1")
    question = channel.last_message
    assert question.content == (
        "Remove `custom/1` (fact): The first custom fact here.\n"
        "It leaves this server's rotation for good. Press the button to confirm."
    )
    stranger = await other.click(question, label="Remove custom/1")
    assert stranger.response.content == "Only the moderator who asked can confirm this removal."
    assert (await store.custom_facts(guild.id))[1] == 2, "nothing removed before the confirmation"
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    await mod.click(question, label="Remove custom/1")
    confirmed = next(m for m in channel.history() if m.id == question.id)
    assert confirmed.content.startswith("Removed `custom/1`. It has left this server's rotation")
    assert not confirmed.components
    result = await mod.slash(channel, "customfact remove", number="2")
    assert result.ephemeral and result.response.content.startswith("Remove `custom/2` (fact)")
    await mod.click(result.response, label="Remove custom/2")
    assert (await store.custom_facts(guild.id))[1] == 0
    assert [entry.detail for entry in await store.audit_history(guild.id, limit=2)] == [
        "removed custom/2: The second custom fact here.",
        "removed custom/1: The first custom fact here.",
    ]


async def test_list_by_prefix_and_slash_with_pages(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    await mod.send(channel, "!fact list")
    assert bot_messages(channel)[-1].embeds[0].description.startswith("This server has no custom facts yet.")
    for number in range(1, 13):
        await store.add_custom_fact(guild.id, draft(f"Custom fact number {number}."), member.id, EARLIER)
    await mod.send(channel, "!fact list")
    embed = bot_messages(channel)[-1].embeds[0]
    lines = embed.description.splitlines()
    assert len(lines) == 10
    assert lines[0] == f"`custom/1` fact · medium · Custom fact number 1. · by <@{member.id}>"
    assert embed.footer.text.startswith("Page 1 of 2 · 12 custom facts")
    await mod.send(channel, "!customfact")
    assert bot_messages(channel)[-1].embeds[0].description.splitlines() == lines
    result = await mod.slash(channel, "customfact list", page=2)
    assert result.ephemeral
    assert result.response.embeds[0].description.splitlines()[-1].startswith("`custom/12`")


# -- refusals for plain members -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "!fact add",
        "!fact edit 1",
        "!fact remove 1",
        "!fact list",
        "!customfact",
        "!customfact add myth",
        "!suggestions",
    ],
)
async def test_plain_members_are_refused_moderator_prefix_commands(simcord_env, world, store, typed):
    guild, channel, mod, member, other, owner = world
    await store.add_custom_fact(guild.id, draft(), mod.id, EARLIER)
    await member.send(channel, typed)
    assert channel.last_message.content == REFUSED
    assert not channel.last_message.components
    expect_errors(simcord_env, NotModerator)
    assert (await store.custom_facts(guild.id))[1] == 1
    assert len(await store.audit_history(guild.id)) == 1


async def test_moderator_slash_commands_are_hidden_from_members_and_refused_if_shown(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    visible = set(member.available_commands(channel))
    assert "suggest" in visible
    assert not {"customfact add", "customfact list", "suggestions"} & visible
    assert {"customfact add", "customfact edit", "customfact remove", "customfact list", "suggestions"} <= set(
        mod.available_commands(channel)
    )
    # A server can still show the commands to members in its settings; the bot checks again.
    for name in ("customfact", "suggestions"):
        command = simcord_env.backend.find_command(name, guild.id)
        guild.set_command_permissions(int(command["id"]), {member: True})
    attempts = [
        ("customfact add", {}),
        ("customfact edit", {"number": "1"}),
        ("customfact remove", {"number": "1"}),
        ("customfact list", {}),
        ("suggestions", {}),
    ]
    await store.add_custom_fact(guild.id, draft(), mod.id, EARLIER)
    for name, options in attempts:
        result = await member.slash(channel, name, **options)
        assert result.ephemeral and result.modal is None
        assert result.response.content == REFUSED and not result.response.components
        expect_errors(simcord_env, NotModerator)
    assert (await store.custom_facts(guild.id))[1] == 1


# -- suggestions --------------------------------------------------------------------------------


async def test_slash_suggest_stores_a_pending_suggestion(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    shown = await member.slash(channel, "suggest", kind="myth")
    assert shown.modal["title"] == "Suggest a myth"
    done = await member.submit_modal(shown, FORM)
    assert done.ephemeral
    assert done.response.content == "Thanks! Your suggestion #1 is waiting for the moderators to review it."
    [suggestion], total = await store.pending_suggestions(guild.id)
    assert (suggestion.user_id, suggestion.kind, suggestion.topic, total) == (member.id, "myth", "food", 1)


async def test_prefix_suggest_form_button_is_for_the_member_who_asked(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await member.send(channel, "!suggest")
    offer = channel.last_message
    assert offer.content == "Press **Open the form** to write your suggestion."
    refused = await other.click(offer, label="Open the form")
    assert refused.modal is None and "Use `suggest` to get your own" in refused.response.content
    shown = await member.click(offer, label="Open the form")
    bad = await member.submit_modal(shown, FORM | {"truth": "          "})
    assert bad.response.content.startswith("Nothing was saved. Please fix:\n• **Truth** must be 10 to 1000")
    assert (await store.pending_suggestions(guild.id))[1] == 0
    shown = await member.click(offer, label="Open the form")
    done = await member.submit_modal(shown, FORM)
    assert done.response.content.startswith("Thanks! Your suggestion #1")


async def test_suggestions_over_the_daily_limit_are_refused_until_a_day_has_passed(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    await store.update_server_settings(guild.id, {"suggestions_per_day": 1})
    await member.send(channel, "!suggest")
    offer = channel.last_message
    shown = await member.click(offer, label="Open the form")
    await member.submit_modal(shown, FORM)
    limit = "You can send 1 suggestion per day in this server. Thanks for your ideas: try again tomorrow!"
    await member.send(channel, "!suggest myth")
    assert channel.last_message.content == limit
    result = await member.slash(channel, "suggest")
    assert result.ephemeral and result.modal is None and result.response.content == limit
    expect_errors(simcord_env, SuggestionLimit, SuggestionLimit)
    late = await member.click(offer, label="Open the form")
    assert late.modal is None and late.response.content == limit
    assert (await store.pending_suggestions(guild.id))[1] == 1
    await simcord_env.advance_time(24 * 3600 + 1)
    shown = await member.slash(channel, "suggest")
    assert shown.modal is not None
    done = await member.submit_modal(shown, FORM)
    assert done.response.content.startswith("Thanks! Your suggestion #2")


async def test_a_form_opened_before_the_limit_was_reached_cannot_pass_it(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    await store.update_server_settings(guild.id, {"suggestions_per_day": 1})
    first = await member.slash(channel, "suggest")
    second = await member.slash(channel, "suggest")
    await member.submit_modal(first, FORM)
    refused = await member.submit_modal(second, FORM)
    assert refused.response.content.startswith("You can send 1 suggestion per day")
    assert (await store.pending_suggestions(guild.id))[1] == 1


async def test_suggest_turned_off(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await store.update_server_settings(guild.id, {"suggestions_per_day": 0})
    await member.send(channel, "!suggest")
    assert channel.last_message.content == "Suggestions are turned off in this server."
    expect_errors(simcord_env, SuggestionLimit)


# -- the review queue ---------------------------------------------------------------------------


async def open_queue(mod, channel) -> tuple[discord.Message, discord.Message]:
    """Run `!suggestions` and return its two messages: suggestions, then disputed items."""
    await mod.send(channel, "!suggestions")
    suggestions, disputes = bot_messages(channel)[-2:]
    return suggestions, disputes


async def test_queue_approve_and_reject_suggestions(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    first = await store.add_suggestion(guild.id, member.id, draft("Honey never spoils at all."), 3, EARLIER)
    second = await store.add_suggestion(guild.id, other.id, draft("Bananas are berries, botanically."), 3, EARLIER)
    suggestions, disputes = await open_queue(mod, channel)
    assert suggestions.content == "**Suggestions:** 2 waiting."
    assert [embed.title for embed in suggestions.embeds] == [
        f"Suggestion #{first.id} · Fact",
        f"Suggestion #{second.id} · Fact",
    ]
    assert f"by <@{member.id}>" in suggestions.embeds[0].fields[1].value
    assert button_labels(suggestions) == ["Approve #1", "Reject #1", "Approve #2", "Reject #2"]
    assert disputes.content.startswith("**Disputed items:** none.")

    refused = await other.click(suggestions, label="Approve #1")
    assert refused.ephemeral and refused.response.content == REFUSED
    assert (await store.pending_suggestions(guild.id))[1] == 2

    approved = await mod.click(suggestions, label="Approve #1")
    [note] = approved.followups
    assert note.ephemeral
    assert note.content == f"Approved suggestion #1: it is now `custom/1`, credited to <@{member.id}>."
    refreshed = next(m for m in channel.history() if m.id == suggestions.id)
    assert refreshed.content == "**Suggestions:** 1 waiting."
    assert button_labels(refreshed) == ["Approve #2", "Reject #2"]
    fact = await store.custom_fact(guild.id, 1)
    assert fact.author_id == member.id and fact.item.claim == "Honey never spoils at all."

    rejected = await mod.click(refreshed, label="Reject #2")
    assert rejected.followups[0].content == "Rejected suggestion #2."
    final = next(m for m in channel.history() if m.id == suggestions.id)
    assert final.content.startswith("**Suggestions:** none waiting.") and not final.components
    assert (await store.custom_facts(guild.id))[1] == 1
    assert [(entry.action, entry.detail.split(":")[0]) for entry in await store.audit_history(guild.id)] == [
        ("suggestion", "rejected suggestion #2"),
        ("suggestion", "approved suggestion #1 as custom/1"),
    ]


async def test_a_long_queue_shows_the_oldest_five_within_discords_limits(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    for number in range(6):
        longest = check_draft(
            "myth", f"{number} " + "c" * 298, "t" * 1000, "s" * 200 + " https://a.org/" + "u" * 400, "x"
        )
        await store.add_suggestion(guild.id, member.id, longest, 10, EARLIER)
    suggestions, _ = await open_queue(mod, channel)
    assert suggestions.content == "**Suggestions:** 6 waiting (the oldest 5 shown)."
    assert len(suggestions.embeds) == 5 and len(suggestions.components) == 5
    assert sum(len(embed) for embed in suggestions.embeds) <= 6000


async def test_acting_twice_from_two_queue_messages_is_polite_and_changes_nothing(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await store.add_suggestion(guild.id, member.id, draft(), 3, EARLIER)
    oldest, _ = await open_queue(mod, channel)
    older, _ = await open_queue(mod, channel)
    newer, _ = await open_queue(mod, channel)
    await mod.click(newer, label="Approve #1")
    again = await mod.click(older, label="Approve #1")
    assert again.followups[0].content == f"Suggestion #1 was already approved by <@{mod.id}>; nothing changed."
    assert not next(m for m in channel.history() if m.id == older.id).components, "the stale queue is refreshed"
    late_reject = await mod.click(oldest, label="Reject #1")
    assert "already approved" in late_reject.followups[0].content
    assert (await store.custom_facts(guild.id))[1] == 1, "approved exactly once"
    assert len(await store.audit_history(guild.id)) == 1


async def test_queue_buttons_work_after_a_restart(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await store.add_suggestion(guild.id, member.id, draft(), 3, EARLIER)
    suggestions, _ = await open_queue(mod, channel)
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    approved = await mod.click(suggestions, label="Approve #1")
    assert approved.followups[0].content.startswith("Approved suggestion #1")


async def dispute(store: SqliteStore, guild_id: int, ref: str, *reasons: tuple[int, str]) -> int:
    item = await store.get_item(ref)
    for user_id, reason in reasons:
        await store.add_dispute(guild_id, item.pk, user_id, reason, EARLIER)
    return item.pk


async def served_facts(member, channel, times: int = 4) -> set[str]:
    refs = set()
    for _ in range(times):
        await member.send(channel, "!fact")
        refs.add(bot_messages(channel)[-1].embeds[0].footer.text.rsplit("id ", 1)[1])
    return refs


async def test_queue_hide_and_dismiss_disputed_items(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    octopus = await dispute(store, guild.id, "sample/octopus-hearts", (member.id, "Squid too?"), (other.id, "Vague."))
    wombat = await dispute(store, guild.id, "sample/wombat-cubes", (member.id, "Only some wombats."))
    _, disputes = await open_queue(mod, channel)
    assert disputes.content == "**Disputed items:** 2 with open disputes."
    assert disputes.embeds[0].title == "sample/octopus-hearts · 2 disputes"
    assert f"• <@{other.id}>: Vague." in disputes.embeds[0].description
    assert button_labels(disputes) == [
        "Hide sample/octopus-hearts in this server",
        "Dismiss sample/octopus-hearts",
        "Hide sample/wombat-cubes in this server",
        "Dismiss sample/wombat-cubes",
    ]
    refused = await member.click(disputes, custom_id=f"mof:review:hide:{octopus}")
    assert refused.response.content == REFUSED
    assert (await store.disputed_items(guild.id))[1] == 2

    hidden = await mod.click(disputes, custom_id=f"mof:review:hide:{octopus}")
    assert hidden.followups[0].content == (
        "Hid `sample/octopus-hearts` in this server (it leaves the rotation here only; `item unhide` brings it "
        "back) and closed 2 disputes."
    )
    refreshed = next(m for m in channel.history() if m.id == disputes.id)
    assert refreshed.content == "**Disputed items:** 1 with open disputes."
    dismissed = await mod.click(refreshed, custom_id=f"mof:review:dismiss:{wombat}")
    assert dismissed.followups[0].content == ("Dismissed 1 dispute of `sample/wombat-cubes`; it stays in the rotation.")
    assert await store.disputed_items(guild.id) == ([], 0)
    assert await served_facts(member, channel) == {"sample/wombat-cubes", "sample/venus-hottest"}
    elsewhere = simcord_env.create_guild(name="Elsewhere")
    there = elsewhere.create_text_channel("general")
    visitor = elsewhere.add_member(simcord_env.create_user("visitor"))
    assert "sample/octopus-hearts" in await served_facts(visitor, there, times=3)
    assert [entry.action for entry in await store.audit_history(guild.id)] == ["dispute", "dispute"]


async def test_acting_twice_on_a_disputed_item(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    octopus = await dispute(store, guild.id, "sample/octopus-hearts", (member.id, "Squid too?"))
    _, oldest = await open_queue(mod, channel)
    _, older = await open_queue(mod, channel)
    _, newer = await open_queue(mod, channel)
    await mod.click(newer, custom_id=f"mof:review:hide:{octopus}")
    again = await mod.click(older, custom_id=f"mof:review:hide:{octopus}")
    assert again.followups[0].content == "Already hidden in this server: `sample/octopus-hearts`."
    dismissed = await mod.click(oldest, custom_id=f"mof:review:dismiss:{octopus}")
    assert dismissed.followups[0].content == (
        "Nothing to dismiss: the disputes of `sample/octopus-hearts` were already handled."
    )
    assert len(await store.audit_history(guild.id)) == 1


@on_every_backend
async def test_a_hidden_item_is_listed_and_unhidden_with_an_audit_line(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    octopus = await dispute(store, guild.id, "sample/octopus-hearts", (member.id, "Squid too?"))
    _, disputes = await open_queue(mod, channel)
    await mod.click(disputes, custom_id=f"mof:review:hide:{octopus}")
    assert "sample/octopus-hearts" not in await served_facts(member, channel)

    await mod.send(channel, "!item")
    listed = bot_messages(channel)[-1].embeds[0]
    assert listed.title == "Hidden in this server"
    assert listed.description.startswith("`sample/octopus-hearts` fact · An octopus")
    assert f"by <@{mod.id}> <t:" in listed.description
    assert listed.footer.text == "Page 1 of 1 · 1 hidden · item unhide <id> puts one back"
    offered = await mod.autocomplete(channel, "item unhide", "id", "octo")
    assert [choice["value"] for choice in offered] == ["sample/octopus-hearts"]

    await member.send(channel, "!item unhide sample/octopus-hearts")
    assert bot_messages(channel)[-1].content == REFUSED
    expect_errors(simcord_env, NotModerator)
    assert "item unhide" not in member.available_commands(channel)

    result = await mod.slash(channel, "item unhide", id="octopus-hearts")
    assert result.ephemeral
    assert result.response.content == "`sample/octopus-hearts` is back in this server's rotation."
    await simcord_env.advance_time(16)  # members may ask for 5 items per 15 seconds
    assert "sample/octopus-hearts" in await served_facts(member, channel)
    await mod.send(channel, "!item hidden")
    assert bot_messages(channel)[-1].embeds[0].description.startswith("No items are hidden here.")
    assert [(entry.action, entry.detail) for entry in await store.audit_history(guild.id)] == [
        ("item", "unhid sample/octopus-hearts in this server"),
        ("dispute", "hid sample/octopus-hearts in this server and closed 1 dispute"),
    ]


async def test_unhiding_an_item_that_is_not_hidden_or_unknown_changes_nothing(simcord_env, world, store):
    guild, channel, mod, member, other, owner = world
    await mod.send(channel, "!item unhide sample/wombat-cubes")
    assert bot_messages(channel)[-1].content == (
        "`sample/wombat-cubes` is not hidden in this server, so there is nothing to unhide. "
        "`item hidden` lists the hidden ones."
    )
    await mod.send(channel, "!item unhide nothing/like-this")
    assert bot_messages(channel)[-1].content.startswith("No item has the id `nothing/like-this`.")
    expect_errors(simcord_env, UnknownItem)
    await mod.send(channel, "!item unhide")
    assert "id" in bot_messages(channel)[-1].content.lower()
    expect_errors(simcord_env, commands.MissingRequiredArgument)
    assert await store.audit_history(guild.id) == []


async def test_slash_suggestions_shows_the_queue(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    await store.add_suggestion(guild.id, member.id, draft(), 3, EARLIER)
    result = await mod.slash(channel, "suggestions")
    assert result.response.content == "**Suggestions:** 1 waiting."
    assert result.followups[0].content.startswith("**Disputed items:** none.")
    approved = await mod.click(result.response, label="Approve #1")
    assert approved.followups[0].content.startswith("Approved suggestion #1")


# -- mentions -----------------------------------------------------------------------------------


async def test_content_with_everyone_and_role_mentions_never_pings(simcord_env, synced, store):
    guild, channel, mod, member, other, owner = synced
    role = guild.create_role("Everyone-ish")
    pinging = f"@everyone and <@&{role.id}> look: bats are blind."
    shown = await mod.slash(channel, "customfact add")
    await mod.submit_modal(shown, FORM | {"claim": pinging, "truth": f"@here <@&{role.id}> all bats can see."})
    shown = await member.slash(channel, "suggest")
    await member.submit_modal(shown, FORM | {"claim": pinging})
    await dispute(store, guild.id, "sample/octopus-hearts", (member.id, f"@everyone <@&{role.id}> wrong!"))
    await mod.send(channel, "!suggestions")
    await mod.send(channel, "!fact list")
    await member.send(channel, "!fact food")
    await mod.send(channel, "!fact remove 1")
    question = channel.last_message.content
    assert "@everyone" not in question and f"<@&{role.id}>" not in question
    assert "@\u200beveryone" in question
    await mod.click(channel.last_message, label="Remove custom/1")
    posts = [r for r in simcord_env.http_requests if r.method in ("POST", "PATCH") and r.json]
    payloads = [
        r.json.get("data", r.json)
        for r in posts
        if r.path.endswith(("/callback", "/messages")) or "/webhooks/" in r.path
    ]
    sent = [p for p in payloads if "content" in p or "embeds" in p]
    assert len(sent) >= 8
    for payload in sent:
        assert payload["allowed_mentions"] == {"parse": []}, payload


async def test_customfact_outside_a_server(simcord_env):
    user = simcord_env.create_user("dm")
    await user.send_dm("!customfact list")
    await user.send_dm("!suggest")
    expect_errors(simcord_env, commands.NoPrivateMessage, commands.NoPrivateMessage)
