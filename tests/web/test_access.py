"""Who may manage a server, from the bot's view of the member (pure functions, no Discord), and the charts."""

from __future__ import annotations

import pytest

from bot.core.errors import MythOrFactError
from bot.core.settings import ServerSettings, check_mod_role_change, chosen_names, may_moderate
from bot.web.access import (
    ADMINISTRATOR,
    EMBED_LINKS,
    MANAGE_GUILD,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    channel_permissions,
    manages_server,
    server_permissions,
)
from bot.web.charts import bar_chart
from bot.web.discord_api import Channel, Guild, Member, Overwrite, Role, api_root, site_root

GUILD = 10
OWNER, ADMIN, MANAGER, HELPER, PLAIN = 1, 2, 3, 4, 5
ROLES = (
    Role(GUILD, "@everyone", 1 << 10, 0),  # view channel only
    Role(20, "Admins", ADMINISTRATOR, 3),
    Role(30, "Managers", MANAGE_GUILD, 2),
    Role(40, "Helpers", 1 << 13, 1),  # manage messages
)
SERVER = Guild(GUILD, "Club", OWNER, ROLES)


def member(user_id: int, *roles: int) -> Member:
    return Member(user_id, frozenset(roles))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (member(OWNER), True),
        (member(ADMIN, 20), True),
        (member(MANAGER, 30), True),
        (member(HELPER, 40), False),
        (member(PLAIN), False),
    ],
)
def test_manage_server_comes_from_ownership_administrator_or_a_role(who, expected):
    assert manages_server(SERVER, who) is expected


def test_permissions_add_up_everyones_and_the_members_roles():
    assert server_permissions(SERVER, member(HELPER, 40)) == (1 << 10) | (1 << 13)
    assert server_permissions(SERVER, member(PLAIN, 999)) == 1 << 10  # a role the server no longer has


def test_the_moderator_role_counts_as_the_commands_count_it():
    with_role = ServerSettings(mod_role_id=40)
    helper = member(HELPER, 40)
    assert not may_moderate(manages_server(SERVER, helper), helper.role_ids, ServerSettings())
    assert may_moderate(manages_server(SERVER, helper), helper.role_ids, with_role)
    assert not may_moderate(False, member(PLAIN).role_ids, with_role)


def test_only_manage_server_chooses_the_moderator_role():
    check_mod_role_change(True)
    with pytest.raises(MythOrFactError, match="Manage Server"):
        check_mod_role_change(False)


def test_ticked_packs_become_the_enabled_list():
    available = ["a", "b", "c"]
    assert chosen_names(["a", "b", "c"], available, "pack") == ()
    assert chosen_names(["b", "a", "b"], available, "pack") == ("b", "a")
    with pytest.raises(MythOrFactError, match="Tick at least one pack"):
        chosen_names([], available, "pack")
    with pytest.raises(MythOrFactError, match="I don't know the pack `zzz`"):
        chosen_names(["zzz"], available, "pack")


def test_the_oauth_pages_follow_the_api_base_url():
    assert (api_root(None), site_root(None)) == ("https://discord.com/api/v10", "https://discord.com")
    assert api_root("http://127.0.0.1:9/") == "http://127.0.0.1:9/api/v10"
    assert site_root("http://127.0.0.1:9/api/v10") == "http://127.0.0.1:9"


def test_chart_labels_are_escaped_and_bars_scale_to_the_largest_value():
    svg = str(bar_chart([("<script>x</script>", 50), ("b", 100)], "Points & more"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Points &amp; more" in svg
    assert 'width="160"' in svg and 'width="320"' in svg
    assert bar_chart([], "Nothing") is None


def test_channel_overwrites_apply_everyone_then_roles_then_the_member():
    base = Role(GUILD, "@everyone", VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS, 0)
    guild = Guild(GUILD, "Club", OWNER, (base, *ROLES[1:]))
    locked = Channel(7, "news", 0, (Overwrite(GUILD, 0, 0, SEND_MESSAGES), Overwrite(40, 0, SEND_MESSAGES, 0)))
    assert not channel_permissions(guild, member(PLAIN), locked) & SEND_MESSAGES
    assert channel_permissions(guild, member(HELPER, 40), locked) & SEND_MESSAGES
    mine = Channel(8, "mine", 0, (Overwrite(40, 0, SEND_MESSAGES, 0), Overwrite(HELPER, 1, 0, SEND_MESSAGES)))
    assert not channel_permissions(guild, member(HELPER, 40), mine) & SEND_MESSAGES
    assert channel_permissions(guild, member(ADMIN, 20), mine) == ~0
