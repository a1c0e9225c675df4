"""Team quizzes, without Discord: the lobby where members pick a team, team scores and standings, the team board.

A team quiz starts with a :class:`TeamLobby`: members join one team each (switching is a join of another team),
and the quiz starts when the starter asks or the lobby time runs out, if every team has a member. The teams are
then frozen into a :class:`TeamRoster` that the quiz session scores with: only members of a team score, and a
team's points are the sum of its members' points in that quiz.

Team standings order teams by points (most first), then right answers, then the order the teams were named in;
teams with equal points share a position, like players do. A team wins a quiz only outright: with the most points,
more than nothing, and no other team level with it (a draw gives nobody a win).

The team board keeps, per server and team name (case-insensitive: "Red" and "red" are one team), the wins, the
quizzes played and the points. It holds no per-member rows: who was in a team is only shown in the quiz itself.
"""

from __future__ import annotations

import enum
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Protocol

from bot.core.errors import MythOrFactError
from bot.core.i18n import _

MIN_TEAMS = 2
MAX_TEAMS = 4
DEFAULT_TEAMS = 2
TEAM_NAME_MAX = 32
"""Characters in a team name (it is shown on buttons, in embed titles and on the team board)."""
MAX_TEAM_MEMBERS = 50
"""Members one team can hold, so that a lobby stays readable and a quiz stays a team game."""
LOBBY_SECONDS = 60.0
"""How long a lobby waits for members before the quiz starts by itself."""
NAME_MARKUP = frozenset("`*_~|\\<>@")
"""Characters team names cannot use: Discord reads them as formatting or mentions wherever a name is shown."""


def default_team_names() -> tuple[str, ...]:
    """Return the names teams get when the starter names none, in the current language."""
    return (_("Red"), _("Blue"), _("Green"), _("Yellow"))


def team_key(name: str) -> str:
    """Return what identifies a team on the board: its name, case-folded."""
    return name.casefold()


def choose_team_names(count: int | None, names: str | None) -> tuple[str, ...]:
    """Return the names of a team quiz's teams: the comma-separated ``names`` given, then default ones up to ``count``.

    Without ``count`` there are as many teams as names given (at least :data:`DEFAULT_TEAMS`). Raise a friendly
    error for a count outside 2-4, more names than teams, or a name that is empty, too long, uses formatting
    characters (:data:`NAME_MARKUP`) or is given twice.
    """
    given = [" ".join(part.split()) for part in names.split(",")] if names else []
    wanted = count if count is not None else max(DEFAULT_TEAMS, len(given))
    if not MIN_TEAMS <= wanted <= MAX_TEAMS:
        raise MythOrFactError(_("A team quiz has {low} to {high} teams.", low=MIN_TEAMS, high=MAX_TEAMS))
    if len(given) > wanted:
        raise MythOrFactError(
            _(
                "You named {given} teams for a quiz of {count} teams: name at most {count}.",
                given=len(given),
                count=wanted,
            )
        )
    chosen: list[str] = []
    for name in given:
        if not name:
            raise MythOrFactError(_("A team name can't be empty: separate the names with commas, like `Owls, Foxes`."))
        if len(name) > TEAM_NAME_MAX:
            raise MythOrFactError(_("Team names have at most {limit} characters.", limit=TEAM_NAME_MAX))
        if NAME_MARKUP.intersection(name):
            raise MythOrFactError(
                _("Team names can't use these characters: {characters}", characters=" ".join(sorted(NAME_MARKUP)))
            )
        if team_key(name) in {team_key(other) for other in chosen}:
            raise MythOrFactError(_("Each team needs its own name: `{name}` is given twice.", name=name))
        chosen.append(name)
    taken = {team_key(name) for name in chosen}
    spare = [name for name in default_team_names() if team_key(name) not in taken]
    return (*chosen, *spare[: wanted - len(chosen)])


@dataclass(frozen=True)
class TeamRoster:
    """The teams of a quiz, frozen when it starts: each team's name and which team each member is in."""

    names: tuple[str, ...]
    team_of: Mapping[int, int]
    """Member id → index of their team in :attr:`names`."""

    @cached_property
    def sizes(self) -> tuple[int, ...]:
        """How many members each team has, in the order of :attr:`names`."""
        counts = Counter(self.team_of.values())
        return tuple(counts[team] for team in range(len(self.names)))

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.team_of

    def members(self, team: int) -> list[int]:
        """Return the ids of a team's members."""
        return [user_id for user_id, index in self.team_of.items() if index == team]


