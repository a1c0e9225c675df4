"""Process settings, read once from the environment (and a ``.env`` file) into a typed object."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot import PROJECT_ROOT
from bot.core.cluster import parse_shard_count, parse_shard_ids
from bot.core.errors import ConfigError
from bot.storage import DEFAULT_DATABASE_PATH, DatabaseTarget, parse_database_url

DEFAULT_PACKS_DIR = PROJECT_ROOT / "data" / "packs"

# Three dot-separated base64url parts: user id, timestamp, HMAC.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
MIN_DASHBOARD_SECRET = 32
DEFAULT_DASHBOARD_PORT = 8080
DASHBOARD_SETTINGS = ("DASHBOARD_URL", "DASHBOARD_SECRET", "DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET")


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    """The moderator web dashboard's settings; the dashboard is off unless all of them are given."""

    url: str
    """Where moderators open the dashboard, e.g. ``https://mof.example.org``; the OAuth2 redirect is under it."""
    secret: str
    """Signs and encrypts the session cookies (at least 32 characters)."""
    client_id: str
    client_secret: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_DASHBOARD_PORT

    @property
    def redirect_uri(self) -> str:
        """The OAuth2 redirect to register in the Developer Portal."""
        return f"{self.url}/login/callback"

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies are sent over HTTPS only (when the dashboard is served over HTTPS)."""
        return self.url.startswith("https://")

    def __repr__(self) -> str:
        """Never show the secrets."""
        return (
            f"DashboardConfig(url={self.url!r}, secret=<hidden>, client_id={self.client_id!r}, "
            f"client_secret=<hidden>, host={self.host!r}, port={self.port!r})"
        )


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the process needs to start, validated."""

    token: str
    command_prefix: str = "!"
    database: DatabaseTarget = field(default_factory=lambda: DatabaseTarget("sqlite", DEFAULT_DATABASE_PATH))
    packs_dir: Path = DEFAULT_PACKS_DIR
    log_level: str = "INFO"
    owner_ids: frozenset[int] = frozenset()
    api_base_url: str | None = None
    gateway_url: str | None = None
    data_retention_days: int = DEFAULT_RETENTION_DAYS
    """Days a server's data is kept after the bot leaves it; 0 deletes it at the next sweep."""
    shard_count: int | None = None
    """Shards of the whole bot; ``None``: Discord's recommendation from ``/gateway/bot``."""
    shard_ids: tuple[int, ...] | None = None
    """The shards this process runs; ``None``: all of them."""
    dashboard: DashboardConfig | None = None
    """The web dashboard's settings; ``None``: the dashboard is off."""

    def __repr__(self) -> str:
        """Never show the token, even in a debug log or a traceback."""
        return (
            f"Config(token=<hidden>, command_prefix={self.command_prefix!r}, database={self.database!r}, "
            f"packs_dir={self.packs_dir!r}, log_level={self.log_level!r}, owner_ids={set(self.owner_ids)!r}, "
            f"api_base_url={self.api_base_url!r}, gateway_url={self.gateway_url!r}, "
            f"data_retention_days={self.data_retention_days!r}, shard_count={self.shard_count!r}, "
            f"shard_ids={self.shard_ids!r}, dashboard={self.dashboard!r})"
        )


def _parse_owner_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(
                f"OWNER_IDS contains {part!r}, which is not a Discord user id. "
                "Use comma-separated numeric ids, e.g. OWNER_IDS=123456789012345678,234567890123456789."
            )
        ids.add(int(part))
    return frozenset(ids)


def _parse_http_url(name: str, raw: str, schemes: tuple[str, ...]) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{name}={raw!r} is not a valid URL; it must start with {allowed} and name a host.")
    return raw.rstrip("/")


def _parse_retention_days(raw: str) -> int:
    raw = raw.strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit() or int(raw) > MAX_RETENTION_DAYS:
        raise ConfigError(
            f"DATA_RETENTION_DAYS={raw!r} must be a whole number of days from 0 to {MAX_RETENTION_DAYS}, "
            f"e.g. {DEFAULT_RETENTION_DAYS}."
        )
    return int(raw)


def _parse_listen(raw: str, default_port: int) -> tuple[str, int]:
    raw = raw.strip()
    if not raw:
        return "127.0.0.1", default_port
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"DASHBOARD_LISTEN={raw!r} must be host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080.")
    return host.strip("[]"), int(port)


