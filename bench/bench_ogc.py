#!/usr/bin/env python3
"""`make bench-ogc`: OGC API items throughput, the atlas against tipg 1.6.1, on the scale forest_cover.

Each request is one 1,000-feature page of `forest_cover` (200,000 plots) as GeoJSON, at offsets
spread over the whole table, the same list for both servers, walked by wrk (8 connections, 2
threads) after a warm-up. Both run as many workers as `make run` gives gunicorn, in the same run on
the same read-only database (default atlas_scale_export). It prints req/s for each and the ratio;
it never fails on a target. Run from the repository root: `.venv/bin/python bench/bench_ogc.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import contenders as cont  # noqa: E402
from bench.load import CONNECTIONS, THREADS, WrkResult, sequential_pass, warm_then_run  # noqa: E402
from bench.procs import ContenderFailed, ServerSet, free_port, raise_on_sigterm  # noqa: E402
from bench.tile_list import write_paths  # noqa: E402

WORK = ROOT / "var" / "bench"
LAYER = "forest_cover"
PAGE = 1000
SCALE_DATABASE = "postgresql://atlas@127.0.0.1:15432/atlas_scale_export"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line flags of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="length of each measured run (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="discarded warm-up before each run (default 5)")
    parser.add_argument("--pages", type=int, default=50, help="distinct pages in the list (default 50)")
    parser.add_argument("--timeout", type=int, default=30, help="wrk's per-request timeout in seconds")
    parser.add_argument("--port", type=int, default=5091, help="first port to try for the servers")
    parser.add_argument("--database-url", default=os.environ.get("ATLAS_BENCH_OGC_DATABASE_URL") or SCALE_DATABASE)
    parser.add_argument("--quick", action="store_true", help="5-second runs and 2-second warm-ups")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 5, 2
    return args


def offsets(pages: int, rows: int = 200_000) -> list[int]:
    """Page offsets spread evenly over the table (never past its end)."""
    step = max((rows - PAGE) // max(pages - 1, 1), 1)
    return [i * step for i in range(pages)]


def atlas_paths(pages: int) -> list[str]:
    """The atlas's items URLs."""
    return [f"/ogc/collections/{LAYER}/items?limit={PAGE}&offset={o}" for o in offsets(pages)]


def tipg_paths(pages: int) -> list[str]:
    """tipg's items URLs for the same pages, with the same geometry column (geom, WGS 84)."""
    return [f"/collections/layerdata.{LAYER}/items?limit={PAGE}&offset={o}&geom-column=geom" for o in offsets(pages)]


def check_pages(name: str, port: int, paths: list[str]) -> float:
    """One pass that checks every page holds 1,000 features; returns the mean body size in KB."""
    fetched = sequential_pass(port, paths[:3], 120.0, keep_bodies=True)
    for page in fetched:
        if page.status != 200 or len(json.loads(page.body)["features"]) != PAGE:
            raise ContenderFailed(f"{name}: {page.path} answered {page.status} without {PAGE} features")
    return sum(page.size for page in fetched) / len(fetched) / 1024


def measure(name: str, port: int, paths: list[str], args: argparse.Namespace) -> WrkResult:
    """Check the pages, then wrk over them; prints one line."""
    size_kb = check_pages(name, port, paths)
    result = warm_then_run(
        port, write_paths(WORK / "lists" / f"ogc.{name}.txt", paths), args.warmup, args.seconds, args.timeout
    )
    print(
        f"  {name:6} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
        f"  {size_kb:7.0f} KB a page  errors {result.errors}",
        flush=True,
    )
    return result


def main(argv: list[str]) -> int:
    """Run both contenders and print the comparison."""
    args = parse_args(argv)
    raise_on_sigterm()
    servers = ServerSet()
    print(
        f"OGC API items, {PAGE}-feature pages of {LAYER}, {len(offsets(args.pages))} offsets, "
        f"wrk {THREADS} threads x {CONNECTIONS} connections, {args.seconds} s, {cont.worker_count()} workers each"
    )
    try:
        atlas = cont.start_atlas(servers, "atlas-ogc", free_port(args.port), None, args.database_url, WORK / "logs")
        ours = measure("atlas", atlas.port, atlas_paths(args.pages), args)
        atlas.stop()
        venv = cont.ensure_tipg_venv(WORK / "tipg-venv")
        tipg = cont.start_tipg(servers, free_port(args.port + 1), args.database_url, [LAYER], venv, WORK / "logs")
        theirs = measure("tipg", tipg.port, tipg_paths(args.pages), args)
    except ContenderFailed as exc:
        print(f"benchmark stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        servers.stop_all()
    ratio = ours.rps / theirs.rps if theirs.rps else float("inf")
    print(f"atlas / tipg = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
