"""HTTP load with wrk (8 connections, 2 threads, bench/wrk_tiles.lua) and sequential passes over the list."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Non-2xx/3xx answers, socket errors and timeouts together."""
        return self.status_errors + self.socket_errors + self.timeouts


def run_wrk(port: int, paths_file: Path, seconds: int, timeout_s: int) -> WrkResult:
    """One wrk run against 127.0.0.1:port walking the paths in `paths_file`."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise ContenderFailed("wrk is not installed (ATLAS_WITH_BENCH_TOOLS=1 scripts/system-packages.sh)")
    argv = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(LUA_SCRIPT),
        f"http://{LOOPBACK}:{port}",
        "--",
        str(paths_file),
        str(THREADS),
    ]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_s + 120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ContenderFailed(f"wrk did not finish: {exc}") from exc
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise ContenderFailed(f"wrk failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-300:]}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        status_errors=data["status_errors"],
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"],
        timeouts=data["timeouts"],
        p50_ms=data["p50_us"] / 1000.0,
        p99_ms=data["p99_us"] / 1000.0,
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
