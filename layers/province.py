"""Where Thanh Hóa is: the bounding box that maps open on and that edits and imports must fall in."""

from __future__ import annotations

from typing import Any

import numpy as np

# West, south, east, north in degrees (EPSG:4326), the mainland and the islands off its coast.
PROVINCE_BBOX = (104.3743, 19.2877, 106.0751, 20.6702)
# Edits may reach this far past the box (about 2 km): a boundary drawn on the edge still fits.
EDIT_TOLERANCE_DEGREES = 0.02
# The context area (context_area.id) of the sea the province's coast faces, drawn under the layers.
SEA_AREA_ID = "sea"
# The map may be panned this far past the box, as a fraction of its size on each side (Leaflet's pad).
MAP_PADDING = 0.5


def map_bbox() -> tuple[float, float, float, float]:
    """West, south, east, north of the map's bounds: the province's box padded by MAP_PADDING."""
    west, south, east, north = PROVINCE_BBOX
    dx, dy = (east - west) * MAP_PADDING, (north - south) * MAP_PADDING
    return (west - dx, south - dy, east + dx, north + dy)


def inside_province(bounds: Any, tolerance: float = EDIT_TOLERANCE_DEGREES) -> Any:
    """Whether lon/lat boxes (min_lon, min_lat, max_lon, max_lat) lie in the province, within the tolerance.

    One box gives a bool; an array of boxes (n x 4) gives an array of them.
    """
    west, south, east, north = PROVINCE_BBOX
    box = np.asarray(bounds, dtype=float)
    inside = (
        (box[..., 0] >= west - tolerance)
        & (box[..., 2] <= east + tolerance)
        & (box[..., 1] >= south - tolerance)
        & (box[..., 3] <= north + tolerance)
    )
    return bool(inside) if inside.ndim == 0 else inside
