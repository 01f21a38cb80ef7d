"""Protected areas of the sample and the ranger patrol routes inside them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon

from layers.sample.communes import build_communes, province_geometry
from layers.sample.geography import GEOGRAPHY_SEED, as_multipolygon, blob, fit_area, length_km, points_in
from layers.sample.hydrography import lake_polygons


@dataclass(frozen=True)
class AreaSpec:
    """One protected area: its facts and how to draw it (centre, size, elongation, direction)."""

    key: str  # initials used in codes and the species list (L, H, X, B, M)
    name: str
    category: str
    area_ha: float
    strict_ha: float | None
    established: int | None
    managing_body: str
    note: str
    centre: tuple[float, float]
    aspect: float
    angle_deg: float
    route_prefix: str


AREAS: tuple[AreaSpec, ...] = (
    AreaSpec(
        "B", "Vườn quốc gia Bến En", "national_park", 14735.0, None, 1992, "Ban Quản lý Vườn quốc gia Bến En",
        "Thành lập năm 1992; diện tích 14.735 ha (có tài liệu ghi 16.634 ha), bao gồm lòng hồ Sông Mực.",
        (105.525, 19.6167), 1.3, 20.0, "BE",
    ),
    AreaSpec(
        "L", "Khu bảo tồn thiên nhiên Pù Luông", "nature_reserve", 17662.0, 13320.0, 1999,
        "Ban Quản lý Khu bảo tồn thiên nhiên Pù Luông",
        "Thành lập năm 1999; phân khu bảo vệ nghiêm ngặt 13.320 ha, phục hồi sinh thái 4.343 ha. "
        "Nối với Vườn quốc gia Cúc Phương qua dải núi đá vôi.",
        (105.175, 20.455), 3.2, -40.0, "PL",
    ),
    AreaSpec(
        "H", "Khu bảo tồn thiên nhiên Pù Hu", "nature_reserve", 23000.0, None, 1999,
        "Ban Quản lý Khu bảo tồn thiên nhiên Pù Hu",
        "Diện tích minh họa khoảng 23.000 ha: diện tích theo quyết định hiện hành chưa được kiểm chứng "
        "(dự án năm 1999 đề xuất 35.089 ha).",
        (104.875, 20.475), 1.7, 8.0, "PH",
    ),
    AreaSpec(
        "X", "Vườn quốc gia Xuân Liên", "national_park", 25601.98, 10869.18, 2000,
        "Ban Quản lý Vườn quốc gia Xuân Liên",
        "Thành lập là Khu bảo tồn thiên nhiên năm 2000; chuyển hạng thành Vườn quốc gia ngày 25/4/2025.",
        (105.11, 19.952), 1.7, 0.0, "XL",
    ),
    AreaSpec(
        "M", "Khu bảo tồn biển Hòn Mê", "marine", 6700.0, 642.0, None, "Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa",
        "Khu bảo tồn biển trong quy hoạch (Quyết định 742/QĐ-TTg năm 2010), chưa có quyết định thành lập; "
        "cách bờ khoảng 11 km.",
        (105.925, 19.372), 1.2, 30.0, "HM",
    ),
)  # fmt: skip


def _draw(spec: AreaSpec, rng: np.random.Generator) -> MultiPolygon:
    """An irregular shape for one area whose EPSG:5897 area matches its documented area."""
    base_radius = np.sqrt(spec.area_ha / 100 / np.pi)
    shape = blob(spec.centre, base_radius, rng, spec.aspect, spec.angle_deg, vertices=64, wobble=0.3)
    centre = shapely.Point(spec.centre)
    # Land areas stay a little inside the border; the marine area stays off the coast.
    keep_out = province_geometry().buffer(0.01 if spec.category == "marine" else -0.003)
    lakes = lake_polygons()

    def make(s: float) -> MultiPolygon:
        grown = affinity.scale(shape, s, s, origin=centre)
        if spec.category == "marine":
            return as_multipolygon(grown.difference(keep_out))
        inside = grown.intersection(keep_out)
        if spec.key == "B":  # the park takes in the Sông Mực lake
            inside = inside.union(lakes["Hồ Sông Mực"])
        if spec.key == "X":  # the Cửa Đạt lake borders the park
            inside = inside.difference(lakes["Hồ Cửa Đạt"].buffer(0.001))
        return as_multipolygon(inside)

    return fit_area(make, spec.area_ha, 0.3, 3.0)


@lru_cache(maxsize=1)
def area_polygons() -> dict[str, MultiPolygon]:
    """The drawn protected areas by key (B, L, H, X, M)."""
    rng = np.random.default_rng(GEOGRAPHY_SEED + 2)
    return {spec.key: _draw(spec, rng) for spec in AREAS}


def area_spec(key: str) -> AreaSpec:
    """The AreaSpec with this key."""
    return next(a for a in AREAS if a.key == key)


@dataclass
class BaseArea:
    """A terrestrial area prepared for walks: an inner buffer and candidate starting points."""

    inner: shapely.Geometry
    starts: np.ndarray


def _walk(area: BaseArea, rng: np.random.Generator, target_km: float) -> LineString:
    """A correlated random walk inside `area`, turning back whenever a step would leave it."""
    start = area.starts[rng.integers(len(area.starts))]
    pts = [start]
    heading = rng.uniform(0, 2 * np.pi)
    step_deg = 0.0025  # about 270 m
    for _ in range(int(target_km / 0.27)):
        for attempt in range(10):
            turn = rng.normal(0, 0.45) if attempt == 0 else rng.uniform(-np.pi, np.pi)
            cand = pts[-1] + step_deg * np.array([np.cos(heading + turn), np.sin(heading + turn)])
            if shapely.contains_xy(area.inner, cand[0], cand[1]):
                heading += turn
                pts.append(cand)
                break
        else:
            break
    return LineString(pts)


def patrol_routes(count: int, rng: np.random.Generator) -> list[tuple[dict, LineString]]:
    """Ranger patrol tracks in the four terrestrial areas, as (properties, line) pairs."""
    polys = area_polygons()
    keys = ("L", "H", "X", "B")
    sizes = np.array([area_spec(k).area_ha for k in keys])
    per_area = rng.multinomial(count, sizes / sizes.sum())
    routes: list[tuple[dict, LineString]] = []
    for key, n in zip(keys, per_area, strict=True):
        spec = area_spec(key)
        inner = polys[key].buffer(-0.005)
        shapely.prepare(inner)
        area = BaseArea(inner, points_in(inner, 64, rng))
        stations = [c.short_name for c in build_communes() if c.geom.intersects(polys[key])]
        for i in range(int(n)):
            line = _walk(area, rng, rng.uniform(3.0, 14.0))
            if len(line.coords) < 3:
                continue
            routes.append((_route_props(spec, i + 1, line, stations, rng), line))
    return routes


def _route_props(spec: AreaSpec, number: int, line: LineString, stations: list[str], rng: np.random.Generator) -> dict:
    """Attributes of one patrol: code, date, team, crew, length, time taken and threats found."""
    km = round(length_km(line), 2)
    start = dt.date(2023, 1, 1)
    day = start + dt.timedelta(days=int(rng.integers(0, (dt.date(2025, 6, 30) - start).days + 1)))
    # Rangers cover 1.2-2.5 km an hour on forest trails, plus rests and recording.
    hours = km / rng.uniform(1.2, 2.5) + rng.uniform(0.5, 1.5)
    station = stations[int(rng.integers(len(stations)))] if stations else spec.name
    return {
        "route_code": f"TT-{spec.route_prefix}-{number:04d}",
        "patrol_date": day,
        "protected_area": spec.name,
        "team": f"Tổ {int(rng.integers(1, 6))} - Trạm Kiểm lâm {station}",
        "rangers": int(rng.integers(2, 9)),
        "length_km": km,
        "duration_h": round(float(hours), 1),
        "threats_found": int(min(rng.poisson(0.25), 5)),
    }
