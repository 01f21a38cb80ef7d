"""`python -m atlas serve` as `make run` starts it: nginx in front of gunicorn, stopping together."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import unused_port

ROOT = Path(__file__).resolve().parent.parent


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def served_log(tmp_path_factory):
    return tmp_path_factory.mktemp("front") / "serve.log"


@pytest.fixture(scope="module")
def served(database_url, served_log):
    if shutil.which("nginx") is None:
        pytest.fail("nginx is missing: scripts/system-packages.sh installs nginx-light")
    port = unused_port()
    env = os.environ | {"ATLAS_PORT": str(port), "ATLAS_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas", "serve"],
        cwd=ROOT,
        env=env,
        stdout=served_log.open("wb"),
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
    assert "script-src 'self'" in headers.get("Content-Security-Policy", "")


def test_the_front_sends_scripts_compressed_well_and_the_map_bundle_gzipped_once(served):
    base, _ = served
    leaflet = ROOT / "atlas" / "static" / "vendor" / "leaflet" / "leaflet.js"
    _, _, body = _get(base + "/static/vendor/leaflet/leaflet.js", **{"Accept-Encoding": "gzip"})
    # nginx's own level 1 would send about a fifth more than gzip -6 (51 KB against 42 for Leaflet).
    assert len(body) < len(gzip.compress(leaflet.read_bytes(), compresslevel=6)) * 1.03
    status, _, page = _get(base + "/")
    url = re.search(rb'<script src="(/assets/map\.[0-9a-f]+\.js)"', page)
    assert status == 200 and url
    status, headers, bundled = _get(base + url.group(1).decode(), **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(bundled).startswith(b"/* atlas-dom.js */"), "nginx does not gzip it a second time"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (requests urllib would not make) and parse the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _backend_port(base: str) -> int:
    """gunicorn's private port, from the nginx config the server wrote."""
    config = (ROOT / "var" / "front" / str(_port(base)) / "nginx.conf").read_text(encoding="utf-8")
    return int(re.search(r"server 127\.0\.0\.1:(\d+);", config).group(1))


def _tile(base: str) -> str:
    return base + "/tiles/communes/9/405/226.pbf"


def test_unversioned_tiles_answer_if_none_match_with_304_through_the_front(served):
    base, _ = served
    status, headers, _ = _get(_tile(base), **{"Accept-Encoding": "gzip"})
    assert status == 200 and "X-Front-Cache" not in headers, "unversioned tiles never pass the front's cache"
    again = urllib.request.Request(_tile(base), headers={"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(again, timeout=10)
    assert answer.value.code == 304


def test_simultaneous_requests_for_one_unversioned_tile_all_reach_the_atlas(served):
    base, _ = served
    url = base + "/tiles/rivers/10/811/452.pbf"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _get(url), range(8)))
    # None waited on the front's cache lock: each was answered by the atlas (X-Tile-Cache), none by the front.
    assert all(status in (200, 204) and "X-Tile-Cache" in h and "X-Front-Cache" not in h for status, h, _ in answers)


def test_an_untrusted_host_is_refused_even_for_a_static_file(served):
    base, _ = served
    request = b"GET /static/atlas.css HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    status, headers, body = _raw(_port(base), request)
    assert status == 400 and headers["content-type"].startswith("text/html") and b"evil" not in body


def test_an_untrusted_host_is_refused_even_for_a_cached_tile(served):
    base, _ = served
    template = json.loads(_get(base + "/tiles/communes.json")[2])["tiles"][0]
    url = template.replace("{z}", "9").replace("{x}", "405").replace("{y}", "226")
    _get(url), _get(url)
    status, _headers, body = _raw(
        _port(base), f"GET {url.split(base)[1]} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".encode()
    )
    assert status == 400 and json.loads(body)["error"]["code"] == "untrusted_host" and b"evil" not in body


def test_http_1_0_without_host_never_shows_the_private_port(served):
    base, _ = served
    for port in (_port(base), _backend_port(base)):
        status, _headers, body = _raw(port, b"GET /api/layers HTTP/1.0\r\n\r\n")
        assert status == 200 and str(_backend_port(base)).encode() not in body
        assert json.loads(body)["links"][0]["href"] == base + "/api/layers"


LONG = "x" * 5000  # over the atlas's 4 KB, within nginx's and gunicorn's buffers
LONGER = "x" * 9000  # over nginx's 8 KB buffer: nginx answers, in the atlas's form


@pytest.mark.parametrize("filler", [LONG, LONGER])
@pytest.mark.parametrize("path", ["/api/layers", "/tiles/rivers.json", "/ogc/collections", "/layers"])
def test_an_over_long_request_line_is_answered_in_the_atlas_form(served, path, filler):
    base, _ = served
    ports = [_port(base)] + ([_backend_port(base)] if filler == LONG else [])
    for port in ports:
        status, headers, body = _raw(
            port, f"GET {path}?q={filler} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        assert status == 414
        if path == "/layers":
            assert headers["content-type"].startswith("text/html") and "Địa chỉ quá dài" in body.decode()
        else:
            assert json.loads(body)["error"]["code"] == "uri_too_long"


@pytest.mark.parametrize(
    "extra",
    ["".join(f"X-Filler-{i}: {i}\r\n" for i in range(150)), f"X-Big: {'b' * 5000}\r\n", f"X-Bigger: {'b' * 9000}\r\n"],
    ids=["many", "large", "over-nginx-buffer"],
)
@pytest.mark.parametrize("path", ["/api/layers", "/layers"])
def test_many_or_large_headers_are_answered_in_the_atlas_form(served, path, extra):
    base, _ = served
    ports = [_port(base)] + ([_backend_port(base)] if "Bigger" not in extra else [])
    for port in ports:
        status, headers, body = _raw(
            port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode()
        )
        assert status == 431
        if path == "/layers":
            assert headers["content-type"].startswith("text/html") and "Yêu cầu quá lớn" in body.decode()
        else:
            assert json.loads(body)["error"]["code"] == "headers_too_large"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/layers", "GET, HEAD, OPTIONS"), ("/layers", "GET, HEAD, OPTIONS"), ("/login", "GET, HEAD, OPTIONS, POST")],
)
def test_trace_which_nginx_refuses_itself_is_answered_by_the_atlas(served, path, allowed):
    base, _ = served
    status, headers, body = _raw(
        _port(base), f"TRACE {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    )
    assert status == 405 and set(headers["allow"].split(", ")) == set(allowed.split(", "))
    if path.startswith("/api"):
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
    else:
        assert headers["content-type"].startswith("text/html") and b"nginx" not in body


def test_each_request_is_logged_once_by_nginx(served, served_log):
    base, _ = served
    marker = f"/tiles/rivers/8/203/113.pbf?logged={time.monotonic_ns()}"
    assert _get(base + marker)[0] in (200, 204)
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline and not lines:
        time.sleep(0.5)  # nginx flushes its log buffer within a second
        lines = [line for line in served_log.read_text(errors="replace").splitlines() if marker in line]
    # One line, in the combined format (the request line in quotes, then the status): nginx's, not gunicorn's too.
    assert len(lines) == 1 and re.search(rf'"GET {re.escape(marker)} HTTP/1\.1" (200|204) ', lines[0]), lines


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
