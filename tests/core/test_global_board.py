"""The global board's rules: UTC weeks, member keys, anonymous labels and name snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.errors import MythOrFactError
from bot.core.global_board import (
    NAME_MAX,
    GlobalRow,
    anonymous_label,
    global_period,
    global_week,
    member_key,
    name_snapshot,
)
from bot.core.scores import ALL_TIME, BoardKey
from bot.core.settings import ServerSettings, apply_changes


def test_the_week_is_named_in_utc_whatever_the_zone_of_the_moment():
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    same_moment_in_tokyo = sunday_night_utc.astimezone(timezone(timedelta(hours=9)))
    assert global_week(sunday_night_utc) == global_week(same_moment_in_tokyo) == "2026-W48"
    assert global_week(sunday_night_utc + timedelta(hours=1)) == "2026-W49"
    assert global_period("all", sunday_night_utc) == ALL_TIME
    assert global_period("week", sunday_night_utc) == "2026-W48"
    with pytest.raises(ValueError, match="timezone-aware"):
        global_week(datetime(2026, 11, 29, 23, 30))  # noqa: DTZ001 (a naive moment is what is refused)


def test_member_keys_are_stable_positive_and_depend_on_the_secret():
    key = member_key("secret", 1234567890123456789)
    assert key == member_key("secret", 1234567890123456789)
    assert 0 < key < 2**63
    assert key != member_key("another secret", 1234567890123456789)
    assert key != member_key("secret", 1234567890123456790)
    assert len({member_key("secret", user) for user in range(10_000)}) == 10_000


def test_anonymous_labels_have_six_digits_from_the_key():
    assert anonymous_label(48213) == "Player #048213"
    assert anonymous_label(10**12 + 7) == "Player #000007"
    row = GlobalRow(1, BoardKey(50, 5, 48213), 9, None)
    assert (row.label, row.points, row.correct) == ("Player #048213", 50, 5)
    assert GlobalRow(1, BoardKey(50, 5, 48213), 9, "Ann").label == "Ann"


@pytest.mark.parametrize(
    ("display_name", "snapshot"),
    [
        ("Ann", "Ann"),
        ("  Ann   B  ", "Ann B"),
        ("@everyone", "everyone"),
        ("<@123> **bold** _it_ `code` ||spoiler|| [link](x)", "123 bold it code spoiler linkx"),
        ("line\nbreak\ttab\u200bzero", "line break tab zero"),
        ("Zoë 🐙", "Zoë 🐙"),
        ("@@@***", ""),
        ("x" * 50, "x" * NAME_MAX),
    ],
)
def test_name_snapshots_lose_mentions_markdown_and_control_characters(display_name, snapshot):
    assert name_snapshot(display_name) == snapshot
    assert len(name_snapshot(display_name)) <= NAME_MAX


def test_taking_part_is_an_on_off_setting_off_by_default():
    assert ServerSettings().global_board is False
    assert apply_changes(ServerSettings(), {"global_board": True}).global_board is True
    with pytest.raises(MythOrFactError, match="on or off"):
        apply_changes(ServerSettings(), {"global_board": "yes"})
