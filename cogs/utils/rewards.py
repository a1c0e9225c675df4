"""What the role reward checks need to know about a Discord role and about the bot, for the config and rewards cogs."""

from __future__ import annotations

import discord

from bot.core.rewards import BotFacts, RoleFacts


def role_facts(role: discord.Role) -> RoleFacts:
    """Describe a role for the set-up checks (the booster role and bots' own roles count as managed)."""
    return RoleFacts(role.name, role.position, role.managed or role.is_premium_subscriber(), role.is_default())


def bot_facts(me: discord.Member) -> BotFacts:
    """Describe the bot in a server for the set-up checks."""
    return BotFacts(me.guild_permissions.manage_roles, me.top_role.position, me.top_role.name)
