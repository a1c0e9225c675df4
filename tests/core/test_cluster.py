"""Shards: which servers a process serves, and the SHARD_COUNT / SHARD_IDS settings."""

from __future__ import annotations

import pytest

from bot.app.config import load_config
from bot.core.cluster import ShardSet, format_shard_ids, parse_shard_ids
from bot.core.errors import ConfigError
from tests.helpers import FAKE_TOKEN


def test_a_server_belongs_to_the_shard_discord_computes():
    guild_id = 81384788765712384
    shard = (guild_id >> 22) % 4  # Discord's formula for a server's shard
    assert ShardSet(4, (shard,)).serves(guild_id)
    assert not ShardSet(4, tuple(s for s in range(4) if s != shard)).serves(guild_id)
    assert ShardSet().serves(guild_id), "one shard serves everything"


def test_share_and_description():
    assert ShardSet(4, (0, 1)).share == 0.5 and not ShardSet(4, (0, 1)).everything
    assert ShardSet.all_of(3).everything and ShardSet.all_of(3).ids == (0, 1, 2)
    assert ShardSet(8, (0, 1, 2, 3, 6)).describe() == "shards 0-3,6 of 8"
    assert ShardSet(2, (1,)).describe() == "shard 1 of 2" and ShardSet().describe() == "1 shard"
    assert format_shard_ids((0, 2, 3, 4, 9)) == "0,2-4,9"


@pytest.mark.parametrize(("raw", "ids"), [("0,1", (0, 1)), ("0-3", (0, 1, 2, 3)), ("3, 0-1", (0, 1, 3)), ("2", (2,))])
def test_shard_ids_accept_lists_and_ranges(raw, ids):
    assert parse_shard_ids(raw, 4) == ids


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "outside 0-1"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "backwards"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "a"}, "must list shard numbers"),
        ({"SHARD_COUNT": "0"}, "from 1 to 4096"),
        ({"SHARD_COUNT": "two"}, "from 1 to 4096"),
    ],
)
def test_bad_shard_settings_are_refused_with_one_line(settings, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_config({"DISCORD_TOKEN": FAKE_TOKEN, **settings})


def test_shard_settings_default_to_discords_advice_and_all_shards():
    config = load_config({"DISCORD_TOKEN": FAKE_TOKEN})
    assert (config.shard_count, config.shard_ids) == (None, None)
    sharded = load_config({"DISCORD_TOKEN": FAKE_TOKEN, "SHARD_COUNT": "4", "SHARD_IDS": "2-3"})
    assert (sharded.shard_count, sharded.shard_ids) == (4, (2, 3))
