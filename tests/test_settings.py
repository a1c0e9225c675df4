"""Unit tests for per-server settings: validation, storage of changed values only, and the cache."""

from __future__ import annotations

import pytest

from bot.errors import MythOrFactError
from bot.quiz import Mode
from bot.settings import ServerSettings, apply_changes, changed_values, from_stored
from bot.sqlite_store import SqliteStore


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


async def test_settings_persist_and_are_cached(tmp_path):
    path = tmp_path / "bot.db"
    store = await SqliteStore.open(path)
    assert await store.server_settings(1) == ServerSettings()
    await store.update_server_settings(1, {"quiz_extra_time": 100})
    assert (await store.server_settings(1)).quiz_extra_time == 100
    assert await store.server_settings(2) == ServerSettings(), "per server"
    with pytest.raises(MythOrFactError):
        await store.update_server_settings(1, {"quiz_rounds": 999})
    assert (await store.server_settings(1)).quiz_rounds == 10, "a refused change changes nothing"
    await store.close()
    reopened = await SqliteStore.open(path)
    assert (await reopened.server_settings(1)).quiz_extra_time == 100
    await reopened._conn.execute("UPDATE server_settings SET settings = '{}'")
    assert (await reopened.server_settings(1)).quiz_extra_time == 100, "reads come from the cache"
    await reopened.close()


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
