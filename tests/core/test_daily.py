"""Unit tests for the daily-post core: one post per server and local day, catching up, crashes, races, pacing."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.daily import (
    PAUSE_REASONS,
    AnswerStatus,
    DailyDelivery,
    DailyPost,
    DailyScheduler,
    NowOutcome,
    PostDelayed,
    PostStatus,
    PostUnavailable,
    answer_daily,
    describe_pause,
    pause_reason,
    plan_schedule,
)
from bot.core.i18n import using
from bot.core.scores import ALL_TIME, week_key

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14
BAKER = ZoneInfo("Etc/GMT+12")  # UTC-12


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when told to, or when something sleeps on it."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


class Crash(BaseException):
    """The process dying mid-send: nothing after the send runs."""


class FakePoster:
    """Records posts with the fake time they went out; channels can be made unusable, or crash after sending."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[DailyDelivery, datetime]] = []
        self.in_channel: dict[tuple[int, date], int] = {}
        self.unusable: dict[int, str] = {}
        self.notices: list[tuple[int, str]] = []
        self.crash_after_send = False
        self.sending = 0
        self.most_at_once = 0

    async def send(self, delivery: DailyDelivery) -> int:
        if delivery.channel_id in self.unusable:
            raise PostUnavailable(self.unusable[delivery.channel_id])
        self.sending += 1
        self.most_at_once = max(self.most_at_once, self.sending)
        for _ in range(3):  # a network round trip: let other tasks run
            await asyncio.sleep(0)
        self.sending -= 1
        message_id = 10_000 + len(self.sent)
        self.sent.append((delivery, self.clock.now()))
        self.in_channel[(delivery.guild_id, delivery.day)] = message_id
        if self.crash_after_send:
            raise Crash()
        return message_id

    async def find_sent(self, post: DailyPost) -> int | None:
        return self.in_channel.get((post.guild_id, post.day))

    async def notify_paused(self, guild_id: int, reason: str) -> None:
        self.notices.append((guild_id, reason))

    def days(self, guild_id: int) -> list[date]:
        return [delivery.day for delivery, _ in self.sent if delivery.guild_id == guild_id]


def make_scheduler(store, clock: FakeClock, poster: FakePoster | None = None, **options) -> DailyScheduler:
    return DailyScheduler(store, poster or FakePoster(clock), now=clock.now, sleep=clock.sleep, **options)


async def schedule(store, clock: FakeClock, guild_id: int, at: time, zone: ZoneInfo, topic: str | None = None) -> None:
    await store.set_daily_schedule(plan_schedule(guild_id, guild_id * 10, at, zone, topic, clock.now()))


async def run_until(scheduler: DailyScheduler, store, clock: FakeClock, end: datetime) -> None:
    """Run the scheduler as its loop would: wake at each due time up to ``end``."""
    while (due := await store.next_daily_due()) is not None and due <= end:
        clock.moment = max(clock.moment, due)
        await scheduler.run_pass()
    clock.moment = max(clock.moment, end)


# -- time zones ----------------------------------------------------------------------------------


async def test_london_posts_at_nine_local_across_both_dst_changes(store):
    clock = FakeClock(utc(2026, 3, 27, 12))
    scheduler = make_scheduler(store, clock)
    await schedule(store, clock, 1, time(9, 0), LONDON)
    await run_until(scheduler, store, clock, utc(2026, 3, 31, 12))
    sent = [(d.day, at) for d, at in scheduler.poster.sent]
    assert sent == [
        (date(2026, 3, 28), utc(2026, 3, 28, 9)),  # GMT
        (date(2026, 3, 29), utc(2026, 3, 29, 8)),  # BST from this morning
        (date(2026, 3, 30), utc(2026, 3, 30, 8)),
        (date(2026, 3, 31), utc(2026, 3, 31, 8)),
    ]
    clock.moment = utc(2026, 10, 24, 12)
    await schedule(store, clock, 1, time(9, 0), LONDON)
    scheduler.poster.sent.clear()
    await run_until(scheduler, store, clock, utc(2026, 10, 26, 12))
    assert [(d.day, at) for d, at in scheduler.poster.sent] == [
        (date(2026, 10, 25), utc(2026, 10, 25, 9)),  # back to GMT
        (date(2026, 10, 26), utc(2026, 10, 26, 9)),
    ]


