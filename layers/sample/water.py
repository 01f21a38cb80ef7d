"""Reservoirs, hydrological stations and water-quality stations of the sample."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, Polygon

from layers.sample.communes import build_communes, province_geometry
from layers.sample.geography import area_ha, blob, fit_area, length_km, points_in, rounded
from layers.sample.hydrography import RIVERS, lake_polygons, point_on_river, river_lines

SONG_CHU_CO = "Công ty TNHH MTV Sông Chu"
NORTH_CO = "Công ty TNHH MTV Thủy lợi Bắc Sông Mã Thanh Hóa"
SOUTH_CO = "Công ty TNHH MTV Thủy lợi Nam Sông Mã Thanh Hóa"

# name: (river, storage m³, dam height m, design irrigated ha, year completed, purpose, operator)
BIG_RESERVOIRS = {
    "Hồ Cửa Đạt": ("Sông Chu", 1.45e9, 118.5, None, 2010, "multipurpose", SONG_CHU_CO),
    "Hồ Sông Mực": ("Sông Mực", None, None, None, 1977, "irrigation", SOUTH_CO),
    "Hồ Yên Mỹ": ("Sông Thị Long", 87.13e6, None, 5840.0, 1984, "irrigation", SOUTH_CO),
}


def river_features() -> list[tuple[dict, shapely.Geometry]]:
    """The rivers layer: one LineString per river with its system, class, length and outlet."""
    lines = river_lines()
    out = []
    for spec in RIVERS:
        line = rounded(lines[spec.name])
        props = {
            "name": spec.name,
            "river_system": f"Hệ thống {spec.system.lower()}",
            "river_class": spec.river_class,
            "length_km": round(length_km(line), 2),
            "flows_into": spec.flows_into,
        }
        out.append((props, line))
    return out


def _operator(lon: float, lat: float, rng: np.random.Generator) -> str:
    """Who runs a small reservoir: the commune, or the irrigation company of its basin."""
    if rng.random() < 0.4:
        return "UBND xã"
    if lon < 105.45 and 19.8 < lat < 20.05:
        return SONG_CHU_CO
    return NORTH_CO if lat >= 19.95 else SOUTH_CO


def _small_reservoir(centre: tuple[float, float], target: float, rng: np.random.Generator) -> Polygon:
    shape = blob(centre, np.sqrt(target / 100 / np.pi), rng, rng.uniform(1.0, 2.5), rng.uniform(0, 180), 24, 0.35)
    return fit_area(lambda s: affinity.scale(shape, s, s, origin=Point(centre)), target, 0.3, 3.0)


def reservoir_features(rng: np.random.Generator, small: int = 25) -> list[tuple[dict, Polygon]]:
    """The three large reservoirs at their documented size plus small irrigation lakes in the hills."""
    out = []
    for name, lake in lake_polygons().items():
        river, storage, dam, irrigated, year, purpose, operator = BIG_RESERVOIRS[name]
        geom = rounded(lake)
        out.append((_reservoir_props(name, river, storage, geom, dam, irrigated, year, purpose, operator), geom))
    taken = shapely.union_all([g for _, g in out]).buffer(0.01)
    inner = province_geometry().buffer(-0.01)
    hills = [c for c in build_communes() if c.zone in ("mountain", "midland")]
    for idx in rng.permutation(len(hills)):
        if len(out) >= 3 + small:
            break
        commune = hills[idx]
        (x, y) = points_in(commune.geom, 1, rng)[0]
        geom = rounded(_small_reservoir((x, y), float(rng.uniform(5, 150)), rng))
        if not geom.within(inner) or geom.intersects(taken):
            continue
        taken = taken.union(geom.buffer(0.01))
        surface = area_ha(geom)
        operator = _operator(x, y, rng)
        props = _reservoir_props(
            f"Hồ {commune.short_name}", None, round(surface * 1e4 * rng.uniform(3, 8), -3), geom,
            round(float(rng.uniform(8, 25)), 1), round(surface * rng.uniform(2, 6), 1), int(rng.integers(1965, 2016)),
            "water_supply" if rng.random() < 0.1 else "irrigation",
            f"{operator} {commune.short_name}" if operator == "UBND xã" else operator,
        )  # fmt: skip
        out.append((props, geom))
    return out


def _reservoir_props(name, river, storage, geom, dam, irrigated, year, purpose, operator) -> dict:
    return {
        "name": name,
        "river": river,
        "storage_m3": storage,
        "surface_area_ha": round(area_ha(geom), 2),
        "dam_height_m": dam,
        "irrigated_area_ha": irrigated,
        "year_completed": year,
        "purpose": purpose,
        "operator": operator,
    }


# name, river, station type, alarm level I (m), verified, approximate position on the river
HYDRO_STATIONS = (
    ("Mường Lát", "Sông Mã", "hydrological", 170.0, True, (104.61, 20.525)),
    ("Hồi Xuân", "Sông Mã", "hydrological", 59.0, True, (105.11, 20.375)),
    ("Cẩm Thủy", "Sông Mã", "hydrological", 17.5, True, (105.47, 20.205)),
    ("Lý Nhân", "Sông Mã", "water_level", 9.5, True, (105.69, 20.02)),
    ("Giàng", "Sông Mã", "water_level", None, False, (105.755, 19.885)),
    ("Xuân Vinh", "Sông Cầu Chày", "water_level", 8.0, True, (105.62, 19.975)),
    ("Bái Thượng", "Sông Chu", "hydrological", None, False, (105.385, 19.905)),
    ("Xuân Khánh", "Sông Chu", "hydrological", None, False, (105.48, 19.885)),
    ("Kim Tân", "Sông Bưởi", "hydrological", None, False, (105.645, 20.125)),
)


def hydro_station_features() -> list[tuple[dict, Point]]:
    """The nine hydrological stations of the facts, on their rivers; levels II and III are not stated."""
    out = []
    for name, river, kind, alarm1, verified, near in HYDRO_STATIONS:
        props = {
            "name": f"Trạm thủy văn {name}",
            "river": river,
            "station_type": kind,
            "alarm_level_1_m": alarm1,
            "alarm_level_2_m": None,
            "alarm_level_3_m": None,
            "alarm_levels_verified": verified,
        }
        out.append((props, rounded(point_on_river(river, near))))
    return out


# code, name, river the station samples, water body, approximate position (snapped to the river)
QUALITY_STATIONS = (
    ("NM-01", "Sông Mã tại Mường Lát", "Sông Mã", "river", (104.62, 20.525)),
    ("NM-02", "Sông Mã tại Hồi Xuân", "Sông Mã", "river", (105.10, 20.378)),
    ("NM-03", "Sông Mã tại cầu Cẩm Thủy", "Sông Mã", "river", (105.47, 20.205)),
    ("NM-04", "Sông Mã tại cầu Kiểu", "Sông Mã", "river", (105.665, 20.03)),
    ("NM-05", "Sông Mã tại ngã ba Bông", "Sông Mã", "river", (105.735, 19.968)),
    ("NM-06", "Sông Mã tại cầu Hàm Rồng", "Sông Mã", "river", (105.79, 19.857)),
    ("NM-07", "Cửa sông Mã (Lạch Hới)", "Sông Mã", "estuary", (105.905, 19.777)),
    ("NM-08", "Sông Chu tại cầu Bái Thượng", "Sông Chu", "river", (105.39, 19.905)),
    ("NM-09", "Sông Chu tại Xuân Khánh", "Sông Chu", "river", (105.48, 19.885)),
    ("NM-10", "Sông Chu tại Thiệu Hóa", "Sông Chu", "river", (105.68, 19.88)),
    ("NM-11", "Hồ Cửa Đạt tại khu đập chính", "Sông Chu", "reservoir", (105.27, 19.87)),
    ("NM-12", "Sông Bưởi tại Kim Tân", "Sông Bưởi", "river", (105.645, 20.125)),
    ("NM-13", "Sông Cầu Chày tại Yên Định", "Sông Cầu Chày", "river", (105.62, 19.975)),
    ("NM-14", "Sông Cầu Chày trước khi nhập sông Mã", "Sông Cầu Chày", "river", (105.73, 19.937)),
    ("NM-15", "Sông Lèn tại cầu Đò Lèn", "Sông Lèn", "river", (105.84, 20.005)),
    ("NM-16", "Cửa sông Lèn (Lạch Sung)", "Sông Lèn", "estuary", (106.02, 19.972)),
    ("NM-17", "Cửa Lạch Trường", "Lạch Trường", "estuary", (105.975, 19.903)),
    ("NM-18", "Sông Hoạt tại Hà Trung", "Sông Hoạt", "river", (105.855, 20.05)),
    ("NM-19", "Sông Yên tại cầu Ghép", "Sông Yên", "river", (105.78, 19.605)),
    ("NM-20", "Cửa sông Yên (Lạch Ghép)", "Sông Yên", "estuary", (105.855, 19.60)),
    ("NM-21", "Hồ Sông Mực tại đập chính", "Sông Mực", "reservoir", (105.555, 19.612)),
    ("NM-22", "Hồ Yên Mỹ tại đập chính", "Sông Thị Long", "reservoir", (105.655, 19.487)),
    ("NM-23", "Sông Âm tại Lang Chánh", "Sông Âm", "river", (105.23, 20.12)),
    ("NM-24", "Sông Luồng tại Quan Sơn", "Sông Luồng", "river", (104.935, 20.24)),
)


def quality_station_features() -> list[tuple[dict, Point]]:
    """The surface-water quality monitoring points, each on its river (or on the river inside its lake)."""
    out = []
    for code, name, river, body, near in QUALITY_STATIONS:
        props = {
            "station_code": code,
            "name": name,
            "river": river,
            "water_body": body,
            "sampling": "monthly",
            "started_on": dt.date(2021, 1, 1) if code > "NM-16" else dt.date(2015, 1, 1),
        }
        out.append((props, rounded(point_on_river(river, near))))
    return out
