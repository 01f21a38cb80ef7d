"""Create the database when missing and apply the ordered SQL migrations in sql/ with yoyo."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql
from yoyo import get_backend, read_migrations

from layers.errors import DatabaseUnavailable

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "sql"


def first_line(exc: Exception) -> str:
    """The first line of a driver error, enough to say what failed without a wall of text."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def maintenance_url(url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` database (host, port and socket kept), and the database name of `url`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.strip("/")


def ensure_database(url: str) -> bool:
    """Create the database named in `url` when the server has none of that name; True if created."""
    maintenance, name = maintenance_url(url)
    try:
        conn = psycopg2.connect(maintenance, connect_timeout=10)
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable(f"Cannot reach the PostgreSQL server of {name!r}: {first_line(exc)}") from exc
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def drop_database(url: str) -> None:
    """Drop the database named in `url` (used for the throw-away test database)."""
    maintenance, name = maintenance_url(url)
    conn = psycopg2.connect(maintenance, connect_timeout=10)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


def apply_migrations(url: str) -> list[str]:
    """Apply the migrations not yet recorded in the database; return the ids applied."""
    backend = get_backend(url)
    migrations = read_migrations(str(MIGRATIONS_DIR))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]
