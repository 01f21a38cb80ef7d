"""Forest plots on a jittered lattice: neighbouring plots share vertices, so they never overlap.

Both the base sample (about 1,500 plots in clusters) and the benchmark generator (hundreds of
thousands of plots) use the same lattice and the same vectorised rules for forest type.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from layers.sample.communes import build_communes, commune_index, province_geometry
from layers.sample.geography import area_km2, coastline, km_to_deg, quad_areas_ha
from layers.sample.hydrography import lake_polygons
from layers.sample.protected import area_polygons

TYPE_CODES = (
    "tn_giau", "tn_trung_binh", "tn_ngheo", "tn_phuc_hoi", "nui_da",
    "tre_nua", "hon_giao", "ngap_man", "trong_luong", "trong_keo",
)  # fmt: skip
# Probability of each forest type (columns as TYPE_CODES) in each landscape zone (rows):
# 0 coastal mud flats, 1 Pù Luông, 2 other reserves and parks, 3 the limestone belt from Pù Luông
# towards Cúc Phương, 4 the far western mountains, 5 the luồng-growing midlands of Quan Hóa, Bá Thước,
# Lang Chánh, Ngọc Lặc and Cẩm Thủy, 6 the southern and eastern hills where acacia plantations dominate.
ZONE_TYPE_P = np.array([
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 1.00, 0.00, 0.00],
    [0.08, 0.15, 0.05, 0.08, 0.45, 0.07, 0.12, 0.00, 0.00, 0.00],
    [0.18, 0.28, 0.12, 0.12, 0.00, 0.12, 0.18, 0.00, 0.00, 0.00],
    [0.02, 0.08, 0.08, 0.12, 0.35, 0.05, 0.08, 0.00, 0.12, 0.10],
    [0.08, 0.20, 0.15, 0.12, 0.03, 0.15, 0.15, 0.00, 0.08, 0.04],
    [0.02, 0.06, 0.08, 0.14, 0.05, 0.08, 0.12, 0.00, 0.35, 0.10],
    [0.01, 0.04, 0.08, 0.14, 0.00, 0.04, 0.08, 0.00, 0.08, 0.53],
])  # fmt: skip
CANOPY = {  # typical range of canopy cover (%) per type
    "tn_giau": (75, 95), "tn_trung_binh": (60, 80), "tn_ngheo": (40, 60), "tn_phuc_hoi": (30, 55),
    "nui_da": (50, 80), "tre_nua": (50, 80), "hon_giao": (50, 75), "ngap_man": (40, 80),
    "trong_luong": (50, 80), "trong_keo": (45, 75),
}  # fmt: skip
LIMESTONE_AXIS = shapely.LineString([(105.08, 20.55), (105.35, 20.42), (105.60, 20.30), (105.80, 20.16)])


@lru_cache(maxsize=1)
def forest_region() -> BaseGeometry:
    """Where plots may lie: the hills (mountain and midland communes, reserves) and the mangrove coast."""
    hills = [c.geom for c in build_communes() if c.zone in ("mountain", "midland")]
    terrestrial = [g for k, g in area_polygons().items() if k != "M"]
    upland = shapely.union_all([*hills, *terrestrial])
    # Mangroves grow on the mud flats of Nga Sơn, Hậu Lộc, Hoằng Hóa and around Nghi Sơn.
    coast = coastline()
    flats = shapely.union_all([
        coast.buffer(0.02).intersection(shapely.box(105.9, 19.82, 106.1, 20.1)),
        coast.buffer(0.015).intersection(shapely.box(105.7, 19.28, 105.9, 19.5)),
    ])  # fmt: skip
    lakes = shapely.union_all(list(lake_polygons().values()))
    return shapely.union_all([upland, flats]).intersection(province_geometry()).difference(lakes)


@dataclass(frozen=True)
class Lattice:
    """Quadrilateral cells of a jittered grid: vertex arrays of shape (n, 4) and grid indices."""

    lon: np.ndarray
    lat: np.ndarray
    row: np.ndarray
    col: np.ndarray

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean of each cell's vertices."""
        return self.lon.mean(axis=1), self.lat.mean(axis=1)

    def polygons(self, index: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Shapely polygons of the selected cells, coordinates rounded to 6 decimals."""
        ring = np.stack([self.lon[index], self.lat[index]], axis=-1)
        ring = np.round(np.concatenate([ring, ring[:, :1]], axis=1), 6)
        return shapely.polygons(ring)


def build_lattice(region: BaseGeometry, spacing_km: float, rng: np.random.Generator) -> Lattice:
    """All lattice cells lying wholly inside `region`, with vertices jittered by up to 20% of a cell."""
    dlon, dlat = km_to_deg(spacing_km)
    xmin, ymin, xmax, ymax = region.bounds
    xs = np.arange(xmin, xmax + dlon, dlon)
    ys = np.arange(ymin, ymax + dlat, dlat)
    gx, gy = np.meshgrid(xs, ys)
    # Each vertex is jittered once and shared by the four cells around it: no gaps, no overlaps.
    gx = gx + rng.uniform(-0.2, 0.2, gx.shape) * dlon
    gy = gy + rng.uniform(-0.2, 0.2, gy.shape) * dlat
    # A cell is inside the region if its vertices are inside the region shrunk by a cell diagonal.
    inner = region.buffer(-1.5 * max(dlon, dlat))
    shapely.prepare(inner)
    ok = shapely.contains_xy(inner, gx, gy)
    cell_ok = ok[:-1, :-1] & ok[:-1, 1:] & ok[1:, 1:] & ok[1:, :-1]
    r, c = np.nonzero(cell_ok)
    lon = np.stack([gx[r, c], gx[r, c + 1], gx[r + 1, c + 1], gx[r + 1, c]], axis=1)
    lat = np.stack([gy[r, c], gy[r, c + 1], gy[r + 1, c + 1], gy[r + 1, c]], axis=1)
    return Lattice(lon, lat, r, c)


def _zones(cx: np.ndarray, cy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Landscape zone (row of ZONE_TYPE_P) and protected-area key ('' outside) of each cell centre."""
    zone = np.full(len(cx), 6)
    zone[cy >= 19.98] = 5
    zone[cx < 105.05] = 4
    zone[shapely.distance(LIMESTONE_AXIS, shapely.points(cx, cy)) < 0.06] = 3
    pa = np.full(len(cx), "", dtype=object)
    for key, geom in area_polygons().items():
        inside = shapely.contains_xy(geom, cx, cy)
        pa[inside] = key
        zone[inside] = 1 if key == "L" else 2
    zone[shapely.distance(coastline(), shapely.points(cx, cy)) < 0.025] = 0
    return zone, pa


def forest_attributes(cx: np.ndarray, cy: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Forest type, function and canopy cover of plots centred at (cx, cy), drawn by zone."""
    zone, pa = _zones(cx, cy)
    cum = np.cumsum(ZONE_TYPE_P / ZONE_TYPE_P.sum(axis=1, keepdims=True), axis=1)
    pick = (rng.random(len(cx))[:, None] > cum[zone]).sum(axis=1).clip(0, len(TYPE_CODES) - 1)
    types = np.array(TYPE_CODES, dtype=object)[pick]
    planted = np.isin(pick, (8, 9))
    # Watershed forests of the far west and around the big lakes are mostly protection forests.
    lakes = shapely.union_all(list(lake_polygons().values()))
    watershed = (cx < 105.05) | (shapely.distance(lakes, shapely.points(cx, cy)) < 0.05)
    protect = rng.random(len(cx)) < np.where(watershed, 0.7, 0.35)
    function = np.where(planted, "production", np.where(protect, "protection", "production")).astype(object)
    function[zone == 0] = "protection"
    function[pa != ""] = "special_use"
    lo = np.array([CANOPY[t][0] for t in TYPE_CODES])[pick]
    hi = np.array([CANOPY[t][1] for t in TYPE_CODES])[pick]
    canopy = rng.integers(lo, hi + 1)
    return {"forest_type": types, "function": function, "canopy_cover_pct": canopy}


def commune_codes(cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """Code of the commune containing each point (None outside), by one vectorised STRtree query."""
    tree, communes = commune_index()
    hit_pt, hit_poly = tree.query(shapely.points(cx, cy), predicate="intersects")
    codes = np.array([c.code for c in communes], dtype=object)
    out = np.full(len(cx), None, dtype=object)
    # Reversed so that a point on a shared border gets the lower code, deterministically.
    out[hit_pt[::-1]] = codes[hit_poly[::-1]]
    return out


def plot_columns(lattice: Lattice, index: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All forest_cover columns (except geometry) for the chosen lattice cells."""
    cx, cy = lattice.centres()
    cx, cy = cx[index], cy[index]
    cols = forest_attributes(cx, cy, rng)
    cols["area_ha"] = np.round(quad_areas_ha(np.round(lattice.lon[index], 6), np.round(lattice.lat[index], 6)), 2)
    cols["commune_code"] = commune_codes(cx, cy)
    return cols


def clustered_choice(
    lattice: Lattice, n: int, rng: np.random.Generator, block: int = 6, weight: np.ndarray | None = None
) -> np.ndarray:
    """n cell indices taken whole blocks at a time, favouring heavy blocks, so plots come in patches."""
    if n > len(lattice.lon):
        raise ValueError(f"only {len(lattice.lon)} lattice cells available for {n} plots")
    block_id = (lattice.row // block) * 100_000 + (lattice.col // block)
    _, inverse = np.unique(block_id, return_inverse=True)
    w = np.ones(inverse.max() + 1) if weight is None else np.bincount(inverse, weight) / np.bincount(inverse)
    # Weighted sampling without replacement (Efraimidis-Spirakis): larger u**(1/w) comes first.
    key = rng.random(len(w)) ** (1.0 / np.maximum(w, 1e-9))
    cell_key = key[inverse] + rng.random(len(inverse)) * 1e-9
    return np.sort(np.argsort(-cell_key, kind="stable")[:n])


def near_reserves(cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """1 far from the reserves, rising to 6 inside them: the base sample maps plots around them."""
    reserves = shapely.union_all([g for k, g in area_polygons().items() if k != "M"])
    d = shapely.distance(reserves, shapely.points(cx, cy))
    return 1 + 5 * np.exp(-d / 0.05)


def forest_features(rng: np.random.Generator, n: int = 1500, mangroves: int = 120) -> list[tuple[dict, Polygon]]:
    """The base forest_cover layer: patches of plots in the hills and around the reserves, mangroves on the coast."""
    lattice = build_lattice(forest_region(), 0.38, rng)
    cx, cy = lattice.centres()
    coastal = shapely.distance(coastline(), shapely.points(cx, cy)) < 0.025
    sub_coast = Lattice(*(a[coastal] for a in (lattice.lon, lattice.lat, lattice.row, lattice.col)))
    sub_hill = Lattice(*(a[~coastal] for a in (lattice.lon, lattice.lat, lattice.row, lattice.col)))
    pick_coast = clustered_choice(sub_coast, min(mangroves, len(sub_coast.lon)), rng, block=4)
    hill_weight = near_reserves(*sub_hill.centres())
    pick_hill = clustered_choice(sub_hill, n - len(pick_coast), rng, block=5, weight=hill_weight)
    out = []
    for sub, pick in ((sub_hill, pick_hill), (sub_coast, pick_coast)):
        cols = plot_columns(sub, pick, rng)
        cols["inventory_year"] = rng.choice([2023, 2024], size=len(pick), p=[0.3, 0.7])
        geoms = sub.polygons(pick)
        names = ("forest_type", "function", "area_ha", "canopy_cover_pct", "commune_code", "inventory_year")
        for i, geom in enumerate(geoms):
            out.append(({k: cols[k][i] for k in names}, geom))
    return out


@lru_cache(maxsize=1)
def region_area_km2() -> float:
    """Area of the forest region in km² (EPSG:5897), to size lattice cells."""
    return area_km2(forest_region())
