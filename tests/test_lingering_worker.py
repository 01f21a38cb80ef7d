"""gunicorn with atlas/lingering_worker.py: back-to-back and pipelined requests answered, and no connection starved."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas.front import WORKER_CLASS
from tests.conftest import unused_port

ROOT = Path(__file__).resolve().parent.parent


def echo_app(environ, start_response):
    """A WSGI app answering with the path it was asked for."""
    body = environ["PATH_INFO"].encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def one_thread() -> Iterator[int]:
    """gunicorn with the atlas's worker class, one worker of one thread, serving echo_app; its port."""
    port = unused_port()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    command = [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "1"]
    command += ["--worker-class", WORKER_CLASS, "--keep-alive", "30", "tests.test_lingering_worker:echo_app"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def _request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def _read_response(reader) -> bytes:
    """The body of the next response on the connection (the app always sends a Content-Length)."""
    status = reader.readline()
    assert status.startswith(b"HTTP/1.1 200"), status
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return reader.read(length)


def test_pipelined_requests_on_one_connection_are_all_answered(one_thread):
    with socket.create_connection(("127.0.0.1", one_thread), timeout=10) as conn:
        reader = conn.makefile("rb")
        conn.sendall(_request("/first") + _request("/second"))
        assert [_read_response(reader), _read_response(reader)] == [b"/first", b"/second"]
        for n in range(20):
            conn.sendall(_request(f"/again/{n}"))
            assert _read_response(reader) == f"/again/{n}".encode()


def test_a_busy_connection_never_keeps_the_thread_from_another(one_thread):
    """One client asks without pause on its kept-alive connection; another, arriving meanwhile, is answered."""
    stop = threading.Event()
    answered = []

    def busy() -> None:
        with socket.create_connection(("127.0.0.1", one_thread), timeout=30) as conn:
            reader = conn.makefile("rb")
            # One request always sent ahead: whenever the thread is done, the next one is there already.
            conn.sendall(_request("/busy"))
            while not stop.is_set():
                conn.sendall(_request("/busy"))
                answered.append(_read_response(reader))

    client = threading.Thread(target=busy, daemon=True)
    client.start()
    try:
        while len(answered) < 50:
            time.sleep(0.01)
        # The busy connection always has its next request waiting: only the waiting count frees the thread.
        with socket.create_connection(("127.0.0.1", one_thread), timeout=10) as other:
            before = len(answered)
            other.sendall(_request("/other"))
            assert _read_response(other.makefile("rb")) == b"/other"
        # Served as soon as the thread was done with the busy request (with no turn taken, thousands came first).
        assert len(answered) - before < 100
        assert client.is_alive()  # the busy client was still asking all along
    finally:
        stop.set()
        client.join(timeout=30)
