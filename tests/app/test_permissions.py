"""The bot's own permissions kept per channel: worked out once, dropped on the events that change them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import discord

from bot.app import permissions
from bot.app.permissions import OwnPermissions


@dataclass
class Me:
    timed_out_until: datetime | None = None


@dataclass
class Channel:
    id: int
    granted: discord.Permissions = field(default_factory=lambda: discord.Permissions(send_messages=True))
    worked_out: int = 0

    def permissions_for(self, member: Me) -> discord.Permissions:
        self.worked_out += 1
        return self.granted


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_permissions_are_worked_out_once_per_channel():
    kept, me = OwnPermissions(), Me()
    general, quiz = Channel(1), Channel(2)
    assert [kept.in_channel(general, me).send_messages for _ in range(3)] == [True, True, True]
    kept.in_channel(quiz, me)
    assert (general.worked_out, quiz.worked_out) == (1, 1)


def test_a_change_is_seen_after_forget():
    kept, me, channel = OwnPermissions(), Me(), Channel(1)
    assert kept.in_channel(channel, me).embed_links is False
    channel.granted = discord.Permissions(send_messages=True, embed_links=True)
    kept.forget()
    assert kept.in_channel(channel, me).embed_links is True


def test_kept_permissions_expire():
    clock = Clock()
    kept, me, channel = OwnPermissions(clock), Me(), Channel(1)
    kept.in_channel(channel, me)
    clock.now += permissions.KEEP_SECONDS + 1
    kept.in_channel(channel, me)
    assert channel.worked_out == 2


def test_another_member_object_is_not_given_what_was_kept_for_the_first():
    kept, channel = OwnPermissions(), Channel(1)
    kept.in_channel(channel, Me())
    kept.in_channel(channel, Me())  # the server was rebuilt after an outage: a new object for the bot
    assert channel.worked_out == 2


def test_nothing_is_kept_while_the_bot_is_timed_out():
    kept, channel = OwnPermissions(), Channel(1)
    me = Me(timed_out_until=datetime.now(UTC) + timedelta(minutes=5))
    kept.in_channel(channel, me)
    kept.in_channel(channel, me)
    assert channel.worked_out == 2