class JoinStatus(enum.Enum):
    """What happened when a member pressed a team's Join button."""

    JOINED = "joined"
    SWITCHED = "switched"
    """They were in another team and moved to this one."""
    ALREADY_IN = "already in"
    TEAM_FULL = "team full"
    CLOSED = "closed"


@dataclass(eq=False)
class TeamLobby:
    """Members picking teams before a team quiz: one team per member, the quiz's options, and how it may start."""

    guild_id: int
    channel_id: int
    starter_id: int
    names: tuple[str, ...]
    closes_at: float
    """When (on the caller's monotonic clock) the lobby stops waiting and the quiz starts, or is called off."""
    wait_seconds: float = LOBBY_SECONDS
    """How long the lobby waits in all (for its message)."""
    id: str = field(default_factory=lambda: secrets.token_hex(4))
    message_id: int | None = None
    """The Discord message of the lobby (set by the cog; used for links)."""
    start_requested: bool = False
    closed: bool = False
    _team_of: dict[int, int] = field(default_factory=dict)
    _display_names: dict[int, str] = field(default_factory=dict)

    def join(self, user_id: int, team: int, display_name: str) -> JoinStatus:
        """Put a member in a team (out of the one they were in); members keep the order they joined in."""
        if self.closed or not 0 <= team < len(self.names):
            return JoinStatus.CLOSED
        current = self._team_of.get(user_id)
        if current == team:
            return JoinStatus.ALREADY_IN
        if len(self.members(team)) >= MAX_TEAM_MEMBERS:
            return JoinStatus.TEAM_FULL
        self._team_of.pop(user_id, None)
        self._team_of[user_id] = team
        self._display_names[user_id] = display_name
        return JoinStatus.JOINED if current is None else JoinStatus.SWITCHED

    def leave(self, user_id: int) -> str | None:
        """Take a member out of their team; return the team's name, or ``None`` if they were in none."""
        if self.closed or user_id not in self._team_of:
            return None
        self._display_names.pop(user_id, None)
        return self.names[self._team_of.pop(user_id)]

    def team_of(self, user_id: int) -> int | None:
        """Return the index of a member's team, or ``None``."""
        return self._team_of.get(user_id)

    def members(self, team: int) -> list[int]:
        """Return a team's member ids, in the order they joined."""
        return [user_id for user_id, index in self._team_of.items() if index == team]

    def display_names(self, team: int) -> list[str]:
        """Return the display names of a team's members (as they were when they joined), in the order they joined."""
        return [self._display_names[user_id] for user_id in self.members(team)]

    def empty_teams(self) -> list[str]:
        """Return the names of the teams nobody has joined yet (a quiz starts only without any)."""
        return [name for index, name in enumerate(self.names) if not self.members(index)]

    def due(self, now: float) -> bool:
        """Whether the lobby should stop waiting: the starter asked, or its time ran out."""
        return self.start_requested or now >= self.closes_at

    def close(self) -> TeamRoster:
        """Stop taking joins and leaves; return the teams as they are."""
        self.closed = True
        return TeamRoster(self.names, dict(self._team_of))


def lobby_url(lobby: TeamLobby) -> str:
    """Return a link to a lobby's message (or its channel, before the message is posted)."""
    base = f"https://discord.com/channels/{lobby.guild_id}/{lobby.channel_id}"
    return f"{base}/{lobby.message_id}" if lobby.message_id else base


class LobbyRegistry:
    """The open lobbies, one per channel (a channel with a lobby has no quiz, and the other way round)."""

    def __init__(self) -> None:
        self._by_channel: dict[int, TeamLobby] = {}

    def get(self, channel_id: int) -> TeamLobby | None:
        """Return the lobby open in a channel."""
        return self._by_channel.get(channel_id)

    def by_id(self, lobby_id: str) -> TeamLobby | None:
        """Return an open lobby by its id (used by buttons)."""
        return next((lobby for lobby in self._by_channel.values() if lobby.id == lobby_id), None)

    def add(self, lobby: TeamLobby) -> None:
        """Register a new lobby; a channel holds one at a time."""
        if lobby.channel_id in self._by_channel:
            raise MythOrFactError(_("Teams are already being picked in this channel."))
        self._by_channel[lobby.channel_id] = lobby

    def remove(self, lobby: TeamLobby) -> None:
        """Forget a lobby that closed."""
        if self._by_channel.get(lobby.channel_id) is lobby:
            del self._by_channel[lobby.channel_id]

    def all(self) -> list[TeamLobby]:
        """Return every open lobby."""
        return list(self._by_channel.values())


