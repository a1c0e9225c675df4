"""Daily fact posts without Discord: schedules, the one scheduler that claims and paces posts, and answers.

Exactly one post per server and local day. Before anything is sent, a pass writes the day's row in
``daily_posts`` (status ``claimed``); its primary key (server, day) refuses a second claim, whichever pass, retry,
``daily now`` or restart tries. After sending, the row becomes ``sent`` with the message id. A claim left
``claimed`` by a crash is settled by :meth:`DailyScheduler.recover` at start-up: the post is looked for in the
channel (its footer carries :func:`post_marker`), sent if it is still that local day, or skipped.

One scheduler serves every server: due times live in ``daily_schedules.next_due``; a pass takes what is due,
decides with :func:`bot.core.scheduling.catch_up` (a post missed while the bot was down goes out the same local day,
otherwise it is skipped and logged), and sends at a fixed rate under Discord's global limit of 50 requests/s with
a bounded number of sends in flight. Time and sleeping are injected, so tests drive it with a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.audit import AuditNote
from bot.core.catalog import CatalogStore, StoredItem
from bot.core.cluster import ShardSet
from bot.core.errors import MythOrFactError, NoItems
from bot.core.i18n import N_, _
from bot.core.quiz import POINTS_BY_DIFFICULTY
from bot.core.review import ReviewStore, note_misses
from bot.core.scheduling import POSTS_PER_SECOND, catch_up, local_day, next_post_at

log = logging.getLogger(__name__)

MARKER = "Daily fact"
MAX_IN_FLIGHT = 16
"""Sends awaiting Discord's answer at once; at 47/s and normal latency only one or two are."""
BATCH = 500
"""Due schedules read per query during a pass."""
MAX_IDLE_SECONDS = 3600.0
"""The scheduler looks at the table at least this often, even when nothing seems due."""
SCHEDULE_CHANGED = "daily_schedule_changed"
"""The event that wakes the scheduler of this process when a schedule changed (a command or the dashboard)."""
STUCK_IDLE_SECONDS = 30.0
"""Pause between passes when something due could not be handled (the database is failing, say)."""
RETRY_DELAYED_AFTER = timedelta(minutes=10)
"""A post Discord could not take is retried after this long (never while a send may still be in flight)."""
KINDS = ("myth", "fact")


def post_marker(day: date) -> str:
    """Return the stable text a daily post's footer starts with, e.g. ``Daily fact · 2026-11-26``."""
    return f"{MARKER} · {day.isoformat()}"


class PostStatus(StrEnum):
    """Where a day's post stands."""

    CLAIMED = "claimed"
    """Written before sending; still ``claimed`` after a crash mid-send."""
    SENT = "sent"
    SKIPPED = "skipped"
    """The day passed while the bot was down, or the schedule was removed before the post went out."""
    FAILED = "failed"
    """Discord refused the message for a reason other than a missing channel or permission."""


@dataclass(frozen=True, slots=True)
class DailySchedule:
    """A server's daily post: where, at what local time, in which zone and topic, and when it is next due."""

    guild_id: int
    channel_id: int
    post_time: time
    zone: str
    """An IANA zone name such as ``Europe/London``."""
    topic: str | None
    next_due: datetime
    paused_reason: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The schedule's time zone."""
        return ZoneInfo(self.zone)


@dataclass(frozen=True, slots=True)
class DailyPost:
    """One server's post for one local day."""

    guild_id: int
    day: date
    item_pk: int | None
    channel_id: int
    status: PostStatus
    message_id: int | None
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class DailyStreak:
    """Consecutive daily posts of a server a member answered right, the best run, and the last day answered."""

    current: int
    best: int
    last_day: date


@dataclass(frozen=True, slots=True)
class DailyDelivery:
    """Everything needed to render and send one daily post."""

    guild_id: int
    channel_id: int
    day: date
    item: StoredItem
    previous: StoredItem | None = None
    """The item of the server's previous post, whose answer is revealed today."""
    previous_day: date | None = None


PAUSE_REASONS = (
    N_("I am no longer in this server"),
    N_("the channel {channel} was deleted or I can no longer see it"),
    N_("the channel {channel} was deleted"),
    N_("the thread {channel} is locked"),
    N_("I am missing the {permissions} permission in {channel}"),
    N_("Discord refused my post in {channel}: a permission is missing"),
    N_("there is nothing to post: {problem}"),
)
"""Why a daily post pauses. A reason is stored in English, filled in (the dashboard shows it as stored), and
:func:`describe_pause` writes it in the reader's language."""


