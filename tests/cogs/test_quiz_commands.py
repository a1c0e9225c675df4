"""Behaviour tests: quizzes and leaderboards played through discord.py against simcord."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from discord.ext import commands
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from bot.app.client import MythOrFactBot
from bot.core import retry
from bot.core.errors import MythOrFactError, StorageUnavailable
from bot.core.packs import scan_packs
from bot.core.quiz import Mode, time_limit
from bot.core.settings import ServerSettings
from bot.storage.sqlite.store import SqliteStore
from cogs.utils.checks import NotModerator
from tests.helpers import SAMPLE_PACKS, TESTS_DIR, expect_errors, make_config

QUIZ_PACKS = TESTS_DIR / "data" / "quiz_packs"


@pytest_asyncio.fixture
async def store() -> AsyncIterator[SqliteStore]:
    """The sample pack plus quiz-only geography questions."""
    opened = await SqliteStore.open(None)
    report = await opened.sync_packs(scan_packs(SAMPLE_PACKS).packs + scan_packs(QUIZ_PACKS).packs)
    assert report.added == 10
    yield opened
    await opened.close()


@pytest.fixture
def world(simcord_env):
    """A server with a quiz channel, the owner, and three players."""
    guild = simcord_env.create_guild(name="Quiz Club")
    channel = guild.create_text_channel("quiz")
    owner = guild.add_member(simcord_env.create_user("owner"))
    players = [guild.add_member(simcord_env.create_user(name)) for name in ("ann", "ben", "cat")]
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, owner, players


def bot_messages(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def last_question(channel) -> discord.Message:
    return next(m for m in reversed(bot_messages(channel)) if m.embeds and m.embeds[0].title.startswith("Question"))


async def test_myth_or_fact_quiz_plays_to_the_end(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 2 myth-or-fact")
    assert channel.history()[-2].content.startswith("**Quiz time!** 2 questions")
    question = last_question(channel)
    assert question.embeds[0].title == "Question 1/2 · Myth or fact?"
    labels = [child.label for child in question.components[0].children]
    assert labels == ["Myth", "Fact"]
    first = await ann.click(question, label="Myth")
    assert first.ephemeral and first.response.content == "Answer locked in: **Myth**. Wait for the reveal!"
    again = await ann.click(question, label="Fact")
    assert again.response.content.startswith("You already answered")
    await ben.click(question, label="Fact")
    await simcord_env.advance_time(60)
    reveal = next(m for m in bot_messages(channel) if m.embeds and m.embeds[0].title.startswith("Answer:"))
    assert reveal.embeds[0].fields[0].name == "Right answers"
    assert [c.label for c in reveal.components[0].children] == ["Dispute"]
    await simcord_env.advance_time(60)
    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Quiz over"
    assert simcord_env.bot.quizzes.get(channel.id) is None


async def finish_round(env, channel) -> None:
    """Advance the virtual clock past the open question's time limit, to its reveal."""
    question = env.bot.quizzes.get(channel.id).session.question
    await env.advance_time(question.time_limit + 0.5)


async def next_question(env, channel) -> None:
    """Advance past the pause between a reveal and the next question."""
    await env.advance_time(env.bot.quizzes.get(channel.id).session.settings.pause_seconds + 0.5)


def reveals(channel) -> list[discord.Embed]:
    return [m.embeds[0] for m in bot_messages(channel) if m.embeds and m.embeds[0].title.startswith(("Answer", "Skip"))]


