"""Fast loading of many features into a layer table with COPY (never row-by-row INSERT)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from psycopg2 import sql
from psycopg2.extensions import connection as Connection
from shapely.geometry.base import BaseGeometry

from layers.catalogue import LayerDef
from layers.tables import table_identifier

# A column of a COPY batch: a list, or a numpy array from the vectorised generators.
Column = Sequence[Any] | np.ndarray

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool | np.bool_):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value).translate(_ESCAPES)


def ewkb_hex(geometries: Sequence[BaseGeometry] | np.ndarray, srid: int = 4326) -> np.ndarray:
    """Hex EWKB carrying the SRID, as PostGIS accepts for a typed geometry column."""
    with_srid = shapely.set_srid(np.asarray(geometries, dtype=object), srid)
    return shapely.to_wkb(with_srid, hex=True, include_srid=True)


def copy_columns(conn: Connection, layer: LayerDef, batch: Mapping[str, Column]) -> int:
    """COPY one batch (field name → values, plus 'geom' as hex EWKB) into the layer; returns rows copied."""
    names = [f.name for f in layer.fields if f.name in batch] + ["geom"]
    columns = [batch[name] for name in names]
    count = len(columns[-1])
    buffer = io.StringIO()
    for row in zip(*columns, strict=True):
        buffer.write("\t".join(copy_value(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table_identifier(layer), sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    with conn.cursor() as cur:
        cur.copy_expert(statement.as_string(conn), buffer)
    return count


def copy_features(conn: Connection, layer: LayerDef, features: Iterable[tuple[dict, BaseGeometry]]) -> int:
    """COPY (properties, geometry) pairs into the layer; returns rows copied."""
    features = list(features)
    batch: dict[str, Column] = {f.name: [props.get(f.name) for props, _ in features] for f in layer.fields}
    batch["geom"] = ewkb_hex([geom for _, geom in features])
    return copy_columns(conn, layer, batch)
