"""Unit tests for role rewards: who qualifies, the plan of grants and removals, and the keeper over a real store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.daily import PostStatus
from bot.core.errors import MythOrFactError
from bot.core.rewards import (
    MAX_REWARDS,
    BotFacts,
    MemberGone,
    RewardKeeper,
    RewardKind,
    RewardRefused,
    RoleFacts,
    RoleGone,
    RoleGrant,
    RoleReward,
    check_setup,
    parse_reward,
    plan_roles,
    previous_week,
    setup_refusal,
)
from bot.core.scores import ALL_TIME, week_key
from bot.core.scores import UTC as UTC_ZONE
from tests.helpers import round_record

GUILD = 1001
SCHOLAR, STREAKER, CHAMPION = 11, 12, 13
ANN, BEN, CAT = 21, 22, 23
MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""A Monday in 2026-W48."""
ME = BotFacts(manage_roles=True, top_position=5, top_name="Myth or Fact")


def role(name: str = "Scholar", position: int = 2, *, managed: bool = False, default: bool = False) -> RoleFacts:
    return RoleFacts(name, position, managed, default)


class FakeGranter:
    """Holds members' roles as Discord would; roles can be deleted or refused, members can leave."""

    def __init__(self) -> None:
        self.roles: dict[int, set[int]] = {}
        self.calls: list[tuple[str, RoleGrant]] = []
        self.refused: dict[int, str] = {}
        self.deleted: set[int] = set()
        self.left: set[int] = set()
        self.notices: list[tuple[int, int, str]] = []

    def _check(self, grant: RoleGrant) -> None:
        if grant.role_id in self.deleted:
            raise RoleGone()
        if grant.user_id in self.left:
            raise MemberGone()
        if grant.role_id in self.refused:
            raise RewardRefused(self.refused[grant.role_id])

    async def grant(self, grant: RoleGrant) -> None:
        self.calls.append(("grant", grant))
        self._check(grant)
        self.roles.setdefault(grant.user_id, set()).add(grant.role_id)

    async def remove(self, grant: RoleGrant) -> None:
        self.calls.append(("remove", grant))
        self._check(grant)
        self.roles.get(grant.user_id, set()).discard(grant.role_id)

    async def notify_paused(self, guild_id: int, role_id: int, reason: str) -> None:
        self.notices.append((guild_id, role_id, reason))

    def holders(self, role_id: int) -> set[int]:
        return {user for user, roles in self.roles.items() if role_id in roles}


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def granter() -> FakeGranter:
    return FakeGranter()


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def keeper(store, granter, clock) -> RewardKeeper:
    return RewardKeeper(store, granter, now=clock)


_rounds = iter(range(1, 1_000_000))


async def score(store, *players: tuple[int, int], at: datetime = MONDAY) -> None:
    """Record a round in which each (member, points) scored, on the all-time board and the week of ``at``."""
    record = round_record(GUILD, f"r{next(_rounds)}", *players, played_at=at)
    assert await store.record_round(record, week_key(at))


# -- deciding ------------------------------------------------------------------------------------------------------


def test_plan_grants_members_who_crossed_a_threshold_and_removes_those_who_fell_below():
    rewards = [RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 500)]
    held = [RoleGrant(GUILD, SCHOLAR, BEN)]
    plan = plan_roles(rewards, held, {SCHOLAR: {ANN}})
    assert plan.grants == [RoleGrant(GUILD, SCHOLAR, ANN)]
    assert plan.removals == [RoleGrant(GUILD, SCHOLAR, BEN)]


def test_plan_leaves_a_paused_reward_alone_and_takes_back_a_removed_rewards_roles():
    rewards = [RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 500, paused_reason="no permission")]
    held = [RoleGrant(GUILD, SCHOLAR, BEN), RoleGrant(GUILD, CHAMPION, ANN)]
    plan = plan_roles(rewards, held, {SCHOLAR: {ANN}})
    assert plan.grants == []
    assert plan.removals == [RoleGrant(GUILD, CHAMPION, ANN)]


def test_plan_for_some_members_touches_no_one_else():
    rewards = [RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 500)]
    plan = plan_roles(rewards, [RoleGrant(GUILD, SCHOLAR, BEN)], {SCHOLAR: {ANN, CAT}}, members={ANN})
    assert plan.grants == [RoleGrant(GUILD, SCHOLAR, ANN)] and plan.removals == []


def test_a_member_who_already_holds_the_role_is_not_granted_it_again():
    rewards = [RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 500)]
    plan = plan_roles(rewards, [RoleGrant(GUILD, SCHOLAR, ANN)], {SCHOLAR: {ANN}})
    assert plan.grants == [] and plan.removals == []