# -- scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamStanding:
    """A team's total in a quiz, with its best member."""

    position: int
    team: int
    """The team's index in the roster."""
    name: str
    points: int
    correct: int
    members: int
    best_member: int | None = None
    """The member who scored most for the team (``None`` if nobody in it scored)."""
    best_points: int = 0


def team_standings(roster: TeamRoster, points: Mapping[int, int], correct: Mapping[int, int]) -> list[TeamStanding]:
    """Return the teams' totals from the members' ``points`` and ``correct`` answers, best first.

    Equal points share a position; a team's best member has the most points, then right answers, then lowest id.
    Runs after every round, so it reads each player once (only players who answered have points).
    """
    count = len(roster.names)
    team_points, team_correct = [0] * count, [0] * count
    best: list[tuple[int, int, int] | None] = [None] * count
    """Per team: (-points, -right answers, id) of its best member so far, the smallest being the best."""
    for user_id, earned in points.items():
        team = roster.team_of.get(user_id)
        if team is None:
            continue
        right = correct.get(user_id, 0)
        team_points[team] += earned
        team_correct[team] += right
        rank, current = (-earned, -right, user_id), best[team]
        if earned > 0 and (current is None or rank < current):
            best[team] = rank
    order = sorted(range(count), key=lambda team: (-team_points[team], -team_correct[team], team))
    standings: list[TeamStanding] = []
    for index, team in enumerate(order):
        tied = standings and standings[-1].points == team_points[team]
        top = best[team]
        standings.append(
            TeamStanding(
                position=standings[-1].position if tied else index + 1,
                team=team,
                name=roster.names[team],
                points=team_points[team],
                correct=team_correct[team],
                members=roster.sizes[team],
                best_member=top[2] if top is not None else None,
                best_points=-top[0] if top is not None else 0,
            )
        )
    return standings


def winner(standings: list[TeamStanding]) -> TeamStanding | None:
    """Return the team that won outright, or ``None`` for a draw at the top or a quiz where no team scored."""
    leaders = [standing for standing in standings if standing.position == 1]
    if len(leaders) != 1 or leaders[0].points <= 0:
        return None
    return leaders[0]


# -- the team board ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamResult:
    """How one team did in a finished team quiz, as the board counts it."""

    name: str
    points: int
    won: bool


@dataclass(frozen=True, slots=True)
class TeamQuizRecord:
    """Everything a finished team quiz adds to its server's team board."""

    guild_id: int
    quiz_key: str
    """Unique per quiz (its session id); recording the same key twice changes nothing."""
    played_at: datetime
    teams: tuple[TeamResult, ...]


def team_quiz_record(
    guild_id: int, quiz_key: str, played_at: datetime, standings: list[TeamStanding]
) -> TeamQuizRecord:
    """Return what the board needs from a quiz's final team standings."""
    won = winner(standings)
    return TeamQuizRecord(
        guild_id,
        quiz_key,
        played_at,
        tuple(TeamResult(s.name, s.points, won is not None and s.team == won.team) for s in standings),
    )


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One team's line on a server's team board."""

    position: int
    """1 + the number of teams with more wins, or as many wins and more points; equal teams share it."""
    name: str
    wins: int
    quizzes: int
    points: int


class TeamStore(Protocol):
    """Storage for the team board."""

    async def record_team_quiz(self, record: TeamQuizRecord) -> bool:
        """Add a finished team quiz to its server's team board in one transaction.

        Return ``False`` (changing nothing) when ``record.quiz_key`` was already recorded.
        """
        ...

    async def top_teams(self, guild_id: int, offset: int = 0, limit: int = 10) -> list[TeamRow]:
        """Return a page of the server's team board: most wins first, then most points, then by name."""
        ...

    async def count_teams(self, guild_id: int) -> int:
        """Return how many teams the server's board holds (for page counts)."""
        ...