async def test_new_york_skipped_and_repeated_wall_times_post_once_a_day(store):
    clock = FakeClock(utc(2026, 3, 7, 12))
    scheduler = make_scheduler(store, clock)
    await schedule(store, clock, 1, time(2, 30), NEW_YORK)  # 02:30 does not exist on 8 March
    await run_until(scheduler, store, clock, utc(2026, 3, 10, 12))
    assert scheduler.poster.days(1) == [date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)]
    assert scheduler.poster.sent[0][1].astimezone(NEW_YORK).hour == 3, "the gap moves the post forward"

    clock.moment = utc(2026, 10, 31, 12)
    await schedule(store, clock, 2, time(1, 30), NEW_YORK)  # 01:30 happens twice on 1 November
    await run_until(scheduler, store, clock, utc(2026, 11, 2, 12))
    assert scheduler.poster.days(2) == [date(2026, 11, 1), date(2026, 11, 2)]
    first = next(at for d, at in scheduler.poster.sent if d.guild_id == 2)
    assert first == utc(2026, 11, 1, 5, 30), "the first of the two 01:30s (still EDT)"


async def test_extreme_offsets_post_on_their_own_local_days(store):
    clock = FakeClock(utc(2026, 11, 25, 12))
    scheduler = make_scheduler(store, clock)
    await schedule(store, clock, 1, time(9, 0), KIRITIMATI)
    await schedule(store, clock, 2, time(9, 0), BAKER)
    await run_until(scheduler, store, clock, utc(2026, 11, 27, 0))
    kiritimati = [(d.day, at) for d, at in scheduler.poster.sent if d.guild_id == 1]
    baker = [(d.day, at) for d, at in scheduler.poster.sent if d.guild_id == 2]
    assert kiritimati == [(date(2026, 11, 26), utc(2026, 11, 25, 19)), (date(2026, 11, 27), utc(2026, 11, 26, 19))]
    assert baker == [(date(2026, 11, 25), utc(2026, 11, 25, 21)), (date(2026, 11, 26), utc(2026, 11, 26, 21))]


# -- downtime, races and crashes -----------------------------------------------------------------


async def test_down_over_the_due_time_posts_later_the_same_day(store):
    clock = FakeClock(utc(2026, 6, 1, 10))
    await schedule(store, clock, 1, time(9, 0), LONDON)  # next: 2 June 08:00 UTC
    clock.moment = utc(2026, 6, 2, 15)  # back at 16:00 London
    scheduler = make_scheduler(store, clock)
    await scheduler.run_pass()
    assert [(d.day, at) for d, at in scheduler.poster.sent] == [(date(2026, 6, 2), utc(2026, 6, 2, 15))]
    assert (await store.daily_schedule(1)).next_due == utc(2026, 6, 3, 8)
    await scheduler.run_pass()
    assert len(scheduler.poster.sent) == 1


async def test_down_until_the_next_day_skips_the_missed_post_and_logs_it(store, caplog):
    clock = FakeClock(utc(2026, 6, 1, 10))
    await schedule(store, clock, 1, time(9, 0), LONDON)
    clock.moment = utc(2026, 6, 3, 6)  # 07:00 London on 3 June: the 2 June post was missed
    scheduler = make_scheduler(store, clock)
    with caplog.at_level(logging.INFO, logger="bot.core.daily"):
        report = await scheduler.run_pass()
    assert scheduler.poster.sent == []
    assert report.skipped == 1
    assert (await store.daily_post(1, date(2026, 6, 2))).status is PostStatus.SKIPPED
    assert any("skipped" in record.getMessage() and "2026-06-02" in record.getMessage() for record in caplog.records)
    assert (await store.daily_schedule(1)).next_due == utc(2026, 6, 3, 8), "today's post still comes at 09:00"
    await run_until(scheduler, store, clock, utc(2026, 6, 3, 12))
    assert scheduler.poster.days(1) == [date(2026, 6, 3)]


