"""Reading a layer's features as GeoJSON: pages with bbox, text, field and time filters, in any offered CRS."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

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
class FeatureQuery:
    """Which features of a layer to return, and in which CRS: optional filters, one page of them.

    `equals` holds stored values of the layer's own fields (checked like edits: layers.exchange.selection.parse_equals);
    `during` applies to the layer's time field. Geometries come in `crs`, bboxes are read in `bbox_crs`.
    """

    limit: int
    offset: int = 0
    bbox: BBox | None = None
    text: str | None = None
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


def _properties_sql(layer: LayerDef) -> sql.Composable:
    pairs = sql.SQL(", ").join(
        sql.SQL("{}, {}").format(sql.Literal(f.name), sql.Identifier(f.name)) for f in layer.fields
    )
    return sql.SQL("json_build_object({})").format(pairs)


def _geometry_sql(crs: CrsChoice) -> sql.Composable:
    """The stored geometry as GeoJSON in `crs`: transformed by PostGIS (VN-2000 shift included), in its axis order."""
    if crs == CRS84:
        return sql.SQL("ST_AsGeoJSON(geom, {})").format(sql.Literal(GEOJSON_DECIMALS))
    shape = sql.SQL("ST_Transform(geom, {})").format(sql.Literal(crs.srid))
    if crs.lat_first:
        shape = sql.SQL("ST_FlipCoordinates({})").format(shape)
    decimals = GEOJSON_DECIMALS if crs.geographic else PROJECTED_DECIMALS
    # Options 0: no "crs" member (RFC 7946 has none; Part 2 names the CRS in Content-Crs).
    return sql.SQL("ST_AsGeoJSON({}, {}, 0)").format(shape, sql.Literal(decimals))


def feature_columns(layer: LayerDef, crs: CrsChoice = CRS84) -> sql.Composable:
    """The columns a feature is read from (for SELECT, and RETURNING of writes); see feature_from_row."""
    return sql.SQL("fid, {geometry}, {props}, version, updated_at, updated_by").format(
        geometry=_geometry_sql(crs), props=_properties_sql(layer)
    )


def _feature_select(layer: LayerDef, crs: CrsChoice = CRS84) -> sql.Composable:
    return sql.SQL("SELECT {} FROM {}").format(feature_columns(layer, crs), table_identifier(layer))


def _bbox_clause(conn: Connection, query: FeatureQuery) -> tuple[sql.Composable, list[Any]]:
    assert query.bbox is not None
    b = query.bbox
    corners = [b.min_lon, b.min_lat, b.max_lon, b.max_lat]
    if query.bbox_crs.srid == CRS84.srid:
        return sql.SQL("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"), corners
    return sql.SQL("ST_Intersects(geom, %s::geometry)"), [_rectangle_in_storage(conn, query.bbox_crs.srid, b)]


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


def _time_clauses(layer: LayerDef, during: TimeInterval) -> tuple[list[sql.Composable], list[Any]]:
    field_def = time_field(layer)
    if field_def is None:
        return [sql.SQL("false")], []
    column = sql.Identifier(field_def.name)
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    for bound, operator in ((during.start, ">="), (during.end, "<=")):
        if bound is None:
            continue
        clauses.append(sql.SQL("{} {} %s").format(column, sql.SQL(operator)))
        # A date field holds Vietnam's calendar days.
        params.append(bound.astimezone(VIETNAM_OFFSET).date() if field_def.type == "date" else bound)
    return clauses, params


def _where(conn: Connection, layer: LayerDef, query: FeatureQuery) -> tuple[sql.Composable, list[Any]]:
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    if query.bbox is not None:
        clause, corners = _bbox_clause(conn, query)
        clauses.append(clause)
        params += corners
    for name, value in query.equals:
        clauses.append(sql.SQL("{} = %s").format(sql.Identifier(name)))
        params.append(value)
    if query.during is not None:
        time_clauses, time_params = _time_clauses(layer, query.during)
        clauses += time_clauses
        params += time_params
    searchable = [f for f in layer.fields if f.searchable]
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


def escape_like(text: str) -> str:
    """`text` with LIKE's own wildcards and escape character taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere."""
    return f"%{escape_like(text)}%"


def feature_from_row(row: tuple) -> dict[str, Any]:
    """A row of feature_columns as a GeoJSON Feature with its version."""
    fid, geometry, properties, version, updated_at, updated_by = row
    return {
        "type": "Feature",
        "id": fid,
        "geometry": json.loads(geometry),
        "properties": properties,
        "version": version,
        "updated_at": updated_at.isoformat(),
        "updated_by": updated_by,
    }


def list_features(conn: Connection, layer: LayerDef, query: FeatureQuery) -> FeaturePage:
    """One page of the layer's features, ordered by feature id, with the total that match."""
    where, params = _where(conn, layer, query)
    # The page's ids first, then their columns: PostgreSQL would build the GeoJSON of every skipped row too.
    page_ids = sql.SQL("SELECT fid FROM {}").format(table_identifier(layer)) + where
    statement = sql.SQL("{select} WHERE fid IN ({ids} ORDER BY fid LIMIT %s OFFSET %s) ORDER BY fid").format(
        select=_feature_select(layer, query.crs), ids=page_ids
    )
    with conn.cursor() as cur:
        cur.execute(statement, [*params, query.limit, query.offset])
        features = [feature_from_row(row) for row in cur.fetchall()]
        if not query.filtered:
            # The whole layer: its count is kept per revision, and the snapshot is the same.
            return FeaturePage(features=features, number_matched=layer_stats(conn, layer).feature_count)
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(table_identifier(layer)) + where, params)
        (matched,) = cur.fetchone()
    return FeaturePage(features=features, number_matched=matched)


def get_feature(conn: Connection, layer: LayerDef, fid: int, crs: CrsChoice = CRS84) -> dict[str, Any]:
    """The feature `fid` of the layer as a GeoJSON Feature in `crs`; raises FeatureNotFound."""
    with conn.cursor() as cur:
        cur.execute(_feature_select(layer, crs) + sql.SQL(" WHERE fid = %s"), (fid,))
        row = cur.fetchone()
    if row is None:
        raise FeatureNotFound(f"Layer '{layer.id}' has no feature {fid}.")
    return feature_from_row(row)
