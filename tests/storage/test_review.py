"""Personal review on every backend: missed items, their schedule, streaks, stats, opt-out, forget-me and export."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.core.admin import build_export
from bot.core.cluster import ShardSet
from bot.core.content import check_draft
from bot.core.review import MASTERED, NO_STREAK, Outcome, ReviewStreak, first_due, review_outcome
from bot.storage.base import FactStore

GUILD = 1001
OTHER_GUILD = 2002
ANN, BEN, MOD = 11, 12, 99
MISSED_AT = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
DAY = date(2026, 11, 26)
TOMORROW = DAY + timedelta(days=1)
GOLDFISH, BATS, OCTOPUS = 1, 2, 3
"""Sample pack items: two myths and a fact."""


async def miss(store: FactStore, item: int, *users: int, at: datetime = MISSED_AT, guild: int = GUILD) -> int:
    day = at.astimezone(UTC).date()
    return await store.record_misses(guild, item, list(users), at, first_due(day))


async def due_refs(store: FactStore, user: int, today: date, guild: int = GUILD) -> list[str]:
    return [card.item.ref for card in await store.due_reviews(guild, user, today, limit=10)]


async def test_a_miss_is_due_the_next_day_for_that_member_in_that_server_only(store: FactStore):
    assert await miss(store, GOLDFISH, ANN, BEN) == 2
    assert await due_refs(store, ANN, DAY) == []
    assert await due_refs(store, ANN, TOMORROW) == ["sample/goldfish-memory"]
    assert await due_refs(store, BEN, TOMORROW) == ["sample/goldfish-memory"]
    assert await due_refs(store, MOD, TOMORROW) == []
    assert await due_refs(store, ANN, TOMORROW, guild=OTHER_GUILD) == []
    card = (await store.due_reviews(GUILD, ANN, TOMORROW))[0]
    assert (card.step, card.due_on, card.missed_at, card.item.kind) == (0, TOMORROW, MISSED_AT, "myth")


async def test_recording_the_same_miss_twice_changes_nothing_and_a_later_miss_starts_again(store: FactStore):
    await miss(store, GOLDFISH, ANN)
    assert await miss(store, GOLDFISH, ANN) == 0, "a replayed miss (a retried round) is not written again"
    assert await store.record_review(GUILD, ANN, GOLDFISH, 0, Outcome(1, TOMORROW + timedelta(days=3)), True, TOMORROW)
    later = MISSED_AT + timedelta(days=2)
    assert await miss(store, GOLDFISH, ANN, at=later) == 1
    card = await store.review_card(GUILD, ANN, GOLDFISH)
    assert (card.step, card.due_on, card.missed_at) == (0, first_due(later.date()), later)


async def test_due_cards_come_longest_overdue_first_then_earliest_missed(store: FactStore):
    await miss(store, OCTOPUS, ANN, at=MISSED_AT + timedelta(hours=1))
    await miss(store, BATS, ANN, at=MISSED_AT)
    await miss(store, GOLDFISH, ANN, at=MISSED_AT - timedelta(days=3))
    assert await due_refs(store, ANN, TOMORROW + timedelta(days=5)) == [
        "sample/goldfish-memory",
        "sample/bats-blind",
        "sample/octopus-hearts",
    ]
    cards = await store.due_reviews(GUILD, ANN, TOMORROW + timedelta(days=5), limit=10)
    assert cards == sorted(cards, key=lambda card: card.sort_key)
    assert len(await store.due_reviews(GUILD, ANN, TOMORROW, limit=2)) == 2


async def test_a_review_moves_the_card_once_and_counts_in_the_streak_and_numbers(store: FactStore):
    await miss(store, GOLDFISH, ANN)
    outcome = review_outcome(0, True, TOMORROW)
    streak = await store.record_review(GUILD, ANN, GOLDFISH, 0, outcome, True, TOMORROW)
    assert streak == ReviewStreak(1, 1, TOMORROW)
    assert await store.record_review(GUILD, ANN, GOLDFISH, 0, outcome, True, TOMORROW) is None, "a second press"
    card = await store.review_card(GUILD, ANN, GOLDFISH)
    assert (card.step, card.due_on) == (1, TOMORROW + timedelta(days=3))
    assert await due_refs(store, ANN, TOMORROW + timedelta(days=2)) == []
    stats = await store.review_stats(GUILD, ANN, TOMORROW)
    assert (stats.due, stats.learning, stats.mastered) == (0, (0, 1, 0, 0), 0)
    assert (stats.reviews, stats.correct_reviews) == (1, 1)
    assert stats.streak == ReviewStreak(1, 1, TOMORROW)


async def test_a_card_not_yet_due_cannot_be_reviewed(store: FactStore):
    await miss(store, GOLDFISH, ANN)
    assert await store.record_review(GUILD, ANN, GOLDFISH, 0, review_outcome(0, True, DAY), True, DAY) is None
    assert (await store.review_card(GUILD, ANN, GOLDFISH)).step == 0


async def test_streak_counts_consecutive_days_and_survives_in_the_numbers(store: FactStore):
    for item in (GOLDFISH, BATS, OCTOPUS):
        await miss(store, item, ANN)
    day2 = TOMORROW + timedelta(days=1)
    day4 = TOMORROW + timedelta(days=3)
    assert await store.record_review(GUILD, ANN, GOLDFISH, 0, review_outcome(0, False, TOMORROW), False, TOMORROW)
    streak = await store.record_review(GUILD, ANN, BATS, 0, review_outcome(0, True, day2), True, day2)
    assert streak == ReviewStreak(2, 2, day2)
    streak = await store.record_review(GUILD, ANN, OCTOPUS, 0, review_outcome(0, True, day4), True, day4)
    assert streak == ReviewStreak(1, 2, day4), "a day without a review starts the streak again"
    stats = await store.review_stats(GUILD, ANN, day4)
    assert (stats.reviews, stats.correct_reviews, stats.streak.best) == (3, 2, 2)
    assert round(stats.accuracy, 3) == 0.667


async def test_mastered_cards_are_counted_and_never_due(store: FactStore):
    await miss(store, GOLDFISH, ANN)
    day = TOMORROW
    for step in range(MASTERED):
        outcome = review_outcome(step, True, day)
        assert await store.record_review(GUILD, ANN, GOLDFISH, step, outcome, True, day)
        day = outcome.due_on or day
    assert await store.review_card(GUILD, ANN, GOLDFISH) is None
    assert await due_refs(store, ANN, day + timedelta(days=365)) == []
    stats = await store.review_stats(GUILD, ANN, day)
    assert (stats.mastered, stats.learning, stats.due) == (1, (0, 0, 0, 0), 0)


async def test_hidden_and_retired_items_are_skipped_and_cleaned_up(store: FactStore, raw_sql):
    custom = await store.add_custom_fact(
        GUILD,
        check_draft("fact", "A custom claim long enough to pass.", "A truth long enough.", "A book", "local"),
        MOD,
        MISSED_AT,
    )
    for item in (GOLDFISH, BATS, custom.item.pk):
        await miss(store, item, ANN)
    await store.hide_item(GUILD, BATS, MOD, MISSED_AT)
    await store.remove_custom_fact(GUILD, custom.number, MOD, MISSED_AT)
    assert await store.review_card(GUILD, ANN, BATS) is None
    assert await due_refs(store, ANN, TOMORROW) == ["sample/goldfish-memory"]
    assert await raw_sql("SELECT item_pk FROM review_items WHERE user_id = ?", ANN) == [(GOLDFISH,)]
    assert (await store.review_stats(GUILD, ANN, TOMORROW)).learning == (1, 0, 0, 0)


async def test_opting_out_deletes_review_data_and_stops_recording_until_opted_in(store: FactStore):
    await miss(store, GOLDFISH, ANN, BEN)
    await miss(store, BATS, ANN)
    await store.record_review(GUILD, ANN, GOLDFISH, 0, review_outcome(0, True, TOMORROW), True, TOMORROW)
    assert await store.set_review_opt_out(GUILD, ANN, True) == 2
    assert await store.review_opted_out(GUILD, ANN)
    assert not await store.review_opted_out(GUILD, BEN)
    assert not await store.review_opted_out(OTHER_GUILD, ANN)
    assert await store.review_stats(GUILD, ANN, TOMORROW) == (await store.review_stats(GUILD, MOD, TOMORROW))
    assert await miss(store, OCTOPUS, ANN, BEN) == 1, "only Ben's miss is recorded"
    assert await due_refs(store, ANN, TOMORROW) == []
    assert await due_refs(store, BEN, TOMORROW) == ["sample/goldfish-memory", "sample/octopus-hearts"]
    await store.set_review_opt_out(GUILD, ANN, False)
    assert not await store.review_opted_out(GUILD, ANN)
    assert await miss(store, OCTOPUS, ANN) == 1


async def test_empty_stats_for_a_member_who_never_missed(store: FactStore):
    stats = await store.review_stats(GUILD, ANN, DAY)
    assert (stats.due, stats.learning, stats.mastered, stats.streak, stats.reviews, stats.accuracy) == (
        0,
        (0, 0, 0, 0),
        0,
        NO_STREAK,
        0,
        0.0,
    )


async def test_forget_me_deletes_review_data_but_keeps_an_opt_out(store: FactStore):
    await miss(store, GOLDFISH, ANN, BEN)
    await store.record_review(GUILD, ANN, GOLDFISH, 0, review_outcome(0, False, TOMORROW), False, TOMORROW)
    await store.set_review_opt_out(GUILD, BEN, True)
    report = await store.forget_member_data(GUILD, ANN)
    assert (report.review_items, report.review_numbers) == (1, 1)
    assert await due_refs(store, ANN, TOMORROW + timedelta(days=5)) == []
    assert (await store.review_stats(GUILD, ANN, TOMORROW)).reviews == 0
    report = await store.forget_member_data(GUILD, BEN)
    assert (report.review_items, report.review_numbers) == (0, 0)
    assert await store.review_opted_out(GUILD, BEN), "forgetting Ben does not start recording him again"


async def test_export_lists_review_items_and_numbers_of_the_server(store: FactStore):
    await miss(store, GOLDFISH, ANN)
    await miss(store, GOLDFISH, ANN, guild=OTHER_GUILD)
    await store.record_review(GUILD, ANN, GOLDFISH, 0, review_outcome(0, True, TOMORROW), True, TOMORROW)
    sections = await store.export_sections(GUILD)
    assert sections["review_items"] == [
        {
            "user_id": ANN,
            "item_pk": GOLDFISH,
            "pack_id": "sample",
            "item_id": "goldfish-memory",
            "step": 1,
            "due_on": (TOMORROW + timedelta(days=3)).isoformat(),
            "missed_at": MISSED_AT.isoformat(timespec="microseconds"),
        }
    ]
    document = json.loads(build_export(GUILD, sections, MISSED_AT).data)
    assert document["sections"]["review_items"][0]["user_id"] == str(ANN), "ids as strings, like the rest"
    assert sections["review_members"] == [
        {
            "user_id": ANN,
            "opted_out": 0,
            "streak_current": 1,
            "streak_best": 1,
            "last_review_day": TOMORROW.isoformat(),
            "reviews": 1,
            "correct_reviews": 1,
            "remind": 0,
            "next_reminder_at": None,
        }
    ]


async def test_the_retention_sweep_deletes_a_departed_servers_review_data(store: FactStore):
    await miss(store, GOLDFISH, ANN)
    await miss(store, GOLDFISH, ANN, guild=OTHER_GUILD)
    await store.set_review_opt_out(GUILD, BEN, True)
    await store.mark_departed(GUILD, MISSED_AT)
    [report] = await store.purge_departed(MISSED_AT + timedelta(days=31), timedelta(days=30))
    assert report.rows["review_items"] == 1 and report.rows["review_members"] == 1
    assert await due_refs(store, ANN, TOMORROW) == []
    assert await due_refs(store, ANN, TOMORROW, guild=OTHER_GUILD) == ["sample/goldfish-memory"]


# -- reminders ------------------------------------------------------------------------------------


async def test_reminder_candidates_have_reminders_on_a_card_due_and_their_moment_come(store: FactStore):
    await miss(store, GOLDFISH, ANN, BEN, MOD)
    await miss(store, BATS, ANN, guild=OTHER_GUILD)
    for guild, user in ((GUILD, ANN), (GUILD, BEN), (OTHER_GUILD, ANN)):
        await store.set_review_reminder(guild, user, True)
    assert await store.review_reminder_on(GUILD, ANN) and not await store.review_reminder_on(GUILD, MOD)
    now = MISSED_AT + timedelta(hours=6)
    assert await store.review_reminder_candidates(now, DAY, 10) == [], "nothing due yet"
    assert await store.review_reminder_candidates(now, TOMORROW, 10) == [(GUILD, ANN), (GUILD, BEN), (OTHER_GUILD, ANN)]
    assert await store.review_reminder_candidates(now, TOMORROW, 2) == [(GUILD, ANN), (GUILD, BEN)]

    next_at = now + timedelta(hours=10)
    assert await store.claim_review_reminder(GUILD, ANN, now, next_at)
    assert not await store.claim_review_reminder(GUILD, ANN, now, next_at), "claimed once"
    await store.set_review_reminder(GUILD, BEN, False)
    assert not await store.claim_review_reminder(GUILD, BEN, now, next_at)
    assert await store.review_reminder_candidates(now, TOMORROW, 10) == [(OTHER_GUILD, ANN)]
    assert await store.review_reminder_candidates(next_at, TOMORROW, 10) == [(GUILD, ANN), (OTHER_GUILD, ANN)]


async def test_reminder_candidates_of_some_shards_only(store: FactStore):
    guilds = [GUILD << 22 | 1, (GUILD + 1) << 22 | 1]  # shards 1001 % 2 = 1 and 1002 % 2 = 0
    for guild in guilds:
        await miss(store, GOLDFISH, ANN, guild=guild)
        await store.set_review_reminder(guild, ANN, True)
    now = MISSED_AT + timedelta(days=1)
    assert await store.review_reminder_candidates(now, TOMORROW, 10, ShardSet(2, (0,))) == [(guilds[1], ANN)]
    assert await store.review_reminder_candidates(now, TOMORROW, 10, ShardSet(2, (1,))) == [(guilds[0], ANN)]
    assert len(await store.review_reminder_candidates(now, TOMORROW, 10)) == 2


async def test_opting_out_and_forget_me_turn_reminders_off(store: FactStore):
    await miss(store, GOLDFISH, ANN, BEN)
    await store.set_review_reminder(GUILD, ANN, True)
    await store.set_review_reminder(GUILD, BEN, True)
    await store.set_review_opt_out(GUILD, ANN, True)
    await store.forget_member_data(GUILD, BEN)
    assert not await store.review_reminder_on(GUILD, ANN) and not await store.review_reminder_on(GUILD, BEN)
    assert await store.review_reminder_candidates(MISSED_AT + timedelta(days=1), TOMORROW, 10) == []
