"""Who may manage which server on the dashboard, checked again on every request.

A member may manage a server when the bot is in it and, as the bot sees the member there, they have Manage Server
(or Administrator, or own the server) or the server's moderator role: :func:`bot.core.settings.may_moderate`, the rule
the commands use.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.settings import ServerSettings, SettingsStore, may_moderate
from bot.web.discord_api import DiscordApi, Guild, Member, NotFound

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5


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
