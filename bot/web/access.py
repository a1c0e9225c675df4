"""Who may manage which server on the dashboard, checked again on every request.

A member may manage a server when the bot is in it and, as the bot sees the member there, they have Manage Server
(or Administrator, or own the server) or the server's moderator role: :func:`bot.core.settings.may_moderate`, the rule
the commands use.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.rewards import BotFacts, RoleFacts
from bot.core.settings import ServerSettings, SettingsStore, may_moderate
from bot.web.discord_api import Channel, DiscordApi, Guild, Member, NotFound, Role

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MANAGE_ROLES = 1 << 28
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
DAILY_POST_NEEDS = {VIEW_CHANNEL: "View Channel", SEND_MESSAGES: "Send Messages", EMBED_LINKS: "Embed Links"}
"""What the bot needs in a channel for the daily post (as `daily set` checks), with the names Discord shows."""


class NoAccess(Exception):
    """The member may not manage this server (or the bot is not in it): the page answers 403."""


@dataclass(frozen=True, slots=True)
class ServerAccess:
    """A server the logged-in member may manage, with what the pages need to know about them there."""

    guild: Guild
    member: Member
    settings: ServerSettings
    manages_server: bool
    """Manage Server (not only the moderator role): needed to choose the moderator role."""

    @property
    def guild_id(self) -> int:
        """The server's id."""
        return self.guild.id


def server_permissions(guild: Guild, member: Member) -> int:
    """Return a member's server-wide permission bits: @everyone's and their roles' together (all for the owner)."""
    if member.user_id == guild.owner_id:
        return ~0
    bits = 0
    for role in guild.roles:
        if role.id == guild.id or role.id in member.role_ids:
            bits |= role.permissions
    return ~0 if bits & ADMINISTRATOR else bits


def manages_server(guild: Guild, member: Member) -> bool:
    """Return whether the member has Manage Server there (Administrator and ownership include it)."""
    return bool(server_permissions(guild, member) & MANAGE_GUILD)


async def server_access(api: DiscordApi, store: SettingsStore, guild_id: int, user_id: int) -> ServerAccess:
    """Return the member's access to a server, or raise :class:`NoAccess`."""
    try:
        guild = await api.guild(guild_id)
        member = await api.member(guild_id, user_id)
    except NotFound:
        raise NoAccess(guild_id) from None
    settings = await store.server_settings(guild_id)
    manager = manages_server(guild, member)
    if not may_moderate(manager, member.role_ids, settings):
        raise NoAccess(guild_id)
    return ServerAccess(guild, member, settings, manager)


def channel_permissions(guild: Guild, member: Member, channel: Channel) -> int:
    """Return a member's permission bits in a channel: the server's, then the overwrites (@everyone, roles, own)."""
    bits = server_permissions(guild, member)
    if bits == ~0:
        return bits
    by_target = {(overwrite.kind, overwrite.id): overwrite for overwrite in channel.overwrites}
    everyone = by_target.get((0, guild.id))
    if everyone:
        bits = (bits & ~everyone.deny) | everyone.allow
    roles = [o for (kind, target), o in by_target.items() if kind == 0 and target in member.role_ids]
    denied = allowed = 0
    for overwrite in roles:
        denied |= overwrite.deny
        allowed |= overwrite.allow
    bits = (bits & ~denied) | allowed
    own = by_target.get((1, member.user_id))
    if own:
        bits = (bits & ~own.deny) | own.allow
    return bits


async def daily_post_refusal(api: DiscordApi, guild: Guild, channel: Channel) -> str | None:
    """Say which permissions the bot lacks to post the daily post in ``channel``, or ``None`` if it has them all."""
    bot = await api.member(guild.id, await api.bot_user_id())
    granted = channel_permissions(guild, bot, channel)
    missing = [name for bit, name in DAILY_POST_NEEDS.items() if not granted & bit]
    return f"I am missing the {', '.join(missing)} permission in #{channel.name}" if missing else None


async def reward_bot_facts(api: DiscordApi, guild: Guild) -> BotFacts:
    """Return what the role reward checks need about the bot in ``guild``: Manage Roles and its highest role."""
    bot = await api.member(guild.id, await api.bot_user_id())
    held = [role for role in guild.roles if role.id in bot.role_ids]
    top = max(held, key=lambda role: role.position, default=None)
    manage_roles = bool(server_permissions(guild, bot) & MANAGE_ROLES)
    return BotFacts(manage_roles, top.position if top else 0, top.name if top else "@everyone")


def reward_role_facts(guild: Guild, role: Role) -> RoleFacts:
    """Return what the role reward checks need about one of the server's roles."""
    return RoleFacts(role.name, role.position, role.managed, role.id == guild.id)
