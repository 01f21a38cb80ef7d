"""Label points of the layers that name their features on the map (`Style.label_field`).

PostGIS places them once per layer revision: polygons at the centre of their largest inscribed
circle (inside even a crescent-shaped commune, where a centroid may fall outside), lines at
points spaced along them with the line's direction there, points at themselves. The map's
script then chooses, per view, the labels that fit without overlapping (atlas-labels.js).

Measured on the sample data (see the README): all 285 label points of the province are about
5 KB gzipped, fetched once per revision, where a label layer in the tiles would repeat them in
every tile of every zoom and cut collision avoidance at tile edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef

# A river gets one label candidate per this many metres (Web Mercator) of its length; the
# script keeps those that lie far enough apart on screen at the zoom shown.
LINE_LABEL_SPACING_M = 12_000.0
# The direction of a line at a label is taken over this many metres either side of it.
LINE_TANGENT_M = 1_500.0
# Labelled layers are small reference layers; a layer with more features names only its largest.
MAX_LABELS_PER_LAYER = 2_000
COORD_DIGITS = 4  # about 10 m, a pixel at zoom 14


@dataclass(frozen=True)
class LabelPoint:
    """One place a name can be drawn: text, position, angle (degrees clockwise) and size rank."""

    layer_id: str
    fid: int
    text: str
    lon: float
    lat: float
    angle: float
    size: float


def labelled(layers: list[LayerDef]) -> list[LayerDef]:
    """The layers whose style names a label field that the layer has."""
    return [layer for layer in layers if layer.style.label_field and layer.field(layer.style.label_field)]


def _text_column(layer: LayerDef, lang: str) -> sql.Composable:
    """The label field, or its English twin `<field>_en` on English pages when the layer has one."""
    field = layer.style.label_field
    assert field is not None
    if lang == "en" and layer.field(f"{field}_en") is not None:
        return sql.SQL("coalesce(nullif({}, ''), {})").format(sql.Identifier(f"{field}_en"), sql.Identifier(field))
    return sql.Identifier(field)


_POLYGON = """
SELECT fid, txt, ST_X(p), ST_Y(p), 0.0::float8, size FROM (
  SELECT fid, {text} AS txt, ST_Transform((ST_MaximumInscribedCircle(geom_3857)).center, 4326) AS p,
         ST_Area(geom_3857) AS size
  FROM {table} WHERE nullif({field}, '') IS NOT NULL ORDER BY size DESC LIMIT {limit}
) s
"""

_LINE = """
WITH parts AS (
  SELECT fid, {text} AS txt, d.geom AS g, ST_Length(d.geom) AS len
  FROM {table}, ST_Dump(ST_LineMerge(geom_3857)) AS d
  WHERE nullif({field}, '') IS NOT NULL
), spots AS (
  SELECT fid, txt, g, len, (i + 0.5) / n AS f, least(0.5, {tangent} / len) AS d
  FROM (SELECT *, greatest(1, floor(len / {spacing}))::integer AS n FROM parts WHERE len > 0) p,
       generate_series(0, n - 1) AS i
)
SELECT fid, txt, ST_X(pt), ST_Y(pt), angle, len FROM (
  SELECT fid, txt, len, ST_Transform(ST_LineInterpolatePoint(g, f), 4326) AS pt,
         degrees(ST_Azimuth(ST_LineInterpolatePoint(g, greatest(f - d, 0)),
                            ST_LineInterpolatePoint(g, least(f + d, 1)))) AS angle
  FROM spots
) s ORDER BY len DESC LIMIT {limit}
"""

_POINT = """
SELECT fid, {text}, ST_X(geom), ST_Y(geom), 0.0::float8, 0.0::float8
FROM {table} WHERE nullif({field}, '') IS NOT NULL ORDER BY fid LIMIT {limit}
"""

_BY_KIND = {"polygon": _POLYGON, "line": _LINE, "point": _POINT}


def layer_labels(conn: Connection, layer: LayerDef, lang: str) -> list[LabelPoint]:
    """The label points of one labelled layer, largest features first."""
    assert layer.style.label_field is not None
    query = sql.SQL(_BY_KIND[layer.geometry_kind]).format(
        text=_text_column(layer, lang),
        field=sql.Identifier(layer.style.label_field),
        table=sql.Identifier(*layer.table),
        limit=sql.Literal(MAX_LABELS_PER_LAYER),
        spacing=sql.Literal(LINE_LABEL_SPACING_M),
        tangent=sql.Literal(LINE_TANGENT_M),
    )
    with conn.cursor() as cur:
        cur.execute(query)
        rows = cur.fetchall()
    return [
        LabelPoint(layer.id, fid, text, round(lon, COORD_DIGITS), round(lat, COORD_DIGITS), round(angle), size)
        for fid, text, lon, lat, angle, size in rows
        if lon is not None
    ]


# Documents by (database, layers and revisions, language): a revision never changes its labels.
_documents: dict[tuple[str, tuple[tuple[str, int], ...], str], dict[str, Any]] = {}
_MAX_DOCUMENTS = 64


def labels_document(conn: Connection, layers: list[LayerDef], lang: str) -> dict[str, Any]:
    """The label points of the labelled layers among `layers`, with each layer's label rules."""
    key = (conn.dsn, tuple((layer.id, layer.revision) for layer in layers), lang)
    if key not in _documents:
        if len(_documents) >= _MAX_DOCUMENTS:
            _documents.pop(next(iter(_documents)))
        _documents[key] = _build_document(conn, labelled(layers), lang)
    return _documents[key]


def label_rules(layers: list[LayerDef]) -> dict[str, dict[str, int]]:
    """Per labelled layer, the first zoom its names show at and their priority where names collide."""
    return {
        layer.id: {"min_zoom": layer.style.label_min_zoom, "priority": layer.style.label_priority}
        for layer in labelled(layers)
    }


def _build_document(conn: Connection, named: list[LayerDef], lang: str) -> dict[str, Any]:
    return {
        "layers": label_rules(named),
        # Compact rows (layer, fid, text, lon, lat, angle): the map loads them with its first view.
        "labels": [
            [p.layer_id, p.fid, p.text, p.lon, p.lat, p.angle]
            for layer in named
            for p in layer_labels(conn, layer, lang)
        ],
    }
