"""CPU time that a contender's own processes spend, sampled from /proc while a run goes on.

Throughput on a machine that others share moves with their load; the CPU seconds a server's
processes (and the PostgreSQL sessions that serve them) spend per request hardly do. A sampler
reads each process's user + system time every quarter second, so a process that starts during the
run counts from its birth and one that ends keeps its last reading.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import psycopg2

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
INTERVAL_S = 0.25


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces), or None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds the process has used, or None when it has gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


def process_group(pgid: int) -> list[int]:
    """Every process in the process group (a server started in its own session, with its children)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[2]) == pgid:
                members.append(int(entry))
    return members


class DatabaseSessions:
    """Lists the server process ids of this database's sessions with one application_name."""

    def __init__(self, database_url: str, application_name: str) -> None:
        self._conn = psycopg2.connect(database_url, application_name="bench-cpu-sampler")
        self._conn.autocommit = True
        self._application_name = application_name

    def __call__(self) -> list[int]:
        """The sessions' process ids now."""
        with self._conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                (self._application_name,),
            )
            return [row[0] for row in cur.fetchall()]

    def close(self) -> None:
        """Close the sampler's own connection."""
        self._conn.close()


class CpuSampler:
    """Sums the CPU seconds the listed processes spend between `start()` and `stop()`."""

    def __init__(self, *listers: Callable[[], Iterable[int]]) -> None:
        self._listers = listers
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, first: bool) -> None:
        for lister in self._listers:
            for pid in lister():
                used = cpu_seconds(pid)
                if used is None:
                    continue
                # A process first seen during the run was born during it: it counts from zero.
                self._first.setdefault(pid, used if first else 0.0)
                self._last[pid] = used

    def _run(self) -> None:
        while not self._done.wait(INTERVAL_S):
            self._sample(first=False)

    def start(self) -> CpuSampler:
        """Take the first readings and keep sampling in a thread."""
        self._sample(first=True)
        self._thread.start()
        return self

    def stop(self) -> float:
        """Stop sampling; the CPU seconds spent by every process seen."""
        self._done.set()
        self._thread.join()
        self._sample(first=False)
        return sum(self._last[pid] - self._first[pid] for pid in self._last)
