"""Behaviour tests: adaptive difficulty through discord.py against simcord (the setting, and what quizzes draw)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import discord
import pytest_asyncio

from bot.core.errors import MythOrFactError
from bot.core.packs import Item, Pack, Source
from bot.core.scores import PlayerResult, RoundRecord
from bot.storage.sqlite.store import SqliteStore
from cogs.utils.checks import NotModerator
from tests.helpers import expect_errors

ANSWERS_PER_ITEM = 20
RIGHT_BY_DIFFICULTY = {1: 16, 2: 11, 3: 4}
"""Seeded answers to each pool item in another server: easy items are mostly answered right, hard ones rarely."""
STATS_GUILD = 999
PLAYED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def pool_pack() -> Pack:
    """Eight easy, eight medium and eight hard myths about ``pool``, and a warm-up item to seed records on."""
    items = [
        Item(
            id=f"pool-{number:02d}",
            kind="myth",
            claim=f"Pool claim number {number} that people repeat.",
            truth=f"Pool truth number {number}.",
            topic="pool",
            difficulty=1 + number % 3,
            source=Source("Pool source", "https://example.org/pool"),
        )
        for number in range(24)
    ]
    warmup = Item(
        id="warmup",
        kind="fact",
        claim="A warm-up fact for seeding records.",
        truth="It only seeds members' records.",
        topic="warmup",
        difficulty=1,
        source=Source("Warm-up source", "https://example.org/warmup"),
    )
    return Pack("pool", "Pool", "A seeded pool.", "Tests", "CC0", "1", (*items, warmup))


@pytest_asyncio.fixture
async def store() -> AsyncIterator[SqliteStore]:
    """The pool, with each item's correct rate seeded from answers in another server."""
    opened = await SqliteStore.open(None)
    await opened.sync_packs([pool_pack()])
    for item in await opened.pick_quiz_items(STATS_GUILD, 24, ["myth-or-fact"], "pool"):
        right = RIGHT_BY_DIFFICULTY[item.difficulty]
        players = tuple(PlayerResult(10_000 + n, 10 if n < right else 0, n < right) for n in range(ANSWERS_PER_ITEM))
        await opened.record_round(
            RoundRecord(STATS_GUILD, f"seed:{item.pk}", item.pk, "pool", PLAYED, players), "2026-W48"
        )
    yield opened
    await opened.close()


async def make_regular(store: SqliteStore, guild_id: int, user_id: int, rounds: int = 100, right: int = 90) -> None:
    """Give a member a long, strong record in a server (rounds on the warm-up item)."""
    warmup = await store.get_item("pool/warmup")
    for number in range(rounds):
        result = PlayerResult(user_id, 10 if number < right else 0, number < right)
        record = RoundRecord(guild_id, f"warmup:{user_id}:{number}", warmup.pk, "warmup", PLAYED, (result,))
        await store.record_round(record, "2026-W48")


def questions(channel) -> list[discord.Embed]:
    return [
        m.embeds[0] for m in channel.history() if m.author.bot and m.embeds and m.embeds[0].title.startswith("Question")
    ]


def difficulty_shown(embed: discord.Embed) -> int:
    """The stars of a question's footer (``pool · ★★★ · 15 s``)."""
    return embed.footer.text.count("★")


async def play_out(env, channel, player) -> list[int]:
    """Let ``player`` answer every question of the channel's quiz; return the difficulties asked, in order."""
    asked: list[int] = []
    while (running := env.bot.quizzes.get(channel.id)) is not None:
        if running.session.question is None:
            await env.advance_time(1)
            continue
        message = next(m for m in reversed(channel.history()) if m.embeds and m.embeds[0].title.startswith("Question"))
        asked.append(difficulty_shown(message.embeds[0]))
        await player.click(message, label="Myth")
        await env.advance_time(running.session.question.time_limit + 0.5)
    return asked


