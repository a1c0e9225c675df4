"""The quiz cog: start, skip and stop games, take typed answers, and drive each session's rounds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError, UnknownTopic
from bot.core.i18n import _
from bot.core.quiz import MIXED, Mode, Question, QuizSession, RoundResult, RunningQuiz, Standing
from bot.core.quiz_runner import MAX_ROUNDS, check_rounds
from bot.core.teams import MAX_TEAMS, MIN_TEAMS, TeamLobby, TeamRoster, choose_team_names
from bot.core.text import normalize_topic
from cogs.quiz import views
from cogs.utils import render
from cogs.utils.autocomplete import match_topics, topic_autocomplete
from cogs.utils.checks import require_bot_can_post, require_moderator

log = logging.getLogger(__name__)

ModeChoice = Literal["mixed", "myth-or-fact", "choice", "typed"]


class NotATopic(commands.Converter[str]):
    """A topic name; refuses numbers and mode names so `!quiz 5 typed` reads as rounds and mode."""

    async def convert(self, ctx: commands.Context, argument: str) -> str:
        """Accept anything that is not a number or a mode name."""
        if argument.isdigit() or argument.lower() in (MIXED, *Mode):
            raise commands.BadArgument("not a topic")
        return argument


class KnownTopic(commands.Converter[str]):
    """A topic of this server, in `!quiz teams`: any other word is left for the team names that may follow.

    In `/quiz teams` the topic is its own option, so any text is taken (an unknown one is answered with suggestions).
    """

    async def convert(self, ctx: commands.Context, argument: str) -> str:
        """Accept a topic name this server has."""
        if ctx.interaction is not None:
            return argument
        if argument.isdigit() or argument.lower() in (MIXED, *Mode):
            raise commands.BadArgument("not a topic")
        topics = {topic.topic for topic in await ctx.bot.store.topics(ctx.guild.id if ctx.guild else None)}
        if normalize_topic(argument) not in topics:
            raise commands.BadArgument("not a topic")
        return argument


def may_control(member: discord.Member | discord.User, channel: discord.abc.GuildChannel, session: QuizSession) -> bool:
    """Whether a member may skip or stop: the starter, or a moderator with Manage Messages."""
    if member.id == session.starter_id:
        return True
    return isinstance(member, discord.Member) and channel.permissions_for(member).manage_messages


class Quiz(commands.Cog):
    """Quiz games played by a whole channel."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot
        self._starts_by_prefix: dict[tuple[str, int], tuple[str, ...]] = {}

    async def cog_load(self) -> None:
        """Register the buttons (they respond even after a restart), the guess hook and the channel presenter."""
        self.bot.add_dynamic_items(views.AnswerButton, views.DisputeButton, views.TeamButton)
        self.bot.message_hooks.append(self.take_guess)
        self.bot.quiz_runner.presenter_for = self.presenter_for

    async def cog_unload(self) -> None:
        """Stop listening for buttons and guesses; running games keep going (they live on the bot)."""
        self.bot.remove_dynamic_items(views.AnswerButton, views.DisputeButton, views.TeamButton)
        self.bot.message_hooks.remove(self.take_guess)
        self.bot.quiz_runner.presenter_for = None

    def presenter_for(self, channel_id: int) -> ChannelPresenter | None:
        """Return the presenter of a channel this process can see (for the quiz runner), else ``None``."""
        channel = self.bot.get_channel(channel_id)
        return ChannelPresenter(channel) if isinstance(channel, discord.abc.Messageable) else None

    # -- commands ------------------------------------------------------------------------------

    @commands.hybrid_group(name="quiz", fallback="start", invoke_without_command=True)
    @commands.guild_only()
    @app_commands.describe(
        topic="Only questions about this topic (see topics)",
        rounds=f"How many questions (1-{MAX_ROUNDS}, default 10)",
        mode="myth-or-fact, choice, typed, or mixed (default)",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def quiz(
        self,
        ctx: commands.Context[MythOrFactBot],
        topic: NotATopic | None = None,
        rounds: int | None = None,
        mode: ModeChoice | None = None,
    ) -> None:
        """Start a quiz in this channel: myth-or-fact, choice and typed rounds, scored on the leaderboard."""
        assert ctx.guild is not None
        self.bot.quiz_runner.refuse_if_running(ctx.channel.id)
        # Questions are posted to the channel (not as replies), so the bot needs these even for /quiz.
        require_bot_can_post(ctx)
        stop = f"{ctx.clean_prefix if ctx.interaction is None else '/'}quiz stop"
        await self.bot.quiz_runner.start(
            guild_id=ctx.guild.id,
            channel_id=ctx.channel.id,
            starter_id=ctx.author.id,
            announce=lambda session, wanted: ctx.send(
                render.quiz_announcement(session, wanted, topic, ctx.author, stop)
            ),
            command_prefix=await self.bot.prefix_in(ctx.guild.id),
            topic=topic,
            rounds=rounds,
            mode=mode,
        )

    @quiz.command(name="teams")
    @commands.guild_only()
    @app_commands.describe(
        teams=f"How many teams ({MIN_TEAMS}-{MAX_TEAMS}; default 2, or as many as you name)",
        topic="Only questions about this topic (see topics)",
        rounds=f"How many questions (1-{MAX_ROUNDS}, default 10)",
        mode="myth-or-fact, choice, typed, or mixed (default)",
        names="Team names separated by commas, e.g. Owls, Foxes (default Red, Blue, Green, Yellow)",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def quiz_teams(
        self,
        ctx: commands.Context[MythOrFactBot],
        teams: int | None = None,
        topic: KnownTopic | None = None,
        rounds: int | None = None,
        mode: ModeChoice | None = None,
        *,
        names: str | None = None,
    ) -> None:
        """Start a team quiz: members pick a team with buttons; right answers score for them and their team.

        Prefix form: `quiz teams [teams] [topic] [rounds] [mode] [names, separated, by commas]`. Only members of a
        team score; the lobby starts when its starter (or a moderator) presses Start, or by itself after a minute.
        """
        assert ctx.guild is not None
        team_names = choose_team_names(teams, names)
        check_rounds(rounds)
        if topic is not None:  # checked now, not when the lobby ends a minute later
            known = [summary.topic for summary in await self.bot.store.topics(ctx.guild.id)]
            if normalize_topic(topic) not in known:
                raise UnknownTopic(topic, match_topics(known, topic, 3))
        self.bot.quiz_runner.refuse_if_running(ctx.channel.id)
        require_bot_can_post(ctx)
        guild, channel, starter = ctx.guild, ctx.channel, ctx.author
        stop = f"{ctx.clean_prefix if ctx.interaction is None else '/'}quiz stop"
        prefix = await self.bot.prefix_in(guild.id)

        async def start_quiz(roster: TeamRoster) -> None:
            await self.bot.quiz_runner.start(
                guild_id=guild.id,
                channel_id=channel.id,
                starter_id=starter.id,
                announce=lambda session, wanted: channel.send(
                    render.quiz_announcement(session, wanted, topic, starter, stop)
                ),
                command_prefix=prefix,
                topic=topic,
                rounds=rounds,
                mode=mode,
                roster=roster,
            )

        await self.bot.team_quizzes.open(
            guild_id=guild.id,
            channel_id=channel.id,
            starter_id=starter.id,
            names=team_names,
            presenter=LobbyMessage(ctx),
            start_quiz=start_quiz,
        )

    @quiz.command(name="stop", extras={"private_reply": True})
    @commands.guild_only()
    async def quiz_stop(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Stop the quiz in this channel now (the starter, or a moderator with Manage Messages)."""
        running = self._controllable(ctx)
        if await self.bot.quiz_runner.stop(running):
            await ctx.send(
                _("Quiz stopped: the answer and the standings are up, and a new quiz can start."), ephemeral=True
            )
        else:
            await ctx.send(
                _(
                    "Stopping the quiz: the answer and the standings are on their way, and a new quiz can start here "
                    "as soon as they are posted."
                ),
                ephemeral=True,
            )

    @quiz.command(name="skip")
    @commands.guild_only()
    async def quiz_skip(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Skip the current question (the starter, or a moderator with Manage Messages)."""
        running = self._controllable(ctx)
        running.skip_requested = True
        self.bot.quiz_runner.wake(running)
        await ctx.send(_("Skipping this question."), ephemeral=True)

    @quiz.command(name="settings", ignore_extra=False)
    @commands.guild_only()
    @app_commands.describe(
        rounds="Questions per quiz (1-50)",
        seconds="Time for a myth-or-fact question (5-120); choice gets 5 s more, typed twice as long",
        extra_time="Accessibility: extra time for every question, in percent (0-200)",
        hints="Show letter hints in typed rounds",
        idle_rounds="End a quiz after this many unanswered questions in a row (1-10)",
        mode="The mode when a quiz starter does not choose one",
    )
    async def quiz_settings(
        self,
        ctx: commands.Context[MythOrFactBot],
        rounds: int | None = None,
        seconds: int | None = None,
        extra_time: int | None = None,
        hints: bool | None = None,
        idle_rounds: int | None = None,
        mode: ModeChoice | None = None,
    ) -> None:
        """Show this server's quiz settings; moderators (Manage Server or the moderator role) can change them."""
        assert ctx.guild is not None
        changes = {
            name: value
            for name, value in (
                ("quiz_rounds", rounds),
                ("quiz_seconds", seconds),
                ("quiz_extra_time", extra_time),
                ("quiz_hints", hints),
                ("quiz_idle_rounds", idle_rounds),
                ("quiz_mode", mode),
            )
            if value is not None
        }
        if changes:
            await require_moderator(ctx.author, ctx.guild, await self.bot.store.server_settings(ctx.guild.id))
            current = await self.bot.store.update_server_settings(ctx.guild.id, changes, ctx.author.id)
            log.info("Quiz settings of guild %s changed by %s: %s", ctx.guild.id, ctx.author.id, changes)
        else:
            current = await self.bot.store.server_settings(ctx.guild.id)
        await ctx.send(embed=views.settings_embed(current, changed=bool(changes)))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Close quizzes a crash interrupted, in servers this process serves, with a message in their channels."""
        await self._close_interrupted(self._serves)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Close the interrupted quizzes of a server that became available after ready (left out at ready)."""
        if self.bot.is_ready():
            await self._close_interrupted(lambda guild_id: guild_id == guild.id)

    async def _close_interrupted(self, serves: Callable[[int], bool]) -> None:
        try:
            await self.bot.quiz_runner.close_interrupted(serves, self._say_interrupted)
        except Exception as exc:  # a locked database must not stop the bot from serving
            log.error("Could not close interrupted quizzes: %s", exc)

    def _serves(self, guild_id: int) -> bool:
        # Not: a server another process (shard) serves, one the bot left, or one Discord has not sent yet (its
        # channels are unknown until it is available).
        guild = self.bot.get_guild(guild_id)
        return guild is not None and not guild.unavailable

    async def _say_interrupted(self, channel_id: int, text: str) -> None:
        channel = self.bot.get_channel(channel_id)
        postable = isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel)
        if postable and channel.permissions_for(channel.guild.me).send_messages:
            await _quietly(channel.send(text))

    def _controllable(self, ctx: commands.Context[MythOrFactBot]) -> RunningQuiz:
        running = self.bot.quizzes.get(ctx.channel.id)
        if running is None:
            raise MythOrFactError(_("No quiz is running in this channel. Start one with `quiz`."))
        if not may_control(ctx.author, ctx.channel, running.session):  # type: ignore[arg-type]
            raise MythOrFactError(
                _(
                    "Only the member who started the quiz or a moderator with the **Manage Messages** permission "
                    "can do that."
                )
            )
        return running

    # -- typed answers -------------------------------------------------------------------------

    def take_guess(self, message: discord.Message) -> bool:
        """Judge a message as a guess if a typed round is open in its channel; return whether it was one.

        Runs for every message before command parsing, so it stays cheap: a dictionary lookup when no quiz runs.
        Commands (the prefix, or a mention of the bot) are left to the command parser.
        """
        running = self.bot.quizzes.get(message.channel.id)
        if running is None or running.session.question is None or running.session.question.mode is not Mode.TYPED:
            return False
        if message.content.startswith(self._command_starts(running.command_prefix)):
            return False
        running.session.answer_typed(message.author.id, message.content, self.bot.loop.time())
        if running.session.round_won:
            self.bot.quiz_runner.wake(running)
        return True

    def _command_starts(self, quiz_prefix: str) -> tuple[str, ...]:
        """How a command message starts (the quiz's server prefix, the default prefix, a mention); built once."""
        user_id = self.bot.user.id if self.bot.user else 0
        key = (quiz_prefix, user_id)
        starts = self._starts_by_prefix.get(key)
        if starts is None:
            starts = (quiz_prefix, self.bot.config.command_prefix, f"<@{user_id}>", f"<@!{user_id}>")
            self._starts_by_prefix[key] = starts
        return starts


class ChannelPresenter:
    """Shows one quiz in its Discord channel (the :class:`bot.core.quiz_runner.QuizPresenter` of the quiz cog)."""

    def __init__(self, channel: discord.abc.Messageable) -> None:
        self.channel = channel
        self._asked: discord.Message | None = None

    async def ask(self, session: QuizSession, question: Question) -> int:
        """Post a question with its answer buttons."""
        self._asked = await self.channel.send(
            embed=views.question_embed(session, question), view=views.answer_view(session, question)
        )
        return self._asked.id

    async def close_question(self, question: Question, message_id: int) -> None:
        """Grey out a question's buttons, showing the right one."""
        closed = views.closed_view(question)
        if closed is not None and self._asked is not None and self._asked.id == message_id:
            await _quietly(self._asked.edit(view=closed))
            closed.stop()  # greyed-out buttons take no presses: without this discord.py keeps the view for good

    async def hint(self, text: str) -> None:
        """Post a hint."""
        await _quietly(self.channel.send(text))

    async def reveal(self, result: RoundResult) -> None:
        """Post the reveal with its Dispute button."""
        await self.channel.send(embed=views.reveal_embed(result), view=views.dispute_view(result.question.item.pk))

    async def finish(self, session: QuizSession, standings: list[Standing], reason: str) -> None:
        """Post the final standings."""
        await _quietly(self.channel.send(embed=views.standings_embed(session, standings, reason)))


class LobbyMessage:
    """Shows a team lobby as the reply to `quiz teams` (the :class:`bot.core.team_runner.LobbyPresenter` of the cog)."""

    def __init__(self, ctx: commands.Context[MythOrFactBot]) -> None:
        self.ctx = ctx
        self._message: discord.Message | None = None

    async def show(self, lobby: TeamLobby) -> int:
        """Post the lobby with its buttons."""
        self._message = await self.ctx.send(embed=views.lobby_embed(lobby), view=views.lobby_view(lobby))
        return self._message.id

    async def close(self, lobby: TeamLobby, note: str) -> None:
        """Show the final teams and the note, without buttons."""
        if self._message is not None:
            await _quietly(self._message.edit(embed=views.lobby_embed(lobby, note), view=None))

    async def say(self, text: str) -> None:
        """Post a message in the lobby's channel."""
        await _quietly(self.ctx.channel.send(text))


async def _quietly(awaitable: Awaitable[object]) -> None:
    """Run a best-effort Discord call (editing old buttons, a hint), logging instead of failing the quiz."""
    try:
        await awaitable
    except discord.HTTPException as exc:
        log.warning("Quiz message failed: %s", exc)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Quiz(bot))
