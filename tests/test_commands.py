"""What `make run` calls stops with one clear line when a setting is wrong."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import unused_port

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=os.environ | env, capture_output=True, text=True, timeout=120
    )


def test_malformed_database_url_is_one_line():
    result = _run(["-m", "atlas", "prepare"], ATLAS_DATABASE_URL="http://example")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ATLAS_DATABASE_URL must look like postgresql://" in lines[0]


def test_port_in_use_is_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run(["-m", "atlas", "serve"], ATLAS_PORT=str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"Port {port} is already in use" in lines[0] and "ATLAS_PORT" in lines[0]


def test_unreachable_database_is_one_line():
    port = unused_port()
    result = _run(["-m", "atlas", "prepare"], ATLAS_DATABASE_URL=f"postgresql://atlas@127.0.0.1:{port}/atlas")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Cannot reach the PostgreSQL server" in lines[0]


def test_unknown_command_shows_usage():
    result = _run(["-m", "atlas", "explode"])
    assert result.returncode == 2 and "usage" in result.stderr