async def test_typed_quiz_hints_and_first_correct_answer_wins(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz geography 1 typed")
    question = last_question(channel)
    assert question.embeds[0].title == "Question 1/1 · Type the answer"
    assert not question.components, "typed rounds have no answer buttons"
    await simcord_env.advance_time(11)
    hints = [m.content for m in bot_messages(channel) if m.content.startswith("Hint:")]
    assert len(hints) == 1 and hints[0].count("_") > 0
    answer = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
    await ben.send(channel, "no idea, london?")
    await cat.send(channel, f"the answer is definitely not {answer}")
    assert reveals(channel) == [], "wrong answers and negations do not end the round"
    await ann.send(channel, f"I think it's {answer.lower()}")
    reveal = reveals(channel)[-1]
    assert reveal.title == f"Answer: {answer}"
    winners = reveal.fields[0].value
    assert winners.startswith(f"<@{ann.id}> +")
    assert f"<@{ben.id}>" not in winners and f"<@{cat.id}>" not in winners
    await simcord_env.advance_time(10)
    assert bot_messages(channel)[-1].embeds[0].title == "Quiz over"


async def test_multiple_choice_quiz(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz geography 1 choice")
    question = last_question(channel)
    assert question.embeds[0].title == "Question 1/1 · Multiple choice"
    labels = sorted(child.label for child in question.components[0].children)
    assert len(labels) == 4
    correct = {"Paris", "Pacific"} & set(labels)
    wrong = next(label for label in labels if label not in correct)
    await ann.click(question, label=correct.pop())
    await ben.click(question, label=wrong)
    await simcord_env.advance_time(40)
    winners = reveals(channel)[-1].fields[0].value
    assert f"<@{ann.id}>" in winners and f"<@{ben.id}>" not in winners
    closed = last_question(channel)
    assert all(child.disabled for child in closed.components[0].children), "buttons are disabled at the reveal"


async def test_answers_after_the_reveal_do_not_count(simcord_env, world, store):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz geography 1 typed")
    question = last_question(channel)
    await finish_round(simcord_env, channel)
    assert reveals(channel)[-1].fields[0].value == "Nobody answered."
    before = len(bot_messages(channel))
    for guess in ("Paris", "Pacific", "Africa"):
        await ben.send(channel, guess)
    assert len(bot_messages(channel)) == before
    assert await store.top_scores(guild.id, "all") == []
    assert question.components == []


async def test_one_quiz_per_channel_with_a_link(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 3")
    await ben.send(channel, "!quiz")
    content = bot_messages(channel)[-1].content
    assert content.startswith("A quiz is already running here: https://discord.com/channels/")
    assert str(last_question(channel).id) in content
    expect_errors(simcord_env, MythOrFactError)


async def test_quizzes_in_two_channels_and_two_servers_run_side_by_side(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    other_channel = guild.create_text_channel("quiz-2")
    other_guild = simcord_env.create_guild(name="Elsewhere")
    far_channel = other_guild.create_text_channel("games")
    dan = other_guild.add_member(simcord_env.create_user("dan"))
    await ann.send(channel, "!quiz 1 myth-or-fact")
    await ben.send(other_channel, "!quiz 1 myth-or-fact")
    await dan.send(far_channel, "!quiz 1 myth-or-fact")
    assert len(simcord_env.bot.quizzes.all()) == 3
    for player, where in ((ann, channel), (ben, other_channel), (dan, far_channel)):
        await player.click(last_question(where), label="Myth")
    await simcord_env.advance_time(60)
    assert simcord_env.bot.quizzes.all() == []
    for where in (channel, other_channel, far_channel):
        assert bot_messages(where)[-1].embeds[0].title == "Quiz over"


async def test_stop_by_starter_and_refusal_for_others(simcord_env, world, store):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 5 myth-or-fact")
    await ben.send(channel, "!quiz stop")
    assert "Manage Messages" in bot_messages(channel)[-1].content
    expect_errors(simcord_env, MythOrFactError)
    await ben.click(last_question(channel), label="Myth")
    answer = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
    await ann.send(channel, "!quiz stop")
    # No time passes: the stop reveals the open question, posts the standings, frees the channel, then confirms.
    reveal, final, confirmation = bot_messages(channel)[-3:]
    assert reveal.embeds[0].title == f"Answer: {answer}"
    assert reveal.embeds[0].fields[0].value == "Nobody scores: the quiz was stopped."
    assert final.embeds[0].title == "Quiz over"
    assert final.embeds[0].description.startswith("The quiz was stopped.")
    assert confirmation.content == "Quiz stopped: the answer and the standings are up, and a new quiz can start."
    assert simcord_env.bot.quizzes.get(channel.id) is None
    assert len(reveals(channel)) == 1
    assert await store.top_scores(guild.id, "all") == [], "the stopped question scores nothing"
    assert all(child.disabled for child in last_question(channel).components[0].children)
    posted = len(bot_messages(channel))
    await simcord_env.advance_time(60)
    assert len(bot_messages(channel)) == posted, "nothing more comes from the stopped quiz"


async def test_a_new_quiz_starts_right_after_a_stop(simcord_env, world, store, monkeypatch):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 5 myth-or-fact")
    first = simcord_env.bot.quizzes.get(channel.id)
    record_round = store.record_round

    async def busy_database(*args):
        await asyncio.sleep(0.3)  # the stopped round's score write waits on a busy database
        return await record_round(*args)

    monkeypatch.setattr(store, "record_round", busy_database)
    channel_held_when_confirmed = []

    async def on_message(message: discord.Message) -> None:
        if message.author.bot and message.channel.id == channel.id and "quiz" in message.content.lower():
            channel_held_when_confirmed.append(simcord_env.bot.quizzes.get(channel.id) is not None)

    simcord_env.bot.add_listener(on_message)
    await ann.send(channel, "!quiz stop")
    simcord_env.bot.remove_listener(on_message)
    assert channel_held_when_confirmed == [False], "the stop is confirmed once the channel is free"
    titles = [m.embeds[0].title if m.embeds else m.content for m in bot_messages(channel)[-3:]]
    assert titles[0].startswith("Answer: ") and titles[1] == "Quiz over" and titles[2].startswith("Quiz stopped:")
    await ben.send(channel, "!quiz 2 myth-or-fact")
    assert channel.history()[-2].content.startswith("**Quiz time!** 2 questions")
    second = simcord_env.bot.quizzes.get(channel.id)
    assert second is not None and second is not first and second.session.starter_id == ben.id
    assert last_question(channel).embeds[0].title == "Question 1/2 · Myth or fact?"
    expect_errors(simcord_env)


async def test_a_stop_during_the_pause_ends_the_quiz_before_the_next_question(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 3 myth-or-fact")
    await ann.click(last_question(channel), label="Myth")
    await finish_round(simcord_env, channel)
    assert len(reveals(channel)) == 1
    await ann.send(channel, "!quiz stop")
    assert bot_messages(channel)[-2].embeds[0].title == "Quiz over"
    assert len(reveals(channel)) == 1, "the revealed question is not revealed again"
    assert [m.embeds[0].title for m in bot_messages(channel) if m.embeds].count("Question 1/3 · Myth or fact?") == 1
    assert not any(m.embeds and m.embeds[0].title.startswith("Question 2/3") for m in bot_messages(channel))
    await ann.send(channel, "!quiz 1 myth-or-fact")
    assert simcord_env.bot.quizzes.get(channel.id).session.total_rounds == 1


async def test_moderator_with_manage_messages_can_skip(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    await ann.send(channel, "!quiz 2 myth-or-fact")
    await ann.click(last_question(channel), label="Myth")
    answer = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
    await mod.send(channel, "!quiz skip")
    skipped = reveals(channel)[-1]
    assert skipped.title == f"Skipped · Answer: {answer}"
    assert "Nobody scores" in skipped.fields[0].value


async def test_a_skipped_typed_round_reveals_its_answer(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz geography 2 typed")
    answer = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
    await ben.send(channel, "no clue")
    await ann.send(channel, "!quiz skip")
    skipped = reveals(channel)[-1]
    assert skipped.title == f"Skipped · Answer: {answer}"
    assert skipped.fields[0].value == "Nobody scores: the round was skipped."
    await next_question(simcord_env, channel)
    assert last_question(channel).embeds[0].title == "Question 2/2 · Type the answer"


async def test_slash_quiz_start_and_stop(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await owner.send(channel, "!sync")
    result = await ann.slash(channel, "quiz start", rounds=2, mode="myth-or-fact")
    assert result.response.content.startswith("**Quiz time!** 2 questions")
    stop = await ben.slash(channel, "quiz stop")
    assert stop.ephemeral and "Manage Messages" in stop.response.content
    stop = await ann.slash(channel, "quiz stop")
    reply = [stop.response, *stop.followups][-1]
    assert stop.ephemeral and reply.content.startswith("Quiz stopped:")
    assert bot_messages(channel)[-1].embeds[0].title == "Quiz over"
    expect_errors(simcord_env, MythOrFactError)
    result = await ben.slash(channel, "quiz start", rounds=1, mode="myth-or-fact")
    assert result.response.content.startswith("**Quiz time!** 1 question")


async def test_quiz_ends_itself_when_nobody_answers(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 10 myth-or-fact")
    for _ in range(3):
        await simcord_env.advance_time(60)
    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Quiz over"
    assert final.description.startswith("Nobody answered 3 questions in a row")
    assert len(reveals(channel)) == 3


async def test_quiz_needs_a_server(simcord_env):
    user = simcord_env.create_user("loner")
    await user.send_dm("!quiz")
    assert user.dm_channel.last_message.content == "This command only works in a server."
    expect_errors(simcord_env, commands.NoPrivateMessage)


async def test_unknown_topic_and_mode_pool_empty(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz cooking")
    assert bot_messages(channel)[-1].content.startswith("I don't know the topic `cooking`")
    await simcord_env.advance_time(11)
    await ann.send(channel, "!quiz space 3 typed")
    assert bot_messages(channel)[-1].content.startswith("There are no quiz questions about `space`")
    assert simcord_env.bot.quizzes.all() == []
    assert len(simcord_env.errors) == 2


async def test_a_restart_ends_the_quiz_with_a_message_and_old_buttons_answer_politely(simcord_env, world, store):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 3 myth-or-fact")
    question = last_question(channel)
    await ann.click(question, label="Myth")
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Quiz over"
    assert final.description.startswith("The bot is restarting")
    late = await ben.click(question, label="Fact")
    assert late.response.content == "This question is closed."


async def test_dispute_button_opens_a_modal_and_stores_the_reason(simcord_env, world, store):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 1 myth-or-fact")
    await ann.click(last_question(channel), label="Myth")
    await simcord_env.advance_time(40)
    reveal = next(m for m in bot_messages(channel) if m.embeds and m.embeds[0].title.startswith("Answer"))
    shown = await ben.click(reveal, label="Dispute")
    assert shown.modal is not None
    done = await ben.submit_modal(shown, {"reason": "The source disagrees with this."})
    assert done.ephemeral and done.response.content.startswith("Thanks!")
    disputed = await store.most_disputed(guild.id)
    assert len(disputed) == 1 and disputed[0].disputes == 1


class FailingWrites:
    """Wraps one store method so that its next ``times`` calls fail as an unavailable database would."""

    def __init__(self, store, name: str, times: int) -> None:
        self.real = getattr(store, name)
        self.times = times
        self.calls = 0

    async def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.times:
            raise StorageUnavailable("database is locked")
        return await self.real(*args, **kwargs)


async def play_right_answers(simcord_env, channel, player, rounds: int) -> None:
    """Answer each question right, then move the virtual clock on past its reveal (and any retries)."""
    for number in range(rounds):
        right = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
        await player.click(last_question(channel), label=right)
        await finish_round(simcord_env, channel)
        await simcord_env.advance_time(2)  # the write's retries wait 1.4 s at most
        if number < rounds - 1:
            await next_question(simcord_env, channel)


async def test_a_briefly_unavailable_database_is_tried_again_and_the_quiz_goes_on(
    simcord_env, world, store, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    guild, channel, owner, (ann, ben, cat) = world
    flaky = FailingWrites(store, "record_round", times=2)
    monkeypatch.setattr(store, "record_round", flaky)
    await ann.send(channel, "!quiz 2 myth-or-fact")
    await play_right_answers(simcord_env, channel, ann, 2)
    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Quiz over" and final.description.startswith("That was the last question.")
    assert len(reveals(channel)) == 2
    assert flaky.calls == 4, "the first round's write succeeded at its third attempt"
    assert (await store.member_rank(guild.id, "all", ann.id)).rounds == 2, "both rounds saved"
    assert any("saved after 2 retries" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_database_that_stays_unavailable_ends_the_quiz_politely_without_a_traceback(
    simcord_env, world, store, monkeypatch, caplog
):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 3 myth-or-fact")
    await play_right_answers(simcord_env, channel, ann, 1)
    down = FailingWrites(store, "record_round", times=10)
    monkeypatch.setattr(store, "record_round", down)
    await next_question(simcord_env, channel)
    await play_right_answers(simcord_env, channel, ann, 1)
    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Quiz over"
    assert final.description.startswith("I can't save scores right now, so the quiz ended early")
    assert len(reveals(channel)) == 2, "the unsaved question is still revealed"
    assert down.calls == 4, "tried four times"
    assert simcord_env.bot.quizzes.get(channel.id) is None, "the channel is free for a new quiz"
    assert (await store.member_rank(guild.id, "all", ann.id)).rounds == 1, "the first round's score was saved"
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "ended early, the database is unavailable: database is locked" in errors[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)


async def test_a_dispute_is_tried_again_then_refused_politely_when_the_database_stays_unavailable(
    simcord_env, world, store, monkeypatch, caplog
):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 1 myth-or-fact")
    await ann.click(last_question(channel), label="Myth")
    await simcord_env.advance_time(40)
    reveal = next(m for m in bot_messages(channel) if m.embeds and m.embeds[0].title.startswith("Answer"))
    monkeypatch.setattr(retry, "RETRY_DELAYS", (0, 0, 0))  # a form submission does not move simcord's clock on

    monkeypatch.setattr(store, "add_dispute", FailingWrites(store, "add_dispute", times=2))
    done = await ben.submit_modal(await ben.click(reveal, label="Dispute"), {"reason": "The source disagrees."})
    assert done.ephemeral and [done.response, *done.followups][-1].content.startswith("Thanks!")
    assert (await store.most_disputed(guild.id))[0].disputes == 1

    down = FailingWrites(store, "add_dispute", times=10)
    monkeypatch.setattr(store, "add_dispute", down)
    refused = await cat.submit_modal(await cat.click(reveal, label="Dispute"), {"reason": "Ambiguous wording."})
    assert refused.ephemeral
    assert [refused.response, *refused.followups][-1].content == "I can't save right now; please try again in a minute."
    assert down.calls == 4
    assert (await store.most_disputed(guild.id))[0].disputes == 1, "nothing more was saved"
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is None and "not saved: database is locked" in errors[0].getMessage()
    expect_errors(simcord_env)


async def test_leaderboard_and_rank_after_a_session(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 2 myth-or-fact")
    for number in (1, 2):
        question = last_question(channel)
        right = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
        await ann.click(question, label=right)
        await ben.click(question, label="Fact" if right == "Myth" else "Myth")
        await finish_round(simcord_env, channel)
        if number == 1:
            await next_question(simcord_env, channel)
    assert simcord_env.bot.quizzes.get(channel.id) is None
    await cat.send(channel, "!leaderboard")
    board = bot_messages(channel)[-1].embeds[0]
    lines = board.description.splitlines()
    assert lines[0].startswith(f"**1.** <@{ann.id}>: ")
    assert lines[1].startswith(f"**2.** <@{ben.id}>: 0 points")
    assert board.footer.text == "Page 1 of 1 · 2 players"
    await cat.send(channel, f"!rank {ann.id}")
    rank = bot_messages(channel)[-1].embeds[0]
    assert rank.fields[0].value.startswith("**#1** of 2")
    assert "2/2 right (100%) · best streak 2" in rank.fields[0].value
    await cat.send(channel, "!rank")
    assert bot_messages(channel)[-1].embeds[0].fields[0].value == "No games yet."
    await cat.send(channel, "!stats")
    stats = bot_messages(channel)[-1].embeds[0]
    assert stats.description.startswith("2 questions played by 2 players")


async def test_quiz_settings_view_and_change_by_a_moderator(simcord_env, world, store):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz settings")
    shown = bot_messages(channel)[-1].embeds[0]
    assert shown.title == "Quiz settings"
    assert "myth or fact? 15 s, multiple choice 20 s, type the answer 30 s" in shown.description
    await ann.send(channel, "!quiz settings 5 20 50")
    assert bot_messages(channel)[-1].content == (
        "You need the **Manage Server** permission to do that. Nothing was changed."
    )
    expect_errors(simcord_env, NotModerator)
    assert (await store.server_settings(guild.id)).quiz_rounds == 10, "nothing changed"
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    await admin.send(channel, "!quiz settings 5 20 50")
    saved = bot_messages(channel)[-1].embeds[0]
    assert saved.title == "Quiz settings saved"
    assert "Questions per quiz: **5**" in saved.description
    assert "myth or fact? 30 s" in saved.description, "20 s plus 50% extra time"
    await admin.send(channel, "!quiz settings rounds:5")
    assert bot_messages(channel)[-1].content.startswith("I couldn't understand that. Usage: `!quiz settings [rounds]")
    expect_errors(simcord_env, commands.TooManyArguments)
    await admin.send(channel, "!quiz settings 99")
    assert bot_messages(channel)[-1].content == "`quiz_rounds` must be a whole number from 1 to 50."
    expect_errors(simcord_env, MythOrFactError)
    await ann.send(channel, "!quiz myth-or-fact")
    assert bot_messages(channel)[-2].content.startswith("**Quiz time!** 5 questions")
    question = simcord_env.bot.quizzes.get(channel.id).session.question
    saved_settings = ServerSettings(quiz_rounds=5, quiz_seconds=20, quiz_extra_time=50).quiz()
    assert question.time_limit == time_limit(Mode.MYTH_OR_FACT, question.text, saved_settings)
    assert question.time_limit >= 30.0, "20 s plus 50% (plus reading time for long claims)"
    assert last_question(channel).embeds[0].footer.text.endswith(f"{question.time_limit:g} s")


async def test_leaderboard_pages_with_buttons(simcord_env, world, store):
    from bot.core.scores import PlayerResult, RoundRecord, week_key

    guild, channel, owner, (ann, ben, cat) = world
    now = simcord_env.now()  # the bot's clock under simcord
    players = tuple(PlayerResult(1000 + n, points=n + 1, correct=True, answer_ms=900, streak=1) for n in range(25))
    await store.record_round(RoundRecord(guild.id, "seed:1", 1, "animals", now, players), week_key(now))
    await ann.send(channel, "!leaderboard")
    first = bot_messages(channel)[-1]
    assert first.embeds[0].footer.text == "Page 1 of 3 · 25 players"
    assert first.embeds[0].description.splitlines()[0].startswith("**1.** <@1024>: 25 points")
    previous, following = first.components[0].children
    assert previous.disabled and not following.disabled
    turned = await ben.click(first, label="Next ▶")
    assert turned.acknowledged
    refreshed = next(m for m in channel.history() if m.id == first.id)
    assert refreshed.embeds[0].footer.text == "Page 2 of 3 · 25 players"
    assert refreshed.embeds[0].description.splitlines()[0].startswith("**11.** <@1014>: 15 points")
    await ann.send(channel, "!leaderboard week 3")
    last = bot_messages(channel)[-1]
    assert last.embeds[0].footer.text == "Page 3 of 3 · 25 players"
    assert len(last.embeds[0].description.splitlines()) == 5
    assert last.components[0].children[1].disabled


async def test_leaderboard_buttons_walk_a_board_of_ties_with_every_member_once(simcord_env, world, store):
    from bot.core.scores import PlayerResult, RoundRecord, week_key

    guild, channel, owner, (ann, ben, cat) = world
    now = simcord_env.now()
    # 34 members: 4 apart, then 30 tied on points and right answers (sorted by user id alone).
    players = [PlayerResult(5000 + n, points=100 * (n + 1), correct=True) for n in range(4)]
    players += [PlayerResult(6000 + n, points=0, correct=False) for n in range(30)]
    await store.record_round(RoundRecord(guild.id, "seed:ties", 1, "animals", now, tuple(players)), week_key(now))
    expected = [5003, 5002, 5001, 5000, *range(6000, 6030)]

    def listed(message: discord.Message) -> list[int]:
        return [int(line.split("<@")[1].split(">")[0]) for line in message.embeds[0].description.splitlines()]

    await ann.send(channel, "!leaderboard")
    board = bot_messages(channel)[-1]
    seen, footers = listed(board), [board.embeds[0].footer.text]
    while not board.components[0].children[1].disabled:
        await ben.click(board, label="Next ▶")
        board = next(m for m in channel.history() if m.id == board.id)
        seen += listed(board)
        footers.append(board.embeds[0].footer.text)
    assert seen == expected
    assert footers == [f"Page {page} of 4 · 34 players" for page in (1, 2, 3, 4)]
    assert board.components[0].children[0].custom_id == f"mof:lb:{guild.id}:all:3:b0.0.6026", "the line to go on from"
    back: list[int] = []
    while not board.components[0].children[0].disabled:
        await ben.click(board, label="◀ Previous")
        board = next(m for m in channel.history() if m.id == board.id)
        back = listed(board) + back
    assert back + expected[30:] == expected
    assert all(line.startswith("**5.**") for line in board.embeds[0].description.splitlines()[4:]), "ties share 5th"


async def test_a_leaderboard_button_posted_before_page_keys_still_turns_the_page(simcord_env, world, store):
    from bot.core.scores import PlayerResult, RoundRecord, week_key

    guild, channel, owner, (ann, ben, cat) = world
    now = simcord_env.now()
    players = tuple(PlayerResult(1000 + n, points=n + 1, correct=True) for n in range(25))
    await store.record_round(RoundRecord(guild.id, "seed:old", 1, "animals", now, players), week_key(now))
    old = discord.ui.View(timeout=None)
    old.add_item(discord.ui.Button(label="Next ▶", custom_id=f"mof:lb:{guild.id}:all:2"))
    message = await simcord_env.bot.get_channel(channel.id).send("Leaderboard", view=old)
    turned = await ben.click(next(m for m in channel.history() if m.id == message.id), label="Next ▶")
    assert turned.acknowledged
    refreshed = next(m for m in channel.history() if m.id == message.id)
    assert refreshed.embeds[0].footer.text == "Page 2 of 3 · 25 players"
    assert refreshed.embeds[0].description.splitlines()[0].startswith("**11.** <@1014>: 15 points")


async def test_slash_quiz_where_the_bot_cannot_post_names_the_permission(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel(
        "read-only", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(send_messages=False)}
    )
    owner = guild.add_member(simcord_env.create_user("owner"))
    simcord_env.bot.owner_ids = {owner.id}
    lobby = guild.create_text_channel("lobby")
    await owner.send(lobby, "!sync")
    result = await owner.slash(channel, "quiz start")
    assert result.ephemeral
    assert result.response.content == "I need the **Send Messages, Embed Links** permission in this channel."
    assert simcord_env.bot.quizzes.all() == []
    expect_errors(simcord_env, commands.BotMissingPermissions)


async def test_a_running_quiz_survives_reloading_the_quiz_cog(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 1 myth-or-fact")
    question = last_question(channel)
    await simcord_env.bot.reload_extension("cogs.quiz")
    accepted = await ben.click(question, label="Myth")
    assert accepted.response.content.startswith("Answer locked in")
    await finish_round(simcord_env, channel)
    assert len(reveals(channel)) == 1
    assert bot_messages(channel)[-1].embeds[0].title == "Quiz over"


async def test_a_database_failure_ends_the_quiz_politely_and_keeps_earlier_scores(
    simcord_env, world, store, monkeypatch, caplog
):
    import sqlite3

    guild, channel, owner, (ann, ben, cat) = world
    real_record = store.record_round
    calls = []

    async def flaky_record(record, week):
        calls.append(record.round_key)
        if len(calls) == 2:
            raise sqlite3.OperationalError("database is locked")
        return await real_record(record, week)

    monkeypatch.setattr(store, "record_round", flaky_record)
    await ann.send(channel, "!quiz 3 myth-or-fact")
    for number in (1, 2):
        right = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
        await ann.click(last_question(channel), label=right)
        await finish_round(simcord_env, channel)
        if number == 1:
            await next_question(simcord_env, channel)
    final = bot_messages(channel)[-1].embeds[0]
    assert len(reveals(channel)) == 2
    assert final.title == "Quiz over"
    assert final.description.startswith("Sorry, something went wrong on my side")
    assert simcord_env.bot.quizzes.get(channel.id) is None, "the channel is free for a new quiz"
    assert (await store.member_rank(guild.id, "all", ann.id)).rounds == 1, "the first round's score was saved"
    crash = next(r for r in caplog.records if r.getMessage().endswith("crashed"))
    assert crash.levelname == "ERROR" and isinstance(crash.exc_info[1], sqlite3.OperationalError)


async def open_thread(env, parent, name: str = "quiz-thread"):
    """Have the bot open a public thread in ``parent``; return its handle."""
    await env.bot.get_channel(parent.id).create_thread(name=name, type=discord.ChannelType.public_thread)
    return next(thread for thread in parent.threads if thread.name == name)


async def test_a_quiz_plays_in_a_thread(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    thread = await open_thread(simcord_env, channel)
    await ann.send(thread, "!quiz 1 myth-or-fact")
    assert thread.history()[-2].content.startswith("**Quiz time!** 1 question")
    await ann.click(last_question(thread), label="Myth")
    await finish_round(simcord_env, thread)
    assert len(reveals(thread)) == 1
    assert bot_messages(thread)[-1].embeds[0].title == "Quiz over"


async def test_a_quiz_in_a_thread_needs_send_messages_in_threads(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    thread = await open_thread(simcord_env, channel)
    deny = discord.Permissions(send_messages_in_threads=True).value
    simcord_env.backend.set_overwrite(channel.id, Overwrite(simcord_env.bot.user.id, OverwriteType.MEMBER, deny=deny))
    await owner.send(channel, "!sync")
    result = await ann.slash(thread, "quiz start", rounds=1, mode="myth-or-fact")
    assert result.ephemeral
    # Send Messages itself is still granted: in a thread it is not the one Discord asks for.
    assert result.response.content == (
        "I need the **Send Messages in Threads, Embed Links** permission in this channel."
    )
    assert simcord_env.bot.quizzes.all() == []
    expect_errors(simcord_env, commands.BotMissingPermissions)


async def test_a_new_quiz_can_start_as_soon_as_the_standings_of_one_that_played_out_are_up(simcord_env, world):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 1 myth-or-fact")
    first = simcord_env.bot.quizzes.get(channel.id)
    refused_at_standings = []

    async def on_message(message: discord.Message) -> None:
        if message.author.bot and message.embeds and message.embeds[0].title == "Quiz over":
            # What `!quiz` checks first: whether the channel still holds a quiz.
            try:
                simcord_env.bot.quiz_runner.refuse_if_running(channel.id)
            except MythOrFactError as refusal:
                refused_at_standings.append(str(refusal))
            else:
                refused_at_standings.append(None)

    simcord_env.bot.add_listener(on_message)
    await finish_round(simcord_env, channel)
    simcord_env.bot.remove_listener(on_message)
    assert refused_at_standings == [None], "the channel is free when the standings are posted"
    await ben.send(channel, "!quiz 1 myth-or-fact")
    second = simcord_env.bot.quizzes.get(channel.id)
    assert second is not None and second is not first and second.session.starter_id == ben.id
    assert last_question(channel).embeds[0].title == "Question 1/1 · Myth or fact?"


async def test_the_reveal_does_not_wait_for_the_score_write_but_the_next_question_and_the_standings_do(
    simcord_env, world, store, monkeypatch
):
    guild, channel, owner, (ann, ben, cat) = world
    await ann.send(channel, "!quiz 2 myth-or-fact")
    record_round = store.record_round
    written: list[str] = []
    may_write, wrote = asyncio.Event(), asyncio.Event()

    async def slow_database(record, week):
        await simcord_env.external_wait(may_write.wait(), reason="a busy database")
        recorded = await record_round(record, week)
        written.append(record.round_key)
        wrote.set()
        return recorded

    monkeypatch.setattr(store, "record_round", slow_database)
    for number in (1, 2):
        may_write.clear()
        wrote.clear()
        right = simcord_env.bot.quizzes.get(channel.id).session.question.correct_option
        await ann.click(last_question(channel), label=right)
        await finish_round(simcord_env, channel)
        assert len(reveals(channel)) == number and len(written) == number - 1, "revealed while the write waits"
        await next_question(simcord_env, channel)
        titles = [m.embeds[0].title for m in bot_messages(channel) if m.embeds]
        assert titles[-1].startswith("Answer"), "no next question and no standings before the scores are saved"
        may_write.set()
        await wrote.wait()
        await simcord_env.advance_time(0.1)
        if number == 1:
            await next_question(simcord_env, channel)  # the pause starts once the round is saved
    standings = bot_messages(channel)[-1].embeds[0]
    assert standings.title == "Quiz over"
    mine = await store.member_rank(guild.id, "all", ann.id)
    assert (mine.correct, mine.rounds) == (2, 2)
    assert f"<@{ann.id}>: {mine.points} points, 2 right" in standings.description, "the standings match the store"
