"""The database stopped and started again under a small concurrent load, on a throw-away cluster of its own.

While it is down every request that needs it is a 503 (never a 500); within 5 s of the start every
request succeeds again; and a feature PATCH in flight at the stop is committed whole or not at all.
The shared cluster is never touched: this test runs initdb in a temporary folder (as `postgres`
through runuser when root), on a port below the ephemeral range, and removes it afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import pwd
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
from flask import Flask
from werkzeug.serving import make_server

from atlas import create_app
from atlas.migrate import apply_migrations, ensure_database
from layers.registry import register_layer
from layers.sample.definitions import GROUNDWATER_WELLS
from tests.browser import QuietHandler
from tests.conftest import Account, new_account
from tests.test_tiles import tile_of

PG_BIN = Path("/usr/lib/postgresql/15/bin")
LAYER = GROUNDWATER_WELLS.id
WELLS = 12
RECOVERY_S = 5.0


def _as_owner(command: list[str]) -> list[str]:
    """initdb refuses root: as root the server runs as `postgres`, as scripts/pg-cluster.sh does."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _port_below_ephemeral_range() -> int:
    """A free loopback port under 32768, where no client's own source port can take it while the server is down."""
    for port in random.sample(range(20000, 32000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


@dataclass
class Cluster:
    """A throw-away PostgreSQL cluster: its folder, port, and the atlas database's URL over its unix socket."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        """The database, reached over the cluster's socket as the app reaches the embedded cluster."""
        return f"postgresql://atlas@/atlas_restart?host={self.folder / 'run'}&port={self.port}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.pg_ctl("-l", str(self.folder / "postgres.log"), "start")

    def pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on the cluster as its owner, waiting until it is done."""
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-w", *args]
        subprocess.run(_as_owner(command), check=True, capture_output=True, timeout=60, cwd="/")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """initdb, start, migrate, and the wells layer with a few wells (the part of the sample data the test needs)."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 is missing: scripts/system-packages.sh installs it")
    folder = Path(tempfile.mkdtemp(prefix="atlas-restart-"))
    (folder / "run").mkdir()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (folder, folder / "run"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    own = Cluster(folder, _port_below_ephemeral_range())
    try:
        initdb = [str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-U", "atlas", "--auth=trust"]
        subprocess.run(_as_owner([*initdb, "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True, cwd="/")
        with open(folder / "data" / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                f"port = {own.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder / 'run'}'\n"
                "fsync = off\nshared_buffers = 32MB\n"
            )
        own.start()
        ensure_database(own.url)
        apply_migrations(own.url)
        _load_wells(own.url)
        yield own
    finally:
        subprocess.run(
            _as_owner([str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            cwd="/",
        )
        shutil.rmtree(folder, ignore_errors=True)


def _load_wells(url: str) -> None:
    conn = psycopg2.connect(url)
    try:
        register_layer(conn, GROUNDWATER_WELLS)
        with conn.cursor() as cur:
            for n in range(WELLS):
                cur.execute(
                    "INSERT INTO layerdata.groundwater_wells (well_code, depth_m, geom)"
                    " VALUES (%s, 10, ST_SetSRID(ST_MakePoint(%s, 19.95), 4326))",
                    (f"GW-RESTART-{n}", 105.5 + n * 0.01),
                )
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def app(cluster: Cluster) -> Iterator[Flask]:
    """The atlas on that cluster."""
    application = create_app({"database_url": cluster.url, "pool_timeout_s": 2})
    yield application
    for pool in ("atlas.pool", "atlas.tile_pool"):
        application.extensions[pool].close()


@pytest.fixture(scope="module")
def served(app: Flask) -> Iterator[str]:
    """The atlas served over HTTP in threads on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()


@dataclass(frozen=True)
class Answer:
    """One request of the load: what it asked, when it was sent and answered, and its status."""

    path: str
    sent: float
    answered: float
    status: int


def _request(address: str, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> Answer:
    sent = time.monotonic()
    conn = http.client.HTTPConnection(address, timeout=15)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers=headers or {})
        status = conn.getresponse().status
    finally:
        conn.close()
    return Answer(path, sent, time.monotonic(), status)


@dataclass
class Load:
    """Reader threads asking for tiles, features and health until told to stop."""

    address: str
    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    PATHS = (
        "/tiles/groundwater_wells/{}/{}/{}.pbf".format(*tile_of(105.55, 19.95, 12)),  # unversioned: asks the database
        f"/api/layers/{LAYER}/features?limit=5",
        "/healthz",
    )

    def run(self, worker: int) -> None:
        n = worker
        while not self.stop.is_set():
            self.answers.append(_request(self.address, "GET", self.PATHS[n % len(self.PATHS)]))
            n += 1
            time.sleep(0.01)


def _wait_for_lock_wait(url: str, timeout_s: float = 10) -> None:
    """Until a session of the atlas waits for a row lock: the PATCH is then in flight inside its transaction."""
    deadline = time.monotonic() + timeout_s
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            while time.monotonic() < deadline:
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = 'thanhhoa-atlas' AND wait_event_type = 'Lock'"
                )
                if cur.fetchone()[0]:
                    return
                time.sleep(0.02)
    finally:
        conn.close()
    raise AssertionError("the PATCH never reached the row lock")


def _feature_state(url: str, fid: int) -> tuple[int, float, list[tuple[int, object]]]:
    """The feature's version and depth, and each history version with the depth it recorded."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version, depth_m FROM layerdata.groundwater_wells WHERE fid = %s", (fid,))
            version, depth = cur.fetchone()
            cur.execute(
                "SELECT version, after_properties->>'depth_m' FROM feature_history"
                " WHERE layer_id = %s AND fid = %s ORDER BY version",
                (LAYER, fid),
            )
            return version, depth, cur.fetchall()
    finally:
        conn.close()


def test_a_restart_under_load_is_503s_then_full_recovery_and_no_half_write(cluster, served):
    editor: Account = new_account(cluster.url, "editor", [LAYER])
    patch_headers = editor.bearer | {"Content-Type": "application/merge-patch+json"}
    fid = 1
    before = _feature_state(cluster.url, fid)
    load = Load(served)
    readers = [threading.Thread(target=load.run, args=(n,), daemon=True) for n in range(3)]
    for reader in readers:
        reader.start()
    time.sleep(0.5)

    # A PATCH held at the feature's row lock by another session is in flight when the server stops.
    locker = psycopg2.connect(cluster.url)
    with locker.cursor() as cur:
        cur.execute("SELECT 1 FROM layerdata.groundwater_wells WHERE fid = %s FOR UPDATE", (fid,))
    in_flight: list[Answer] = []
    patch = {"properties": {"depth_m": 77.5}}
    writer = threading.Thread(
        target=lambda: in_flight.append(
            _request(served, "PATCH", f"/api/layers/{LAYER}/features/{fid}", patch, patch_headers)
        )
    )
    writer.start()
    _wait_for_lock_wait(cluster.url)
    cluster.pg_ctl("-m", "fast", "stop")
    stopped = time.monotonic()
    writer.join(timeout=15)
    locker.close()
    time.sleep(1.5)
    down_patch = _request(
        served, "PATCH", f"/api/layers/{LAYER}/features/2", {"properties": {"depth_m": 5}}, patch_headers
    )
    starting = time.monotonic()
    cluster.start()
    started = time.monotonic()
    time.sleep(RECOVERY_S + 1)
    load.stop.set()
    for reader in readers:
        reader.join(timeout=20)

    answers = load.answers + in_flight + [down_patch]
    assert not [a for a in answers if a.status >= 500 and a.status != 503], "no 500 while the database restarts"
    down = [a for a in load.answers if a.sent > stopped and a.answered < starting]
    assert down and all(a.status == 503 for a in down), sorted({(a.path, a.status) for a in down})
    assert down_patch.status == 503
    late = [a for a in load.answers if a.sent >= started + RECOVERY_S]
    assert late and all(a.status == 200 for a in late), sorted({(a.path, a.status) for a in late if a.status != 200})
    failing_after_start = [a.answered - started for a in load.answers if a.sent >= started and a.status != 200]
    assert max(failing_after_start, default=0.0) < RECOVERY_S

    # The PATCH at the stop: committed whole (row and history at the new version) or not at all.
    assert in_flight and in_flight[0].status in (200, 503)
    version, depth, history = _feature_state(cluster.url, fid)
    if in_flight[0].status == 503 and version == before[0]:
        assert (depth, history) == (before[1], before[2]), "nothing of the unfinished write is left"
    else:
        assert version == before[0] + 1 and depth == 77.5
        assert history[-1] == (version, "77.5"), "the new version and its history row were committed together"
    after_recovery = _request(
        served, "PATCH", f"/api/layers/{LAYER}/features/{fid}", {"properties": {"depth_m": 12}}, patch_headers
    )
    assert after_recovery.status == 200
    assert _feature_state(cluster.url, fid)[:2] == (version + 1, 12)


def test_no_connection_the_server_closed_is_lent_after_a_restart(cluster, app):
    pool = app.extensions["atlas.pool"]
    held = [pool.borrow() for _ in range(4)]
    for conn in held:
        pool.give_back(conn)
    assert pool.idle_count == 4
    cluster.pg_ctl("-m", "fast", "stop")
    cluster.start()
    client = app.test_client()
    statuses = [client.get("/healthz").status_code for _ in range(4)]
    assert statuses == [200] * 4, "the first requests after the start get live connections"
