"""Role rewards without Discord: which member should hold which reward role, and keeping Discord in line with it.

Moderators map a threshold to a role: all-time points (``points 500``), the daily-post answer streak kept by
:mod:`bot.core.daily` (``streak 7``), or the top of last week's board in the server's time zone (``weekly``). The
store remembers each reward and every role the bot gave (:class:`RoleGrant`), so the bot only ever removes roles it
gave itself. :class:`RewardKeeper` compares who qualifies with who holds a role and asks a :class:`RoleGranter` (the
cog) for the difference only: after scores change it looks at the members who scored, after a reset, a forgotten
member or a changed reward at the whole server, and once an hour at every server with rewards (a streak that lapsed,
a week that turned, anything a restart missed). A grant Discord refuses pauses its reward and the server is told
why once; nothing is tried again until a moderator sets the reward up again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from bot.core.audit import AuditNote
from bot.core.errors import MythOrFactError
from bot.core.i18n import _
from bot.core.scores import ScoreStore, week_key
from bot.core.settings import SettingsStore

log = logging.getLogger(__name__)

MAX_REWARDS = 25
"""Rewards one server may have (one per role)."""
MAX_POINTS = 10_000_000
MAX_STREAK = 1000
WEEKLY_WINNERS_MAX = 10
"""Members tied at the top of last week's board who share its role, at most."""
RECONCILE_INTERVAL = timedelta(hours=1)
"""How often every server's reward roles are compared with who qualifies (lapsed streaks, a new week)."""
QUIET_INTERVAL = timedelta(hours=6)
"""How long the look waits while no server has rewards (a reward set in this process wakes it at once)."""
SCORES_CHANGED = "scores_changed"
"""The event (server id, member ids) sent after members scored: a quiz round or a daily answer."""
REWARDS_CHANGED = "role_rewards_changed"
"""The event (server id) sent when a server's rewards or boards changed as a whole (a reward set, a reset)."""
MEMBER_FORGOTTEN = "member_rewards_forgotten"
"""The event (the member's former grants) sent after ``forgetme``: the bot takes those roles back."""


class RewardKind(StrEnum):
    """What a reward is for."""

    POINTS = "points"
    """All-time points of at least the threshold."""
    STREAK = "streak"
    """A current daily-post streak of at least the threshold."""
    WEEKLY = "weekly"
    """The top of last week's board (no threshold)."""


@dataclass(frozen=True, slots=True)
class RoleReward:
    """One server's reward: a role for a kind of achievement and its threshold."""

    guild_id: int
    role_id: int
    kind: RewardKind
    threshold: int = 0
    """Points or posts in a row; 0 for a weekly reward."""
    paused_reason: str | None = None
    """Why Discord refused a grant; a paused reward grants and removes nothing until it is set up again."""


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A reward role the bot gave a member."""

    guild_id: int
    role_id: int
    user_id: int


@dataclass(frozen=True, slots=True)
class RoleFacts:
    """What the set-up checks need to know about a role."""

    name: str
    position: int
    managed: bool
    """Managed by an integration: a bot's own role or the server booster role."""
    is_default: bool
    """@everyone."""


@dataclass(frozen=True, slots=True)
class BotFacts:
    """What the set-up checks need to know about the bot in the server."""

    manage_roles: bool
    top_position: int
    top_name: str


@dataclass(slots=True)
class RolePlan:
    """The Discord calls that bring a server's reward roles in line with who qualifies."""

    grants: list[RoleGrant] = field(default_factory=list)
    removals: list[RoleGrant] = field(default_factory=list)


@dataclass(slots=True)
class SettleReport:
    """What one settle did."""

    granted: int = 0
    removed: int = 0
    paused: int = 0
    dropped: int = 0
    """Rewards dropped because their role was deleted."""


