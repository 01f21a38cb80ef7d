"""Place and feature search across the catalogue, with or without diacritics."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import Access, geometry_sql, searchable_fields
from layers.catalogue import LayerDef
from layers.features import escape_like
from layers.tables import table_identifier

PER_LAYER = 5
# A point result is shown with this much room around it (degrees, about 500 m).
POINT_MARGIN_DEG = 0.005


@dataclass(frozen=True)
class SearchHit:
    """One feature whose searchable text matched."""

    layer_id: str
    fid: int
    label: str
    bbox: tuple[float, float, float, float]
    starts_with: bool
    detail: str | None = None  # the other searchable fields, "holder" beside a permit's number


def _layer_query(layer: LayerDef, access: Access) -> sql.Composable:
    fields = searchable_fields(layer, access)
    # A layer's name is the best label; layers without one show their first searchable field.
    label_name = next((f.name for f in fields if f.name == "name"), fields[0].name)
    label = sql.Identifier(label_name)
    others = [sql.Identifier(f.name) for f in fields if f.name != label_name]
    detail = sql.SQL("concat_ws(' — ', {})").format(sql.SQL(", ").join(others)) if others else sql.SQL("NULL")
    matches = sql.SQL(" OR ").join(
        sql.SQL("atlas_fold({}) LIKE atlas_fold(%(pattern)s)").format(sql.Identifier(f.name)) for f in fields
    )
    return sql.SQL(
        "SELECT fid, {label}, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b),"
        " atlas_fold({label}) LIKE atlas_fold(%(prefix)s) OR atlas_fold({label}) LIKE atlas_fold(%(word)s) AS starts,"
        " detail FROM (SELECT fid, {label}, ST_Expand({geom}::box2d, {margin}) AS b, {detail} AS detail"
        " FROM {table} WHERE {matches} ORDER BY fid LIMIT {per_layer}) t"
    ).format(
        label=label,
        geom=geometry_sql(layer, access),
        detail=detail,
        margin=sql.Literal(POINT_MARGIN_DEG if layer.geometry_kind == "point" else 0),
        table=table_identifier(layer),
        matches=matches,
        per_layer=sql.Literal(PER_LAYER),
    )


def search(conn: Connection, layers: list[LayerDef], text: str, access: Access, limit: int = 20) -> list[SearchHit]:
    """Features of the layers whose searchable fields contain `text`, where the audience sees them; names that
    start with it come first."""
    escaped = escape_like(text)
    params = {"pattern": f"%{escaped}%", "prefix": f"{escaped}%", "word": f"% {escaped}%"}
    hits: list[SearchHit] = []
    with conn.cursor() as cur:
        for layer in layers:
            if not searchable_fields(layer, access):
                continue
            cur.execute(_layer_query(layer, access), params)
            hits += [
                SearchHit(layer.id, fid, label, (x0, y0, x1, y1), starts, detail or None)
                for fid, label, x0, y0, x1, y1, starts, detail in cur
            ]
    order = {layer.id: index for index, layer in enumerate(layers)}
    hits.sort(key=lambda hit: (not hit.starts_with, order[hit.layer_id], hit.label))
    return hits[:limit]