def pause_reason(template: str, /, **fields: str) -> str:
    """Return a pause reason as it is stored: one of :data:`PAUSE_REASONS`, in English, its fields filled in."""
    assert template in PAUSE_REASONS, template
    return template.format(**fields)


@cache
def _pause_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Return each pause reason as a pattern matching its stored English, with its fields as groups."""
    patterns = []
    for template in PAUSE_REASONS:
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        patterns.append((re.compile(f"^{regex}$", re.DOTALL), template))
    return tuple(patterns)


def describe_pause(stored: str) -> str:
    """Return a stored pause reason in the current language; one not in :data:`PAUSE_REASONS` reads as stored."""
    for pattern, template in _pause_patterns():
        if found := pattern.match(stored):
            return _(template, **found.groupdict())
    return stored


class PostUnavailable(Exception):
    """The channel is gone or the bot may not post there; ``reason`` (from :func:`pause_reason`) is stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PostDelayed(Exception):
    """Discord could not take the post just now (a server error, an outage, the network); try again later.

    The day's claim stays ``claimed``: a later pass looks for the post in the channel first (the failed send may
    have arrived after all) and sends it only if it is not there and the day is not over.
    """


class DailyPoster(Protocol):
    """What the scheduler needs from Discord."""

    async def send(self, delivery: DailyDelivery) -> int:
        """Post ``delivery``; return the message id, or raise :class:`PostUnavailable`."""
        ...

    async def find_sent(self, post: DailyPost) -> int | None:
        """Return the id of our message for ``post`` if it is in the channel (after a crash), else ``None``."""
        ...

    async def notify_paused(self, guild_id: int, reason: str) -> None:
        """Tell the server once that its daily post is paused, and why."""
        ...


class DailyStore(CatalogStore, ReviewStore, Protocol):
    """What the bot needs from the database for daily fact posts: schedules, claimed posts, answers and streaks."""

    async def set_daily_schedule(self, schedule: DailySchedule, audit: AuditNote | None = None) -> None:
        """Create or replace a server's schedule (with ``audit``, in one transaction); this resumes a paused one too."""
        ...

    async def remove_daily_schedule(self, guild_id: int, audit: AuditNote | None = None) -> bool:
        """Delete a server's schedule; return whether there was one. Past posts and answers stay.

        ``audit`` is written (in the same transaction) only when there was one.
        """
        ...

    async def daily_schedule(self, guild_id: int) -> DailySchedule | None:
        """Return a server's schedule, paused or not."""
        ...

    async def due_daily_schedules(
        self, now: datetime, limit: int, shards: ShardSet | None = None
    ) -> list[DailySchedule]:
        """Return up to ``limit`` active schedules due at ``now``, earliest first (of ``shards``' servers only)."""
        ...

    async def next_daily_due(self, shards: ShardSet | None = None) -> datetime | None:
        """Return the earliest due time of any active schedule (of ``shards``' servers only)."""
        ...

    async def advance_daily_schedule(self, guild_id: int, expected_due: datetime, next_due: datetime) -> bool:
        """Move a schedule from ``expected_due`` to ``next_due``; ``False`` if it changed meanwhile."""
        ...

    async def pause_daily_schedule(self, guild_id: int, reason: str) -> bool:
        """Pause a schedule with a reason; return ``True`` only if it was running (so the server is told once)."""
        ...

    async def claim_daily_post(
        self, guild_id: int, day: date, channel_id: int, claimed_at: datetime, status: PostStatus = PostStatus.CLAIMED
    ) -> bool:
        """Write the day's post row before sending; ``False`` if the day already has one."""
        ...

    async def set_daily_item(self, guild_id: int, day: date, item_pk: int) -> None:
        """Record which item a claimed post shows."""
        ...

    async def finish_daily_post(
        self, guild_id: int, day: date, status: PostStatus, message_id: int | None = None
    ) -> None:
        """Record how a claimed post ended (sent with its message id, skipped, or failed)."""
        ...

    async def release_daily_post(self, guild_id: int, day: date) -> None:
        """Delete a claim that was certainly not sent (the channel was unusable), so the day can be posted later."""
        ...

    async def daily_post(self, guild_id: int, day: date) -> DailyPost | None:
        """Return a server's post row for ``day``."""
        ...

    async def latest_daily_post(self, guild_id: int, before: date | None = None) -> DailyPost | None:
        """Return the server's most recent sent post (before ``before``, if given)."""
        ...

    async def last_daily_day(self, guild_id: int) -> date | None:
        """Return the latest day the server has a post row for, whatever its status."""
        ...

    async def unfinished_daily_posts(self, shards: ShardSet | None = None) -> list[DailyPost]:
        """Return posts still ``claimed`` (a crash between claiming and recording the send), of ``shards``."""
        ...

    async def record_daily_answer(
        self, guild_id: int, day: date, user_id: int, correct: bool, points: int, answered_at: datetime, week: str
    ) -> DailyStreak | None:
        """Record a member's answer once, with its points and streak; ``None`` if they had already answered."""
        ...

    async def daily_streak(self, guild_id: int, user_id: int) -> DailyStreak | None:
        """Return a member's daily streak; ``current`` is 0 once they missed a post."""
        ...


