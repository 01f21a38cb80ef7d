"""Pooled database connections of a request, returned to their pools when the request ends."""

from __future__ import annotations

from flask import current_app, g
from psycopg2.extensions import connection as Connection


def _borrowed(pool_name: str) -> Connection:
    """The request's connection from the pool `pool_name`, borrowed on first use and given back at teardown."""
    lent = g.get("atlas_lent")
    if lent is None:
        lent = g.atlas_lent = {}
    conn = lent.get(pool_name)
    if conn is None:
        conn = lent[pool_name] = current_app.extensions[pool_name].borrow()
    return conn


def request_connection() -> Connection:
    """The connection of the current request: one REPEATABLE READ snapshot, rolled back unless committed."""
    return _borrowed("atlas.pool")


def tile_connection() -> Connection:
    """A tile session of the current request: autocommit, with the tile statement timeout."""
    return _borrowed("atlas.tile_pool")


def release_request_connection(_exc: BaseException | None = None) -> None:
    """Give the request's connections back (rolled back unless the request committed)."""
    lent = g.pop("atlas_lent", None)
    for pool_name, conn in (lent or {}).items():
        current_app.extensions[pool_name].give_back(conn)
