"""The collector settings of the long-running process."""

from __future__ import annotations

import gc
import weakref

import pytest

from bot.app.heap import YOUNG_COLLECTION_THRESHOLD, settle_heap


class Node:
    """An object in a reference cycle, as discord.py's caches are (a guild and its channels point at each other)."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def restored_collector():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_exempts_what_lives_and_frees_it_once_a_new_session_settles(restored_collector):
    cache = Node()
    dropped = weakref.ref(cache)
    settle_heap()
    assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
    del cache
    gc.collect()
    assert dropped() is not None, "a frozen object is not collected"
    settle_heap()  # the next session's ready
    assert dropped() is None, "the previous session's caches are freed when the next one settles"
