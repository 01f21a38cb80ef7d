"""Reading a layer's features as GeoJSON, as an audience sees them: pages with bbox, text, field and time
filters and an order, single features, in any offered CRS."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import psycopg2
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
from layers.catalogue import FieldDef, LayerDef
from layers.crs import CRS84, CrsChoice
from layers.errors import FeatureNotFound, InvalidInput
from layers.stats import layer_stats
from layers.tables import table_identifier
from layers.validation import VIETNAM_OFFSET

# Seven decimals of a degree are about 1 cm, finer than any source of these layers; metres get millimetres.
GEOJSON_DECIMALS = 7
PROJECTED_DECIMALS = 3


@dataclass(frozen=True)
class BBox:
    """A rectangle: lon/lat in EPSG:4326, or x/y (easting, northing; PostGIS's order) in a query's `bbox_crs`."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class TimeInterval:
    """Times from `start` to `end`, both included; None is open on that side."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class SortKey:
    """Order features by one of the layer's fields (empty values last), then by feature id."""

    field: str
    descending: bool = False


@dataclass(frozen=True)
class FeatureQuery:
    """Which features of a layer to return, and in which CRS: optional filters, one page of them.

    `equals` holds stored values of the layer's own fields (checked like edits: layers.exchange.selection.parse_equals);
    `during` applies to the layer's time field. Geometries come in `crs`, bboxes are read in `bbox_crs`.
    """

    limit: int
    offset: int = 0
    bbox: BBox | None = None
    text: str | None = None
    sort: SortKey | None = None
    equals: tuple[tuple[str, Any], ...] = ()
    during: TimeInterval | None = None
    crs: CrsChoice = CRS84
    bbox_crs: CrsChoice = CRS84

    @property
    def filtered(self) -> bool:
        """True when any filter narrows the layer."""
        return bool(self.bbox or self.text or self.equals or self.during)


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


def _geometry_json(geometry: sql.Composable, crs: CrsChoice) -> sql.Composable:
    """A geometry as GeoJSON in `crs`: transformed by PostGIS (VN-2000 shift included), in its axis order."""
    if crs == CRS84:
        return sql.SQL("ST_AsGeoJSON({}, {})").format(geometry, sql.Literal(GEOJSON_DECIMALS))
    shape = sql.SQL("ST_Transform({}, {})").format(geometry, sql.Literal(crs.srid))
    if crs.lat_first:
        shape = sql.SQL("ST_FlipCoordinates({})").format(shape)
    decimals = GEOJSON_DECIMALS if crs.geographic else PROJECTED_DECIMALS
    # Options 0: no "crs" member (RFC 7946 has none; Part 2 names the CRS in Content-Crs).
    return sql.SQL("ST_AsGeoJSON({}, {}, 0)").format(shape, sql.Literal(decimals))


def feature_columns(layer: LayerDef, access: Access = OFFICIAL, crs: CrsChoice = CRS84) -> sql.Composable:
    """The columns a feature is read from (for SELECT, and RETURNING of writes); see feature_from_row.

    For an audience that sees the layer generalised, a last column says whether this feature is.
    """
    generalised = sql.SQL(", {}").format(sensitive_sql(layer)) if generalises(layer, access) else sql.SQL("")
    return sql.SQL("fid, {geometry}, {props}, version, updated_at, updated_by{generalised}").format(
        geometry=_geometry_json(geometry_sql(layer, access), crs),
        props=_properties_sql(layer, access),
        generalised=generalised,
    )


def _feature_select(layer: LayerDef, access: Access, crs: CrsChoice = CRS84) -> sql.Composable:
    return sql.SQL("SELECT {} FROM {}").format(feature_columns(layer, access, crs), table_identifier(layer))


def _bbox_clause(
    conn: Connection, layer: LayerDef, query: FeatureQuery, access: Access
) -> tuple[sql.Composable, list[Any]]:
    """The bbox test on the positions the audience sees, in the query's bbox CRS."""
    assert query.bbox is not None
    b = query.bbox
    if query.bbox_crs.srid == CRS84.srid:
        within, copies = within_envelope_sql(layer, access, sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s, 4326)"))
        return within, [b.min_lon, b.min_lat, b.max_lon, b.max_lat] * copies
    shape = _rectangle_in_storage(conn, query.bbox_crs.srid, b)
    within, copies = within_envelope_sql(layer, access, sql.SQL("%s::geometry"))
    test = sql.SQL("({} AND ST_Intersects({}, %s::geometry))").format(within, geometry_sql(layer, access))
    return test, [shape] * (copies + 1)


def _rectangle_in_storage(conn: Connection, srid: int, b: BBox) -> str:
    """A rectangle of another CRS in WGS 84, edges densified to keep their curves; 400 outside that CRS's reach."""
    step = max(b.max_lon - b.min_lon, b.max_lat - b.min_lat) / 32 or 1.0
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT atlas_bbox")
        try:
            cur.execute(
                "SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, %s), %s), 4326)::text",
                (b.min_lon, b.min_lat, b.max_lon, b.max_lat, srid, step),
            )
            (shape,) = cur.fetchone()
        except (psycopg2.InternalError, psycopg2.DataError):
            # PROJ cannot take these numbers to WGS 84: they are not coordinates of that CRS.
            cur.execute("ROLLBACK TO SAVEPOINT atlas_bbox")
            raise InvalidInput(
                f"bbox lies outside what EPSG:{srid} can describe.", details={"parameter": "bbox"}
            ) from None
        cur.execute("RELEASE SAVEPOINT atlas_bbox")
    return shape


def time_field(layer: LayerDef) -> FieldDef | None:
    """The field `datetime` filters apply to: the layer's first date or time field, if it has one."""
    return next((f for f in layer.fields if f.type in ("date", "datetime")), None)


def _time_clauses(layer: LayerDef, during: TimeInterval, access: Access) -> tuple[list[sql.Composable], list[Any]]:
    field_def = time_field(layer)
    if field_def is None:
        return [sql.SQL("false")], []
    column = value_sql(layer, field_def, access)
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    for bound, operator in ((during.start, ">="), (during.end, "<=")):
        if bound is None:
            continue
        clauses.append(sql.SQL("{} {} %s").format(column, sql.SQL(operator)))
        # A date field holds Vietnam's calendar days.
        params.append(bound.astimezone(VIETNAM_OFFSET).date() if field_def.type == "date" else bound)
    return clauses, params


def _where(conn: Connection, layer: LayerDef, query: FeatureQuery, access: Access) -> tuple[sql.Composable, list[Any]]:
    """Filters on what the audience sees: a withheld value never matches, a generalised feature is where it is shown."""
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    if query.bbox is not None:
        clause, values = _bbox_clause(conn, layer, query, access)
        clauses.append(clause)
        params += values
    for name, value in query.equals:
        field_def = layer.field(name)
        assert field_def is not None  # parse_equals takes only the layer's own fields
        clauses.append(sql.SQL("{} = %s").format(value_sql(layer, field_def, access)))
        params.append(value)
    if query.during is not None:
        time_clauses, time_params = _time_clauses(layer, query.during, access)
        clauses += time_clauses
        params += time_params
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
    where, params = _where(conn, layer, query, access)
    table = table_identifier(layer)
    with conn.cursor() as cur:
        # The page's ids first, then their columns: PostgreSQL would build the GeoJSON of every skipped row too.
        order = _order_by(layer, query.sort, access)
        cur.execute(
            sql.SQL("SELECT fid FROM {}").format(table) + where + order + sql.SQL(" LIMIT %s OFFSET %s"),
            [*params, query.limit, query.offset],
        )
        ids = [fid for (fid,) in cur.fetchall()]
        cur.execute(_feature_select(layer, access, query.crs) + sql.SQL(" WHERE fid = ANY(%s)"), (ids,))
        rows = {row[0]: row for row in cur.fetchall()}
        features = [feature_from_row(rows[fid], layer) for fid in ids if fid in rows]
        if not query.filtered:
            # The whole layer: its count is kept per revision, and the snapshot is the same.
            return FeaturePage(features=features, number_matched=layer_stats(conn, layer, access).feature_count)
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(table) + where, params)
        (matched,) = cur.fetchone()
    return FeaturePage(features=features, number_matched=matched)


def get_feature(conn: Connection, layer: LayerDef, fid: int, access: Access, crs: CrsChoice = CRS84) -> dict[str, Any]:
    """The feature `fid` of the layer as a GeoJSON Feature in `crs`, as the audience sees it; raises FeatureNotFound."""
    with conn.cursor() as cur:
        cur.execute(_feature_select(layer, access, crs) + sql.SQL(" WHERE fid = %s"), (fid,))
        row = cur.fetchone()
    if row is None:
        raise FeatureNotFound(f"Layer '{layer.id}' has no feature {fid}.")
    return feature_from_row(row, layer)
