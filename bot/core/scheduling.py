"""Daily post times in each server's own time zone, DST-correct, without Discord.

When a server's next daily post falls due, which local day a post belongs to, and whether a post missed while
the bot was down should still go out. :mod:`bot.core.daily` schedules and paces the posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import MythOrFactError
from bot.core.i18n import _

POSTS_PER_SECOND = 47
"""Scheduled posts per second across all servers: under Discord's 50 requests/s, leaving room for replies
and for requests that arrive bunched up after leaving evenly spaced.

The daily scheduler sends at this fixed rate, evenly spaced (see :class:`bot.core.daily.Pacer`)."""


def parse_zone(name: str) -> ZoneInfo:
    """Return the IANA time zone called ``name`` (e.g. ``Europe/Paris``), or raise a friendly error."""
    cleaned = name.strip()
    try:
        if cleaned and cleaned in available_zones():
            return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise MythOrFactError(
        _("`{value}` is not a time zone I know. Use a name like `Europe/Paris` or `UTC`.", value=cleaned[:60])
    )


_ZONES: frozenset[str] | None = None


def available_zones() -> frozenset[str]:
    """Return every IANA zone name (from the tzdata package, so it works on any OS); cached."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def matching_zones(typed: str, limit: int = 25) -> list[str]:
    """Return zone names for autocomplete: those starting with what was typed, then those containing it."""
    needle = typed.strip().lower().replace(" ", "_")
    names = sorted(available_zones())
    starts = [n for n in names if n.lower().startswith(needle)]
    contains = [n for n in names if needle in n.lower() and n not in starts]
    return (starts + contains)[:limit]


def parse_local_time(text: str) -> time:
    """Read a wall-clock time such as ``09:00``, ``9:30`` or ``21:05``, or raise a friendly error."""
    hours, sep, minutes = text.strip().partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        hour, minute = int(hours), int(minutes)
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
    raise MythOrFactError(
        _("`{value}` is not a time. Use 24-hour time such as `09:00` or `18:30`.", value=text.strip()[:20])
    )


def occurrence(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC moment of wall time ``at`` on local ``day``.

    A time skipped by a DST change (02:30 on a spring-forward night) moves forward by the gap; a time that
    happens twice (01:30 on a fall-back night) is the first of the two, so a day never gets two posts.
    """
    local = datetime.combine(day, at, tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        # Not a real wall time: count the minutes from midnight in real elapsed time instead.
        midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        moment = midnight + timedelta(hours=at.hour, minutes=at.minute)
    return moment


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """Return the date on the server's calendar at ``moment``."""
    return moment.astimezone(zone).date()


def next_post_at(at: time, zone: ZoneInfo, after: datetime) -> datetime:
    """Return the first post moment strictly after ``after``, at local wall time ``at``."""
    day = local_day(after, zone)
    for offset in range(3):
        moment = occurrence(day + timedelta(days=offset), at, zone)
        if moment > after:
            return moment
    raise AssertionError("a daily time always recurs within three days")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Catchup:
    """What to do, at start-up, about the post that was due most recently."""

    post: bool
    day: date
    """The local day the post belongs to."""


def catch_up(at: time, zone: ZoneInfo, last_posted_day: date | None, now: datetime) -> Catchup | None:
    """Decide about a post that fell due while the bot was down.

    Returns ``None`` when nothing was missed. A missed post is sent if it is still the same local day, and
    skipped (``post=False``, to be logged) once that day is over.
    """
    today = local_day(now, zone)
    due_today = occurrence(today, at, zone)
    missed_day = today if due_today <= now else today - timedelta(days=1)
    if last_posted_day is not None and last_posted_day >= missed_day:
        return None
    return Catchup(post=missed_day == today, day=missed_day)