def test_last_week_follows_the_servers_time_zone():
    from zoneinfo import ZoneInfo

    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 2026-W49 already in Berlin
    assert previous_week(sunday_night_utc, UTC_ZONE) == "2026-W47"
    assert previous_week(sunday_night_utc, ZoneInfo("Europe/Berlin")) == "2026-W48"


# -- set-up ------------------------------------------------------------------------------------------------------


def test_rewards_are_parsed_with_their_thresholds_and_bad_ones_refused():
    assert parse_reward(GUILD, SCHOLAR, "Points", 500) == RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 500)
    assert parse_reward(GUILD, CHAMPION, "weekly", None) == RoleReward(GUILD, CHAMPION, RewardKind.WEEKLY, 0)
    with pytest.raises(MythOrFactError, match="Choose `points`, `streak` or `weekly`"):
        parse_reward(GUILD, SCHOLAR, "karma", 5)
    with pytest.raises(MythOrFactError, match="from 1 to 1,000 for a streak reward"):
        parse_reward(GUILD, STREAKER, "streak", None)
    with pytest.raises(MythOrFactError, match="from 1 to 10,000,000 for a points reward"):
        parse_reward(GUILD, SCHOLAR, "points", 0)


def test_set_up_refuses_roles_the_bot_cannot_hand_out_with_the_reason():
    assert setup_refusal(role(), ME) is None
    assert "@everyone can't be a reward" in setup_refusal(role("@everyone", 0, default=True), ME)
    assert "**Booster** is managed" in setup_refusal(role("Booster", 1, managed=True), ME)
    assert "**Manage Roles**" in setup_refusal(role(), BotFacts(False, 5, "Myth or Fact"))
    above = setup_refusal(role("Admins", 5), ME)
    assert "**Admins** is at or above my highest role (**Myth or Fact**)" in above


def test_a_server_has_at_most_25_rewards_but_may_change_one_it_has():
    existing = [RoleReward(GUILD, 100 + n, RewardKind.POINTS, n + 1) for n in range(MAX_REWARDS)]
    with pytest.raises(MythOrFactError, match="already has 25 rewards"):
        check_setup(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 5), role(), ME, existing)
    check_setup(RoleReward(GUILD, 100, RewardKind.POINTS, 9), role(), ME, existing)


# -- the keeper over a real store ------------------------------------------------------------------------------------


async def test_a_member_who_passes_500_points_gets_the_role_once_and_a_reset_takes_it_back(store, keeper, granter):
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 500))
    await score(store, (ANN, 480), (BEN, 30))
    assert (await keeper.settle(GUILD, [ANN, BEN])).granted == 0
    await score(store, (ANN, 30))
    report = await keeper.settle(GUILD, [ANN])
    assert report.granted == 1 and granter.holders(SCHOLAR) == {ANN}
    assert await store.role_grants(GUILD) == [RoleGrant(GUILD, SCHOLAR, ANN)]

    calls = len(granter.calls)
    await keeper.settle(GUILD)
    assert len(granter.calls) == calls, "settling again calls Discord for nothing"

    await store.reset_leaderboard(GUILD, ALL_TIME)
    assert (await keeper.settle(GUILD)).removed == 1
    assert granter.holders(SCHOLAR) == set() and await store.role_grants(GUILD) == []


async def test_the_weekly_role_moves_to_the_new_winner_when_the_week_turns(store, keeper, granter, clock):
    await store.set_role_reward(RoleReward(GUILD, CHAMPION, RewardKind.WEEKLY))
    await score(store, (ANN, 50), (BEN, 20))
    await keeper.settle(GUILD)
    assert granter.holders(CHAMPION) == set(), "nobody wins a week that is not over"

    clock.moment = MONDAY + timedelta(weeks=1)
    await score(store, (BEN, 90), at=clock.moment)
    await keeper.settle(GUILD)
    assert granter.holders(CHAMPION) == {ANN}

    clock.moment = MONDAY + timedelta(weeks=2)
    await keeper.settle(GUILD)
    assert granter.holders(CHAMPION) == {BEN}


async def test_members_tied_at_the_top_share_the_weekly_role(store, keeper, granter, clock):
    await store.set_role_reward(RoleReward(GUILD, CHAMPION, RewardKind.WEEKLY))
    await score(store, (ANN, 40), (BEN, 40), (CAT, 10))
    clock.moment = MONDAY + timedelta(weeks=1)
    await keeper.settle(GUILD)
    assert granter.holders(CHAMPION) == {ANN, BEN}


async def daily_answer(store, day: date, user_id: int, correct: bool) -> None:
    """Post the server's daily item of ``day`` (if not yet) and record a member's answer to it."""
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
    if await store.claim_daily_post(GUILD, day, 5, at):
        await store.finish_daily_post(GUILD, day, PostStatus.SENT, 99)
    assert await store.record_daily_answer(GUILD, day, user_id, correct, 10 if correct else 0, at, week_key(at))


