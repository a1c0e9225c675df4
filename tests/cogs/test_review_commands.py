"""Behaviour tests: personal review through discord.py against simcord, fed by quizzes and daily posts.

simcord's clock starts at 2026-01-01 00:00 UTC, so a question missed at once is due on Fri 02 Jan 2026.
"""

from __future__ import annotations

from datetime import date

import discord
import pytest

from bot.core.errors import MythOrFactError
from bot.core.review import ReviewOff
from cogs.review.views import card_view
from tests.helpers import expect_errors

DAY = 24 * 3600
JAN_2, JAN_5 = date(2026, 1, 2), date(2026, 1, 5)


@pytest.fixture
async def world(simcord_env):
    """A server with a channel, the owner (who has synced the slash commands) and two members."""
    guild = simcord_env.create_guild(name="Quiz Club")
    channel = guild.create_text_channel("quiz")
    owner = guild.add_member(simcord_env.create_user("owner"))
    ann = guild.add_member(simcord_env.create_user("ann"))
    ben = guild.add_member(simcord_env.create_user("ben"))
    simcord_env.bot.owner_ids = {owner.id}
    await owner.send(channel, "!sync")
    assert channel.last_message.content.startswith("Synced ")
    return guild, channel, ann, ben


def labels(message) -> list[str]:
    """The button labels of a channel message or an interaction's response (which holds raw component dicts)."""
    rows = message.components
    return [
        child["label"] if isinstance(child, dict) else child.label
        for row in rows
        for child in (row["components"] if isinstance(row, dict) else row.children)
    ]


async def miss_a_quiz_question(env, channel, wrong_player, right_player=None):
    """Play a one-question myth-or-fact quiz in which ``wrong_player`` answers wrong; return the item."""
    await wrong_player.send(channel, "!quiz 1 myth-or-fact")
    session = env.bot.quizzes.get(channel.id).session
    item = session.question.item
    question = next(m for m in reversed(channel.history()) if m.embeds and m.embeds[0].title.startswith("Question"))
    right = "Myth" if item.kind == "myth" else "Fact"
    await wrong_player.click(question, label="Fact" if right == "Myth" else "Myth")
    if right_player is not None:
        await right_player.click(question, label=right)
    await env.advance_time(60)
    assert env.bot.quizzes.get(channel.id) is None
    return item


async def test_a_missed_quiz_question_is_due_tomorrow_and_a_right_review_moves_it_to_three_days(
    simcord_env, world, store
):
    guild, channel, ann, ben = world
    item = await miss_a_quiz_question(simcord_env, channel, ann, ben)
    today = await ann.slash(channel, "review start")
    assert today.ephemeral
    assert (
        today.response.embeds[0].description == "Nothing to review right now. Your next card is due on Fri 02 Jan 2026."
    )
    nothing = await ben.slash(channel, "review start")
    assert nothing.response.embeds[0].description.startswith("Nothing to review. Myths and facts you get wrong")

    await simcord_env.advance_time(DAY)
    shown = await ann.slash(channel, "review start")
    assert shown.ephemeral
    card = shown.response
    assert card.embeds[0].title == "Review: myth or fact?"
    assert item.claim in card.embeds[0].description
    assert card.embeds[0].footer.text == f"Step 1 of 4 · id {item.ref}"
    assert labels(card) == ["Myth", "Fact"]

    right = "Myth" if item.kind == "myth" else "Fact"
    # A card is only ever sent ephemerally or by DM; should its buttons reach anyone else, they do nothing.
    stored_card = await store.review_card(guild.id, ann.id, item.pk)
    leaked = await simcord_env.bot.get_channel(channel.id).send(view=card_view(guild.id, ann.id, stored_card))
    stranger = await ben.click(channel.history()[-1], label=right)
    assert leaked.id == channel.history()[-1].id and stranger.ephemeral
    assert stranger.response.content == "This review card belongs to another member; nothing was recorded."
    assert (await store.review_card(guild.id, ann.id, item.pk)).step == 0

    answered = await ann.click(card, label=right)
    answer, done = answered.response.embeds
    assert answer.title == f"Right! It's a {item.kind}."
    assert answer.description == item.truth
    assert answer.fields[0].name == "Source"
    assert answer.footer.text == "Next review in 3 days. · review streak 1 day"
    assert done.description == "That was the last card due today. Well done!"
    assert answered.response.components == []
    reviewed = await store.review_card(guild.id, ann.id, item.pk)
    assert (reviewed.step, reviewed.due_on) == (1, JAN_5)

    again = await ann.click(channel.history()[-1], label=right)  # the same card's buttons, pressed a second time
    assert again.response.content.startswith("This card was already reviewed")
    assert (await store.review_card(guild.id, ann.id, item.pk)).step == 1
    expect_errors(simcord_env)


