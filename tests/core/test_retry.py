"""Trying a write again while the database is briefly unavailable: a few attempts, then the error."""

from __future__ import annotations

import pytest

from bot.core import retry
from bot.core.errors import StorageUnavailable
from bot.core.retry import retry_unavailable


class Write:
    """A write that fails ``failures`` times with ``error``, then returns how many calls it took."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or StorageUnavailable("database is locked")
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.calls


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(retry.asyncio, "sleep", sleep)
    return waits


async def test_a_write_that_recovers_within_the_attempts_succeeds(no_waiting: list[float]):
    assert await retry_unavailable(Write(3), "Round x") == 4
    assert no_waiting == list(retry.RETRY_DELAYS)
    assert sum(no_waiting) <= 2, "retries stay within about two seconds"


async def test_a_write_that_keeps_failing_raises_after_the_last_attempt():
    write = Write(10)
    with pytest.raises(StorageUnavailable):
        await retry_unavailable(write, "Round x")
    assert write.calls == len(retry.RETRY_DELAYS) + 1


async def test_other_errors_are_not_tried_again(no_waiting: list[float]):
    write = Write(1, ValueError("a bug, not an outage"))
    with pytest.raises(ValueError, match="a bug"):
        await retry_unavailable(write, "Round x")
    assert write.calls == 1 and no_waiting == []
