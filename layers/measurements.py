"""Measurement series of the water-quality monitoring stations (table water_quality_measurement)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from psycopg2.extensions import connection as Connection

from layers.catalogue import localized

# The layer whose features the measurements belong to (station_fid is one of its fids).
STATION_LAYER = "water_quality_stations"


@dataclass(frozen=True)
class Parameter:
    """A measured parameter with its labels and unit."""

    code: str
    label_vi: str
    label_en: str
    unit: str

    def label(self, lang: str = "vi") -> str:
        """The parameter's label in the given language."""
        return localized(self, "label", lang)


# Copied from the sample generator on purpose: production data must not depend on it.
# The codes are the ones the table's CHECK constraint allows (sql/002_measurements.sql).
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("ph", "pH", "pH", "-"),
    Parameter("do", "Oxy hòa tan (DO)", "Dissolved oxygen (DO)", "mg/L"),
    Parameter("bod5", "Nhu cầu oxy sinh hóa (BOD₅)", "Biochemical oxygen demand (BOD₅)", "mg/L"),
    Parameter("cod", "Nhu cầu oxy hóa học (COD)", "Chemical oxygen demand (COD)", "mg/L"),
    Parameter("tss", "Tổng chất rắn lơ lửng (TSS)", "Total suspended solids (TSS)", "mg/L"),
    Parameter("nh4", "Amoni (NH₄⁺ tính theo N)", "Ammonium (NH₄⁺ as N)", "mg/L"),
    Parameter("coliform", "Tổng Coliform", "Total coliform", "MPN/100 mL"),
)


@dataclass(frozen=True)
class Series:
    """One parameter's readings at a station, oldest first."""

    parameter: Parameter
    points: tuple[tuple[dt.date, float], ...]


@dataclass(frozen=True)
class Readings:
    """A station's readings: one series per parameter and one table row per sampling date."""

    series: tuple[Series, ...]
    rows: tuple[tuple[dt.date, tuple[float | None, ...]], ...]

    @property
    def is_empty(self) -> bool:
        """True when the station has no reading at all."""
        return not self.rows


def has_measurements(layer_id: str) -> bool:
    """True for the layer whose features carry measurement series."""
    return layer_id == STATION_LAYER


def station_readings(conn: Connection, station_fid: int) -> Readings:
    """Every reading of one station, as series per parameter and as a date-by-parameter table."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT sampled_on, parameter, value FROM water_quality_measurement"
            " WHERE station_fid = %s ORDER BY sampled_on, parameter",
            (station_fid,),
        )
        found = cur.fetchall()
    by_date: dict[dt.date, dict[str, float]] = {}
    for sampled_on, parameter, value in found:
        by_date.setdefault(sampled_on, {})[parameter] = value
    series = tuple(
        Series(p, tuple((day, values[p.code]) for day, values in by_date.items() if p.code in values))
        for p in PARAMETERS
    )
    rows = tuple((day, tuple(values.get(p.code) for p in PARAMETERS)) for day, values in by_date.items())
    return Readings(series=series, rows=rows)
