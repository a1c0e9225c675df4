"""The quiz cog: start, skip and stop games, take typed answers, and drive each session's rounds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MythOrFactBot
from bot.errors import MythOrFactError
from bot.quiz import MIXED, Mode, QuizSession, RunningQuiz, plan_rounds
from bot.scores import week_key
from bot.text import clip
from cogs import quiz_ui
from cogs.checks import require_moderator
from cogs.errors import require_bot_can_post
from cogs.facts import Facts

log = logging.getLogger(__name__)

MAX_ROUNDS = 50
ModeChoice = Literal["mixed", "myth-or-fact", "choice", "typed"]


class NotATopic(commands.Converter[str]):
    """A topic name; refuses numbers and mode names so `!quiz 5 typed` reads as rounds and mode."""

    async def convert(self, ctx: commands.Context, argument: str) -> str:
        """Accept anything that is not a number or a mode name."""
        if argument.isdigit() or argument.lower() in (MIXED, *Mode):
            raise commands.BadArgument("not a topic")
        return argument


def jump_url(session: QuizSession) -> str:
    """Return a link to the session's current question message (or its channel)."""
    base = f"https://discord.com/channels/{session.guild_id}/{session.channel_id}"
    return f"{base}/{session.message_id}" if session.message_id else base


def may_control(member: discord.Member | discord.User, channel: discord.abc.GuildChannel, session: QuizSession) -> bool:
    """Whether a member may skip or stop: the starter, or a moderator with Manage Messages."""
    if member.id == session.starter_id:
        return True
    return isinstance(member, discord.Member) and channel.permissions_for(member).manage_messages