# -- pacing --------------------------------------------------------------------------------------


class Pacer:
    """Lets actions start at most ``per_second`` times in any sliding second, nearly evenly spaced.

    Two rules: no more than ``per_second`` starts within one second of each other (so a late start is made up
    for, and the average rate is the full ``per_second``), and at least 90 % of the even spacing between two
    starts (so making up never becomes a burst).
    """

    def __init__(self, per_second: int, now: Callable[[], datetime], sleep: Callable[[float], Awaitable[None]]) -> None:
        self.per_second = per_second
        self.min_gap = timedelta(microseconds=int(0.9 * 1_000_000 / per_second))
        self._now = now
        self._sleep = sleep
        self._recent: deque[datetime] = deque(maxlen=per_second)
        self._lock = asyncio.Lock()

    def _ready_at(self) -> datetime | None:
        recent = self._recent
        if not recent:
            return None
        ready = recent[-1] + self.min_gap
        if len(recent) == self.per_second:
            ready = max(ready, recent[0] + timedelta(seconds=1))
        return ready

    async def wait(self) -> None:
        """Return when the next action may start (and count it as started)."""
        async with self._lock:
            ready = self._ready_at()
            while ready is not None and (remaining := (ready - self._now()).total_seconds()) > 0:
                await self._sleep(remaining)
            self._recent.append(self._now())


# -- the scheduler -------------------------------------------------------------------------------


class NowOutcome(StrEnum):
    """What ``daily now`` did."""

    POSTED = "posted"
    ALREADY_DONE = "already done"
    UNAVAILABLE = "unavailable"
    NOTHING_TO_POST = "nothing to post"
    DELAYED = "delayed"
    """Discord could not take the post just now; the scheduler retries it within the day."""


@dataclass(frozen=True, slots=True)
class NowResult:
    """The outcome of ``daily now`` with the day's post row (and the reason when it could not post)."""

    outcome: NowOutcome
    post: DailyPost | None = None
    reason: str | None = None


@dataclass(slots=True)
class PassReport:
    """What one scheduler pass did."""

    handled: int = 0
    posted: int = 0
    """Sends started (an unusable channel or a refused send is logged and recorded by the send itself)."""
    skipped: int = 0
    paused: int = 0
    failed: int = 0


