"""Adaptive difficulty: predict how likely the players are to answer an item, and pick items to match them.

The model is a logistic (Rasch-style) one. On the log-odds scale, a player's chance at an item is the item's own
ease plus how much better than the average player they are::

    P(player answers item) = sigmoid(logit(item rate) + ability(player))

* **Item rate**: the share of answers to the item that were right, shrunk toward a prior when there are few
  answers. The prior of an unplayed item comes from its pack ``difficulty`` (easy 80 %, medium 65 %, hard 50 %);
  answers in every server move it (:data:`ITEM_PRIOR_ANSWERS` pseudo-answers of prior weight), and this server's
  answers move that in turn (:data:`SERVER_PRIOR_ANSWERS`). So ten answers barely move a rate and a thousand decide
  it: more answers, less shrinkage.
* **Ability**: the log-odds of the member's own record (right answers out of answers on the server's all-time
  board) minus those of the average player, with the record shrunk toward the average
  (:data:`PLAYER_PRIOR_ANSWERS` pseudo-answers). A newcomer, with no record, is an average player (ability 0).
  The average player's rate is that of all answers to the pool's items, in every server.

For a set of players the predicted correct rate is the mean of their chances: the share of their answers expected
to be right. A quiz aims at a :func:`target_rate` that falls with the players' experience, from
:data:`NEWCOMER_TARGET` (most answers right, to welcome newcomers) to :data:`REGULAR_TARGET` (a real challenge),
and :func:`choose_items` takes the items whose prediction is nearest to it.

Everything here is pure arithmetic on counts the stores keep; nothing is stored per member beyond their scores.
The price of that: an item's rate is not corrected for who answered it (a full Rasch fit needs every answer), so
a hard item that mostly strong players met looks a little easier than it is. ``bench/calibration.py`` measures
how far predictions and observed rates agree on a simulated population.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

DIFFICULTY_PRIOR = {1: 0.80, 2: 0.65, 3: 0.50}
"""The correct rate expected of an item nobody answered yet, by its pack difficulty (1 easy, 3 hard)."""
POPULATION_PRIOR = 0.65
"""The average player's correct rate before any answers are counted."""
ITEM_PRIOR_ANSWERS = 10.0
SERVER_PRIOR_ANSWERS = 10.0
PLAYER_PRIOR_ANSWERS = 20.0
NEWCOMER_TARGET = 0.75
REGULAR_TARGET = 0.55
REGULAR_ANSWERS = 50
"""A member with this many answers counts as half a regular; the target moves halfway to :data:`REGULAR_TARGET`."""
RECENT_ROUNDS = 3
"""The quiz's players are those who answered any of its last this many rounds."""
RATE_FLOOR, RATE_CEILING = 0.02, 0.98
"""Rates are kept inside these so that log-odds stay finite."""


class Keyed(Protocol):
    """An item as a quiz plans it (a :class:`bot.core.catalog.StoredItem`): all this module needs is its key."""

    @property
    def pk(self) -> int:
        """The item's internal key."""
        ...


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """What is known of an item's difficulty: its pack's rating and its answers, in this server and overall."""

    pk: int
    difficulty: int
    server_answers: int = 0
    server_correct: int = 0
    overall_answers: int = 0
    """Answers in every server, this one included."""
    overall_correct: int = 0


@dataclass(frozen=True, slots=True)
class QuizPool:
    """What a quiz may draw: the server's unseen items, and the answers to every item of its pool, seen or not."""

    candidates: tuple[ItemRecord, ...]
    answers: int = 0
    """Answers to the pool's items in every server (for the average player's correct rate)."""
    correct: int = 0


@dataclass(frozen=True, slots=True)
class PlayerRecord:
    """A member's record in a server: answers given and how many were right (all time)."""

    user_id: int
    answers: int = 0
    correct: int = 0


def logit(rate: float) -> float:
    """Return the log-odds of a rate (clamped away from 0 and 1)."""
    rate = min(RATE_CEILING, max(RATE_FLOOR, rate))
    return math.log(rate / (1 - rate))


def sigmoid(log_odds: float) -> float:
    """Return the rate of some log-odds."""
    return 1 / (1 + math.exp(-log_odds))


def shrunk(correct: int, answers: int, prior: float, weight: float) -> float:
    """Return ``correct / answers`` pulled toward ``prior`` as if ``weight`` answers had been right at that rate."""
    return (correct + prior * weight) / (answers + weight)


