"""The discord.py bot class: wires the store into the cogs and keeps Discord-wide settings in one place."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections import OrderedDict
from collections.abc import Callable

import discord
import yarl
from discord.ext import commands

from bot.app.cluster import this_process
from bot.app.config import Config
from bot.app.languages import CatalogueTranslator
from bot.app.permissions import OwnPermissions
from bot.app.ready import end_ready_wait_when_servers_arrived
from bot.core.cluster import ShardSet
from bot.core.errors import StorageUnavailable
from bot.core.i18n import DEFAULT_LOCALE, LOCALE, language_of, using
from bot.core.quiz_runner import QuizRunner
from bot.core.rewards import SCORES_CHANGED
from bot.core.team_runner import TeamQuizzes
from bot.storage.base import FactStore

log = logging.getLogger(__name__)

REPLAY_MEMORY = 5000
"""How many recent message and interaction ids are remembered to recognise a replayed event."""
DEFER_AFTER_SECONDS = 2.0
"""A slash command not answered by then gets a deferred ("thinking…") response; Discord allows 3 s."""

# The bot never joins voice, so discord.py's start-up warnings about voice libraries are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

EXTENSIONS = (
    "cogs.guards",
    "cogs.errors",
    "cogs.facts",
    "cogs.quiz",
    "cogs.leaderboard",
    "cogs.globalboard",
    "cogs.daily",
    "cogs.review",
    "cogs.rewards",
    "cogs.config",
    "cogs.content",
    "cogs.admin",
    "cogs.meta",
    "cogs.owner",
)


def point_at_endpoints(config: Config) -> None:
    """Send REST and gateway traffic to the configured hosts (a proxy or a test server) instead of Discord.

    Must run before login; discord.py reads these class attributes when it opens connections.
    """
    if config.api_base_url:
        base = config.api_base_url
        if not re.search(r"/api/v\d+$", base):
            base = f"{base}/api/v10"
        discord.http.Route.BASE = base
        log.info("REST API base set to %s", base)
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)
        log.info("Gateway set to %s", config.gateway_url)


async def server_prefix(bot: MythOrFactBot, message: discord.Message) -> str | list[str]:
    """Return the prefixes for a message: a mention of the bot, and the server's prefix or the default one.

    Settings are cached by the store, so this costs no database query per message. A message that starts with
    the server's prefix (and is no mention) gets just that prefix, which spares discord.py trying each one.
    """
    guild_id = message.guild.id if message.guild is not None else None
    prefix = await bot.prefix_in(guild_id)
    if message.content.startswith(prefix) and not message.content.startswith("<@"):
        return prefix
    return commands.when_mentioned_or(prefix)(bot, message)


def default_intents() -> discord.Intents:
    """Return the gateway intents the bot needs: guild messages with content (for prefix commands), and DMs."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    return intents


