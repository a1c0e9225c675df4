"""Unit tests for reading settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import DEFAULT_DATABASE_PATH, ConfigError, load_config, parse_database_url
from tests.helpers import FAKE_TOKEN


def test_defaults_with_only_a_token():
    config = load_config({"DISCORD_TOKEN": FAKE_TOKEN})
    assert config.token == FAKE_TOKEN
    assert config.command_prefix == "!"
    assert config.database.path == DEFAULT_DATABASE_PATH
    assert config.log_level == "INFO"
    assert config.owner_ids == frozenset()
    assert config.api_base_url is None
    assert config.gateway_url is None
    assert config.data_retention_days == 30


def test_every_setting_is_read():
    config = load_config(
        {
            "DISCORD_TOKEN": f"Bot {FAKE_TOKEN}",
            "COMMAND_PREFIX": "?",
            "DATABASE_URL": "sqlite:////var/lib/mof/bot.db",
            "LOG_LEVEL": "debug",
            "OWNER_IDS": "123, 456,",
            "PACKS_DIR": "/srv/packs",
            "DISCORD_API_BASE_URL": "http://127.0.0.1:8080/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8081",
            "DATA_RETENTION_DAYS": " 7 ",
        }
    )
    assert config.token == FAKE_TOKEN
    assert config.command_prefix == "?"
    assert config.database.path == Path("/var/lib/mof/bot.db")
    assert config.log_level == "DEBUG"
    assert config.owner_ids == {123, 456}
    assert config.packs_dir == Path("/srv/packs")
    assert config.api_base_url == "http://127.0.0.1:8080"
    assert config.gateway_url == "ws://127.0.0.1:8081"
    assert config.data_retention_days == 7


def test_token_is_never_in_repr():
    config = load_config({"DISCORD_TOKEN": FAKE_TOKEN})
    assert FAKE_TOKEN not in repr(config)
    assert FAKE_TOKEN not in str(config)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///bot.db", Path("bot.db")),
        ("sqlite:///data/sub/bot.db", Path("data/sub/bot.db")),
        ("sqlite:////abs/bot.db", Path("/abs/bot.db")),
        ("SQLITE:///x.db", Path("x.db")),
        ("sqlite:///:memory:", None),
    ],
)
def test_database_urls(url, expected):
    target = parse_database_url(url)
    assert target.scheme == "sqlite"
    assert target.path == expected


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://mof:s3cret@db.example:5432/mythorfact",
        "postgres://mof:s3cret@db.example/mythorfact?sslmode=require",
    ],
)
def test_postgresql_urls_are_accepted_and_never_show_the_password(url):
    target = parse_database_url(url)
    assert (target.scheme, target.path, target.url) == ("postgresql", None, url)
    assert "s3cret" not in target.display and "mof:***@db.example" in target.display
    config = load_config({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": url})
    assert config.database == target
    assert "s3cret" not in repr(config) and "s3cret" not in str(config)


def test_a_bad_postgresql_url_is_refused_without_showing_the_password():
    with pytest.raises(ConfigError) as info:
        load_config({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "postgresql://mof:s3cret@db:notaport/x"})
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "  "}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "not-a-token"}, "does not look like a bot token"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "COMMAND_PREFIX": "go go"}, "COMMAND_PREFIX"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "COMMAND_PREFIX": "toolong"}, "COMMAND_PREFIX"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD'"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "OWNER_IDS": "12,abc"}, "OWNER_IDS contains 'abc'"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "bot.db"}, "is not a URL"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "mysql://h/db"}, "unknown scheme 'mysql'"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "postgresql://h/"}, "names no database"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "postgresql://u:pw@h:port/db"}, "not a valid PostgreSQL URL"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "sqlite://host/x.db"}, "names a host"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "sqlite://"}, "names a host"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATABASE_URL": "sqlite:///"}, "no file path"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DISCORD_API_BASE_URL": "ftp://x"}, "DISCORD_API_BASE_URL"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DISCORD_GATEWAY_URL": "http://x"}, "must start with ws:// or wss://"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATA_RETENTION_DAYS": "a month"}, "DATA_RETENTION_DAYS='a month'"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATA_RETENTION_DAYS": "-1"}, "from 0 to 3650"),
        ({"DISCORD_TOKEN": FAKE_TOKEN, "DATA_RETENTION_DAYS": "3651"}, "from 0 to 3650"),
    ],
)
def test_bad_settings_say_what_is_wrong(env, fragment):
    with pytest.raises(ConfigError) as info:
        load_config(env)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value), "one clear line"


def test_env_example_documents_every_setting():
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    for name in (
        "DISCORD_TOKEN",
        "COMMAND_PREFIX",
        "DATABASE_URL",
        "LOG_LEVEL",
        "OWNER_IDS",
        "PACKS_DIR",
        "DISCORD_API_BASE_URL",
        "DISCORD_GATEWAY_URL",
        "DATA_RETENTION_DAYS",
        "DASHBOARD_URL",
        "DASHBOARD_SECRET",
        "DISCORD_CLIENT_ID",
        "DISCORD_CLIENT_SECRET",
        "DASHBOARD_LISTEN",
    ):
        assert f"\n{name}=" in example or f"\n# {name}=" in example, name


DASHBOARD_ENV = {
    "DISCORD_TOKEN": FAKE_TOKEN,
    "DASHBOARD_URL": "https://mof.example.org/",
    "DASHBOARD_SECRET": "s" * 32,
    "DISCORD_CLIENT_ID": "1234567890",
    "DISCORD_CLIENT_SECRET": "client-secret-value",
}


def test_the_dashboard_is_off_without_its_settings_and_on_with_all_of_them():
    assert load_config({"DISCORD_TOKEN": FAKE_TOKEN}).dashboard is None
    dashboard = load_config(DASHBOARD_ENV).dashboard
    assert dashboard is not None
    assert dashboard.redirect_uri == "https://mof.example.org/login/callback"
    assert (dashboard.host, dashboard.port, dashboard.secure_cookies) == ("127.0.0.1", 8080, True)
    listening = load_config({**DASHBOARD_ENV, "DASHBOARD_LISTEN": "0.0.0.0:9000"}).dashboard
    assert listening is not None and (listening.host, listening.port) == ("0.0.0.0", 9000)
    assert "s" * 32 not in repr(load_config(DASHBOARD_ENV)) and "client-secret-value" not in repr(dashboard)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"DASHBOARD_SECRET": ""}, "The dashboard needs DASHBOARD_SECRET"),
        ({"DASHBOARD_SECRET": "short"}, "DASHBOARD_SECRET is too short: use at least 32"),
        ({"DISCORD_CLIENT_SECRET": "", "DISCORD_CLIENT_ID": ""}, "DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET"),
        ({"DASHBOARD_URL": "mof.example.org"}, "DASHBOARD_URL='mof.example.org' is not a valid URL"),
        ({"DISCORD_CLIENT_ID": "my-app"}, "DISCORD_CLIENT_ID must be your application's id"),
        ({"DASHBOARD_LISTEN": "everywhere"}, "DASHBOARD_LISTEN='everywhere' must be host:port"),
    ],
)
def test_bad_dashboard_settings_are_refused_with_a_clear_line(changes, fragment):
    with pytest.raises(ConfigError) as info:
        load_config({**DASHBOARD_ENV, **changes})
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)