def load_dashboard_config(env: Mapping[str, str]) -> DashboardConfig | None:
    """Read the dashboard's settings: ``None`` when none is given, an error when some are missing or weak."""
    given = {name: env.get(name, "").strip() for name in DASHBOARD_SETTINGS}
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise ConfigError(
            f"The dashboard needs {', '.join(missing)} too (or leave all of {', '.join(DASHBOARD_SETTINGS)} empty "
            'to keep it off). See README, "Dashboard".'
        )
    if len(given["DASHBOARD_SECRET"]) < MIN_DASHBOARD_SECRET:
        raise ConfigError(
            f"DASHBOARD_SECRET is too short: use at least {MIN_DASHBOARD_SECRET} random characters, e.g. the output "
            'of: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    url = _parse_http_url("DASHBOARD_URL", given["DASHBOARD_URL"], ("http", "https"))
    assert url is not None
    if not given["DISCORD_CLIENT_ID"].isdigit():
        raise ConfigError(
            "DISCORD_CLIENT_ID must be your application's id (digits), from the OAuth2 page of the Developer Portal."
        )
    url_port = urlsplit(url).port
    host, port = _parse_listen(env.get("DASHBOARD_LISTEN", ""), url_port or DEFAULT_DASHBOARD_PORT)
    return DashboardConfig(
        url=url,
        secret=given["DASHBOARD_SECRET"],
        client_id=given["DISCORD_CLIENT_ID"],
        client_secret=given["DISCORD_CLIENT_SECRET"],
        host=host,
        port=port,
    )


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build a :class:`Config` from ``environ`` (default: ``os.environ``), or raise :class:`ConfigError`."""
    env = os.environ if environ is None else environ

    token = env.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set. Copy .env.example to .env and paste your bot token from "
            "https://discord.com/developers/applications (Bot > Reset Token), or export DISCORD_TOKEN."
        )
    if token.lower().startswith("bot "):
        token = token[4:].strip()
    if not _TOKEN_SHAPE.match(token):
        raise ConfigError(
            "DISCORD_TOKEN does not look like a bot token (three dot-separated parts). Copy it again from "
            "the Bot page of your application; do not use the client secret or the application id."
        )

    prefix = env.get("COMMAND_PREFIX", "!")
    if not prefix.strip() or len(prefix) > 5 or any(ch.isspace() for ch in prefix):
        raise ConfigError(f"COMMAND_PREFIX={prefix!r} must be 1-5 characters without spaces, e.g. '!'.")

    database_url = env.get("DATABASE_URL", "").strip()
    database = parse_database_url(database_url) if database_url else DatabaseTarget("sqlite", DEFAULT_DATABASE_PATH)

    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={log_level!r} is not one of {', '.join(_LOG_LEVELS)}.")

    packs_raw = env.get("PACKS_DIR", "").strip()
    packs_dir = Path(packs_raw) if packs_raw else DEFAULT_PACKS_DIR

    shard_raw = env.get("SHARD_COUNT", "").strip()
    shard_count = parse_shard_count(shard_raw) if shard_raw else None
    ids_raw = env.get("SHARD_IDS", "").strip()
    shard_ids = parse_shard_ids(ids_raw, shard_count) if ids_raw else None

    return Config(
        token=token,
        command_prefix=prefix,
        database=database,
        packs_dir=packs_dir,
        log_level=log_level,
        owner_ids=_parse_owner_ids(env.get("OWNER_IDS", "")),
        api_base_url=_parse_http_url("DISCORD_API_BASE_URL", env.get("DISCORD_API_BASE_URL", ""), ("http", "https")),
        gateway_url=_parse_http_url("DISCORD_GATEWAY_URL", env.get("DISCORD_GATEWAY_URL", ""), ("ws", "wss")),
        data_retention_days=_parse_retention_days(env.get("DATA_RETENTION_DAYS", "")),
        shard_count=shard_count,
        shard_ids=shard_ids,
        dashboard=load_dashboard_config(env),
    )


def logging_level(config: Config) -> int:
    """Return the ``logging`` level number for the configured level name."""
    return logging.getLevelNamesMapping()[config.log_level]
