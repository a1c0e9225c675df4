"""Unit tests for team quizzes without Discord: names, the lobby's rules, team scores and ties, and the lobby runner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.errors import MythOrFactError
from bot.core.quiz import AnswerStatus, Mode, QuizSession, QuizSettings
from bot.core.quiz_runner import QuizRunner
from bot.core.team_runner import StartStatus, TeamQuizzes
from bot.core.teams import (
    MAX_TEAM_MEMBERS,
    JoinStatus,
    TeamLobby,
    TeamRoster,
    TeamStanding,
    choose_team_names,
    team_quiz_record,
    team_standings,
    winner,
)
from bot.storage.base import FactStore
from tests.core.test_quiz import make_item
from tests.core.test_quiz_runner import EventAlarm, RecordingPresenter

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
ANN, BEN, CAT, DAN = 101, 102, 103, 104


def lobby(*names: str, closes_at: float = 60.0) -> TeamLobby:
    return TeamLobby(1, 2, ANN, names or ("Red", "Blue"), closes_at)


# -- names ---------------------------------------------------------------------------------------


def test_team_names_default_to_colours_and_follow_the_names_given():
    assert choose_team_names(None, None) == ("Red", "Blue")
    assert choose_team_names(4, None) == ("Red", "Blue", "Green", "Yellow")
    assert choose_team_names(None, "Owls,  Night   Foxes, Bats") == ("Owls", "Night Foxes", "Bats")
    assert choose_team_names(3, "Owls") == ("Owls", "Red", "Blue")
    assert choose_team_names(3, "blue, Owls") == ("blue", "Owls", "Red"), "a default name is not used twice"


@pytest.mark.parametrize(
    ("count", "names", "message"),
    [
        (1, None, "A team quiz has 2 to 4 teams."),
        (5, None, "A team quiz has 2 to 4 teams."),
        (None, "a, b, c, d, e", "A team quiz has 2 to 4 teams."),
        (2, "a, b, c", "You named 3 teams for a quiz of 2 teams: name at most 2."),
        (2, "Owls, ", "A team name can't be empty: separate the names with commas, like `Owls, Foxes`."),
        (2, "x" * 33, "Team names have at most 32 characters."),
        (2, "Owls, OWLS", "Each team needs its own name: `OWLS` is given twice."),
        (2, "<@123>, Foxes", "Team names can't use these characters: * < > @ \\ _ ` | ~"),
        (2, "**Bold**", "Team names can't use these characters: * < > @ \\ _ ` | ~"),
    ],
)
def test_bad_team_names_are_explained(count, names, message):
    with pytest.raises(MythOrFactError) as refused:
        choose_team_names(count, names)
    assert str(refused.value) == message


# -- the lobby -----------------------------------------------------------------------------------


def test_a_member_is_in_one_team_and_switching_moves_them():
    teams = lobby()
    assert teams.join(ANN, 0, "Ann") is JoinStatus.JOINED
    assert teams.join(BEN, 0, "Ben") is JoinStatus.JOINED
    assert teams.join(ANN, 0, "Ann") is JoinStatus.ALREADY_IN
    assert teams.join(ANN, 1, "Ann") is JoinStatus.SWITCHED
    assert (teams.members(0), teams.members(1)) == ([BEN], [ANN])
    assert teams.join(ANN, 0, "Ann again") is JoinStatus.SWITCHED
    assert teams.display_names(0) == ["Ben", "Ann again"], "a switch puts the member last, under their new name"
    assert teams.members(1) == []


def test_leaving_and_the_empty_teams():
    teams = lobby("Owls", "Foxes", "Bats")
    assert teams.empty_teams() == ["Owls", "Foxes", "Bats"]
    teams.join(ANN, 1, "Ann")
    assert teams.empty_teams() == ["Owls", "Bats"]
    assert teams.leave(ANN) == "Foxes"
    assert teams.leave(ANN) is None
    assert teams.team_of(ANN) is None and teams.display_names(1) == []


def test_a_full_team_takes_nobody_else_but_another_team_does():
    teams = lobby()
    for user_id in range(MAX_TEAM_MEMBERS):
        assert teams.join(user_id, 0, f"member {user_id}") is JoinStatus.JOINED
    assert teams.join(ANN, 0, "Ann") is JoinStatus.TEAM_FULL
    assert teams.team_of(ANN) is None
    assert teams.join(ANN, 1, "Ann") is JoinStatus.JOINED
    assert teams.join(ANN, 0, "Ann") is JoinStatus.TEAM_FULL
    assert teams.team_of(ANN) == 1, "a refused switch keeps the member where they were"


def test_a_closed_lobby_takes_no_joins_or_leaves_and_freezes_the_roster():
    teams = lobby()
    teams.join(ANN, 0, "Ann")
    teams.join(BEN, 1, "Ben")
    roster = teams.close()
    assert roster == TeamRoster(("Red", "Blue"), {ANN: 0, BEN: 1})
    assert teams.join(CAT, 0, "Cat") is JoinStatus.CLOSED
    assert teams.leave(ANN) is None
    assert ANN in roster and CAT not in roster and roster.members(1) == [BEN]
    assert lobby().join(ANN, 2, "Ann") is JoinStatus.CLOSED, "no such team"


def test_a_lobby_is_due_when_asked_or_when_its_time_is_up():
    teams = lobby(closes_at=60.0)
    assert not teams.due(59.9)
    assert teams.due(60.0)
    teams.start_requested = True
    assert teams.due(0.0)


# -- team scores ---------------------------------------------------------------------------------

ROSTER = TeamRoster(("Red", "Blue", "Green"), {ANN: 0, BEN: 0, CAT: 1, DAN: 2})


def test_team_totals_are_their_members_points_with_the_best_member():
    standings = team_standings(ROSTER, {ANN: 30, BEN: 45, CAT: 50}, {ANN: 2, BEN: 2, CAT: 3})
    assert standings == [
        TeamStanding(1, 0, "Red", 75, 4, 2, best_member=BEN, best_points=45),
        TeamStanding(2, 1, "Blue", 50, 3, 1, best_member=CAT, best_points=50),
        TeamStanding(3, 2, "Green", 0, 0, 1),
    ]
    assert winner(standings) == standings[0]


def test_equal_points_share_a_position_and_a_draw_has_no_winner():
    standings = team_standings(ROSTER, {ANN: 40, CAT: 40, DAN: 10}, {ANN: 2, CAT: 4, DAN: 1})
    assert [(s.position, s.name) for s in standings] == [(1, "Blue"), (1, "Red"), (3, "Green")]
    assert winner(standings) is None
    nobody = team_standings(ROSTER, {}, {})
    assert [s.position for s in nobody] == [1, 1, 1] and winner(nobody) is None


def test_the_best_member_tie_goes_to_more_right_answers_then_the_lower_id():
    roster = TeamRoster(("Red", "Blue"), {ANN: 0, BEN: 0, CAT: 0, DAN: 1})
    [red, _] = team_standings(roster, {ANN: 20, BEN: 20, CAT: 20, DAN: 5}, {ANN: 1, BEN: 2, CAT: 2, DAN: 1})
    assert red.best_member == BEN


def test_the_board_record_credits_only_an_outright_win():
    won = team_quiz_record(1, "abc", NOW, team_standings(ROSTER, {ANN: 10}, {ANN: 1}))
    assert [(t.name, t.points, t.won) for t in won.teams] == [
        ("Red", 10, True),
        ("Blue", 0, False),
        ("Green", 0, False),
    ]
    drawn = team_quiz_record(1, "abd", NOW, team_standings(ROSTER, {ANN: 10, CAT: 10}, {ANN: 1, CAT: 1}))
    assert not any(team.won for team in drawn.teams)


def test_a_team_session_scores_only_team_members_and_reports_team_totals():
    items = [
        (make_item(1, "myth"), Mode.MYTH_OR_FACT),
        (make_item(2, "typed", question="Two?", answers=("two",)), Mode.TYPED),
    ]
    session = QuizSession(guild_id=1, channel_id=2, starter_id=ANN, items=items, settings=QuizSettings(), roster=ROSTER)
    question = session.start_round(0.0)
    assert session.answer_option(ANN, question.correct_option, 1.0) is AnswerStatus.ACCEPTED
    assert session.answer_option(999, question.correct_option, 1.0) is AnswerStatus.NOT_IN_A_TEAM
    assert session.answer_option(CAT, "Fact", 2.0) is AnswerStatus.ACCEPTED
    result = session.close_round()
    assert [player.user_id for player in result.players] == [ANN, CAT]
    assert (result.teams[0].name, result.teams[0].points) == ("Red", result.winners[0].points)
    session.start_round(10.0)
    assert session.answer_typed(999, "two", 11.0) is AnswerStatus.NOT_IN_A_TEAM
    assert not session.round_won, "a guess from outside the teams cannot win the round"
    assert session.answer_typed(DAN, "two", 12.0) is AnswerStatus.WON
    result = session.close_round()
    assert {team.name: team.points for team in result.teams}["Green"] == result.winners[0].points
    assert session.team_standings() == list(result.teams)


def test_a_session_without_teams_reports_none():
    session = QuizSession(
        guild_id=1, channel_id=2, starter_id=ANN, items=[(make_item(1), Mode.MYTH_OR_FACT)], settings=QuizSettings()
    )
    session.start_round(0.0)
    assert session.answer_option(999, "Myth", 1.0) is AnswerStatus.ACCEPTED
    assert session.close_round().teams == () and session.team_standings() == []


# -- the lobby runner ----------------------------------------------------------------------------


class RecordingLobby:
    """A lobby presenter that records what it shows."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.closed = asyncio.Event()

    async def show(self, lobby: TeamLobby) -> int:
        self.shown.append("show")
        return 555

    async def close(self, lobby: TeamLobby, note: str) -> None:
        self.shown.append(f"close: {note}")
        self.closed.set()

    async def say(self, text: str) -> None:
        self.shown.append(f"say: {text}")