class DailyScheduler:
    """The single scheduler behind every server's daily post."""

    def __init__(
        self,
        store: DailyStore,
        poster: DailyPoster,
        *,
        now: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]],
        per_second: int = POSTS_PER_SECOND,
        max_in_flight: int = MAX_IN_FLIGHT,
        rng: random.Random | None = None,
        shards: ShardSet | None = None,
    ) -> None:
        self.store = store
        self.shards = shards
        """The shards whose servers this scheduler posts to (``None``: every server in the database)."""
        self.poster = poster
        self.now = now
        self._per_second, self._sleep = per_second, sleep
        self.pacer = Pacer(per_second, now, sleep)
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._rng = rng or random.Random()

    def serve(self, shards: ShardSet) -> None:
        """Post only to servers of ``shards``, at their share of Discord's global rate limit (at least 1/s)."""
        self.shards = shards
        self.pacer = Pacer(max(1, int(self._per_second * shards.share)), self.now, self._sleep)

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self, idle: Callable[[float], Awaitable[None]]) -> None:
        """Settle crashed claims, then post what is due, forever; ``idle(seconds)`` returns early on a change."""
        first = True
        while True:
            try:
                if first:  # settle what a crash left behind, once the database answers
                    await self.recover()
                    first = False
                report = await self.run_pass()
                if await self.recover(claimed_before=self.now() - RETRY_DELAYED_AFTER):
                    report.handled += 1
                delay = await self.seconds_until_due()
                if await self.store.unfinished_daily_posts(self.shards):
                    delay = min(delay, RETRY_DELAYED_AFTER.total_seconds())
            except Exception:
                log.exception("Daily scheduler pass failed")
                report, delay = PassReport(), STUCK_IDLE_SECONDS
            if delay <= 0 and report.handled == 0:
                delay = STUCK_IDLE_SECONDS  # due but untouchable: do not spin
            await idle(max(delay, 0.0))

    async def seconds_until_due(self) -> float:
        """Return how long the loop may sleep before the next schedule falls due (capped)."""
        next_due = await self.store.next_daily_due(self.shards)
        if next_due is None:
            return MAX_IDLE_SECONDS
        return min((next_due - self.now()).total_seconds(), MAX_IDLE_SECONDS)

    async def run_pass(self) -> PassReport:
        """Handle every schedule due now; wait until the sends it started have finished."""
        report = PassReport()
        started = self.now()
        seen: set[int] = set()
        sends: list[asyncio.Task[None]] = []
        try:
            while True:
                batch = [
                    s
                    for s in await self.store.due_daily_schedules(self.now(), BATCH, self.shards)
                    if s.guild_id not in seen
                ]
                if not batch:
                    break
                for schedule in batch:
                    seen.add(schedule.guild_id)
                    report.handled += 1
                    # A post only late because of pacing belongs to its due day, not to when the pass reached it.
                    decided_at = max(started, schedule.next_due)
                    try:
                        send = await self._handle(schedule, decided_at, report)
                    except Exception:
                        log.exception("Daily post of guild %s failed", schedule.guild_id)
                        report.failed += 1
                        await self._advance(schedule, decided_at)
                        continue
                    if send is not None:
                        sends.append(send)
        finally:
            if sends:
                await asyncio.gather(*sends, return_exceptions=True)
        return report

    async def _handle(
        self, schedule: DailySchedule, decided_at: datetime, report: PassReport
    ) -> asyncio.Task[None] | None:
        """Decide about one due schedule, claim its day and start the paced send; return the send's task."""
        guild_id = schedule.guild_id
        last_day = await self.store.last_daily_day(guild_id)
        decision = catch_up(schedule.post_time, schedule.tz, last_day, decided_at)
        if decision is None:
            await self._advance(schedule, decided_at)
            return None
        if not decision.post:
            if await self.store.claim_daily_post(
                guild_id, decision.day, schedule.channel_id, self.now(), PostStatus.SKIPPED
            ):
                report.skipped += 1
                log.info("Daily post of guild %s for %s skipped: missed while the bot was down", guild_id, decision.day)
            await self._advance(schedule, decided_at)
            return None
        claimed = await self.store.claim_daily_post(guild_id, decision.day, schedule.channel_id, self.now())
        await self._advance(schedule, decided_at)
        if not claimed:
            return None  # another pass (or `daily now`) has this day
        delivery = await self._prepare(schedule.guild_id, schedule.channel_id, decision.day, schedule.topic, None)
        if delivery is None:
            report.paused += 1
            return None
        await self._in_flight.acquire()
        await self.pacer.wait()
        report.posted += 1
        task = asyncio.create_task(self._send(delivery), name=f"daily-{guild_id}-{decision.day}")
        task.add_done_callback(lambda _: self._in_flight.release())
        return task

    async def _advance(self, schedule: DailySchedule, decided_at: datetime) -> None:
        """Move the schedule to its next post time after ``decided_at``, unless it was changed meanwhile."""
        next_due = next_post_at(schedule.post_time, schedule.tz, max(decided_at, schedule.next_due))
        await self.store.advance_daily_schedule(schedule.guild_id, schedule.next_due, next_due)

    async def _prepare(
        self, guild_id: int, channel_id: int, day: date, topic: str | None, item_pk: int | None
    ) -> DailyDelivery | None:
        """Choose (or reload) the day's item and yesterday's; ``None`` (claim released, paused) if there is none."""
        item = await self.store.get_item_by_pk(item_pk) if item_pk is not None else None
        if item is None:
            try:
                item = await self._pick(guild_id, topic)
            except MythOrFactError as exc:
                await self.store.release_daily_post(guild_id, day)
                await self._pause(guild_id, pause_reason(N_("there is nothing to post: {problem}"), problem=str(exc)))
                return None
            await self.store.set_daily_item(guild_id, day, item.pk)
        previous_post = await self.store.latest_daily_post(guild_id, before=day)
        if previous_post is None or previous_post.item_pk is None:
            return DailyDelivery(guild_id, channel_id, day, item)
        previous = await self.store.get_item_by_pk(previous_post.item_pk)
        return DailyDelivery(guild_id, channel_id, day, item, previous, previous_post.day)

    async def _pick(self, guild_id: int, topic: str | None) -> StoredItem:
        """Draw a myth or a fact from the server's rotation, trying the other kind if one pool is empty."""
        kinds = list(KINDS)
        self._rng.shuffle(kinds)
        try:
            return await self.store.pick_item(guild_id, kinds[0], topic, self._rng)  # type: ignore[arg-type]
        except NoItems:
            return await self.store.pick_item(guild_id, kinds[1], topic, self._rng)  # type: ignore[arg-type]

    async def _send(self, delivery: DailyDelivery) -> None:
        """Send one post and record the outcome; an unusable channel pauses the schedule."""
        guild_id, day = delivery.guild_id, delivery.day
        try:
            message_id = await self.poster.send(delivery)
        except PostUnavailable as exc:
            await self.store.release_daily_post(guild_id, day)
            await self._pause(guild_id, exc.reason)
            raise
        except PostDelayed as exc:
            log.warning(
                "Daily post of guild %s for %s delayed (%s); retrying in %d minutes",
                guild_id,
                day,
                exc,
                RETRY_DELAYED_AFTER.total_seconds() // 60,
            )
            raise
        except Exception:
            log.exception("Daily post of guild %s for %s failed", guild_id, day)
            await self.store.finish_daily_post(guild_id, day, PostStatus.FAILED)
            raise
        await self.store.finish_daily_post(guild_id, day, PostStatus.SENT, message_id)

    async def _pause(self, guild_id: int, reason: str) -> None:
        """Pause a schedule and tell the server, only the first time."""
        if not await self.store.pause_daily_schedule(guild_id, reason):
            return
        log.info("Daily post of guild %s paused: %s", guild_id, reason)
        try:
            await self.poster.notify_paused(guild_id, reason)
        except Exception:
            log.warning("Could not tell guild %s that its daily post is paused", guild_id, exc_info=True)

    # -- start-up and `daily now` -------------------------------------------------------------------

    async def recover(self, claimed_before: datetime | None = None) -> int:
        """Settle posts left ``claimed`` by a crash or a delayed send; return how many were looked at.

        Each is recorded if found in the channel, else sent if its day is not over, else skipped. With
        ``claimed_before``, only claims older than that are settled, never a send that may still be in flight.
        """
        posts = [
            post
            for post in await self.store.unfinished_daily_posts(self.shards)
            if claimed_before is None or post.claimed_at <= claimed_before
        ]
        for post in posts:
            try:
                await self._recover_one(post)
            except PostDelayed:
                log.info("Daily post of guild %s for %s still delayed; will retry", post.guild_id, post.day)
            except Exception:
                log.exception("Could not settle the daily post of guild %s for %s", post.guild_id, post.day)
        return len(posts)

    async def _recover_one(self, post: DailyPost) -> None:
        schedule = await self.store.daily_schedule(post.guild_id)
        try:
            found = await self.poster.find_sent(post)
        except PostUnavailable:
            found = None
        if found is not None:
            log.info("Daily post of guild %s for %s was sent before a restart; recorded it", post.guild_id, post.day)
            await self.store.finish_daily_post(post.guild_id, post.day, PostStatus.SENT, found)
            return
        today = local_day(self.now(), schedule.tz) if schedule else None
        if schedule is None or schedule.paused_reason is not None or today != post.day:
            log.info("Daily post of guild %s for %s skipped: its day ended before it was sent", post.guild_id, post.day)
            await self.store.finish_daily_post(post.guild_id, post.day, PostStatus.SKIPPED)
            return
        delivery = await self._prepare(post.guild_id, post.channel_id, post.day, schedule.topic, post.item_pk)
        if delivery is not None:
            with contextlib.suppress(Exception):  # logged and recorded by _send
                await self._send(delivery)

    async def post_now(self, guild_id: int) -> NowResult:
        """Post today's item at once (``daily now``); it counts as today's post."""
        schedule = await self.store.daily_schedule(guild_id)
        if schedule is None:
            raise MythOrFactError(_("There is no daily post here yet. Set one up with `daily set`."))
        day = local_day(self.now(), schedule.tz)
        channel_id = schedule.channel_id
        if not await self.store.claim_daily_post(guild_id, day, channel_id, self.now()):
            return NowResult(NowOutcome.ALREADY_DONE, await self.store.daily_post(guild_id, day))
        delivery = await self._prepare(guild_id, channel_id, day, schedule.topic, None)
        if delivery is None:
            paused = await self.store.daily_schedule(guild_id)
            return NowResult(NowOutcome.NOTHING_TO_POST, reason=paused.paused_reason if paused else None)
        try:
            await self._send(delivery)
        except PostUnavailable as exc:
            return NowResult(NowOutcome.UNAVAILABLE, reason=exc.reason)
        except PostDelayed as exc:
            return NowResult(NowOutcome.DELAYED, await self.store.daily_post(guild_id, day), reason=str(exc))
        return NowResult(NowOutcome.POSTED, await self.store.daily_post(guild_id, day))


