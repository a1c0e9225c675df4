"""`!fact`, chat traffic and memory through the real process, against a bare discord.py bot in the same run.

Each bot is a real process (``python -m bot``, and ``python -m bench.bare_bot``: one hybrid ``fact`` command sending
a fixed embed of a fact's shape, same intents), connected to its own instance of the fake Discord of the end-to-end
tests (``tests/fakediscord.py``), here with one server of 20 text channels and 1,000 members and no rate limits.
The fake runs in this process; its CPU share is printed so that a fake too slow to tell the bots apart would show.
With ``--database-url postgresql://…`` the real bot runs twice, on SQLite and on PostgreSQL (a database created on
that server and dropped after), all three processes up at once and measured in alternating trials:

1. ``!fact`` throughput: commands answered per second with one command in flight in each of the 20 channels (a
   channel's next command is sent as soon as its reply arrives), members taken in turn and kept under the
   command's cooldown (5 per 15 s; the run waits rather than be refused). The processes take turns in short slices
   (500 commands, under a second), many of them, and each figure pools all of a process's slices: a shared
   machine's speed drifts over seconds, and long trials let that drift favour one process. With it,
   message-to-reply latency under that load, and CPU per command from ``/proc``;
2. ``!fact`` latency with one command at a time (p50 / p99);
3. chat traffic: N ordinary messages (no command) sent as one burst, then a ``!fact``: messages consumed per second,
   up to that marker's reply, and CPU per message;
4. peak RSS (``VmHWM``) once ready in 10,000 servers (the fake's generated servers, 10 shards), each process alone.

Every figure is printed with the ratio real/bare; throughput ratios should be high (target >= 0.8 for ``!fact``),
latency, CPU and memory ratios low. The last line is the figures as JSON. A logged error or traceback, a reply that
is not a fact (a cooldown message, say) or an HTTP error status makes the run fail (status 1).

Run: ``python -m bench.process`` (about 4 minutes; ``--database-url`` adds the PostgreSQL bot) or ``--quick``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import bare_bot
from bench.daily import bench_database
from bench.leaderboard import percentile
from bot.app.client import default_intents
from bot.app.config import DEFAULT_PACKS_DIR
from tests.e2e.helpers import BotProcess
from tests.fakediscord import CHANNEL_ID, USER_ID, FakeDiscord, Recorded, member_id, quiz_channel_id
from tests.helpers import FAKE_TOKEN

PROJECT = Path(__file__).resolve().parents[1]
CHANNEL_IDS = (CHANNEL_ID, *(quiz_channel_id(n) for n in range(19)))
"""The 20 text channels commands and chat go to: #general and quiz-0 … quiz-18 (the locked channel is left out)."""
MEMBERS = 1000
COOLDOWN_USES, COOLDOWN_SECONDS = 5, 16.0
"""``!fact`` allows 5 uses per member in 15 s; the bench keeps to 5 in any 16 s."""
CHAT_LINES = (
    "anyone up for a game later?",
    "lol",
    "that's wild, I had no idea",
    "did you see the match last night",
    "brb",
    "good morning everyone",
    "I think it's going to rain again",
    "what are we having for lunch",
    ":)",
    "no way, really?",
)
HEARTBEAT_ACK_SECONDS = 0.05
"""The fake's heartbeat round trip, as over a network (with none, discord.py can log a false "Can't keep up")."""
_MESSAGE_POST = re.compile(r"^/channels/(\d+)/messages$")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Scale:
    """How much to measure."""

    trials: int
    """Alternating trials of the latency and chat measurements."""
    slices: int
    """Turns each process takes at the ``!fact`` throughput, in alternating order."""
    slice_commands: int
    """``!fact`` commands in one slice."""
    warmup: int
    latency_commands: int
    chat_messages: int
    servers: int
    in_flight: int = 1
    """``!fact`` commands in flight per channel in the throughput trials."""


FULL = Scale(
    trials=5, slices=20, slice_commands=500, warmup=300, latency_commands=300, chat_messages=20_000, servers=10_000
)
QUICK = Scale(trials=1, slices=2, slice_commands=150, warmup=40, latency_commands=40, chat_messages=2000, servers=1000)


