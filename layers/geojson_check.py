"""What is wrong with a GeoJSON geometry object's structure (RFC 7946, section 3.1), said plainly.

shapely's own errors name its internals ("IllegalArgumentException: Invalid number of points…") in
English only; this walk finds the first structural fault first, so the editor, the API and the OGC
writes can say it in the reader's language (validation.MESSAGES).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# How deep each type's positions lie: 0 a position, 1 a list of them, and so on.
DEPTHS = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
# The list level whose members are lines (at least 2 positions) or rings (at least 4, closed).
LINES = {"LineString": 0, "MultiLineString": 1}
RINGS = {"Polygon": 1, "MultiPolygon": 2}


def structure_problem(geometry: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The code and parameters of the first structural fault of a GeoJSON geometry object, or None."""
    kind = geometry.get("type")
    if kind not in DEPTHS:
        return "geometry_kind_unknown", {"given": str(kind)[:40], "known": ", ".join(DEPTHS)}
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return "coordinates_missing", {}
    if not coordinates:
        return None  # an empty geometry, which the checks after reading refuse in their own words
    return _walk(coordinates, DEPTHS[kind], 0, LINES.get(kind), RINGS.get(kind))


def _walk(value: Any, depth: int, level: int, lines: int | None, rings: int | None) -> tuple[str, dict] | None:
    if depth == 0:
        return None if _is_position(value) else ("position_malformed", {})
    if not isinstance(value, list) or not all(isinstance(member, list) for member in value):
        return "coordinates_nesting", {}
    if level == lines and len(value) < 2:
        return "line_too_short", {"count": len(value)}
    if level == rings:
        if len(value) < 4:
            return "ring_too_short", {"count": len(value)}
        if _is_position(value[0]) and _is_position(value[-1]) and value[0] != value[-1]:
            return "ring_not_closed", {}
    for member in value:
        problem = _walk(member, depth - 1, level + 1, lines, rings)
        if problem:
            return problem
    return None


def _is_position(value: Any) -> bool:
    """Two or three numbers (longitude, latitude, optional height); whether they are finite is checked later."""
    if not isinstance(value, list) or len(value) not in (2, 3):
        return False
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
