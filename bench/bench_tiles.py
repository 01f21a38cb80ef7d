#!/usr/bin/env python3
"""`make bench-tiles`: the atlas's tiles against the SQL floor, tipg 1.6.1 and nginx, on the scale layers.

Run from the repository root with the project's virtualenv: `.venv/bin/python bench/bench_tiles.py`
(`--quick` for 5-second runs). It prints; it never fails on a target. It exits non-zero only when
a contender could not be run at all, or when the scale data is missing. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402

from atlas.settings import DEFAULT_DATABASE_URL  # noqa: E402
from bench import contenders as cont  # noqa: E402
from bench.cpu import CpuSampler, DatabaseSessions, process_group  # noqa: E402
from bench.load import CONNECTIONS, THREADS, run_wrk, sequential_pass, warm_then_run, warm_until_cached  # noqa: E402
from bench.procs import ContenderFailed, ServerSet, free_port, raise_on_sigterm  # noqa: E402
from bench.report import ATLAS_COLD, ATLAS_WARM, NGINX, SQL_FLOOR, TIPG, LayerReport, Row, print_layer  # noqa: E402
from bench.sql_floor import pgbench_script, run_pgbench, time_tile_statements  # noqa: E402
from bench.tile_list import DEFAULT_SEED, Tile, build_tile_list, write_paths  # noqa: E402
from layers.catalogue import LayerDef, get_layer  # noqa: E402
from tiles.layer_sql import tile_fields  # noqa: E402

WORK = ROOT / "var" / "bench"
SCALE_ROWS = {"species_observations": 1_000_000, "forest_cover": 200_000}
PASS_TIMEOUT_S = 120.0
PHASE_KEYS = ("floor", "cold", "tipg", "warm", "nginx")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line flags of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="length of each measured run (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="discarded warm-up before each run (default 5)")
    parser.add_argument("--quick", action="store_true", help="5-second runs and 2-second warm-ups, to try it out")
    parser.add_argument("--layers", default=",".join(SCALE_ROWS), help="comma-separated layer ids")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the tile list")
    parser.add_argument("--timeout", type=int, default=10, help="wrk's per-request timeout in seconds (default 10)")
    parser.add_argument("--port", type=int, default=5081, help="first port to try for the servers (default 5081)")
    parser.add_argument("--database-url", default=os.environ.get("ATLAS_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--allow-small", action="store_true", help="run even when the scale data is not loaded")
    parser.add_argument(
        "--checkout",
        type=Path,
        default=ROOT,
        help="serve the atlas from this checkout (say, a worktree of an older commit)",
    )
    parser.add_argument(
        "--only", default=",".join(PHASE_KEYS), help=f"contenders to run, of {','.join(PHASE_KEYS)} (nginx needs warm)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 5, 2
    return args


def load_layers(conn, layer_ids: list[str], allow_small: bool) -> list[LayerDef] | None:
    """The catalogue entries of the layers; None (after saying why) when the scale data is missing."""
    layers = []
    for layer_id in layer_ids:
        try:
            layer = get_layer(conn, layer_id)
            with conn.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM layerdata.{layer.id}")
                rows = cur.fetchone()[0]
        except psycopg2.Error as exc:
            conn.rollback()
            print(f"bench-tiles: cannot read layer {layer_id}: {str(exc).splitlines()[0]}", file=sys.stderr)
            rows, layer = 0, None
        except Exception as exc:  # LayerNotFound and friends from the catalogue
            print(f"bench-tiles: {getattr(exc, 'message', exc)}", file=sys.stderr)
            rows, layer = 0, None
        wanted = SCALE_ROWS.get(layer_id, 0)
        if layer is None or (rows < wanted and not allow_small):
            print(
                f"bench-tiles: {layer_id} has {rows:,} rows, fewer than the {wanted:,} of the scale data. "
                "Run `make scale-data` first (or pass --allow-small).",
                file=sys.stderr,
            )
            return None
        print(f"  {layer_id}: {rows:,} rows")
        layers.append(layer)
    conn.rollback()
    return layers


def layer_tiles(layer: LayerDef, tiles: list[Tile]) -> list[Tile]:
    """The tiles of the list within the layer's zoom range (the atlas answers 204 outside it without SQL)."""
    return [t for t in tiles if layer.min_zoom <= t.z <= layer.max_zoom]


def atlas_paths(report: LayerReport, versioned: bool = False) -> list[str]:
    """The atlas's (and nginx's) URL paths of the layer's tiles, in list order.

    Versioned paths carry `?v=<revision>` as the map's TileJSON URLs do, which lets a cached
    tile be answered without asking the database.
    """
    query = f"?v={report.revision}" if versioned else ""
    return [cont.atlas_url_path(report.layer_id, t.z, t.x, t.y) + query for t in report.tiles]


