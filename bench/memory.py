"""Resident memory of a server's whole process tree, sampled once a second while a load runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def children_of(pid: int) -> list[int]:
    """Every descendant of pid (from /proc/<pid>/task/*/children)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in (PROC / str(parent) / "task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            pending += kids
    return found


def _command(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int((PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def describe(pid: int) -> str:
    """A short name that tells the processes apart: gunicorn master or worker, nginx's roles, postgres backends."""
    command = _command(pid)
    if "gunicorn" in command:
        return "gunicorn worker" if "gunicorn" in _command(_parent(pid)) else "gunicorn master"
    if command.startswith("nginx: "):
        return command.partition(" process")[0] + " process"
    if command.startswith("postgres: "):
        return "postgres backend"
    return command[:40]


def rss_kb(pid: int) -> int | None:
    """VmRSS of the process in KB, or None once it has gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class MemorySampler:
    """Samples (seconds since start, RSS KB) of the root and its descendants, and of extra pids, each second."""

    root: int
    extra: Callable[[], list[int]] = list
    samples: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin sampling in a thread."""
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic() - self._started
            for pid in [self.root, *children_of(self.root), *self.extra()]:
                rss = rss_kb(pid)
                if rss is not None:
                    self.names.setdefault(pid, describe(pid))
                    self.samples.setdefault(pid, []).append((now, rss))
            self._stop.wait(1.0)

    def window_mean_mb(self, pid: int, start_s: float, end_s: float) -> float | None:
        """Mean RSS in MB of the samples from start_s to end_s (None without samples there)."""
        values = [rss for t, rss in self.samples.get(pid, []) if start_s <= t <= end_s]
        return sum(values) / len(values) / 1024 if values else None
