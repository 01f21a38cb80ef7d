"""Reading a layer's features as GeoJSON: pages with bbox and text filters, and single features."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import (
    OFFICIAL,
    Access,
    generalises,
    geometry_sql,
    searchable_fields,
    sensitive_sql,
    value_sql,
    within_envelope_sql,
)
from layers.catalogue import LayerDef
from layers.errors import FeatureNotFound
from layers.tables import table_identifier

# Seven decimals of a degree are about 1 cm, finer than any source of these layers.
GEOJSON_DECIMALS = 7


@dataclass(frozen=True)
class BBox:
    """A lon/lat rectangle in EPSG:4326."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class SortKey:
    """Order features by one of the layer's fields (empty values last), then by feature id."""

    field: str
    descending: bool = False


@dataclass(frozen=True)
class FeatureQuery:
    """Which features of a layer to return: optional bbox and text filter, one page of them."""

    limit: int
    offset: int = 0
    bbox: BBox | None = None
    text: str | None = None
    sort: SortKey | None = None


@dataclass(frozen=True)
class FeaturePage:
    """One page of features and how many features match in all."""

    features: list[dict[str, Any]]
    number_matched: int


def _properties_sql(layer: LayerDef, access: Access) -> sql.Composable:
    pairs = sql.SQL(", ").join(
        sql.SQL("{}, {}").format(sql.Literal(f.name), value_sql(layer, f, access)) for f in layer.fields
    )
    return sql.SQL("json_build_object({})").format(pairs)


def feature_columns(layer: LayerDef, access: Access = OFFICIAL) -> sql.Composable:
    """The columns a feature is read from (for SELECT, and RETURNING of writes); see feature_from_row.

    For an audience that sees the layer generalised, a last column says whether this feature is.
    """
    generalised = sql.SQL(", {}").format(sensitive_sql(layer)) if generalises(layer, access) else sql.SQL("")
    return sql.SQL(
        "fid, ST_AsGeoJSON({geom}, {decimals}), {props}, version, updated_at, updated_by{generalised}"
    ).format(
        geom=geometry_sql(layer, access),
        decimals=sql.Literal(GEOJSON_DECIMALS),
        props=_properties_sql(layer, access),
        generalised=generalised,
    )


def _feature_select(layer: LayerDef, access: Access) -> sql.Composable:
    return sql.SQL("SELECT {} FROM {}").format(feature_columns(layer, access), table_identifier(layer))


def _where(layer: LayerDef, query: FeatureQuery, access: Access) -> tuple[sql.Composable, list[Any]]:
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    if query.bbox is not None:
        b = query.bbox
        within, copies = within_envelope_sql(layer, access, sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s, 4326)"))
        clauses.append(within)
        params += [b.min_lon, b.min_lat, b.max_lon, b.max_lat] * copies
    searchable = searchable_fields(layer, access)
    if query.text and searchable:
        # Diacritics-insensitive: "pu luong" matches "Pù Luông".
        matches = sql.SQL(" OR ").join(
            sql.SQL("atlas_fold({}) LIKE atlas_fold(%s)").format(sql.Identifier(f.name)) for f in searchable
        )
        clauses.append(sql.SQL("({})").format(matches))
        pattern = contains_pattern(query.text)
        params += [pattern] * len(searchable)
    elif query.text:
        clauses.append(sql.SQL("false"))
    if not clauses:
        return sql.SQL(""), params
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses), params


def _order_by(layer: LayerDef, sort: SortKey | None, access: Access) -> sql.Composable:
    if sort is None:
        return sql.SQL(" ORDER BY fid")
    # The column name comes from the layer's FieldDef, never from the request.
    field = layer.field(sort.field)
    if field is None:
        raise ValueError(f"layer {layer.id!r} has no field {sort.field!r}")
    direction = sql.SQL("DESC" if sort.descending else "ASC")
    # Sorted by the value the audience sees: a withheld value must not show through the order.
    return sql.SQL(" ORDER BY {} {} NULLS LAST, fid").format(value_sql(layer, field, access), direction)


def escape_like(text: str) -> str:
    """`text` with LIKE's own wildcards and escape character taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere."""
    return f"%{escape_like(text)}%"


def feature_from_row(row: tuple, layer: LayerDef | None = None) -> dict[str, Any]:
    """A row of feature_columns as a GeoJSON Feature with its version (and `generalised_m` when generalised)."""
    fid, geometry, properties, version, updated_at, updated_by = row[:6]
    extra = {"generalised_m": layer.generalise_m} if layer is not None and row[6:] == (True,) else {}
    return {
        "type": "Feature",
        "id": fid,
        "geometry": json.loads(geometry),
        "properties": properties,
        "version": version,
        "updated_at": updated_at.isoformat(),
        "updated_by": updated_by,
        **extra,
    }


def list_features(conn: Connection, layer: LayerDef, query: FeatureQuery, access: Access) -> FeaturePage:
    """One page of the layer's features as the audience sees them, in the query's order (else by feature id)."""
    where, params = _where(layer, query, access)
    with conn.cursor() as cur:
        order = _order_by(layer, query.sort, access)
        cur.execute(
            _feature_select(layer, access) + where + order + sql.SQL(" LIMIT %s OFFSET %s"),
            [*params, query.limit, query.offset],
        )
        features = [feature_from_row(row, layer) for row in cur.fetchall()]
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(table_identifier(layer)) + where, params)
        (matched,) = cur.fetchone()
    return FeaturePage(features=features, number_matched=matched)


def get_feature(conn: Connection, layer: LayerDef, fid: int, access: Access) -> dict[str, Any]:
    """The feature `fid` of the layer as a GeoJSON Feature, as the audience sees it; raises FeatureNotFound."""
    with conn.cursor() as cur:
        cur.execute(_feature_select(layer, access) + sql.SQL(" WHERE fid = %s"), (fid,))
        row = cur.fetchone()
    if row is None:
        raise FeatureNotFound(f"Layer '{layer.id}' has no feature {fid}.")
    return feature_from_row(row, layer)
