"""Part 2 of `make bench-edit`: edits at a steady rate under tile load, edit-aware tiles against whole-layer ones."""

from __future__ import annotations

import http.client
import math
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
from prometheus_client.parser import text_string_to_metric_families

from bench import contenders as cont
from bench.edit_report import IN_FLIGHT, TileRun
from bench.editing import PointEdits, scalar
from bench.load import run_wrk, sequential_pass, warm_until_cached
from bench.procs import LOOPBACK, ContenderFailed, ServerSet, free_port
from bench.tile_list import Tile, build_tile_list, write_paths
from layers.catalogue import get_layer, list_layers
from tiles.style_json import draw_rank

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
WRK_EDIT = Path(__file__).resolve().parent / "wrk_edit.lua"
TILE_LAYER = "groundwater_wells"
OLD_CHECKOUT = WORK / "old-tiles"
PASS_TIMEOUT_S = 120.0
EDIT_AWARE, WHOLE_LAYER = "edit-aware", "whole-layer"


def tile_lists(conn, seed: int, composite: bool) -> tuple[list[Tile], dict[str, list[str]]]:
    """The tiles, and the unversioned URL paths of the edited layer's tiles and of the map's composite with it."""
    layer = get_layer(conn, TILE_LAYER)
    tiles = [t for t in build_tile_list(seed) if layer.min_zoom <= t.z <= layer.max_zoom]
    ids = [TILE_LAYER]
    if composite:
        shown = [item for item in list_layers(conn) if item.visible_by_default or item.id == TILE_LAYER]
        shown.sort(key=draw_rank)
        ids.append(",".join(item.id for item in shown))
    conn.rollback()
    return tiles, {layer_ids: [f"/tiles/{layer_ids}/{t.zxy}.pbf" for t in tiles] for layer_ids in ids}


