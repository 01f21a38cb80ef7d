"""Settings of the atlas, read once from ATLAS_* environment variables into a frozen dataclass."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from layers.errors import SettingsError

DEFAULT_DATABASE_URL = "postgresql://atlas@127.0.0.1:15432/atlas"
# Where scripts/pg-cluster.sh keeps the embedded cluster's socket: var/run, or var/pg/run when, as
# root, var/pg links to a cluster kept in postgres's home.
VAR_DIR = Path(__file__).resolve().parent.parent / "var"
# The kernel's limit on a unix socket's path (108 bytes with its end) bounds the folder's length.
MAX_SOCKET_PATH = 107
# Without ATLAS_SECRET_KEY, a random key is made once and kept here, so sessions survive a restart,
# every worker signs alike, and no key is shared between installations.
SECRET_KEY_FILE = Path(__file__).resolve().parent.parent / "var" / "secret-key"


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its environment, checked at start-up."""

    database_url: str = DEFAULT_DATABASE_URL
    read_database_url: str | None = None
    port: int = 5000
    secret_key: str = ""
    pool_size: int = 8
    pool_timeout_s: float = 10.0
    statement_timeout_ms: int = 15_000
    features_max_limit: int = 1000
    features_default_limit: int = 100
    tile_cache_mb: int = 256
    redis_url: str | None = None
    online_basemap: bool = False
    tile_timeout_ms: int = 5_000
    secure_cookies: bool = False
    metrics_token: str | None = None
    session_minutes: int = 480
    max_body_kb: int = 2048
    max_upload_mb: int = 200
    trusted_proxies: int = 0
    export_stream_max: int = 50_000
    exports_dir: str = str(Path(__file__).resolve().parent.parent / "var" / "exports")
    # The address people reach the atlas at; every absolute URL names it, never the request's Host.
    # Unset: http://127.0.0.1:<ATLAS_PORT>, as `make run` serves.
    public_url: str | None = None
    # Host names (any port) a request may name besides the public URL's own; others are a 400.
    trusted_hosts: str = "localhost,127.0.0.1,[::1]"


_ENV_NAMES = {f.name: "ATLAS_" + f.name.upper() for f in fields(Settings)}


def embedded_database_url(var_dir: Path = VAR_DIR, environ: Mapping[str, str] | None = None) -> str:
    """The embedded cluster's database: over its unix socket when the socket is there, else over TCP.

    A unix socket skips TCP's work on every round trip, and a server that is down cannot be
    reached through a port that a client's own connection holds.
    """
    port = (os.environ if environ is None else environ).get("ATLAS_PG_PORT") or "15432"
    for folder in (var_dir / "pg" / "run", var_dir / "run"):
        socket = folder / f".s.PGSQL.{port}"
        if len(str(socket)) <= MAX_SOCKET_PATH and socket.exists():
            return f"postgresql://atlas@/atlas?host={quote(str(folder))}&port={port}"
    return f"postgresql://atlas@127.0.0.1:{port}/atlas"


def _convert(name: str, raw: Any, kind: type) -> Any:
    if raw is None or isinstance(raw, kind):
        return raw
    if kind is bool:
        flag = str(raw).strip().lower()
        if flag in ("1", "true", "yes", "on"):
            return True
        if flag in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{_ENV_NAMES[name]}={raw!r} must be 1 or 0 (true or false).")
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{_ENV_NAMES[name]}={raw!r} is not a valid {kind.__name__}.") from None


