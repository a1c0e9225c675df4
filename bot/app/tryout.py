"""``python -m bot try``: chat with the real bot in a terminal, against simcord's simulated Discord.

No token and no network: the real cogs run unchanged; you type ``!fact``, ``/myth topic:space`` or
``click Reveal the truth`` and see the replies as text.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import sys
from collections.abc import Callable
from typing import Any

import discord

from bot.app.config import DEFAULT_PACKS_DIR, Config
from bot.core.catalog import load_pack_dir
from bot.storage import DatabaseTarget, open_store

# A placeholder in the shape of a token; simcord never sends it anywhere.
_OFFLINE_TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.Offline.simulated-discord-no-network-at-all"
_OPTION = re.compile(r"(\w+):")

WELCOME = """\
Myth or Fact, offline try-out. You are 'you' in #trivia on a simulated server; nothing goes to Discord.
Type a prefix command (!fact, !myth space, !topics, !search moon, !source <id>, !quiz 3, !help; you are a
moderator too: !config, !daily set #trivia 09:00 Europe/Paris, !daily now, !fact add),
a slash command (/fact, /myth topic:space, /search words:goldfish memory),
'click <button label>' to press a button on the last reply (e.g. click Reveal the truth),
'wait <seconds>' to move the simulated clock on (quiz questions end when their time is up), or 'quit'.
"""


def parse_slash(line: str) -> tuple[str, dict[str, str]]:
    """Split ``/name opt:value other:two words`` into the command name and its options."""
    name, _, rest = line[1:].strip().partition(" ")
    options: dict[str, str] = {}
    matches = list(_OPTION.finditer(rest))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(rest)
        value = rest[match.end() : end].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = shlex.split(value)[0]
        options[match.group(1)] = value
    return name.lower(), options


def render_message(message: Any, *, private: bool = False, names: dict[int, str] | None = None) -> str:
    """Render a message (content, embeds, buttons) as plain text for the terminal; mentions become @names."""
    lines = ["bot" + (" (only you can see this)" if private else "") + ":"]
    if message.content:
        lines.append(f"  {message.content}")
    for embed in message.embeds:
        if embed.title:
            lines.append(f"  == {embed.title} ==")
        if embed.description:
            lines.extend(f"  {line}" for line in embed.description.splitlines())
        for field in embed.fields:
            lines.append(f"  {field.name}:")
            lines.extend(f"    {line}" for line in str(field.value).splitlines())
        if embed.footer and embed.footer.text:
            lines.append(f"  -- {embed.footer.text}")
    labels = [child.label for row in getattr(message, "components", []) for child in getattr(row, "children", [])]
    if labels:
        lines.append("  " + " ".join(f"[{label}]" for label in labels if label))
    text = "\n".join(lines)
    for user_id, name in (names or {}).items():
        text = text.replace(f"<@{user_id}>", f"@{name}")
    return text


def _private_reply(result: Any) -> list[tuple[Any, bool]]:
    """Return an interaction's ephemeral reply; public replies are read from the channel like any message."""
    if result.response is not None and result.ephemeral:
        return [(result.response, True)]
    return []


async def _session(read_line: Callable[[], str | None], write: Callable[[str], None]) -> None:
    import simcord

    from bot.app.client import MythOrFactBot

    store = await open_store(DatabaseTarget("sqlite", None))
    try:
        _, problems = await load_pack_dir(store, DEFAULT_PACKS_DIR)
        for problem in problems:
            write(f"(pack skipped: {problem})")
        bot = MythOrFactBot(Config(token=_OFFLINE_TOKEN, shard_count=1), store)
        async with simcord.run(bot, check_errors=False) as env:
            guild = env.create_guild(name="Try-out server")
            channel = guild.create_text_channel("trivia")
            moderators = guild.create_role("Moderators", permissions=discord.Permissions(manage_guild=True))
            you = guild.add_member(env.create_user("you"), roles=[moderators])
            bot.owner_ids = {you.id}
            await you.send(channel, "!sync")
            seen = {message.id for message in channel.history()}
            last_with_buttons: Any = None
            write(WELCOME)
            while (line := read_line()) is not None:
                line = line.strip()
                if not line:
                    continue
                if line.lower() in ("quit", "exit", "q"):
                    break
                try:
                    if line.startswith("/"):
                        name, options = parse_slash(line)
                        result = await you.slash(channel, name, **options)
                        replies = _private_reply(result)
                    elif line.lower().startswith("wait"):
                        amount = line[4:].strip() or "10"
                        if not amount.replace(".", "", 1).isdigit():
                            write("(wait takes a number of seconds, e.g. wait 20)")
                            continue
                        await env.advance_time(min(float(amount), 3600.0))
                        replies = []
                    elif line.lower().startswith("click "):
                        if last_with_buttons is None:
                            write("(there is no button to click yet)")
                            continue
                        result = await you.click(last_with_buttons, label=line[6:].strip())
                        replies = _private_reply(result)
                    else:
                        # Like a Discord client, turn "#trivia" into a channel mention.
                        await you.send(channel, line.replace(f"#{channel.name}", f"<#{channel.id}>"))
                        replies = []
                    for message in channel.history():
                        if message.id not in seen and message.author.bot:
                            replies.append((message, False))
                        seen.add(message.id)
                except (
                    simcord.SetupError,
                    simcord.BackendError,
                    discord.DiscordException,
                    KeyError,
                    ValueError,
                ) as exc:
                    write(f"(could not do that: {exc})")
                    continue
                for reply, private in replies:
                    write(render_message(reply, private=private, names={you.id: "you"}))
                    if not private and reply.components:
                        last_with_buttons = reply
    finally:
        await store.close()


def run_tryout() -> int:
    """Run the interactive try-out on stdin/stdout; return the exit status."""
    try:
        import simcord  # noqa: F401
    except ImportError:
        print('error: the try-out needs simcord. Install it with: pip install -e ".[try]"', file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def read_line() -> str | None:
        try:
            return input("> " if sys.stdin.isatty() else "")
        except EOFError:
            return None

    asyncio.run(_session(read_line, lambda text: print(text, flush=True)))
    return 0
