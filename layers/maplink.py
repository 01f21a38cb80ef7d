"""Links that open the atlas map at a layer or a feature, in the map's permalink format.

The map reads `#zoom/lat/lon/layer,layer` (atlas/static/map/atlas-permalink.js); the zoom is the
deepest at which the box fits a desktop map, kept within the layer's own zooms.
"""

from __future__ import annotations

import math

from layers.catalogue import LayerDef

# Degrees of longitude a desktop map shows at zoom 0 (about 1,000 px over 256-px tiles).
WORLD_VIEW_DEG = 360 * 1000 / 256
# The map's own bounds on zoom (atlas/mapbuild.py starts at 6) and the deepest zoom a link asks for.
MAP_MIN_ZOOM = 6
MAP_MAX_ZOOM = 17
# Shown with the layer, so a lone feature has the province around it.
CONTEXT_LAYER = "province"
Box = tuple[float, float, float, float]


def fitting_zoom(layer: LayerDef, box: Box) -> int:
    """The deepest zoom at which the box fits the map, within the layer's and the map's zooms.

    A point (or a tiny box) opens where single features are drawn rather than grid cells.
    """
    west, south, east, north = box
    # A degree of latitude is longer on Web Mercator than one of longitude, by 1 / cos(latitude).
    stretch = 1 / math.cos(math.radians((south + north) / 2))
    span = max(east - west, (north - south) * stretch)
    lowest = max(layer.min_zoom, MAP_MIN_ZOOM)
    highest = min(layer.max_zoom, MAP_MAX_ZOOM)
    if span <= 0:
        zoom = max(layer.aggregate_below_zoom or 0, 15)
    else:
        zoom = math.floor(math.log2(WORLD_VIEW_DEG / span))
        if layer.aggregate_below_zoom is not None and span < 0.01:
            zoom = max(zoom, layer.aggregate_below_zoom)
    return max(lowest, min(highest, zoom))


def map_hash(layer: LayerDef, box: Box) -> str:
    """The map's permalink hash showing the box, with the layer (and the province) switched on."""
    west, south, east, north = box
    layers = [layer.id] if layer.id == CONTEXT_LAYER else [CONTEXT_LAYER, layer.id]
    lat, lon = (south + north) / 2, (west + east) / 2
    return f"#{fitting_zoom(layer, box)}/{lat:.5f}/{lon:.5f}/{','.join(layers)}"