class Quiz(commands.Cog):
    """Quiz games played by a whole channel."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the answer and dispute buttons (they respond even after a restart) and the guess hook."""
        self.bot.add_dynamic_items(quiz_ui.AnswerButton, quiz_ui.DisputeButton)
        self.bot.message_hooks.append(self.take_guess)

    async def cog_unload(self) -> None:
        """Stop listening for buttons and guesses; running games keep going (they live on the bot)."""
        self.bot.remove_dynamic_items(quiz_ui.AnswerButton, quiz_ui.DisputeButton)
        self.bot.message_hooks.remove(self.take_guess)

    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer topics, like fact and myth do."""
        facts = self.bot.get_cog("Facts")
        return await facts.topic_autocomplete(interaction, current) if isinstance(facts, Facts) else []

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
        running = self.bot.quizzes.get(ctx.channel.id)
        if running is not None:
            raise MythOrFactError(f"A quiz is already running here: {jump_url(running.session)}")
        # Questions are posted to the channel (not as replies), so the bot needs these even for /quiz.
        require_bot_can_post(ctx)
        stop = f"{ctx.clean_prefix if ctx.interaction is None else '/'}quiz stop"
        await start_quiz(
            self.bot, ctx.channel, ctx.author, ctx.send, topic=topic, rounds=rounds, mode=mode, stop_command=stop
        )

    @quiz.command(name="stop")
    @commands.guild_only()
    async def quiz_stop(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Stop the quiz in this channel (the starter, or a moderator with Manage Messages)."""
        running = self._controllable(ctx)
        running.session.stop()
        running.skip_requested = True
        wake(self.bot, running)
        await ctx.send("Stopping the quiz after this question.", ephemeral=True)

    @quiz.command(name="skip")
    @commands.guild_only()
    async def quiz_skip(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Skip the current question (the starter, or a moderator with Manage Messages)."""
        running = self._controllable(ctx)
        running.skip_requested = True
        wake(self.bot, running)
        await ctx.send("Skipping this question.", ephemeral=True)

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
        await ctx.send(embed=quiz_ui.settings_embed(current, changed=bool(changes)))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Close quizzes a crash interrupted (see :func:`close_interrupted_quizzes`)."""
        try:
            await close_interrupted_quizzes(self.bot)
        except Exception as exc:  # a locked database must not stop the bot from serving
            log.error("Could not close interrupted quizzes: %s", exc)

    def _controllable(self, ctx: commands.Context[MythOrFactBot]) -> RunningQuiz:
        running = self.bot.quizzes.get(ctx.channel.id)
        if running is None:
            raise MythOrFactError("No quiz is running in this channel. Start one with `quiz`.")
        if not may_control(ctx.author, ctx.channel, running.session):  # type: ignore[arg-type]
            raise MythOrFactError(
                "Only the member who started the quiz or a moderator with the **Manage Messages** permission "
                "can do that."
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
        content = message.content
        if content.startswith((running.command_prefix, self.bot.config.command_prefix, *self._mentions)):
            return False
        running.session.answer_typed(message.author.id, content, self.bot.loop.time())
        if running.session.round_won:
            wake(self.bot, running)
        return True

    @property
    def _mentions(self) -> tuple[str, ...]:
        user_id = self.bot.user.id if self.bot.user else 0
        return (f"<@{user_id}>", f"<@!{user_id}>")


async def start_quiz(
    bot: MythOrFactBot,
    channel: discord.abc.GuildChannel,
    starter: discord.Member | discord.User,
    announce: Callable[[str], Awaitable[object]],
    *,
    topic: str | None = None,
    rounds: int | None = None,
    mode: str | None = None,
    stop_command: str = "quiz stop",
) -> RunningQuiz:
    """Start a quiz in ``channel`` (from the quiz command, or a daily post's button) and announce it.

    The caller has checked that the bot can post there; raises a friendly error if a quiz already runs there,
    ``rounds`` is out of range, or there are no questions.
    """
    running = bot.quizzes.get(channel.id)
    if running is not None:
        raise MythOrFactError(f"A quiz is already running here: {jump_url(running.session)}")
    if rounds is not None and not 1 <= rounds <= MAX_ROUNDS:
        raise MythOrFactError(f"A quiz has 1 to {MAX_ROUNDS} questions.")
    server = await bot.store.server_settings(channel.guild.id)
    settings = server.quiz()
    wanted = rounds or settings.rounds
    mode = mode or server.quiz_mode
    if mode != MIXED and mode not in set(Mode):  # a slash command registered by an older version can send anything
        raise MythOrFactError(f"There is no quiz mode `{clip(mode, 50)}`. Use myth-or-fact, choice, typed or mixed.")
    modes = list(Mode) if mode == MIXED else [Mode(mode)]
    rng = random.Random()
    items = await bot.store.pick_quiz_items(channel.guild.id, wanted, [m.value for m in modes], topic, rng)
    session = QuizSession(
        guild_id=channel.guild.id,
        channel_id=channel.id,
        starter_id=starter.id,
        items=plan_rounds(items, modes, rng),
        settings=settings,
        rng=rng,
    )
    running = RunningQuiz(session, command_prefix=await bot.prefix_in(channel.guild.id))
    bot.quizzes.add(running)
    try:
        await bot.store.record_running_quiz(session.id, session.guild_id, session.channel_id, discord.utils.utcnow())
    except BaseException:
        bot.quizzes.remove(running)
        raise
    about = f" about `{topic}`" if topic else ""
    short = f" (only {session.total_rounds} questions available)" if session.total_rounds < wanted else ""
    try:
        await announce(
            f"**Quiz time!** {session.total_rounds} question{'' if session.total_rounds == 1 else 's'}{about}{short}, "
            f"started by {starter.mention}. `{stop_command}` ends it."
        )
    except BaseException:
        bot.quizzes.remove(running)
        await _forget_running(bot, session.id)
        raise
    running.task = asyncio.create_task(run_quiz(bot, running), name=f"quiz-{session.id}")
    running.task.add_done_callback(lambda task: _quiz_finished(bot, running, task))
    return running


WAKE_EVENT = "quiz_wake"


def wake(bot: MythOrFactBot, running: RunningQuiz) -> None:
    """Tell a quiz's driver to look at its session now (a typed winner, a skip, a stop)."""
    bot.dispatch(WAKE_EVENT, running.session.id)


async def nap(bot: MythOrFactBot, running: RunningQuiz, seconds: float) -> None:
    """Sleep up to ``seconds``, waking early if the quiz is poked."""
    with contextlib.suppress(TimeoutError):
        await bot.wait_for(WAKE_EVENT, check=lambda session_id: session_id == running.session.id, timeout=seconds)


def _quiz_finished(bot: MythOrFactBot, running: RunningQuiz, task: asyncio.Task[None]) -> None:
    """Forget a finished quiz and log how it ended."""
    bot.quizzes.remove(running)
    if task.cancelled():
        log.info("Quiz %s cancelled", running.session.id)
    elif task.exception() is not None:
        log.error("Quiz %s crashed", running.session.id, exc_info=task.exception())


async def run_quiz(bot: MythOrFactBot, running: RunningQuiz) -> None:
    """Play a session to its end; however it ends, it is no longer recorded as running."""
    try:
        await _play_quiz(bot, running)
    finally:
        # Shielded so that a second stop request (SIGTERM twice) cannot leave the quiz looking interrupted.
        await asyncio.shield(_forget_running(bot, running.session.id))


INTERRUPTED = "The quiz here was interrupted by a restart; scores of finished questions are saved."


async def _forget_running(bot: MythOrFactBot, session_id: str) -> bool:
    """Remove a quiz's crash-recovery row; return whether it was there. A database failure is only logged."""
    try:
        return await bot.store.forget_running_quiz(session_id)
    except Exception as exc:
        log.warning("Could not mark quiz %s as finished: %s", session_id, exc)
        return False


async def close_interrupted_quizzes(bot: MythOrFactBot) -> int:
    """Close quizzes an earlier process left running (a crash): say so in their channels; return how many.

    Quizzes of this process are skipped, so running this on every READY (reconnects included) is safe; each row
    is deleted before its message is sent, so a quiz is announced as interrupted at most once.
    """
    closed = 0
    for session_id, guild_id, channel_id in await bot.store.running_quizzes():
        if bot.get_guild(guild_id) is None:
            continue  # a server another process (shard) serves, or one the bot left: not ours to close
        if bot.quizzes.by_session_id(session_id) is not None or not await _forget_running(bot, session_id):
            continue
        closed += 1
        channel = bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel):
            continue  # gone, or not a channel of this process
        if channel.permissions_for(channel.guild.me).send_messages:
            await _quietly(channel.send(INTERRUPTED))
    if closed:
        log.info("Closed %d quiz(zes) interrupted by a restart", closed)
    return closed


async def _play_quiz(bot: MythOrFactBot, running: RunningQuiz) -> None:
    """Drive one session: ask, wait (with hints), reveal and record each round, then show the standings."""
    session = running.session
    channel = bot.get_channel(session.channel_id)
    assert isinstance(channel, discord.abc.Messageable)
    loop = asyncio.get_running_loop()
    reason = "That was the last question."
    try:
        while not session.finished:
            question = session.start_round(loop.time())
            running.skip_requested = False
            message = await channel.send(
                embed=quiz_ui.question_embed(session, question), view=quiz_ui.answer_view(session, question)
            )
            session.message_id = message.id
            await _wait_for_round_end(bot, running, channel, loop)
            result = session.close_round(skipped=running.skip_requested and not session.round_won)
            now = discord.utils.utcnow()
            # Shielded: a shutdown that cancels the quiz still lets a round being written commit.
            week = week_key(now, (await bot.store.server_settings(session.guild_id)).zone())
            await asyncio.shield(bot.store.record_round(session.record(result, now), week))
            closed = quiz_ui.closed_view(question)
            if closed is not None:
                await _quietly(message.edit(view=closed))
            await channel.send(embed=quiz_ui.reveal_embed(result), view=quiz_ui.dispute_view(question.item.pk))
            if not session.finished:
                await nap(bot, running, session.settings.pause_seconds)
        if session.ended_idle:
            reason = f"Nobody answered {session.settings.idle_rounds_to_end} questions in a row, so the quiz ended."
        elif session.stopped:
            reason = "The quiz was stopped."
    except asyncio.CancelledError:
        reason = "The bot is restarting, so the quiz ended early. Scores so far are saved."
        await _quietly(channel.send(embed=quiz_ui.standings_embed(session, session.standings(), reason)))
        raise
    except Exception:
        # Logged with its traceback by the task's done-callback; players get a plain ending instead of silence.
        reason = (
            "Sorry, something went wrong on my side, so the quiz ended early. Scores of finished questions are saved."
        )
        await _quietly(channel.send(embed=quiz_ui.standings_embed(session, session.standings(), reason)))
        raise
    await channel.send(embed=quiz_ui.standings_embed(session, session.standings(), reason))


async def _wait_for_round_end(
    bot: MythOrFactBot, running: RunningQuiz, channel: discord.abc.Messageable, loop: asyncio.AbstractEventLoop
) -> None:
    """Sleep until the time limit, a typed winner, or a skip; post hints when they fall due."""
    session = running.session
    while not session.round_won and not running.skip_requested:
        now = loop.time()
        if now >= session.deadline():
            return
        wake_at = min(session.deadline(), session.next_hint_at() or session.deadline())
        await nap(bot, running, max(0.0, wake_at - now))
        hint = session.due_hint(loop.time())
        if hint:
            await _quietly(channel.send(f"Hint: `{hint}`"))


async def _quietly(awaitable: Awaitable[object]) -> None:
    """Run a best-effort Discord call (editing old buttons, a hint), logging instead of failing the quiz."""
    try:
        await awaitable
    except discord.HTTPException as exc:
        log.warning("Quiz message failed: %s", exc)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Quiz(bot))
