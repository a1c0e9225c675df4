"""Typed-answer throughput: answers processed per second through the whole quiz path.

Each answer is a gateway MESSAGE_CREATE payload for a channel with a typed round open: parsed by discord.py,
dispatched to the quiz cog, judged by the session's matcher; every 20th answer is right, which ends the round and
posts the reveal (the measurement runs until the reveal is sent). The round's scores are written behind the reveal,
and the next question waits for them: the bench waits for that too, outside the measurement, so the write never
overlaps the other bot's turn, and prints how long it took on its own line. The floor is a bare discord.py bot whose
only ``on_message`` handler counts messages, fed the same number of payloads the same way. Both bots run side by
side in one event loop and take turns round by round, so a busy moment on a shared machine slows both alike.
Payloads go straight to discord.py's parser and REST calls are answered in memory, so the figures measure the bot,
not a network or a simulator. Each round is also timed in CPU (the process's), which a busy machine disturbs less
than the wall clock. Target: at least 50 % of the floor.

Rounds last up to 12 minutes and hints are off, so no timer fires during a measurement however busy the machine;
every wrong guess is checked to be wrong for the round's answers before it is sent, and every wait gives up
after a minute with a clear error instead of hanging.

The store is a fresh SQLite file per trial, as the bot runs it (or, with ``--database-url``, a fresh PostgreSQL
database, dropped after).

Run: ``python -m bench.quiz [--database-url postgresql://…]`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import discord
from discord.ext import commands
from discord.http import Route

from bench.daily import bench_database
from bot.app.client import MythOrFactBot
from bot.app.config import DEFAULT_PACKS_DIR, Config
from bot.core.catalog import load_pack_dir
from bot.core.matching import AnswerMatcher
from bot.storage import open_store, parse_database_url

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
    "qwxz",
    "something else entirely",
)
WAIT_SECONDS = 60.0
"""Longest wait for the bot to do something; past it the run stops with an error rather than hanging."""
SLOW_ROUNDS = {"quiz_seconds": 120, "quiz_extra_time": 200, "quiz_hints": False}
"""Server settings for the bench: typed rounds of 240 s x 3, no hints, so no timer fires while measuring."""


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


def clocks() -> tuple[float, float]:
    """Return the wall clock and the process's CPU time, in seconds."""
    return time.perf_counter(), time.process_time()


class RestLog:
    """The REST calls the bot made and the embed titles it posted, with an event to wait for the next call
    (waiting, not spinning: a busy loop would hold the GIL that the database driver's thread needs)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.titles: list[str] = []
        self.changed = asyncio.Event()
        self.revealed_at = (0.0, 0.0)
        """:func:`clocks` when the last reveal was sent (not when a waiter next ran: the loop may do more first)."""

    def add(self, call: str, body: dict) -> None:
        """Record a call and wake waiters."""
        self.calls.append(call)
        titles = [embed.get("title") or "" for embed in body.get("embeds") or ()]
        if any(title.startswith("Answer:") for title in titles):
            self.revealed_at = clocks()
        self.titles.extend(titles)
        self.changed.set()

    def reveals(self) -> int:
        """How many reveals were posted."""
        return sum(title.startswith("Answer:") for title in self.titles)

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait until ``condition()`` holds, re-checking after each REST call; give up after a minute."""

        async def wait() -> None:
            while not condition():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(wait(), WAIT_SECONDS)
        except TimeoutError:
            raise SystemExit(
                f"bench.quiz: no {what} after {WAIT_SECONDS:.0f} s; last REST calls: {self.calls[-5:]}"
            ) from None


async def offline(bot: commands.Bot) -> RestLog:
    """Make ``bot`` ready in one server without a network: gateway events go straight to discord.py's parsers,
    and REST calls are answered in memory (a sent message is echoed back). Returns the log of REST calls."""
    ids = itertools.count(2 * 10**18)
    calls = RestLog()

    async def answer(route: Route, **kwargs: Any) -> Any:
        body = kwargs.get("json") or {}
        calls.add(f"{route.method} {route.path}", body)
        if route.method in ("POST", "PATCH") and "/messages" in route.path:
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
        self.reached_at = (0.0, 0.0)
        """:func:`clocks` when the target count was reached."""
        bot.add_listener(self.on_message, "on_message")

    async def on_message(self, _: discord.Message) -> None:
        """Count one message."""
        self.count += 1
        if self.count == self.target:
            self.reached_at = clocks()
        if self.count >= self.target:
            self.reached.set()