# -- processes -------------------------------------------------------------------------------------


def bot_environment(fake: FakeDiscord, database_url: str | None) -> dict[str, str]:
    """The environment of a bot process: pointed at ``fake``; the real bot's database and the shipped packs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "COMMAND_", "OWNER_"))}
    env.update(
        PYTHONPATH=str(PROJECT),
        DISCORD_TOKEN=FAKE_TOKEN,
        DISCORD_API_BASE_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        PACKS_DIR=str(DEFAULT_PACKS_DIR),
        OWNER_IDS=str(USER_ID),
        LOG_LEVEL="INFO",
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


async def start_process(module: str, fake: FakeDiscord, database_url: str | None, workdir: Path) -> BotProcess:
    """Start ``python -m <module>`` against ``fake`` (from an empty folder, so no .env is read); wait until ready."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, cwd=workdir, env=bot_environment(fake, database_url),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    bot = BotProcess(process)
    try:
        await bot.wait_for_log("Ready as", seconds=180)
    except BaseException:
        bot.kill()
        raise
    return bot


def proc_status(pid: int) -> dict[str, int]:
    """Return the memory lines of ``/proc/<pid>/status`` in kB (``VmRSS``, ``VmHWM``: the peak)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name.startswith("Vm"):
            fields[name] = int(value.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    after_name = stat[stat.rindex(")") + 2 :].split()
    return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS


def log_problems(bot: BotProcess) -> list[str]:
    """Return the log lines that report an error or a traceback."""
    return [line.rstrip() for line in bot.lines if " ERROR " in line or "Traceback" in line or " CRITICAL " in line]


# -- members and their cooldown ----------------------------------------------------------------------


class MemberPool:
    """Hands out members in turn for ``!fact``, waiting whenever one would pass the command's cooldown."""

    def __init__(self, members: Sequence[int]) -> None:
        self._members = list(members)
        self._next = 0
        self._uses: dict[int, deque[float]] = {member: deque() for member in members}

    async def take(self, count: int) -> list[int]:
        """Return ``count`` members (in turn) for commands sent from now; sleep first if a cooldown requires it."""
        chosen = [self._members[(self._next + i) % len(self._members)] for i in range(count)]
        self._next = (self._next + count) % len(self._members)
        now = time.monotonic()
        ready_at = now
        for member, uses in Counter(chosen).items():
            assert uses <= COOLDOWN_USES, f"{count} commands need more than {len(self._members)} members"
            recent = self._uses[member]
            while recent and recent[0] <= now - COOLDOWN_SECONDS:
                recent.popleft()
            excess = len(recent) + uses - COOLDOWN_USES
            if excess > 0:
                ready_at = max(ready_at, recent[excess - 1] + COOLDOWN_SECONDS)
        await asyncio.sleep(ready_at - now)
        return chosen

    def used(self, members: Sequence[int]) -> None:
        """Record that ``members`` have run a command (call when their replies are in: never before the use)."""
        now = time.monotonic()
        for member in members:
            self._uses[member].append(now)


# -- a bot under test ------------------------------------------------------------------------------


@dataclass
class Contender:
    """One bot process under test, with its own fake Discord and its figures."""

    name: str
    real: bool
    fake: FakeDiscord
    bot: BotProcess
    pool: MemberPool
    throughput: list[float] = field(default_factory=list)
    """Commands per second, one figure per slice."""
    fact_seconds: float = 0.0
    fact_commands: int = 0
    fact_cpu_seconds: float = 0.0
    loaded_latency: list[float] = field(default_factory=list)
    command_cpu: list[float] = field(default_factory=list)
    """CPU seconds per command, one figure per slice."""
    latency: list[float] = field(default_factory=list)
    chat_rate: list[float] = field(default_factory=list)
    chat_cpu: list[float] = field(default_factory=list)
    bad_replies: int = 0
    unexpected_statuses: Counter[int] = field(default_factory=Counter)


