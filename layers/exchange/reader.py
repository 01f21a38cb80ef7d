"""Reading the selected features in batches from a server-side cursor, transformed by PostGIS.

The caller's transaction is the snapshot: at REPEATABLE READ every batch comes from the same
moment, so an edit committed while an export runs never shows in it.
"""

from __future__ import annotations

import itertools
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import Access, geometry_sql, value_sql
from layers.catalogue import FieldDef, LayerDef
from layers.exchange.formats import WGS84
from layers.exchange.selection import Selection, where_clause
from layers.tables import table_identifier

BATCH_ROWS = 10_000
# Exported with every layer, ahead of its own fields: enough to find a feature again on import.
SYSTEM_FIELDS = ("feature_id", "version", "updated_at")
_cursor_names = itertools.count(1)


@dataclass(frozen=True)
class Batch:
    """Up to BATCH_ROWS features: WKB in the export CRS, one list of values per column (dates as epoch days,
    times as epoch microseconds)."""

    wkb: list[bytes]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.wkb)


def _column(name: str, kind: str, column: sql.Composable | None = None) -> sql.Composable:
    # Dates and times travel as whole numbers (days, microseconds since 1970): numpy takes those
    # as they are, where building a Python date or datetime per value cost more than the export.
    column = column if column is not None else sql.Identifier("t", name)
    if kind == "date":
        return sql.SQL(", {} - DATE '1970-01-01'").format(column)
    if kind == "datetime":
        return sql.SQL(", (extract(epoch FROM {}) * 1000000)::bigint").format(column)
    return sql.SQL(", {}").format(column)


def _field_column(layer: LayerDef, f: FieldDef, access: Access) -> sql.Composable:
    return _column(f.name, f.type, value_sql(layer, f, access, "t"))


def _select(layer: LayerDef, srid: int, access: Access) -> sql.Composable:
    seen = geometry_sql(layer, access, "t")
    geometry = seen if srid == WGS84 else sql.SQL("ST_Transform({}, {})").format(seen, sql.Literal(srid))
    fields = sql.SQL("").join(_field_column(layer, f, access) for f in layer.fields)
    return sql.SQL("SELECT ST_AsBinary({geometry}), t.fid, t.version{updated}{fields} FROM {table} t").format(
        geometry=geometry, updated=_column("updated_at", "datetime"), fields=fields, table=table_identifier(layer)
    )


def read_batches(
    conn: Connection, layer: LayerDef, srid: int, selection: Selection, access: Access, batch_rows: int = BATCH_ROWS
) -> Generator[Batch, None, None]:
    """The selected features as the audience sees them, in fid order, batch by batch, from one server-side cursor."""
    where, params = where_clause(conn, layer, selection, access)
    names = [*SYSTEM_FIELDS, *(f.name for f in layer.fields)]
    # A named cursor keeps the rows on the server: memory holds one batch, whatever the layer's size.
    with conn.cursor(name=f"atlas_export_{next(_cursor_names)}") as cur:
        cur.itersize = batch_rows
        cur.execute(_select(layer, srid, access) + where + sql.SQL(" ORDER BY t.fid"), params)
        while rows := cur.fetchmany(batch_rows):
            values = list(zip(*rows, strict=True))
            wkb = [bytes(w) for w in values[0]]
            yield Batch(wkb=wkb, columns={name: list(column) for name, column in zip(names, values[1:], strict=True)})
