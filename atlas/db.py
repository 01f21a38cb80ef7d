"""A bounded pool of psycopg2 connections: requests wait for a free connection instead of failing.

Connections are opened on demand and kept (with their session settings and prepared tile
statements) until the pool closes or a connection breaks. A connection the server has closed
(a restart, an administrator's terminate) is dropped when it is next taken, never lent.
"""

from __future__ import annotations

import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
import psycopg2.extensions
from psycopg2.extensions import connection as Connection

from layers.errors import DatabaseUnavailable

# With geometry stored in 4326 the planner sometimes picks parallel sequential scans for
# spatial filters, which was measured 30x slower than the GiST index path.
# No JIT: compiling a tile statement of the scale data took 2 s, for a statement that runs in milliseconds.
SESSION_SETUP = "SET max_parallel_workers_per_gather = 0; SET jit = off; SET statement_timeout = %s"


@dataclass(frozen=True)
class Session:
    """How the pool's connections are set up: their statement timeout, and whether each statement commits alone."""

    statement_timeout_ms: int
    # Autocommit: a caller that runs one statement pays no BEGIN and no ROLLBACK round trip.
    autocommit: bool = False


def server_hung_up(conn: Connection) -> bool:
    """Whether the server has closed this idle connection, told without a round trip.

    An idle session has nothing to read; a readable socket holds the server's goodbye (a
    shutdown or terminate notice) or its end of file.
    """
    if conn.closed:
        return True
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError, psycopg2.Error):
        return True


class ConnectionPool:
    """At most `size` lent connections; callers block up to `timeout_s` for one to be free."""

    def __init__(self, url: str, size: int, timeout_s: float, session: Session) -> None:
        self._url = url
        self._timeout_s = timeout_s
        self._session = session
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def _open(self) -> Connection:
        try:
            conn = psycopg2.connect(self._url, application_name="thanhhoa-atlas", connect_timeout=10)
            if self._session.autocommit:
                conn.autocommit = True
            else:
                # One snapshot per request: a page's count agrees with its rows, an export reads one state.
                conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ)
            with conn.cursor() as cur:
                cur.execute(SESSION_SETUP, (self._session.statement_timeout_ms,))
            if not conn.autocommit:
                conn.commit()
        except psycopg2.OperationalError as exc:
            raise DatabaseUnavailable("The database is not answering; please try again later.") from exc
        return conn

    def _take(self) -> Connection:
        while True:
            with self._lock:
                if not self._idle:
                    break
                conn = self._idle.pop()
            if not server_hung_up(conn):
                return conn
            conn.close()
        return self._open()

    def borrow(self) -> Connection:
        """Take a connection for one unit of work; hand it back with `give_back`."""
        if not self._slots.acquire(timeout=self._timeout_s):
            raise DatabaseUnavailable("The atlas is busy; please try again in a moment.")
        try:
            return self._take()
        except BaseException:
            self._slots.release()
            raise

    def give_back(self, conn: Connection) -> None:
        """Return a borrowed connection, rolled back unless the borrower committed; a broken one is closed."""
        try:
            self._keep_if_sound(conn)
        finally:
            self._slots.release()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """Lend a connection for one unit of work; it is rolled back unless the caller committed."""
        conn = self.borrow()
        try:
            yield conn
        finally:
            self.give_back(conn)

    def _keep_if_sound(self, conn: Connection) -> None:
        try:
            if conn.closed == 0 and conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                conn.rollback()
        except psycopg2.Error:
            conn.close()
        # A connection that broke while lent (closed by psycopg2 after a lost server) is dropped.
        if conn.closed == 0 and conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            with self._lock:
                self._idle.append(conn)
        else:
            conn.close()

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