class RewardRefused(Exception):
    """Discord will not let the bot give or take this role; ``reason`` is what moderators are told."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RoleGone(Exception):
    """The role was deleted: its reward goes too."""


class MemberGone(Exception):
    """The member left the server: there is nothing to give or take."""


class RoleGranter(Protocol):
    """What the keeper needs from Discord."""

    async def grant(self, grant: RoleGrant) -> None:
        """Give the member the role; raise :class:`RewardRefused`, :class:`RoleGone` or :class:`MemberGone`."""
        ...

    async def remove(self, grant: RoleGrant) -> None:
        """Take the role from the member; raise as :meth:`grant` does."""
        ...

    async def notify_paused(self, guild_id: int, role_id: int, reason: str) -> None:
        """Tell the server once that a reward is paused, and why."""
        ...


class RewardStore(SettingsStore, ScoreStore, Protocol):
    """What the bot stores for role rewards: the rewards, the roles it gave, and who qualifies."""

    async def role_rewards(self, guild_id: int) -> list[RoleReward]:
        """Return a server's rewards, in the order they were set up."""
        ...

    async def set_role_reward(self, reward: RoleReward, audit: AuditNote | None = None) -> None:
        """Create or replace the reward of a role (running again), with ``audit`` in the same transaction."""
        ...

    async def remove_role_reward(self, guild_id: int, role_id: int, audit: AuditNote | None = None) -> bool:
        """Delete a role's reward (its grants stay until the roles are taken back); ``False`` if there was none."""
        ...

    async def pause_role_reward(self, guild_id: int, role_id: int, reason: str) -> bool:
        """Pause a reward with a reason; ``True`` only if it was running (so the server is told once)."""
        ...

    async def drop_role_reward(self, guild_id: int, role_id: int) -> bool:
        """Forget a deleted role: its reward and every grant of it; return whether there was a reward."""
        ...

    async def role_grants(self, guild_id: int, user_ids: Sequence[int] | None = None) -> list[RoleGrant]:
        """Return the reward roles the bot gave in a server (to ``user_ids`` only, if given)."""
        ...

    async def record_role_grant(self, grant: RoleGrant, granted_at: datetime) -> None:
        """Remember that the bot gave a role (again is harmless)."""
        ...

    async def forget_role_grant(self, grant: RoleGrant) -> None:
        """Forget a role the bot took back."""
        ...

    async def members_with_points(self, guild_id: int, at_least: int, among: Sequence[int] | None = None) -> list[int]:
        """Return the members with at least ``at_least`` all-time points (of ``among`` only, if given)."""
        ...

    async def members_with_daily_streak(
        self, guild_id: int, at_least: int, among: Sequence[int] | None = None
    ) -> list[int]:
        """Return the members whose current daily streak is at least ``at_least`` (of ``among`` only, if given)."""
        ...

    async def reward_guilds(self) -> list[int]:
        """Return the servers that have rewards or roles the bot gave."""
        ...


# -- set-up ----------------------------------------------------------------------------------------------------------


def parse_reward(guild_id: int, role_id: int, kind: str, threshold: int | None) -> RoleReward:
    """Return the reward a moderator asked for; refuse an unknown kind or a threshold out of range."""
    word = kind.strip().lower()
    if word not in set(RewardKind):
        raise MythOrFactError(
            _("Choose `points`, `streak` or `weekly`, like `config rewards add points 500 @Role`. Nothing was changed.")
        )
    chosen = RewardKind(word)
    if chosen is RewardKind.WEEKLY:
        return RoleReward(guild_id, role_id, chosen)
    top = MAX_POINTS if chosen is RewardKind.POINTS else MAX_STREAK
    if threshold is None or not 1 <= threshold <= top:
        raise MythOrFactError(
            _(
                "Give a number from 1 to {top} for a {kind} reward, like `config rewards add {kind} {example} @Role`. "
                "Nothing was changed.",
                top=f"{top:,}",
                kind=chosen.value,
                example=500 if chosen is RewardKind.POINTS else 7,
            )
        )
    return RoleReward(guild_id, role_id, chosen, threshold)


def setup_refusal(role: RoleFacts, me: BotFacts) -> str | None:
    """Return why the bot cannot hand out ``role`` (shown by name, never pinged), or ``None`` if it can."""
    if role.is_default:
        return _("@everyone can't be a reward: every member already has it.")
    if role.managed:
        return _(
            "**{role}** is managed by Discord or an integration (a bot's own role or the booster role), so nobody can "
            "give it. Pick another role.",
            role=role.name,
        )
    if not me.manage_roles:
        return _(
            "I need the **Manage Roles** permission to give **{role}**. Grant it to my role in "
            "Server Settings → Roles.",
            role=role.name,
        )
    if role.position >= me.top_position:
        return _(
            "**{role}** is at or above my highest role (**{top}**), so Discord won't let me give it. "
            "Drag my role above it in Server Settings → Roles.",
            role=role.name,
            top=me.top_name,
        )
    return None


def check_setup(reward: RoleReward, role: RoleFacts, me: BotFacts, existing: Sequence[RoleReward]) -> None:
    """Refuse, with the reason, a reward the bot could not hand out or one too many for the server."""
    refusal = setup_refusal(role, me)
    if refusal is not None:
        raise MythOrFactError(_("{reason} Nothing was changed.", reason=refusal))
    if len(existing) >= MAX_REWARDS and all(r.role_id != reward.role_id for r in existing):
        raise MythOrFactError(
            _(
                "This server already has {count} rewards, the most it can have. Remove one first with "
                "`config rewards remove @Role`.",
                count=MAX_REWARDS,
            )
        )


