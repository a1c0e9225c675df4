"""The floor of ``bench.process``: a bare discord.py bot with one hybrid ``fact`` command and nothing else.

It answers ``!fact`` (and ``/fact``) with a fixed embed of a real fact's size and shape, has the real bot's intents
and allowed mentions, and is an ``AutoShardedBot`` like the real one (so it takes Discord's shard advice at 10,000
servers). Like ``python -m bot`` it reads ``DISCORD_TOKEN``, ``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL``
from the environment, logs ``Ready as …`` to stderr, and stops cleanly on SIGTERM.

It imports nothing of the bot, so its memory is discord.py's own.

Run: ``python -m bench.bare_bot`` (``bench.process`` starts it).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import discord
import yarl
from discord.ext import commands

log = logging.getLogger("bench.bare_bot")

FACT_EMBED = discord.Embed(
    title="Fact",
    description="**Honey found in ancient Egyptian tombs was still edible.**",
    colour=discord.Colour.green(),
)
FACT_EMBED.add_field(
    name="Why",
    value=(
        "Honey holds very little water and is acidic, so microbes cannot grow in it; sealed away from moist air it "
        "keeps for thousands of years."
    ),
    inline=False,
)
FACT_EMBED.add_field(
    name="Source",
    value="[Smithsonian Magazine: The Science Behind Honey's Eternal Shelf Life](https://www.smithsonianmag.com/)",
    inline=False,
)
FACT_EMBED.set_footer(text="food · ★☆☆ · id food/edible-ancient-honey")
"""The fixed reply: the shape of the real bot's fact embed (claim, why, source, footer)."""


def intents() -> discord.Intents:
    """The real bot's intents (``bot.app.client.default_intents``; ``bench.process`` checks they agree)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True
    return wanted


def make_bot() -> commands.AutoShardedBot:
    """Return the bare bot: prefix ``!``, one hybrid ``fact`` command sending :data:`FACT_EMBED`."""
    bot = commands.AutoShardedBot(
        command_prefix="!", intents=intents(), help_command=None, allowed_mentions=discord.AllowedMentions.none()
    )

    @bot.hybrid_command()
    async def fact(ctx: commands.Context) -> None:
        """Send a fixed fact."""
        await ctx.send(embed=FACT_EMBED)

    @bot.event
    async def on_ready() -> None:
        assert bot.user is not None
        log.info(
            "Ready as %s (id %s) in %d servers, %s shards", bot.user, bot.user.id, len(bot.guilds), bot.shard_count
        )

    return bot


async def main() -> None:
    """Point discord.py at the configured endpoints and run until SIGTERM."""
    discord.utils.setup_logging(level=logging.INFO)
    discord.http.Route.BASE = f"{os.environ['DISCORD_API_BASE_URL'].rstrip('/')}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    bot = make_bot()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])
    log.info("Stopped")


if __name__ == "__main__":
    asyncio.run(main())
