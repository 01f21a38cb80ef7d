"""The tile statements of each layer, built once from its LayerDef; only z, x and y are bound.

Every layer has a feature statement. A layer with `aggregate_below_zoom` also has a cell
statement, used below that zoom, which reads the precomputed grid cells of layers/generalise.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from psycopg2 import sql

from layers.access import (
    PUBLIC,
    Access,
    generalises,
    grid_centre_3857_sql,
    public_point_3857_sql,
    sensitive_fields_sql,
    withheld_value_sql,
)
from layers.catalogue import DATA_SCHEMA, FieldDef, LayerDef, Style
from layers.generalise import CELLS_PER_TILE, CELLS_SCHEMA, HALF_WORLD, WORLD_METRES
from tiles.grid import BUFFER, EXTENT

# Lines and polygons are simplified to about a quarter of a screen pixel (at 512-pixel
# tiles one pixel is 8 tile units) below this zoom; above it ST_AsMVTGeom's snapping suffices.
SIMPLIFY_BELOW_ZOOM = 14
SIMPLIFY_UNITS = 2.0
# Polygons smaller than this many square tile units (a quarter of a 512-px pixel) are not drawn.
MIN_POLYGON_UNITS2 = 16.0


@dataclass(frozen=True)
class LayerTileQuery:
    """A tile statement: its text with $1..$3 = z, x, y, and a stable name to PREPARE it under."""

    name: str
    text: sql.Composed


@dataclass(frozen=True)
class _Shape:
    """What a layer's tile statements depend on (not its revision, titles or metadata)."""

    layer_id: str
    geometry_kind: str
    fields: tuple[FieldDef, ...]
    style: Style
    aggregate_below_zoom: int | None
    # The grid of the public's generalised positions; None when this audience sees the layer exact.
    generalise_m: int | None = None
    # The layer's fields that make a feature sensitive (they need not travel in the tiles).
    rule_fields: tuple[FieldDef, ...] = ()

    @property
    def is_point(self) -> bool:
        return self.geometry_kind == "point"

    @property
    def is_polygon(self) -> bool:
        return self.geometry_kind == "polygon"


def tile_fields(layer: LayerDef) -> tuple[FieldDef, ...]:
    """The attributes a layer's feature tiles carry: those marked for popups and styles."""
    return tuple(f for f in layer.fields if f.in_tiles)


def _unit_metres() -> sql.Composable:
    return sql.SQL("({} / (2 ^ $1) / {})").format(sql.Literal(WORLD_METRES), sql.Literal(EXTENT))


def _feature_geometry(shape: _Shape) -> sql.Composable:
    if shape.is_point:
        exact: sql.Composable = sql.SQL("geom_3857")
    else:
        exact = sql.SQL("CASE WHEN $1 < {z} THEN ST_Simplify(geom_3857, {units} * {unit}) ELSE geom_3857 END").format(
            z=sql.Literal(SIMPLIFY_BELOW_ZOOM), units=sql.Literal(SIMPLIFY_UNITS), unit=_unit_metres()
        )
    if shape.generalise_m is None:
        return exact
    return public_point_3857_sql(shape.rule_fields, shape.generalise_m, exact)


def _public_reach(shape: _Shape) -> sql.Composable:
    """For the public: sensitive rows from elsewhere whose generalised positions fall in the tile.

    Found by their public position, through the partial index on it (layers/tables.py): testing
    every sensitive row within a grid cell of the tile took a second at z14 of the scale data.
    """
    if shape.generalise_m is None:
        return sql.SQL("")
    return sql.SQL(" OR ({sensitive} AND {centre} && ST_TileEnvelope($1, $2, $3, margin => {margin}))").format(
        sensitive=sensitive_fields_sql(shape.rule_fields),
        centre=grid_centre_3857_sql(shape.generalise_m),
        margin=sql.Literal(BUFFER / EXTENT),
    )


def _size_filter(shape: _Shape) -> sql.Composable:
    if not shape.is_polygon:
        return sql.SQL("")
    return sql.SQL(" AND ($1 >= {z} OR ST_Area(geom_3857) >= {units2} * {unit} * {unit})").format(
        z=sql.Literal(SIMPLIFY_BELOW_ZOOM), units2=sql.Literal(MIN_POLYGON_UNITS2), unit=_unit_metres()
    )


def _named(prefix: str, shape: _Shape, text: sql.Composed) -> LayerTileQuery:
    digest = hashlib.sha1(repr(text).encode()).hexdigest()[:12]
    return LayerTileQuery(name=f"{prefix}_{shape.layer_id}_{digest}", text=text)