async def test_a_streak_reward_is_granted_at_the_threshold_and_lost_when_the_streak_breaks(store, keeper, granter):
    await store.set_role_reward(RoleReward(GUILD, STREAKER, RewardKind.STREAK, 2))
    first = date(2026, 11, 23)
    await daily_answer(store, first, ANN, True)
    await daily_answer(store, first, BEN, True)
    await keeper.settle(GUILD)
    assert granter.holders(STREAKER) == set()
    await daily_answer(store, first + timedelta(days=1), ANN, True)
    await daily_answer(store, first + timedelta(days=1), BEN, True)
    await keeper.settle(GUILD)
    assert granter.holders(STREAKER) == {ANN, BEN}

    await daily_answer(store, first + timedelta(days=2), ANN, False)  # a wrong answer ends ANN's streak
    await keeper.settle(GUILD, [ANN])
    assert granter.holders(STREAKER) == {BEN}
    await daily_answer(store, first + timedelta(days=3), CAT, True)  # BEN missed day 2: with day 3 up, it lapses
    await keeper.settle(GUILD)
    assert granter.holders(STREAKER) == set()


async def test_a_refused_grant_pauses_the_reward_tells_the_server_once_and_is_not_retried(store, keeper, granter):
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 10))
    granter.refused[SCHOLAR] = "I need the **Manage Roles** permission to give **Scholar**"
    await score(store, (ANN, 20), (BEN, 20))
    report = await keeper.settle(GUILD)
    assert report.paused == 1 and report.granted == 0
    assert granter.notices == [(GUILD, SCHOLAR, "I need the **Manage Roles** permission to give **Scholar**")]
    assert len(granter.calls) == 1, "the second member is not tried once the role was refused"
    (paused,) = await store.role_rewards(GUILD)
    assert paused.paused_reason == "I need the **Manage Roles** permission to give **Scholar**"

    await score(store, (CAT, 20))
    await keeper.settle(GUILD)
    assert len(granter.calls) == 1 and len(granter.notices) == 1

    del granter.refused[SCHOLAR]
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 10))  # set up again: resumed
    assert (await keeper.settle(GUILD)).granted == 3


async def test_a_deleted_role_drops_its_reward_and_a_member_who_left_is_skipped(store, keeper, granter):
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 10))
    await store.set_role_reward(RoleReward(GUILD, CHAMPION, RewardKind.WEEKLY))
    granter.left.add(BEN)
    await score(store, (ANN, 20), (BEN, 20))
    assert (await keeper.settle(GUILD)).granted == 1
    granter.deleted.add(SCHOLAR)
    await score(store, (CAT, 20))
    report = await keeper.settle(GUILD)
    assert report.dropped == 1
    assert [reward.role_id for reward in await store.role_rewards(GUILD)] == [CHAMPION]
    assert await store.role_grants(GUILD) == []


async def test_removing_a_reward_takes_its_role_back_and_forgetting_a_member_too(store, keeper, granter):
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 10))
    await score(store, (ANN, 20), (BEN, 20))
    await keeper.settle(GUILD)
    grants = await store.role_grants(GUILD, [BEN])
    report = await store.forget_member_data(GUILD, BEN)
    assert report.role_grants == 1
    assert await keeper.take_back(grants) == 1
    assert granter.holders(SCHOLAR) == {ANN}

    assert await store.remove_role_reward(GUILD, SCHOLAR)
    assert (await keeper.settle(GUILD)).removed == 1
    assert granter.holders(SCHOLAR) == set() and await store.reward_guilds() == []


async def test_the_hourly_run_settles_only_servers_this_process_serves(store, granter, clock):
    keeper = RewardKeeper(store, granter, now=clock)
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 10))
    await store.set_role_reward(RoleReward(GUILD + 1, SCHOLAR + 1, RewardKind.POINTS, 10))
    await score(store, (ANN, 20))
    await store.record_round(round_record(GUILD + 1, "other", (BEN, 20)), week_key(MONDAY))

    class Stop(Exception):
        pass

    async def idle(seconds: float) -> None:
        assert seconds == 3600, "servers have rewards: the next look is in an hour"
        raise Stop

    with pytest.raises(Stop):
        await keeper.run(lambda guild_id: guild_id == GUILD, idle)
    assert granter.roles == {ANN: {SCHOLAR}}


async def test_the_run_waits_longer_while_no_server_has_rewards(store, granter, clock):
    waits: list[float] = []

    class Stop(Exception):
        pass

    async def idle(seconds: float) -> None:
        waits.append(seconds)
        raise Stop

    with pytest.raises(Stop):
        await RewardKeeper(store, granter, now=clock).run(lambda guild_id: True, idle)
    assert waits == [6 * 3600]