async def test_a_wrong_review_goes_back_to_the_first_step_and_the_next_card_follows(simcord_env, world, store):
    guild, channel, ann, ben = world
    first = await miss_a_quiz_question(simcord_env, channel, ann)
    await simcord_env.advance_time(20)
    second = await miss_a_quiz_question(simcord_env, channel, ann)
    await simcord_env.advance_time(DAY)
    shown = await ann.slash(channel, "review start")
    assert shown.response.embeds[0].footer.text.endswith(first.ref), "the earliest missed comes first"
    wrong = "Fact" if first.kind == "myth" else "Myth"
    answered = await ann.click(shown.response, label=wrong)
    answer, upcoming = answered.response.embeds
    assert answer.title == f"Not quite: it's a {first.kind}."
    assert answer.footer.text.startswith("Back to the first step: it comes back tomorrow.")
    assert upcoming.footer.text.endswith(second.ref) and labels(answered.response) == ["Myth", "Fact"]
    card = await store.review_card(guild.id, ann.id, first.pk)
    assert (card.step, card.due_on) == (0, date(2026, 1, 3))


async def test_prefix_review_arrives_by_dm_and_closed_dms_are_explained(simcord_env, world, store):
    guild, channel, ann, ben = world
    item = await miss_a_quiz_question(simcord_env, channel, ann)
    await simcord_env.advance_time(DAY)
    await ann.send(channel, "!review")
    assert channel.last_message.content == "I sent it to you by DM."
    assert item.claim not in str(channel.last_message.embeds)
    dm = ann.user.dm_channel.last_message
    assert dm.embeds[0].title == "Review: myth or fact?" and item.claim in dm.embeds[0].description
    right = "Myth" if item.kind == "myth" else "Fact"
    answered = await ann.user.click(dm, label=right)
    assert answered.response.embeds[0].title == f"Right! It's a {item.kind}."
    assert (await store.review_card(guild.id, ann.id, item.pk)).step == 1

    await ann.send(channel, "!review stats")
    stats = ann.user.dm_channel.last_message.embeds[0]
    fields = {field.name: field.value for field in stats.fields}
    assert fields["Due now"] == "0" and fields["Mastered"] == "0"
    assert fields["Review streak"] == "1 day (best 1)"
    assert fields["Learning"].splitlines()[1] == "Step 2 (every 3 days): 1"
    assert fields["Accuracy"] == "100% right of 1 review"

    simcord_env.inject_error("POST", f"/channels/{ben.user.dm_channel.id}/messages", status=403, code=50007)
    await ben.send(channel, "!review")
    assert "your DMs are closed to me" in channel.last_message.content
    assert "/review start" in channel.last_message.content
    expect_errors(simcord_env, MythOrFactError)


