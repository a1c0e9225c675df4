"""Behaviour tests: team quizzes (the lobby, team scoring, the team board) played through discord.py against simcord."""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError, UnknownTopic
from bot.core.teams import LOBBY_SECONDS, MAX_TEAM_MEMBERS, MAX_TEAMS, TEAM_NAME_MAX, JoinStatus, TeamLobby
from cogs.quiz import views
from tests.helpers import expect_errors, make_config


@pytest.fixture
def world(simcord_env):
    """A server with a quiz channel, the owner, and four players."""
    guild = simcord_env.create_guild(name="Quiz Club")
    channel = guild.create_text_channel("quiz")
    owner = guild.add_member(simcord_env.create_user("owner"))
    players = [guild.add_member(simcord_env.create_user(name)) for name in ("ann", "ben", "cat", "dan")]
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, owner, players


def bot_messages(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def lobby_of(channel) -> discord.Message:
    return next(m for m in reversed(bot_messages(channel)) if m.embeds and m.embeds[0].title.startswith("Team quiz"))


def team_field(message: discord.Message, team: str) -> discord.EmbedField:
    return next(field for field in message.embeds[0].fields if field.name.startswith(f"{team} ("))


def last_question(channel) -> discord.Message:
    return next(m for m in reversed(bot_messages(channel)) if m.embeds and m.embeds[0].title.startswith("Question"))


def right_option(simcord_env, channel) -> str:
    return simcord_env.bot.quizzes.get(channel.id).session.question.correct_option


def wrong_option(simcord_env, channel) -> str:
    question = simcord_env.bot.quizzes.get(channel.id).session.question
    return next(option for option in question.options if option != question.correct_option)


async def test_members_join_teams_with_buttons_and_the_winning_team_tops_the_board(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams 2 2 myth-or-fact")
    lobby = lobby_of(channel)
    assert lobby.embeds[0].title == "Team quiz: pick your team!"
    assert [c.label for row in lobby.components for c in row.children] == [
        "Join Red",
        "Join Blue",
        "Leave",
        "Start",
    ]
    joined = await ann.click(lobby, label="Join Red")
    assert joined.followups[-1].content == "You're in team **Red**. Good luck!"
    await ben.click(lobby_of(channel), label="Join Red")
    await cat.click(lobby_of(channel), label="Join Blue")
    lobby = lobby_of(channel)
    assert team_field(lobby, "Red").value == "ann, ben"
    assert team_field(lobby, "Blue").value == "cat"
    assert "<@" not in team_field(lobby, "Red").value, "display names, no mentions"

    started = await ann.click(lobby, label="Start")
    assert started.response.content == "Starting the team quiz!"
    assert any(m.content.startswith("**Quiz time!** 2 questions") for m in bot_messages(channel))
    closed = lobby_of(channel)
    assert closed.embeds[0].description == "Teams are set: the quiz is on!"
    assert closed.components == []

    for _ in range(2):
        question = last_question(channel)
        await ann.click(question, label=right_option(simcord_env, channel))
        await cat.click(question, label=wrong_option(simcord_env, channel))
        outsider = await dan.click(question, label=right_option(simcord_env, channel))
        assert outsider.ephemeral and outsider.response.content.startswith("This is a team quiz and you're not in")
        await simcord_env.advance_time(simcord_env.bot.quizzes.get(channel.id).session.question.time_limit + 1)
        reveal = next(
            m for m in reversed(bot_messages(channel)) if m.embeds and m.embeds[0].title.startswith("Answer:")
        )
        teams = next(field for field in reveal.embeds[0].fields if field.name == "Teams")
        assert teams.value.splitlines()[0].startswith("🥇 **Red**:")
        assert f"<@{dan.id}>" not in reveal.embeds[0].fields[0].value, "only team members score"
        await simcord_env.advance_time(5)

    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Team quiz over"
    assert final.description.startswith("🏆 **Red** wins the team quiz!")
    red, blue = final.fields
    assert red.name.startswith("🥇 Red ·") and red.value.startswith(f"Best: <@{ann.id}> with")
    assert blue.name == "🥈 Blue · 0 points" and blue.value.startswith("Nobody in this team scored.")

    await ben.send(channel, "!leaderboard teams")
    board = bot_messages(channel)[-1].embeds[0]
    assert board.title == "Team leaderboard · Quiz Club"
    first, second = board.description.splitlines()
    assert first.startswith("**1.** Red: 1 wins in 1 quizzes,")
    assert second == "**2.** Blue: 0 wins in 1 quizzes, 0 points"


async def test_a_member_is_in_one_team_at_a_time_and_can_switch_or_leave(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams 3 Owls, Foxes")
    lobby = lobby_of(channel)
    assert [field.name for field in lobby.embeds[0].fields] == ["Owls (0)", "Foxes (0)", "Red (0)"]
    await ben.click(lobby, label="Join Owls")
    again = await ben.click(lobby_of(channel), label="Join Owls")
    assert again.ephemeral and again.response.content == "You're already in team **Owls**."
    switched = await ben.click(lobby_of(channel), label="Join Foxes")
    assert switched.followups[-1].content == "You switched to team **Foxes**."
    lobby = lobby_of(channel)
    assert team_field(lobby, "Owls").value == "Nobody yet." and team_field(lobby, "Foxes").value == "ben"
    left = await ben.click(lobby, label="Leave")
    assert left.followups[-1].content == "You left team **Foxes**."
    not_in = await ben.click(lobby_of(channel), label="Leave")
    assert not_in.response.content == "You're not in a team."
    assert simcord_env.bot.quiz_runner.lobbies.get(channel.id).team_of(ben.id) is None


async def test_only_the_starter_or_a_moderator_starts_and_every_team_needs_a_member(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams 2 1 myth-or-fact")
    await ben.click(lobby_of(channel), label="Join Red")
    refused = await ben.click(lobby_of(channel), label="Start")
    assert refused.ephemeral and "Manage Messages" in refused.response.content
    empty = await ann.click(lobby_of(channel), label="Start")
    assert empty.response.content == "Every team needs a member before the start: nobody is in Blue yet."
    assert simcord_env.bot.quizzes.get(channel.id) is None
    mods = guild.create_role(name="Mods", permissions=discord.Permissions(manage_messages=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    await cat.click(lobby_of(channel), label="Join Blue")
    started = await mod.click(lobby_of(channel), label="Start")
    assert started.response.content == "Starting the team quiz!"
    assert simcord_env.bot.quizzes.get(channel.id).session.roster is not None


async def test_the_lobby_starts_by_itself_or_is_called_off_politely(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams 2 1 myth-or-fact")
    await ben.click(lobby_of(channel), label="Join Red")
    await simcord_env.advance_time(LOBBY_SECONDS + 1)
    note = "Sorry, the team quiz is called off: nobody joined Blue. Start a new one with `quiz teams` when everyone"
    assert bot_messages(channel)[-1].content.startswith(note)
    assert lobby_of(channel).components == [] and lobby_of(channel).embeds[0].description.startswith(note)

    await ann.send(channel, "!quiz teams 2 1 myth-or-fact")
    await ben.click(lobby_of(channel), label="Join Red")
    await cat.click(lobby_of(channel), label="Join Blue")
    await simcord_env.advance_time(LOBBY_SECONDS + 1)
    assert simcord_env.bot.quizzes.get(channel.id) is not None, "the lobby started the quiz by itself"


async def test_one_lobby_or_quiz_per_channel_and_bad_options_are_explained(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams 5")
    assert bot_messages(channel)[-1].content == "A team quiz has 2 to 4 teams."
    await simcord_env.advance_time(11)
    await ann.send(channel, "!quiz teams 2 Owls, owls")
    assert bot_messages(channel)[-1].content == "Each team needs its own name: `owls` is given twice."
    await simcord_env.advance_time(11)
    await ann.send(channel, "!quiz teams 2 99")
    assert bot_messages(channel)[-1].content == "A quiz has 1 to 50 questions."
    assert simcord_env.bot.quiz_runner.lobbies.all() == []
    await simcord_env.advance_time(11)
    await ann.send(channel, "!quiz teams")
    await simcord_env.advance_time(11)
    await ben.send(channel, "!quiz")
    assert bot_messages(channel)[-1].content.startswith("A team quiz is picking its teams here: https://discord.com/")
    assert simcord_env.bot.quizzes.get(channel.id) is None
    expect_errors(simcord_env, MythOrFactError, MythOrFactError, MythOrFactError, MythOrFactError)


async def test_slash_quiz_teams_with_names_and_the_slash_team_board(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await owner.send(channel, "!sync")
    result = await ann.slash(channel, "quiz teams", teams=2, rounds=1, mode="myth-or-fact", names="Owls, Foxes")
    assert result.response.embeds[0].title == "Team quiz: pick your team!"
    assert [field.name for field in result.response.embeds[0].fields] == ["Owls (0)", "Foxes (0)"]
    board = await ben.slash(channel, "leaderboard-teams")
    assert board.response.embeds[0].description == "No team quiz has been played here yet. Start one with `quiz teams`!"


async def test_a_restart_ends_a_team_quiz_like_any_quiz_and_old_lobby_buttons_answer_politely(
    simcord_env, world, store
):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams 2 2 myth-or-fact")
    await ann.click(lobby_of(channel), label="Join Red")
    await ben.click(lobby_of(channel), label="Join Blue")
    await ann.click(lobby_of(channel), label="Start")
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    final = bot_messages(channel)[-1].embeds[0]
    assert final.title == "Team quiz over" and "The bot is restarting" in final.description
    assert await store.count_teams(guild.id) == 0, "a quiz cut short by a restart is not on the team board"
    assert await store.running_quizzes() == []


async def test_buttons_of_a_lobby_the_bot_no_longer_knows_answer_politely(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams")
    lobbies = simcord_env.bot.quiz_runner.lobbies
    lobbies.remove(lobbies.get(channel.id))  # as after a crash: the message is still there, the lobby is gone
    for label in ("Join Red", "Leave", "Start"):
        late = await cat.click(lobby_of(channel), label=label)
        assert late.ephemeral and late.response.content == "This lobby has closed."


async def test_a_lobby_open_at_shutdown_is_called_off(simcord_env, world, store):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams")
    await simcord_env.restart_bot(MythOrFactBot(make_config(), store))
    assert lobby_of(channel).embeds[0].description == "The bot is restarting, so the team quiz is called off. Sorry!"
    assert lobby_of(channel).components == []


async def test_quiz_teams_needs_a_server(simcord_env):
    user = simcord_env.create_user("loner")
    await user.send_dm("!quiz teams")
    assert user.dm_channel.last_message.content == "This command only works in a server."
    expect_errors(simcord_env, commands.NoPrivateMessage)


def test_a_crowded_lobby_stays_within_discord_limits():
    lobby = TeamLobby(1, 2, 3, ("A" * TEAM_NAME_MAX, "Blue", "Green", "Yellow"), closes_at=60.0)
    for user_id in range(MAX_TEAMS * MAX_TEAM_MEMBERS):
        assert lobby.join(user_id, user_id % MAX_TEAMS, "@everyone " + "x" * 40) is JoinStatus.JOINED
    embed = views.lobby_embed(lobby)
    assert len(embed) <= 6000 and len(embed.fields) == MAX_TEAMS
    for field in embed.fields:
        assert len(field.value) <= 1024 and len(field.name) <= 256
        assert field.value.endswith(f" and {MAX_TEAM_MEMBERS - views.LOBBY_NAMES_SHOWN} more")
    labels = [item.item.label for item in views.lobby_view(lobby).children]
    assert all(len(label) <= 80 for label in labels) and len(labels) == MAX_TEAMS + 2


async def test_the_prefix_form_takes_a_topic_before_the_team_names_and_an_unknown_topic_is_refused_at_once(
    simcord_env, world
):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!quiz teams animals 1 myth-or-fact Owls, Foxes")
    lobby = lobby_of(channel)
    assert [field.name for field in lobby.embeds[0].fields] == ["Owls (0)", "Foxes (0)"]
    await ben.click(lobby, label="Join Owls")
    await cat.click(lobby_of(channel), label="Join Foxes")
    await ann.click(lobby_of(channel), label="Start")
    assert last_question(channel).embeds[0].footer.text.startswith("animals ·")
    assert simcord_env.bot.quizzes.get(channel.id).session.total_rounds == 1

    await owner.send(channel, "!sync")
    other = guild.create_text_channel("other")
    refused = await ann.slash(other, "quiz teams", topic="animal")
    assert refused.ephemeral and refused.response.content.startswith("I don't know the topic `animal`. Did you mean")
    assert simcord_env.bot.quiz_runner.lobbies.get(other.id) is None
    expect_errors(simcord_env, UnknownTopic)


async def test_help_lists_quiz_teams_and_the_team_board(simcord_env, world):
    guild, channel, owner, (ann, ben, cat, dan) = world
    await ann.send(channel, "!help")
    listing = "\n".join(field.value for field in bot_messages(channel)[-1].embeds[0].fields)
    assert "`teams`" in listing and "`!leaderboard-teams [page=1]` · `/leaderboard-teams`" in listing
    await ann.send(channel, "!help quiz teams")
    details = bot_messages(channel)[-1]
    text = details.content or details.embeds[0].description
    assert text.startswith("`!quiz teams [teams] [topic] [rounds] [")
    assert "Start a team quiz: members pick a team with buttons" in text and "Only members of a" in text
