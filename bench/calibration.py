"""Calibration of adaptive difficulty: do predicted correct rates match the observed ones on a simulated population?

A simulated population plays quizzes through the real core: :class:`bot.core.adaptive.AdaptivePlan` picks each
quiz's items from the server's unseen ones (the rotation of the stores: no repeat within a cycle) and orders them
for the players of the last rounds, and :class:`bot.core.quiz.QuizSession` runs the rounds. What the stores would
count (each item's answers in its server and overall, each member's all-time record) is counted here the same way.

The population: servers with members of hidden skill (normal, in log-odds) and activity (how often they join a
quiz: a few regulars, many occasional players); items with a hidden difficulty, whose pack rating (easy, medium,
hard) is the tercile of that difficulty, blurred as curators' ratings are. Every answer is drawn from the true model,
``P(right) = sigmoid(skill - difficulty)``.

Before each answer, the model's prediction for that player on that item is noted, and so is the baseline's: the
global mean correct rate so far (what a bot without a model would guess). The report is a reliability table by
predicted-rate bucket, the expected calibration error (ECE: the answer-weighted gap between predicted and observed
rates per bucket) and the Brier score (mean squared error of the predictions), each as a ratio to the baseline's in
the same run. Then the observed correct rate of newcomers' and regulars' answers, with adaptive selection and with
random selection (the setting off) on the same population, against the targets.

Run: ``python -m bench.calibration`` (``--quick`` for a smoke run, ``--seed`` to vary the population).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.adaptive import (
    NEWCOMER_TARGET,
    POPULATION_PRIOR,
    REGULAR_TARGET,
    AdaptivePlan,
    DifficultyModel,
    ItemRecord,
    PlayerRecord,
    QuizPool,
    sigmoid,
)
from bot.core.catalog import StoredItem
from bot.core.packs import Source
from bot.core.quiz import Mode, QuizSession, QuizSettings

BUCKETS = 10
NEWCOMER_ANSWERS = 20
"""Answers with fewer than this many earlier answers by the member count as a newcomer's."""
REGULAR_ANSWERS = 200


@dataclass(frozen=True, slots=True)
class Scale:
    """How big a run is."""

    servers: int
    members: int
    items: int
    quizzes: int
    rounds: int = 10


FULL = Scale(servers=12, members=80, items=400, quizzes=4_000)
QUICK = Scale(servers=3, members=30, items=120, quizzes=300)


@dataclass(slots=True)
class Member:
    """A simulated member: a hidden skill, how often they play, and their record (as the scores store keeps it)."""

    user_id: int
    skill: float
    activity: float
    answers: int = 0
    correct: int = 0


