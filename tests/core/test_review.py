"""Unit tests for personal review's rules: the schedule, the streak across zone midnights, due order, misses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.catalog import StoredItem
from bot.core.packs import Source
from bot.core.review import (
    INTERVALS_DAYS,
    MASTERED,
    NO_STREAK,
    Outcome,
    ReviewCard,
    ReviewReminders,
    ReviewStats,
    ReviewStreak,
    first_due,
    missed_by,
    next_midnight,
    next_streak,
    note_misses,
    review_outcome,
)
from bot.core.scheduling import local_day

TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
DAY = date(2026, 11, 26)


def item(pk: int = 1, kind: str = "myth") -> StoredItem:
    return StoredItem(
        id=f"item-{pk}",
        kind=kind,
        claim="A claim.",
        truth="The truth.",
        topic="animals",
        difficulty=1,
        source=Source("A book"),
        pk=pk,
        pack_id="sample",
    )


def test_a_miss_is_due_the_next_day_and_right_answers_climb_1_3_7_21_days_to_mastered():
    assert INTERVALS_DAYS == (1, 3, 7, 21)
    assert first_due(DAY) == date(2026, 11, 27)
    day, step, waits = first_due(DAY), 0, []
    while True:
        outcome = review_outcome(step, True, day)
        if outcome.mastered:
            break
        waits.append((outcome.due_on - day).days)
        day, step = outcome.due_on, outcome.step
    assert waits == [3, 7, 21]
    assert step == MASTERED - 1 and review_outcome(step, True, day) == Outcome(MASTERED, None)


@pytest.mark.parametrize("step", range(MASTERED))
def test_a_wrong_review_goes_back_to_the_first_step_from_any_step(step):
    assert review_outcome(step, False, DAY) == Outcome(0, date(2026, 11, 27))


@pytest.mark.parametrize("step", [-1, MASTERED, MASTERED + 1])
def test_only_learning_steps_can_be_reviewed(step):
    with pytest.raises(ValueError, match="is not a learning step"):
        review_outcome(step, True, DAY)


def test_streak_counts_a_day_once_continues_the_next_day_and_starts_again_after_a_gap():
    streak = next_streak(NO_STREAK, DAY)
    assert streak == ReviewStreak(1, 1, DAY)
    assert next_streak(streak, DAY) == streak, "a second review the same day changes nothing"
    streak = next_streak(streak, DAY + timedelta(days=1))
    assert streak == ReviewStreak(2, 2, DAY + timedelta(days=1))
    streak = next_streak(streak, DAY + timedelta(days=3))
    assert streak == ReviewStreak(1, 2, DAY + timedelta(days=3)), "the best is kept"


def test_the_shown_streak_lasts_through_the_next_day_only():
    streak = ReviewStreak(4, 6, DAY)
    assert streak.shown_on(DAY) == 4
    assert streak.shown_on(DAY + timedelta(days=1)) == 4, "still alive until the end of the next day"
    assert streak.shown_on(DAY + timedelta(days=2)) == 0
    assert NO_STREAK.shown_on(DAY) == 0


def test_streak_days_follow_the_servers_midnight_not_utc():
    # 14:30 and 15:30 UTC are the same UTC day, but Tokyo's midnight (15:00 UTC) falls between them.
    before, after = datetime(2026, 11, 26, 14, 30, tzinfo=UTC), datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
    tokyo = next_streak(next_streak(NO_STREAK, local_day(before, TOKYO)), local_day(after, TOKYO))
    assert tokyo.current == 2
    utc = next_streak(next_streak(NO_STREAK, local_day(before, UTC)), local_day(after, UTC))
    assert utc.current == 1
    # Just after midnight on the 26th and just before midnight on the 27th in Los Angeles: 47 hours apart and
    # two UTC days apart (26th and 28th), but consecutive days there.
    first, last = datetime(2026, 11, 26, 8, 30, tzinfo=UTC), datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    la = next_streak(next_streak(NO_STREAK, local_day(first, LOS_ANGELES)), local_day(last, LOS_ANGELES))
    assert la.current == 2
    assert next_streak(next_streak(NO_STREAK, local_day(first, UTC)), local_day(last, UTC)).current == 1


def test_due_cards_sort_longest_overdue_first_then_earliest_missed_then_item():
    at = datetime(2026, 11, 20, tzinfo=UTC)
    cards = [
        ReviewCard(item(3), 0, DAY, at),
        ReviewCard(item(2), 1, DAY - timedelta(days=2), at + timedelta(hours=5)),
        ReviewCard(item(1), 0, DAY, at),
        ReviewCard(item(4), 2, DAY, at - timedelta(days=1)),
    ]
    assert [card.item.pk for card in sorted(cards, key=lambda card: card.sort_key)] == [2, 4, 1, 3]


def test_missed_by_keeps_each_wrong_member_once():
    assert missed_by([(3, False), (1, True), (2, False), (3, False)]) == [2, 3]
    assert missed_by([(1, True)]) == []


def test_accuracy_is_the_share_of_right_reviews():
    assert ReviewStats(0, (0, 0, 0, 0), 0, NO_STREAK, 4, 3).accuracy == 0.75
    assert ReviewStats(0, (0, 0, 0, 0), 0, NO_STREAK, 0, 0).accuracy == 0.0


class RecordingStore:
    """Only what note_misses calls: it records the misses."""

    def __init__(self) -> None:
        self.misses: list[tuple[int, int, list[int], datetime, date]] = []

    async def record_misses(self, guild_id, item_pk, user_ids, missed_at, due_on) -> int:
        self.misses.append((guild_id, item_pk, user_ids, missed_at, due_on))
        return len(user_ids)


async def test_note_misses_uses_the_servers_day_and_skips_questions_and_empty_lists():
    store = RecordingStore()
    late_evening_utc = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # already 27 Nov in Tokyo
    assert await note_misses(store, 1, item(5, "fact"), [9, 8, 9], late_evening_utc, TOKYO) == 2
    assert store.misses == [(1, 5, [8, 9], late_evening_utc, date(2026, 11, 28))]
    assert await note_misses(store, 1, item(6, "question"), [9], late_evening_utc, TOKYO) == 0
    assert await note_misses(store, 1, item(7), [], late_evening_utc, TOKYO) == 0
    assert len(store.misses) == 1


# -- reminders ------------------------------------------------------------------------------------


def test_next_midnight_is_the_servers_and_follows_daylight_saving():
    assert next_midnight(datetime(2026, 11, 26, 20, 0, tzinfo=UTC), TOKYO) == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert next_midnight(datetime(2026, 11, 26, 3, 0, tzinfo=UTC), TOKYO) == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    # Los Angeles moves its clocks back on 1 Nov 2026: midnight is 07:00 UTC before, 08:00 UTC after.
    assert next_midnight(datetime(2026, 10, 31, 12, tzinfo=UTC), LOS_ANGELES) == datetime(2026, 11, 1, 7, tzinfo=UTC)
    assert next_midnight(datetime(2026, 11, 1, 12, tzinfo=UTC), LOS_ANGELES) == datetime(2026, 11, 2, 8, tzinfo=UTC)


class Reminded:
    """A reminder sender that records what it sends; ``closed`` members have their DMs closed."""

    def __init__(self, *closed: int) -> None:
        self.sent: list[tuple[int, int, int]] = []
        self.closed = set(closed)
        self.paced = 0

    async def send(self, guild_id: int, user_id: int, due: int) -> bool:
        if user_id in self.closed:
            return False
        self.sent.append((guild_id, user_id, due))
        return True

    async def pace(self) -> None:
        self.paced += 1


async def test_a_reminder_goes_out_once_a_local_day_when_cards_are_due_and_stops_when_dms_are_closed(store):
    guild, ann, ben, cat = 1, 11, 12, 13
    zones = {guild: TOKYO}
    reminded = Reminded(cat)

    async def zone_of(guild_id: int) -> ZoneInfo:
        return zones[guild_id]

    reminders = ReviewReminders(store, reminded.send, zone_of, reminded.pace)
    missed = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # 19:00 in Tokyo on the 26th: due on the 27th there
    for pk in (1, 2):
        await note_misses(store, guild, item(pk), [ann, ben, cat], missed, TOKYO)
    for user in (ann, cat):
        await store.set_review_reminder(guild, user, True)

    assert await reminders.run_pass(datetime(2026, 11, 26, 14, 0, tzinfo=UTC)) == 0, "23:00 in Tokyo: not due yet"
    assert reminded.sent == []
    assert await reminders.run_pass(datetime(2026, 11, 26, 15, 30, tzinfo=UTC)) == 1, "00:30 on the 27th in Tokyo"
    assert reminded.sent == [(guild, ann, 2)] and reminded.paced == 2, "cat's DM was tried too"
    assert not await store.review_reminder_on(guild, cat), "closed DMs turn reminders off"
    assert await reminders.run_pass(datetime(2026, 11, 27, 14, 0, tzinfo=UTC)) == 0, "one a local day"
    assert await reminders.run_pass(datetime(2026, 11, 27, 15, 0, tzinfo=UTC)) == 1, "the next day in Tokyo"
    assert reminded.sent[-1] == (guild, ann, 2) and {user for _, user, _ in reminded.sent} == {ann}
