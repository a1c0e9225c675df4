"""Soak: 10 quizzes at once, 50 players each, through the real process for minutes on end.

``python -m bot`` runs against the fake Discord of the end-to-end tests (``tests/fakediscord.py``): one server with
10 quiz channels and 500 members. The server's quiz settings are shortened (5 s base time, one unanswered question
ends a quiz), then each channel plays quizzes of button rounds (myth-or-fact in even channels, multiple choice in
odd ones) one after another: when a question is posted, each of the channel's 50 players presses a random answer
within 2 s, and when a quiz ends the next starts. When the time is up, the next question of each channel goes
unanswered and is stopped with ``quiz stop``, and the bot is stopped with SIGTERM.

A button answer is acknowledged by the interaction's response ("Answer locked in"; typed answers get no
acknowledgement of their own, only the reveal, so the soak plays button rounds). Reported:

- errors: log lines with ERROR, CRITICAL or a traceback, HTTP statuses >= 400 the fake answered, answers not
  acknowledged in time or refused;
- scoring: for every player, the rounds and right answers in the database (the all-time leaderboard, read through
  the store) against the answers the bot accepted and the right option its closed buttons showed: every answer
  scored exactly once;
- RSS of the bot process every few seconds, with the slope of a linear fit (MB per minute), over the whole run and
  after the first minute (or third, if shorter);
- answer-to-acknowledgement latency, p50 / p99 / max.

Exits with status 1 if there was any error or scoring mismatch.

Run: ``python -m bench.soak`` (10 minutes; ``--minutes``, ``--database-url postgresql://…``) or ``--quick`` (20 s).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.daily import bench_database
from bench.leaderboard import percentile
from bench.process import HEARTBEAT_ACK_SECONDS, log_problems, proc_status, start_process
from bot.core.scores import ALL_TIME, ScoreRow
from bot.storage import open_store, parse_database_url
from tests.e2e.helpers import BotProcess
from tests.fakediscord import (
    CHANNEL_ID,
    GUILD_ID,
    USER_ID,
    FakeDiscord,
    PendingInteraction,
    Recorded,
    member_id,
    quiz_channel_id,
)
from tests.helpers import FAKE_TOKEN

CHANNELS = 10
PLAYERS = 50
ANSWER_WITHIN_SECONDS = 2.0
"""Each player presses an answer at a random moment this soon after the question is posted (the shortest round
lasts 5 s)."""
ACCEPTED = "Answer locked in"
SUCCESS_STYLE = 3
_MESSAGE_POST = re.compile(r"^/channels/(\d+)/messages$")


@dataclass
class Answer:
    """One button press and how the bot acknowledged it."""

    channel_id: int
    message_id: int
    user_id: int
    label: str
    acknowledgement: str | None = None
    """The text of the interaction response (``None``: none in time)."""
    latency: float | None = None


@dataclass
class Channel:
    """One quiz channel: its players and what the bot posted there."""

    channel_id: int
    players: list[int]
    mode: str
    posts: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    quizzes: int = 0
    questions: list[int] = field(default_factory=list)
    """Ids of the question messages answered."""
    refused_starts: int = 0
    """``!quiz`` refused because the quiz that had just ended still held the channel."""


@dataclass
class Soak:
    """The soak's run: the fake, the bot, and everything measured."""

    fake: FakeDiscord
    channels: dict[int, Channel]
    deadline: float
    rounds: int
    answers: list[Answer] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)
    """(seconds since the start, RSS in MB)."""
    rng: random.Random = field(default_factory=lambda: random.Random(12))

    def on_request(self, record: Recorded) -> None:
        """Hand each message the bot posted in a quiz channel to that channel's task."""
        match = _MESSAGE_POST.match(record.path)
        if record.method == "POST" and match and record.status == 200 and int(match[1]) in self.channels:
            self.channels[int(match[1])].posts.put_nowait(record.answer)

    async def press(self, channel: Channel, message: dict[str, Any], user_id: int) -> None:
        """Press a random answer after a random moment; wait for the acknowledgement."""
        await asyncio.sleep(self.rng.uniform(0, ANSWER_WITHIN_SECONDS))
        buttons = [b for row in message["components"] for b in row["components"]]
        label = self.rng.choice(buttons)["label"]
        answer = Answer(channel.channel_id, int(message["id"]), user_id, label)
        self.answers.append(answer)
        pending: PendingInteraction = await self.fake.click(message, label, user_id=user_id)
        try:
            response = await self.fake.answer_of(pending, seconds=10)
        except AssertionError:
            return
        answer.acknowledgement = ((response.body or {}).get("data") or {}).get("content") or ""
        answer.latency = response.at - pending.sent_at

    async def start_quiz(self, channel: Channel) -> None:
        """Start a quiz in the channel."""
        await self.fake.send_message(f"!quiz {self.rounds} {channel.mode}", channel_id=channel.channel_id)

    async def play(self, channel: Channel) -> None:
        """Play quizzes in a channel until the time is up, then stop the last one at its next question."""
        presses: set[asyncio.Task[None]] = set()
        await self.start_quiz(channel)
        stopping = False
        while True:
            post = await channel.posts.get()
            custom_ids = [b.get("custom_id") or "" for row in post.get("components") or [] for b in row["components"]]
            titles = [embed.get("title") or "" for embed in post.get("embeds") or []]
            if "A quiz is already running here" in (post.get("content") or ""):
                # The quiz that just ended has posted its standings but not yet let go of the channel.
                channel.refused_starts += 1
                await asyncio.sleep(0.2)
                await self.start_quiz(channel)
            elif any(custom_id.startswith("mof:q:") for custom_id in custom_ids):
                if time.monotonic() < self.deadline:
                    channel.questions.append(int(post["id"]))
                    for user_id in channel.players:
                        task = asyncio.create_task(self.press(channel, post, user_id))
                        presses.add(task)
                        task.add_done_callback(presses.discard)
                elif not stopping:
                    stopping = True
                    await self.fake.send_message("!quiz stop", channel_id=channel.channel_id)
            elif "Quiz over" in titles:
                channel.quizzes += 1
                if time.monotonic() >= self.deadline:
                    break
                await self.start_quiz(channel)
        if presses:
            await asyncio.gather(*presses)

    async def sample_rss(self, pid: int, every: float) -> None:
        """Record the bot's RSS every ``every`` seconds."""
        start = time.monotonic()
        while True:
            self.rss.append((time.monotonic() - start, proc_status(pid)["VmRSS"] / 1024))
            await asyncio.sleep(every)

    def right_options(self) -> dict[int, str]:
        """Return the right option of every answered question, read from its closed (greyed-out) buttons."""
        right = {}
        for channel in self.channels.values():
            for message_id in channel.questions:
                buttons = [b for row in self.fake.messages[message_id]["components"] for b in row["components"]]
                shown = [b["label"] for b in buttons if b.get("disabled") and b.get("style") == SUCCESS_STYLE]
                if len(shown) == 1:
                    right[message_id] = shown[0]
        return right


