"""End-to-end tests: ``python -m bot`` as a real process, against a fake Discord where one is needed."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord
from tests.helpers import FAKE_TOKEN, SAMPLE_PACKS, bot_env

PROJECT = Path(__file__).resolve().parents[2]


def run_bot(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` to completion from an empty folder (so no .env is read)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=bot_env(tmp_path, PYTHONPATH=str(PROJECT), **settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


# -- start-up refusals ---------------------------------------------------------------------------


def test_missing_token_exits_2_with_one_line(tmp_path: Path):
    result = run_bot(tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: DISCORD_TOKEN is not set. Copy .env.example to .env")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_token_from_dotenv_file_is_used(tmp_path: Path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=clearly-wrong\n")
    result = run_bot(tmp_path)
    assert result.returncode == 2
    assert "does not look like a bot token" in result.stderr


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL='CHATTY' is not one of"),
        (
            {"DATABASE_URL": "postgresql://bot:secret@db.invalid/mof"},
            "cannot connect to postgresql://bot:***@db.invalid/mof",
        ),
        ({"OWNER_IDS": "me"}, "OWNER_IDS contains 'me'"),
        ({"PACKS_DIR": "/nonexistent/packs"}, "the packs folder /nonexistent/packs does not exist"),
        ({"DATABASE_URL": "sqlite:////proc/mof/bot.db"}, "cannot create the data directory /proc/mof"),
    ],
)
def test_bad_settings_exit_2_without_traceback(tmp_path: Path, settings, fragment):
    result = run_bot(tmp_path, DISCORD_TOKEN=FAKE_TOKEN, **settings)
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_newer_database_is_refused(tmp_path: Path):
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("PRAGMA user_version = 99")
    result = run_bot(tmp_path, DISCORD_TOKEN=FAKE_TOKEN)
    assert result.returncode == 2
    assert "schema version 99" in result.stderr
    assert "Traceback" not in result.stderr


# -- packs check ---------------------------------------------------------------------------------


def test_packs_check_passes_on_the_shipped_packs(tmp_path: Path):
    result = run_bot(tmp_path, "packs", "check", str(PROJECT / "data" / "packs"))
    assert result.returncode == 0, result.stderr
    assert "0 problems" in result.stdout


def test_packs_check_names_file_item_and_field(tmp_path: Path):
    packs = tmp_path / "packs"
    packs.mkdir()
    text = (SAMPLE_PACKS / "sample.toml").read_text().replace("difficulty = 2", "difficulty = 5", 1)
    (packs / "broken.toml").write_text(text)
    result = run_bot(tmp_path, "packs", "check", str(packs))
    assert result.returncode == 1
    assert "broken.toml, item #3 (octopus-hearts), field 'difficulty': 5 must be 1, 2 or 3" in result.stderr


# -- against a fake Discord ----------------------------------------------------------------------


async def start_bot(tmp_path: Path, fake: FakeDiscord, **settings: str) -> asyncio.subprocess.Process:
    env = bot_env(
        tmp_path,
        PYTHONPATH=str(PROJECT),
        DISCORD_TOKEN=FAKE_TOKEN,
        DISCORD_API_BASE_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        **settings,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def read_log_until(process: asyncio.subprocess.Process, marker: str, seconds: float = 30) -> str:
    """Read the process's log lines until one contains ``marker``; return what was read."""
    assert process.stderr is not None
    lines = []
    async with asyncio.timeout(seconds):
        while True:
            line = (await process.stderr.readline()).decode()
            if not line:
                raise AssertionError("the bot exited early:\n" + "".join(lines))
            lines.append(line)
            if marker in line:
                return "".join(lines)


async def test_login_refused_is_a_clear_message(tmp_path: Path):
    fake = FakeDiscord(token=FAKE_TOKEN, reject_login=True)
    await fake.start()
    try:
        process = await start_bot(tmp_path, fake)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await fake.stop()
    assert process.returncode == 2
    assert "error: Discord refused the token" in stderr.decode()
    assert "Traceback" not in stderr.decode()


def test_unreachable_discord_is_a_clear_message(tmp_path: Path):
    result = run_bot(
        tmp_path,
        DISCORD_TOKEN=FAKE_TOKEN,
        DISCORD_API_BASE_URL="http://127.0.0.1:9",  # the discard port: nothing listens there
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9",
    )
    assert result.returncode == 1
    assert "error: cannot reach Discord" in result.stderr
    assert "Traceback" not in result.stderr


async def test_process_answers_fact_and_stops_cleanly_on_sigterm(tmp_path: Path):
    fake = FakeDiscord(token=FAKE_TOKEN)
    await fake.start()
    try:
        process = await start_bot(tmp_path, fake, LOG_LEVEL="DEBUG")
        early_log = await read_log_until(process, "Ready as")
        await fake.send_message("!fact space")
        posts = await fake.wait_for_post(1)
        reply = posts[0].body
        assert reply["embeds"][0]["footer"]["text"].endswith("id sample/venus-hottest")
        assert reply["allowed_mentions"] == {"parse": []}
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
    finally:
        await fake.stop()
    log = early_log + stderr.decode()
    assert process.returncode == 0, log
    assert "Received SIGTERM" in log
    assert "Ready as MythOrFact" in log
    assert FAKE_TOKEN not in log, "the token must never be logged"
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM served").fetchone()[0] == 1


# -- the offline try-out -------------------------------------------------------------------------


def test_tryout_answers_prefix_slash_and_buttons(tmp_path: Path):
    script = (
        "!fact space\n/myth topic:space\nclick Reveal the truth\n/source id:nothing\n!topics\n"
        "!quiz 1 myth-or-fact\nclick Myth\nwait 40\nwait nonsense\nquit\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "try"],
        cwd=tmp_path,
        env=bot_env(tmp_path, PYTHONPATH=str(PROJECT)),
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== Fact ==" in out and "-- space ·" in out
    assert "== Myth ==" in out and "[Reveal the truth]" in out
    assert "bot (only you can see this):\n  == The truth ==" in out
    assert "bot (only you can see this):\n  No item has the id `nothing`" in out
    assert "== Topics and packs ==" in out and "`mask-1985`" in out
    assert "**Quiz time!** 1 question, started by @you." in out
    assert "Answer locked in: **Myth**" in out
    assert "== Quiz over ==" in out and "@you:" in out
    assert "(wait takes a number of seconds, e.g. wait 20)" in out
    assert "Traceback" not in result.stderr


def test_parse_slash_options():
    from bot.app.tryout import parse_slash

    assert parse_slash("/myth topic:space") == ("myth", {"topic": "space"})
    assert parse_slash("/search words:goldfish memory") == ("search", {"words": "goldfish memory"})
    assert parse_slash('/help command:"fact"') == ("help", {"command": "fact"})
    assert parse_slash("/Topics") == ("topics", {})
