"""Team quiz benchmark: what team scoring adds to a round, and what a crowded lobby costs to redraw.

Two measures, each against a baseline measured in the same run:

- Closing a round (scoring every answer, streaks, standings) with 200 players, in a team quiz of 4 teams against the
  same quiz without teams. A team quiz also totals the teams after every round, for the reveal.
- Answering a lobby button: the lobby's rules (a member switching teams) plus the redrawn embed and buttons, in a
  lobby of 4 full teams (200 members) against an empty lobby. Every Join and Leave redraws the lobby, within
  Discord's 3 s for a button, so it has to stay cheap however many have joined.

Run: ``python -m bench.teams`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.core.catalog import StoredItem
from bot.core.packs import Source
from bot.core.quiz import Mode, QuizSession, QuizSettings
from bot.core.teams import MAX_TEAM_MEMBERS, TeamLobby, TeamRoster
from cogs.quiz import views

PLAYERS = 200
TEAMS = ("Red", "Blue", "Green", "Yellow")


def item(pk: int) -> StoredItem:
    """A myth-or-fact item for the benchmark's rounds."""
    return StoredItem(
        pk=pk,
        pack_id="bench",
        id=f"item-{pk}",
        kind="myth",
        claim=f"Claim number {pk} that people often repeat.",
        truth="The truth.",
        topic="bench",
        difficulty=2,
        source=Source("Source", "https://example.org"),
    )


def play(rounds: int, roster: TeamRoster | None) -> float:
    """Play ``rounds`` rounds with every player answering; return the seconds spent closing rounds."""
    plan = [(item(pk), Mode.MYTH_OR_FACT) for pk in range(rounds)]
    settings = QuizSettings(idle_rounds_to_end=rounds + 1)
    session = QuizSession(guild_id=1, channel_id=2, starter_id=0, items=plan, settings=settings, roster=roster)
    spent, now = 0.0, 0.0
    for _ in range(rounds):
        question = session.start_round(now)
        for player in range(PLAYERS):
            session.answer_option(player, question.options[player % 2], now + 1 + player / PLAYERS)
        started = time.perf_counter()
        session.close_round()
        spent += time.perf_counter() - started
        now += 30
    return spent


def press_join(lobby: TeamLobby, presses: int) -> float:
    """Switch a member between two teams ``presses`` times, redrawing the lobby each time; return seconds per press."""
    started = time.perf_counter()
    for press in range(presses):
        lobby.join(10_000, press % 2, "a member with a long display name")
        views.lobby_embed(lobby)
        views.lobby_view(lobby)
    return (time.perf_counter() - started) / presses


def best_of_each(repeats: int, baseline: Callable[[], float], measured: Callable[[], float]) -> tuple[float, float]:
    """Return the fastest of ``repeats`` runs of each, taking turns (so a busy moment hits both), after a warm-up."""
    baseline(), measured()
    times = [(baseline(), measured()) for _ in range(repeats)]
    return min(pair[0] for pair in times), min(pair[1] for pair in times)


def main() -> None:
    """Print both measures and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few rounds and presses")
    args = parser.parse_args()
    rounds, presses, repeats = (5, 20, 2) if args.quick else (50, 500, 15)

    roster = TeamRoster(TEAMS, {player: player % len(TEAMS) for player in range(PLAYERS)})
    plain, teams = (
        seconds / rounds for seconds in best_of_each(repeats, lambda: play(rounds, None), lambda: play(rounds, roster))
    )
    print(f"closing a round, {PLAYERS} players: without teams {plain * 1000:.3f} ms, 4 teams {teams * 1000:.3f} ms")
    print(f"  ratio teams/plain: {teams / plain:.2f}")

    empty = TeamLobby(1, 2, 3, TEAMS, closes_at=60.0)
    crowded = TeamLobby(1, 2, 3, TEAMS, closes_at=60.0)
    for member in range(len(TEAMS) * MAX_TEAM_MEMBERS):
        crowded.join(member, member % len(TEAMS), f"member number {member}")
    crowded.leave(0)  # room for the member who switches
    crowded.leave(1)
    small, full = best_of_each(repeats, lambda: press_join(empty, presses), lambda: press_join(crowded, presses))
    print(f"a lobby button (rules + redraw): empty lobby {small * 1000:.3f} ms, 200 members {full * 1000:.3f} ms")
    print(f"  ratio crowded/empty: {full / small:.2f}")
    print(f"(measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