class EventsAlarm:
    """The quiz runner's alarm on discord.py events: naps are ``wait_for`` listeners, rings are dispatches."""

    EVENT = "quiz_wake"

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def nap(self, key: str, seconds: float) -> None:
        """Wait for a ring with ``key``, at most ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await self.bot.wait_for(self.EVENT, check=lambda rung: rung == key, timeout=seconds)

    def ring(self, key: str) -> None:
        """Dispatch a ring for ``key``."""
        self.bot.dispatch(self.EVENT, key)


PRIVATE_REPLY_MARK = "__mof_private_reply__"


def mark_private_reply(callback: Callable[..., object]) -> None:
    """Mark a command callback whose answers are private (moderator commands): a slow reply is deferred privately."""
    setattr(callback, PRIVATE_REPLY_MARK, True)


def replies_privately(command: commands.Command | None) -> bool:
    """Whether a command answers privately: ``extras={"private_reply": True}``, or marked (itself or its group)."""
    if command is not None and command.extras.get("private_reply"):
        return True
    while command is not None:
        if getattr(command.callback, PRIVATE_REPLY_MARK, False):
            return True
        command = command.parent  # type: ignore[assignment]
    return False


class MythOrFactBot(commands.AutoShardedBot):
    """Myth or Fact: hybrid commands over a fact store; never pings anyone."""

    def __init__(self, config: Config, store: FactStore, *, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix=server_prefix,
            intents=intents or default_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            owner_ids=set(config.owner_ids) or None,
            case_insensitive=True,
            strip_after_prefix=True,
            shard_count=config.shard_count,
            shard_ids=list(config.shard_ids) if config.shard_ids is not None else None,
        )
        self.instance_id = this_process()
        """Who this process is in the cluster's leases: host and process id."""
        self.config = config
        self.store = store
        self.quiz_runner = QuizRunner(
            store,
            clock=lambda: asyncio.get_running_loop().time(),
            now=lambda: discord.utils.utcnow(),
            alarm=EventsAlarm(self),
            scored=lambda guild_id, user_ids: self.dispatch(SCORES_CHANGED, guild_id, user_ids),
        )
        self.quizzes = self.quiz_runner.quizzes
        self.team_quizzes = TeamQuizzes(self.quiz_runner)
        """Team quizzes picking their teams (the lobbies); once started they run on the quiz runner."""
        """The running quizzes, one per channel; they live on the bot, so a reloaded cog finds its games."""
        self.message_hooks: list[Callable[[discord.Message], bool]] = []
        """Checks that may take a message before command parsing (a typed quiz guess); True means taken."""
        self.command_hooks: list[Callable[[commands.Context], None]] = []
        """Called before every command runs, prefix or slash, inside its task (cheaper than an event listener)."""
        self._watchdogs: set[asyncio.Task[None]] = set()
        self.shutting_down = False
        """Set when :meth:`close` starts; commands still running then may find the connection gone."""
        self.own_permissions = OwnPermissions()
        """The bot's permissions per channel, kept between the events that change them."""
        self.own_permissions.install(self)
        self._seen_event_ids: OrderedDict[int, None] = OrderedDict()
        self._ignore_replayed_events()
        end_ready_wait_when_servers_arrived(self)

    def _ignore_replayed_events(self) -> None:
        """Drop a message or interaction that arrives a second time (a RESUME can replay events already seen).

        Without this a replayed button press is answered twice (Discord refuses the second answer) and a replayed
        command runs twice. Wraps discord.py's parsers, the one place every gateway event passes through.
        """
        parsers = self._connection.parsers
        for event in ("MESSAGE_CREATE", "INTERACTION_CREATE"):
            parsers[event] = functools.partial(self._parse_once, event, parsers[event])

    def _parse_once(self, event: str, parse: Callable[[dict], None], data: dict) -> None:
        event_id = int(data["id"])
        if event_id in self._seen_event_ids:
            log.info("Ignored a replayed %s (id %s)", event, event_id)
            return
        self._seen_event_ids[event_id] = None
        if len(self._seen_event_ids) > REPLAY_MEMORY:
            self._seen_event_ids.popitem(last=False)
        if event != "INTERACTION_CREATE":
            parse(data)
            return
        # The tasks that run the command or the component's callback copy the language from here.
        language = language_of(data.get("locale"))
        if language is not None:
            with using(language):
                parse(data)
            return
        task = asyncio.create_task(self._parse_in_server_language(parse, data), name=f"interaction-{event_id}")
        self._watchdogs.add(task)
        task.add_done_callback(self._watchdogs.discard)

    async def _parse_in_server_language(self, parse: Callable[[dict], None], data: dict) -> None:
        """Handle an interaction from a member whose Discord language the bot lacks, in the server's language."""
        guild_id = data.get("guild_id")
        with contextlib.suppress(StorageUnavailable):  # then English; the command's storage error is answered
            LOCALE.set(await self.language_in(int(guild_id) if guild_id else None))
        parse(data)

    async def language_in(self, guild_id: int | None) -> str:
        """Return the language of a server (its setting), or English outside servers."""
        if guild_id is None:
            return DEFAULT_LOCALE
        settings = self.store.cached_server_settings(guild_id) or await self.store.server_settings(guild_id)
        return settings.language

    async def prefix_in(self, guild_id: int | None) -> str:
        """Return the command prefix of a server (its own, or the default), or the default outside servers."""
        if guild_id is None:
            return self.config.command_prefix
        settings = self.store.cached_server_settings(guild_id) or await self.store.server_settings(guild_id)
        return settings.prefix or self.config.command_prefix

    async def setup_hook(self) -> None:
        """Load the cogs and the commands' translator; slash commands are synced on demand by ``!sync``, not here."""
        self.before_invoke(self._before_command)
        await self.tree.set_translator(CatalogueTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)

    async def on_message(self, message: discord.Message) -> None:
        """Offer each message to the hooks first (a guess in a typed round goes no further), then to commands.

        Everything is answered in the server's language (a prefix command has no locale of its own).
        """
        if message.author.bot:
            return
        # This task (the message's own) reads and answers the message in the server's language.
        with contextlib.suppress(StorageUnavailable):  # the command's own storage error is answered as usual
            LOCALE.set(await self.language_in(message.guild.id if message.guild is not None else None))
        if any(hook(message) for hook in self.message_hooks):
            return
        await self.process_commands(message)

    async def close(self) -> None:
        """Call off open team lobbies and end running quizzes with a message (scores so far are saved); disconnect."""
        self.shutting_down = True
        await self.team_quizzes.cancel_all()
        await self.quiz_runner.cancel_all()
        await super().close()

    async def on_command_error(self, context: commands.Context, exception: commands.CommandError, /) -> None:
        """Handle command errors as the last resort, once :meth:`close` has unloaded the errors extension.

        A command still running at shutdown fails when the connection closes under it; that is logged in one
        line, not as a traceback. Otherwise discord.py's default applies.
        """
        if self.extra_events.get("on_command_error"):
            return  # the errors extension handles it
        if self.shutting_down:
            name = context.command.qualified_name if context.command else "?"
            log.info("The %s command was cut short by the shutdown (%s)", name, exception)
            return
        await super().on_command_error(context, exception)

    @property
    def shard_set(self) -> ShardSet:
        """The shards this process serves (known once the bot has logged in)."""
        count = self.shard_count or 1
        return ShardSet(count, tuple(self.shard_ids) if self.shard_ids else tuple(range(count)))

    async def on_ready(self) -> None:
        """Log once every shard's gateway session is ready."""
        assert self.user is not None
        log.info(
            "Ready as %s (id %s) in %d servers, %s",
            self.user,
            self.user.id,
            len(self.guilds),
            self.shard_set.describe(),
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        """Log a shard whose session is ready."""
        log.info("Shard %d ready", shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        """Log a resumed gateway session (events missed while away are replayed by Discord)."""
        log.info("Gateway session resumed (shard %d)", shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """Log a lost gateway connection; discord.py reconnects by itself."""
        log.info("Disconnected from the gateway (shard %d); reconnecting", shard_id)

    # -- before each command, and slow slash commands -------------------------------------------

    async def _before_command(self, ctx: commands.Context) -> None:
        """Run the command hooks; for a slash command, arrange for its answer to be deferred if it is slow.

        Commands that answer with a form are left alone (a form cannot follow a deferral). Commands that answer
        privately (see :func:`replies_privately`) defer privately, so their answer stays private.
        """
        for hook in self.command_hooks:
            hook(ctx)
        if ctx.interaction is not None and ctx.command is not None and not ctx.command.extras.get("opens_form"):
            private = replies_privately(ctx.command)
            task = asyncio.create_task(
                self._defer_when_slow(ctx.interaction, private=private), name=f"defer-{ctx.interaction.id}"
            )
            self._watchdogs.add(task)
            task.add_done_callback(self._watchdogs.discard)

    async def _defer_when_slow(self, interaction: discord.Interaction, *, private: bool) -> None:
        """Defer an interaction still unanswered after a while, so Discord's 3 s limit does not lose the reply.

        A database waiting on a lock, or Discord rate-limiting the bot, can hold a command up; the reply then
        arrives as a followup to the deferred response.
        """
        try:
            await self.wait_for(
                "command_completion", check=lambda ctx: ctx.interaction is interaction, timeout=DEFER_AFTER_SECONDS
            )
            return
        except TimeoutError:
            pass
        if interaction.response.is_done() or interaction.is_expired():
            return
        try:
            await interaction.response.defer(thinking=True, ephemeral=private)
        except discord.HTTPException as exc:
            log.warning("Could not defer a slow interaction: %s", exc)
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.info("Deferred the answer to a slow /%s", command)