def describe_reward(reward: RoleReward) -> str:
    """Say what a reward is for, e.g. ``500 all-time points``."""
    if reward.kind is RewardKind.POINTS:
        return _("{points} all-time points", points=f"{reward.threshold:,}")
    if reward.kind is RewardKind.STREAK:
        return _("a daily streak of {count}", count=reward.threshold)
    return _("the top of last week's leaderboard")


def reward_audit_detail(reward: RoleReward, role_name: str) -> str:
    """Return the audit line of a reward set up, e.g. ``Scholar (123): points 500``."""
    threshold = f" {reward.threshold}" if reward.kind is not RewardKind.WEEKLY else ""
    return f"{role_name} ({reward.role_id}): {reward.kind.value}{threshold}"


def previous_week(now: datetime, zone: tzinfo) -> str:
    """Return the week key of last week in the server's time zone."""
    return week_key(now - timedelta(weeks=1), zone)


# -- deciding ---------------------------------------------------------------------------------------------------------


def plan_roles(
    rewards: Iterable[RoleReward],
    held: Iterable[RoleGrant],
    qualifying: dict[int, set[int]],
    members: set[int] | None = None,
) -> RolePlan:
    """Return the grants and removals that make the roles the bot gave match ``qualifying`` (role → members).

    Only ``members`` are looked at when given. Paused rewards are left as they are; roles the bot gave for a reward
    that no longer exists are taken back.
    """
    by_role = {reward.role_id: reward for reward in rewards}
    plan = RolePlan()
    holders: dict[int, set[int]] = {}
    for grant in held:
        if members is not None and grant.user_id not in members:
            continue
        reward = by_role.get(grant.role_id)
        if reward is None:
            plan.removals.append(grant)
            continue
        holders.setdefault(grant.role_id, set()).add(grant.user_id)
        if reward.paused_reason is None and grant.user_id not in qualifying.get(grant.role_id, set()):
            plan.removals.append(grant)
    for role_id, reward in by_role.items():
        if reward.paused_reason is not None:
            continue
        wanted = qualifying.get(role_id, set())
        if members is not None:
            wanted = wanted & members
        for user_id in sorted(wanted - holders.get(role_id, set())):
            plan.grants.append(RoleGrant(reward.guild_id, role_id, user_id))
    return plan


async def weekly_winners(store: ScoreStore, guild_id: int, week: str) -> set[int]:
    """Return the members at the top of a week's board with some points (those tied share it, at most ten)."""
    rows = await store.top_scores(guild_id, week, 0, WEEKLY_WINNERS_MAX)
    return {row.user_id for row in rows if row.position == 1 and row.points > 0}


async def qualifying_members(
    store: RewardStore,
    rewards: Sequence[RoleReward],
    winners: set[int],
    among: Sequence[int] | None = None,
) -> dict[int, set[int]]:
    """Return, for each running reward, the members who qualify now (of ``among`` only, if given).

    ``winners`` are the members at the top of last week's board (see :func:`weekly_winners`).
    """
    qualifying: dict[int, set[int]] = {}
    for reward in rewards:
        if reward.paused_reason is not None:
            continue
        if reward.kind is RewardKind.POINTS:
            found = set(await store.members_with_points(reward.guild_id, reward.threshold, among))
        elif reward.kind is RewardKind.STREAK:
            found = set(await store.members_with_daily_streak(reward.guild_id, reward.threshold, among))
        else:
            found = winners if among is None else winners & set(among)
        qualifying[reward.role_id] = found
    return qualifying


# -- keeping Discord in line ------------------------------------------------------------------------------------------


