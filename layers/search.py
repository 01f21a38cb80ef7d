"""Place and feature search across the catalogue, with or without diacritics.

A result of a point or water layer says where it is: the nearest river within RIVER_REACH_M, else
the commune it lies in, found by PostGIS for the page of matches only. A feature the audience sees
generalised gets no place: the river or commune of its exact position would tell more than its cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import Access, exact_unless_generalised_sql, geometry_sql, searchable_fields, value_sql
from layers.catalogue import LayerDef
from layers.features import escape_like
from layers.tables import table_identifier

PER_LAYER = 5
# A point result is shown with this much room around it (degrees, about 500 m).
POINT_MARGIN_DEG = 0.005
# The layers a result is placed by: the nearest river within reach, else the commune it lies in.
RIVERS = "rivers"
COMMUNES = "communes"
# How far a river may be to be "the river it is on" (metres).
RIVER_REACH_M = 2_000
# Degrees that surely cover RIVER_REACH_M in the province (a degree of longitude is 104 km at 20.8° N,
# one of latitude 110 km): the box around a result that holds every river part within reach.
RIVER_REACH_DEG = RIVER_REACH_M / 100_000


@dataclass(frozen=True)
class SearchHit:
    """One feature whose searchable text matched."""

    layer_id: str
    fid: int
    label: str
    bbox: tuple[float, float, float, float]
    starts_with: bool
    detail: str | None = None  # the other searchable fields, "holder" beside a permit's number
    place: Place | None = None  # the river it is on, or the commune it lies in


@dataclass(frozen=True)
class Place:
    """Where a result is: the river it is on, or else the commune it lies in."""

    kind: str  # "river" or "commune"
    layer_id: str
    fid: int
    name: str


def placed(layer: LayerDef) -> bool:
    """Whether results of the layer say where they are: points, and the water layers other than rivers."""
    if layer.id in (RIVERS, COMMUNES) or layer.theme == "admin":
        return False
    return layer.geometry_kind == "point" or layer.theme == "water"


def _layer_query(layer: LayerDef, access: Access, references: dict[str, LayerDef]) -> sql.Composable:
    fields = searchable_fields(layer, access)
    # A layer's name is the best label; layers without one show their first searchable field.
    label_name = next((f.name for f in fields if f.name == "name"), fields[0].name)
    label = sql.Identifier(label_name)
    others = [sql.Identifier(f.name) for f in fields if f.name != label_name]
    detail = sql.SQL("concat_ws(' — ', {})").format(sql.SQL(", ").join(others)) if others else sql.SQL("NULL")
    matches = sql.SQL(" OR ").join(
        sql.SQL("atlas_fold({}) LIKE atlas_fold(%(pattern)s)").format(sql.Identifier(f.name)) for f in fields
    )
    anchor = exact_unless_generalised_sql(layer, access) if placed(layer) else sql.SQL("NULL::geometry")
    place_columns, place_joins = _place_sql(access, references if placed(layer) else {})
    # The page of matches first, then where each of them is: the joins run for these few rows only.
    return sql.SQL(
        "SELECT t.fid, t.label, ST_XMin(t.b), ST_YMin(t.b), ST_XMax(t.b), ST_YMax(t.b),"
        " atlas_fold(t.label) LIKE atlas_fold(%(prefix)s) OR atlas_fold(t.label) LIKE atlas_fold(%(word)s) AS starts,"
        " t.detail, {place_columns} FROM (SELECT fid, {label} AS label, ST_Expand({geom}::box2d, {margin}) AS b,"
        " {detail} AS detail, {anchor} AS anchor FROM {table} WHERE {matches} ORDER BY fid LIMIT {per_layer}) t"
        " {place_joins}"
    ).format(
        label=label,
        geom=geometry_sql(layer, access),
        detail=detail,
        anchor=anchor,
        margin=sql.Literal(POINT_MARGIN_DEG if layer.geometry_kind == "point" else 0),
        table=table_identifier(layer),
        matches=matches,
        per_layer=sql.Literal(PER_LAYER),
        place_columns=place_columns,
        place_joins=place_joins,
    )


def _reference_name(layer: LayerDef, access: Access, alias: str) -> sql.Composable:
    """The name a place is called by: the field its map labels come from."""
    name = layer.field(layer.style.label_field or "name")
    assert name is not None, f"layer {layer.id} names its features by no field"
    return value_sql(layer, name, access, alias)


def _place_sql(access: Access, references: dict[str, LayerDef]) -> tuple[sql.Composable, sql.Composable]:
    """The columns kind, fid and name of a result's place, and the LATERAL joins that find it from `t.anchor`."""
    joins: list[sql.Composable] = []
    found: list[tuple[str, str]] = []
    rivers = references.get(RIVERS)
    if rivers is not None:
        geom = geometry_sql(rivers, access, "r")
        # The index narrows by a box in degrees; the distance in metres (geography) decides, measured to the
        # part of the river inside that box: a whole river's line made geography took 6 ms a row.
        joins.append(
            sql.SQL(
                "LEFT JOIN LATERAL (SELECT r.fid, {name} AS name FROM {table} r,"
                " LATERAL (SELECT ST_ClipByBox2D({geom}, ST_Expand(t.anchor, {reach_deg})::box2d)::geography AS near) k"
                " WHERE {geom} && ST_Expand(t.anchor, {reach_deg})"
                " AND ST_DWithin(k.near, t.anchor::geography, {reach_m})"
                " ORDER BY ST_Distance(k.near, t.anchor::geography), r.fid LIMIT 1) river ON true"
            ).format(
                name=_reference_name(rivers, access, "r"),
                table=table_identifier(rivers),
                geom=geom,
                reach_deg=sql.Literal(RIVER_REACH_DEG),
                reach_m=sql.Literal(RIVER_REACH_M),
            )
        )
        found.append(("river", "river"))
    communes = references.get(COMMUNES)
    if communes is not None:
        unless_river = sql.SQL("river.fid IS NULL AND ") if rivers is not None else sql.SQL("")
        joins.append(
            sql.SQL(
                "LEFT JOIN LATERAL (SELECT c.fid, {name} AS name FROM {table} c"
                " WHERE {unless_river}ST_Intersects({geom}, ST_PointOnSurface(t.anchor)) ORDER BY c.fid LIMIT 1)"
                " commune ON true"
            ).format(
                name=_reference_name(communes, access, "c"),
                table=table_identifier(communes),
                geom=geometry_sql(communes, access, "c"),
                unless_river=unless_river,
            )
        )
        found.append(("commune", "commune"))
    if not found:
        return sql.SQL("NULL, NULL, NULL"), sql.SQL("")
    kind = sql.SQL("CASE {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {}.fid IS NOT NULL THEN {}").format(sql.Identifier(alias), sql.Literal(k))
            for alias, k in found
        )
    )
    fid = sql.SQL("coalesce({})").format(sql.SQL(", ").join(sql.Identifier(a, "fid") for a, _k in found))
    name = sql.SQL("coalesce({})").format(sql.SQL(", ").join(sql.Identifier(a, "name") for a, _k in found))
    return sql.SQL("{}, {}, {}").format(kind, fid, name), sql.SQL(" ").join(joins)


