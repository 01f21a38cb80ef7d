"""Groundwater wells and water extraction permits of the sample."""

from __future__ import annotations

import datetime as dt

import numpy as np
from shapely.geometry import Point

from layers.sample.communes import Commune, build_communes, communes_at, province_geometry
from layers.sample.geography import area_km2, points_in
from layers.sample.hydrography import lake_polygons, river_lines
from layers.sample.names import holder_name

REFERENCE_DATE = dt.date(2025, 7, 1)
ZONE_WEIGHT = {"urban": 2.0, "coast": 1.5, "delta": 1.2, "midland": 0.25, "mountain": 0.0}

# aquifer: (depth range m, static level range m); the Holocene and Pleistocene sands of the delta
# are shallow, the Neogene and Triassic karst aquifers of the hills are deeper.
AQUIFERS = {"qh": ((10, 40), (0.5, 4)), "qp": ((30, 90), (1, 8)), "n": ((60, 150), (3, 15)), "t2": ((40, 200), (2, 25))}
AQUIFER_P = {"lowland": (0.35, 0.5, 0.1, 0.05), "hill": (0.05, 0.25, 0.3, 0.4)}
YIELD = {"domestic": (20, 500), "industrial": (100, 1500), "irrigation": (50, 800)}


def _random_date(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _lowland_points(n: int, rng: np.random.Generator) -> list[tuple[Commune, np.ndarray]]:
    """n points in lowland communes, more where there are more people (cities, coast)."""
    communes = [c for c in build_communes() if ZONE_WEIGHT[c.zone] > 0]
    w = np.array([ZONE_WEIGHT[c.zone] * area_km2(c.geom) ** 0.5 for c in communes])
    out = []
    for commune, k in zip(communes, rng.multinomial(n, w / w.sum()), strict=True):
        out += [(commune, xy) for xy in points_in(commune.geom, int(k), rng)]
    return [out[i] for i in rng.permutation(len(out))]


def well_features(n: int, rng: np.random.Generator) -> list[tuple[dict, Point]]:
    """Groundwater wells: codes, communes, aquifer-consistent depth and level, use and status."""
    out = []
    for i, (commune, (x, y)) in enumerate(_lowland_points(n, rng), start=1):
        setting = "hill" if commune.zone == "midland" else "lowland"
        aquifer = str(rng.choice(list(AQUIFERS), p=AQUIFER_P[setting]))
        (d0, d1), (s0, s1) = AQUIFERS[aquifer]
        purpose = str(rng.choice(["domestic", "industrial", "irrigation", "monitoring"], p=[0.55, 0.15, 0.15, 0.15]))
        status = (
            "operating"
            if purpose == "monitoring"
            else str(rng.choice(["operating", "idle", "abandoned"], p=[0.8, 0.12, 0.08]))
        )
        props = {
            "well_code": f"GW-TH-{i:04d}",
            "commune_code": commune.code,
            "commune": commune.name,
            "depth_m": round(float(rng.uniform(d0, d1)), 1),
            "aquifer": aquifer,
            "static_level_m": round(float(rng.uniform(s0, s1)), 2),
            "yield_m3_day": None if purpose == "monitoring" else round(float(rng.uniform(*YIELD[purpose])), 1),
            "purpose": purpose,
            "drilled_on": _random_date(rng, dt.date(1995, 1, 1), dt.date(2025, 6, 30)),
            "status": status,
        }
        out.append((props, Point(round(float(x), 6), round(float(y), 6))))
    return out


# Surface sources: (source name, share of permits, purposes allowed, reach of the river as fractions)
SURFACE_SOURCES = (
    ("Sông Mã", 0.18, ("domestic", "industrial", "irrigation"), (0.45, 0.9)),
    ("Sông Mã", 0.05, ("hydropower",), (0.05, 0.4)),
    ("Sông Mã", 0.04, ("aquaculture",), (0.93, 0.99)),
    ("Sông Chu", 0.14, ("domestic", "irrigation", "industrial"), (0.4, 0.95)),
    ("Sông Chu", 0.03, ("hydropower",), (0.3, 0.45)),
    ("Sông Luồng", 0.03, ("hydropower",), (0.2, 0.8)),
    ("Sông Âm", 0.02, ("hydropower",), (0.2, 0.8)),
    ("Sông Yên", 0.1, ("domestic", "irrigation", "industrial"), (0.3, 0.85)),
    ("Sông Yên", 0.04, ("aquaculture",), (0.9, 0.99)),
    ("Sông Lèn", 0.08, ("domestic", "irrigation"), (0.1, 0.85)),
    ("Sông Lèn", 0.04, ("aquaculture",), (0.9, 0.99)),
    ("Sông Bưởi", 0.06, ("domestic", "irrigation"), (0.3, 0.95)),
    ("Sông Cầu Chày", 0.05, ("irrigation", "domestic"), (0.2, 0.95)),
    ("Sông Hoạt", 0.03, ("industrial", "irrigation"), (0.2, 0.9)),
    ("Hồ Cửa Đạt", 0.04, ("domestic", "irrigation"), (0.0, 1.0)),
    ("Hồ Sông Mực", 0.04, ("domestic", "irrigation"), (0.0, 1.0)),
    ("Hồ Yên Mỹ", 0.03, ("domestic", "irrigation"), (0.0, 1.0)),
)
VOLUME = {  # licensed m³ per day
    "domestic": (300, 60_000), "industrial": (100, 40_000), "irrigation": (1_000, 150_000),
    "aquaculture": (100, 5_000), "hydropower": (200_000, 9_000_000),
}  # fmt: skip
GROUND_NAMES = {
    "qh": "Nước dưới đất tầng Holocen (qh)",
    "qp": "Nước dưới đất tầng Pleistocen (qp)",
    "n": "Nước dưới đất tầng Neogen (n)",
}


def _surface_site(rng: np.random.Generator) -> tuple[str, str, Point]:
    """A surface source, a purpose it can serve and an intake point on it."""
    shares = np.array([s[1] for s in SURFACE_SOURCES])
    name, _, purposes, (f0, f1) = SURFACE_SOURCES[int(rng.choice(len(SURFACE_SOURCES), p=shares / shares.sum()))]
    line = lake_polygons()[name].exterior if name.startswith("Hồ") else river_lines()[name]
    point = line.interpolate(float(rng.uniform(f0, f1)), normalized=True)
    return name, str(rng.choice(purposes)), point


def _ground_site(rng: np.random.Generator) -> tuple[str, str, Point]:
    _, (x, y) = _lowland_points(1, rng)[0]
    aquifer = str(rng.choice(["qh", "qp", "n"], p=[0.3, 0.6, 0.1]))
    purpose = str(rng.choice(["domestic", "industrial", "aquaculture"], p=[0.6, 0.3, 0.1]))
    return GROUND_NAMES[aquifer], purpose, Point(x, y)


def permit_features(n: int, rng: np.random.Generator) -> list[tuple[dict, Point]]:
    """Water extraction permits with dates and status consistent with 1 July 2025."""
    numbers = rng.choice(np.arange(1, 1000), size=n, replace=False)
    province = province_geometry()
    out = []
    for number in numbers:
        ground = rng.random() < 0.45
        source, purpose, point = _ground_site(rng) if ground else _surface_site(rng)
        point = Point(round(point.x, 6), round(point.y, 6))
        if not province.contains(point):
            continue
        issued = _random_date(rng, dt.date(2012, 1, 1), dt.date(2025, 6, 30))
        years = int(rng.integers(5, 11)) if ground else int(rng.integers(10, 16))
        expires = issued.replace(year=issued.year + years, day=min(issued.day, 28))
        roll = rng.random()
        status = (
            "expired"
            if expires < REFERENCE_DATE
            else "active"
            if roll < 0.9
            else "suspended"
            if roll < 0.96
            else "revoked"
        )
        place = communes_at(np.array([point.x]), np.array([point.y]))[0]
        props = {
            "permit_no": f"{int(number)}/GP-UBND",
            "holder": holder_name(purpose, place.short_name if place else "Thanh Hóa", rng),
            "water_source": "ground" if ground else "surface",
            "source_name": source,
            "purpose": purpose,
            "licensed_volume_m3_day": round(float(np.exp(rng.uniform(*np.log(VOLUME[purpose])))), -1),
            "issued_on": issued,
            "expires_on": expires,
            "issued_by": "UBND tỉnh Thanh Hóa",
            "status": status,
        }
        out.append((props, point))
    return out