def plan_schedule(
    guild_id: int, channel_id: int, post_time: time, zone: ZoneInfo, topic: str | None, now: datetime
) -> DailySchedule:
    """Return a new (running) schedule whose first post is the next ``post_time`` after ``now``."""
    return DailySchedule(guild_id, channel_id, post_time, zone.key, topic, next_post_at(post_time, zone, now))


def schedule_audit_detail(channel_name: str, post_time: time, zone: ZoneInfo, topic: str | None) -> str:
    """Return the audit line of a daily post set (or resumed), e.g. ``set #general at 09:00 Europe/Paris``."""
    about = f", topic {topic}" if topic else ""
    return f"set #{channel_name} at {post_time:%H:%M} {zone.key}{about}"


# -- answers -------------------------------------------------------------------------------------


class AnswerStatus(StrEnum):
    """How a member's press of Myth or Fact was taken."""

    RECORDED = "recorded"
    ALREADY_ANSWERED = "already answered"
    OLD_POST = "old post"
    ITEM_GONE = "item gone"


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """The outcome of an answer, with what the acknowledgement shows."""

    status: AnswerStatus
    item: StoredItem | None = None
    correct: bool = False
    points: int = 0
    streak: DailyStreak | None = None
    latest: DailyPost | None = None
    """The server's current post (to link to when an old one was pressed)."""