def search(conn: Connection, layers: list[LayerDef], text: str, access: Access, limit: int = 20) -> list[SearchHit]:
    """Features of the layers whose searchable fields contain `text`, where the audience sees them; names that
    start with it come first."""
    escaped = escape_like(text)
    params = {"pattern": f"%{escaped}%", "prefix": f"{escaped}%", "word": f"% {escaped}%"}
    hits: list[SearchHit] = []
    references = {layer.id: layer for layer in layers if layer.id in (RIVERS, COMMUNES)}
    with conn.cursor() as cur:
        for layer in layers:
            if not searchable_fields(layer, access):
                continue
            cur.execute(_layer_query(layer, access, references), params)
            hits += [
                SearchHit(layer.id, fid, label, (x0, y0, x1, y1), starts, detail or None, _place(kind, place_fid, name))
                for fid, label, x0, y0, x1, y1, starts, detail, kind, place_fid, name in cur
            ]
    order = {layer.id: index for index, layer in enumerate(layers)}
    hits.sort(key=lambda hit: (not hit.starts_with, order[hit.layer_id], hit.label))
    return hits[:limit]


def _place(kind: str | None, fid: int | None, name: str | None) -> Place | None:
    if kind is None or fid is None or not name:
        return None
    return Place(kind, RIVERS if kind == "river" else COMMUNES, fid, name)
