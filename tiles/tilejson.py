"""TileJSON 3.0.0 documents for one layer or a combination of layers."""

from __future__ import annotations

from typing import Any

from layers.access import PUBLIC, Access
from layers.catalogue import LayerDef, localized
from layers.province import PROVINCE_BBOX
from layers.stats import LayerStats
from tiles.changes import revision_tag_of
from tiles.layer_sql import tile_fields

ATTRIBUTION = "© Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa (dữ liệu minh họa)"


# The tile URL of a set of layers; {ids} and {v} are filled here for TileJSON and by the map's script.
TILE_PATH = "/tiles/{ids}/{z}/{x}/{y}.pbf?v={v}"
# Officials' tile URLs differ from the public's, so a browser that cached a public tile before
# its user signed in (or an exact one before signing out) never shows it to the other audience.
# The server decides by the credentials alone; the marker only separates the URLs.
OFFICIAL_MARKER = "&view=official"


def tile_path(access: Access) -> str:
    """The tile URL path template for this audience."""
    return TILE_PATH + OFFICIAL_MARKER if access.official else TILE_PATH


def tile_url(base: str, layers: list[LayerDef], access: Access = PUBLIC) -> str:
    """The layers' tile URL template (z/x/y left open), carrying their revisions."""
    ids = ",".join(layer.id for layer in layers)
    return base + tile_path(access).replace("{ids}", ids).replace("{v}", revision_tag(layers))


def revision_tag(layers: list[LayerDef]) -> str:
    """The part of tile URLs that changes whenever any of the layers' data changes."""
    return revision_tag_of(tuple((layer.id, layer.revision) for layer in layers))


def _bounds(stats: list[LayerStats]) -> tuple[float, float, float, float]:
    boxes = [s.bbox for s in stats if s.bbox]
    if not boxes:
        return PROVINCE_BBOX
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _fields(layer: LayerDef, lang: str) -> dict[str, str]:
    fields = {f.name: localized(f, "label", lang) for f in tile_fields(layer)}
    if layer.aggregate_below_zoom is not None:
        count = "point_count" if layer.geometry_kind == "point" else "feature_count"
        fields[count] = (
            f"Số đối tượng trong ô lưới (zoom < {layer.aggregate_below_zoom})"
            if lang == "vi"
            else f"Features in the grid cell (zoom < {layer.aggregate_below_zoom})"
        )
    return fields


def tilejson(
    layers: list[LayerDef], stats: list[LayerStats], tile_url: str, lang: str = "vi", style_url: str | None = None
) -> dict[str, Any]:
    """TileJSON 3.0.0 whose tile URL carries the layers' revisions; `style_url` links their GL style."""
    west, south, east, north = _bounds(stats)
    min_zoom = min(layer.min_zoom for layer in layers)
    return {
        "tilejson": "3.0.0",
        "name": " + ".join(layer.title(lang) for layer in layers),
        "description": " ".join(localized(layer.metadata, "abstract", lang) for layer in layers),
        "attribution": ATTRIBUTION,
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [tile_url],
        # Not a TileJSON key (extra keys are allowed): GL clients such as QGIS load the colours from it.
        **({"style": style_url} if style_url else {}),
        "minzoom": min_zoom,
        "maxzoom": max(layer.max_zoom for layer in layers),
        "bounds": [west, south, east, north],
        "center": [round((west + east) / 2, 5), round((south + north) / 2, 5), max(min_zoom, 8)],
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.title(lang),
                "minzoom": layer.min_zoom,
                "maxzoom": layer.max_zoom,
                "fields": _fields(layer, lang),
            }
            for layer in layers
        ],
    }
