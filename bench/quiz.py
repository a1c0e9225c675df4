"""Typed-answer throughput: answers processed per second through the whole quiz path.

Each answer is a gateway MESSAGE_CREATE payload for a channel with a typed round open: parsed by discord.py,
dispatched to the quiz cog, judged by the session's matcher; every 20th answer is right, which ends the round
and writes its scores (the measurement includes that write). The floor is a bare discord.py bot whose only
``on_message`` handler counts messages, fed the same payloads the same way in the same run. Payloads go straight
to discord.py's parser and REST calls are answered in memory, so the figures measure the bot, not a network or
a simulator. Target: at least 50 % of the floor.

Run: ``python -m bench.quiz`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands
from discord.http import Route

from bot.app.client import MythOrFactBot
from bot.app.config import DEFAULT_PACKS_DIR, Config
from bot.core.catalog import load_pack_dir
from bot.storage.sqlite.store import SqliteStore

TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.Bench0.benchmark-token-never-sent-anywhere"
ANSWERS_PER_ROUND = 20
WRONG_GUESSES = (
    "no idea",
    "pass",
    "is it tuesday?",
    "maybe 123456",
    "hmm let me think",
    "zzz",
    "what was the question",
)


BOT_ID, GUILD_ID, CHANNEL_ID = 900_000_000_000_000_001, 900_000_000_000_000_010, 900_000_000_000_000_011
NOW = "2026-01-01T00:00:00+00:00"


def user_payload(user_id: int, *, bot: bool = False) -> dict:
    """Return a Discord user object."""
    return {"id": str(user_id), "username": f"user{user_id}", "discriminator": "0", "avatar": None, "bot": bot}


def message_payload(message_id: int, user_id: int, content: str, *, bot: bool = False) -> dict:
    """Return a MESSAGE_CREATE payload, as Discord sends it."""
    return {
        "id": str(message_id), "channel_id": str(CHANNEL_ID), "guild_id": str(GUILD_ID),
        "author": user_payload(user_id, bot=bot), "member": {"roles": [], "joined_at": NOW, "flags": 0},
        "content": content, "timestamp": NOW, "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "components": [], "pinned": False,
        "type": 0,
    }  # fmt: skip


class RestLog:
    """The REST calls the bot made, with an event to wait for the next one (waiting, not spinning: a busy loop
    would hold the GIL that aiosqlite's worker thread needs)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.changed = asyncio.Event()

    def add(self, call: str) -> None:
        """Record a call and wake waiters."""
        self.calls.append(call)
        self.changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds, re-checking after each REST call."""
        while not condition():
            self.changed.clear()
            await self.changed.wait()


async def offline(bot: commands.Bot) -> RestLog:
    """Make ``bot`` ready in one server without a network: gateway events go straight to discord.py's parsers,
    and REST calls are answered in memory (a sent message is echoed back). Returns the log of REST calls."""
    ids = itertools.count(2 * 10**18)
    calls = RestLog()

    async def answer(route: Route, **kwargs: Any) -> Any:
        calls.add(f"{route.method} {route.path}")
        if route.method in ("POST", "PATCH") and "/messages" in route.path:
            body = kwargs.get("json") or {}
            payload = message_payload(next(ids), BOT_ID, body.get("content") or "", bot=True)
            return {**payload, "embeds": body.get("embeds") or [], "components": body.get("components") or []}
        return {}

    await bot._async_setup_hook()
    bot.http.request = answer  # type: ignore[method-assign]
    await bot.setup_hook()
    permissions = str(discord.Permissions.all().value)
    everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": permissions, "position": 0, "color": 0,
                "hoist": False, "managed": False, "mentionable": False}  # fmt: skip
    parsers = bot._connection.parsers
    parsers["READY"]({"v": 10, "user": user_payload(BOT_ID, bot=True), "guilds": [], "session_id": "bench",
                      "shard": [0, 1], "resume_gateway_url": "ws://bench",
                      "application": {"id": str(BOT_ID), "flags": 0}})  # fmt: skip
    parsers["GUILD_CREATE"]({
        "id": str(GUILD_ID), "name": "Bench", "owner_id": "1", "roles": [everyone], "member_count": 2,
        "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "quiz", "position": 0, "permission_overwrites": []}],
        "members": [{"user": user_payload(BOT_ID, bot=True), "roles": [], "joined_at": NOW, "flags": 0}],
        "features": [], "emojis": [], "stickers": [], "threads": [], "unavailable": False, "joined_at": NOW,
    })  # fmt: skip
    return calls


class Counter:
    """Counts on_message dispatches (as a listener of its own, like any cog's) and signals a target count."""

    def __init__(self, bot: commands.Bot) -> None:
        self.count = 0
        self.target = 0
        self.reached = asyncio.Event()
        bot.add_listener(self.on_message, "on_message")

    async def on_message(self, _: discord.Message) -> None:
        """Count one message."""
        self.count += 1
        if self.count >= self.target:
            self.reached.set()


async def deliver(
    bot: commands.Bot, payloads: list[dict], counter: Counter, until: Awaitable[None] | None = None
) -> float:
    """Feed payloads to discord.py's MESSAGE_CREATE parser; wait until all were handled (and ``until``)."""
    parse = bot._connection.parsers["MESSAGE_CREATE"]
    counter.target = counter.count + len(payloads)
    counter.reached.clear()
    start = time.perf_counter()
    for payload in payloads:
        parse(payload)
    await counter.reached.wait()
    if until is not None:
        await until
    return time.perf_counter() - start


async def real_bot_answers(rounds: int) -> tuple[int, float]:
    """Play ``rounds`` typed rounds with 19 wrong answers and one right one each; return (answers, seconds)."""
    store = await SqliteStore.open(None)
    await load_pack_dir(store, DEFAULT_PACKS_DIR)
    bot = MythOrFactBot(Config(token=TOKEN, shard_count=1), store)
    calls = await offline(bot)
    counter = Counter(bot)
    message_ids = itertools.count(10**18)
    await deliver(bot, [message_payload(next(message_ids), 1, f"!quiz {rounds} typed")], counter)
    await calls.until(lambda: (quiz := bot.quizzes.get(CHANNEL_ID)) is not None and quiz.session.question is not None)
    running = bot.quizzes.get(CHANNEL_ID)
    assert running is not None
    # No pause between a reveal and the next question: it is waiting, not work, and not part of the measurement.
    running.session.settings = dataclasses.replace(running.session.settings, pause_seconds=0)
    answers, elapsed = 0, 0.0
    for number in range(1, rounds + 1):
        session = running.session
        await calls.until(lambda s=session, r=number: s.question is not None and s.round_number == r)
        guesses = [WRONG_GUESSES[i % len(WRONG_GUESSES)] for i in range(ANSWERS_PER_ROUND - 1)]
        guesses.append(session.question.correct_option)
        payloads = [message_payload(next(message_ids), 5000 + i, text) for i, text in enumerate(guesses)]
        posted = len(calls.calls)
        # Done when the round is closed, scored and revealed (the reveal is posted right after the score write).
        elapsed += await deliver(bot, payloads, counter, calls.until(lambda n=posted: len(calls.calls) > n))
        answers += len(payloads)
    assert running.task is not None
    await running.task
    winner = await store.member_rank(GUILD_ID, "all", 5000 + ANSWERS_PER_ROUND - 1)
    assert winner is not None and winner.correct == rounds, "every round was scored"
    await bot.close()
    await store.close()
    return answers, elapsed


async def bare_bot_answers(total: int) -> tuple[int, float]:
    """Feed ``total`` messages to a bot whose only handler counts them; return (messages, seconds)."""
    intents = discord.Intents.default()
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents)
    await offline(bot)
    counter = Counter(bot)
    payloads = [
        message_payload(10**18 + i, 5000 + i % ANSWERS_PER_ROUND, WRONG_GUESSES[i % len(WRONG_GUESSES)])
        for i in range(total)
    ]
    elapsed = 0.0
    for offset in range(0, total, ANSWERS_PER_ROUND):
        elapsed += await deliver(bot, payloads[offset : offset + ANSWERS_PER_ROUND], counter)
    await bot.close()
    return total, elapsed


async def bench(rounds: int, trials: int) -> None:
    """Print answers per second for the real quiz path and the bare floor (median of alternating trials)."""
    real_rates, bare_rates = [], []
    for _ in range(trials):
        count, seconds = await bare_bot_answers(rounds * ANSWERS_PER_ROUND)
        bare_rates.append(count / seconds)
        count, seconds = await real_bot_answers(rounds)
        real_rates.append(count / seconds)
    real_rate, bare_rate = statistics.median(real_rates), statistics.median(bare_rates)
    print(f"typed answers: {rounds * ANSWERS_PER_ROUND} per trial ({rounds} rounds, 1 right answer in 20), "
          f"median of {trials} alternating trials")  # fmt: skip
    print(f"  quiz path (parse, session, matching, score write): {real_rate:8,.0f} answers/s")
    print(f"  bare discord.py on_message:                      {bare_rate:8,.0f} messages/s")
    print(f"  ratio quiz/bare: {real_rate / bare_rate:.2f} (target >= 0.50)")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds, for a smoke run")
    args = parser.parse_args()
    asyncio.run(bench(3, 1) if args.quick else bench(40, 7))


if __name__ == "__main__":
    main()
