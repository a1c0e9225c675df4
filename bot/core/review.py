"""Personal review without Discord: the myths and facts a member got wrong, brought back on a schedule.

Every place that judges a member's answer to a myth or a fact (a quiz round, a daily post) calls
:func:`note_misses` with who got it wrong. A missed item is due the next local day; each right review moves it up
one step of :data:`INTERVALS_DAYS` (due again that many days later), a wrong one puts it back on the first step, and
a right review on the last step masters it. Days are the server's calendar days, so "due tomorrow" means from the
server's midnight on.

The review streak counts consecutive local days with at least one review done. A member can opt out in a server
(``review off``): their review data there is deleted and nothing more is recorded until ``review on``.
Items retired or hidden in the server since they were missed are skipped, and their rows deleted, by the store.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.catalog import StoredItem
from bot.core.cluster import ShardSet
from bot.core.errors import MythOrFactError
from bot.core.i18n import _
from bot.core.scheduling import local_day

log = logging.getLogger(__name__)

INTERVALS_DAYS = (1, 3, 7, 21)
"""Days until an item is due again on each step: a miss puts it on step 0, due the next day."""
MASTERED = len(INTERVALS_DAYS)
"""The step of an item reviewed right on the last step: never due again (unless missed again)."""
REVIEWABLE_KINDS = frozenset({"myth", "fact"})
"""Only myths and facts are reviewed (with Myth/Fact buttons); quiz-only questions are not."""
CHOICES = ("myth", "fact")
REMINDERS_PER_SECOND = 5
"""DM reminders sent per second at most: each is one or two requests, well within the bot's 50 per second beside
daily posts."""
REMINDER_BATCH = 100
"""Members read per query during a reminder pass."""
LATEST_OFFSET = timedelta(hours=14)
"""The largest time-zone offset (UTC+14): no server's calendar is ahead of UTC by more."""


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """One of a member's items under review: the item, its step and when it is due."""

    item: StoredItem
    step: int
    """0 to ``MASTERED - 1`` while learning."""
    due_on: date
    missed_at: datetime
    """When the member last got it wrong (in a quiz, a daily post or a review)."""

    @property
    def sort_key(self) -> tuple[date, datetime, int]:
        """Order of due cards: the longest overdue first, then the earliest missed, then the item key."""
        return (self.due_on, self.missed_at, self.item.pk)


@dataclass(frozen=True, slots=True)
class ReviewStreak:
    """Consecutive local days with at least one review done; ``last_day`` is the latest of them."""

    current: int
    best: int
    last_day: date | None

    def shown_on(self, today: date) -> int:
        """Return the current streak as it stands ``today``: 0 once a whole day passed without a review."""
        if self.last_day is None or self.last_day < today - timedelta(days=1):
            return 0
        return self.current


NO_STREAK = ReviewStreak(0, 0, None)


def next_streak(streak: ReviewStreak, today: date) -> ReviewStreak:
    """Return the streak after a review done ``today``: the same day counts once, a gap starts again at 1."""
    if streak.last_day == today:
        return streak
    current = streak.current + 1 if streak.last_day == today - timedelta(days=1) else 1
    return ReviewStreak(current, max(streak.best, current), today)


@dataclass(frozen=True, slots=True)
class ReviewStats:
    """A member's review numbers in one server, for ``review stats``."""

    due: int
    """Items due today or earlier."""
    learning: tuple[int, ...]
    """Items on each step (``learning[0]`` on the first), mastered ones not included."""
    mastered: int
    streak: ReviewStreak
    reviews: int
    """Reviews done (each press of Myth or Fact on a due card)."""
    correct_reviews: int

    @property
    def accuracy(self) -> float:
        """Share of reviews answered right (0 before the first)."""
        return self.correct_reviews / self.reviews if self.reviews else 0.0


