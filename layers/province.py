"""Where Thanh Hóa is: the bounding box that maps open on and that edits and imports must fall in."""

from __future__ import annotations

# West, south, east, north in degrees (EPSG:4326), the mainland and the islands off its coast.
PROVINCE_BBOX = (104.3743, 19.2877, 106.0751, 20.6702)
# Edits may reach this far past the box (about 2 km): a boundary drawn on the edge still fits.
EDIT_TOLERANCE_DEGREES = 0.02


def inside_province(bounds: tuple[float, float, float, float], tolerance: float = EDIT_TOLERANCE_DEGREES) -> bool:
    """True when a lon/lat box (min_lon, min_lat, max_lon, max_lat) lies in the province, within the tolerance."""
    west, south, east, north = PROVINCE_BBOX
    min_lon, min_lat, max_lon, max_lat = bounds
    return bool(
        min_lon >= west - tolerance
        and max_lon <= east + tolerance
        and min_lat >= south - tolerance
        and max_lat <= north + tolerance
    )