def is_fact_reply(record: Recorded) -> bool:
    """Whether a message post is a fact (an embed), not an error or a cooldown message."""
    return record.status == 200 and bool((record.body or {}).get("embeds"))


async def closed_loop(contender: Contender, members: list[int], in_flight: int) -> tuple[float, list[float]]:
    """Run a ``!fact`` per member, ``in_flight`` at a time in each channel; return (seconds, latencies).

    A channel's next command is sent when one of its replies arrives. Replies are matched to commands in order
    (exact with one in flight: ``ctx.send`` does not say which message it answers).
    """
    fake, commands, authors = contender.fake, len(members), iter(members)
    waiting: dict[int, deque[float]] = {channel_id: deque() for channel_id in CHANNEL_IDS}
    latencies: list[float] = []
    to_send: asyncio.Queue[int] = asyncio.Queue()
    done = asyncio.Event()
    sent = outstanding = 0

    def send_in(channel_id: int) -> None:
        nonlocal sent, outstanding
        sent += 1
        outstanding += 1
        to_send.put_nowait(channel_id)

    def on_reply(record: Recorded) -> None:
        nonlocal outstanding
        match = _MESSAGE_POST.match(record.path)
        if record.method != "POST" or match is None or not (queue := waiting.get(int(match[1]))):
            return
        latencies.append(record.at - queue.popleft())
        outstanding -= 1
        contender.bad_replies += not is_fact_reply(record)
        if sent < commands:
            send_in(int(match[1]))
        elif outstanding == 0:
            done.set()

    async def sender() -> None:
        while True:
            channel_id = await to_send.get()
            waiting[channel_id].append(time.monotonic())
            await fake.send_message("!fact", channel_id=channel_id, author_id=next(authors))

    fake.listeners.append(on_reply)
    task = asyncio.create_task(sender())
    try:
        start = time.monotonic()
        for channel_id in [*CHANNEL_IDS] * in_flight:
            if sent < commands:
                send_in(channel_id)
        await asyncio.wait_for(done.wait(), 60 + commands / 50)
        elapsed = time.monotonic() - start
    finally:
        task.cancel()
        fake.listeners.remove(on_reply)
    return elapsed, latencies


async def fact_trial(contender: Contender, commands: int, in_flight: int, *, record: bool = True) -> None:
    """One throughput trial (or a warm-up, with ``record=False``)."""
    pid = contender.bot.process.pid
    members = await contender.pool.take(commands)
    cpu = cpu_seconds(pid)
    elapsed, latencies = await closed_loop(contender, members, in_flight)
    used = cpu_seconds(pid) - cpu
    contender.pool.used(members)
    if record:
        contender.throughput.append(commands / elapsed)
        contender.fact_seconds += elapsed
        contender.fact_commands += commands
        contender.fact_cpu_seconds += used
        contender.loaded_latency += latencies
        contender.command_cpu.append(used / commands)


async def one_at_a_time(contender: Contender, commands: int) -> None:
    """Time ``commands`` ``!fact``, each sent when the previous was answered, in turn over the channels."""
    fake = contender.fake
    members = await contender.pool.take(commands)
    replied = asyncio.Event()
    answer: list[Recorded] = []

    def on_reply(record: Recorded) -> None:
        if record.method == "POST" and _MESSAGE_POST.match(record.path):
            answer.append(record)
            replied.set()

    fake.listeners.append(on_reply)
    try:
        for index, member in enumerate(members):
            answer.clear()
            replied.clear()
            sent_at = time.monotonic()
            await fake.send_message("!fact", channel_id=CHANNEL_IDS[index % len(CHANNEL_IDS)], author_id=member)
            await asyncio.wait_for(replied.wait(), 30)
            contender.latency.append(answer[0].at - sent_at)
            contender.bad_replies += not is_fact_reply(answer[0])
    finally:
        fake.listeners.remove(on_reply)
    contender.pool.used(members)


