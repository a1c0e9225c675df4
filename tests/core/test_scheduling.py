"""Unit tests for daily post times: time zones, DST, and catching up after downtime."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import MythOrFactError
from bot.core.scheduling import (
    catch_up,
    local_day,
    matching_zones,
    next_post_at,
    occurrence,
    parse_local_time,
    parse_zone,
)

PARIS = ZoneInfo("Europe/Paris")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14
BAKER = ZoneInfo("Etc/GMT+12")  # UTC-12


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_parse_time_and_zone():
    assert parse_local_time("9:05") == time(9, 5)
    assert parse_local_time(" 23:59 ") == time(23, 59)
    for bad in ("24:00", "9", "9:5", "noon", "-1:00"):
        with pytest.raises(MythOrFactError, match="is not a time"):
            parse_local_time(bad)
    assert parse_zone("Europe/Paris") == PARIS
    with pytest.raises(MythOrFactError, match="not a time zone I know"):
        parse_zone("Mars/Olympus")
    with pytest.raises(MythOrFactError):
        parse_zone("../../etc/passwd")


def test_zone_autocomplete():
    assert matching_zones("europe/par") == ["Europe/Paris"]
    assert len(matching_zones("a")) == 25
    assert matching_zones("new york")[0] == "America/New_York"


def test_next_post_in_a_plain_week():
    after = utc(2026, 6, 1, 6, 59)
    assert next_post_at(time(9, 0), PARIS, after) == utc(2026, 6, 1, 7, 0)  # 09:00 CEST
    assert next_post_at(time(9, 0), PARIS, utc(2026, 6, 1, 7, 0)) == utc(2026, 6, 2, 7, 0), "strictly after"


def test_spring_forward_keeps_local_time_and_fills_the_gap():
    # On 29 March 2026 Paris jumps from 02:00 to 03:00.
    assert next_post_at(time(9, 0), PARIS, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 7, 0)  # now CEST
    assert next_post_at(time(9, 0), PARIS, utc(2026, 3, 27, 12)) == utc(2026, 3, 28, 8, 0)  # still CET
    skipped = occurrence(date(2026, 3, 29), time(2, 30), PARIS)
    assert skipped == utc(2026, 3, 29, 1, 30), "02:30 does not exist; the post goes out 2.5 h after midnight"
    assert skipped.astimezone(PARIS).hour == 3


def test_fall_back_posts_once_at_the_first_of_two_identical_times():
    # On 25 October 2026 Paris goes from 03:00 back to 02:00, so 02:30 happens twice.
    first = occurrence(date(2026, 10, 25), time(2, 30), PARIS)
    assert first == utc(2026, 10, 25, 0, 30)
    after_first = next_post_at(time(2, 30), PARIS, first)
    assert after_first == utc(2026, 10, 26, 1, 30), "no second post at the repeated 02:30"


def test_extreme_offsets_land_on_their_own_local_day():
    moment = utc(2026, 11, 26, 12, 0)
    assert local_day(moment, KIRITIMATI) == date(2026, 11, 27)
    assert local_day(moment, BAKER) == date(2026, 11, 26)
    assert next_post_at(time(0, 0), KIRITIMATI, moment) == utc(2026, 11, 27, 10, 0)
    assert next_post_at(time(23, 59), BAKER, moment) == utc(2026, 11, 27, 11, 59)


def test_downtime_over_the_due_time_posts_the_same_day_and_skips_older_days():
    at = time(9, 0)
    # Due 07:00 UTC today (09:00 Paris); the bot comes back at 15:00 UTC, nothing posted today yet.
    assert catch_up(at, PARIS, date(2026, 6, 1), utc(2026, 6, 2, 15)).post is True
    # Already posted today: nothing to do.
    assert catch_up(at, PARIS, date(2026, 6, 2), utc(2026, 6, 2, 15)) is None
    # Back before today's time, yesterday missed: skipped (logged), today's comes at its time.
    missed = catch_up(at, PARIS, date(2026, 5, 31), utc(2026, 6, 2, 5))
    assert missed is not None and missed.post is False and missed.day == date(2026, 6, 1)
    # Back after local midnight of a day whose post was missed: that day is over, so skip it.
    late = catch_up(time(23, 0), KIRITIMATI, date(2026, 6, 1), utc(2026, 6, 2, 11))
    assert late is not None and late.post is False and late.day == date(2026, 6, 2)
    # With no post recorded at all, today's passed time counts as missed (the caller decides for new schedules).
    assert catch_up(at, PARIS, None, utc(2026, 6, 2, 15)).post is True
