"""National surface-water limits of QCVN 08:2023/BTNMT for the parameters the stations measure.

Source: QCVN 08:2023/BTNMT "Quy chuẩn kỹ thuật quốc gia về chất lượng nước mặt", issued with
Circular 01/2023/TT-BTNMT of 13 March 2023 (in force from 12 September 2023, replacing
QCVN 08-MT:2015/BTNMT).

- Table 2 ("Bảng 2") classifies water of rivers, streams, canals and ditches into four levels:
  A (good), B (medium), C (bad) and D (very bad). The lines drawn here are the limits of levels
  A, B and C; a reading beyond the level-C line is level D. (Lakes and reservoirs have their own
  Table 3 with the same BOD5/COD/DO/pH/coliform limits but a different TSS limit; stations in
  reservoirs are still compared with Table 2 here, which is a simplification.)
- Ammonium is not a Table 2 parameter: Table 1 gives one maximum for parameters that affect
  human health, 0.3 mg/L of NH4+ as N. That single line is drawn for NH4.

How sure the numbers are (checked against a transcription of the regulation's tables, not the
gazette PDF; re-check against the official text before any legal use):
- pH 6.5-8.5 (A), 6.0-8.5 (B, C); BOD5 4/6/10; COD 10/15/20; DO >= 6.0/5.0/4.0 mg/L;
  TSS 25 (A) and 100 (B) mg/L; NH4+ 0.3 mg/L (Table 1): sure.
- Total coliform 1,000 (A), 5,000 (B), 7,500 (C) MPN or CFU/100 mL: fairly sure of A and B;
  the level-C value 7,500 comes from one transcription only.
- TSS has no numeric level-C line: level C is "> 100 mg/L without floating rubbish" and level D
  "> 100 mg/L with floating rubbish", which a number cannot tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass

REGULATION = "QCVN 08:2023/BTNMT"


@dataclass(frozen=True)
class Limit:
    """One line on a chart: the bound of a level; `kind` is "max" (at most) or "min" (at least)."""

    level: str
    value: float
    kind: str
    table: int = 2


# Per parameter, the limits in the order they are drawn (loosest last).
LIMITS: dict[str, tuple[Limit, ...]] = {
    "ph": (
        Limit("A", 6.5, "min"),
        Limit("A–C", 8.5, "max"),
        Limit("B–C", 6.0, "min"),
    ),
    "do": (Limit("A", 6.0, "min"), Limit("B", 5.0, "min"), Limit("C", 4.0, "min")),
    "bod5": (Limit("A", 4.0, "max"), Limit("B", 6.0, "max"), Limit("C", 10.0, "max")),
    "cod": (Limit("A", 10.0, "max"), Limit("B", 15.0, "max"), Limit("C", 20.0, "max")),
    "tss": (Limit("A", 25.0, "max"), Limit("B", 100.0, "max")),
    "nh4": (Limit("QCVN", 0.3, "max", table=1),),
    "coliform": (Limit("A", 1000.0, "max"), Limit("B", 5000.0, "max"), Limit("C", 7500.0, "max")),
}


def limits_for(parameter: str) -> tuple[Limit, ...]:
    """The limits drawn for a parameter (none for a parameter the regulation does not cover here)."""
    return LIMITS.get(parameter, ())


def beyond_drawn_limits(parameter: str, value: float) -> bool:
    """True when the value breaks the loosest limit drawn for the parameter (for most: worse than level C)."""
    limits = limits_for(parameter)
    loosest_max = max((lim.value for lim in limits if lim.kind == "max"), default=None)
    loosest_min = min((lim.value for lim in limits if lim.kind == "min"), default=None)
    return (loosest_max is not None and value > loosest_max) or (loosest_min is not None and value < loosest_min)
