"""`make bench-load`: wrk for 60 s at 64 connections against the `make run` stack (nginx + gunicorn).

The mix is what people ask the atlas for: versioned tiles (the map), unversioned tiles (the
editor), feature pages of the API and of the site, search, pages and TileJSON, on the configured
database with the sample data. It prints errors, 5xx, p50/p99 and the resident memory of every
process (the serving process, gunicorn, nginx and the PostgreSQL backends of the database) in the
first and the last 10 s, after 20 s of the same load that fill every worker's caches (`--warmup`).
Targets: 0 errors, 0 5xx, memory flat. A script, not a test: it never fails.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from atlas.settings import load_settings
from bench.contenders import start_atlas
from bench.load import run_wrk, sequential_pass
from bench.memory import MemorySampler
from bench.procs import LOOPBACK, ServerSet, free_port
from bench.tile_list import province_tiles

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "wrk_load.lua"
SEARCHES = ["song ma", "pu luong", "ben en", "ho cua dat", "thanh hoa", "xuan lien", "giếng", "trạm"]
# How often each kind of request comes in the mix (per 100 requests).
WEIGHTS = {"versioned": 40, "unversioned": 15, "features": 15, "search": 10, "pages": 12, "tilejson": 8}


def _get_json(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://{LOOPBACK}:{port}{path}", timeout=30) as response:
        return json.load(response)


def _tile_paths(port: int, layer_ids: list[str], rng: random.Random) -> tuple[list[str], list[str]]:
    """Versioned (the map's composite URL) and unversioned (one layer, as the editor) tiles over the province."""
    template = urlsplit(_get_json(port, f"/tiles/{','.join(layer_ids)}.json")["tiles"][0])
    addresses = [
        (z, x, y) for z in range(8, 13) for x, y in rng.sample(province_tiles(z), min(8, len(province_tiles(z))))
    ]
    versioned = [
        template.path.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)) + "?" + template.query
        for z, x, y in addresses
    ]
    unversioned = [f"/tiles/{rng.choice(layer_ids)}/{z}/{x}/{y}.pbf" for z, x, y in addresses]
    return versioned, unversioned


def build_mix(port: int, seed: int) -> dict[str, list[str]]:
    """The paths of each kind, from what the running atlas says about its layers."""
    rng = random.Random(seed)
    layer_ids = [layer["id"] for layer in _get_json(port, "/api/layers")["layers"]]
    versioned, unversioned = _tile_paths(port, layer_ids, rng)
    features: list[str] = []
    for layer_id in layer_ids:
        features += [f"/api/layers/{layer_id}/features?limit=50&offset={k * 50}" for k in range(3)]
        fids = [f["id"] for f in _get_json(port, f"/api/layers/{layer_id}/features?limit=3")["features"]]
        features += [f"/layers/{layer_id}/features/{fid}" for fid in fids]
    pages = ["/", "/?lang=en", "/layers", "/layers?lang=en", "/export", "/login"]
    pages += [f"/layers/{layer_id}" for layer_id in layer_ids]
    return {
        "versioned": versioned,
        "unversioned": unversioned,
        "features": features,
        "search": [f"/api/search?q={quote(q)}" for q in SEARCHES],
        "pages": pages,
        "tilejson": [f"/tiles/{layer_id}.json" for layer_id in layer_ids] + [f"/tiles/{','.join(layer_ids)}.json"],
    }


def weighted_paths(mix: dict[str, list[str]], seed: int, total: int = 2000) -> list[str]:
    """`total` paths drawn by WEIGHTS, shuffled with the seed."""
    rng = random.Random(seed)
    paths = [rng.choice(mix[kind]) for kind, weight in WEIGHTS.items() for _ in range(total * weight // 100)]
    rng.shuffle(paths)
    return paths


def database_backends(conn: psycopg2.extensions.connection) -> Callable[[], list[int]]:
    """A function listing the PostgreSQL backends of the database (the pools open them as the load grows)."""

    def backends() -> list[int]:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [row[0] for row in cur.fetchall()]

    return backends


def print_report(result, sampler: MemorySampler, seconds: int, paths: int) -> None:
    """The load's numbers, then the memory table."""
    server_errors = result.extra.get("server_errors", "?")
    print(f"\nwrk {seconds} s, 64 connections, 2 threads, {paths} paths in the mix ({WEIGHTS})")
    print(f"  requests {result.requests:,}  ({result.rps:,.0f}/s)")
    print(f"  socket errors {result.socket_errors}, timeouts {result.timeouts}, status >= 400: {result.status_errors}")
    print(f"  5xx {server_errors}")
    print(f"  latency p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms")
    print(f"\n  {'pid':>7}  {'process':<60} {'first 10 s':>11} {'last 10 s':>10} {'change':>8}")
    end = max((t for samples in sampler.samples.values() for t, _ in samples), default=0.0)
    for pid, name in sorted(sampler.names.items(), key=lambda item: item[1]):
        first = sampler.window_mean_mb(pid, 0, 10)
        last = sampler.window_mean_mb(pid, end - 10, end)
        if first is None or last is None:
            print(f"  {pid:>7}  {name:<60} {'(gone or new)':>31}")
            continue
        print(f"  {pid:>7}  {name:<60} {first:>8.1f} MB {last:>7.1f} MB {last - first:>+6.1f} MB")


def main() -> None:
    """Start the stack, check the mix, run wrk while sampling memory, print, stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="seconds of the same load first, not measured (fills every worker's caches)",
    )
    args = parser.parse_args()
    settings = load_settings()
    servers = ServerSet()
    logs = ROOT / "var" / "bench" / "load"
    try:
        port = free_port(18480)
        server = start_atlas(servers, "atlas-load", port, None, settings.database_url, logs)
        mix = build_mix(port, args.seed)
        paths = weighted_paths(mix, args.seed)
        unique = sorted(set(paths))
        failed = [(f.path, f.status) for f in sequential_pass(port, unique, 30) if not 200 <= f.status < 400]
        print(f"{len(unique)} distinct paths, each asked once first (warms the caches): {len(failed)} not 2xx/3xx")
        for path, status in failed[:10]:
            print(f"  {status} {path}")
        assert server.process is not None
        watcher = psycopg2.connect(settings.database_url)
        watcher.autocommit = True
        sampler = MemorySampler(server.process.pid, database_backends(watcher))
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
            listing.write("\n".join(paths) + "\n")
        if args.warmup > 0:
            # One pass above reaches one worker per path; each worker keeps its own tile cache.
            run_wrk(port, Path(listing.name), args.warmup, 10, SCRIPT, args.connections, 2)
            print(f"{args.warmup} s of the same load first, not measured")
        sampler.start()
        try:
            result = run_wrk(port, Path(listing.name), args.seconds, 10, SCRIPT, args.connections, 2)
        finally:
            sampler.stop()
            watcher.close()
        print_report(result, sampler, args.seconds, len(paths))
    finally:
        servers.stop_all()


if __name__ == "__main__":
    main()