async def chat_trial(contender: Contender, messages: int, round_number: int, *, record: bool = True) -> None:
    """Send ``messages`` chat lines as one burst, then a ``!fact``; time until that marker's reply (or warm up)."""
    fake = contender.fake
    payloads = [
        fake.member_message(
            CHAT_LINES[(i + round_number) % len(CHAT_LINES)],
            channel_id=CHANNEL_IDS[i % len(CHANNEL_IDS)],
            author_id=member_id(i % MEMBERS),
        )
        for i in range(messages)
    ]
    (marker_member,) = await contender.pool.take(1)
    marker_channel = CHANNEL_IDS[round_number % len(CHANNEL_IDS)]
    payloads.append(fake.member_message("!fact", channel_id=marker_channel, author_id=marker_member))
    replied = asyncio.Event()
    answer: list[Recorded] = []

    def on_reply(record: Recorded) -> None:
        match = _MESSAGE_POST.match(record.path)
        if record.method == "POST" and match and int(match[1]) == marker_channel:
            answer.append(record)
            replied.set()

    pid = contender.bot.process.pid
    fake.listeners.append(on_reply)
    try:
        cpu = cpu_seconds(pid)
        started = await fake.send_burst("MESSAGE_CREATE", payloads)
        await asyncio.wait_for(replied.wait(), 60 + messages / 500)
        used = cpu_seconds(pid) - cpu
    finally:
        fake.listeners.remove(on_reply)
    contender.pool.used([marker_member])
    contender.bad_replies += not is_fact_reply(answer[0])
    if not record:
        return
    contender.chat_rate.append(messages / (answer[0].at - started))
    contender.chat_cpu.append(used / messages)


# -- the run --------------------------------------------------------------------------------------------


@asynccontextmanager
async def started_fake(**options: Any) -> AsyncIterator[FakeDiscord]:
    """A fake Discord with the benchmark's server (20 channels, 1,000 members), stopped afterwards."""
    fake = FakeDiscord(
        token=FAKE_TOKEN, quiz_channels=19, members=MEMBERS, heartbeat_ack_seconds=HEARTBEAT_ACK_SECONDS, **options
    )
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@dataclass(frozen=True)
class Kind:
    """A kind of bot process: its name, its module, and its database (``None``: none, or the default)."""

    name: str
    module: str
    admin_url: str | None = None
    """``None``: SQLite for the real bot; a PostgreSQL server for it otherwise."""

    @property
    def real(self) -> bool:
        """Whether this is Myth or Fact (else the bare bot)."""
        return self.module == "bot"


@asynccontextmanager
async def database_for(kind: Kind) -> AsyncIterator[str | None]:
    """A fresh database for a real bot (SQLite file or a new PostgreSQL database); ``None`` for the bare bot."""
    if not kind.real:
        yield None
        return
    async with bench_database(kind.admin_url) as url:
        yield url


