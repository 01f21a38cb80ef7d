"""The SQL floor: pgbench running the layer's own tile statement over the same tiles, no HTTP at all."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from bench.procs import ContenderFailed
from bench.tile_list import Tile
from layers.catalogue import LayerDef
from tiles.layer_sql import layer_tile_query

_PARAM = re.compile(r"\$([1-3])(?![0-9])")
_VARIABLES = {"1": ":z", "2": ":x", "3": ":y"}
# The atlas's pooled sessions run with this (atlas/db.py); pgbench's sessions get it through PGOPTIONS.
SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0"


@dataclass(frozen=True)
class PgbenchResult:
    """What one pgbench run measured (latencies in milliseconds, per transaction = per tile)."""

    tps: float
    transactions: int
    failed: int
    aborted_clients: int
    p50_ms: float
    p99_ms: float
    mean_ms: float


def tile_statement(conn: Connection, layer: LayerDef, z: int) -> tuple[str, str]:
    """(name, SQL text) of the statement the atlas prepares for this layer at zoom z; $1..$3 = z, x, y."""
    if len(inspect.signature(layer_tile_query).parameters) >= 2:
        query = layer_tile_query(layer, z)  # type: ignore[call-arg]
    else:  # the statement did not depend on the zoom before generalisation
        query = layer_tile_query(layer)  # type: ignore[call-arg]
    return query.name, query.text.as_string(conn)


def pgbench_script(conn: Connection, layer: LayerDef, tiles: list[Tile]) -> str:
    """A pgbench script: pick a random tile of the list, then run the layer's statement for its zoom."""
    lines = [f"-- make bench-tiles: {layer.id}, {len(tiles)} tiles", f"\\set i random(1, {len(tiles)})"]
    for number, tile in enumerate(tiles, start=1):
        lines.append(f"\\{'if' if number == 1 else 'elif'} :i = {number}")
        lines += [f"\\set z {tile.z}", f"\\set x {tile.x}", f"\\set y {tile.y}"]
    lines.append("\\endif")
    by_name: dict[str, tuple[str, list[int]]] = {}
    for z in sorted({t.z for t in tiles}):
        name, text = tile_statement(conn, layer, z)
        by_name.setdefault(name, (text, []))[1].append(z)
    for number, (text, zooms) in enumerate(by_name.values()):
        if len(by_name) > 1:
            condition = " or ".join(f":z = {z}" for z in zooms)
            lines.append(f"\\{'if' if number == 0 else 'elif'} {condition}")
        lines.append(_PARAM.sub(lambda m: _VARIABLES[m.group(1)], text).strip().rstrip(";") + ";")
    if len(by_name) > 1:
        lines.append("\\endif")
    return "\n".join(lines) + "\n"


def time_tile_statements(conn: Connection, layer: LayerDef, tiles: list[Tile]) -> list[float]:
    """Seconds the layer's prepared statement takes for each tile, once each on one session, as the atlas runs it."""
    seconds = []
    with conn.cursor() as cur:
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL statement_timeout = 120000")
        prepared: set[str] = set()
        for tile in tiles:
            name, text = tile_statement(conn, layer, tile.z)
            if name not in prepared:
                cur.execute(
                    sql.SQL("PREPARE {} (integer, integer, integer) AS ").format(sql.Identifier(name)) + sql.SQL(text)
                )
                prepared.add(name)
            started = time.perf_counter()
            cur.execute(sql.SQL("EXECUTE {} (%s, %s, %s)").format(sql.Identifier(name)), (tile.z, tile.x, tile.y))
            cur.fetchone()
            seconds.append(time.perf_counter() - started)
        cur.execute("DEALLOCATE ALL")
    conn.rollback()
    return seconds


def run_pgbench(script: Path, database_url: str, seconds: int, log_dir: Path | None = None) -> PgbenchResult:
    """pgbench -M prepared -n -c 8 -j 2 -T seconds with the script; per-transaction log when log_dir is set."""
    pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    argv = [pgbench, "-M", "prepared", "-n", "-c", "8", "-j", "2", "-T", str(seconds), "-f", str(script)]
    if log_dir is not None:
        shutil.rmtree(log_dir, ignore_errors=True)
        log_dir.mkdir(parents=True)
        argv += ["-l", f"--log-prefix={log_dir / 'tx'}"]
    env = dict(os.environ, PGOPTIONS=SESSION_OPTIONS, PGAPPNAME="bench-tiles")
    try:
        done = subprocess.run([*argv, database_url], capture_output=True, text=True, env=env, timeout=seconds + 300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ContenderFailed(f"pgbench did not run: {exc}") from exc
    output = done.stdout + done.stderr
    tps = _number(r"^tps = ([0-9.]+)", output)
    if tps is None:
        tail = " | ".join(output.strip().splitlines()[-3:])
        raise ContenderFailed(f"pgbench failed (exit {done.returncode}): {tail}")
    latencies = _log_latencies_ms(log_dir) if log_dir is not None else []
    return PgbenchResult(
        tps=tps,
        transactions=int(_number(r"actually processed: ([0-9]+)", output) or 0),
        failed=int(_number(r"number of failed transactions: ([0-9]+)", output) or 0),
        aborted_clients=len(re.findall(r"client [0-9]+ aborted", output)),
        p50_ms=_percentile(latencies, 50),
        p99_ms=_percentile(latencies, 99),
        mean_ms=statistics.fmean(latencies) if latencies else float("nan"),
    )


def _number(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else None


def _log_latencies_ms(log_dir: Path) -> list[float]:
    """Latencies of the successful transactions in pgbench's per-transaction logs (3rd field, µs)."""
    values = []
    for path in log_dir.glob("tx*"):
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                values.append(int(fields[2]) / 1000.0)
    return values


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[index]
