"""HTTP load with wrk (8 connections, 2 threads, bench/wrk_tiles.lua) and sequential passes over the list."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.procs import LOOPBACK, ContenderFailed

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_tiles.lua"
CONNECTIONS = 8
THREADS = 2


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    bytes: int
    status_errors: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float
    # What a script adds on its own "BENCH_EXTRA {json}" line (bench/wrk_edit.lua: cache hits and misses).
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Non-2xx/3xx answers, socket errors and timeouts together."""
        return self.status_errors + self.socket_errors + self.timeouts


def run_wrk(
    port: int,
    paths_file: Path,
    seconds: int,
    timeout_s: int,
    script: Path = LUA_SCRIPT,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> WrkResult:
    """One wrk run against 127.0.0.1:port walking the paths in `paths_file` (with `script`, default wrk_tiles.lua)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise ContenderFailed("wrk is not installed (ATLAS_WITH_BENCH_TOOLS=1 scripts/system-packages.sh)")
    argv = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(script),
        f"http://{LOOPBACK}:{port}",
        "--",
        str(paths_file),
        str(threads),
    ]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_s + 120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ContenderFailed(f"wrk did not finish: {exc}") from exc
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise ContenderFailed(f"wrk failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-300:]}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    extra = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_EXTRA ")), None)
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        status_errors=data["status_errors"],
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"],
        timeouts=data["timeouts"],
        p50_ms=data["p50_us"] / 1000.0,
        p99_ms=data["p99_us"] / 1000.0,
        extra=json.loads(extra.removeprefix("BENCH_EXTRA ")) if extra else {},
    )


def warm_then_run(port: int, paths_file: Path, warmup_s: int, seconds: int, timeout_s: int) -> WrkResult:
    """A discarded warm-up run, then the measured one."""
    if warmup_s > 0:
        run_wrk(port, paths_file, warmup_s, timeout_s)
    return run_wrk(port, paths_file, seconds, timeout_s)


@dataclass(frozen=True)
class Fetched:
    """One tile fetched by a sequential pass."""

    path: str
    status: int
    seconds: float
    size: int
    body: bytes
    cache: str


def sequential_pass(port: int, paths: list[str], timeout_s: float, keep_bodies: bool = False) -> list[Fetched]:
    """GET each path once, in order, on one keep-alive connection; status 0 = no answer."""
    results = []
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout_s)
    try:
        for path in paths:
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                # nginx in front answers kept tiles itself (X-Front-Cache), replaying the stored headers.
                front = response.getheader("X-Front-Cache", "")
                status = response.status
                cache = "hit" if front == "HIT" else response.getheader("X-Tile-Cache", "")
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout_s)
                body, status, cache = b"", 0, ""
            took = time.perf_counter() - started
            results.append(Fetched(path, status, took, len(body), body if keep_bodies else b"", cache))
    finally:
        conn.close()
    return results


def warm_until_cached(port: int, paths: list[str], in_a_row: int, timeout_s: float, max_passes: int = 12) -> int:
    """Walk the paths on fresh connections until `in_a_row` passes in a row hit the cache; returns passes made.

    Each gunicorn worker keeps its own cache and a request may reach either, so one pass warms
    one worker at best; pass `in_a_row` = the worker count.
    """
    hits_in_a_row, passes = 0, 0
    while hits_in_a_row < in_a_row and passes < max_passes:
        fetched = sequential_pass(port, paths, timeout_s)
        passes += 1
        all_hits = all(f.cache == "hit" or f.status >= 500 for f in fetched)
        hits_in_a_row = hits_in_a_row + 1 if all_hits else 0
    return passes
