"""Role rewards: the bot gives and takes reward roles as members' scores and streaks change.

Who should hold which role is decided in :mod:`bot.core.rewards`; this cog listens for scores that changed, runs the
hourly settle, and makes the role calls through discord.py (which waits out Discord's rate limits). Moderators set
rewards up with `config rewards` (in the config cog).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence

import discord
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.i18n import _, using
from bot.core.rewards import (
    MEMBER_FORGOTTEN,
    RECONCILE_INTERVAL,
    REWARDS_CHANGED,
    SCORES_CHANGED,
    MemberGone,
    RewardKeeper,
    RewardRefused,
    RoleGone,
    RoleGrant,
    setup_refusal,
)
from cogs.utils.report import tell_moderators
from cogs.utils.rewards import bot_facts, role_facts

log = logging.getLogger(__name__)

WAKE_EVENT = "role_rewards_wake"
"""Wakes the hourly settle early (when the first reward is set); it waits on it with a timeout otherwise."""
UNKNOWN_ROLE = 10011
UNKNOWN_MEMBER = 10007
GRANT_REASON = "Myth or Fact role reward"


class ServerUnavailable(Exception):
    """Discord has not sent the server's roles yet (it arrives late at start-up, or is in an outage): try later."""


class DiscordGranter:
    """Gives and takes roles through discord.py, checking first what Discord would refuse."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    def _role(self, grant: RoleGrant) -> discord.Role:
        guild = self.bot.get_guild(grant.guild_id)
        if guild is None:
            raise RewardRefused(_("I am no longer in this server"))
        if guild.unavailable:  # its roles are unknown, not deleted
            raise ServerUnavailable(f"server {guild.id} is unavailable")
        role = guild.get_role(grant.role_id)
        if role is None:
            raise RoleGone()
        refusal = setup_refusal(role_facts(role), bot_facts(guild.me))
        if refusal is not None:
            raise RewardRefused(refusal)
        return role

    async def grant(self, grant: RoleGrant) -> None:
        """Give the member the role (Discord's call is idempotent)."""
        role = self._role(grant)
        await self._call(role, self.bot.http.add_role(grant.guild_id, grant.user_id, role.id, reason=GRANT_REASON))

    async def remove(self, grant: RoleGrant) -> None:
        """Take the role from the member."""
        role = self._role(grant)
        await self._call(role, self.bot.http.remove_role(grant.guild_id, grant.user_id, role.id, reason=GRANT_REASON))

    @staticmethod
    async def _call(role: discord.Role, call: Awaitable[object]) -> None:
        """Make a role call; turn Discord's refusals into the keeper's terms."""
        try:
            await call
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_ROLE:
                raise RoleGone() from exc
            raise MemberGone() from exc
        except discord.Forbidden as exc:
            raise RewardRefused(
                _(
                    "Discord refused to let me give **{role}**: a permission is missing or my role is too low",
                    role=role.name,
                )
            ) from exc

    async def notify_paused(self, guild_id: int, role_id: int, reason: str) -> None:
        """Tell the server in its log channel (or system channel), in its language, why a reward is paused."""
        with using((await self.bot.store.server_settings(guild_id)).language):
            text = _(
                "**A role reward is paused:** {reason}. Once that is fixed, set the reward up again with "
                "`config rewards add` to resume it; `config rewards list` shows the rewards.",
                reason=reason.rstrip("."),
            )
        await tell_moderators(self.bot, guild_id, text)


class Rewards(commands.Cog):
    """Grants and removes reward roles."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot
        self.keeper = RewardKeeper(bot.store, DiscordGranter(bot), now=discord.utils.utcnow)
        self._task: asyncio.Task[None] | None = None
        self._quiet = False
        """Whether the hourly look is waiting the long while of a bot without rewards."""

    async def cog_load(self) -> None:
        """Start the hourly settle (its first pass, once ready, catches up on anything a restart missed)."""
        self._task = asyncio.create_task(self._run(), name="role-rewards")
        self._task.add_done_callback(_settle_stopped)

    async def cog_unload(self) -> None:
        """Stop the hourly settle."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        await self.keeper.run(self._can_settle, self._idle)

    def _can_settle(self, guild_id: int) -> bool:
        """Whether a server's roles can be settled now: it is on this process's shards and Discord has sent it.

        A server still unavailable at ready (late, or in an outage) is settled once it is available.
        """
        guild = self.bot.get_guild(guild_id)
        return guild is not None and not guild.unavailable

    async def _idle(self, seconds: float) -> None:
        self._quiet = seconds > RECONCILE_INTERVAL.total_seconds()
        with contextlib.suppress(TimeoutError):
            await self.bot.wait_for(WAKE_EVENT, timeout=seconds)
        self._quiet = False

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Settle a server that became available after ready: the settle at ready had to leave it out."""
        if self.bot.is_ready():
            await self._settle(guild.id, None)

    @commands.Cog.listener(f"on_{SCORES_CHANGED}")
    async def on_scores_changed(self, guild_id: int, user_ids: Sequence[int]) -> None:
        """Give or take reward roles of members who just scored."""
        await self._settle(guild_id, user_ids)

    @commands.Cog.listener(f"on_{REWARDS_CHANGED}")
    async def on_rewards_changed(self, guild_id: int) -> None:
        """Bring a whole server in line after a reward changed or a leaderboard was reset."""
        if self._quiet:  # the first reward anywhere: start the hourly look now
            self.bot.dispatch(WAKE_EVENT)
        await self._settle(guild_id, None)

    @commands.Cog.listener(f"on_{MEMBER_FORGOTTEN}")
    async def on_member_forgotten(self, grants: Sequence[RoleGrant]) -> None:
        """Take back the reward roles of a member whose data was deleted."""
        await self.keeper.take_back(grants)

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        """Drop the reward of a deleted role, and the record of who had it."""
        if await self.bot.store.drop_role_reward(role.guild.id, role.id):
            log.info("Reward role %s of guild %s was deleted; its reward is gone", role.id, role.guild.id)

    async def _settle(self, guild_id: int, user_ids: Sequence[int] | None) -> None:
        if not self._can_settle(guild_id):
            return
        try:
            report = await self.keeper.settle(guild_id, user_ids)
        except Exception:
            log.exception("Role rewards of guild %s not settled", guild_id)
            return
        if report.granted or report.removed:
            log.info("Role rewards of guild %s: %d given, %d taken back", guild_id, report.granted, report.removed)


def _settle_stopped(task: asyncio.Task[None]) -> None:
    """Log an hourly settle that stopped for any reason other than the cog unloading."""
    if not task.cancelled() and task.exception() is not None:
        log.error("The role reward settle stopped", exc_info=task.exception())


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Rewards(bot))
