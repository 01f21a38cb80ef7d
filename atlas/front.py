"""How `make run` serves: nginx in front of gunicorn when nginx is installed, else gunicorn alone.

nginx answers static assets and cached versioned tiles without Python; everything else goes
to gunicorn on a private loopback port. Both run as children of this process and stop together.
"""

from __future__ import annotations

import grp
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from atlas.front_errors import write_error_pages
from atlas.public_host import host_name, public_address
from atlas.request_limits import GUNICORN_LIMITS, NGINX_HEADER_BUFFERS
from atlas.security_headers import HEADERS, content_security_policy
from atlas.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FRONT_ROOT = ROOT / "var" / "front"
TEMPLATE = Path(__file__).resolve().parent / "deploy" / "nginx.conf.in"
# Only tiles named by their revisions (?v=) are kept. The others, TileJSON, and any request for a
# host the atlas does not serve go to @atlas: behind proxy_cache nginx would drop their
# If-None-Match (no 304) and make simultaneous requests for one URL wait on proxy_cache_lock.
TILE_CACHE = (
    "error_page 418 = @atlas;\n"
    '            if ($arg_v = "") { return 418; }\n'
    "            if ($atlas_untrusted_host) { return 418; }\n"
    "            proxy_cache tiles;\n"
    "            proxy_cache_key $request_uri;\n"
    "            proxy_cache_lock on;\n"
    # A signed-in official's tiles may hold exact positions: never answered from, nor kept in, the cache.
    "            proxy_cache_bypass $http_authorization $cookie_atlas_session;\n"
    "            proxy_no_cache $http_authorization $cookie_atlas_session;\n"
    "            add_header X-Front-Cache $upstream_cache_status;"
)


WORKER_CLASS = "atlas.lingering_worker.LingeringThreadWorker"
# How long nginx keeps an idle connection to gunicorn open for the next request.
UPSTREAM_IDLE_S = 60


def worker_count() -> int:
    """Processes for gunicorn and for nginx: one per core, at least two."""
    return max(2, os.cpu_count() or 1)


def free_loopback_port() -> int:
    """A port nobody listens on, for gunicorn behind nginx."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def front_dir(settings: Settings) -> Path:
    """nginx's config, logs, temp files and tile cache for this port (two servers never share them)."""
    return FRONT_ROOT / str(settings.port)


def _worker_user(directory: Path) -> str:
    """The `user` line for nginx: as root, workers run as the owner of the checkout.

    They must read the static files and write their temp and cache files, and a checkout
    under a private home folder is out of reach for `nobody`.
    """
    if os.geteuid() != 0:
        return ""
    owner = ROOT.stat()
    for path in (directory / "tmp", directory / "tile-cache"):
        os.chown(path, owner.st_uid, owner.st_gid)
    return f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"


def _front_headers(settings: Settings) -> dict[str, str]:
    """The app's security headers for the files nginx sends itself (none runs an inline block)."""
    return HEADERS | {"Content-Security-Policy": content_security_policy(None, settings.online_basemap)}


def write_nginx_config(settings: Settings, backend_port: int) -> Path:
    """Fill in the nginx template for this port, backend and cache size; returns the file."""
    directory = front_dir(settings)
    for sub in ("tmp", "tile-cache"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    write_error_pages(directory / "errors")
    address = public_address(settings)
    public_host = host_name(address.netloc)
    replacements = {
        "@WORKERS@": str(worker_count()),
        "@VAR@": str(directory),
        "@USER@": _worker_user(directory),
        "@CACHE_MB@": str(max(settings.tile_cache_mb * 4, 64)),
        "@BACKEND_PORT@": str(backend_port),
        "@PORT@": str(settings.port),
        "@STATIC@": str(ROOT / "atlas" / "static"),
        "@UPSTREAM_IDLE_S@": str(UPSTREAM_IDLE_S),
        "@TILE_CACHE@": TILE_CACHE if settings.tile_cache_mb else "# tile cache off (ATLAS_TILE_CACHE_MB=0)",
        "@HEADER_BUFFERS@": NGINX_HEADER_BUFFERS,
        "@SECURITY_HEADERS@": "\n            ".join(
            f'add_header {name} "{value}" always;' for name, value in _front_headers(settings).items()
        ),
        # The public host first: nginx's name for a request that names none.
        "@SERVER_NAMES@": " ".join([public_host, *sorted(address.trusted - {public_host})]),
        "@TRUSTED_MAP@": "\n".join(f'        "{name}" 0;' for name in sorted(address.trusted)),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in replacements.items():
        text = text.replace(key, value)
    config = directory / "nginx.conf"
    config.write_text(text, encoding="utf-8")
    return config


def gunicorn_command(bind: str, access_log: bool = True) -> list[str]:
    """gunicorn serving wsgi:app with threads, so requests wait for pooled connections.

    Behind nginx, nginx writes the access log (`access_log=False`); gunicorn alone writes its own.
    """
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    return [
        gunicorn,
        "--bind",
        bind,
        "--workers",
        str(worker_count()),
        "--worker-class",
        # gthread, whose threads answer a kept-alive connection's back-to-back requests themselves.
        WORKER_CLASS,
        "--threads",
        "4",
        # Longer than nginx keeps an idle upstream connection (keepalive_timeout in nginx.conf.in): if
        # gunicorn closed first, nginx could send a request into the closing socket and answer 502.
        "--keep-alive",
        str(UPSTREAM_IDLE_S + 15),
        *(["--access-logfile", "-"] if access_log else []),
        # Above the atlas's own limits, so the atlas answers an over-long request in its own form.
        *(part for pair in GUNICORN_LIMITS.items() for part in pair),
        "wsgi:app",
    ]


def _wait_for_port(port: int, child: subprocess.Popen, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and child.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def run_front(settings: Settings) -> int:
    """Run gunicorn on a private port and nginx on ATLAS_PORT until either stops or we are told to."""
    backend_port = free_loopback_port()
    config = write_nginx_config(settings, backend_port)
    # nginx puts the client's address in X-Forwarded-For; the app trusts that one hop (sign-in limits).
    environment = {"ATLAS_TRUSTED_PROXIES": "1"} | dict(os.environ)
    command = gunicorn_command(f"127.0.0.1:{backend_port}", access_log=False)
    backend = subprocess.Popen(command, cwd=ROOT, env=environment)
    children = [backend]
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM if signum != signal.SIGINT else signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not _wait_for_port(backend_port, backend):
        stop(signal.SIGTERM, None)
        return backend.wait() or 1
    prefix = config.parent
    front = subprocess.Popen(["nginx", "-e", str(prefix / "error.log"), "-c", str(config), "-p", str(prefix)], cwd=ROOT)
    children.append(front)
    while all(child.poll() is None for child in children) and not stopping:
        time.sleep(0.5)
    stop(signal.SIGTERM, None)
    codes = [child.wait() for child in children]
    return 0 if stopping else max(code or 0 for code in codes) or 1
