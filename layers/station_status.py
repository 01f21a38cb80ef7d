"""A water-quality station's state in one line for lay readers: the latest sampling against QCVN 08:2023.

Each parameter of the latest sampling gets its Table 2 level (A good, B medium, C bad, D very bad);
the station's level is the worst of them, named with the parameter that set it. Ammonium has only
the Table 1 health limit, so going beyond it is told separately.

Why not VN_WQI: the index of Decision 1460/QĐ-TCMT needs dissolved oxygen as % saturation, that
is the water temperature, which these stations' data do not carry. (layers/qcvn08.py has the limits.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from layers.measurements import Parameter, Readings
from layers.qcvn08 import Limit, beyond_drawn_limits, limits_for

LEVELS = ("A", "B", "C", "D")
# How a reading is marked on the charts and in the table: its Table 2 level, "over" past the loosest
# line drawn (level D, or ammonium past Table 1), "within" for ammonium inside its one limit.
GRADES = ("A", "B", "C", "over", "within")
# The station's level in its status line, as the grade whose mark it shares.
LEVEL_GRADE = {"A": "A", "B": "B", "C": "C", "D": "over"}


@dataclass(frozen=True)
class Reading:
    """One parameter's value at the latest sampling."""

    parameter: Parameter
    value: float


@dataclass(frozen=True)
class StationStatus:
    """The latest sampling in a line: its date, the worst level and what set it, and a health exceedance."""

    sampled_on: dt.date
    level: str
    worst: Reading | None
    health: Reading | None


def _levels(limit: Limit) -> set[str]:
    """The Table 2 levels a limit bounds: "A", "A–C" (A to C), "B–C"."""
    first, _, last = limit.level.partition("–")
    return set(LEVELS[LEVELS.index(first) : LEVELS.index(last or first) + 1])


def _meets(limit: Limit, value: float) -> bool:
    return value <= limit.value if limit.kind == "max" else value >= limit.value


def parameter_level(code: str, value: float) -> str | None:
    """The Table 2 level of one value (D beyond level C); None for a parameter without Table 2 limits."""
    limits = [limit for limit in limits_for(code) if limit.table == 2]
    if not limits:
        return None
    for level in LEVELS[:3]:
        if all(_meets(limit, value) for limit in limits if level in _levels(limit)):
            return level
    return "D"


def reading_grade(code: str, value: float) -> str:
    """How one reading is marked (GRADES): "over" past the loosest drawn limit, else its level, else "within"."""
    if beyond_drawn_limits(code, value):
        return "over"
    return parameter_level(code, value) or "within"


def _beyond_health_limit(code: str, value: float) -> bool:
    return any(not _meets(limit, value) for limit in limits_for(code) if limit.table == 1)


def latest_status(readings: Readings) -> StationStatus | None:
    """The state of the station's latest sampling; None when it has no reading."""
    if not readings.rows:
        return None
    day, values = readings.rows[-1]
    taken = [Reading(s.parameter, v) for s, v in zip(readings.series, values, strict=True) if v is not None]
    ranked = [(parameter_level(r.parameter.code, r.value), r) for r in taken]
    graded = [(level, r) for level, r in ranked if level is not None]
    worst_level = max((level for level, _ in graded), key=LEVELS.index, default="A")
    worst = next((r for level, r in graded if level == worst_level), None) if worst_level != "A" else None
    health = next((r for r in taken if _beyond_health_limit(r.parameter.code, r.value)), None)
    return StationStatus(day, worst_level, worst, health)
