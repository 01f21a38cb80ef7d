"""The tile query of each layer, built once from its LayerDef; only z, x and y are bound."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from psycopg2 import sql

from layers.catalogue import DATA_SCHEMA, FieldDef, LayerDef
from tiles.grid import BUFFER, EXTENT, WORLD_METRES

# Lines and polygons are simplified to about a quarter of a screen pixel (at 512-pixel
# tiles one pixel is 8 tile units) below this zoom; above it ST_AsMVTGeom's snapping suffices.
SIMPLIFY_BELOW_ZOOM = 14
SIMPLIFY_UNITS = 2.0
# Polygons smaller than this many square tile units (a quarter of a 512-px pixel) are not drawn.
MIN_POLYGON_UNITS2 = 16.0


@dataclass(frozen=True)
class LayerTileQuery:
    """A layer's tile statement: its text with $1..$3 = z, x, y, and a stable name to PREPARE it under."""

    name: str
    text: sql.Composed


def _unit_metres_sql() -> sql.Composable:
    return sql.SQL("({} / (2 ^ $1) / {})").format(sql.Literal(WORLD_METRES), sql.Literal(EXTENT))


def _geometry_sql(geometry_type: str) -> sql.Composable:
    if geometry_type.endswith("Point"):
        return sql.SQL("geom_3857")
    return sql.SQL("CASE WHEN $1 < {z} THEN ST_Simplify(geom_3857, {units} * {unit}) ELSE geom_3857 END").format(
        z=sql.Literal(SIMPLIFY_BELOW_ZOOM), units=sql.Literal(SIMPLIFY_UNITS), unit=_unit_metres_sql()
    )


def _size_filter_sql(geometry_type: str) -> sql.Composable:
    if not geometry_type.endswith("Polygon"):
        return sql.SQL("")
    return sql.SQL(" AND ($1 >= {z} OR ST_Area(geom_3857) >= {units2} * {unit} * {unit})").format(
        z=sql.Literal(SIMPLIFY_BELOW_ZOOM), units2=sql.Literal(MIN_POLYGON_UNITS2), unit=_unit_metres_sql()
    )


def tile_fields(layer: LayerDef) -> tuple[FieldDef, ...]:
    """The attributes a layer's tiles carry: those marked for popups and styles."""
    return tuple(f for f in layer.fields if f.in_tiles)


@lru_cache(maxsize=256)
def _build(layer_id: str, geometry_type: str, fields: tuple[FieldDef, ...]) -> LayerTileQuery:
    columns = sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(f.name)) for f in fields)
    envelope = sql.SQL("ST_TileEnvelope($1, $2, $3)")
    text = sql.SQL(
        "SELECT ST_AsMVT(q, {name}, {extent}, 'geom', 'fid') FROM ("
        "SELECT fid{columns}, ST_AsMVTGeom({geom}, {envelope}, {extent}, {buffer}, true) AS geom"
        " FROM {table}"
        " WHERE geom_3857 && ST_TileEnvelope($1, $2, $3, margin => {margin}){size_filter}"
        ") q WHERE q.geom IS NOT NULL"
    ).format(
        name=sql.Literal(layer_id),
        extent=sql.Literal(EXTENT),
        columns=columns,
        geom=_geometry_sql(geometry_type),
        envelope=envelope,
        buffer=sql.Literal(BUFFER),
        table=sql.Identifier(DATA_SCHEMA, layer_id),
        margin=sql.Literal(BUFFER / EXTENT),
        size_filter=_size_filter_sql(geometry_type),
    )
    digest = hashlib.sha1(repr((layer_id, geometry_type, fields)).encode()).hexdigest()[:12]
    return LayerTileQuery(name=f"tile_{layer_id}_{digest}", text=text)


def layer_tile_query(layer: LayerDef) -> LayerTileQuery:
    """The tile statement of the layer (built once per layer definition)."""
    return _build(layer.id, layer.geometry_type, tile_fields(layer))
