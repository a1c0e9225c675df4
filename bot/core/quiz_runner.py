"""Drives quiz sessions: asks each round, posts hints, reveals, records, and announces the end.

A :class:`QuizRunner` owns the running quizzes (its :class:`bot.core.quiz.QuizRegistry`) and one task per quiz,
with a done-callback that forgets it however it ends. It reaches Discord only through a :class:`QuizPresenter`,
which the quiz cog implements, in the way the daily scheduler reaches it through a poster.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.core.adaptive import AdaptivePlan
from bot.core.catalog import CatalogStore
from bot.core.errors import MythOrFactError, StorageUnavailable
from bot.core.i18n import N_, _, _n, using
from bot.core.quiz import (
    MIXED,
    Mode,
    Question,
    QuizRegistry,
    QuizSession,
    RoundResult,
    RunningQuiz,
    Standing,
    plan_rounds,
)
from bot.core.retry import retry_unavailable
from bot.core.review import ReviewStore, missed_by, note_misses
from bot.core.scores import ScoreStore, week_key
from bot.core.settings import SettingsStore
from bot.core.teams import LobbyRegistry, TeamRoster, TeamStore, lobby_url, team_quiz_record
from bot.core.text import clip

log = logging.getLogger(__name__)

MAX_ROUNDS = 50
INTERRUPTED = N_("The quiz here was interrupted by a restart; scores of finished questions are saved.")
UNEXPECTED_END = N_(
    "Sorry, something went wrong on my side, so the quiz ended early. Scores of finished questions are saved."
)
SHUTDOWN_END = N_("The bot is restarting, so the quiz ended early. Scores so far are saved.")
STORAGE_END = N_(
    "I can't save scores right now, so the quiz ended early: the last question's points were not saved, "
    "the questions before it are."
)
RECENT_PLAYERS_KEPT = 25
"""Players of a channel's last quiz remembered as the starting players of its next adaptive quiz."""
RECENT_CHANNELS_KEPT = 10_000
STOP_WAIT_SECONDS = 10.0
"""How long a stop waits for the quiz to reveal its question and post the standings before answering anyway."""


class RunningQuizStore(Protocol):
    """What the store keeps about running quizzes, so a restart after a crash can close them with a message."""

    async def record_running_quiz(self, session_id: str, guild_id: int, channel_id: int, started_at: datetime) -> None:
        """Note that a quiz is running."""
        ...

    async def forget_running_quiz(self, session_id: str) -> bool:
        """Remove a quiz that ended (or was closed after a restart); return whether it was still recorded."""
        ...

    async def running_quizzes(self) -> list[tuple[str, int, int]]:
        """Return ``(session_id, guild_id, channel_id)`` of every quiz recorded as running, oldest first."""
        ...


class QuizStore(RunningQuizStore, CatalogStore, ScoreStore, TeamStore, SettingsStore, ReviewStore, Protocol):
    """Everything the runner needs from the store: questions, settings, scores, team boards, review, running quizzes."""


class QuizPresenter(Protocol):
    """What a quiz needs from Discord in its channel. Best-effort calls (hints, closing buttons) never raise."""

    async def ask(self, session: QuizSession, question: Question) -> int:
        """Post a question with its answer buttons; return the message id."""
        ...

    async def close_question(self, question: Question, message_id: int) -> None:
        """Disable a question's buttons after its reveal."""
        ...

    async def hint(self, text: str) -> None:
        """Post a letter hint for a typed round."""
        ...

    async def reveal(self, result: RoundResult) -> None:
        """Post the answer, the winners and the Dispute button."""
        ...

    async def finish(self, session: QuizSession, standings: list[Standing], reason: str) -> None:
        """Post the final standings and why the quiz ended."""
        ...


class Alarm(Protocol):
    """How a quiz's task sleeps and is woken early (by a typed winner, a skip or a stop)."""

    async def nap(self, key: str, seconds: float) -> None:
        """Sleep up to ``seconds``; return early if :meth:`ring` is called with ``key`` meanwhile."""
        ...

    def ring(self, key: str) -> None:
        """Wake whatever naps under ``key`` now (nothing happens if nothing naps)."""
        ...