async def test_two_racing_passes_post_exactly_once(store):
    clock = FakeClock(utc(2026, 6, 1, 10))
    for guild_id in range(1, 6):
        await schedule(store, clock, guild_id, time(9, 0), LONDON)
    clock.moment = utc(2026, 6, 2, 8)
    poster = FakePoster(clock)
    first, second = make_scheduler(store, clock, poster), make_scheduler(store, clock, poster)
    await asyncio.gather(first.run_pass(), second.run_pass(), first.run_pass())
    assert sorted(d.guild_id for d, _ in poster.sent) == [1, 2, 3, 4, 5]
    for guild_id in range(1, 6):
        post = await store.daily_post(guild_id, date(2026, 6, 2))
        assert post.status is PostStatus.SENT and post.message_id is not None


async def test_crash_after_sending_is_found_in_the_channel_not_sent_again(store):
    clock = FakeClock(utc(2026, 6, 1, 10))
    await schedule(store, clock, 1, time(9, 0), LONDON)
    clock.moment = utc(2026, 6, 2, 8)
    poster = FakePoster(clock)
    poster.crash_after_send = True
    await make_scheduler(store, clock, poster).run_pass()  # the send went out, then the process died
    assert (await store.daily_post(1, date(2026, 6, 2))).status is PostStatus.CLAIMED
    poster.crash_after_send = False
    restarted = make_scheduler(store, clock, poster)
    await restarted.recover()
    await restarted.run_pass()
    assert len(poster.sent) == 1
    post = await store.daily_post(1, date(2026, 6, 2))
    assert post.status is PostStatus.SENT and post.message_id == poster.in_channel[(1, date(2026, 6, 2))]


async def test_crash_before_sending_is_sent_once_the_same_day_and_skipped_after_it(store):
    clock = FakeClock(utc(2026, 6, 1, 10))
    for guild_id in (1, 2):
        await schedule(store, clock, guild_id, time(9, 0), LONDON)
    # Both claimed (as a pass does before sending), then the process died.
    for guild_id in (1, 2):
        assert await store.claim_daily_post(guild_id, date(2026, 6, 2), guild_id * 10, utc(2026, 6, 2, 8))
    clock.moment = utc(2026, 6, 2, 20)  # same London day for both
    poster = FakePoster(clock)
    restarted = make_scheduler(store, clock, poster)
    await restarted.recover()
    await restarted.run_pass()
    await restarted.recover()
    assert sorted(d.guild_id for d, _ in poster.sent) == [1, 2]

    assert await store.claim_daily_post(1, date(2026, 6, 3), 10, utc(2026, 6, 3, 8))
    clock.moment = utc(2026, 6, 4, 7)  # 3 June is over in London
    await make_scheduler(store, clock, poster).recover()
    assert (await store.daily_post(1, date(2026, 6, 3))).status is PostStatus.SKIPPED
    assert len(poster.sent) == 2


# -- an unusable channel -------------------------------------------------------------------------


async def test_a_deleted_channel_pauses_the_schedule_and_tells_the_server_once(store):
    clock = FakeClock(utc(2026, 6, 1, 10))
    await schedule(store, clock, 1, time(9, 0), LONDON)
    poster = FakePoster(clock)
    poster.unusable[10] = "the channel was deleted"
    scheduler = make_scheduler(store, clock, poster)
    await run_until(scheduler, store, clock, utc(2026, 6, 5, 12))
    assert poster.sent == []
    assert poster.notices == [(1, "the channel was deleted")]
    paused = await store.daily_schedule(1)
    assert paused.paused_reason == "the channel was deleted"
    assert await store.daily_post(1, date(2026, 6, 2)) is None, "the unsent claim is released"
    assert await store.next_daily_due() is None, "a paused schedule is not due"

    del poster.unusable[10]
    await schedule(store, clock, 1, time(9, 0), LONDON)  # `daily set` again resumes
    await run_until(scheduler, store, clock, utc(2026, 6, 6, 12))
    assert poster.days(1) == [date(2026, 6, 6)]
    assert len(poster.notices) == 1


async def test_nothing_to_post_pauses_with_the_reason(store):
    clock = FakeClock(utc(2026, 6, 1, 10))
    await schedule(store, clock, 1, time(9, 0), LONDON, topic="animals")
    await store.update_server_settings(1, {"topics": ["space"]})  # the schedule's topic is now switched off
    scheduler = make_scheduler(store, clock)
    await run_until(scheduler, store, clock, utc(2026, 6, 2, 12))
    assert scheduler.poster.sent == []
    assert "nothing to post" in (await store.daily_schedule(1)).paused_reason
    assert len(scheduler.poster.notices) == 1