@pytest.fixture
def runner(store: FactStore) -> QuizRunner:
    loop = asyncio.get_running_loop
    return QuizRunner(store, clock=lambda: loop().time(), now=lambda: datetime.now(UTC), alarm=EventAlarm())


async def open_lobby(teams: TeamQuizzes, started: list[TeamRoster], presenter: RecordingLobby) -> TeamLobby:
    async def start_quiz(roster: TeamRoster) -> None:
        started.append(roster)

    return await teams.open(
        guild_id=1, channel_id=2, starter_id=ANN, names=("Red", "Blue"), presenter=presenter, start_quiz=start_quiz
    )


async def test_a_start_request_starts_the_quiz_with_the_teams_and_frees_the_lobby(runner):
    teams, started, presenter = TeamQuizzes(runner, lobby_seconds=3600), [], RecordingLobby()
    opened = await open_lobby(teams, started, presenter)
    assert opened.message_id == 555 and runner.lobbies.get(2) is opened
    with pytest.raises(MythOrFactError, match="A team quiz is picking its teams here"):
        runner.refuse_if_running(2)
    assert teams.request_start(opened) is StartStatus.EMPTY_TEAMS
    opened.join(BEN, 0, "Ben")
    opened.join(CAT, 1, "Cat")
    assert teams.request_start(opened) is StartStatus.STARTING
    await asyncio.wait_for(presenter.closed.wait(), 5)
    assert started == [TeamRoster(("Red", "Blue"), {BEN: 0, CAT: 1})]
    assert presenter.shown == ["show", "close: Teams are set: the quiz is on!"]
    assert runner.lobbies.get(2) is None and teams.request_start(opened) is StartStatus.CLOSED


