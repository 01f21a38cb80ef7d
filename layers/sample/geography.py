"""Geometry helpers and the hand-drawn outline of Thanh Hóa used by the sample generator.

Everything here is deterministic: shapes are drawn from fixed vertex lists and, where noise
is wanted, from a random generator that the caller seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# Seed of the fixed geography (outline, communes, rivers, lakes, protected areas). It is separate
# from the sample seed so that every seed draws its wells, observations and scale data on the same
# map, and a province official always sees the same communes.
GEOGRAPHY_SEED = 38
GRID = 1e-6  # coordinates are stored with 6 decimals (about 0.1 m)

# Clockwise from the Nga Sơn coast at the Ninh Bình border: the Ninh Bình and Hòa Bình border to
# the north, the Sơn La border and the Mường Lát panhandle along Laos, the Laos and Nghệ An border
# to the south, and the coast from Nghi Sơn up past Sầm Sơn. Illustrative, traced from memory of
# the official map; it measures about 11,300 km² in EPSG:5897.
OUTLINE: tuple[tuple[float, float], ...] = (
    (106.0751, 20.045), (106.030, 20.062), (105.985, 20.090), (105.935, 20.115), (105.880, 20.140),
    (105.830, 20.145), (105.790, 20.175), (105.730, 20.250), (105.670, 20.285), (105.610, 20.335),
    (105.540, 20.370), (105.460, 20.375), (105.370, 20.435), (105.310, 20.510), (105.255, 20.585),
    (105.190, 20.6702), (105.120, 20.615), (105.040, 20.570), (104.950, 20.585), (104.860, 20.600),
    (104.780, 20.590), (104.700, 20.600), (104.620, 20.585), (104.540, 20.550), (104.460, 20.520),
    (104.3743, 20.470), (104.400, 20.410), (104.470, 20.380), (104.560, 20.350), (104.650, 20.310),
    (104.760, 20.280), (104.860, 20.210), (104.935, 20.140), (104.955, 20.050), (104.945, 19.950),
    (104.970, 19.870), (105.060, 19.860), (105.150, 19.810), (105.260, 19.775), (105.340, 19.690),
    (105.390, 19.570), (105.420, 19.480), (105.490, 19.440), (105.570, 19.385), (105.640, 19.330),
    (105.700, 19.2877), (105.775, 19.295), (105.815, 19.330), (105.805, 19.390), (105.825, 19.450),
    (105.850, 19.550), (105.870, 19.640), (105.890, 19.700), (105.905, 19.745), (105.915, 19.780),
    (105.945, 19.840), (105.975, 19.890), (106.005, 19.940), (106.035, 19.985), (106.060, 20.020),
)  # fmt: skip

_TO_VN2000 = Transformer.from_crs("EPSG:4326", "EPSG:5897", always_xy=True)


def outline_polygon() -> Polygon:
    """The hand-drawn province outline as a shapely Polygon (lon/lat)."""
    return Polygon(OUTLINE)


def project_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat arrays to VN-2000 / TM-3 zone 482 (EPSG:5897) metres."""
    return _TO_VN2000.transform(lon, lat)


def to_vn2000(geom: BaseGeometry) -> BaseGeometry:
    """The geometry in EPSG:5897 (metres), for areas and lengths."""
    return shapely.transform(geom, lambda xy: np.column_stack(project_xy(xy[:, 0], xy[:, 1])))


def area_km2(geom: BaseGeometry) -> float:
    """Area of a lon/lat geometry in km², measured in EPSG:5897."""
    return float(to_vn2000(geom).area) / 1e6


def area_ha(geom: BaseGeometry) -> float:
    """Area of a lon/lat geometry in hectares, measured in EPSG:5897."""
    return float(to_vn2000(geom).area) / 1e4


def length_km(geom: BaseGeometry) -> float:
    """Length of a lon/lat line in km, measured in EPSG:5897."""
    return float(to_vn2000(geom).length) / 1e3


