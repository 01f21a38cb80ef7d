"""The rows of an import: each batch checked as the editor checks a feature, then streamed into the
layer's table by one COPY.

The check is column by column and vectorised, so a large file costs seconds of Python. The COPY
runs while the next batch is read and checked: PostgreSQL inserts (indexes, triggers, history) on
one core while Python prepares on the other, and the import takes about as long as the insert alone.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg2
import shapely
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.bulkload import copy_value, ewkb_hex
from layers.catalogue import LayerDef
from layers.distinct import map_distinct
from layers.edits import database_refusal
from layers.errors import AtlasError, ImportRefused
from layers.exchange.import_read import ImportData
from layers.tables import table_identifier
from layers.validation import NOTICES, Problem, check_columns, check_geometries

COPY_CHUNK = 1 << 20
_COPY_LINE = re.compile(r"COPY [^,]+, line ([0-9]+)")


@dataclass
class CheckedBatch:
    """One batch after its checks: the stored values and EWKB of the accepted features, and the rejected."""

    start: int
    accepted: np.ndarray  # indices into the batch
    values: dict[str, list[Any]]
    ewkb: np.ndarray
    feature_ids: list[Any]  # as the file gives them
    rejected: list[dict[str, Any]]
    notices: Counter = field(default_factory=Counter)


def feature_id(value: Any) -> int | None:
    """The feature_id column of our own exports, as an integer (anything else, or no fid a table holds: no id)."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return int(value) if is_number and 0 < value < 2**63 else None


def check_batch(layer: LayerDef, data: ImportData, placed: np.ndarray) -> CheckedBatch:
    """Every feature of the batch through the editor's attribute and geometry checks, all at once.

    Validity is GEOS's, through shapely: the same library and rules as PostGIS's ST_IsValid in the
    table's CHECK, without a round trip per batch. Should the two ever disagree, the COPY stops at
    that row and the import is refused with it (see `write_rows`).
    """
    count = len(data)
    values, problems = check_columns(layer, {n: data.values[n] for n in data.values if layer.field(n)}, count)
    geometries = check_geometries(layer, placed)
    for index, problem in geometries.problems.items():
        problems.setdefault(index, {})["geometry"] = problem
    candidates = np.array([i for i in range(count) if i not in problems], dtype=int)
    if len(candidates):
        valid = shapely.is_valid(geometries.geoms[candidates])
        for index in candidates[~valid]:
            reason = shapely.is_valid_reason(geometries.geoms[index])
            problems[int(index)] = {"geometry": Problem("invalid_geometry", {"reason": reason})}
    fids = data.values.get("feature_id", [None] * count)
    rejected = [
        {"index": data.start + index, "feature_id": fids[index], "problems": problems[index]}
        for index in sorted(problems)
    ]
    accepted = np.array([i for i in range(count) if i not in problems], dtype=int)
    notices = Counter(n.message("en", NOTICES) for i in accepted for n in geometries.notices.get(int(i), ()))
    ewkb = ewkb_hex(geometries.geoms[accepted]) if len(accepted) else np.array([], dtype=object)
    kept = {name: [column[i] for i in accepted] for name, column in values.items()}
    return CheckedBatch(data.start, accepted, kept, ewkb, [fids[i] for i in accepted], rejected, notices)


@dataclass
class Identities:
    """Replace mode: the fids the delete removed, with the version each one's copy takes, and a block of fresh fids.

    A feature copied in the planner's GIS carries its original's feature_id: only the first copy keeps it.
    Kept as sorted arrays (17 bytes an old feature), not a dict and a set (over 100), for million-row layers.
    """

    old_fids: np.ndarray  # sorted
    next_versions: np.ndarray  # by old_fids
    next_fresh: int
    last_fresh: int
    taken: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.taken = np.zeros(len(self.old_fids), dtype=bool)

    def assign(self, feature_ids: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """The fids and versions of a batch of imported features, in order, from their feature_id values."""
        ids = np.array([-1 if (i := feature_id(v)) is None else i for v in feature_ids], dtype=np.int64)
        fids, versions = np.zeros(len(ids), dtype=np.int64), np.ones(len(ids), dtype=np.int64)
        if len(self.old_fids):
            at = np.searchsorted(self.old_fids, ids).clip(max=len(self.old_fids) - 1)
            candidates = np.flatnonzero((self.old_fids[at] == ids) & ~self.taken[at])
            _ids, first = np.unique(ids[candidates], return_index=True)  # a copy within the batch gets a fresh fid
            keep = candidates[first]
            self.taken[at[keep]] = True
            fids[keep], versions[keep] = ids[keep], self.next_versions[at[keep]]
        fresh = np.flatnonzero(fids == 0)
        if self.next_fresh + len(fresh) - 1 > self.last_fresh:
            raise ImportRefused("The file holds more features than its header says; nothing was imported.")
        fids[fresh] = np.arange(self.next_fresh, self.next_fresh + len(fresh))
        self.next_fresh += len(fresh)
        return fids, versions


def delete_for_replace(conn: Connection, layer: LayerDef, count: int) -> tuple[int, Identities]:
    """Replace mode: every feature deleted (history records each), and the identities of the new ones.

    The COPY cannot ask for fids while it runs, so a block of as many fresh ones as the file holds is
    taken first: one setval, safe because the import holds the layer against every other writer.
    """
    table = table_identifier(layer)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DELETE FROM {} RETURNING fid, version").format(table))
        deleted = np.array(cur.fetchall(), dtype=np.int64).reshape(-1, 2)
        order = np.argsort(deleted[:, 0])
        block = max(count, 1)
        cur.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'fid'), nextval(pg_get_serial_sequence(%s, 'fid')) + %s)",
            (table.as_string(conn), table.as_string(conn), block - 1),
        )
        last = cur.fetchone()[0]
    # The delete's history row took version + 1; the copy that keeps the fid takes the next one.
    identities = Identities(deleted[order, 0], deleted[order, 1] + 2, last - block + 1, last)
    return len(deleted), identities


