#!/usr/bin/env python3
"""`make bench-edit`: concurrent editors (history on and off), then edits under tile load, edit-aware vs whole-layer.

Run from the repository root with the project's virtualenv: `.venv/bin/python bench/bench_edit.py`
(`--quick` for short runs). It works on its own database (atlas_bench_edit, made again each run),
serves it as `make run` does, prints Markdown tables and writes them to var/bench/edit-results.md.
It never fails on a target; it exits non-zero only when a part could not be run at all.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402
from psycopg2 import sql  # noqa: E402

from atlas.migrate import drop_database  # noqa: E402
from atlas.settings import DEFAULT_DATABASE_URL  # noqa: E402
from bench import contenders as cont  # noqa: E402
from bench.edit_report import EditorsRun, TileRun, editors_section, tiles_section  # noqa: E402
from bench.edit_tiles import part_tiles  # noqa: E402
from bench.editing import EDITED_FIELDS, Editor, run_editors, scalar  # noqa: E402
from bench.procs import ContenderFailed, ServerSet, free_port, raise_on_sigterm  # noqa: E402
from bench.tile_list import DEFAULT_SEED  # noqa: E402

WORK = ROOT / "var" / "bench"
LOGS = WORK / "logs"
RESULTS = WORK / "edit-results.md"
EDITOR = "bench-editor"
OLD_COMMIT = "5b0f103"  # the last commit before editing: tiles keyed by the layer revision alone


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line flags of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--editors", type=int, default=20, help="concurrent editors (default 20)")
    parser.add_argument("--seconds", type=int, default=30, help="length of each editors' run (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="discarded editors' run before each (default 3)")
    parser.add_argument(
        "--pause-ms",
        type=int,
        default=500,
        help="a last history-on run where each editor waits this long between saves (default 500; 0: no such run)",
    )
    parser.add_argument("--tile-seconds", type=int, default=60, help="length of each tile run (default 60)")
    parser.add_argument("--edit-rate", type=float, default=5.0, help="edits per second under tile load (default 5)")
    parser.add_argument("--quick", action="store_true", help="5 s editors' runs, 15 s tile runs")
    parser.add_argument("--parts", default="1,2", help="which parts to run: 1 editors, 2 edits under tile load")
    parser.add_argument("--no-composite", action="store_true", help="load only the edited layer's tile URLs")
    parser.add_argument(
        "--prior-edits",
        type=int,
        default=2500,
        help="edits made before a last edit-aware tile run, to fill the change log (default 2500; 0: no such run)",
    )
    parser.add_argument("--old-commit", default=OLD_COMMIT, help="the whole-layer scheme's commit (default 5b0f103)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the tile list and the edits")
    parser.add_argument("--timeout", type=int, default=10, help="per-request timeout in seconds (default 10)")
    parser.add_argument("--port", type=int, default=5091, help="first port to try for the servers (default 5091)")
    parser.add_argument("--database-url", default=os.environ.get("ATLAS_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--database-name", default="atlas_bench_edit", help="the bench database, dropped and made")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup, args.tile_seconds = 5, 1, 15
    args.parts = {part.strip() for part in args.parts.split(",")}
    return args


def bench_database_url(base: str, name: str) -> str:
    """The server of `base` with the bench database's name; never the user's own database."""
    parts = urlsplit(base)
    if parts.path.strip("/") == name:
        raise SystemExit(f"bench-edit: {name} is the database of ATLAS_DATABASE_URL; pick another --database-name")
    return urlunsplit(parts._replace(path="/" + name))


def _atlas(url: str, *argv: str, stdin: str | None = None) -> str:
    """Run one of the atlas's commands against the bench database; its stdout."""
    env = dict(os.environ, ATLAS_DATABASE_URL=url)
    done = subprocess.run(list(argv), cwd=ROOT, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise ContenderFailed(f"{' '.join(argv[:4])} failed: {(done.stderr or done.stdout).strip()[-400:]}")
    return done.stdout


def prepare_database(url: str) -> str:
    """Drop and make the bench database (migrations, sample data) and an admin; returns the admin's token."""
    drop_database(url)
    print(_atlas(url, sys.executable, "-m", "atlas", "prepare").strip())
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    _atlas(url, flask, "--app", "wsgi", "create-user", EDITOR, "--role", "admin", stdin=secrets.token_urlsafe(24))
    return _atlas(url, flask, "--app", "wsgi", "create-token", EDITOR).strip().splitlines()[-1]


def set_history(url: str, on: bool) -> None:
    """`atlas.history` for new connections of the bench database: reset (on) or 'off'."""
    name = sql.Identifier(urlsplit(url).path.strip("/"))
    conn = psycopg2.connect(url, connect_timeout=10)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            statement = "ALTER DATABASE {} RESET atlas.history" if on else "ALTER DATABASE {} SET atlas.history = 'off'"
            cur.execute(sql.SQL(statement).format(name))
    finally:
        conn.close()


def _versions(conn, layer_id: str) -> dict[int, int]:
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT fid, version FROM {}").format(sql.Identifier("layerdata", layer_id)))
        rows = dict(cur.fetchall())
    conn.rollback()
    return rows


def _counts(conn) -> tuple[int, int]:
    """The editor's history rows, and the sum of the edited layers' versions."""
    history = scalar(conn, "SELECT count(*) FROM feature_history WHERE changed_by = %s", (EDITOR,))
    versions = sum(sum(_versions(conn, layer_id).values()) for layer_id in EDITED_FIELDS)
    return history, versions


def make_editors(conn, port: int, token: str, args) -> list[Editor]:
    """Editors in turn on each edited layer, each with its own slice of that layer's features."""
    layer_ids = list(EDITED_FIELDS)
    versions = {layer_id: _versions(conn, layer_id) for layer_id in layer_ids}
    per_layer = math.ceil(args.editors / len(layer_ids))
    editors = []
    for number in range(args.editors):
        layer_id = layer_ids[number % len(layer_ids)]
        fids = sorted(versions[layer_id])[number // len(layer_ids) :: per_layer]
        mine = {fid: versions[layer_id][fid] for fid in fids}
        editors.append(Editor(port, token, layer_id, mine, args.seed + number, args.timeout))
    return editors


def part_editors(servers: ServerSet, url: str, token: str, args) -> list[EditorsRun]:
    """The editors for a fixed time against a fresh server: back to back with history on, then off; then paced."""
    runs = []
    conn = psycopg2.connect(url, connect_timeout=10, application_name="bench-edit")
    scenarios = [("on", 0), ("off", 0)] + ([("on", args.pause_ms)] if args.pause_ms else [])
    try:
        for history, pause_ms in scenarios:
            set_history(url, history == "on")
            port = free_port(args.port)
            server = cont.start_atlas(servers, f"atlas-edit-history-{history}", port, None, url, LOGS)
            editors = make_editors(conn, port, token, args)
            try:
                if args.warmup:
                    run_editors(editors, args.warmup, pause_ms / 1000)
                history_before, versions_before = _counts(conn)
                log, seconds = run_editors(editors, args.seconds, pause_ms / 1000)
                history_after, versions_after = _counts(conn)
            finally:
                for editor in editors:
                    editor.close()
                server.stop()
            written, advanced = history_after - history_before, versions_after - versions_before
            runs.append(EditorsRun(history, pause_ms, args.editors, seconds, log, written, advanced))
            print(
                f"  history {history}, pause {pause_ms} ms: {log.writes / seconds:.1f} writes/s,"
                f" p99 {log.percentile_ms(99):.1f} ms"
            )
    finally:
        set_history(url, True)
        conn.close()
    return runs


def report(editors: list[EditorsRun], tiles: list[TileRun], code: dict[str, str], args, took: float) -> list[str]:
    """The whole Markdown note: what ran, then each part's table."""
    lines = [
        f"## bench-edit — {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"{platform.node()}: {os.cpu_count()} CPUs, {cont.worker_count()} gunicorn workers behind nginx; "
        f"{args.editors} editors × {args.seconds} s (+{args.warmup} s warm-up); "
        f"tiles {args.tile_seconds} s at {args.edit_rate:g} edits/s; took {took:.0f} s"
        f"{' (--quick)' if args.quick else ''}.",
        "",
    ]
    if editors:
        lines += [*editors_section(editors), ""]
    if tiles:
        lines += [*tiles_section(tiles, code, cont.worker_count()), ""]
    return lines


def main(argv: list[str]) -> int:
    """Run the parts, print the tables and write them to var/bench/edit-results.md."""
    args = parse_args(argv)
    raise_on_sigterm()
    started = time.monotonic()
    url = bench_database_url(args.database_url, args.database_name)
    servers = ServerSet()
    editors: list[EditorsRun] = []
    tiles: list[TileRun] = []
    code: dict[str, str] = {}

    def run_tiles() -> None:
        runs, labels = part_tiles(servers, url, args)
        tiles.extend(runs)
        code.update(labels)

    failed = []
    try:
        for part, title, run in (
            ("1", "editors", lambda: editors.extend(part_editors(servers, url, prepare_database(url), args))),
            ("2", "edits under tile load", run_tiles),
        ):
            if part not in args.parts:
                continue
            # Each part starts from a fresh database: part 2 should not inherit part 1's change log.
            print(f"[{part}] {title} (preparing {args.database_name} afresh)", flush=True)
            try:
                if part == "2":
                    prepare_database(url)
                run()
            except ContenderFailed as exc:
                print(f"  could not run: {exc}", flush=True)
                failed.append(title)
    except ContenderFailed as exc:
        print(f"bench-edit: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbench-edit: interrupted; stopping the servers.", file=sys.stderr)
        return 130
    finally:
        servers.stop_all()
    lines = report(editors, tiles, code, args, time.monotonic() - started)
    print()
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"(written to {RESULTS.relative_to(ROOT)})")
    if failed:
        print(f"bench-edit: could not run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
