"""A bounded pool of psycopg2 connections: requests wait for a free connection instead of failing.

Connections are opened on demand and kept (with their session settings and prepared tile
statements) until the pool closes or a connection breaks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions
from psycopg2.extensions import connection as Connection

from layers.errors import DatabaseUnavailable

# With geometry stored in 4326 the planner sometimes picks parallel sequential scans for
# spatial filters, which was measured 30x slower than the GiST index path.
SESSION_SETUP = "SET max_parallel_workers_per_gather = 0; SET statement_timeout = %s"


class ConnectionPool:
    """At most `size` open connections; callers block up to `timeout_s` for one to be free."""

    def __init__(self, url: str, size: int, timeout_s: float, statement_timeout_ms: int) -> None:
        self._url = url
        self._timeout_s = timeout_s
        self._statement_timeout_ms = statement_timeout_ms
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def _open(self) -> Connection:
        try:
            conn = psycopg2.connect(self._url, application_name="thanhhoa-atlas", connect_timeout=10)
            # One snapshot per request: a tile is drawn from exactly the revisions it is cached
            # under, and a page's count agrees with its rows.
            conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ)
            with conn.cursor() as cur:
                cur.execute(SESSION_SETUP, (self._statement_timeout_ms,))
            conn.commit()
        except psycopg2.OperationalError as exc:
            raise DatabaseUnavailable("The database is not answering; please try again later.") from exc
        return conn

    def _take(self) -> Connection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if conn.closed == 0:
                    return conn
        return self._open()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """Lend a connection for one unit of work; it is rolled back unless the caller committed."""
        if not self._slots.acquire(timeout=self._timeout_s):
            raise DatabaseUnavailable("The atlas is busy; please try again in a moment.")
        conn = None
        try:
            conn = self._take()
            yield conn
        finally:
            if conn is not None:
                self._give_back(conn)
            self._slots.release()

    def _give_back(self, conn: Connection) -> None:
        try:
            if conn.closed == 0:
                conn.rollback()
        except psycopg2.Error:
            conn.close()
        if conn.closed == 0:
            with self._lock:
                self._idle.append(conn)

    @property
    def idle_count(self) -> int:
        """Connections open and waiting to be lent."""
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