class _StopWriting(Exception):
    """A feature was rejected and the import will be refused: the COPY stops, the checks go on."""


class _CopyStream:
    """A file-like object whose read() produces COPY text from the checked batches, as the server asks."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buffer = ""

    def read(self, size: int = COPY_CHUNK) -> str:
        parts, length = [self._buffer], len(self._buffer)
        while length < size:
            line = next(self._lines, None)
            if line is None:
                break
            parts.append(line)
            length += len(line)
        text = "".join(parts)
        self._buffer = text[size:]
        return text[:size]


def _copy_text(batch: CheckedBatch, names: list[str], identities: Identities | None) -> str:
    """The batch's accepted rows as COPY text, column by column (fid and version first in replace mode)."""
    # A column's repeated values are formatted once.
    columns = [map_distinct(batch.values[name], copy_value) for name in names]
    columns.append(list(batch.ewkb))
    if identities is not None:
        fids, versions = identities.assign(batch.feature_ids)
        columns = [fids.astype(str).tolist(), versions.astype(str).tolist(), *columns]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


@dataclass
class RowWriter:
    """Streams the accepted rows of every batch into the layer's table, as one COPY statement."""

    conn: Connection
    layer: LayerDef
    identities: Identities | None = None
    table: sql.Composable | None = None  # the layer's own table unless an import's copy of it (staging.py)
    # The file index of each row sent, for errors: 8 bytes a row, where a list of ints took about 36.
    written: array = field(default_factory=lambda: array("q"))

    def copy(self, batches: Iterable[CheckedBatch], keep_writing) -> None:
        """COPY the rows while `keep_writing()` holds; the rest of the batches is still consumed (checked)."""
        names = [f.name for f in self.layer.fields]
        columns = (["fid", "version"] if self.identities is not None else []) + names + ["geom"]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            self.table or table_identifier(self.layer), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        batches = iter(batches)  # lines() and the checks after a stop share it
        stopped = False
        # psycopg2 turns an exception raised while it reads into a cancelled COPY: keep it to raise after.
        failure: Exception | None = None

        def lines() -> Iterator[str]:
            nonlocal stopped, failure
            try:
                for batch in batches:
                    if not keep_writing():
                        stopped = True
                        raise _StopWriting
                    if len(batch.accepted):
                        self.written.frombytes((batch.start + batch.accepted).astype(np.int64).tobytes())
                        yield _copy_text(batch, names, self.identities)
            except AtlasError as exc:  # a file GDAL cannot read further, too many features
                failure = exc
                raise

        with self.conn.cursor() as cur:
            cur.execute("SAVEPOINT import_rows")
            try:
                cur.copy_expert(statement.as_string(self.conn), _CopyStream(lines()), size=COPY_CHUNK)
            except psycopg2.errors.QueryCanceled:
                if failure is not None:
                    raise failure from None
                if not stopped:
                    raise
                cur.execute("ROLLBACK TO SAVEPOINT import_rows")
                for _batch in batches:  # the remaining batches are checked for the report
                    pass
            except (psycopg2.IntegrityError, psycopg2.DataError) as exc:
                raise self._refused_row(exc) from None

    def _refused_row(self, exc: psycopg2.Error) -> RowRefused:
        """A row the table refused although it passed the checks (a GEOS/PostGIS disagreement)."""
        line = _COPY_LINE.search(exc.diag.context or "")
        number = int(line.group(1)) if line else 0
        index = self.written[number - 1] if 0 < number <= len(self.written) else None
        problems = database_refusal(self.conn, self.layer, exc).details["problems"]
        return RowRefused({"index": index, "feature_id": None, "problems": problems})


class RowRefused(Exception):
    """The table refused a row that passed the checks; `rejection` is its entry for the report."""

    def __init__(self, rejection: dict[str, Any]) -> None:
        super().__init__(rejection)
        self.rejection = rejection