class RewardKeeper:
    """Grants and removes reward roles so that Discord matches who qualifies; one settle per server at a time."""

    def __init__(self, store: RewardStore, granter: RoleGranter, *, now: Callable[[], datetime]) -> None:
        self.store = store
        self.granter = granter
        self.now = now
        self._locks: dict[int, asyncio.Lock] = {}
        self._winners: dict[int, tuple[str, set[int]]] = {}
        """Last week's winners by server, with the week: a round of this week cannot change them, so a settle after
        a round reuses them; a whole-server settle (a reset, the hourly one) reads them again."""

    async def settle(self, guild_id: int, members: Sequence[int] | None = None) -> SettleReport:
        """Bring a server's reward roles in line (for ``members`` only, if given); return what was done."""
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        try:
            async with lock:
                return await self._settle(guild_id, members)
        finally:
            if not lock.locked() and self._locks.get(guild_id) is lock:
                del self._locks[guild_id]

    async def _settle(self, guild_id: int, members: Sequence[int] | None) -> SettleReport:
        rewards = await self.store.role_rewards(guild_id)
        held = await self.store.role_grants(guild_id, members)
        if not rewards and not held:
            return SettleReport()
        among = list(dict.fromkeys(members)) if members is not None else None
        weekly = any(reward.kind is RewardKind.WEEKLY and reward.paused_reason is None for reward in rewards)
        winners = await self._weekly_winners(guild_id, fresh=members is None) if weekly else set()
        qualifying = await qualifying_members(self.store, rewards, winners, among)
        plan = plan_roles(rewards, held, qualifying, set(among) if among is not None else None)
        return await self.apply(plan, {reward.role_id: reward for reward in rewards})

    async def _weekly_winners(self, guild_id: int, *, fresh: bool) -> set[int]:
        """Return the top of last week's board in the server's time zone (read again when ``fresh``)."""
        zone = (await self.store.server_settings(guild_id)).zone()
        week = previous_week(self.now(), zone)
        known = self._winners.get(guild_id)
        if fresh or known is None or known[0] != week:
            known = (week, await weekly_winners(self.store, guild_id, week))
            self._winners[guild_id] = known
        return known[1]

    async def apply(self, plan: RolePlan, rewards: dict[int, RoleReward]) -> SettleReport:
        """Make the plan's Discord calls, recording each; a refused role is paused and skipped from then on."""
        report = SettleReport()
        skipped: set[int] = set()
        for grant, giving in [*((g, False) for g in plan.removals), *((g, True) for g in plan.grants)]:
            if grant.role_id in skipped:
                continue
            try:
                await (self.granter.grant(grant) if giving else self.granter.remove(grant))
            except RoleGone:
                skipped.add(grant.role_id)
                if await self.store.drop_role_reward(grant.guild_id, grant.role_id):
                    report.dropped += 1
                log.info("Reward role %s of guild %s was deleted; its reward is gone", grant.role_id, grant.guild_id)
                continue
            except MemberGone:
                if not giving:
                    await self.store.forget_role_grant(grant)
                continue
            except RewardRefused as exc:
                skipped.add(grant.role_id)
                if grant.role_id in rewards:
                    report.paused += await self._pause(grant, exc.reason)
                else:  # a removed reward's role we may not take back: nothing more we can do
                    log.info("Could not take back role %s in guild %s: %s", grant.role_id, grant.guild_id, exc.reason)
                    await self.store.forget_role_grant(grant)
                continue
            except Exception:
                skipped.add(grant.role_id)  # Discord failing: the hourly settle tries again
                log.warning("Reward role %s of guild %s not settled", grant.role_id, grant.guild_id, exc_info=True)
                continue
            if giving:
                await self.store.record_role_grant(grant, self.now())
                report.granted += 1
            else:
                await self.store.forget_role_grant(grant)
                report.removed += 1
        return report

    async def _pause(self, grant: RoleGrant, reason: str) -> int:
        """Pause a reward and tell the server, only the first time; return 1 if it was paused now."""
        if not await self.store.pause_role_reward(grant.guild_id, grant.role_id, reason):
            return 0
        log.info("Reward role %s of guild %s paused: %s", grant.role_id, grant.guild_id, reason)
        try:
            await self.granter.notify_paused(grant.guild_id, grant.role_id, reason)
        except Exception:
            log.warning("Could not tell guild %s that a reward is paused", grant.guild_id, exc_info=True)
        return 1

    async def take_back(self, grants: Sequence[RoleGrant]) -> int:
        """Take back roles whose records are already gone (a member's data was forgotten); return how many."""
        taken = 0
        for grant in grants:
            try:
                await self.granter.remove(grant)
            except (RoleGone, MemberGone):
                continue
            except Exception as exc:
                log.info("Could not take back role %s in guild %s: %s", grant.role_id, grant.guild_id, exc)
                continue
            taken += 1
        return taken

    async def run(self, serves: Callable[[int], bool], idle: Callable[[float], Awaitable[None]]) -> None:
        """Settle every server with rewards that this process ``serves`` (its shards), then once an hour, forever.

        While no server has rewards it waits :data:`QUIET_INTERVAL` instead; ``idle(seconds)`` may return early.
        """
        while True:
            try:
                guild_ids = [guild_id for guild_id in await self.store.reward_guilds() if serves(guild_id)]
            except Exception:
                log.exception("Could not read the servers with role rewards")
                guild_ids = []
            for guild_id in guild_ids:
                try:
                    await self.settle(guild_id)
                except Exception:
                    log.exception("Role rewards of guild %s not settled", guild_id)
            await idle((RECONCILE_INTERVAL if guild_ids else QUIET_INTERVAL).total_seconds())
