"""Child servers of the benchmark: started in their own process group, awaited, and always stopped."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


class ContenderFailed(Exception):
    """A contender could not be started or measured at all."""


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port(preferred: int) -> int:
    """`preferred` when free, else the next free port above it."""
    for port in range(preferred, preferred + 200):
        if port_is_free(port):
            return port
    raise ContenderFailed(f"no free port on {LOOPBACK} from {preferred} to {preferred + 199}")


def http_status(port: int, path: str, timeout: float = 5.0) -> int | None:
    """The status of GET path on 127.0.0.1:port, or None when nothing answers."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


@dataclass
class Server:
    """A server process we started: its name, port, log file and Popen handle."""

    name: str
    port: int
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, argv: list[str], env: Mapping[str, str], cwd: Path) -> None:
        """Start argv in a new session (its own process group), output to the log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                argv, cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, path: str, timeout_s: float = 120.0) -> None:
        """Block until GET path answers below 500; raise ContenderFailed if it exits or times out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ContenderFailed(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            status = http_status(self.port, path)
            if status is not None and status < 500:
                return
            time.sleep(0.3)
        raise ContenderFailed(
            f"{self.name} did not answer on port {self.port} in {timeout_s:.0f} s; see {self.log_path}"
        )

    def stop(self, grace_s: float = 15.0) -> None:
        """SIGTERM our process group, then SIGKILL it if it has not gone after `grace_s`."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


class ServerSet:
    """Every server started so far, so one `finally` can stop them all (also on Ctrl-C)."""

    def __init__(self) -> None:
        self._servers: list[Server] = []

    def add(self, server: Server) -> Server:
        """Track the server and return it."""
        self._servers.append(server)
        return server

    def stop_all(self) -> None:
        """Stop every tracked server, newest first."""
        while self._servers:
            self._servers.pop().stop()


def raise_on_sigterm() -> None:
    """Turn SIGTERM (and SIGINT, even when inherited as ignored) into KeyboardInterrupt, so `finally` cleans up."""

    def _handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