@lru_cache(maxsize=256)
def _feature_query(shape: _Shape) -> LayerTileQuery:
    columns = sql.SQL("").join(sql.SQL(", {}").format(_tile_column(shape, f)) for f in shape.fields)
    text = sql.SQL(
        "SELECT ST_AsMVT(q, {name}, {extent}, 'geom', 'fid') FROM ("
        "SELECT fid{columns}, ST_AsMVTGeom({geom}, ST_TileEnvelope($1, $2, $3), {extent}, {buffer}, true) AS geom"
        " FROM {table}"
        " WHERE (geom_3857 && ST_TileEnvelope($1, $2, $3, margin => {margin}){reach}){size_filter}"
        ") q WHERE q.geom IS NOT NULL"
    ).format(
        name=sql.Literal(shape.layer_id),
        extent=sql.Literal(EXTENT),
        columns=columns,
        geom=_feature_geometry(shape),
        buffer=sql.Literal(BUFFER),
        table=sql.Identifier(DATA_SCHEMA, shape.layer_id),
        margin=sql.Literal(BUFFER / EXTENT),
        reach=_public_reach(shape),
        size_filter=_size_filter(shape),
    )
    return _named("public_tile" if shape.generalise_m else "tile", shape, text)


def _tile_column(shape: _Shape, f: FieldDef) -> sql.Composable:
    column = sql.Identifier(f.name)
    if shape.generalise_m is None:
        return column
    return sql.SQL("{} AS {}").format(withheld_value_sql(f, sensitive_fields_sql(shape.rule_fields), column), column)


def _category_pick(shape: _Shape) -> sql.Composable:
    """A cell's category: the largest area for polygons, else the first in the style's order."""
    field = shape.style.category_field
    if not field:
        return sql.SQL("")
    if shape.is_polygon:
        order: sql.Composable = sql.SQL("area DESC")
    else:
        codes = [c.value for c in shape.style.categories]
        order = sql.SQL("array_position({}::text[], category)").format(sql.Literal(codes))
    return sql.SQL("(array_agg(nullif(category, '') ORDER BY {order}))[1] AS {field}, ").format(
        order=order, field=sql.Identifier(field)
    )


def _cell_geometry(shape: _Shape, per_tile: int) -> sql.Composable:
    if shape.is_point:
        # The mean position of the cell's points, so a cluster sits where its features are.
        return sql.SQL("ST_SetSRID(ST_MakePoint(sum(sum_x) / sum(n), sum(sum_y) / sum(n)), 3857)")
    size = sql.SQL("({} / (2 ^ $1) / {})").format(sql.Literal(WORLD_METRES), sql.Literal(per_tile))
    return sql.SQL(
        "ST_MakeEnvelope(cx * {s} - {h}, {h} - (cy + 1) * {s}, (cx + 1) * {s} - {h}, {h} - cy * {s}, 3857)"
    ).format(s=size, h=sql.Literal(HALF_WORLD))


@lru_cache(maxsize=256)
def _cell_query(shape: _Shape, per_tile: int) -> LayerTileQuery:
    text = sql.SQL(
        "SELECT ST_AsMVT(q, {name}, {extent}, 'geom') FROM ("
        "SELECT {category}sum(n)::integer AS {count}{area},"
        " ST_AsMVTGeom({geom}, ST_TileEnvelope($1, $2, $3), {extent}, 0, true) AS geom"
        " FROM {cells} WHERE z = $1 AND tx = $2 AND ty = $3 GROUP BY cx, cy"
        ") q"
    ).format(
        name=sql.Literal(shape.layer_id),
        extent=sql.Literal(EXTENT),
        category=_category_pick(shape),
        count=sql.Identifier("point_count" if shape.is_point else "feature_count"),
        area=sql.SQL("" if shape.is_point else ", round(sum(area) / 10000.0)::integer AS area_ha"),
        geom=_cell_geometry(shape, per_tile),
        cells=sql.Identifier(CELLS_SCHEMA, shape.layer_id),
    )
    return _named("cells", shape, text)


def draws_cells(layer: LayerDef, z: int) -> bool:
    """Whether the layer's tiles at zoom z are grid cells rather than single features."""
    return layer.aggregate_below_zoom is not None and z < layer.aggregate_below_zoom


def layer_tile_query(layer: LayerDef, z: int, access: Access = PUBLIC) -> LayerTileQuery:
    """The tile statement of the layer at zoom z for this audience: grid cells below its aggregate zoom, else features.

    Cells are counted from the public's positions for everyone (layers/generalise.py), so only
    feature tiles differ between the public and officials.
    """
    public = generalises(layer, access)
    shape = _Shape(
        layer.id,
        layer.geometry_kind,
        tile_fields(layer),
        layer.style,
        layer.aggregate_below_zoom,
        layer.generalise_m if public else None,
        tuple(f for f in layer.fields if f.generalise_codes) if public else (),
    )
    if draws_cells(layer, z):
        return _cell_query(shape, CELLS_PER_TILE)
    return _feature_query(shape)