def phase_sql_floor(conn, layers: list[LayerDef], reports: dict[str, LayerReport], args) -> None:
    """pgbench with the layer's own tile statement over the same tiles."""
    for layer in layers:
        report = reports[layer.id]
        script = WORK / "pgbench" / f"{layer.id}.sql"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(pgbench_script(conn, layer, report.tiles), encoding="utf-8")
        conn.rollback()
        if args.warmup:
            run_pgbench(script, args.database_url, args.warmup)
        sessions = DatabaseSessions(args.database_url, "bench-tiles")
        cpu = CpuSampler(sessions).start()
        result = run_pgbench(script, args.database_url, args.seconds, WORK / "pgbench" / f"{layer.id}-log")
        spent = cpu.stop()
        sessions.close()
        report.cpu_ms[SQL_FLOOR] = (spent * 1000 / result.transactions,) if result.transactions else ()
        report.rows[SQL_FLOOR] = Row.of_pgbench(result)
        report.sql_seconds = time_tile_statements(conn, layer, report.tiles)
        print(f"  {layer.id}: {result.tps:.1f} tiles/s")


def phase_atlas_cold(servers: ServerSet, reports: dict[str, LayerReport], args) -> None:
    """The atlas with ATLAS_TILE_CACHE_MB=0: a timed single-threaded pass, then wrk."""
    port = free_port(args.port)
    server = cont.start_atlas(servers, "atlas-nocache", port, 0, args.database_url, WORK / "logs", args.checkout)
    assert server.process is not None
    group = server.process.pid
    try:
        for report in reports.values():
            paths = atlas_paths(report)
            report.timed = sequential_pass(port, paths, PASS_TIMEOUT_S)
            lists = write_paths(WORK / "lists" / f"{report.layer_id}.atlas.txt", paths)
            if args.warmup:
                run_wrk(port, lists, args.warmup, args.timeout)
            listed = DatabaseSessions(args.database_url, "thanhhoa-atlas")
            own, sessions = CpuSampler(lambda: process_group(group)).start(), CpuSampler(listed).start()
            result = run_wrk(port, lists, args.seconds, args.timeout)
            own_s, sessions_s = own.stop(), sessions.stop()
            listed.close()
            if result.requests:
                report.cpu_ms[ATLAS_COLD] = (own_s * 1000 / result.requests, sessions_s * 1000 / result.requests)
            report.rows[ATLAS_COLD] = Row.of_wrk(result)
            print(f"  {report.layer_id}: {report.rows[ATLAS_COLD].rps:.1f} req/s")
    finally:
        server.stop()


def phase_tipg(servers: ServerSet, layers: list[LayerDef], reports: dict[str, LayerReport], args) -> None:
    """tipg 1.6.1 in its own virtualenv over the same tables."""
    venv = cont.ensure_tipg_venv(WORK / "tipg-venv")
    port = free_port(args.port + 1)
    server = cont.start_tipg(servers, port, args.database_url, [layer.id for layer in layers], venv, WORK / "logs")
    try:
        for layer in layers:
            report = reports[layer.id]
            fields = tuple(f.name for f in tile_fields(layer))
            paths = [cont.tipg_url_path(layer.id, fields, t.z, t.x, t.y) for t in report.tiles]
            lists = write_paths(WORK / "lists" / f"{layer.id}.tipg.txt", paths)
            report.rows[TIPG] = Row.of_wrk(warm_then_run(port, lists, args.warmup, args.seconds, args.timeout))
            print(f"  {layer.id}: {report.rows[TIPG].rps:.1f} req/s")
    finally:
        server.stop()


def dump_tiles(report: LayerReport, port: int) -> None:
    """One pass over the list that warms the cache and writes each tile to var/bench/tiles/{layer}/{z}/{x}/{y}.pbf."""
    target = WORK / "tiles" / report.layer_id
    shutil.rmtree(target, ignore_errors=True)
    report.dumped = sequential_pass(port, atlas_paths(report), PASS_TIMEOUT_S, keep_bodies=True)
    for tile, fetched in zip(report.tiles, report.dumped, strict=True):
        if fetched.status == 200:
            path = target / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(fetched.body)
    report.dumped = [f.__class__(f.path, f.status, f.seconds, f.size, b"", f.cache) for f in report.dumped]


def warm_every_worker(report: LayerReport, port: int, max_passes: int = 12) -> int:
    """Walk the versioned list until every worker's cache answers it; returns passes made."""
    paths = atlas_paths(report, versioned=True)
    return warm_until_cached(port, paths, cont.worker_count(), PASS_TIMEOUT_S, max_passes)


