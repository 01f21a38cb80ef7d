"""Units of measure as people read them: the catalogue writes them in Vietnamese, English pages get theirs.

Symbols (m, km², ha, %) read the same in both languages; only units written in words differ.
"""

from __future__ import annotations

UNITS_EN = {
    "m³/ngày đêm": "m³/day",
    "giờ": "h",
}


def unit_label(unit: str | None, lang: str) -> str | None:
    """The unit in the page's language (the catalogue's own text when it needs no translation)."""
    if unit is None or lang != "en":
        return unit
    return UNITS_EN.get(unit, unit)
