"""End-to-end: the bot as an AutoShardedBot against a fake Discord that shards like Discord.

A bot in 3,000 servers started without SHARD_COUNT asks Discord for its advice and serves every shard (where one
shard would be closed with 4011); commands in servers of different shards are answered; and a second process on
the same SQLite database is refused with one line.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.helpers import BotProcess, eventually, fake_discord, has_text, running_bot
from tests.fakediscord import SHARDING_REQUIRED


async def test_a_big_bot_without_shard_count_takes_discords_advice_and_answers_on_every_shard(tmp_path: Path):
    async with fake_discord(extra_guilds=3000) as fake:
        shards = fake.recommended_shards
        assert shards == 4, "3,001 servers: one shard per 1,000"
        bot = await BotProcess.start(fake, tmp_path / "bot.db", tmp_path)
        try:
            await bot.wait_for_log("Ready as", seconds=60)
            assert f"Serving shards 0-{shards - 1} of {shards}" in bot.log
            assert "in 3001 servers" in bot.log
            assert sorted(fake.identifies_by_shard) == list(range(shards))
            assert all(c.close_code != SHARDING_REQUIRED for c in fake.connections)
            for shard_id in range(shards):
                guild_id = fake.guild_ids(shard_id, shards)[-1]
                channel_id = fake.channel_in(guild_id)
                mark = len(fake.requests)
                await fake.send_message_in(guild_id, "!topics")
                await fake.wait_for_post_in(channel_id, has_text("Topics"), after=mark, seconds=15)
            assert "Traceback" not in bot.log
            assert await bot.stop() == 0
        finally:
            bot.kill()


async def test_a_second_process_on_one_sqlite_database_is_refused_with_one_line(tmp_path: Path):
    database = tmp_path / "bot.db"
    async with fake_discord() as fake, running_bot(fake, database, tmp_path):
        second = await BotProcess.start(fake, database, tmp_path)
        code = await asyncio.wait_for(second.process.wait(), 30)
        await eventually(lambda: any("in use by another bot process" in line for line in second.lines), 5)
        errors = [line for line in second.lines if line.startswith("error:")]
        assert code == 2 and len(errors) == 1, second.log
        assert "one SQLite database serves one process" in errors[0] and "Traceback" not in second.log
