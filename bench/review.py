"""What personal review adds to a quiz round, and what a review costs, against the round's own score write.

A quiz round now writes its scores, then notes the misses of the players who got it wrong (one statement). Both are
timed here side by side, interleaved round by round on the same store, with 20 players of whom 19 are wrong (the
worst case, as in ``bench.quiz``). The misses are written after the reveal, so players do not wait for them; the
ratio says how much more writing a round costs. A review press (read the
card, move it, count it in the member's numbers, read the next card) is timed against the same score write. The
store holds 1,000 members with 20 cards each in the server, so the lookups read a realistic table.

Run: ``python -m bench.review [--database-url postgresql://…]`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench.daily import bench_database
from bot.app.config import DEFAULT_PACKS_DIR
from bot.core.catalog import load_pack_dir
from bot.core.review import answer_review, first_due, note_misses
from bot.core.scores import PlayerResult, RoundRecord, week_key
from bot.storage import open_store, parse_database_url
from bot.storage.base import FactStore

GUILD = 1_000_000_000_000_000_001
PLAYERS = 20
MEMBERS = 1_000
CARDS_EACH = 20
UTC_ZONE = UTC


async def seed(store: FactStore, items: list, start: datetime) -> None:
    """Give :data:`MEMBERS` members :data:`CARDS_EACH` missed cards each, due the next day."""
    members = [GUILD + 1_000 + n for n in range(MEMBERS)]
    for index, item in enumerate(items[:CARDS_EACH]):
        at = start + timedelta(seconds=index)
        await store.record_misses(GUILD, item.pk, members, at, first_due(at.date()))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def bench(rounds: int, admin_url: str | None) -> None:
    """Time round writes with and without noting misses, and review presses, on one store."""
    async with bench_database(admin_url) as url:
        store = await open_store(parse_database_url(url))
        try:
            await load_pack_dir(store, DEFAULT_PACKS_DIR)
            pool = await store.pick_quiz_items(GUILD, 400, ["myth-or-fact"])
            start = datetime(2026, 11, 26, 12, tzinfo=UTC)
            await seed(store, pool, start)
            score_ms, misses_ms, review_ms = [], [], []
            players = [GUILD + 100_000 + n for n in range(PLAYERS)]
            for number in range(rounds):
                item = pool[CARDS_EACH + number % (len(pool) - CARDS_EACH)]
                played_at = start + timedelta(minutes=number)
                results = tuple(PlayerResult(user, 10 if i == 0 else 0, i == 0) for i, user in enumerate(players))
                record = RoundRecord(GUILD, f"bench:{number}", item.pk, item.topic, played_at, results)
                began = time.perf_counter()
                await store.record_round(record, week_key(played_at))
                score_ms.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                await note_misses(store, GUILD, item, players[1:], played_at, UTC_ZONE)
                misses_ms.append((time.perf_counter() - began) * 1000)
                member = GUILD + 1_000 + number % MEMBERS
                card = pool[(number // MEMBERS) % CARDS_EACH]
                began = time.perf_counter()
                await answer_review(store, GUILD, member, card.pk, 0, card.kind, start + timedelta(days=1), UTC_ZONE)
                review_ms.append((time.perf_counter() - began) * 1000)
        finally:
            await store.close()
    backend = "PostgreSQL" if admin_url else "SQLite"
    score, misses, review = (statistics.median(v) for v in (score_ms, misses_ms, review_ms))
    print(f"personal review on {backend}: {rounds} rounds of {PLAYERS} players (19 wrong), {MEMBERS:,} members with "
          f"{CARDS_EACH} cards each; p50 / p99")  # fmt: skip
    print(f"  round's score write (baseline): {score:6.3f} / {percentile(score_ms, 0.99):6.3f} ms")
    print(f"  noting its 19 misses:           {misses:6.3f} / {percentile(misses_ms, 0.99):6.3f} ms "
          f"(ratio {misses / score:.2f} of the score write)")  # fmt: skip
    print(f"  a review press (card, next):    {review:6.3f} / {percentile(review_ms, 0.99):6.3f} ms "
          f"(ratio {review / score:.2f})")  # fmt: skip


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds, for a smoke run")
    parser.add_argument("--database-url", help="a PostgreSQL server to bench on (a database is created and dropped)")
    args = parser.parse_args()
    asyncio.run(bench(20 if args.quick else 1_000, args.database_url))


if __name__ == "__main__":
    main()
