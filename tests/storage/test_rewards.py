"""Role rewards on every backend: rewards, the roles the bot gave, and who qualifies for points and streaks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.audit import AuditNote
from bot.core.daily import PostStatus
from bot.core.rewards import RewardKind, RoleGrant, RoleReward
from bot.core.scores import week_key
from bot.storage.base import FactStore
from tests.helpers import round_record

GUILD, OTHER_GUILD = 1001, 2002
ANN, BEN, CAT = 11, 22, 33
SCHOLAR, STREAKER, CHAMPION = 501, 502, 503
MOD = 9
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_rewards_are_set_replaced_paused_and_removed_with_audit_lines(store: FactStore):
    scholar = RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 500)
    await store.set_role_reward(scholar, AuditNote(MOD, "reward", "set Scholar (501): points 500"))
    await store.set_role_reward(RoleReward(GUILD, CHAMPION, RewardKind.WEEKLY))
    await store.set_role_reward(RoleReward(OTHER_GUILD, SCHOLAR, RewardKind.STREAK, 3))
    assert await store.role_rewards(GUILD) == [scholar, RoleReward(GUILD, CHAMPION, RewardKind.WEEKLY)]

    assert await store.pause_role_reward(GUILD, SCHOLAR, "my role is too low")
    assert not await store.pause_role_reward(GUILD, SCHOLAR, "again"), "a paused reward is told once"
    assert (await store.role_rewards(GUILD))[0].paused_reason == "my role is too low"
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 800))
    assert (await store.role_rewards(GUILD))[0] == RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 800), "resumed"

    assert await store.remove_role_reward(GUILD, CHAMPION, AuditNote(MOD, "reward", "removed Champion (503)"))
    assert not await store.remove_role_reward(GUILD, CHAMPION, AuditNote(MOD, "reward", "never written"))
    assert [r.role_id for r in await store.role_rewards(GUILD)] == [SCHOLAR]
    assert [r.role_id for r in await store.role_rewards(OTHER_GUILD)] == [SCHOLAR]
    history = [entry.detail for entry in await store.audit_history(GUILD)]
    assert history == ["removed Champion (503)", "set Scholar (501): points 500"]


async def test_grants_are_remembered_once_and_forgotten_and_a_deleted_role_drops_everything(store: FactStore):
    await store.set_role_reward(RoleReward(GUILD, SCHOLAR, RewardKind.POINTS, 10))
    for user in (ANN, BEN):
        await store.record_role_grant(RoleGrant(GUILD, SCHOLAR, user), NOW)
    await store.record_role_grant(RoleGrant(GUILD, SCHOLAR, ANN), NOW)  # again: harmless
    await store.record_role_grant(RoleGrant(GUILD, CHAMPION, ANN), NOW)
    await store.record_role_grant(RoleGrant(OTHER_GUILD, SCHOLAR, ANN), NOW)
    assert await store.role_grants(GUILD) == [
        RoleGrant(GUILD, SCHOLAR, ANN),
        RoleGrant(GUILD, SCHOLAR, BEN),
        RoleGrant(GUILD, CHAMPION, ANN),
    ]
    assert await store.role_grants(GUILD, [BEN, CAT]) == [RoleGrant(GUILD, SCHOLAR, BEN)]
    assert await store.role_grants(GUILD, []) == []
    await store.forget_role_grant(RoleGrant(GUILD, CHAMPION, ANN))
    assert await store.reward_guilds() == [GUILD, OTHER_GUILD]

    assert await store.drop_role_reward(GUILD, SCHOLAR)
    assert await store.role_rewards(GUILD) == [] and await store.role_grants(GUILD) == []
    assert not await store.drop_role_reward(GUILD, SCHOLAR)
    assert await store.role_grants(OTHER_GUILD) == [RoleGrant(OTHER_GUILD, SCHOLAR, ANN)]
    assert await store.reward_guilds() == [OTHER_GUILD]


async def test_members_with_points_reads_the_all_time_board_of_one_server(store: FactStore):
    week = week_key(NOW)
    await store.record_round(round_record(GUILD, "r1", (ANN, 30), (BEN, 20), (CAT, 0)), week)
    await store.record_round(round_record(OTHER_GUILD, "r2", (CAT, 90)), week)
    assert sorted(await store.members_with_points(GUILD, 20)) == [ANN, BEN]
    assert await store.members_with_points(GUILD, 25) == [ANN]
    assert await store.members_with_points(GUILD, 20, [BEN, CAT]) == [BEN]
    assert await store.members_with_points(GUILD, 1, []) == []
    await store.reset_leaderboard(GUILD, week)
    assert sorted(await store.members_with_points(GUILD, 20)) == [ANN, BEN], "a weekly reset leaves all time"


async def answer(store: FactStore, day: date, user_id: int, correct: bool) -> None:
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    if await store.claim_daily_post(GUILD, day, 5, at):
        await store.finish_daily_post(GUILD, day, PostStatus.SENT, 77)
    await store.record_daily_answer(GUILD, day, user_id, correct, 10, at, week_key(at))


async def test_members_with_a_daily_streak_count_only_streaks_that_are_still_alive(store: FactStore):
    first = date(2026, 11, 23)
    for offset in range(3):
        await answer(store, first + timedelta(days=offset), ANN, True)
    for offset in range(2):
        await answer(store, first + timedelta(days=offset), BEN, True)
    assert sorted(await store.members_with_daily_streak(GUILD, 2)) == [ANN, BEN], "BEN may still answer day 3"
    assert await store.members_with_daily_streak(GUILD, 3) == [ANN]
    assert await store.members_with_daily_streak(GUILD, 2, [BEN]) == [BEN]
    await answer(store, first + timedelta(days=3), CAT, True)
    assert await store.members_with_daily_streak(GUILD, 2) == [ANN], "BEN missed day 3; ANN may still answer it"
    assert sorted(await store.members_with_daily_streak(GUILD, 1)) == [ANN, CAT]