async def test_review_off_deletes_the_data_and_stops_recording_until_review_on(simcord_env, world, store):
    guild, channel, ann, ben = world
    item = await miss_a_quiz_question(simcord_env, channel, ann)
    off = await ann.slash(channel, "review off")
    assert off.ephemeral and "deletes your review cards, streak and numbers" in off.response.content
    confirmed = await ann.click(off.response, label="Turn off and delete")
    assert confirmed.response.content.startswith("Done. Your personal review is off here and 1 card was deleted.")
    assert await store.review_opted_out(guild.id, ann.id)
    assert await store.review_card(guild.id, ann.id, item.pk) is None

    await simcord_env.advance_time(20)
    await miss_a_quiz_question(simcord_env, channel, ann)
    await simcord_env.advance_time(DAY)
    refused = await ann.slash(channel, "review start")
    assert refused.ephemeral and refused.response.content == str(ReviewOff())
    assert (await store.review_stats(guild.id, ann.id, JAN_2)).learning == (0, 0, 0, 0)

    back = await ann.slash(channel, "review on")
    assert back.response.content.startswith("Your personal review is on again")
    assert not await store.review_opted_out(guild.id, ann.id)
    expect_errors(simcord_env, ReviewOff)


async def test_a_wrong_daily_answer_comes_back_for_review(simcord_env, world, store):
    guild, channel, ann, ben = world
    mod_role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mod_role])
    await mod.send(channel, f"!daily set {channel.mention} 09:00")
    await simcord_env.advance_time(9 * 3600 + 60)
    post = next(m for m in channel.history() if m.embeds and m.embeds[0].title == "Daily myth or fact")
    item = await store.get_item_by_pk((await store.daily_post(guild.id, date(2026, 1, 1))).item_pk)
    wrong = "Fact" if item.kind == "myth" else "Myth"
    await ann.click(post, label=wrong)
    await ben.click(post, label="Myth" if wrong == "Fact" else "Fact")
    card = await store.review_card(guild.id, ann.id, item.pk)
    assert (card.step, card.due_on) == (0, JAN_2)
    assert await store.review_card(guild.id, ben.id, item.pk) is None, "a right answer is not reviewed"


async def test_forgetme_deletes_review_cards(simcord_env, world, store):
    guild, channel, ann, ben = world
    item = await miss_a_quiz_question(simcord_env, channel, ann)
    await ann.send(channel, "!forgetme")
    assert "your personal review" in channel.last_message.content
    done = await ann.click(channel.last_message, label="Delete my data")
    assert "1 review card" in done.response.content
    assert await store.review_card(guild.id, ann.id, item.pk) is None


async def test_help_lists_review(simcord_env, world):
    guild, channel, ann, ben = world
    await ann.send(channel, "!help review")
    details = channel.last_message.embeds[0].description
    assert "Review the myths and facts you got wrong" in details
    for sub in ("stats", "off", "on"):
        assert f"!review {sub}" in details


async def test_reminders_send_one_dm_a_day_when_cards_are_due_with_a_button_to_start(simcord_env, world, store):
    guild, channel, ann, ben = world
    on = await ann.slash(channel, "review remind", setting="on")
    assert on.ephemeral and on.response.content.startswith("Review reminders are on")
    item = await miss_a_quiz_question(simcord_env, channel, ann, ben)
    await miss_a_quiz_question(simcord_env, channel, ben)  # ben has a card due too, but no reminders
    await simcord_env.advance_time(DAY + 3600)
    dms = [m for m in ann.user.dm_channel.history() if m.author.bot]
    assert [m.content for m in dms] == [
        "You have 1 card due for review in **Quiz Club**. Press the button, or run `/review start` there."
    ]
    assert ben.user.dm_channel.last_message is None
    started = await ann.user.click(dms[0], label="Start review")
    assert started.ephemeral and item.claim in started.response.embeds[0].description
    assert labels(started.response) == ["Myth", "Fact"]
    await simcord_env.advance_time(12 * 3600)
    assert len([m for m in ann.user.dm_channel.history() if m.author.bot]) == 1, "one reminder a day"

    off = await ann.slash(channel, "review remind", setting="off")
    assert off.response.content == "Review reminders are off in this server."
    await simcord_env.advance_time(DAY)
    assert len([m for m in ann.user.dm_channel.history() if m.author.bot]) == 1
