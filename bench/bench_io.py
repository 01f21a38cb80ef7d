"""`make bench-io`: our exports and imports against ogr2ogr on the same PostGIS, in the same run.

forest_cover of the scale database (`make scale-data`: about 200,000 polygons) is exported to a
zipped shapefile in EPSG:5897 and to a GeoPackage in EPSG:5897, once by `flask export` and once
by ogr2ogr (gdal-bin) reading the same columns. The last zipped shapefile of ours (the planners'
file) is then imported: by `flask import --mode append` into a scratch copy of the layer,
`bench_forest` (catalogue row, table, cells), emptied before each run, and by ogr2ogr twice: appending
into another such copy, `bench_forest_ogr`, where PostgreSQL does the same table work as for ours
(the like-for-like comparison), and into a fresh plain table `bench_io_ogr` (a floor). All are
dropped at the end, with the `bench-io` admin made for the import.
Each tool runs as a child process; its wall time and peak resident memory (wait4's ru_maxrss) are
printed with the ratios ours/ogr2ogr. It prints; it never fails on a target (issue 8: at most
1.2x ogr2ogr, memory bounded).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402
import pyogrio  # noqa: E402

from atlas.settings import load_settings  # noqa: E402
from layers.catalogue import get_layer  # noqa: E402
from layers.registry import register_layer  # noqa: E402

LAYER = "forest_cover"
SRID = 5897
SCRATCH = "bench_forest"  # our import's private copy of the layer
OGR_LAYER = "bench_forest_ogr"  # ogr2ogr's copy of the layer (the same table, triggers and indexes)
SCRATCH_LAYERS = (SCRATCH, OGR_LAYER)
OGR_TABLE = "bench_io_ogr"  # ogr2ogr's plain table
USER = "bench-io"
FLASK = str(Path(sys.executable).parent / "flask")


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
    # libpq's own parse: a unix-socket URL (`?host=/path/var/run`, the embedded cluster's default) included.
    fields = psycopg2.extensions.parse_dsn(url)
    return "PG:" + " ".join(
        f"{k}={v}" for k, v in fields.items() if k in ("dbname", "host", "port", "user", "password")
    )


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
    command = [FLASK, "--app", "wsgi", "export", LAYER, "--format", fmt, "--crs", f"EPSG:{SRID}", "-o", str(output)]
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


def flask_env(url: str) -> dict[str, str]:
    """The environment of a `flask --app wsgi` child on the scale database."""
    return dict(os.environ, ATLAS_DATABASE_URL=url)


def sql_run(url: str, *statements: str) -> list:
    """Run the statements in one committed transaction; the last one's rows (if any)."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def set_up_import(url: str) -> None:
    """The `bench-io` admin (a random password on stdin) and the two empty scratch copies of the layer."""
    subprocess.run(
        [FLASK, "--app", "wsgi", "create-user", USER, "--role", "admin"],
        input=secrets.token_urlsafe(16) + "\n", text=True, env=flask_env(url), cwd=ROOT, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    conn = psycopg2.connect(url)
    try:
        with conn:
            source = get_layer(conn, LAYER)
            for scratch in SCRATCH_LAYERS:
                register_layer(conn, dataclasses.replace(source, id=scratch, title_en="bench-io scratch copy"))
    finally:
        conn.close()


def tear_down_import(url: str) -> None:
    """Drop everything set_up_import and the imports made; the catalogue rows' delete cascades."""
    statements = []
    for scratch in SCRATCH_LAYERS:
        statements += [
            f"DROP TABLE IF EXISTS layerdata.{scratch}",
            f"DROP TABLE IF EXISTS layercells.{scratch}",
            f"DROP FUNCTION IF EXISTS layercells.{scratch}_sync()",
            f"DROP FUNCTION IF EXISTS layercells.{scratch}_reset()",
            f"DELETE FROM feature_history WHERE layer_id = '{scratch}'",
            f"DELETE FROM layer WHERE id = '{scratch}'",
        ]
    sql_run(
        url, *statements, f"DROP TABLE IF EXISTS public.{OGR_TABLE}", f"DELETE FROM atlas_user WHERE name = '{USER}'"
    )


def empty_tables(url: str) -> None:
    """Before each import run: the scratch layers empty (their cells and history too), no plain ogr2ogr table."""
    statements = []
    for scratch in SCRATCH_LAYERS:
        statements += [f"TRUNCATE layerdata.{scratch}", f"DELETE FROM feature_history WHERE layer_id = '{scratch}'"]
    sql_run(url, *statements, f"DROP TABLE IF EXISTS public.{OGR_TABLE}")


def count_rows(url: str, table: str) -> int:
    """Rows in the table."""
    return sql_run(url, f"SELECT count(*) FROM {table}")[0][0]


def ours_import(url: str, archive: Path) -> Run:
    """`flask --app wsgi import` of the zipped shapefile into the scratch layer, appending, as bench-io."""
    command = [FLASK, "--app", "wsgi", "import", SCRATCH, str(archive), "--mode", "append", "--user", USER]
    return measure(command, env=flask_env(url))


def ogr2ogr_plain_import(url: str, shapefile: Path, geometry_type: str) -> Run:
    """ogr2ogr of the unzipped shapefile into a fresh plain table, reprojected to EPSG:4326, by COPY."""
    command = [
        "ogr2ogr", "--config", "PG_USE_COPY", "YES", "-f", "PostgreSQL", pg_source(url), str(shapefile),
        "-nln", OGR_TABLE, "-t_srs", "EPSG:4326", "-lco", "GEOMETRY_NAME=geom", "-nlt", geometry_type.upper(),
    ]  # fmt: skip
    return measure(command)


def layer_select(shapefile: Path) -> str:
    """OGR SQL over the shapefile giving the layer's columns by their full names (from the zip's crosswalk).

    The row columns the atlas fills by default are given too: OGR inserts row by row, not by COPY,
    when a column it writes would be left to its default.
    """
    with shapefile.with_name(f"{shapefile.stem}_fields.csv").open(encoding="utf-8-sig") as crosswalk:
        pairs = [(row["short_name"], row["full_name"]) for row in csv.DictReader(crosswalk)]
    fields = [f'"{short}" AS "{full}"' for short, full in pairs if full not in ("feature_id", "version", "updated_at")]
    fixed = [
        "1 AS version",
        f"'{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}' AS updated_at",
        f"'{USER}' AS updated_by",
    ]
    return f'SELECT {", ".join(fields + fixed)} FROM "{shapefile.stem}"'


def ogr2ogr_layer_import(url: str, shapefile: Path, select: str) -> Run:
    """ogr2ogr appending the unzipped shapefile (read by `select`) into a scratch copy of the layer's table, by
    COPY: the same constraints, generated column, indexes and history, tile and cell triggers as our import meets."""
    command = [
        "ogr2ogr", "--config", "PG_USE_COPY", "YES", "-append", "-f", "PostgreSQL", pg_source(url), str(shapefile),
        "-nln", f"layerdata.{OGR_LAYER}(geom)", "-t_srs", "EPSG:4326", "-sql", select,
    ]  # fmt: skip
    return measure(command)


@dataclass(frozen=True)
class ImportRuns:
    """The medians of the three imports of the planners' file, the rows each left, and ours of its first quarter."""

    ours: Run
    plain: Run
    layer: Run
    rows: tuple[int, int, int]
    quarter: Run
    quarter_rows: int


def quarter_archive(shapefile: Path, folder: Path) -> Path:
    """The planners' file cut to its first quarter of features by ogr2ogr, zipped with its .prj, .cpg and crosswalk.

    Our import's peak memory for it against the whole file's shows whether memory grows with the file.
    """
    out = folder / "quarter"
    out.mkdir()
    count = shapefile_features(shapefile)
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-limit", str(count // 4),
         str(out / shapefile.name), str(shapefile)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    crosswalk = shapefile.with_name(f"{shapefile.stem}_fields.csv")
    shutil.copy(crosswalk, out / crosswalk.name)
    archive = folder / "quarter.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted(out.iterdir()):
            packed.write(path, path.name)
    return archive


def shapefile_features(shapefile: Path) -> int:
    """The features of a shapefile, as its header says."""
    return int(pyogrio.read_info(shapefile)["features"])


def import_row(url: str, archive: Path, folder: Path, repeat: int) -> ImportRuns:
    """The three imports of the planners' file, alternating, each into an empty table."""
    unpacked = folder / "planners"
    with zipfile.ZipFile(archive) as packed:
        packed.extractall(unpacked)
    (shapefile,) = sorted(unpacked.glob("*.shp"))
    geometry_type = sql_run(url, f"SELECT geometry_type FROM layer WHERE id = '{LAYER}'")[0][0]
    select = layer_select(shapefile)
    runs = []
    for _ in range(repeat):
        empty_tables(url)
        mine = ours_import(url, archive)
        plain = ogr2ogr_plain_import(url, shapefile, geometry_type)
        layer = ogr2ogr_layer_import(url, shapefile, select)
        counts = tuple(
            count_rows(url, t) for t in (f"layerdata.{SCRATCH}", f"public.{OGR_TABLE}", f"layerdata.{OGR_LAYER}")
        )
        runs.append((mine, plain, layer, counts))
    counts = {c for *_r, c in runs}
    if len(counts) != 1:
        raise SystemExit(f"The imports left different row counts from run to run: {sorted(counts)}")
    empty_tables(url)
    quarter = ours_import(url, quarter_archive(shapefile, folder))
    quarter_rows = count_rows(url, f"layerdata.{SCRATCH}")
    medians = (median_run([r[i] for r in runs]) for i in range(3))
    return ImportRuns(*medians, rows=counts.pop(), quarter=quarter, quarter_rows=quarter_rows)


def main() -> None:
    """Measure both exports and the import with both tools and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("ATLAS_DATABASE_URL") or load_settings().database_url)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each, alternating; the median is shown.")
    parser.add_argument("--only", choices=("export", "import"), help="Measure the exports or the import alone.")
    args = parser.parse_args()
    url = args.database_url
    select, count = columns_sql(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-io-"))
    rows = []
    try:
        load = os.getloadavg()[0]
        cores = os.cpu_count()
        print(f"{LAYER}: {count:,} features; EPSG:{SRID}; median of {args.repeat}; load {load:.1f} on {cores} cores")
        exports = (
            ("shapefile (zip)", lambda: ours(url, "shp", folder / "ours.zip"),
             lambda: ogr2ogr_shapefile(url, select, folder)),
            ("GeoPackage", lambda: ours(url, "gpkg", folder / "ours.gpkg"),
             lambda: ogr2ogr_geopackage(url, select, folder)),
        )  # fmt: skip
        if args.only == "import":
            ours(url, "shp", folder / "ours.zip")  # the planners' file alone
            exports = ()
        for label, mine, theirs in exports:
            runs = [(mine(), theirs()) for _ in range(args.repeat)]  # alternating: both see the same load
            rows.append((label, median_run([a for a, _ in runs]), median_run([b for _, b in runs])))
        imported = None
        if args.only != "export":
            try:
                set_up_import(url)
                # The planners' file: the last zipped shapefile our export wrote above.
                imported = import_row(url, folder / "ours.zip", folder, args.repeat)
            finally:
                tear_down_import(url)
            rows.append(("import, same table", imported.ours, imported.layer))
            rows.append(("import, plain table", imported.ours, imported.plain))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{'':<20}{'ours s':>9}{'ogr2ogr s':>11}{'ratio':>8}{'ours MB':>10}{'ogr2ogr MB':>12}{'ratio':>8}")
    for label, a, b in rows:
        print(
            f"{label:<20}{a.seconds:>9.1f}{b.seconds:>11.1f}{a.seconds / b.seconds:>8.2f}"
            f"{a.peak_mb:>10.0f}{b.peak_mb:>12.0f}{a.peak_mb / b.peak_mb:>8.2f}"
        )
    if imported is None:
        return
    ours_rows, plain_rows, layer_rows = imported.rows
    same = "same" if ours_rows == plain_rows == layer_rows else "DIFFERENT"
    print(
        f"import rows: ours {ours_rows:,}, ogr2ogr {layer_rows:,} (same table) and {plain_rows:,} (plain table):"
        f" {same}; the file holds our export's features"
    )
    print(
        f"peak memory of our import: {imported.quarter_rows:,} features {imported.quarter.peak_mb:.0f} MB,"
        f" {ours_rows:,} features {imported.ours.peak_mb:.0f} MB"
    )
    print(
        "import: ours is `flask import --mode append` into an empty scratch copy of the layer: every feature\n"
        "  checked by the editor's validation and ST_IsValid, CRS and offset checks, one transaction into the\n"
        "  layer's table (generated geom_3857, two GiST indexes, history, tile and cell triggers).\n"
        "  same table: ogr2ogr appends by COPY into another empty scratch copy of the layer, so PostgreSQL does\n"
        "  the same table work (constraints, geom_3857, indexes, triggers); ogr2ogr itself validates nothing.\n"
        "  plain table: ogr2ogr COPYs into a new table with one GiST index and no checks: a floor.\n"
        "MB is each client process alone; the work PostgreSQL does is in the seconds, not in the MB."
    )


if __name__ == "__main__":
    main()