def quad_areas_ha(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Shoelace areas (ha, EPSG:5897) of many rings given as (n, k) vertex arrays without closing vertex."""
    x, y = project_xy(lon.ravel(), lat.ravel())
    x = np.asarray(x).reshape(lon.shape)
    y = np.asarray(y).reshape(lat.shape)
    twice = np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1)
    return np.abs(twice) / 2 / 1e4


def km_to_deg(km: float, lat: float = 19.9) -> tuple[float, float]:
    """Degrees of longitude and latitude spanned by `km` kilometres near latitude `lat`."""
    return km / (111.32 * np.cos(np.radians(lat))), km / 110.57


def rounded(geom: BaseGeometry) -> BaseGeometry:
    """The geometry with coordinates rounded to 6 decimals, repaired if rounding broke it."""
    out = shapely.transform(geom, lambda xy: np.round(xy, 6))
    if not shapely.is_valid(out):
        out = shapely.set_precision(geom, GRID)
        out = shapely.transform(out, lambda xy: np.round(xy, 6))
    return out


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Polygonal parts of a geometry as a MultiPolygon (lines and points from overlays dropped)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(parts)


def largest_polygon(geom: BaseGeometry) -> Polygon:
    """The largest polygon of a (multi)polygon or collection."""
    parts = list(as_multipolygon(geom).geoms)
    return max(parts, key=lambda p: p.area)


def meander(
    waypoints: Sequence[tuple[float, float]], rng: np.random.Generator, roughness: float = 0.18, levels: int = 6
) -> LineString:
    """A natural-looking line through the waypoints by seeded midpoint displacement."""
    pts = np.asarray(waypoints, dtype=float)
    for level in range(levels):
        mids = (pts[:-1] + pts[1:]) / 2
        seg = pts[1:] - pts[:-1]
        normal = np.column_stack([-seg[:, 1], seg[:, 0]])
        # Displacement shrinks with each level so bends nest inside bends, as in real meanders.
        scale = roughness * (0.8**level) * rng.uniform(-1, 1, len(mids))
        mids = mids + normal * scale[:, None]
        merged = np.empty((len(pts) + len(mids), 2))
        merged[0::2] = pts
        merged[1::2] = mids
        pts = merged
    return LineString(pts)


def blob(
    centre: tuple[float, float],
    radius_km: float,
    rng: np.random.Generator,
    aspect: float = 1.0,
    angle_deg: float = 0.0,
    vertices: int = 48,
    wobble: float = 0.25,
) -> Polygon:
    """An irregular, star-shaped polygon around `centre` (smooth radial noise, optional elongation)."""
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    radius = np.ones(vertices)
    for harmonic in (2, 3, 5, 7):
        radius += wobble / harmonic**0.7 * np.sin(harmonic * theta + rng.uniform(0, 2 * np.pi))
    radius = np.clip(radius, 0.35, None) * radius_km
    x = radius * np.cos(theta) * np.sqrt(aspect)
    y = radius * np.sin(theta) / np.sqrt(aspect)
    turn = np.radians(angle_deg)
    xr = x * np.cos(turn) - y * np.sin(turn)
    yr = x * np.sin(turn) + y * np.cos(turn)
    dlon, dlat = km_to_deg(1.0, centre[1])
    return Polygon(np.column_stack([centre[0] + xr * dlon, centre[1] + yr * dlat]))


def fit_area(
    make: Callable[[float], BaseGeometry], target_ha: float, lo: float = 0.05, hi: float = 8.0
) -> BaseGeometry:
    """The geometry make(s) whose EPSG:5897 area is closest to target_ha, by bisection on the scale s."""
    best = make(hi)
    for _ in range(40):
        mid = (lo + hi) / 2
        best = make(mid)
        area = area_ha(best)
        if abs(area - target_ha) / target_ha < 0.002:
            break
        lo, hi = (mid, hi) if area < target_ha else (lo, mid)
    return best


def points_in(geom: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n random (lon, lat) points inside geom, by vectorised rejection sampling."""
    shapely.prepare(geom)
    xmin, ymin, xmax, ymax = geom.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        want = max(64, int((n - len(out)) * 1.5 * (xmax - xmin) * (ymax - ymin) / max(geom.area, 1e-12)))
        cand = np.column_stack([rng.uniform(xmin, xmax, want), rng.uniform(ymin, ymax, want)])
        out = np.vstack([out, cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]])
    return out[:n]


@lru_cache(maxsize=1)
def coastline() -> LineString:
    """The sea coast of the outline, from Nghi Sơn north to the Ninh Bình border."""
    start = OUTLINE.index((105.775, 19.295))
    return LineString(OUTLINE[start:] + OUTLINE[:1])