def daily_points(item: StoredItem) -> int:
    """Return the points a right answer to a daily post earns: 10, 20 or 30 by difficulty."""
    return POINTS_BY_DIFFICULTY.get(item.difficulty, POINTS_BY_DIFFICULTY[1])


async def answer_daily(
    store: DailyStore,
    guild_id: int,
    day: date,
    user_id: int,
    choice: str,
    now: datetime,
    week: str,
    *,
    zone: ZoneInfo,
) -> AnswerResult:
    """Take a member's answer (``myth`` or ``fact``) to the server's post of ``day``: once, and only the latest.

    A wrong answer brings the item back in the member's personal review (days in the server's ``zone``).
    """
    latest = await store.latest_daily_post(guild_id)
    if latest is None or latest.day != day:
        return AnswerResult(AnswerStatus.OLD_POST, latest=latest)
    item = await store.get_item_by_pk(latest.item_pk) if latest.item_pk is not None else None
    if item is None:
        return AnswerResult(AnswerStatus.ITEM_GONE)
    correct = choice == item.kind
    points = daily_points(item) if correct else 0
    streak = await store.record_daily_answer(guild_id, day, user_id, correct, points, now, week)
    if streak is None:
        return AnswerResult(AnswerStatus.ALREADY_ANSWERED, item)
    if not correct:
        await note_misses(store, guild_id, item, [user_id], now, zone)
    return AnswerResult(AnswerStatus.RECORDED, item, correct, points, streak, latest)