def slope(samples: list[tuple[float, float]]) -> float:
    """Return the slope of a least-squares line through (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return 0.0
    seconds, megabytes = zip(*samples, strict=True)
    return statistics.linear_regression(seconds, megabytes).slope * 60


async def soak(minutes: float, rounds: int, admin_url: str | None, rss_every: float) -> int:
    """Run the soak and print its report; return the exit status (1 on any error or scoring mismatch)."""
    fake = FakeDiscord(
        token=FAKE_TOKEN,
        quiz_channels=CHANNELS,
        members=CHANNELS * PLAYERS,
        heartbeat_ack_seconds=HEARTBEAT_ACK_SECONDS,
    )
    await fake.start()
    channels = {
        quiz_channel_id(n): Channel(
            quiz_channel_id(n),
            [member_id(n * PLAYERS + k) for k in range(PLAYERS)],
            ("myth-or-fact", "choice")[n % 2],
        )
        for n in range(CHANNELS)
    }
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with bench_database(admin_url) as url:
                bot = await start_process("bot", fake, url, Path(folder))
                try:
                    mark = len(fake.requests)
                    await fake.send_message("!quiz settings 50 5 0 off 1", channel_id=CHANNEL_ID, author_id=USER_ID)
                    await fake.wait_for_post_in(CHANNEL_ID, lambda r: "settings saved" in str(r.body), after=mark)
                    run = Soak(fake, channels, time.monotonic() + minutes * 60, rounds)
                    fake.listeners.append(run.on_request)
                    sampler = asyncio.create_task(run.sample_rss(bot.process.pid, rss_every))
                    started = time.monotonic()
                    plays = [asyncio.create_task(run.play(channel)) for channel in channels.values()]
                    ended, stuck = await asyncio.wait(plays, timeout=minutes * 60 + 180)
                    for task in stuck:
                        task.cancel()
                    for task in ended:
                        if task.exception() is not None:
                            raise task.exception()
                    if stuck:
                        sys.exit(f"error: quizzes did not end in time:\n{bot.log_since(len(bot.lines) - 30)}")
                    played = time.monotonic() - started
                    sampler.cancel()
                    peak = proc_status(bot.process.pid)["VmHWM"] / 1024
                    exit_code = await bot.stop()
                finally:
                    bot.kill()
                store = await open_store(parse_database_url(url))
                try:
                    rows = await store.top_scores(GUILD_ID, ALL_TIME, 0, CHANNELS * PLAYERS + 10)
                finally:
                    await store.close()
    finally:
        await fake.stop()
    return report(run, bot, rows, played, peak, exit_code, "PostgreSQL" if admin_url else "SQLite")


def report(
    run: Soak, bot: BotProcess, rows: list[ScoreRow], played: float, peak: float, exit_code: int, backend: str
) -> int:
    """Print the soak's figures; return 1 if anything went wrong."""
    right = run.right_options()
    expected_rounds: Counter[int] = Counter()
    expected_right: Counter[int] = Counter()
    unknown_right = 0
    for answer in run.answers:
        if answer.acknowledgement is None or not answer.acknowledgement.startswith(ACCEPTED):
            continue
        expected_rounds[answer.user_id] += 1
        if answer.message_id not in right:
            unknown_right += 1
        expected_right[answer.user_id] += right.get(answer.message_id) == answer.label
    stored = {row.user_id: row for row in rows}
    mismatches = [
        (
            user_id,
            expected_rounds[user_id],
            expected_right[user_id],
            row.rounds if row else 0,
            row.correct if row else 0,
        )
        for user_id in sorted(set(expected_rounds) | set(stored))
        if (row := stored.get(user_id)) is None
        or (row.rounds, row.correct) != (expected_rounds[user_id], expected_right[user_id])
    ]
    acknowledgements = Counter(
        "none in time" if a.acknowledgement is None else a.acknowledgement.split(":")[0].split(".")[0]
        for a in run.answers
    )
    latencies = [a.latency for a in run.answers if a.latency is not None]
    problems = log_problems(bot)
    warnings = [line.rstrip() for line in bot.lines if " WARNING " in line]
    statuses = Counter(r.status for r in run.fake.requests if r.status >= 400)
    quizzes = sum(c.quizzes for c in run.channels.values())
    questions = sum(len(c.questions) for c in run.channels.values())
    print(
        f"soak on {backend}: {CHANNELS} quizzes at once, {PLAYERS} players each, {played / 60:.1f} min through the "
        f"real process; quizzes of {run.rounds} button questions, 5 s base time"
    )
    refused = sum(c.refused_starts for c in run.channels.values())
    print(f"  played: {quizzes} quizzes, {questions} questions answered, {len(run.answers):,} answers sent")
    if refused:
        print(f"  {refused} `!quiz` sent just after a quiz's standings refused (the old quiz still held the channel)")
    print(f"  acknowledgements: {dict(acknowledgements)}")
    if latencies:
        p50, p99, worst = percentile(latencies, 0.5), percentile(latencies, 0.99), max(latencies)
        shown = ", ".join(
            f"{name} {value * 1000:.1f} ms" for name, value in (("p50", p50), ("p99", p99), ("max", worst))
        )
        print(f"  answer-to-acknowledgement latency: {shown}")
    print(
        f"  scoring: {sum(expected_rounds.values()):,} accepted answers of {len(expected_rounds)} players against "
        f"{len(stored)} leaderboard rows: {len(mismatches)} mismatches"
        + (f", {unknown_right} answers to questions whose right option was not shown" if unknown_right else "")
    )
    for user_id, rounds, correct, stored_rounds, stored_correct in mismatches[:10]:
        print(f"    player {user_id}: answered {rounds} ({correct} right), stored {stored_rounds} ({stored_correct})")
    print(
        f"  errors: {len(problems)} log lines with ERROR or a traceback, HTTP statuses >= 400: {dict(statuses)}; "
        f"{len(warnings)} warnings; exit status {exit_code}"
    )
    for line in (problems + warnings)[:10]:
        print(f"    {line}")
    settle = min(60.0, played / 3)
    later = [(t, mb) for t, mb in run.rss if t >= settle]
    print(
        f"  RSS: {run.rss[0][1]:.1f} MB at the start, {run.rss[-1][1]:.1f} MB at the end, peak {peak:.1f} MB; slope "
        f"{slope(run.rss):+.2f} MB/min over the run, {slope(later):+.2f} MB/min after the first {settle:.0f} s"
    )
    step = max(1, len(run.rss) // 12)
    print("  RSS samples (s: MB): " + ", ".join(f"{t:.0f}: {mb:.1f}" for t, mb in run.rss[::step]))
    failed = problems or statuses or mismatches or unknown_right or exit_code != 0 or acknowledgements["none in time"]
    return 1 if failed else 0


def main() -> None:
    """Run the soak."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 s of play, for a smoke run")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the players answer (default 10)")
    parser.add_argument("--rounds", type=int, help="questions per quiz (default 10; 2 with --quick)")
    parser.add_argument("--database-url", help="soak on this PostgreSQL server (a database is created and dropped)")
    args = parser.parse_args()
    minutes = 1 / 3 if args.quick else args.minutes
    rounds = args.rounds or (2 if args.quick else 10)
    sys.exit(asyncio.run(soak(minutes, rounds, args.database_url, 1.0 if args.quick else 5.0)))


if __name__ == "__main__":
    main()