async def test_a_lobby_with_an_empty_team_at_its_time_is_called_off(runner):
    teams, started, presenter = TeamQuizzes(runner, lobby_seconds=0.05), [], RecordingLobby()
    opened = await open_lobby(teams, started, presenter)
    opened.join(BEN, 0, "Ben")
    await asyncio.wait_for(presenter.closed.wait(), 5)
    assert started == []
    note = (
        "Sorry, the team quiz is called off: nobody joined Blue. Start a new one with `quiz teams` when everyone is "
        "ready."
    )
    assert presenter.shown == ["show", f"close: {note}", f"say: {note}"]
    assert runner.lobbies.get(2) is None


async def test_a_quiz_that_cannot_start_is_called_off_with_the_reason(runner):
    teams, presenter = TeamQuizzes(runner, lobby_seconds=0.05), RecordingLobby()

    async def no_questions(roster: TeamRoster) -> None:
        raise MythOrFactError("There are no quiz questions here.")

    opened = await teams.open(
        guild_id=1, channel_id=2, starter_id=ANN, names=("Red", "Blue"), presenter=presenter, start_quiz=no_questions
    )
    opened.join(BEN, 0, "Ben")
    opened.join(CAT, 1, "Cat")
    await asyncio.wait_for(presenter.closed.wait(), 5)
    assert presenter.shown[1:] == [
        "close: The team quiz could not start: There are no quiz questions here.",
        "say: The team quiz could not start: There are no quiz questions here.",
    ]


async def test_cancel_all_calls_open_lobbies_off(runner):
    teams, started, presenter = TeamQuizzes(runner, lobby_seconds=3600), [], RecordingLobby()
    await open_lobby(teams, started, presenter)
    await teams.cancel_all()
    assert presenter.shown == ["show", "close: The bot is restarting, so the team quiz is called off. Sorry!"]
    assert runner.lobbies.all() == [] and started == []


async def test_a_team_quiz_that_played_out_goes_on_the_team_board_once(store):
    presenter = RecordingPresenter()
    loop = asyncio.get_running_loop
    quiz_runner = QuizRunner(
        store,
        clock=lambda: loop().time(),
        now=lambda: datetime.now(UTC),
        alarm=EventAlarm(),
        presenter_for=lambda channel_id: presenter,
    )

    async def announce(session: QuizSession, wanted: int) -> None:
        presenter.shown.append("announce")

    running = await quiz_runner.start(
        guild_id=1,
        channel_id=2,
        starter_id=ANN,
        announce=announce,
        command_prefix="!",
        rounds=3,
        mode="myth-or-fact",
        roster=TeamRoster(("Owls", "Foxes"), {ANN: 0, BEN: 1}),
    )
    await presenter.question_asked.wait()
    assert running.session.answer_option(CAT, "Myth", quiz_runner.clock()) is AnswerStatus.NOT_IN_A_TEAM
    assert await quiz_runner.stop(running) is True
    rows = await store.top_teams(1)
    assert [(row.position, row.name, row.wins, row.quizzes, row.points) for row in rows] == [
        (1, "Foxes", 0, 1, 0),
        (1, "Owls", 0, 1, 0),
    ], "a stopped quiz counts as played; a draw at 0 points is nobody's win"
    again = team_quiz_record(1, running.session.id, NOW, running.session.team_standings())
    assert await store.record_team_quiz(again) is False