def phase_atlas_warm(servers: ServerSet, reports: dict[str, LayerReport], args) -> None:
    """The atlas with its default cache, warmed (the first pass also dumps the tiles), then wrk."""
    port = free_port(args.port + 2)
    server = cont.start_atlas(servers, "atlas-cache", port, None, args.database_url, WORK / "logs", args.checkout)
    try:
        for report in reports.values():
            dump_tiles(report, port)
            passes = warm_every_worker(report, port)
            lists = write_paths(WORK / "lists" / f"{report.layer_id}.atlas.txt", atlas_paths(report, versioned=True))
            report.rows[ATLAS_WARM] = Row.of_wrk(warm_then_run(port, lists, args.warmup, args.seconds, args.timeout))
            after = sequential_pass(port, atlas_paths(report, versioned=True), PASS_TIMEOUT_S)
            report.warm_hits = (sum(1 for f in after if f.cache == "hit"), len(after))
            print(f"  {report.layer_id}: {report.rows[ATLAS_WARM].rps:.1f} req/s (warmed by 1 + {passes} passes)")
    finally:
        server.stop()


def phase_nginx(servers: ServerSet, reports: dict[str, LayerReport], args) -> None:
    """nginx serving the dumped tiles from disk: the static ceiling."""
    port = free_port(args.port + 3)
    server = cont.start_nginx(servers, port, WORK / "nginx", WORK, WORK / "logs")
    try:
        for report in reports.values():
            lists = write_paths(WORK / "lists" / f"{report.layer_id}.nginx.txt", atlas_paths(report))
            report.rows[NGINX] = Row.of_wrk(warm_then_run(port, lists, args.warmup, args.seconds, args.timeout))
            print(f"  {report.layer_id}: {report.rows[NGINX].rps:.1f} req/s")
    finally:
        server.stop()


def run_phases(conn, servers: ServerSet, layers: list[LayerDef], reports: dict[str, LayerReport], args) -> list[str]:
    """Run every contender in turn; a contender that cannot run is recorded and the others go on."""
    every = {
        "floor": (SQL_FLOOR, lambda: phase_sql_floor(conn, layers, reports, args)),
        "cold": (ATLAS_COLD, lambda: phase_atlas_cold(servers, reports, args)),
        "tipg": (TIPG, lambda: phase_tipg(servers, layers, reports, args)),
        "warm": (ATLAS_WARM, lambda: phase_atlas_warm(servers, reports, args)),
        "nginx": (NGINX, lambda: phase_nginx(servers, reports, args)),
    }
    chosen = {key.strip() for key in args.only.split(",")}
    phases = [every[key] for key in PHASE_KEYS if key in chosen]
    failed = []
    for number, (name, phase) in enumerate(phases, start=1):
        print(f"[{number}/{len(phases)}] {name}", flush=True)
        try:
            phase()
        except ContenderFailed as exc:
            print(f"  could not run: {exc}", flush=True)
            failed.append(name)
            for report in reports.values():
                report.rows.setdefault(name, Row(failure=str(exc)))
    return failed


def print_header(layers: list[LayerDef], reports: dict[str, LayerReport], args, started: float) -> None:
    """What ran, where, and how long it took."""
    print()
    print(
        f"bench-tiles on {platform.node()}: {os.cpu_count()} CPUs, {cont.worker_count()} server workers each, "
        f"wrk -t{THREADS} -c{CONNECTIONS}, pgbench -c 8 -j 2; {args.warmup} s warm-up + {args.seconds} s per run; "
        f"took {time.monotonic() - started:.0f} s"
    )
    for layer in layers:
        tiles = reports[layer.id].tiles
        zooms = sorted({t.z for t in tiles})
        print(
            f"  {layer.id}: {len(tiles)} tiles, z{zooms[0]}-z{zooms[-1]}, "
            f"{sum(t.outside for t in tiles)} chosen outside the province (seed {args.seed})"
        )


def main(argv: list[str]) -> int:
    """Run the benchmark and print the tables; 1 if a contender could not run, 2 if the data is missing."""
    args = parse_args(argv)
    unknown = {key.strip() for key in args.only.split(",")} - set(PHASE_KEYS)
    if unknown:
        print(f"bench-tiles: --only takes {', '.join(PHASE_KEYS)} (not {', '.join(sorted(unknown))})", file=sys.stderr)
        return 2
    raise_on_sigterm()
    started = time.monotonic()
    conn = psycopg2.connect(args.database_url, connect_timeout=10, application_name="bench-tiles")
    servers = ServerSet()
    try:
        print("Layers:")
        layers = load_layers(conn, [s.strip() for s in args.layers.split(",") if s.strip()], args.allow_small)
        if layers is None:
            return 2
        tiles = build_tile_list(args.seed)
        reports = {layer.id: LayerReport(layer.id, layer_tiles(layer, tiles), layer.revision) for layer in layers}
        failed = run_phases(conn, servers, layers, reports, args)
    except KeyboardInterrupt:
        print("\nbench-tiles: interrupted; stopping the servers.", file=sys.stderr)
        return 130
    finally:
        servers.stop_all()
        conn.close()
    print_header(layers, reports, args, started)
    for layer in layers:
        print_layer(reports[layer.id], f"{layer.id} — {len(reports[layer.id].tiles)} tiles")
    if failed:
        print(f"\nbench-tiles: could not run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