@dataclass(frozen=True, slots=True)
class DifficultyModel:
    """Predicted correct rates of items for players (see the module docstring for the model)."""

    population_rate: float = POPULATION_PRIOR
    """The average player's correct rate (abilities are measured against it)."""

    @classmethod
    def for_pool(cls, pool: QuizPool) -> DifficultyModel:
        """Return the model whose average player is the one who answered the pool's items.

        All of them, seen or not: late in a cycle the unseen ones alone are the hardest, and would make everyone look
        stronger than the average player.
        """
        return cls(shrunk(pool.correct, pool.answers, POPULATION_PRIOR, PLAYER_PRIOR_ANSWERS))

    def item_rate(self, item: ItemRecord) -> float:
        """Return the item's expected correct rate for an average player of this server."""
        prior = DIFFICULTY_PRIOR.get(item.difficulty, DIFFICULTY_PRIOR[2])
        overall = shrunk(item.overall_correct, item.overall_answers, prior, ITEM_PRIOR_ANSWERS)
        return shrunk(item.server_correct, item.server_answers, overall, SERVER_PRIOR_ANSWERS)

    def ability(self, player: PlayerRecord) -> float:
        """Return how much better than the average player a member is, in log-odds (0 for a newcomer)."""
        rate = shrunk(player.correct, player.answers, self.population_rate, PLAYER_PRIOR_ANSWERS)
        return logit(rate) - logit(self.population_rate)

    def predict(self, item: ItemRecord, players: Sequence[PlayerRecord]) -> float:
        """Return the share of ``players``' answers to ``item`` expected to be right (an average player if none)."""
        ease = logit(self.item_rate(item))
        if not players:
            return sigmoid(ease)
        return sum(sigmoid(ease + self.ability(player)) for player in players) / len(players)


def experience(player: PlayerRecord) -> float:
    """Return how much of a regular a member is, from 0 (no answers) toward 1."""
    return player.answers / (player.answers + REGULAR_ANSWERS)


def target_rate(players: Sequence[PlayerRecord]) -> float:
    """Return the correct rate a quiz aims at for these players: high for newcomers, lower for regulars."""
    if not players:
        return NEWCOMER_TARGET
    seasoned = sum(experience(player) for player in players) / len(players)
    return NEWCOMER_TARGET - (NEWCOMER_TARGET - REGULAR_TARGET) * seasoned


def choose_items(
    candidates: Sequence[ItemRecord],
    count: int,
    players: Sequence[PlayerRecord],
    model: DifficultyModel,
    rng: random.Random,
) -> list[int]:
    """Return the pks of up to ``count`` candidates whose predicted rate is nearest the players' target.

    Candidates equally near (to the percent) are taken in random order, so equal items still rotate at random.
    """
    target = target_rate(players)
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    shuffled.sort(key=lambda item: round(abs(model.predict(item, players) - target), 2))
    return [item.pk for item in shuffled[:count]]


@dataclass(eq=False)
class AdaptivePlan:
    """The adaptive side of one quiz: who is playing, their records, and which planned item to ask next.

    The quiz's items are drawn at its start for the starting players (the starter and the channel's recent
    players); before each round, the remaining planned item best matched to the current players (those who
    answered the last :data:`RECENT_ROUNDS` rounds) is asked next. Records are loaded once per member; answers in
    this quiz are added to them as rounds close.
    """

    players: list[int]
    """The starting players, until somebody answers."""
    records: dict[int, PlayerRecord] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    model: DifficultyModel = field(default_factory=DifficultyModel)
    items: dict[int, ItemRecord] = field(default_factory=dict)
    """The records of the items drawn for the quiz, by pk."""
    recent: list[tuple[int, ...]] = field(default_factory=list)
    """Who answered each of the last rounds, oldest first."""

    def current_players(self) -> list[PlayerRecord]:
        """Return the records of the players a question is chosen for now."""
        answered = list(dict.fromkeys(user for round_players in self.recent for user in round_players))
        return [self.records.get(user, PlayerRecord(user)) for user in (answered or self.players)]

    def choose(self, pool: QuizPool, count: int) -> list[int]:
        """Pick the quiz's items among the pool's unseen candidates (the store's rotation calls this)."""
        self.model = DifficultyModel.for_pool(pool)
        self.items.update((item.pk, item) for item in pool.candidates)
        return choose_items(pool.candidates, count, self.current_players(), self.model, self.rng)

    def next_index(self, remaining: Sequence[tuple[Keyed, object]]) -> int:
        """Return which of the remaining planned rounds suits the current players best (0 keeps the order)."""
        players = self.current_players()
        target = target_rate(players)
        known = [
            (round(abs(self.model.predict(self.items[item.pk], players) - target), 2), index)
            for index, (item, _mode) in enumerate(remaining)
            if item.pk in self.items
        ]
        return min(known)[1] if known else 0

    def note_round(self, answers: Iterable[tuple[int, bool]]) -> list[int]:
        """Count a closed round's ``(user id, right)`` answers; return the ids whose record is still unknown."""
        answered = []
        unknown = []
        for user_id, correct in answers:
            answered.append(user_id)
            record = self.records.get(user_id)
            if record is None:
                unknown.append(user_id)
                record = PlayerRecord(user_id)
            self.records[user_id] = PlayerRecord(user_id, record.answers + 1, record.correct + int(correct))
        if answered:
            self.recent = [*self.recent, tuple(answered)][-RECENT_ROUNDS:]
        return unknown

    def learn(self, stored: Mapping[int, PlayerRecord]) -> None:
        """Take members' stored records (loaded after their rounds were saved, so they count those already)."""
        self.records.update(stored)