async def test_a_moderator_turns_adaptive_difficulty_on_and_off_and_it_is_shown_and_audited(simcord_env, store):
    guild = simcord_env.create_guild(name="Adaptive Club")
    channel = guild.create_text_channel("quiz")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    owner = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    member = guild.add_member(simcord_env.create_user("member"))
    await owner.send(channel, "!config quiz adaptive on")
    assert channel.history()[-1].embeds[0].description.startswith("Adaptive difficulty: **on**")
    assert (await store.server_settings(guild.id)).quiz_adaptive is True
    await owner.send(channel, "!config quiz adaptive on")
    assert channel.history()[-1].content == "Nothing to change: adaptive difficulty is already on."
    await owner.send(channel, "!config")
    quiz_field = next(f for f in channel.history()[-1].embeds[0].fields if f.name == "Quiz defaults")
    assert "Adaptive difficulty: **on**" in quiz_field.value
    await owner.send(channel, "!config quiz adaptive maybe")
    assert "Choose one of `on`, `off`" in channel.history()[-1].content
    await owner.send(channel, "!config quiz adaptive off")
    assert (await store.server_settings(guild.id)).quiz_adaptive is False
    details = [entry.detail for entry in await store.audit_history(guild.id)]
    assert details[:2] == ["quiz_adaptive: True → False", "quiz_adaptive: False → True"]
    await owner.send(channel, "!config quiz")
    assert "config quiz adaptive on" in channel.history()[-1].content
    await member.send(channel, "!config quiz adaptive on")
    assert "Manage Server" in channel.history()[-1].content
    assert (await store.server_settings(guild.id)).quiz_adaptive is False
    await owner.send(channel, "!help config quiz")
    assert "adaptive" in channel.history()[-1].embeds[0].description
    expect_errors(simcord_env, MythOrFactError, MythOrFactError, NotModerator)


async def test_with_adaptive_on_a_regulars_quiz_draws_harder_items_than_a_newcomers(simcord_env, store):
    newcomer_guild = simcord_env.create_guild(name="Newcomers")
    regular_guild = simcord_env.create_guild(name="Regulars")
    games = []
    for guild in (newcomer_guild, regular_guild):
        channel = guild.create_text_channel("quiz")
        player = guild.add_member(simcord_env.create_user(f"player-{guild.name}"))
        await store.update_server_settings(guild.id, {"quiz_adaptive": True})
        games.append((channel, player))
    (newcomer_channel, newcomer), (regular_channel, regular) = games
    await make_regular(store, regular_guild.id, regular.id)

    await newcomer.send(newcomer_channel, "!quiz pool 4 myth-or-fact")
    newcomer_asked = await play_out(simcord_env, newcomer_channel, newcomer)
    await regular.send(regular_channel, "!quiz pool 4 myth-or-fact")
    regular_asked = await play_out(simcord_env, regular_channel, regular)

    assert len(newcomer_asked) == len(regular_asked) == 4
    assert newcomer_asked == [1, 1, 1, 1], "a newcomer gets the easy items"
    assert regular_asked == [3, 3, 3, 3], "a strong regular gets the hard ones"
    assert bot_standings_title(newcomer_channel) == bot_standings_title(regular_channel) == "Quiz over"


async def test_the_next_quiz_starts_for_the_channels_last_players_except_one_who_used_forgetme(simcord_env, store):
    guild = simcord_env.create_guild(name="Regulars")
    channel = guild.create_text_channel("quiz")
    ann, ben, cat = (guild.add_member(simcord_env.create_user(name)) for name in ("ann", "ben", "cat"))
    await store.update_server_settings(guild.id, {"quiz_adaptive": True})
    await ann.send(channel, "!quiz pool 1 myth-or-fact")
    question = next(m for m in reversed(channel.history()) if m.embeds and m.embeds[0].title.startswith("Question"))
    await ann.click(question, label="Myth")
    await ben.click(question, label="Fact")
    await play_out(simcord_env, channel, ann)
    await ben.send(channel, "!forgetme")
    await ben.click(channel.last_message, label="Delete my data")
    await cat.send(channel, "!quiz pool 1 myth-or-fact")
    assert simcord_env.bot.quizzes.get(channel.id).adaptive.players == [cat.id, ann.id]
    await play_out(simcord_env, channel, cat)


def bot_standings_title(channel) -> str:
    return [m for m in channel.history() if m.author.bot and m.embeds][-1].embeds[0].title