EMPTY_STATS = ReviewStats(0, (0,) * MASTERED, 0, NO_STREAK, 0, 0)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a reviewed item goes: its new step, and when it is due (``None`` once mastered)."""

    step: int
    due_on: date | None

    @property
    def mastered(self) -> bool:
        """Whether the item is mastered (never due again unless missed)."""
        return self.step >= MASTERED


def first_due(missed_on: date) -> date:
    """Return when an item missed on ``missed_on`` (a local day) is first due: the next day."""
    return missed_on + timedelta(days=INTERVALS_DAYS[0])


def review_outcome(step: int, correct: bool, today: date) -> Outcome:
    """Return where a card on ``step`` goes after a review ``today``: up a step if right, back to the first if not."""
    if not 0 <= step < MASTERED:
        raise ValueError(f"step {step} is not a learning step")
    if not correct:
        return Outcome(0, first_due(today))
    step += 1
    if step >= MASTERED:
        return Outcome(MASTERED, None)
    return Outcome(step, today + timedelta(days=INTERVALS_DAYS[step]))


class ReviewStore(Protocol):
    """Storage for members' review items, streaks and opt-outs, per server."""

    async def record_misses(
        self, guild_id: int, item_pk: int, user_ids: list[int], missed_at: datetime, due_on: date
    ) -> int:
        """Put an item back on the first step, due ``due_on``, for each member (except those who opted out).

        Idempotent: a miss no later than the one already recorded changes nothing. Return the rows written.
        """
        ...

    async def due_reviews(self, guild_id: int, user_id: int, today: date, limit: int = 1) -> list[ReviewCard]:
        """Return up to ``limit`` of the member's cards due ``today`` or earlier, in :attr:`ReviewCard.sort_key` order.

        Items since retired, hidden in the server, or no longer myths or facts are deleted from review first.
        """
        ...

    async def review_card(self, guild_id: int, user_id: int, item_pk: int) -> ReviewCard | None:
        """Return the member's card of one item while it is learning (not mastered, item live and not hidden)."""
        ...

    async def record_review(
        self, guild_id: int, user_id: int, item_pk: int, from_step: int, outcome: Outcome, correct: bool, today: date
    ) -> ReviewStreak | None:
        """Move a due card on ``from_step`` to ``outcome`` and count the review in the member's numbers and streak.

        Return the streak after it, or ``None`` (changing nothing) when the card is no longer due on that step: it
        was reviewed already (a second press), or its data was deleted.
        """
        ...

    async def review_stats(self, guild_id: int, user_id: int, today: date) -> ReviewStats:
        """Return the member's review numbers in the server (cleaning up retired and hidden items first)."""
        ...

    async def review_opted_out(self, guild_id: int, user_id: int) -> bool:
        """Return whether the member turned review off in the server."""
        ...

    async def set_review_opt_out(self, guild_id: int, user_id: int, opted_out: bool) -> int:
        """Turn review off (deleting the member's cards, numbers and reminder; return the cards deleted) or on."""
        ...

    async def set_review_reminder(self, guild_id: int, user_id: int, remind: bool) -> None:
        """Turn the member's DM reminder of due cards in the server on or off."""
        ...

    async def review_reminder_on(self, guild_id: int, user_id: int) -> bool:
        """Return whether the member asked for DM reminders in the server."""
        ...

    async def review_reminder_candidates(
        self, now: datetime, latest_today: date, limit: int, shards: ShardSet | None = None
    ) -> list[tuple[int, int]]:
        """Return up to ``limit`` ``(server, member)`` pairs whose reminder may go out at ``now``.

        Only members with reminders on and a card due on ``latest_today`` or earlier, in servers of ``shards``
        (``None``: every server).
        """
        ...

    async def claim_review_reminder(self, guild_id: int, user_id: int, now: datetime, next_at: datetime) -> bool:
        """Take the member's reminder of ``now``, so none goes out again before ``next_at``.

        Return ``False`` if another pass (or process) took it, or reminders were turned off.
        """
        ...


def missed_by(answers: Iterable[tuple[int, bool]]) -> list[int]:
    """Return the members who answered wrong, from ``(user id, right?)`` pairs, each once, in order."""
    return sorted({user_id for user_id, correct in answers if not correct})


async def note_misses(
    store: ReviewStore, guild_id: int, item: StoredItem, user_ids: Iterable[int], missed_at: datetime, zone: ZoneInfo
) -> int:
    """Bring a myth or fact back for review for the members who got it wrong at ``missed_at``; return rows written."""
    members = sorted(set(user_ids))
    if item.kind not in REVIEWABLE_KINDS or not members:
        return 0
    return await store.record_misses(guild_id, item.pk, members, missed_at, first_due(local_day(missed_at, zone)))


@dataclass(frozen=True, slots=True)
class ReviewAnswer:
    """What a review press did: the item and whether it was right, the new step, the streak, and the next card."""

    item: StoredItem
    correct: bool
    outcome: Outcome
    streak: ReviewStreak
    next_card: ReviewCard | None


class ReviewOff(MythOrFactError):
    """The member turned review off in this server."""

    def __init__(self) -> None:
        super().__init__(_("Your personal review is off in this server. Turn it back on with `review on`."))


