"""The map's context areas (the sea off the coast) as small GeoJSON documents, simplified per zoom.

The sea is drawn under the layers from one shape, not from tiles: on the first view it is about a
kilobyte, where tiles would cost a request per tile. PostGIS simplifies it to about a pixel of
the zoom asked for (sub-pixel islands drop out), and places its name in the part of the sea that
the province's view shows, at the centre of the largest circle that fits there.
"""

from __future__ import annotations

import json
import re
from typing import Any

from psycopg2.extensions import connection as Connection

from layers.errors import InvalidInput, NotFound
from layers.generalise import WORLD_METRES
from layers.province import PROVINCE_BBOX

# From this zoom on the shape is sent as stored; below, simplified to a pixel of the zoom asked for.
FULL_DETAIL_ZOOM = 13
MAX_ZOOM = 22  # the map's deepest zoom (Leaflet's maxNativeZoom, LayerDef.max_zoom)
# The sea is simplified to a pixel of a 256-pixel tile.
TILE_PX = 256
COORD_DIGITS = 5  # about 1 m
_ZOOM = re.compile(r"[0-9]{1,2}\Z")

_DOCUMENT = """
SELECT name_vi, name_en, to_char(updated_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS'),
       ST_AsGeoJSON(ST_Transform(CASE WHEN %(tolerance)s > 0 THEN ST_Simplify(geom_3857, %(tolerance)s)
                                      ELSE geom_3857 END, 4326), %(digits)s),
       ST_AsGeoJSON(ST_Transform((ST_MaximumInscribedCircle(ST_Intersection(geom_3857,
           ST_Transform(ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326), 3857)))).center, 4326), 4)
FROM context_area WHERE id = %(id)s
"""

_REVISION = "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') FROM context_area WHERE id = %s"


def parse_zoom(value: str | None) -> int:
    """The `z` of a context request: a whole zoom level from 0 to 22."""
    if value is None or not _ZOOM.match(value) or int(value) > MAX_ZOOM:
        raise InvalidInput("z must be a whole zoom level from 0 to 22.")
    return int(value)


def tolerance_m(zoom: int) -> float:
    """The simplification tolerance at `zoom`: one screen pixel in Web Mercator metres, 0 from FULL_DETAIL_ZOOM."""
    if zoom >= FULL_DETAIL_ZOOM:
        return 0.0
    return WORLD_METRES / (TILE_PX * 2**zoom)


def context_revision(conn: Connection, area_id: str) -> str | None:
    """The revision of a context area (its last change, as digits), or None when there is none."""
    with conn.cursor() as cur:
        cur.execute(_REVISION, (area_id,))
        row = cur.fetchone()
    return row[0] if row else None


# Documents by (database, area, revision, zoom, language): a revision never changes its shape.
_documents: dict[tuple[str, str, str, int, str], dict[str, Any]] = {}
_MAX_DOCUMENTS = 128


def context_document(conn: Connection, area_id: str, zoom: int, lang: str) -> dict[str, Any]:
    """One context area as GeoJSON simplified for `zoom`, with its name in `lang` and its label point."""
    revision = context_revision(conn, area_id)
    if revision is None:
        raise NotFound(f"No context area {area_id!r}.")
    # Zooms from FULL_DETAIL_ZOOM on share one document.
    key = (conn.dsn, area_id, revision, min(zoom, FULL_DETAIL_ZOOM), lang)
    document = _documents.get(key)
    if document is None:
        # Another thread may evict at the same time: this request keeps the document it built.
        document = _build(conn, area_id, zoom, lang)
        if len(_documents) >= _MAX_DOCUMENTS:
            _documents.pop(next(iter(_documents)), None)
        _documents[key] = document
    return document


def _build(conn: Connection, area_id: str, zoom: int, lang: str) -> dict[str, Any]:
    west, south, east, north = PROVINCE_BBOX
    with conn.cursor() as cur:
        cur.execute(
            _DOCUMENT,
            {"id": area_id, "tolerance": tolerance_m(zoom), "digits": COORD_DIGITS,
             "west": west, "south": south, "east": east, "north": north},
        )  # fmt: skip
        name_vi, name_en, revision, geometry, label = cur.fetchone()
    return {
        "id": area_id,
        "revision": revision,
        "name": name_en if lang == "en" else name_vi,
        "label": json.loads(label)["coordinates"] if label else None,
        # A shape simplified away entirely (far out) is an empty one, not an error.
        "geometry": json.loads(geometry) if geometry else {"type": "MultiPolygon", "coordinates": []},
    }
