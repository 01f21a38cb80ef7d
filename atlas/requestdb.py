"""One pooled database connection per request, returned to the pool when the request ends."""

from __future__ import annotations

from contextlib import ExitStack

from flask import current_app, g
from psycopg2.extensions import connection as Connection


def request_connection() -> Connection:
    """The connection of the current request, borrowed from the pool on first use."""
    if "atlas_conn" not in g:
        stack = ExitStack()
        g.atlas_conn = stack.enter_context(current_app.extensions["atlas.pool"].connection())
        g.atlas_conn_stack = stack
    return g.atlas_conn


def release_request_connection(_exc: BaseException | None = None) -> None:
    """Give the request's connection back (rolled back unless the request committed)."""
    stack = g.pop("atlas_conn_stack", None)
    g.pop("atlas_conn", None)
    if stack is not None:
        stack.close()
