"""`make bench-io` (export half): our exports against ogr2ogr on the same PostGIS, in the same run.

forest_cover of the scale database (`make scale-data`: about 200,000 polygons) is exported to a
zipped shapefile in EPSG:5897 and to a GeoPackage in EPSG:5897, once by `flask export` and once
by ogr2ogr (gdal-bin) reading the same columns. Each tool runs as a child process; its wall time
and peak resident memory (wait4's ru_maxrss) are printed with the ratios ours/ogr2ogr. It prints;
it never fails on a target (issue 8: at most 1.2x ogr2ogr, memory bounded).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402

from atlas.settings import load_settings  # noqa: E402

LAYER = "forest_cover"
SRID = 5897


@dataclass(frozen=True)
class Run:
    """One measured child process: wall seconds and peak resident memory in MB."""

    seconds: float
    peak_mb: float


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run `command` to its end; its wall time and peak RSS (kernel's count for that child alone)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed: {child.stderr.read().decode()[-600:] if child.stderr else ''}")
    return Run(seconds, usage.ru_maxrss / 1024)


def median_run(runs: list[Run]) -> Run:
    """The median time and the largest peak memory of several runs."""
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs))


def pg_source(url: str) -> str:
    """The database URL as ogr2ogr's PG: connection string."""
    parts = urlsplit(url)
    fields = {"dbname": parts.path.strip("/"), "host": parts.hostname, "port": parts.port, "user": parts.username}
    return "PG:" + " ".join(f"{k}={v}" for k, v in fields.items() if v)


def columns_sql(url: str) -> tuple[str, int]:
    """The SELECT ogr2ogr reads (our columns, not the tile geometry) and the layer's feature count."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT fields FROM layer WHERE id = %s", (LAYER,))
            row = cur.fetchone()
            if row is None:
                raise SystemExit("No forest_cover layer: run `make scale-data` first.")
            names = ", ".join(f'"{f["name"]}"' for f in row[0])
            cur.execute(f"SELECT count(*) FROM layerdata.{LAYER}")
            (count,) = cur.fetchone()
    finally:
        conn.close()
    return f"SELECT fid, version, updated_at, {names}, geom FROM layerdata.{LAYER} ORDER BY fid", count


def ours(url: str, fmt: str, output: Path) -> Run:
    """`flask --app wsgi export` of the layer."""
    flask = str(Path(sys.executable).parent / "flask")
    command = [flask, "--app", "wsgi", "export", LAYER, "--format", fmt, "--crs", f"EPSG:{SRID}", "-o", str(output)]
    return measure(command, env=dict(os.environ, ATLAS_DATABASE_URL=url))


def ogr2ogr_shapefile(url: str, select: str, folder: Path) -> Run:
    """ogr2ogr to a shapefile in EPSG:5897 with a .cpg, then zip -1 of its files (both timed)."""
    out = folder / "ogr_shp"
    first = measure(
        ["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", f"EPSG:{SRID}", "-lco", "ENCODING=UTF-8", "-nln", LAYER,
         str(out), pg_source(url), "-sql", select]
    )  # fmt: skip
    files = sorted(str(p) for p in out.iterdir())
    packing = measure(["zip", "-1", "-q", "-j", str(folder / "ogr.zip"), *files])
    return Run(first.seconds + packing.seconds, max(first.peak_mb, packing.peak_mb))


def ogr2ogr_geopackage(url: str, select: str, folder: Path) -> Run:
    """ogr2ogr to a GeoPackage in EPSG:5897."""
    command = ["ogr2ogr", "-f", "GPKG", "-t_srs", f"EPSG:{SRID}", "-nln", LAYER, str(folder / "ogr.gpkg")]
    return measure([*command, pg_source(url), "-sql", select])


def main() -> None:
    """Measure both exports with both tools and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("ATLAS_DATABASE_URL") or load_settings().database_url)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each, alternating; the median is shown.")
    args = parser.parse_args()
    select, count = columns_sql(args.database_url)
    folder = Path(tempfile.mkdtemp(prefix="bench-io-"))
    rows = []
    try:
        load = os.getloadavg()[0]
        cores = os.cpu_count()
        print(f"{LAYER}: {count:,} features; EPSG:{SRID}; median of {args.repeat}; load {load:.1f} on {cores} cores")
        for label, mine, theirs in (
            ("shapefile (zip)", lambda: ours(args.database_url, "shp", folder / "ours.zip"),
             lambda: ogr2ogr_shapefile(args.database_url, select, folder)),
            ("GeoPackage", lambda: ours(args.database_url, "gpkg", folder / "ours.gpkg"),
             lambda: ogr2ogr_geopackage(args.database_url, select, folder)),
        ):  # fmt: skip
            runs = [(mine(), theirs()) for _ in range(args.repeat)]  # alternating: both see the same load
            rows.append((label, median_run([a for a, _ in runs]), median_run([b for _, b in runs])))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{'export':<18}{'ours s':>9}{'ogr2ogr s':>11}{'ratio':>8}{'ours MB':>10}{'ogr2ogr MB':>12}{'ratio':>8}")
    for label, a, b in rows:
        print(
            f"{label:<18}{a.seconds:>9.1f}{b.seconds:>11.1f}{a.seconds / b.seconds:>8.2f}"
            f"{a.peak_mb:>10.0f}{b.peak_mb:>12.0f}{a.peak_mb / b.peak_mb:>8.2f}"
        )


if __name__ == "__main__":
    main()