def check_database_url(name: str, url: str) -> None:
    """Stop with a clear message when a database URL cannot be a PostgreSQL URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise SettingsError(
            f"{name} must look like postgresql://user@host:port/dbname (got scheme {parts.scheme or 'none'!r})."
        )
    try:
        _ = parts.port
    except ValueError:
        raise SettingsError(f"{name} has a port that is not a number.") from None
    if not parts.path.strip("/"):
        raise SettingsError(f"{name} must name a database, e.g. postgresql://atlas@127.0.0.1:15432/atlas.")


def load_settings(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build Settings from the environment, then overrides; raise SettingsError on any bad value."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    types = {f.name: f.type for f in fields(Settings)}
    kinds = {"int": int, "float": float, "str": str, "str | None": str, "bool": bool}
    for name, env_name in _ENV_NAMES.items():
        if env_name in environ and environ[env_name] != "":
            values[name] = _convert(name, environ[env_name], kinds[str(types[name])])
    # Overrides win over the environment (the tests point the app at their own database).
    values |= dict(overrides or {})
    if "database_url" not in values:
        values["database_url"] = embedded_database_url(environ=environ)
    settings = replace(Settings(), **values)
    if not settings.secret_key:
        settings = replace(settings, secret_key=_local_secret_key())
    _check(settings)
    return settings


def _local_secret_key() -> str:
    """The key kept in var/secret-key, made on first use (readable by its owner only)."""
    try:
        return SECRET_KEY_FILE.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return SECRET_KEY_FILE.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def _check(settings: Settings) -> None:
    check_database_url("ATLAS_DATABASE_URL", settings.database_url)
    if settings.read_database_url:
        check_database_url("ATLAS_READ_DATABASE_URL", settings.read_database_url)
    if settings.redis_url and urlsplit(settings.redis_url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError("ATLAS_REDIS_URL must look like redis://host:6379/0.")
    if not 1 <= settings.port <= 65535:
        raise SettingsError(f"ATLAS_PORT must be between 1 and 65535 (got {settings.port}).")
    if not 1 <= settings.pool_size <= 200:
        raise SettingsError(f"ATLAS_POOL_SIZE must be between 1 and 200 (got {settings.pool_size}).")
    if not 0 <= settings.tile_cache_mb <= 65_536:
        raise SettingsError(f"ATLAS_TILE_CACHE_MB must be between 0 and 65536 (got {settings.tile_cache_mb}).")
    if len(settings.secret_key) < 16:
        raise SettingsError("ATLAS_SECRET_KEY must have at least 16 characters (leave it unset for a random one).")
    if not 5 <= settings.session_minutes <= 7 * 24 * 60:
        raise SettingsError(f"ATLAS_SESSION_MINUTES must be from 5 to 10080 (got {settings.session_minutes}).")
    if not 16 <= settings.max_body_kb <= 1024 * 1024:
        raise SettingsError(f"ATLAS_MAX_BODY_KB must be from 16 to 1048576 (got {settings.max_body_kb}).")
    if not 1 <= settings.max_upload_mb <= 100_000:
        raise SettingsError(f"ATLAS_MAX_UPLOAD_MB must be from 1 to 100000 (got {settings.max_upload_mb}).")
    if not 0 <= settings.trusted_proxies <= 5:
        raise SettingsError(f"ATLAS_TRUSTED_PROXIES must be from 0 to 5 (got {settings.trusted_proxies}).")
    if settings.export_stream_max < 0:
        raise SettingsError(f"ATLAS_EXPORT_STREAM_MAX must be 0 or more (got {settings.export_stream_max}).")
    _check_public_address(settings)
    if not 1 <= settings.features_default_limit <= settings.features_max_limit:
        raise SettingsError("ATLAS_FEATURES_DEFAULT_LIMIT must be between 1 and ATLAS_FEATURES_MAX_LIMIT.")


# A host name or IPv4 address, or an IPv6 address in brackets: what a Host header may name.
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]")


def _check_public_address(settings: Settings) -> None:
    if settings.public_url is not None:
        parts = urlsplit(settings.public_url)
        try:
            _ = parts.port
        except ValueError:
            raise SettingsError("ATLAS_PUBLIC_URL has a port that is not a number.") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise SettingsError(
                f"ATLAS_PUBLIC_URL must look like https://atlas.example.vn, with no path (got {settings.public_url!r})."
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise SettingsError("ATLAS_PUBLIC_URL must have no query, fragment or user name.")
    for name in settings.trusted_hosts.split(","):
        if not _HOST_NAME.fullmatch(name.strip().lower()):
            raise SettingsError(f"ATLAS_TRUSTED_HOSTS must list host names separated by commas (got {name!r}).")