class QuizRunner:
    """Starts quizzes and plays each to its end in a task of its own."""

    def __init__(
        self,
        store: QuizStore,
        *,
        clock: Callable[[], float],
        now: Callable[[], datetime],
        alarm: Alarm,
        presenter_for: Callable[[int], QuizPresenter | None] | None = None,
        scored: Callable[[int, tuple[int, ...]], None] | None = None,
    ) -> None:
        self.store = store
        self.scored = scored
        """Told ``(guild id, player ids)`` after a round's scores are saved (role rewards follow them)."""
        self.quizzes = QuizRegistry()
        self.lobbies = LobbyRegistry()
        """Team quizzes still picking their teams; a channel with a lobby takes no other quiz."""
        self._ending: set[str] = set()
        """Session ids of quizzes that freed their channel and are still removing their running-quiz record."""
        self.clock = clock
        """Seconds on the event loop's clock: time limits, answer times and hints."""
        self.now = now
        """The wall clock (UTC) for records and weeks."""
        self.alarm = alarm
        self.presenter_for = presenter_for
        """Returns the presenter for a channel id, or ``None`` where the bot cannot post; set by the quiz cog."""
        self._recent_players: dict[int, tuple[int, tuple[int, ...]]] = {}
        """The server and the players of each channel's last quiz, by channel id, most recently played last."""

    # -- starting --------------------------------------------------------------------------------

    async def start(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        announce: Callable[[QuizSession, int], Awaitable[object]],
        command_prefix: str,
        topic: str | None = None,
        rounds: int | None = None,
        mode: str | None = None,
        roster: TeamRoster | None = None,
    ) -> RunningQuiz:
        """Start a quiz in a channel, announce it with ``announce(session, wanted_rounds)``, and play it.

        Raises a friendly error if a quiz already runs there, ``rounds`` is out of range, the mode is unknown or
        there are no questions; nothing is left running then. With a ``roster`` it is a team quiz.
        """
        self.refuse_if_running(channel_id)
        check_rounds(rounds)
        presenter = self.presenter_for(channel_id) if self.presenter_for else None
        if presenter is None:
            raise MythOrFactError(_("Quizzes are not available here right now."))
        server = await self.store.server_settings(guild_id)
        settings = server.quiz()
        wanted = rounds or settings.rounds
        mode = mode or server.quiz_mode
        if mode != MIXED and mode not in set(Mode):  # a slash command of an older version can send anything
            raise MythOrFactError(
                _("There is no quiz mode `{mode}`. Use myth-or-fact, choice, typed or mixed.", mode=clip(mode, 50))
            )
        modes = list(Mode) if mode == MIXED else [Mode(mode)]
        rng = random.Random()
        adaptive = await self._adaptive_plan(guild_id, channel_id, starter_id, rng) if server.quiz_adaptive else None
        items = await self.store.pick_quiz_items(
            guild_id, wanted, [m.value for m in modes], topic, rng, adaptive.choose if adaptive else None
        )
        session = QuizSession(
            guild_id=guild_id,
            channel_id=channel_id,
            starter_id=starter_id,
            items=plan_rounds(items, modes, rng),
            settings=settings,
            rng=rng,
            roster=roster,
        )
        running = RunningQuiz(session, command_prefix=command_prefix, adaptive=adaptive)
        self.quizzes.add(running)
        try:
            await self.store.record_running_quiz(session.id, guild_id, channel_id, self.now())
        except BaseException:
            self.quizzes.remove(running)
            raise
        # A quiz speaks the server's language, whoever started it: its task copies the language from here.
        with using(server.language):
            try:
                await announce(session, wanted)
            except BaseException:
                self.quizzes.remove(running)
                await self._forget_running(session.id)
                raise
            running.task = asyncio.create_task(self._run(running, presenter), name=f"quiz-{session.id}")
        running.task.add_done_callback(lambda task: self._finished(running, task))
        return running

    async def _adaptive_plan(self, guild_id: int, channel_id: int, starter_id: int, rng: random.Random) -> AdaptivePlan:
        """Prepare adaptive difficulty for a quiz: its starting players (the starter, the channel's last players)."""
        _guild, recent = self._recent_players.get(channel_id, (guild_id, ()))
        players = list(dict.fromkeys([starter_id, *recent]))
        return AdaptivePlan(players, await self.store.member_records(guild_id, players), rng)

    def _remember_players(self, session: QuizSession) -> None:
        """Keep who played the channel's last quiz (in memory), as the starting players of its next adaptive one."""
        players = tuple(standing.user_id for standing in session.standings()[:RECENT_PLAYERS_KEPT])
        if not players:
            return
        self._recent_players.pop(session.channel_id, None)
        self._recent_players[session.channel_id] = (session.guild_id, players)
        while len(self._recent_players) > RECENT_CHANNELS_KEPT:
            del self._recent_players[next(iter(self._recent_players))]

    def forget_player(self, guild_id: int, user_id: int) -> None:
        """Forget that a member played a channel's last quiz in this server (their data was deleted)."""
        for channel_id, (guild, players) in list(self._recent_players.items()):
            if guild == guild_id and user_id in players:
                self._recent_players[channel_id] = (guild, tuple(p for p in players if p != user_id))

    async def _follow_players(self, running: RunningQuiz, result: RoundResult) -> None:
        """Count a round's answers for adaptive difficulty, and load the records of players new to this quiz."""
        assert running.adaptive is not None
        answers = () if result.skipped else [(player.user_id, player.correct) for player in result.players]
        unknown = running.adaptive.note_round(answers)
        if not unknown:
            return
        try:
            running.adaptive.learn(await self.store.member_records(running.session.guild_id, unknown))
        except StorageUnavailable as exc:  # their answers in this quiz still count; the quiz goes on
            log.warning("Quiz %s: could not read new players' records: %s", running.session.id, exc.cause)

    def refuse_if_running(self, channel_id: int) -> None:
        """Raise a friendly error (with a link) if a quiz already runs in the channel."""
        running = self.quizzes.get(channel_id)
        if running is not None:
            raise MythOrFactError(_("A quiz is already running here: {link}", link=jump_url(running.session)))
        lobby = self.lobbies.get(channel_id)
        if lobby is not None:
            raise MythOrFactError(_("A team quiz is picking its teams here: {link}", link=lobby_url(lobby)))

    # -- while it runs ---------------------------------------------------------------------------

    def wake(self, running: RunningQuiz) -> None:
        """Tell a quiz's task to look at its session now (a typed winner, a skip, a stop)."""
        self.alarm.ring(running.session.id)

    async def stop(self, running: RunningQuiz, wait: float = STOP_WAIT_SECONDS) -> bool:
        """End a quiz now: its open question is revealed (nobody scores it), then the standings; free the channel.

        Return whether all that happened within ``wait`` seconds; if not, the quiz still ends on its own. Cancelling
        the caller never cancels the quiz.
        """
        running.session.stop()
        running.skip_requested = True
        self.wake(running)
        if running.task is None:  # still being announced: the task ends at once when it starts
            return False
        done, _pending = await asyncio.wait({running.task}, timeout=wait)
        return bool(done)

    async def cancel_all(self) -> None:
        """End every running quiz (each posts its standings: scores so far are saved); wait for them."""
        tasks = [quiz.task for quiz in self.quizzes.all() if quiz.task and not quiz.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _finished(self, running: RunningQuiz, task: asyncio.Task[None]) -> None:
        """Forget a finished quiz (also one cancelled before it began) and log how it ended."""
        self.quizzes.remove(running)
        if task.cancelled():
            log.info("Quiz %s cancelled", running.session.id)
        elif task.exception() is not None:
            log.error("Quiz %s crashed", running.session.id, exc_info=task.exception())

    async def _run(self, running: RunningQuiz, presenter: QuizPresenter) -> None:
        """Play a session to its end, free its channel, post the standings, and forget its running-quiz record.

        However the quiz ends, its channel is free before the standings go up, so a new quiz can start as soon as
        players read that this one is over; and its last round's scores are written (or known lost) by then.
        """
        session = running.session
        failure: BaseException | None = None
        try:
            while not session.finished:
                await self._play_round(running, presenter)
            reason = end_reason(session)
            if session.roster is not None and session.round_number:
                await self._record_teams(session)
        except asyncio.CancelledError as exc:
            reason, failure = _(SHUTDOWN_END), exc
        except StorageUnavailable as exc:  # already tried again for a moment: end politely, without a traceback
            reason = self._storage_end(session, exc)
        except Exception as exc:
            # Logged with its traceback by the done-callback; players get a plain ending instead of silence.
            reason, failure = _(UNEXPECTED_END), exc
        if running.saving is not None:  # a shutdown or a failure came while the last round was being written
            try:
                await self._saved(running)
            except StorageUnavailable as exc:
                reason = self._storage_end(session, exc)
            except asyncio.CancelledError as exc:  # a second stop request: post the standings without waiting
                failure = failure or exc
            except Exception as exc:
                reason, failure = _(UNEXPECTED_END), failure or exc
        self.quizzes.remove(running)
        self._remember_players(session)
        self._ending.add(session.id)  # until its record is gone, a READY does not take it for one a crash interrupted
        try:
            await presenter.finish(session, session.standings(), reason)
        finally:
            try:
                # Shielded so that a second stop request (SIGTERM twice) cannot leave the quiz looking interrupted.
                await asyncio.shield(self._forget_running(session.id))
            finally:
                self._ending.discard(session.id)
        if failure is not None:
            raise failure

    @staticmethod
    def _storage_end(session: QuizSession, exc: StorageUnavailable) -> str:
        """Log a quiz ended by a database that stayed unavailable; return the reason its standings give."""
        log.error("Quiz %s ended early, the database is unavailable: %s", session.id, exc.cause)
        return _(STORAGE_END)

    async def _play_round(self, running: RunningQuiz, presenter: QuizPresenter) -> None:
        """One round: ask, wait for its end, reveal, and write its scores behind the reveal.

        The reveal does not wait for the write (the two run side by side); the pause, and so the next question or the
        standings, waits for it, so rounds are written one at a time and in order, and a crash loses at most the round
        just revealed. The write is tried again for a moment if the database is unavailable, and a shutdown cannot
        interrupt it; if it still fails, :class:`StorageUnavailable` ends the quiz before another question.
        """
        session = running.session
        if running.adaptive is not None:
            session.bring_forward(running.adaptive.next_index)
        question = session.start_round(self.clock())
        running.skip_requested = False
        message_id = await presenter.ask(session, question)
        session.message_id = message_id
        await self._wait_for_round_end(running, presenter)
        result = session.close_round(skipped=running.skip_requested and not session.round_won)
        played_at = self.now()

        async def record_round() -> bool:
            record = session.record(result, played_at)  # its near misses are worked out here, behind the reveal
            week = week_key(played_at, (await self.store.server_settings(session.guild_id)).zone())
            return await self.store.record_round(record, week)

        label = f"Round {session.round_key(result.question.number)}"
        running.saving = asyncio.ensure_future(retry_unavailable(record_round, label))
        running.saving.add_done_callback(_retrieved)
        await presenter.close_question(question, message_id)
        await presenter.reveal(result)
        recorded = await self._saved(running)
        players = () if result.skipped else result.players
        if self.scored is not None and players and recorded:
            self.scored(session.guild_id, tuple(player.user_id for player in players))
        if running.adaptive is not None:  # new players' records are read with this round saved
            await self._follow_players(running, result)
        await self._note_misses(session, result, played_at)
        if not session.finished:
            await self.alarm.nap(running.session.id, session.settings.pause_seconds)

    @staticmethod
    async def _saved(running: RunningQuiz) -> bool:
        """Wait for the round being written (a shutdown cannot interrupt it); return whether it was newly recorded.

        Raises what made the write fail.
        """
        saving = running.saving
        if saving is None:
            return False
        try:
            return await asyncio.shield(saving)
        finally:
            if saving.done():
                running.saving = None

    async def _note_misses(self, session: QuizSession, result: RoundResult, played_at: datetime) -> None:
        """Bring a round's item back for review for the players who got it wrong.

        Done after the reveal, so players never wait for it (it is one more write, about as long as the scores').
        Tried again for a moment if the database is unavailable; if it stays so, this is logged and the quiz goes on.
        """
        players = () if result.skipped else result.players
        missed = missed_by((player.user_id, player.correct) for player in players)
        if not missed:
            return
        item, round_key = result.question.item, session.round_key(result.question.number)

        async def note() -> int:
            zone = (await self.store.server_settings(session.guild_id)).zone()
            return await note_misses(self.store, session.guild_id, item, missed, played_at, zone)

        noting = asyncio.ensure_future(retry_unavailable(note, f"Review misses of round {round_key}"))
        noting.add_done_callback(_retrieved)
        try:
            await asyncio.shield(noting)  # a shutdown cannot interrupt the write
        except StorageUnavailable as exc:
            log.error("Round %s: its misses were not noted for review: %s", round_key, exc.cause)

    async def _record_teams(self, session: QuizSession) -> None:
        """Add a team quiz that played out to its server's team board (tried again for a moment, never twice).

        If the database stays unavailable, only the board misses this quiz: the members' scores are already saved.
        """
        record = team_quiz_record(session.guild_id, session.id, self.now(), session.team_standings())
        saving = asyncio.ensure_future(
            retry_unavailable(lambda: self.store.record_team_quiz(record), f"Team quiz {session.id}")
        )
        saving.add_done_callback(_retrieved)
        try:
            await asyncio.shield(saving)  # a shutdown cannot interrupt the write
        except StorageUnavailable as exc:
            log.error(
                "Team quiz %s not added to the team board, the database is unavailable: %s", session.id, exc.cause
            )

    async def _wait_for_round_end(self, running: RunningQuiz, presenter: QuizPresenter) -> None:
        """Sleep until the time limit, a typed winner, or a skip; post hints when they fall due."""
        session = running.session
        while not session.round_won and not running.skip_requested:
            now = self.clock()
            if now >= session.deadline():
                return
            wake_at = min(session.deadline(), session.next_hint_at() or session.deadline())
            await self.alarm.nap(running.session.id, max(0.0, wake_at - now))
            hint = session.due_hint(self.clock())
            if hint:
                await presenter.hint(_("Hint: `{hint}`", hint=hint))

    # -- after a crash ---------------------------------------------------------------------------

    async def _forget_running(self, session_id: str) -> bool:
        """Remove a quiz's crash-recovery row; return whether it was there. A database failure is only logged."""
        try:
            return await self.store.forget_running_quiz(session_id)
        except Exception as exc:
            log.warning("Could not mark quiz %s as finished: %s", session_id, exc)
            return False

    async def close_interrupted(
        self, serves: Callable[[int], bool], notify: Callable[[int, str], Awaitable[None]]
    ) -> int:
        """Close quizzes an earlier process left running (a crash): ``notify`` their channels; return how many.

        Only servers this process ``serves`` are touched (another shard's process closes its own). Quizzes of this
        process are skipped, so running this on every READY is safe; each row is deleted before its channel is
        told, so a quiz is announced as interrupted at most once.
        """
        closed = 0
        for session_id, guild_id, channel_id in await self.store.running_quizzes():
            if not serves(guild_id):
                continue
            ours = self.quizzes.by_session_id(session_id) is not None or session_id in self._ending
            if ours or not await self._forget_running(session_id):
                continue
            closed += 1
            with using((await self.store.server_settings(guild_id)).language):
                await notify(channel_id, _(INTERRUPTED))
        if closed:
            log.info("Closed %d quiz(zes) interrupted by a restart", closed)
        return closed


def check_rounds(rounds: int | None) -> None:
    """Refuse a number of questions a quiz cannot have (``None`` means the server's default)."""
    if rounds is not None and not 1 <= rounds <= MAX_ROUNDS:
        raise MythOrFactError(_("A quiz has 1 to {most} questions.", most=MAX_ROUNDS))


def _retrieved(task: asyncio.Future[object]) -> None:
    """Mark a background write's failure as seen (whoever awaits it handles it; after a shutdown nobody does)."""
    if not task.cancelled():
        task.exception()


def end_reason(session: QuizSession) -> str:
    """Why a quiz that played out ended, as its standings say."""
    if session.ended_idle:
        return _n(
            "Nobody answered {count} question in a row, so the quiz ended.",
            "Nobody answered {count} questions in a row, so the quiz ended.",
            session.settings.idle_rounds_to_end,
        )
    if session.stopped:
        return _("The quiz was stopped.")
    return _("That was the last question.")


def jump_url(session: QuizSession) -> str:
    """Return a link to the session's current question message (or its channel)."""
    base = f"https://discord.com/channels/{session.guild_id}/{session.channel_id}"
    return f"{base}/{session.message_id}" if session.message_id else base
