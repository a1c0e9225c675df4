"""Drives team lobbies: waits while members pick teams, then starts the team quiz or calls it off politely.

:class:`TeamQuizzes` keeps its lobbies in the quiz runner's :class:`bot.core.teams.LobbyRegistry`, so a channel has
a lobby or a quiz, never both, and runs one task per lobby that waits until the starter asks to start or the lobby
time runs out. It reaches Discord through a :class:`LobbyPresenter`, which the quiz cog implements. Lobbies live in
memory only: a restart closes them (their buttons then say so), while a team quiz already playing is recorded as
running and closed after a crash like any quiz.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.errors import MythOrFactError
from bot.core.i18n import _
from bot.core.quiz_runner import QuizRunner
from bot.core.teams import LOBBY_SECONDS, TeamLobby, TeamRoster

log = logging.getLogger(__name__)

StartQuiz = Callable[[TeamRoster], Awaitable[object]]
"""Starts the team quiz of a closed lobby with its teams (the cog's call of :meth:`QuizRunner.start`)."""


class LobbyPresenter(Protocol):
    """What a lobby needs from Discord in its channel. :meth:`close` and :meth:`say` never raise."""

    async def show(self, lobby: TeamLobby) -> int:
        """Post the lobby with its Join, Leave and Start buttons; return the message id."""
        ...

    async def close(self, lobby: TeamLobby, note: str) -> None:
        """Show the lobby's final teams without buttons, and ``note`` (starting now, or called off and why)."""
        ...

    async def say(self, text: str) -> None:
        """Post a short message in the lobby's channel (why the quiz did not start)."""
        ...


class StartStatus(enum.Enum):
    """What happened when someone asked a lobby to start now."""

    STARTING = "starting"
    EMPTY_TEAMS = "empty teams"
    CLOSED = "closed"


def called_off_note(empty_teams: list[str]) -> str:
    """Say, politely, why a lobby ended without a quiz: teams nobody joined."""
    return _(
        "Sorry, the team quiz is called off: nobody joined {teams}. Start a new one with `quiz teams` when "
        "everyone is ready.",
        teams=", ".join(empty_teams),
    )


class TeamQuizzes:
    """Opens team lobbies and turns each into a team quiz (or calls it off) in a task of its own."""

    def __init__(self, runner: QuizRunner, *, lobby_seconds: float = LOBBY_SECONDS) -> None:
        self.runner = runner
        self.lobbies = runner.lobbies
        self.lobby_seconds = lobby_seconds
        """How long a lobby waits before it starts by itself."""
        self._tasks: dict[str, tuple[asyncio.Task[None], TeamLobby, LobbyPresenter]] = {}

    async def open(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        names: tuple[str, ...],
        presenter: LobbyPresenter,
        start_quiz: StartQuiz,
    ) -> TeamLobby:
        """Open a lobby in a channel with teams ``names``, post it, and wait for members in a task.

        Raise a friendly error if a quiz or a lobby is already there; nothing is left open then.
        """
        self.runner.refuse_if_running(channel_id)
        wait = self.lobby_seconds
        lobby = TeamLobby(guild_id, channel_id, starter_id, names, self.runner.clock() + wait, wait)
        self.lobbies.add(lobby)
        try:
            lobby.message_id = await presenter.show(lobby)
        except BaseException:
            self.lobbies.remove(lobby)
            raise
        task = asyncio.create_task(self._run(lobby, presenter, start_quiz), name=f"lobby-{lobby.id}")
        self._tasks[lobby.id] = (task, lobby, presenter)
        task.add_done_callback(lambda done: self._finished(lobby, done))
        return lobby

    def request_start(self, lobby: TeamLobby) -> StartStatus:
        """Start a lobby's quiz now, if every team has a member (who may ask is the caller's rule)."""
        if lobby.closed:
            return StartStatus.CLOSED
        if lobby.empty_teams():
            return StartStatus.EMPTY_TEAMS
        lobby.start_requested = True
        self.runner.alarm.ring(lobby.id)
        return StartStatus.STARTING

    async def cancel_all(self) -> None:
        """Close every open lobby (at shutdown; each says the quiz is called off); wait for them."""
        open_lobbies = [entry for entry in self._tasks.values() if not entry[0].done()]
        for task, _lobby, _presenter in open_lobbies:
            task.cancel()
        if open_lobbies:
            await asyncio.gather(*(entry[0] for entry in open_lobbies), return_exceptions=True)
        for _task, lobby, presenter in open_lobbies:
            if not lobby.closed:  # cancelled before its task began
                await self._shut(lobby, presenter)

    async def _run(self, lobby: TeamLobby, presenter: LobbyPresenter, start_quiz: StartQuiz) -> None:
        """Wait until the lobby is due, then start its quiz with the teams as they are, or call it off."""
        try:
            while not lobby.due(self.runner.clock()):
                await self.runner.alarm.nap(lobby.id, max(0.0, lobby.closes_at - self.runner.clock()))
        except asyncio.CancelledError:
            await self._shut(lobby, presenter)
            raise
        empty = lobby.empty_teams()
        roster = lobby.close()
        self.lobbies.remove(lobby)
        if empty:
            await self._call_off(lobby, presenter, called_off_note(empty))
            return
        try:
            await start_quiz(roster)
        except MythOrFactError as exc:
            await self._call_off(lobby, presenter, _("The team quiz could not start: {reason}", reason=str(exc)))
            return
        except Exception:
            await presenter.close(lobby, _("Sorry, something went wrong on my side, so the team quiz did not start."))
            raise
        await presenter.close(lobby, _("Teams are set: the quiz is on!"))

    async def _shut(self, lobby: TeamLobby, presenter: LobbyPresenter) -> None:
        """Close a lobby because the bot is shutting down."""
        lobby.close()
        self.lobbies.remove(lobby)
        await presenter.close(lobby, _("The bot is restarting, so the team quiz is called off. Sorry!"))

    async def _call_off(self, lobby: TeamLobby, presenter: LobbyPresenter, note: str) -> None:
        """Close a lobby without a quiz, and say why in its channel."""
        await presenter.close(lobby, note)
        await presenter.say(note)

    def _finished(self, lobby: TeamLobby, task: asyncio.Task[None]) -> None:
        """Forget a lobby however it ended, and log a crash."""
        self._tasks.pop(lobby.id, None)
        self.lobbies.remove(lobby)
        if not task.cancelled() and task.exception() is not None:
            log.error("Team lobby %s crashed", lobby.id, exc_info=task.exception())
