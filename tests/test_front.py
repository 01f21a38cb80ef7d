"""`python -m atlas serve` as `make run` starts it: nginx in front of gunicorn, stopping together."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import unused_port

ROOT = Path(__file__).resolve().parent.parent


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def served(database_url):
    if shutil.which("nginx") is None:
        pytest.fail("nginx is missing: scripts/system-packages.sh installs nginx-light")
    port = unused_port()
    env = os.environ | {"ATLAS_PORT": str(port), "ATLAS_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    yield base, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_versioned_tiles_are_kept_by_the_front(served):
    base, _ = served
    status, _, body = _get(base + "/tiles/communes.json")
    assert status == 200
    template = json.loads(body)["tiles"][0]
    url = template.replace("{z}", "9").replace("{x}", "405").replace("{y}", "226")
    first = _get(url, **{"Accept-Encoding": "gzip"})
    second = _get(url, **{"Accept-Encoding": "gzip"})
    assert first[1]["X-Front-Cache"] == "MISS" and second[1]["X-Front-Cache"] == "HIT"
    assert second[2] == first[2] and second[1]["Content-Encoding"] == "gzip"
    plain = _get(url)
    assert "Content-Encoding" not in plain[1], "the gzipped copy is not given to a client that cannot read it"
    unversioned = url.split("?")[0]
    assert _get(unversioned)[1].get("X-Front-Cache") != "HIT"
    assert _get(unversioned)[1].get("X-Front-Cache") != "HIT", "tiles without ?v= always ask the atlas"


def test_static_assets_are_served_gzipped(served):
    base, _ = served
    status, headers, _ = _get(base + "/static/vendor/leaflet/leaflet.js", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    # nginx answers these itself, and sends the app's security headers with them.
    assert headers.get("X-Content-Type-Options") == "nosniff" and headers.get("X-Frame-Options") == "DENY"


def test_sigterm_stops_nginx_and_gunicorn(served):
    base, process = served
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 2, "gunicorn and nginx run as children of the serving process"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)
    with pytest.raises(OSError):
        _get(base + "/healthz")