@dataclass(slots=True)
class Server:
    """A simulated server: its members, its counts per item, its rotation and its channel's last players."""

    members: list[Member]
    answers: dict[int, int] = field(default_factory=dict)
    correct: dict[int, int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    last_players: list[int] = field(default_factory=list)


@dataclass(slots=True)
class World:
    """Items (hidden difficulty, pack rating, overall counts) and servers."""

    difficulty: dict[int, float]
    rating: dict[int, int]
    items: dict[int, StoredItem]
    servers: list[Server]
    answers: dict[int, int] = field(default_factory=dict)
    correct: dict[int, int] = field(default_factory=dict)
    total_answers: int = 0
    total_correct: int = 0


@dataclass(slots=True)
class Tally:
    """Predictions noted before each answer, with what happened."""

    model: list[tuple[float, int]] = field(default_factory=list)
    baseline: list[tuple[float, int]] = field(default_factory=list)
    by_experience: dict[str, list[int]] = field(default_factory=lambda: {"newcomer": [], "middle": [], "regular": []})


def stored_item(pk: int, rating: int) -> StoredItem:
    """A myth the session can ask (only its key and rating matter here)."""
    return StoredItem(
        pk=pk,
        pack_id="sim",
        id=f"item-{pk}",
        kind="myth",
        claim=f"Simulated claim {pk}.",
        truth="Simulated truth.",
        topic="sim",
        difficulty=rating,
        source=Source("Simulation", "https://example.org"),
    )


def build_world(scale: Scale, rng: random.Random) -> World:
    """Draw the population: item difficulties and their blurred ratings, members' skills and activity."""
    difficulty = {pk: rng.gauss(-0.7, 1.2) for pk in range(1, scale.items + 1)}
    blurred = sorted(difficulty, key=lambda pk: difficulty[pk] + rng.gauss(0, 0.6))
    rating = {pk: 1 + 3 * index // len(blurred) for index, pk in enumerate(blurred)}
    items = {pk: stored_item(pk, rating[pk]) for pk in difficulty}
    servers = []
    user_id = 0
    for _server in range(scale.servers):
        members = []
        for _member in range(scale.members):
            user_id += 1
            members.append(Member(user_id, rng.gauss(0.0, 1.0), rng.paretovariate(1.2)))
        servers.append(Server(members))
    return World(difficulty, rating, items, servers)


def item_record(world: World, server: Server, pk: int) -> ItemRecord:
    """What the stores would offer for an item (see :func:`bot.storage.shared.draw_from`)."""
    return ItemRecord(
        pk,
        world.rating[pk],
        server.answers.get(pk, 0),
        server.correct.get(pk, 0),
        world.answers.get(pk, 0),
        world.correct.get(pk, 0),
    )


def draw_quiz(world: World, server: Server, count: int, plan: AdaptivePlan | None, rng: random.Random) -> list[int]:
    """Draw a quiz's items like the stores' rotation: unseen ones first, then a new cycle (never the same twice)."""
    unseen = [pk for pk in world.items if pk not in server.seen]

    def pick(pool: Sequence[int], wanted: int) -> list[int]:
        if plan is None:
            return rng.sample(list(pool), min(wanted, len(pool)))
        candidates = tuple(item_record(world, server, pk) for pk in pool)
        return plan.choose(QuizPool(candidates, world.total_answers, world.total_correct), wanted)[:wanted]

    chosen = pick(unseen, count)
    if len(chosen) < count:
        server.seen.clear()
        chosen += pick([pk for pk in world.items if pk not in chosen], count - len(chosen))
    server.seen.update(chosen)
    return chosen


def experience_group(answers: int) -> str:
    """Name how experienced a member was when answering."""
    if answers < NEWCOMER_ANSWERS:
        return "newcomer"
    return "regular" if answers >= REGULAR_ANSWERS else "middle"


def play_quiz(world: World, server: Server, scale: Scale, tally: Tally, adaptive: bool, rng: random.Random) -> None:
    """Play one quiz: pick players, draw and order items through the core, draw each answer from the true model."""
    weights = [member.activity for member in server.members]
    by_id = {member.user_id: member for member in server.members}
    players = list(dict.fromkeys(m.user_id for m in rng.choices(server.members, weights, k=rng.randint(1, 6))))
    starters = list(dict.fromkeys([players[0], *server.last_players]))
    records = {uid: PlayerRecord(uid, by_id[uid].answers, by_id[uid].correct) for uid in starters}
    plan = AdaptivePlan(starters, records, random.Random(rng.random())) if adaptive else None
    chosen = draw_quiz(world, server, scale.rounds, plan, rng)
    session = QuizSession(
        guild_id=0,
        channel_id=0,
        starter_id=players[0],
        items=[(world.items[pk], Mode.MYTH_OR_FACT) for pk in chosen],
        settings=QuizSettings(idle_rounds_to_end=scale.rounds + 1),
    )
    model = plan.model if plan else DifficultyModel()
    clock = 0.0
    while not session.finished:
        if plan is not None:
            session.bring_forward(plan.next_index)
        question = session.start_round(clock)
        pk = question.item.pk
        record = item_record(world, server, pk)
        baseline = (world.total_correct + POPULATION_PRIOR * 20) / (world.total_answers + 20)
        answers = []
        for user_id in players:
            if rng.random() > 0.85:  # not everyone answers every round
                continue
            member = by_id[user_id]
            predicted = model.predict(record, [PlayerRecord(user_id, member.answers, member.correct)])
            right = rng.random() < sigmoid(member.skill - world.difficulty[pk])
            if adaptive:
                tally.model.append((predicted, int(right)))
                tally.baseline.append((baseline, int(right)))
            tally.by_experience[experience_group(member.answers)].append(int(right))
            option = "Myth" if right else "Fact"  # every item is a myth: the right answer is "Myth"
            session.answer_option(user_id, option, clock + 1.0)
            answers.append((user_id, right))
        result = session.close_round()
        for player in result.players:
            member = by_id[player.user_id]
            member.answers += 1
            member.correct += int(player.correct)
            server.answers[pk] = server.answers.get(pk, 0) + 1
            server.correct[pk] = server.correct.get(pk, 0) + int(player.correct)
            world.answers[pk] = world.answers.get(pk, 0) + 1
            world.correct[pk] = world.correct.get(pk, 0) + int(player.correct)
            world.total_answers += 1
            world.total_correct += int(player.correct)
        if plan is not None:
            unknown = plan.note_round((p.user_id, p.correct) for p in result.players)
            plan.learn({uid: PlayerRecord(uid, by_id[uid].answers, by_id[uid].correct) for uid in unknown})
            model = plan.model
        clock += question.time_limit + 5
    server.last_players = [standing.user_id for standing in session.standings()]


def simulate(scale: Scale, seed: int, adaptive: bool) -> Tally:
    """Run ``scale.quizzes`` quizzes over a population drawn from ``seed``."""
    rng = random.Random(seed)
    world = build_world(scale, rng)
    tally = Tally()
    for _quiz in range(scale.quizzes):
        play_quiz(world, rng.choice(world.servers), scale, tally, adaptive, rng)
    return tally


@dataclass(frozen=True, slots=True)
class Bucket:
    """One row of a reliability table."""

    low: float
    high: float
    answers: int
    predicted: float
    observed: float


def reliability(pairs: Sequence[tuple[float, int]]) -> list[Bucket]:
    """Group ``(predicted, outcome)`` pairs by predicted rate, in tenths."""
    grouped: list[list[tuple[float, int]]] = [[] for _ in range(BUCKETS)]
    for predicted, outcome in pairs:
        grouped[min(BUCKETS - 1, int(predicted * BUCKETS))].append((predicted, outcome))
    return [
        Bucket(
            index / BUCKETS,
            (index + 1) / BUCKETS,
            len(rows),
            sum(p for p, _ in rows) / len(rows),
            sum(o for _, o in rows) / len(rows),
        )
        for index, rows in enumerate(grouped)
        if rows
    ]


def expected_calibration_error(pairs: Sequence[tuple[float, int]]) -> float:
    """Return the answer-weighted mean gap between predicted and observed rates over the buckets."""
    return sum(b.answers * abs(b.predicted - b.observed) for b in reliability(pairs)) / len(pairs)


def brier(pairs: Sequence[tuple[float, int]]) -> float:
    """Return the mean squared error of the predictions."""
    return sum((p - o) ** 2 for p, o in pairs) / len(pairs)


def log_loss(pairs: Sequence[tuple[float, int]]) -> float:
    """Return the mean negative log-likelihood of the outcomes."""
    return -sum(math.log(p if o else 1 - p) for p, o in pairs) / len(pairs)


def rate(outcomes: Sequence[int]) -> str:
    """Format a correct rate with its count."""
    return f"{sum(outcomes) / len(outcomes):.3f} (n={len(outcomes):,})" if outcomes else "- (n=0)"


def main() -> None:
    """Run both simulations and print the calibration report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (a few hundred quizzes)")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    started = time.perf_counter()
    adaptive = simulate(scale, args.seed, adaptive=True)
    at_random = simulate(scale, args.seed, adaptive=False)
    elapsed = time.perf_counter() - started

    print(
        f"bench.calibration: {scale.quizzes:,} quizzes of {scale.rounds} questions in {scale.servers} servers "
        f"({scale.members} members each, {scale.items} items), seed {args.seed}, {elapsed:.1f} s"
    )
    print(f"answers predicted: {len(adaptive.model):,} (adaptive selection)")
    print()
    print("Reliability (model): predicted bucket, answers, mean predicted, observed, gap")
    for bucket in reliability(adaptive.model):
        gap = bucket.observed - bucket.predicted
        print(
            f"  {bucket.low:.1f}-{bucket.high:.1f}  {bucket.answers:>8,}  {bucket.predicted:.3f}  "
            f"{bucket.observed:.3f}  {gap:+.3f}"
        )
    print()
    rows = [
        ("ECE", expected_calibration_error(adaptive.model), expected_calibration_error(adaptive.baseline)),
        ("Brier score", brier(adaptive.model), brier(adaptive.baseline)),
        ("log loss", log_loss(adaptive.model), log_loss(adaptive.baseline)),
    ]
    print("Measure        model    baseline (global mean rate)   ratio model/baseline")
    for name, model, baseline in rows:
        print(f"  {name:<12} {model:.4f}   {baseline:.4f}                        {model / baseline:.2f}")
    print()
    print(f"Observed correct rate by experience (targets: newcomers {NEWCOMER_TARGET}, regulars -> {REGULAR_TARGET})")
    for group in ("newcomer", "middle", "regular"):
        print(
            f"  {group:<9} adaptive {rate(adaptive.by_experience[group])}   "
            f"random {rate(at_random.by_experience[group])}"
        )


if __name__ == "__main__":
    main()
