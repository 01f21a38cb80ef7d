"""Imports: every feature of a file validated as in editing, then written all or nothing.

The whole import is one READ COMMITTED transaction with operation 'import', so the history
triggers record its deletes and inserts as one change set and the tiles refresh with it. An
advisory lock keyed on the layer lets one import run per layer; a second one gets a 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyogrio
import shapely
from psycopg2 import sql
from psycopg2.extensions import connection as Connection
from psycopg2.extras import execute_values

from layers.accounts import User
from layers.catalogue import LayerDef
from layers.edits import write_transaction
from layers.errors import AtlasError, Conflict, ImportRefused
from layers.exchange.archive import Source
from layers.exchange.crs_check import check_offset, check_place, nearest_m, offset_m, to_wgs84
from layers.exchange.import_read import ImportData, ImportFile, open_import
from layers.tables import table_identifier
from layers.validation import CheckedGeometry, Problem, check_geometry, check_properties, make_storable

MODES = ("append", "replace")
VALIDITY_BATCH = 5_000
NEAREST_SAMPLE = 200
# The first of the two keys of the import lock; the second is the layer id's hash.
LOCK_SPACE = "atlas.import"


@dataclass(frozen=True)
class ImportOptions:
    """How to import: mode, dry run, the CRS and encoding to assume, whether bad features are skipped."""

    mode: str = "append"
    dry_run: bool = False
    srid: int | None = None
    encoding: str | None = None
    skip_invalid: bool = False


@dataclass
class Checked:
    """The features that passed (values, geometry, the fid to keep) and the ones rejected."""

    rows: list[tuple[dict[str, Any], CheckedGeometry, int | None]]
    rejected: list[dict[str, Any]]


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, so that it rolls back."""


def _lock(conn: Connection, layer: LayerDef) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s), hashtext(%s))", (LOCK_SPACE, layer.id))
        if not cur.fetchone()[0]:
            raise Conflict(f"Another import into '{layer.id}' is running; try again when it has finished.")


def _valid_flags(conn: Connection, ewkbs: list[str]) -> list[bool]:
    """ST_IsValid of many geometries in a few round trips (make_storable then explains the invalid ones)."""
    flags: list[bool] = []
    with conn.cursor() as cur:
        for start in range(0, len(ewkbs), VALIDITY_BATCH):
            cur.execute(
                "SELECT ST_IsValid(g::geometry) FROM unnest(%s::text[]) WITH ORDINALITY AS u(g, n) ORDER BY n",
                (ewkbs[start : start + VALIDITY_BATCH],),
            )
            flags += [bool(v) for (v,) in cur.fetchall()]
    return flags


def _ewkb(geom: Any) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)


def check_features(
    conn: Connection, layer: LayerDef, data: ImportData, placed: np.ndarray, progress: Callable[[int], None] | None
) -> Checked:
    """Each feature through the editor's validation; problems keyed by field, with the feature's index in the file."""
    names = [f.name for f in layer.fields]
    fids = data.values.get("feature_id", [None] * len(data))
    firsts: list[tuple[int, dict, Any, list[Problem]]] = []
    rejected: list[dict[str, Any]] = []
    for index in range(len(data)):
        props = {n: data.values[n][index] for n in names if n in data.values}
        values, problems = check_properties(layer, props, partial=False)
        geom, problem, notices = (
            (None, Problem("geometry_missing"), [])
            if placed[index] is None
            else check_geometry(layer, placed[index], [])
        )
        if problem is not None:
            problems["geometry"] = problem
        if problems:
            rejected.append({"index": data.start + index, "feature_id": fids[index], "problems": problems})
        else:
            firsts.append((index, values, geom, notices))
        if progress and index % 1000 == 999:
            progress(1000)
    rows = _storable(conn, layer, data, firsts, fids, rejected)
    if progress:
        progress(len(data) % 1000)
    return Checked(rows, sorted(rejected, key=lambda r: r["index"]))


