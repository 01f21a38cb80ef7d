"""The writers of `make bench-edit`: editors over HTTP with keep-alive connections, and a paced stream of SQL edits."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg2
from psycopg2 import sql

from bench.procs import LOOPBACK

# The attribute each editor changes: not drawn in tiles, so part 1 measures the write path alone.
EDITED_FIELDS = {
    "groundwater_wells": ("static_level_m", 0.5, 30.0),
    "water_permits": ("licensed_volume_m3_day", 10, 5000),
}
MERGE_PATCH = "application/merge-patch+json"


def scalar(conn, statement: sql.Composable | str, params: tuple = ()) -> int:
    """One number from the database (0 for NULL); ends the transaction."""
    with conn.cursor() as cur:
        cur.execute(statement, params)
        value = cur.fetchone()[0]
    conn.rollback()
    return int(value or 0)


@dataclass
class WriteLog:
    """What writers did: the latency of every successful write (seconds) and errors by kind."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, other: WriteLog) -> None:
        """Fold another writer's log into this one."""
        self.latencies += other.latencies
        self.errors.update(other.errors)

    @property
    def writes(self) -> int:
        """Successful writes."""
        return len(self.latencies)

    def percentile_ms(self, p: float) -> float:
        """The p-th percentile latency (nearest rank), in ms; NaN without writes."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = min(len(ordered), max(1, math.ceil(p / 100 * len(ordered))))
        return ordered[rank - 1] * 1000


def _etag_version(etag: str | None) -> int | None:
    tag = (etag or "").removeprefix("W/").strip('"')
    return int(tag) if tag.isdigit() else None


class Editor:
    """One editor: a keep-alive connection, a token, and its own features of one layer, patched in turn."""

    def __init__(self, port: int, token: str, layer_id: str, versions: dict[int, int], seed: int, timeout_s: float):
        self.port, self.layer_id, self.versions, self.timeout_s = port, layer_id, versions, timeout_s
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": MERGE_PATCH}
        self.rng = random.Random(seed)
        self.fids = sorted(versions)
        self.turn = 0
        self.conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout_s)

    def _body(self) -> str:
        name, low, high = EDITED_FIELDS[self.layer_id]
        return json.dumps({"properties": {name: round(self.rng.uniform(low, high), 2)}})

    def write_once(self, log: WriteLog) -> None:
        """PATCH the next feature with If-Match = the version the last answer gave; log the outcome."""
        fid = self.fids[self.turn % len(self.fids)]
        self.turn += 1
        headers = self.headers | {"If-Match": f'"{self.versions[fid]}"'}
        started = time.perf_counter()
        try:
            self.conn.request("PATCH", f"/api/layers/{self.layer_id}/features/{fid}", self._body(), headers)
            response = self.conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            log.errors["socket"] += 1
            self.conn.close()
            self.conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout_s)
            return
        took = time.perf_counter() - started
        version = _etag_version(response.getheader("ETag"))
        if response.status == 200 and version is not None:
            self.versions[fid] = version
            log.latencies.append(took)
            return
        log.errors[str(response.status)] += 1
        if response.status == 412:  # someone else wrote it (nobody should): carry on from its version
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self.versions[fid] = int(json.loads(body)["error"]["current"]["version"])

    def run(self, deadline: float, pause_s: float = 0.0) -> WriteLog:
        """Write until time.perf_counter() passes `deadline`: back to back, or `pause_s` apart."""
        log = WriteLog()
        while time.perf_counter() < deadline:
            self.write_once(log)
            if pause_s:
                time.sleep(pause_s)
        return log

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def run_editors(editors: list[Editor], seconds: float, pause_s: float = 0.0) -> tuple[WriteLog, float]:
    """Every editor in its own thread for `seconds` (saving `pause_s` apart); the merged log and real seconds."""
    started = time.perf_counter()
    deadline = started + seconds
    merged = WriteLog()
    with ThreadPoolExecutor(max_workers=len(editors)) as pool:
        for log in pool.map(lambda editor: editor.run(deadline, pause_s), editors):
            merged.add(log)
    return merged, time.perf_counter() - started


class PointEdits:
    """Edits of points straight in the database at a fixed rate, as the app writes them (one guarded UPDATE).

    Each edit moves a point about 20 m east or west and flips its drawn `status`, so the tiles
    it reaches really change; the features are chosen at random over the whole layer.
    """

    USER = "bench-edit-sql"

    def __init__(self, database_url: str, layer_id: str, rate: float, seed: int):
        self.database_url, self.layer_id, self.rate = database_url, layer_id, rate
        self.rng = random.Random(seed)
        self.statement = sql.SQL(
            "UPDATE {} SET geom = ST_Translate(geom, %s, 0),"
            " status = CASE WHEN status = 'operating' THEN 'idle' ELSE 'operating' END"
            " WHERE fid = %s AND version = %s RETURNING version"
        ).format(sql.Identifier("layerdata", layer_id))

    def run(self, seconds: float, stop: threading.Event) -> WriteLog:
        """Edit at `rate` per second for `seconds` (or until `stop`); a late edit is sent at once, never skipped."""
        log = WriteLog()
        conn = psycopg2.connect(self.database_url, connect_timeout=10, application_name="bench-edit")
        try:
            order, versions = self._features(conn)
            started = time.perf_counter()
            for number in range(int(seconds * self.rate)):
                wait = started + number / self.rate - time.perf_counter()
                if stop.wait(max(wait, 0.0)):
                    break
                fid = order[number % len(order)]
                self._edit(conn, fid, versions, 0.0002 if number // len(order) % 2 == 0 else -0.0002, log)
        finally:
            conn.close()
        return log

    def burst(self, count: int) -> WriteLog:
        """`count` edits back to back, unmeasured and without waiting for the disk (they only fill the change log)."""
        log = WriteLog()
        conn = psycopg2.connect(self.database_url, connect_timeout=10, application_name="bench-edit")
        try:
            with conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
            order, versions = self._features(conn)
            for number in range(count):
                fid = order[number % len(order)]
                self._edit(conn, fid, versions, 0.0002 if number // len(order) % 2 == 0 else -0.0002, log)
        finally:
            conn.close()
        return log

    def _features(self, conn) -> tuple[list[int], dict[int, int]]:
        """The layer's features in this stream's seeded order, and their versions."""
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT fid, version FROM {}").format(sql.Identifier("layerdata", self.layer_id)))
            versions = dict(cur.fetchall())
        conn.commit()
        order = sorted(versions)
        self.rng.shuffle(order)
        return order, versions

    def _edit(self, conn, fid: int, versions: dict[int, int], dx: float, log: WriteLog) -> None:
        began = time.perf_counter()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT set_config('atlas.user', %s, true)", (self.USER,))
                cur.execute(self.statement, (dx, fid, versions[fid]))
                row = cur.fetchone()
            conn.commit()
        except psycopg2.Error as exc:
            conn.rollback()
            log.errors[type(exc).__name__] += 1
            return
        if row is None:
            log.errors["stale version"] += 1
            return
        versions[fid] = row[0]
        log.latencies.append(time.perf_counter() - began)
