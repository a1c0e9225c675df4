"""Unit tests for per-server settings: validation, storage of changed values only, and the cache."""

from __future__ import annotations

import pytest

from bot.core.errors import MythOrFactError
from bot.core.quiz import Mode
from bot.core.settings import ServerSettings, SettingsCache, apply_changes, changed_values, from_stored


def test_defaults_make_sane_quiz_settings():
    quiz = ServerSettings().quiz()
    assert quiz.rounds == 10
    assert quiz.base_seconds == {Mode.MYTH_OR_FACT: 15.0, Mode.CHOICE: 20.0, Mode.TYPED: 30.0}
    assert quiz.hints and quiz.extra_time_percent == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quiz_rounds": 0}, "`quiz_rounds` must be a whole number from 1 to 50."),
        ({"quiz_seconds": 500}, "`quiz_seconds` must be a whole number from 5 to 120."),
        ({"quiz_extra_time": True}, "`quiz_extra_time` must be a whole number from 0 to 200."),
        ({"colour": "red"}, "There is no setting called `colour`."),
    ],
)
def test_bad_values_are_refused_with_the_range(changes, message):
    with pytest.raises(MythOrFactError) as info:
        apply_changes(ServerSettings(), changes)
    assert str(info.value) == message


def test_only_changed_values_are_stored_and_bad_stored_values_fall_back():
    changed = apply_changes(ServerSettings(), {"quiz_rounds": 5, "quiz_hints": False})
    assert changed_values(changed) == {"quiz_rounds": 5, "quiz_hints": False}
    assert from_stored({"quiz_rounds": 5, "quiz_seconds": -3, "removed_setting": 1}) == ServerSettings(quiz_rounds=5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prefix": "a b"}, "The prefix must be 1 to 5 characters without spaces, like `?`."),
        ({"prefix": "toolong"}, "The prefix must be 1 to 5 characters without spaces, like `?`."),
        ({"prefix": "@x"}, "The prefix cannot start with `@`, `#`, `/` or `<`, or contain a backtick."),
        ({"allowed_channels": list(range(1, 30))}, "`allowed_channels` holds at most 25 entries."),
        ({"allowed_channels": [0]}, "`allowed_channels` must be a Discord id."),
        ({"packs": [""]}, "`packs` must list names of 1 to 64 characters."),
        ({"mod_role_id": "admins"}, "`mod_role_id` must be a Discord id."),
        ({"quiz_mode": "speed"}, "`quiz_mode` must be one of mixed, myth-or-fact, choice, typed."),
        ({"quiz_hints": 1}, "`quiz_hints` must be on or off."),
    ],
)
def test_moderation_settings_are_validated(changes, message):
    with pytest.raises(MythOrFactError) as info:
        apply_changes(ServerSettings(), changes)
    assert str(info.value) == message


def test_lists_are_stored_as_tuples_without_duplicates_and_round_trip():
    changed = apply_changes(ServerSettings(), {"allowed_channels": [5, 6, 5], "packs": ["space"], "prefix": "?"})
    assert changed.allowed_channels == (5, 6)
    stored = changed_values(changed)
    assert from_stored({name: list(v) if isinstance(v, tuple) else v for name, v in stored.items()}) == changed


def test_the_settings_cache_remembers_and_forgets_per_server():
    cache = SettingsCache()
    assert cache.get(1) is None
    cache.put(1, ServerSettings(prefix="?"))
    assert cache.get(1) == ServerSettings(prefix="?") and cache.get(2) is None
    cache.drop(1)
    cache.drop(3)  # forgetting an unknown server is harmless
    assert cache.get(1) is None