# -- pacing --------------------------------------------------------------------------------------


async def test_many_servers_due_together_are_paced_under_the_rate(store):
    clock = FakeClock(utc(2026, 6, 1, 10))
    for guild_id in range(1, 201):
        await schedule(store, clock, guild_id, time(9, 0), LONDON)
    clock.moment = utc(2026, 6, 2, 8)
    poster = FakePoster(clock)
    scheduler = make_scheduler(store, clock, poster, per_second=48, max_in_flight=4)
    await scheduler.run_pass()
    times = sorted(at for _, at in poster.sent)
    assert len(times) == 200
    for index, start in enumerate(times):
        in_window = sum(1 for other in times[index:] if other < start + timedelta(seconds=1))
        assert in_window <= 48, f"{in_window} posts in the second from {start}"
    assert times[-1] - times[0] < timedelta(seconds=200 / 48 + 0.1), "no slower than the rate"
    assert poster.most_at_once <= 4


# -- daily now and answers -----------------------------------------------------------------------


async def test_daily_now_counts_as_todays_post(store):
    clock = FakeClock(utc(2026, 6, 2, 6))
    await schedule(store, clock, 1, time(9, 0), LONDON)
    scheduler = make_scheduler(store, clock)
    first = await scheduler.post_now(1)
    assert first.outcome is NowOutcome.POSTED and first.post.status is PostStatus.SENT
    again = await scheduler.post_now(1)
    assert again.outcome is NowOutcome.ALREADY_DONE and again.post.message_id == first.post.message_id
    await run_until(scheduler, store, clock, utc(2026, 6, 2, 20))
    assert scheduler.poster.days(1) == [date(2026, 6, 2)]


async def test_answers_score_once_build_streaks_and_refuse_old_posts(store):
    clock = FakeClock(utc(2026, 6, 1, 6))
    await schedule(store, clock, 1, time(9, 0), LONDON)
    scheduler = make_scheduler(store, clock)
    week = week_key(clock.now())

    async def answer(user_id: int, day: date, right: bool):
        post = await store.daily_post(1, day)
        item = await store.get_item_by_pk(post.item_pk)
        choice = item.kind if right else ("fact" if item.kind == "myth" else "myth")
        return await answer_daily(store, 1, day, user_id, choice, clock.now(), week, zone=LONDON)

    await run_until(scheduler, store, clock, utc(2026, 6, 1, 12))
    day1 = date(2026, 6, 1)
    right = await answer(7, day1, right=True)
    assert right.status is AnswerStatus.RECORDED and right.correct and right.points in (10, 20, 30)
    assert right.streak.current == 1
    replay = await answer(7, day1, right=True)
    assert replay.status is AnswerStatus.ALREADY_ANSWERED
    wrong = await answer(8, day1, right=False)
    assert wrong.status is AnswerStatus.RECORDED and not wrong.correct and wrong.points == 0
    for period in (ALL_TIME, week):
        assert (await store.member_rank(1, period, 7)).points == right.points
        assert (await store.member_rank(1, period, 8)).points == 0

    await run_until(scheduler, store, clock, utc(2026, 6, 2, 12))
    day2 = date(2026, 6, 2)
    assert (await answer(7, day1, right=True)).status is AnswerStatus.OLD_POST
    assert (await answer(7, day2, right=True)).streak.current == 2
    assert (await answer(8, day2, right=True)).streak.current == 1

    await run_until(scheduler, store, clock, utc(2026, 6, 4, 12))  # member 7 misses 3 June
    assert (await store.daily_streak(1, 7)).current == 0
    assert (await store.daily_streak(1, 7)).best == 2
    assert (await answer(7, date(2026, 6, 4), right=True)).streak.current == 1


# -- Discord unavailable -------------------------------------------------------------------------


class FlakyPoster(FakePoster):
    """Refuses the first ``failures`` sends as Discord being down; ``delivered`` makes a refused send arrive anyway."""

    def __init__(self, clock: FakeClock, failures: int, *, delivered: bool = False) -> None:
        super().__init__(clock)
        self.failures = failures
        self.delivered = delivered
        self.attempts = 0

    async def send(self, delivery: DailyDelivery) -> int:
        self.attempts += 1
        if self.attempts <= self.failures:
            if self.delivered:  # the post went out but the answer was lost (a timeout after Discord took it)
                await super().send(delivery)
            raise PostDelayed("Discord answered 503")
        return await super().send(delivery)


