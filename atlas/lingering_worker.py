"""gunicorn's threaded worker, keeping a kept-alive connection on its thread while the next request is on its way.

gunicorn's gthread worker hands every request of a kept-alive connection to the worker's main
thread and back: the thread that answered wakes the main thread through a pipe, the main thread
puts the socket back in its poller, is woken again when the next request comes, and submits it
to the pool as a new job. Behind nginx, whose upstream connections carry one request after
another, that round trip cost a tile about as much CPU as Flask did. So the thread that answered
a request waits a moment for the next one on the same connection and answers it itself; only a
connection that stays quiet goes back to the poller, as before. A thread never waits while
another connection is waiting for a thread, so no connection starves behind a busy one.
"""

from __future__ import annotations

import select
import threading
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

# Long enough for nginx to pass a busy client's next request along (a fraction of a millisecond
# on loopback), short enough that a quiet connection soon frees its thread.
LINGER_S = 0.002


class LingeringThreadWorker(ThreadWorker):
    """ThreadWorker whose threads answer a connection's back-to-back requests themselves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Connections handed to the pool and not yet taken up by a thread.
        self.queued = 0
        self._queued_lock = threading.Lock()

    def enqueue_req(self, conn: TConn) -> None:
        """Hand the connection to the pool, counting it until a thread takes it up."""
        with self._queued_lock:
            self.queued += 1
        super().enqueue_req(conn)

    def handle(self, conn: TConn) -> object:
        """Answer the connection's request, then its next ones while they follow within LINGER_S."""
        with self._queued_lock:
            self.queued -= 1
        kept = super().handle(conn)
        while kept is True and self.alive and not conn.is_http2 and not self.queued and _next_request_waiting(conn):
            kept = super().handle(conn)
        return kept


def _next_request_waiting(conn: TConn) -> bool:
    """Whether the connection has the start of another request, read ahead already or arriving within LINGER_S."""
    parser = conn.parser
    if parser is not None and parser.unreader.buf.getvalue():
        return True
    try:
        readable, _, _ = select.select([conn.sock], [], [], LINGER_S)
    except (OSError, ValueError):  # the socket was closed meanwhile
        return False
    return bool(readable)