def _storable(conn: Connection, layer: LayerDef, data: ImportData, firsts: list, fids: list, rejected: list) -> list:
    """Validity as the table's CHECK sees it, in batches; invalid geometries are explained by make_storable."""
    flags = _valid_flags(conn, [_ewkb(geom) for _i, _v, geom, _n in firsts])
    rows = []
    for (index, values, geom, notices), valid in zip(firsts, flags, strict=True):
        stored = (
            CheckedGeometry(_ewkb(geom), tuple(notices)) if valid else make_storable(conn, layer, geom, notices, False)
        )
        if isinstance(stored, Problem):
            rejected.append({"index": data.start + index, "feature_id": fids[index], "problems": {"geometry": stored}})
        else:
            rows.append((values, stored, _fid(fids[index])))
    return rows


def _fid(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) and value == value else None


def _stored(conn: Connection, layer: LayerDef, data: ImportData, placed: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Stored geometries (EWKB) of the features the file names by feature_id, with the imported ones beside them."""
    fids = [_fid(v) for v in data.values.get("feature_id", [])]
    wanted = [(i, f) for i, f in enumerate(fids) if f is not None and placed[i] is not None]
    if not wanted:
        return [], np.array([], dtype=int)
    statement = sql.SQL("SELECT fid, geom::text FROM {} WHERE fid = ANY(%s)").format(table_identifier(layer))
    with conn.cursor() as cur:
        cur.execute(statement, ([f for _i, f in wanted],))
        stored = dict(cur.fetchall())
    pairs = [(stored[f], i) for i, f in wanted if f in stored]
    return [s for s, _i in pairs], np.array([i for _s, i in pairs], dtype=int)


@dataclass
class _Writer:
    """The writes of one import: the delete of replace mode once, then the inserts batch by batch."""

    conn: Connection
    layer: LayerDef
    mode: str
    started: bool = False
    existing: set[int] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)

    def write(self, rows: list) -> tuple[int, int]:
        """Insert the rows (after the delete, before the first batch); the counts inserted and deleted."""
        deleted = 0
        with self.conn.cursor() as cur:
            if not self.started and self.mode == "replace":
                cur.execute(sql.SQL("DELETE FROM {} RETURNING fid").format(table_identifier(self.layer)))
                self.existing = {fid for (fid,) in cur.fetchall()}
                deleted = len(self.existing)
            self.started = True
            fresh, again = [], []
            for row in rows:
                # A feature copied in the planner's GIS carries its original's id: only the first keeps it.
                if row[2] in self.existing and row[2] not in self.seen:
                    again.append(row)
                    self.seen.add(row[2])
                else:
                    fresh.append(row)
            _insert(cur, self.layer, fresh, None)
            _insert(cur, self.layer, again, wanted_versions(self.conn, self.layer, again))
        return len(fresh) + len(again), deleted


def wanted_versions(conn: Connection, layer: LayerDef, rows: list) -> dict[int, int]:
    """The next version number of each kept fid, after the delete the history just recorded."""
    if not rows:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            "SELECT fid, max(version) + 1 FROM feature_history WHERE layer_id = %s AND fid = ANY(%s) GROUP BY fid",
            (layer.id, [r[2] for r in rows]),
        )
        return dict(cur.fetchall())


def _insert(cur, layer: LayerDef, rows: list, versions: dict[int, int] | None) -> None:
    if not rows:
        return
    names = [f.name for f in layer.fields]
    columns = [sql.Identifier(n) for n in names] + [sql.Identifier("geom")]
    marks = ["%s"] * len(names) + ["%s::geometry"]
    if versions is not None:
        columns += [sql.Identifier("fid"), sql.Identifier("version")]
        marks += ["%s", "%s"]
    statement = sql.SQL("INSERT INTO {} ({}) VALUES %s").format(table_identifier(layer), sql.SQL(", ").join(columns))
    values = []
    for props, geometry, fid in rows:
        row = [props.get(n) for n in names] + [geometry.ewkb]
        values.append(row + ([fid, versions[fid]] if versions is not None else []))
    execute_values(cur, statement.as_string(cur), values, template="(" + ", ".join(marks) + ")", page_size=10_000)


def _summary(file: ImportFile, options: ImportOptions) -> dict[str, Any]:
    return {
        "mode": options.mode,
        "dry_run": options.dry_run,
        "features_read": 0,
        "inserted": 0,
        "deleted": 0,
        "rejected": [],
        "crs": file.crs.report(),
        "encoding": file.encoding,
        "fields": file.mapping.report(),
        "warnings": file.warnings,
    }


def _check_offset(conn: Connection, layer: LayerDef, file: ImportFile, data: ImportData, placed: np.ndarray) -> None:
    """The 657 m and 225 m traps, by feature_id when the file has ids, else against the nearest stored features."""
    stored, at = _stored(conn, layer, data, placed)
    if len(at):
        moved = check_offset(conn, data.raw[at], placed[at], lambda g: offset_m(conn, g, stored), file.crs)
        if moved >= 1.0:
            file.warnings.append(f"Features named by feature_id lie {moved:.0f} m (median) from their stored place.")
        return
    present = np.flatnonzero(~shapely.is_missing(placed))
    # An even sample is enough to tell a shifted copy from new data, and keeps the check fast.
    sample = present[:: max(1, len(present) // NEAREST_SAMPLE)]
    check_offset(conn, data.raw[sample], placed[sample], lambda g: nearest_m(conn, layer, g), file.crs)


def _import_batch(conn, layer, file: ImportFile, data: ImportData, options, report: dict, writer: _Writer, progress):
    """One batch: place checks (on the first), validation, and its inserts while no feature has been rejected."""
    placed = to_wgs84(data.raw, file.crs)
    if data.start == 0:
        # The first batch stands for the file: a CRS mistake moves every feature alike.
        check_place(conn, data.raw, placed, file.crs)
        _check_offset(conn, layer, file, data, placed)
    checked = check_features(conn, layer, data, placed, progress)
    report["features_read"] += len(data)
    report["rejected"] += checked.rejected
    if report["rejected"] and not options.skip_invalid:
        return  # keep reading to report every bad feature; nothing will be committed
    report["inserted"] += len(checked.rows)
    if not options.dry_run:
        report["deleted"] += writer.write(checked.rows)[1]


def _in_transaction(
    conn: Connection, layer: LayerDef, file: ImportFile, options: ImportOptions, report: dict, progress
):
    """Lock, then every batch checked and written, inside the import's one transaction; raises to roll back."""
    _lock(conn, layer)
    writer = _Writer(conn, layer, options.mode)
    for data in file.batches(layer):
        _import_batch(conn, layer, file, data, options, report, writer, progress)
    if not report["features_read"]:
        # Most likely the wrong layer of a file; in replace mode it would empty the layer.
        raise ImportRefused("The file holds no features; nothing was imported.")
    if report["rejected"] and not options.skip_invalid:
        report["inserted"] = 0
        raise ImportRefused(
            f"{len(report['rejected'])} of {report['features_read']} features are not valid; nothing was imported"
            " (send skip_invalid=true to import the others).",
            details={"problem": "invalid_features"},
        )
    if "feature_id" in file.mapping.targets.values() and options.mode == "append":
        report["warnings"].append("Append mode: feature_id was ignored, every feature was added as a new one.")
    if options.dry_run:
        raise _DryRun


def import_layer(
    conn: Connection,
    layer: LayerDef,
    source: Source,
    options: ImportOptions,
    user: User,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Import the file into the layer, all or nothing, and return the report (ImportRefused carries it too)."""
    file = open_import(conn, layer, source, options.srid, options.encoding)
    report = _summary(file, options)
    try:
        with write_transaction(conn, user, "import"):
            _in_transaction(conn, layer, file, options, report, progress)
    except _DryRun:
        pass
    except AtlasError as exc:
        exc.details.setdefault("report", report)
        raise
    return report


def features_in(source: Source) -> int:
    """How many features the file says it holds (for a progress bar)."""
    try:
        return int(pyogrio.read_info(source.path, layer=None if source.format != "gpkg" else 0)["features"])
    except Exception:  # the import itself reports an unreadable file
        return 0
