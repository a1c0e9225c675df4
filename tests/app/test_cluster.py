"""Shard leases: two processes never serve one shard; a dead process's shards are taken over."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from bot.app.cluster import ShardLeases, ShardsTaken, is_dead_here
from bot.core.cluster import ShardSet
from bot.storage.base import FactStore


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


async def test_overlapping_shards_are_refused_and_nothing_is_held_then(store: FactStore):
    first = ShardLeases(store, "host-a:1")
    await first.claim(ShardSet(4, (0, 1)))
    second = ShardLeases(store, "host-b:2")
    with pytest.raises(ShardsTaken, match="shard 1 of 4 is already served by the process host-a:1"):
        await second.claim(ShardSet(4, (2, 1)))
    assert second.names == []
    await ShardLeases(store, "host-c:3").claim(ShardSet(4, (2,)))  # the refused process let shard 2 go again
    await first.release()
    await ShardLeases(store, "host-b:2").claim(ShardSet(4, (0, 1)))


async def test_the_shards_of_a_dead_process_on_this_machine_are_taken_over_at_once(store: FactStore):
    dead = f"{socket.gethostname()}:{dead_pid()}"
    assert is_dead_here(dead) and not is_dead_here(f"{socket.gethostname()}:1") and not is_dead_here("elsewhere:5")
    await ShardLeases(store, dead).claim(ShardSet(2, (0,)))  # it crashed without releasing
    restarted = ShardLeases(store, f"{socket.gethostname()}:999999")
    await restarted.claim(ShardSet(2, (0,)))
    assert restarted.names == ["shard:0/2"]


async def test_losing_a_lease_stops_the_process(store: FactStore, monkeypatch):
    monkeypatch.setattr("bot.app.cluster.RENEW_SECONDS", 0)
    leases = ShardLeases(store, "host-a:1")
    await leases.claim(ShardSet(2, (1,)))
    await store.release_lease("shard:1/2", "host-a:1")
    await store.claim_lease("shard:1/2", "host-b:2", leases.now(), timedelta(minutes=1))
    reasons: list[str] = []

    async def lost(reason: str) -> None:
        reasons.append(reason)

    await leases.keep(lost)
    assert reasons == ["the lease shard:1/2 is now held by host-b:2"]