async def deliver(bot: commands.Bot, payloads: list[dict], counter: Counter) -> None:
    """Feed payloads to discord.py's MESSAGE_CREATE parser; wait until every one was dispatched."""
    parse = bot._connection.parsers["MESSAGE_CREATE"]
    counter.target = counter.count + len(payloads)
    counter.reached.clear()
    for payload in payloads:
        parse(payload)
    try:
        await asyncio.wait_for(counter.reached.wait(), WAIT_SECONDS)
    except TimeoutError:
        raise SystemExit(f"bench.quiz: only {counter.count} of {counter.target} messages dispatched") from None


def wrong_guesses(answers: tuple[str, ...], count: int) -> list[str]:
    """Return ``count`` guesses from :data:`WRONG_GUESSES` that are wrong for ``answers`` (checked by a matcher of
    their own, so the session's cache stays cold)."""
    matcher = AnswerMatcher(answers)
    pool = [guess for guess in WRONG_GUESSES if not matcher.matches(guess)]
    return [pool[i % len(pool)] for i in range(count)]


class BareBot:
    """A discord.py bot whose only handler counts messages: the floor."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        self.bot = commands.Bot(command_prefix="!", intents=intents)
        self.ids = itertools.count(10**18)

    async def start(self) -> None:
        """Make the bot ready offline."""
        await offline(self.bot)
        self.counter = Counter(self.bot)

    async def play_round(self) -> tuple[float, float]:
        """Deliver one round's worth of chat; return the seconds it took, on the wall clock and in CPU."""
        payloads = [
            message_payload(next(self.ids), 5000 + i, WRONG_GUESSES[i % len(WRONG_GUESSES)])
            for i in range(ANSWERS_PER_ROUND)
        ]
        start, cpu_start = clocks()
        await deliver(self.bot, payloads, self.counter)
        end, cpu_end = self.counter.reached_at
        return end - start, cpu_end - cpu_start

    async def close(self) -> None:
        """Shut the bot down."""
        await self.bot.close()


class QuizBot:
    """Myth or Fact with a typed quiz running, on the store at ``database_url``."""

    def __init__(self, database_url: str, rounds: int) -> None:
        self.database_url = database_url
        self.rounds = rounds
        self.ids = itertools.count(10**18)

    async def start(self) -> None:
        """Open the store, make the bot ready offline and start a typed quiz of ``rounds`` questions."""
        self.store = await open_store(parse_database_url(self.database_url))
        await load_pack_dir(self.store, DEFAULT_PACKS_DIR)
        await self.store.update_server_settings(GUILD_ID, SLOW_ROUNDS)
        self.bot = MythOrFactBot(Config(token=TOKEN, shard_count=1), self.store)
        self.calls = await offline(self.bot)
        self.counter = Counter(self.bot)
        await deliver(self.bot, [message_payload(next(self.ids), 1, f"!quiz {self.rounds} typed")], self.counter)
        await self.calls.until(self._asking(1), "first question")
        self.running = self.bot.quizzes.get(CHANNEL_ID)
        assert self.running is not None
        # No pause between a reveal and the next question: it is waiting, not work, and not part of the measurement.
        self.running.session.settings = dataclasses.replace(self.running.session.settings, pause_seconds=0)
        self.played = 0
        self.write_seconds: list[float] = []
        """Per round: from the reveal until the next question (or the quiz's end), i.e. the score write."""

    def _asking(self, number: int) -> Callable[[], bool]:
        def asking() -> bool:
            running = self.bot.quizzes.get(CHANNEL_ID)
            return (
                running is not None and running.session.question is not None and running.session.round_number == number
            )

        return asking

    async def play_round(self) -> tuple[float, float]:
        """Send 19 wrong guesses and the right answer; return the seconds until the reveal was posted, on the wall
        clock and in CPU."""
        self.played += 1
        session = self.running.session
        await self.calls.until(self._asking(self.played), f"question {self.played}")
        question = session.question
        assert question is not None
        guesses = [*wrong_guesses(question.item.answers, ANSWERS_PER_ROUND - 1), question.correct_option]
        payloads = [message_payload(next(self.ids), 5000 + i, text) for i, text in enumerate(guesses)]
        revealed = self.calls.reveals()
        start, cpu_start = clocks()
        await deliver(self.bot, payloads, self.counter)
        await self.calls.until(lambda: self.calls.reveals() > revealed, f"reveal of question {self.played}")
        end, cpu_end = self.calls.revealed_at
        if self.played < self.rounds:
            await self.calls.until(self._asking(self.played + 1), f"question {self.played + 1}")
        else:
            assert self.running.task is not None
            await asyncio.wait_for(self.running.task, WAIT_SECONDS)
        self.write_seconds.append(time.perf_counter() - end)
        return end - start, cpu_end - cpu_start

    async def close(self) -> None:
        """Check that every round was scored to its winner, then shut down."""
        assert self.running.task is not None
        await asyncio.wait_for(self.running.task, WAIT_SECONDS)
        winner = await self.store.member_rank(GUILD_ID, "all", 5000 + ANSWERS_PER_ROUND - 1)
        assert winner is not None and winner.correct == self.rounds, "every round was scored to its winner"
        await self.bot.close()
        await self.store.close()