class CardGone(MythOrFactError):
    """A review button of a card that is no longer due on that step (already answered, or deleted)."""

    def __init__(self) -> None:
        super().__init__(
            _("This card was already reviewed (or is no longer in your review). Run `review` for the next one.")
        )


async def next_card(
    store: ReviewStore, guild_id: int, user_id: int, now: datetime, zone: ZoneInfo
) -> ReviewCard | None:
    """Return the member's first due card (``None`` when nothing is due); refuse when review is off."""
    if await store.review_opted_out(guild_id, user_id):
        raise ReviewOff
    cards = await store.due_reviews(guild_id, user_id, local_day(now, zone))
    return cards[0] if cards else None


async def answer_review(
    store: ReviewStore,
    guild_id: int,
    user_id: int,
    item_pk: int,
    step: int,
    choice: str,
    now: datetime,
    zone: ZoneInfo,
) -> ReviewAnswer:
    """Take a member's Myth/Fact press on a due card (once), move the card, and find the next due one."""
    if choice not in CHOICES:
        raise ValueError(f"{choice!r} is not myth or fact")
    today = local_day(now, zone)
    card = await store.review_card(guild_id, user_id, item_pk)
    if card is None or card.step != step or card.due_on > today:
        raise CardGone
    correct = choice == card.item.kind
    outcome = review_outcome(step, correct, today)
    streak = await store.record_review(guild_id, user_id, item_pk, step, outcome, correct, today)
    if streak is None:
        raise CardGone
    cards = await store.due_reviews(guild_id, user_id, today)
    return ReviewAnswer(card.item, correct, outcome, streak, cards[0] if cards else None)


async def earliest_due(store: ReviewStore, guild_id: int, user_id: int, now: datetime, zone: ZoneInfo) -> date | None:
    """Return the day the member's next card is due (today or earlier if one is due), ``None`` when none is learning."""
    horizon = local_day(now, zone) + timedelta(days=INTERVALS_DAYS[-1])  # no learning card is due later than this
    cards = await store.due_reviews(guild_id, user_id, horizon)
    return cards[0].due_on if cards else None


# -- reminders -----------------------------------------------------------------------------------


def next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """Return the next local midnight after ``now`` in ``zone`` (in UTC), when the server's next day starts."""
    tomorrow = local_day(now, zone) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=zone).astimezone(now.tzinfo)


ReminderSender = Callable[[int, int, int], Awaitable[bool]]
"""``send(server, member, cards due)`` DMs a reminder; returns ``False`` when the member's DMs are closed to the bot."""


class ReviewReminders:
    """One pass sends each member who asked for it at most one DM a local day, when they have cards due.

    A member's reminder is claimed in the database before it is sent (its next moment moves to the server's next
    midnight), so a restart, a second pass or another process never sends it twice; a crash between the claim and
    the send skips that day's reminder rather than risk two. Sends are paced under Discord's limits.
    """

    def __init__(
        self,
        store: ReviewStore,
        send: ReminderSender,
        zone_of: Callable[[int], Awaitable[ZoneInfo]],
        pace: Callable[[], Awaitable[None]],
    ) -> None:
        self.store = store
        self.send = send
        self.zone_of = zone_of
        """The server's time zone (its settings)."""
        self.pace = pace
        """Waits until the next send may start (a :class:`bot.core.daily.Pacer`)."""

    async def run_pass(self, now: datetime, shards: ShardSet | None = None) -> int:
        """Remind every member due a reminder at ``now`` (of servers in ``shards``); return how many were sent."""
        sent = 0
        latest_today = (now + LATEST_OFFSET).date()
        while True:
            candidates = await self.store.review_reminder_candidates(now, latest_today, REMINDER_BATCH, shards)
            for guild_id, user_id in candidates:
                sent += await self._remind(guild_id, user_id, now)
            if len(candidates) < REMINDER_BATCH:
                return sent

    async def _remind(self, guild_id: int, user_id: int, now: datetime) -> bool:
        zone = await self.zone_of(guild_id)
        if not await self.store.claim_review_reminder(guild_id, user_id, now, next_midnight(now, zone)):
            return False
        due = (await self.store.review_stats(guild_id, user_id, local_day(now, zone))).due
        if not due:  # due later today elsewhere on Earth, not yet on this server's calendar: from its midnight on
            return False
        await self.pace()
        if await self.send(guild_id, user_id, due):
            return True
        log.info("Review reminders turned off for member %s in guild %s: their DMs are closed", user_id, guild_id)
        await self.store.set_review_reminder(guild_id, user_id, False)
        return False
