"""Who may use which command, and where: the moderator check, the channel allow-list, the bot's own permissions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import discord
from discord.ext import commands

from bot.app.client import mark_private_reply
from bot.core.i18n import N_, _
from bot.core.settings import ServerSettings, may_moderate

T = TypeVar("T")

MODERATOR_MARK = "__mof_moderator__"
COOLDOWN_PRUNE_SECONDS = 1.0


class PrunedCooldownMapping(commands.CooldownMapping):
    """discord.py's per-member cooldown buckets, with idle buckets dropped at most once a second.

    discord.py scans every member's bucket on every use of the command, which grows with the members who
    used it; an idle bucket behaves like a fresh one, so dropping it a little later changes nothing.
    """

    _pruned_at = 0.0

    def _verify_cache_integrity(self, current: float | None = None) -> None:
        current = current or time.time()
        if current - self._pruned_at >= COOLDOWN_PRUNE_SECONDS:
            self._pruned_at = current
            super()._verify_cache_integrity(current)


def member_cooldown(rate: int, per: float) -> Callable[[T], T]:
    """Allow each member ``rate`` uses of the command per ``per`` seconds (``commands.cooldown`` per user)."""

    def decorator(func: T) -> T:
        mapping = PrunedCooldownMapping(commands.Cooldown(rate, per), commands.BucketType.user)
        if isinstance(func, commands.Command):
            func._buckets = mapping
        else:
            func.__commands_cooldown__ = mapping  # type: ignore[attr-defined]  # what commands.cooldown sets
        return func

    return decorator


class FriendlyCheckFailure(commands.CheckFailure):
    """A check that failed for a reason the member should read; ``str(error)`` is the message.

    Defined here, not in the ``cogs.errors`` extension: loading an extension makes a new module object,
    and ``isinstance`` against a class from the old one would fail.
    """


class NotModerator(FriendlyCheckFailure):
    """The member has neither Manage Server nor the server's moderator role."""

    def __init__(self, role: discord.Role | None) -> None:
        if role is None:
            message = _("You need the **Manage Server** permission to do that. Nothing was changed.")
        else:
            message = _(
                "You need the **Manage Server** permission or the **{role}** role to do that. Nothing was changed.",
                role=role.name,
            )
        super().__init__(message)


class ChannelNotAllowed(FriendlyCheckFailure):
    """The server limits commands and games to some channels, and this is not one of them."""

    def __init__(self, channels: tuple[int, ...]) -> None:
        listed = ", ".join(f"<#{channel_id}>" for channel_id in channels[:10])
        super().__init__(_("Commands and games are on in {channels} on this server. See you there!", channels=listed))


def is_moderator(member: discord.Member | discord.User, settings: ServerSettings) -> bool:
    """Whether a member may use moderator commands: Manage Server, or the server's moderator role."""
    if not isinstance(member, discord.Member):
        return False
    return may_moderate(member.guild_permissions.manage_guild, [role.id for role in member.roles], settings)


async def require_moderator(
    member: discord.Member | discord.User, guild: discord.Guild, settings: ServerSettings
) -> None:
    """Raise :class:`NotModerator` (naming the permission and role) unless ``member`` is a moderator."""
    if not is_moderator(member, settings):
        role = guild.get_role(settings.mod_role_id) if settings.mod_role_id else None
        raise NotModerator(role)


def moderator_only() -> Callable[[T], T]:
    """Command decorator: server only, and only for moderators (Manage Server or the moderator role).

    Slash commands also need ``@app_commands.default_permissions(manage_guild=True)`` on the top-level command
    or group, so that Discord hides them from other members; the server-side check below is what counts.
    """

    async def predicate(ctx: commands.Context) -> bool:
        if ctx.guild is None:
            raise commands.NoPrivateMessage()
        settings = await ctx.bot.store.server_settings(ctx.guild.id)
        await require_moderator(ctx.author, ctx.guild, settings)
        return True

    def decorator(func: T) -> T:
        callback = func.callback if isinstance(func, commands.Command) else func
        setattr(callback, MODERATOR_MARK, True)
        mark_private_reply(callback)
        return commands.check(predicate)(func)

    return decorator


def is_moderator_command(command: commands.Command | None) -> bool:
    """Whether a command (or the group it belongs to) was marked with :func:`moderator_only`."""
    while command is not None:
        if getattr(command.callback, MODERATOR_MARK, False):
            return True
        command = command.parent  # type: ignore[assignment]
    return False


async def channel_allowed(ctx: commands.Context) -> bool:
    """Global check: outside the server's allowed channels, only moderator commands and ``help`` work.

    It also enforces :func:`moderator_only` for every subcommand of a marked group: discord.py does not run a
    group's own checks for its slash subcommands, nor for prefix subcommands of an ``invoke_without_command`` group.
    """
    if ctx.command is None:
        return True
    if ctx.guild is None:
        if is_moderator_command(ctx.command):
            raise commands.NoPrivateMessage()
        return True
    settings = ctx.bot.store.cached_server_settings(ctx.guild.id) or await ctx.bot.store.server_settings(ctx.guild.id)
    if is_moderator_command(ctx.command):
        await require_moderator(ctx.author, ctx.guild, settings)
        return True
    if not settings.allowed_channels or ctx.command.qualified_name == "help":
        return True
    channel_ids = {ctx.channel.id, getattr(ctx.channel, "parent_id", None)}
    if channel_ids & set(settings.allowed_channels):
        return True
    if is_moderator(ctx.author, settings):
        return True
    raise ChannelNotAllowed(settings.allowed_channels)


_PERMISSION_NAMES = {
    "send_messages": N_("Send Messages"),
    "embed_links": N_("Embed Links"),
    "read_message_history": N_("Read Message History"),
    "manage_guild": N_("Manage Server"),
    "manage_messages": N_("Manage Messages"),
    "send_messages_in_threads": N_("Send Messages in Threads"),
}


def permission_names(missing: list[str]) -> str:
    """Return permission flags as the names Discord's settings show, e.g. ``Embed Links``."""
    return ", ".join(
        _(_PERMISSION_NAMES[p]) if p in _PERMISSION_NAMES else p.replace("_", " ").title() for p in missing
    )


POST_PERMISSIONS = ("send_messages", "embed_links")
POST_PERMISSIONS_IN_THREADS = ("send_messages_in_threads", "embed_links")
"""In a thread Discord asks for Send Messages in Threads instead of Send Messages."""


def require_bot_can_post(ctx: commands.Context) -> None:
    """Raise :class:`commands.BotMissingPermissions` unless the bot can post embeds in this server channel."""
    if ctx.guild is None:
        return
    granted = ctx.bot.own_permissions.in_channel(ctx.channel, ctx.me)  # kept between the changes
    needed = POST_PERMISSIONS_IN_THREADS if isinstance(ctx.channel, discord.Thread) else POST_PERMISSIONS
    missing = [name for name in needed if not getattr(granted, name)]
    if missing:
        raise commands.BotMissingPermissions(missing)
