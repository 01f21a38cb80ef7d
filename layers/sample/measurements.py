"""Monthly surface-water quality series for the monitoring stations (2021-01 to 2025-12).

Values follow simple, explainable models: a station pollution index from its distance to the
city, the industrial zones and the lower delta; a rainy-season factor (June-October brings
more suspended solids and coliform, slightly less oxygen); noise; and rare pollution events
that push BOD5, COD and ammonium above the QCVN 08:2023/BTNMT thresholds.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

import numpy as np
from shapely.geometry.base import BaseGeometry

MEASUREMENT_PARAMETERS: tuple[tuple[str, str, str, str], ...] = (
    ("ph", "pH", "pH", "-"),
    ("do", "Oxy hòa tan (DO)", "Dissolved oxygen (DO)", "mg/L"),
    ("bod5", "Nhu cầu oxy sinh hóa (BOD₅)", "Biochemical oxygen demand (BOD₅)", "mg/L"),
    ("cod", "Nhu cầu oxy hóa học (COD)", "Chemical oxygen demand (COD)", "mg/L"),
    ("tss", "Tổng chất rắn lơ lửng (TSS)", "Total suspended solids (TSS)", "mg/L"),
    ("nh4", "Amoni (NH₄⁺ tính theo N)", "Ammonium (NH₄⁺ as N)", "mg/L"),
    ("coliform", "Tổng Coliform", "Total coliform", "MPN/100 mL"),
)
# Rain factor by month (January first): the rainy season runs June to October.
RAIN = np.array([0.1, 0.1, 0.15, 0.25, 0.5, 0.8, 1.0, 1.0, 1.0, 0.8, 0.4, 0.2])
# Pressure sources: Thanh Hóa city, the Bỉm Sơn cement and industrial area, Nghi Sơn economic zone,
# Lễ Môn industrial park; (lon, lat, weight, reach in degrees).
SOURCES = (
    (105.78, 19.81, 1.0, 0.08),
    (105.87, 20.08, 0.7, 0.06),
    (105.78, 19.35, 0.6, 0.08),
    (105.83, 19.79, 0.5, 0.05),
)


def pollution_index(lon: float, lat: float, water_body: str | None) -> float:
    """0 (clean mountain river) to about 1 (below the city): how loaded a station's water is."""
    load = sum(w * np.exp(-np.hypot(lon - x, lat - y) / r) for x, y, w, r in SOURCES)
    load += 0.15 if lon > 105.6 else 0.0  # the lower delta collects farm and village run-off
    load -= 0.1 if water_body == "reservoir" else 0.0
    return float(np.clip(load + 0.05, 0.02, 1.0))


def _month_values(p: float, rain: float, estuary: bool, lake: bool, rng: np.random.Generator) -> dict[str, float]:
    """One month's readings of every parameter for a station with pollution index p."""
    event = rng.random() < 0.03 + 0.04 * p  # spills and low-flow episodes
    spike = rng.uniform(1.8, 3.5) if event else 1.0
    bod = (2.0 + 7.0 * p + 1.0 * rain + abs(rng.normal(0, 0.8 + p))) * spike
    tss = (12 + 110 * rain * (1.6 if estuary else 1.0) + 35 * p) * rng.lognormal(0, 0.3) * (0.35 if lake else 1.0)
    values = {
        "ph": 7.3 - 0.25 * rain + (0.3 if estuary else 0.0) + rng.normal(0, 0.2),
        "do": 7.2 - 2.4 * p - 0.6 * rain - (1.2 if event else 0.0) + rng.normal(0, 0.35),
        "bod5": bod,
        "cod": bod * rng.uniform(1.6, 2.4),
        "tss": tss,
        "nh4": (0.04 + 0.6 * p**1.5 + abs(rng.normal(0, 0.03 + 0.1 * p))) * spike,
        "coliform": 10 ** (2.6 + 1.6 * p + 0.6 * rain + rng.normal(0, 0.22)),
    }
    values["ph"] = float(np.clip(values["ph"], 6.0, 8.9))
    values["do"] = float(np.clip(values["do"], 1.5, 9.0))
    digits = {"ph": 2, "do": 2, "bod5": 1, "cod": 1, "tss": 1, "nh4": 3}
    out = {k: round(float(v), digits[k]) for k, v in values.items() if k != "coliform"}
    out["coliform"] = float(round(values["coliform"], -1 if values["coliform"] < 1000 else -2))
    return out


def generate_measurements(
    stations: Sequence[tuple[dict, BaseGeometry]], seed: int = 2025
) -> list[tuple[str, dt.date, str, float]]:
    """Monthly readings 2021-01..2025-12 of all parameters at every station: (code, date, parameter, value)."""
    rows: list[tuple[str, dt.date, str, float]] = []
    codes = [code for code, *_ in MEASUREMENT_PARAMETERS]
    for props, geom in stations:
        code = props["station_code"]
        # One generator per station, keyed by its code, so adding a station does not change the others.
        rng = np.random.default_rng([seed, zlib.crc32(code.encode())])
        body = props.get("water_body")
        p = pollution_index(geom.x, geom.y, body)
        day = int(rng.integers(8, 21))  # each station is sampled around the same day every month
        for year in range(2021, 2026):
            for month in range(1, 13):
                sampled = dt.date(year, month, min(28, max(1, day + int(rng.integers(-2, 3)))))
                vals = _month_values(p, RAIN[month - 1], body == "estuary", body == "reservoir", rng)
                rows += [(code, sampled, c, vals[c]) for c in codes]
    return rows