def layer_misses(port: int) -> float:
    """The atlas's own count (/metrics) of tiles drawn that carry the edited layer."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode("utf-8")
    finally:
        conn.close()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "atlas_tiles_total" and sample.labels == {"layer": TILE_LAYER, "cache": "miss"}
    )


def changes_kept(conn) -> int:
    """How many changes of the edited layer `tile_change` holds (what an unversioned tile's lookup reads)."""
    return scalar(conn, "SELECT count(DISTINCT revision) FROM tile_change WHERE layer_id = %s", (TILE_LAYER,))


def reached_per_edit(conn, since_history_id: int, tiles: list[Tile]) -> float:
    """Per edit after history row `since_history_id`: how many tiles of the list its old and new geometry reach.

    The ranges are computed again from each edit's history (before and after), with the same
    function the trigger uses: `tile_change` keeps only the latest change of a range, so it no longer
    holds every edit's own.
    """
    with conn.cursor() as cur:
        cur.execute(
            "SELECT h.id, r.z, r.x0, r.y0, r.x1, r.y1 FROM feature_history h JOIN layer l ON l.id = h.layer_id,"
            " LATERAL (SELECT * FROM atlas_tile_ranges(ST_Transform(h.before_geom, 3857)::box2d,"
            " l.min_zoom, l.max_zoom) UNION"
            " SELECT * FROM atlas_tile_ranges(ST_Transform(h.after_geom, 3857)::box2d, l.min_zoom, l.max_zoom)) r"
            " WHERE h.layer_id = %s AND h.changed_by = %s AND h.id > %s",
            (TILE_LAYER, PointEdits.USER, since_history_id),
        )
        ranges = cur.fetchall()
    conn.rollback()
    edits = len({row[0] for row in ranges})
    # A move's old and new box mostly reach the same tiles: count each tile once per edit.
    reached = {
        (edit, t)
        for edit, z, x0, y0, x1, y1 in ranges
        for t in tiles
        if t.z == z and x0 <= t.x <= x1 and y0 <= t.y <= y1
    }
    return len(reached) / edits if edits else math.nan


def _load_while_editing(port: int, files: dict[str, Path], url: str, args):
    """wrk on every list at once while the edits arrive; the wrk results and the edits' log."""
    connections, threads = (4, 1) if len(files) > 1 else (8, 2)
    stop = threading.Event()
    edits = PointEdits(url, TILE_LAYER, args.edit_rate, args.seed)
    with ThreadPoolExecutor(max_workers=len(files) + 1) as pool:
        edited = pool.submit(edits.run, args.tile_seconds, stop)
        loads = {
            ids: pool.submit(run_wrk, port, path, args.tile_seconds, args.timeout, WRK_EDIT, connections, threads)
            for ids, path in files.items()
        }
        try:
            results = {ids: future.result() for ids, future in loads.items()}
        finally:
            stop.set()
        return results, edited.result()


def measure_scheme(servers: ServerSet, scheme: str, checkout: Path, url: str, tiles: list[Tile], lists, args):
    """One fresh server of one scheme: warm every list, then wrk on each list while edits arrive in SQL."""
    port = free_port(args.port)
    server = cont.start_atlas(servers, f"atlas-tiles-{scheme}", port, None, url, WORK / "logs", checkout)
    conn = psycopg2.connect(url, connect_timeout=10, application_name="bench-edit")
    try:
        files, hit_ms = {}, {}
        for number, (ids, paths) in enumerate(lists.items()):
            files[ids] = write_paths(WORK / "lists" / f"edit-{number}.txt", paths)
            _warm(port, paths, files[ids], args.timeout)
            hit_ms[ids] = _mean_hit_ms(port, paths)
        kept = changes_kept(conn)
        last_history = scalar(conn, "SELECT coalesce(max(id), 0) FROM feature_history")
        misses_before = layer_misses(port)
        results, log = _load_while_editing(port, files, url, args)
        metric_misses = layer_misses(port) - misses_before
        reached = reached_per_edit(conn, last_history, tiles)
        runs = []
        for ids, result in results.items():
            label = ids if ids == TILE_LAYER else f"composite ({ids.count(',') + 1} layers)"
            runs.append(TileRun(scheme, label, len(tiles), kept, hit_ms[ids], result, log, reached, metric_misses))
            print(f"  {scheme}, {kept} changes kept, {label}: {result.rps:.0f} req/s, {run_misses(result)} re-renders")
        return runs
    finally:
        conn.close()
        server.stop()


def _warm(port: int, paths: list[str], paths_file: Path, timeout_s: int, tries: int = 10) -> None:
    """Fill every worker's cache: sequential passes, then short wrk runs until one sees no miss.

    Behind nginx a sequential pass tends to reach one gunicorn worker only (nginx reuses one
    upstream connection), so the check runs with wrk's 8 connections, which reach them all.
    """
    warm_until_cached(port, paths, cont.worker_count(), PASS_TIMEOUT_S)
    for _ in range(tries):
        if run_misses(run_wrk(port, paths_file, 2, timeout_s, WRK_EDIT, IN_FLIGHT, 2)) == 0:
            return
    print(f"  warning: the cache still missed after {tries} warm-up runs; the first misses count as re-renders")


def _mean_hit_ms(port: int, paths: list[str]) -> float:
    """Mean time of a cache hit, one request at a time over the warmed list, before any load."""
    seconds = [f.seconds for f in sequential_pass(port, paths, PASS_TIMEOUT_S) if f.cache == "hit"]
    return sum(seconds) / len(seconds) * 1000 if seconds else math.nan


def run_misses(result) -> int:
    """The misses wrk_edit.lua counted."""
    return int(result.extra.get("misses", 0))


def _git(*argv: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise ContenderFailed(f"git {' '.join(argv)} failed: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def head_label() -> str:
    """HEAD's short hash, marked when the served code has uncommitted changes."""
    dirty = _git("status", "--porcelain", "--", "atlas", "layers", "tiles", "sql", "wsgi.py")
    return _git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if dirty else "")


def add_old_checkout(commit: str) -> Path:
    """`git worktree add` of the whole-layer scheme's commit under var/bench/old-tiles."""
    remove_old_checkout()
    _git("worktree", "add", "--detach", str(OLD_CHECKOUT), commit)
    return OLD_CHECKOUT


def remove_old_checkout() -> None:
    """Remove the old worktree if it is there."""
    if OLD_CHECKOUT.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(OLD_CHECKOUT)], check=False)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)


def part_tiles(servers: ServerSet, url: str, args) -> tuple[list[TileRun], dict[str, str]]:
    """Edit-aware tiles, whole-layer tiles (the old commit), then edit-aware again with a full change log.

    Returns the runs and which code each scheme was.
    """
    conn = psycopg2.connect(url, connect_timeout=10, application_name="bench-edit")
    try:
        tiles, lists = tile_lists(conn, args.seed, not args.no_composite)
    finally:
        conn.close()
    if not _git("log", "--oneline", "-i", "--grep=edit-aware"):
        print("  note: no commit mentions edit-aware tiles yet; this checkout may still key tiles by revision")
    code = {EDIT_AWARE: head_label(), WHOLE_LAYER: args.old_commit}
    runs = measure_scheme(servers, EDIT_AWARE, ROOT, url, tiles, lists, args)
    try:
        old = add_old_checkout(args.old_commit)
        runs += measure_scheme(servers, WHOLE_LAYER, old, url, tiles, lists, args)
    finally:
        remove_old_checkout()
    if args.prior_edits:
        print(f"  {args.prior_edits} more edits, so the change log is as full as a busy layer keeps it ...", flush=True)
        PointEdits(url, TILE_LAYER, args.edit_rate, args.seed + 1).burst(args.prior_edits)
        runs += measure_scheme(servers, EDIT_AWARE, ROOT, url, tiles, lists, args)
    return runs, code
