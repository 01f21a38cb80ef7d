"""Imports: every feature of a file validated as in editing, then written all or nothing.

The whole import is one READ COMMITTED transaction with operation 'import', so the history
triggers record its deletes and inserts as one change set and the tiles refresh with it. An
advisory lock keyed on the layer lets one import run per layer; a second one gets a 409.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyogrio
import shapely
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.accounts import User
from layers.catalogue import LayerDef
from layers.edits import write_transaction
from layers.errors import AtlasError, Conflict, ImportRefused
from layers.exchange import staging
from layers.exchange.archive import Source
from layers.exchange.crs_check import check_offset, check_place, nearest_m, offset_m, to_wgs84
from layers.exchange.import_read import ImportData, ImportFile, open_import
from layers.exchange.import_rows import CheckedBatch, RowRefused, RowWriter, check_batch, delete_for_replace, feature_id
from layers.tables import table_identifier

MODES = ("append", "replace")
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


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, so that it rolls back."""


def _lock(conn: Connection, layer: LayerDef) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s), hashtext(%s))", (LOCK_SPACE, layer.id))
        if not cur.fetchone()[0]:
            raise Conflict(f"Another import into '{layer.id}' is running; try again when it has finished.")


def _stored(conn: Connection, layer: LayerDef, data: ImportData, placed: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Stored geometries (EWKB) of the features the file names by feature_id, with the imported ones beside them."""
    fids = [feature_id(v) for v in data.values.get("feature_id", [])]
    wanted = [(i, f) for i, f in enumerate(fids) if f is not None and placed[i] is not None]
    if not wanted:
        return [], np.array([], dtype=int)
    statement = sql.SQL("SELECT fid, geom::text FROM {} WHERE fid = ANY(%s)").format(table_identifier(layer))
    with conn.cursor() as cur:
        cur.execute(statement, ([f for _i, f in wanted],))
        stored = dict(cur.fetchall())
    pairs = [(stored[f], i) for i, f in wanted if f in stored]
    return [s for s, _i in pairs], np.array([i for _s, i in pairs], dtype=int)


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


def _checked_batches(
    file: ImportFile, layer: LayerDef, read: Iterator[ImportData], report: dict, notices: Counter, progress
) -> Iterator[CheckedBatch]:
    """The file's batches checked one after another, counted in the report as they go."""
    for data in read:
        wgs84 = data.placed if data.placed is not None else to_wgs84(data.raw, file.crs)
        checked = check_batch(layer, data, wgs84)
        report["features_read"] += len(data)
        report["rejected"] += checked.rejected
        report["inserted"] += len(checked.accepted)
        notices.update(checked.notices)
        if progress:
            progress(len(data))
        yield checked


def _in_transaction(
    conn: Connection, layer: LayerDef, file: ImportFile, options: ImportOptions, report: dict, progress
):
    """Lock, place checks on the first batch, then every batch checked and streamed in; raises to roll back."""
    _lock(conn, layer)
    # Closed with the import, whatever happens, so the upload's files are released before its folder goes.
    with contextlib.closing(file.batches(layer)) as read:
        _read_check_write(conn, layer, file, options, report, progress, read)


def _read_check_write(
    conn: Connection,
    layer: LayerDef,
    file: ImportFile,
    options: ImportOptions,
    report: dict,
    progress,
    read: Iterator[ImportData],
) -> None:
    first = next(read, None)
    if first is None:
        # Most likely the wrong layer of a file; in replace mode it would empty the layer.
        raise ImportRefused("The file holds no features; nothing was imported.")
    first.placed = to_wgs84(first.raw, file.crs)
    # The first batch stands for the file: a CRS mistake moves every feature alike.
    check_place(conn, first.raw, first.placed, file.crs)
    _check_offset(conn, layer, file, first, first.placed)
    notices: Counter = Counter()
    batches = _checked_batches(file, layer, itertools.chain([first], read), report, notices, progress)
    if options.dry_run:
        collections.deque(batches, maxlen=0)
    else:
        _write(conn, layer, file, options, report, batches)
    if report["rejected"] and not options.skip_invalid:
        report["inserted"] = 0
        raise ImportRefused(
            f"{len(report['rejected'])} of {report['features_read']} features are not valid; nothing was imported"
            " (send skip_invalid=true to import the others).",
            details={"problem": "invalid_features"},
        )
    report["warnings"] += [f"{count} feature(s): {notice}" for notice, count in sorted(notices.items())]
    if "feature_id" in file.mapping.targets.values() and options.mode == "append":
        report["warnings"].append("Append mode: feature_id was ignored, every feature was added as a new one.")
    if options.dry_run:
        raise _DryRun


def _write(conn: Connection, layer: LayerDef, file: ImportFile, options: ImportOptions, report: dict, batches) -> None:
    """The delete of replace mode, then one COPY of every accepted row while no feature is rejected.

    When no old row outlives the import, the rows go into a copy of the table swapped in at the end.
    """
    with conn.cursor() as cur:
        # One COPY lasts as long as the file; its size is bounded by the upload limit instead.
        cur.execute("SET LOCAL statement_timeout = 0")
    staged = staging.staged(conn, options.mode, layer)
    identities = None
    if options.mode == "replace":
        report["deleted"], identities = delete_for_replace(conn, layer, features_in(file.source))
    copy = staging.create_copy(conn, layer) if staged else None
    writer = RowWriter(conn, layer, identities, table=copy)

    def keep_writing() -> bool:
        return options.skip_invalid or not report["rejected"]

    try:
        writer.copy(batches, keep_writing)
    except RowRefused as refused:
        report["rejected"].append(refused.rejection)
        report["inserted"] = 0
        raise ImportRefused(
            f"The database refused feature {refused.rejection['index']}; nothing was imported.",
            details={"problem": "invalid_features"},
        ) from None
    if copy is not None and keep_writing():
        staging.swap_in(conn, layer, copy)


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
