"""Rivers and the three large reservoirs of the sample, drawn with seeded meanders.

The geography is fixed (drawn with GEOGRAPHY_SEED), so every sample seed shares the same rivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.ops import linemerge, substring

from layers.sample.communes import province_geometry
from layers.sample.geography import GEOGRAPHY_SEED, blob, fit_area, largest_polygon, meander


@dataclass(frozen=True)
class RiverSpec:
    """How to draw one river: its attributes, waypoints and what its ends snap to."""

    name: str
    system: str
    river_class: str
    flows_into: str | None
    waypoints: tuple[tuple[float, float], ...]
    starts_on: str | None = None  # distributaries leave this river at their first waypoint
    ends_on: str | None = None  # tributaries join this river at their last waypoint
    roughness: float = 0.16


MA, YEN = "Sông Mã", "Sông Yên"
# In drawing order: a river's parent comes before it. First and last waypoints that lie outside
# the outline are cut at the border or the coast.
RIVERS: tuple[RiverSpec, ...] = (
    RiverSpec(MA, MA, "main", "Biển Đông", (
        (104.36, 20.44), (104.45, 20.47), (104.53, 20.50), (104.61, 20.525), (104.70, 20.545), (104.80, 20.555),
        (104.88, 20.56), (104.95, 20.52), (105.00, 20.46), (105.06, 20.41), (105.11, 20.375), (105.17, 20.35),
        (105.24, 20.335), (105.31, 20.30), (105.38, 20.27), (105.44, 20.235), (105.47, 20.205), (105.51, 20.15),
        (105.56, 20.09), (105.62, 20.055), (105.665, 20.035), (105.69, 20.02), (105.72, 19.99), (105.735, 19.965),
        (105.745, 19.93), (105.755, 19.885), (105.79, 19.857), (105.83, 19.835), (105.87, 19.80), (105.91, 19.776),
        (105.94, 19.77),
    )),
    RiverSpec("Sông Chu", MA, "tributary", MA, (
        (105.12, 19.80), (105.17, 19.835), (105.22, 19.85), (105.26, 19.865), (105.285, 19.875), (105.32, 19.885),
        (105.35, 19.895), (105.385, 19.905), (105.43, 19.895), (105.48, 19.885), (105.53, 19.905), (105.58, 19.895),
        (105.63, 19.885), (105.68, 19.88), (105.72, 19.876), (105.755, 19.885),
    ), ends_on=MA),
    RiverSpec("Sông Âm", MA, "tributary", "Sông Chu", (
        (105.12, 20.18), (105.18, 20.15), (105.23, 20.12), (105.27, 20.06), (105.31, 20.00), (105.35, 19.95),
        (105.385, 19.905),
    ), ends_on="Sông Chu"),
    RiverSpec("Sông Cầu Chày", MA, "tributary", MA, (
        (105.40, 20.12), (105.43, 20.07), (105.47, 20.03), (105.52, 20.01), (105.57, 19.985), (105.62, 19.975),
        (105.67, 19.965), (105.71, 19.945), (105.745, 19.93),
    ), ends_on=MA),
    RiverSpec("Sông Đằng", MA, "tributary", "Sông Cầu Chày", (
        (105.33, 20.02), (105.38, 20.04), (105.42, 20.05), (105.455, 20.04),
    ), ends_on="Sông Cầu Chày"),
    RiverSpec("Sông Bưởi", MA, "tributary", MA, (
        (105.59, 20.36), (105.585, 20.31), (105.59, 20.25), (105.60, 20.195), (105.625, 20.16), (105.645, 20.125),
        (105.655, 20.08), (105.665, 20.035),
    ), ends_on=MA),
    RiverSpec("Sông Luồng", MA, "tributary", MA, (
        (104.96, 20.10), (104.95, 20.16), (104.935, 20.24), (104.99, 20.28), (105.05, 20.32), (105.10, 20.35),
        (105.115, 20.372),
    ), ends_on=MA),
    RiverSpec("Sông Lò", MA, "tributary", MA, (
        (104.78, 20.30), (104.84, 20.33), (104.90, 20.36), (104.96, 20.38), (105.02, 20.40), (105.07, 20.41),
    ), ends_on=MA),
    RiverSpec("Sông Lèn", MA, "distributary", "Biển Đông", (
        (105.735, 19.965), (105.77, 19.99), (105.81, 20.005), (105.84, 20.005), (105.88, 19.99), (105.93, 19.98),
        (105.98, 19.975), (106.04, 19.97),
    ), starts_on=MA),
    RiverSpec("Lạch Trường", MA, "distributary", "Biển Đông", (
        (105.86, 19.995), (105.88, 19.96), (105.91, 19.925), (105.95, 19.905), (106.00, 19.90),
    ), starts_on="Sông Lèn"),
    RiverSpec("Sông Hoạt", MA, "tributary", "Sông Lèn", (
        (105.845, 20.135), (105.85, 20.09), (105.855, 20.05), (105.86, 20.02), (105.865, 19.995),
    ), ends_on="Sông Lèn"),
    RiverSpec(YEN, YEN, "main", "Biển Đông", (
        (105.46, 19.74), (105.52, 19.71), (105.57, 19.69), (105.62, 19.665), (105.665, 19.64), (105.69, 19.625),
        (105.73, 19.615), (105.78, 19.605), (105.83, 19.60), (105.88, 19.60),
    )),
    RiverSpec("Sông Mực", YEN, "tributary", YEN, (
        (105.40, 19.58), (105.46, 19.59), (105.52, 19.60), (105.56, 19.615), (105.59, 19.605), (105.63, 19.62),
        (105.67, 19.638),
    ), ends_on=YEN),
    RiverSpec("Sông Thị Long", YEN, "tributary", YEN, (
        (105.60, 19.43), (105.63, 19.46), (105.65, 19.48), (105.68, 19.52), (105.71, 19.56), (105.74, 19.61),
    ), ends_on=YEN),
)  # fmt: skip


def _snap(line: LineString, lon_lat: tuple[float, float]) -> tuple[float, float]:
    """The point of `line` nearest to lon_lat."""
    p = line.interpolate(line.project(Point(lon_lat)))
    return (p.x, p.y)


def _clip(line: LineString) -> LineString:
    """The line cut to the province; if a meander strays out, the longest piece inside is kept."""
    inside = shapely.intersection(line, province_geometry())
    if isinstance(inside, LineString):
        return inside
    merged = linemerge([g for g in inside.geoms if isinstance(g, LineString)])
    if isinstance(merged, MultiLineString):
        return max(merged.geoms, key=lambda g: g.length)
    return merged


@lru_cache(maxsize=1)
def river_lines() -> dict[str, LineString]:
    """Every river of RIVERS as a clipped, meandering LineString, by name (in drawing order)."""
    rng = np.random.default_rng(GEOGRAPHY_SEED)
    drawn: dict[str, LineString] = {}
    for spec in RIVERS:
        pts = list(spec.waypoints)
        if spec.starts_on:
            pts[0] = _snap(drawn[spec.starts_on], pts[0])
        if spec.ends_on:
            pts[-1] = _snap(drawn[spec.ends_on], pts[-1])
        drawn[spec.name] = _clip(meander(pts, rng, spec.roughness, levels=5))
    return drawn


def point_on_river(river: str, near: tuple[float, float]) -> Point:
    """The point of a drawn river nearest to `near` (stations sit on their river)."""
    return Point(_snap(river_lines()[river], near))


@dataclass(frozen=True)
class LakeSpec:
    """A reservoir drawn as a widened stretch of its river plus side arms and islands."""

    name: str
    river: str
    upstream: tuple[float, float]
    dam: tuple[float, float]
    target_ha: float
    arms: int
    islands: int


LAKES: tuple[LakeSpec, ...] = (
    LakeSpec("Hồ Cửa Đạt", "Sông Chu", (105.165, 19.832), (105.285, 19.875), 3100.0, 6, 3),
    LakeSpec("Hồ Sông Mực", "Sông Mực", (105.455, 19.588), (105.565, 19.614), 3800.0, 9, 12),
    LakeSpec("Hồ Yên Mỹ", "Sông Thị Long", (105.615, 19.445), (105.658, 19.49), 1100.0, 5, 2),
)


def _lake_parts(spec: LakeSpec, rng: np.random.Generator) -> tuple[LineString, list[LineString], list[Polygon]]:
    """The river stretch a lake floods, the side valleys (arms) it backs into, and island shapes."""
    line = river_lines()[spec.river]
    stretch = substring(line, line.project(Point(spec.upstream)), line.project(Point(spec.dam)))
    arms = []
    for frac in np.linspace(0.1, 0.9, spec.arms):
        base = stretch.interpolate(frac * stretch.length)
        angle = rng.uniform(0, 2 * np.pi)
        reach = rng.uniform(0.3, 0.7) * stretch.length / max(spec.arms, 1)
        tip = (base.x + reach * np.cos(angle), base.y + reach * np.sin(angle))
        arms.append(meander([(base.x, base.y), tip], rng, 0.2, 3))
    islands = []
    for frac in rng.uniform(0.15, 0.85, spec.islands):
        c = stretch.interpolate(frac * stretch.length)
        islands.append(blob((c.x, c.y), rng.uniform(0.12, 0.3), rng, vertices=16))
    return stretch, arms, islands


@lru_cache(maxsize=1)
def lake_polygons() -> dict[str, Polygon]:
    """The three large reservoirs, each with its documented water surface area (EPSG:5897)."""
    rng = np.random.default_rng(GEOGRAPHY_SEED + 1)
    shrunk = province_geometry().buffer(-0.002)
    lakes: dict[str, Polygon] = {}
    for spec in LAKES:
        stretch, arms, islands = _lake_parts(spec, rng)

        def make(s: float, stretch=stretch, arms=arms, islands=islands) -> Polygon:
            body = stretch.buffer(0.004 * s, cap_style="flat", quad_segs=4)
            side = [a.buffer(0.0025 * s, quad_segs=4) for a in arms]
            water = shapely.union_all([body, *side]).intersection(shrunk)
            return largest_polygon(water.difference(shapely.union_all(islands)))

        lakes[spec.name] = fit_area(make, spec.target_ha, 0.1, 6.0)
    return lakes