async def trial(database_url: str, rounds: int) -> tuple[float, float, float, float]:
    """Play ``rounds`` on both bots, taking turns; return (quiz answers/s, bare messages/s, CPU ratio quiz/bare,
    score write seconds) at the median round (a median, so one stall of a shared machine does not decide the trial).
    """
    bare, quiz = BareBot(), QuizBot(database_url, rounds)
    await bare.start()
    await quiz.start()
    bare_rounds, quiz_rounds = [], []
    for number in range(rounds):
        if number % 2:
            bare_rounds.append(await bare.play_round())
            quiz_rounds.append(await quiz.play_round())
        else:
            quiz_rounds.append(await quiz.play_round())
            bare_rounds.append(await bare.play_round())
    await quiz.close()
    await bare.close()
    quiz_wall, quiz_cpu = (statistics.median(values) for values in zip(*quiz_rounds, strict=True))
    bare_wall, bare_cpu = (statistics.median(values) for values in zip(*bare_rounds, strict=True))
    write = statistics.median(quiz.write_seconds)
    return ANSWERS_PER_ROUND / quiz_wall, ANSWERS_PER_ROUND / bare_wall, bare_cpu / quiz_cpu, write


async def bench(rounds: int, trials: int, admin_url: str | None) -> None:
    """Print answers per second for the real quiz path and the bare floor, and their ratio (medians of trials)."""
    quiz_rates, bare_rates, ratios, cpu_ratios, writes = [], [], [], [], []
    for _ in range(trials):
        async with bench_database(admin_url) as url:  # a fresh database file, or PostgreSQL database, each trial
            quiz_rate, bare_rate, cpu_ratio, write_seconds = await trial(url, rounds)
        quiz_rates.append(quiz_rate)
        bare_rates.append(bare_rate)
        ratios.append(quiz_rate / bare_rate)
        cpu_ratios.append(cpu_ratio)
        writes.append(write_seconds)
    backend = "PostgreSQL" if admin_url else "SQLite"
    print(f"typed answers on {backend}: {rounds * ANSWERS_PER_ROUND} per trial ({rounds} rounds, 1 right answer in "
          f"20), both bots taking turns round by round; median rounds, medians of {trials} trials")  # fmt: skip
    print(f"  quiz path (parse, session, matching, reveal): {statistics.median(quiz_rates):8,.0f} answers/s")
    print(f"  bare discord.py on_message:                 {statistics.median(bare_rates):8,.0f} messages/s")
    print(
        f"  ratio quiz/bare: {statistics.median(ratios):.2f} (trials {min(ratios):.2f}-{max(ratios):.2f}; "
        "target >= 0.50)"
    )
    print(
        f"  in CPU per round, bare/quiz: {statistics.median(cpu_ratios):.2f} "
        f"(trials {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}; steadier than the wall clock on a busy machine)"
    )
    print(
        f"  the round's score write behind the reveal (reveal -> next question, no pause): "
        f"{statistics.median(writes) * 1000:.2f} ms, not in the ratio"
    )


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds, for a smoke run")
    parser.add_argument("--database-url", help="a PostgreSQL server to bench on (a database is created and dropped)")
    args = parser.parse_args()
    rounds, trials = (3, 1) if args.quick else (40, 7)
    asyncio.run(bench(rounds, trials, args.database_url))


if __name__ == "__main__":
    main()