async def measure_traffic(kinds: list[Kind], scale: Scale, workdir: Path) -> tuple[list[Contender], float]:
    """Start every kind at once, each on its own fake, and run the alternating trials.

    Returns the contenders with their figures, and the share of a core this process (the fakes) used meanwhile.
    """
    async with AsyncExitStack() as stack:
        contenders = []
        for kind in kinds:
            fake = await stack.enter_async_context(started_fake())
            url = await stack.enter_async_context(database_for(kind))
            folder = workdir / f"traffic-{len(contenders)}"
            folder.mkdir()
            bot = await start_process(kind.module, fake, url, folder)
            stack.callback(bot.kill)
            pool = MemberPool([member_id(n) for n in range(MEMBERS)])
            contenders.append(Contender(kind.name, kind.real, fake, bot, pool))
        for contender in contenders:
            await fact_trial(contender, scale.warmup, scale.in_flight, record=False)
            await chat_trial(contender, scale.warmup * 10, -1, record=False)
        wall, cpu = time.monotonic(), time.process_time()
        for turn in range(scale.slices):
            for contender in contenders if turn % 2 == 0 else contenders[::-1]:
                await fact_trial(contender, scale.slice_commands, scale.in_flight)
        for trial in range(scale.trials):
            order = contenders if trial % 2 == 0 else contenders[::-1]
            for contender in order:
                await one_at_a_time(contender, max(1, scale.latency_commands // scale.trials))
            for contender in order:
                await chat_trial(contender, scale.chat_messages, trial)
        fakes_share = (time.process_time() - cpu) / (time.monotonic() - wall)
        for contender in contenders:
            contender.unexpected_statuses.update(r.status for r in contender.fake.requests if r.status >= 400)
            problems = log_problems(contender.bot)
            assert not problems, f"{contender.name} logged errors:\n" + "\n".join(problems[:20])
            assert await contender.bot.stop() == 0, f"{contender.name} did not stop cleanly:\n{contender.bot.log}"
        return contenders, fakes_share


@dataclass
class Memory:
    """One process's memory and start-up at scale."""

    name: str
    real: bool
    peak_mb: float
    rss_mb: float
    ready_seconds: float
    shards: int


async def measure_memory(kind: Kind, servers: int, workdir: Path) -> Memory:
    """Start one process in ``servers`` servers and read its peak RSS once ready (and settled for a second)."""
    async with started_fake(extra_guilds=servers - 1) as fake, database_for(kind) as url:
        folder = workdir / f"memory-{kind.name.replace(' ', '-').replace(',', '')}"
        folder.mkdir()
        started = time.monotonic()
        bot = await start_process(kind.module, fake, url, folder)
        try:
            ready = time.monotonic() - started
            await asyncio.sleep(1.0)
            status = proc_status(bot.process.pid)
            problems = log_problems(bot)
            assert not problems, f"{kind.name} logged errors:\n" + "\n".join(problems[:20])
            assert await bot.stop() == 0, f"{kind.name} did not stop cleanly:\n{bot.log}"
        finally:
            bot.kill()
        return Memory(
            kind.name, kind.real, status["VmHWM"] / 1024, status["VmRSS"] / 1024, ready, len(fake.readies_by_shard)
        )


def ratio(real: float, bare: float) -> str:
    """Format real/bare."""
    return f"{real / bare:5.2f}" if bare else "    –"


def figures_of(contender: Contender) -> dict[str, float]:
    """Return a contender's figures: pooled over the slices, medians over trials, percentiles over every command."""
    median = statistics.median
    return {
        "commands_per_s": contender.fact_commands / contender.fact_seconds,
        "cpu_ms_per_command": contender.fact_cpu_seconds / contender.fact_commands * 1000,
        "loaded_p50_ms": percentile(contender.loaded_latency, 0.5) * 1000,
        "loaded_p99_ms": percentile(contender.loaded_latency, 0.99) * 1000,
        "p50_ms": percentile(contender.latency, 0.5) * 1000,
        "p99_ms": percentile(contender.latency, 0.99) * 1000,
        "chat_messages_per_s": median(contender.chat_rate),
        "chat_cpu_us_per_message": median(contender.chat_cpu) * 1e6,
    }


def report(contenders: list[Contender], memory: list[Memory], scale: Scale, cpu_share: float) -> dict[str, Any]:
    """Print every figure with its ratio to the bare bot; return them for the JSON line."""
    figures = {c.name: figures_of(c) for c in contenders}
    bare = figures[next(c.name for c in contenders if not c.real)]
    bare_memory = next(m for m in memory if not m.real)
    width = max(len(c.name) for c in contenders)

    def rows(pattern: str, *keys: str) -> None:
        for name, mine in figures.items():
            values = [mine[key] for key in keys]
            ratios = " / ".join(ratio(mine[key], bare[key]) for key in keys)
            print(f"  {name:{width}}  {pattern.format(*values)}  ratio {ratios}")

    print(
        f"through the real process against the fake Discord: one server, {len(CHANNEL_IDS)} channels, {MEMBERS:,} "
        f"members, no rate limits; `!fact` in {scale.slices} alternating slices of {scale.slice_commands:,} commands "
        f"each, the rest medians of {scale.trials} alternating trial(s)"
    )
    print(f"(the fake Discord, in this process, used {cpu_share:.0%} of one core while the traffic ran)")
    print(f"`!fact` throughput, {scale.in_flight} command(s) in flight in each channel, all slices pooled:")
    rows("{:7,.0f} commands/s", "commands_per_s")
    bare_slices = next(c for c in contenders if not c.real).throughput
    for c in contenders:
        if c.real:
            paired = sorted(mine / theirs for mine, theirs in zip(c.throughput, bare_slices, strict=True))
            print(
                f"  {c.name:{width}}  slice by slice against the bare bot's: median {statistics.median(paired):.2f}, "
                f"middle half {paired[len(paired) // 4]:.2f}-{paired[(3 * len(paired)) // 4]:.2f}"
            )
    print("`!fact` CPU of the bot process per command, at that load:")
    rows("{:7.3f} ms", "cpu_ms_per_command")
    print("`!fact` message-to-reply latency at that load, p50 / p99:")
    rows("{:6.2f} / {:6.2f} ms", "loaded_p50_ms", "loaded_p99_ms")
    print(f"`!fact` latency, one command at a time ({len(contenders[0].latency)} each), p50 / p99:")
    rows("{:6.2f} / {:6.2f} ms", "p50_ms", "p99_ms")
    print(f"chat traffic: {scale.chat_messages:,} messages that are no command, in one burst, then a `!fact`:")
    rows("{:7,.0f} messages/s", "chat_messages_per_s")
    print("chat traffic, CPU of the bot process per message:")
    rows("{:7.1f} µs", "chat_cpu_us_per_message")
    print(f"memory once ready in {scale.servers:,} servers ({bare_memory.shards} shards), each process alone:")
    for m in memory:
        print(
            f"  {m.name:{width}}  peak RSS {m.peak_mb:6.1f} MB  ratio {ratio(m.peak_mb, bare_memory.peak_mb)}"
            f"   (RSS {m.rss_mb:.1f} MB, ready {m.ready_seconds:.1f} s after start)"
        )
    for c in contenders:
        if c.bad_replies or c.unexpected_statuses:
            statuses = dict(c.unexpected_statuses)
            print(f"error: {c.name}: {c.bad_replies} replies were not a fact; HTTP statuses >= 400: {statuses}")
    return {
        "scale": scale.__dict__,
        "fake_cpu_share": round(cpu_share, 3),
        "bots": {name: {key: round(value, 3) for key, value in mine.items()} for name, mine in figures.items()},
        "memory": {m.name: {"peak_mb": round(m.peak_mb, 1), "rss_mb": round(m.rss_mb, 1)} for m in memory},
    }


async def bench(scale: Scale, admin_url: str | None) -> int:
    """Measure every kind of process and print the figures; return 1 if a reply was wrong or refused."""
    assert bare_bot.intents() == default_intents(), "the bare bot must have the real bot's intents"
    kinds = [Kind("Myth or Fact, SQLite", "bot")]
    if admin_url is not None:
        kinds.append(Kind("Myth or Fact, PostgreSQL", "bot", admin_url))
    kinds.append(Kind("bare discord.py", "bench.bare_bot"))
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        contenders, cpu_share = await measure_traffic(kinds, scale, workdir)
        memory = [await measure_memory(kind, scale.servers, workdir) for kind in kinds]
    figures = report(contenders, memory, scale, cpu_share)
    print(json.dumps(figures))
    return 1 if any(c.bad_replies or c.unexpected_statuses for c in contenders) else 0


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short trial and 1,000 servers, for a smoke run")
    parser.add_argument("--database-url", help="also bench the bot on this PostgreSQL server (a database is created)")
    parser.add_argument("--servers", type=int, help="servers for the memory figure (default 10,000)")
    parser.add_argument("--in-flight", type=int, default=1, help="`!fact` in flight per channel (default 1)")
    args = parser.parse_args()
    scale = dataclasses.replace(QUICK if args.quick else FULL, in_flight=args.in_flight)
    if args.servers:
        scale = dataclasses.replace(scale, servers=args.servers)
    sys.exit(asyncio.run(bench(scale, args.database_url)))


if __name__ == "__main__":
    main()
