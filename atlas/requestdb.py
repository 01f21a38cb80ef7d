"""Pooled database connections of a request, returned to their pools when the request ends."""

from __future__ import annotations

from contextlib import ExitStack

from flask import current_app, g
from psycopg2.extensions import connection as Connection


def _borrowed(pool_name: str) -> Connection:
    """The request's connection from `pool_name`, borrowed on first use and given back at teardown."""
    lent = g.setdefault("atlas_conns", {})
    if pool_name not in lent:
        if "atlas_conn_stack" not in g:
            g.atlas_conn_stack = ExitStack()
        lent[pool_name] = g.atlas_conn_stack.enter_context(current_app.extensions[pool_name].connection())
    return lent[pool_name]


def request_connection() -> Connection:
    """The connection of the current request: one REPEATABLE READ snapshot, rolled back unless committed."""
    return _borrowed("atlas.pool")


def tile_connection() -> Connection:
    """A tile session of the current request: autocommit, with the tile statement timeout."""
    return _borrowed("atlas.tile_pool")


def release_request_connection(_exc: BaseException | None = None) -> None:
    """Give the request's connections back (rolled back unless the request committed)."""
    stack = g.pop("atlas_conn_stack", None)
    g.pop("atlas_conns", None)
    if stack is not None:
        stack.close()