async def run_loop_for(scheduler: DailyScheduler, clock: FakeClock, until: datetime) -> None:
    """Run the scheduler's real loop on the fake clock until ``until``."""

    async def idle(seconds: float) -> None:
        if clock.now() >= until:
            raise Crash()  # leaves the endless loop the way a dying process would
        await clock.sleep(max(seconds, 1.0))

    with pytest.raises(Crash):
        await scheduler.run(idle)


async def test_a_post_discord_could_not_take_is_retried_the_same_day(store, caplog):
    clock = FakeClock(utc(2026, 11, 26, 8))
    poster = FlakyPoster(clock, failures=2)
    await schedule(store, clock, 1, time(9, 0), LONDON)
    with caplog.at_level(logging.WARNING, logger="bot.core.daily"):
        await run_loop_for(make_scheduler(store, clock, poster), clock, utc(2026, 11, 26, 12))
    assert poster.attempts == 3
    assert poster.days(1) == [date(2026, 11, 26)]
    [(_, sent_at)] = poster.sent
    assert utc(2026, 11, 26, 9, 20) <= sent_at <= utc(2026, 11, 26, 9, 40), "two retries, ten minutes apart"
    assert (await store.daily_post(1, date(2026, 11, 26))).status is PostStatus.SENT
    assert "delayed (Discord answered 503)" in caplog.text


async def test_a_refused_send_that_arrived_anyway_is_found_not_sent_twice(store):
    clock = FakeClock(utc(2026, 11, 26, 8))
    poster = FlakyPoster(clock, failures=1, delivered=True)
    await schedule(store, clock, 1, time(9, 0), LONDON)
    await run_loop_for(make_scheduler(store, clock, poster), clock, utc(2026, 11, 26, 12))
    assert poster.attempts == 1, "the retry looked in the channel first and found it"
    assert poster.days(1) == [date(2026, 11, 26)]
    post = await store.daily_post(1, date(2026, 11, 26))
    assert (post.status, post.message_id) == (PostStatus.SENT, 10_000)


async def test_a_post_delayed_past_the_end_of_its_day_is_skipped(store):
    clock = FakeClock(utc(2026, 11, 26, 8))
    poster = FlakyPoster(clock, failures=10_000)
    await schedule(store, clock, 1, time(23, 45), LONDON)
    await run_loop_for(make_scheduler(store, clock, poster), clock, utc(2026, 11, 27, 1))
    assert poster.sent == []
    assert (await store.daily_post(1, date(2026, 11, 26))).status is PostStatus.SKIPPED


async def test_daily_now_while_discord_fails_is_retried_by_the_scheduler(store):
    clock = FakeClock(utc(2026, 11, 26, 6))
    poster = FlakyPoster(clock, failures=1)
    await schedule(store, clock, 1, time(9, 0), LONDON)
    scheduler = make_scheduler(store, clock, poster)
    result = await scheduler.post_now(1)
    assert (result.outcome, result.reason) == (NowOutcome.DELAYED, "Discord answered 503")
    assert result.post.status is PostStatus.CLAIMED, "still today's post, to be retried"
    await run_loop_for(scheduler, clock, utc(2026, 11, 26, 20))
    assert poster.days(1) == [date(2026, 11, 26)], "sent once by the retry, and not again at 09:00"


# -- why a post paused, in the reader's language --------------------------------------------------------------


def test_a_pause_reason_is_stored_in_english_and_shown_in_the_readers_language():
    stored = pause_reason(PAUSE_REASONS[3], channel="<#42>")
    assert stored == "the thread <#42> is locked"
    assert describe_pause(stored) == "the thread <#42> is locked"
    with using("de"):
        assert describe_pause(stored) == "der Thread <#42> ist gesperrt"


def test_a_reason_stored_before_translation_reads_translated_and_an_unknown_one_as_stored():
    old = "I am missing the Send Messages, Embed Links permission in <#7>"
    with using("fr"):
        assert describe_pause(old) == "il me manque la permission Send Messages, Embed Links dans <#7>"
        assert describe_pause("the bot was kicked by a cat") == "the bot was kicked by a cat"
