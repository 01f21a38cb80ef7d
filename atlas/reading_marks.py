"""How the station pages mark a reading's QCVN 08:2023 grade by shape and words as well as colour.

A level-A reading is a circle, B a square, C a diamond, and a reading past the loosest line drawn
a triangle (▲ in the table and the status line too); ammonium inside its one limit stays a plain
circle. Every mark has words for screen readers: the chart's accessible name counts the
exceedances, each point's title names its grade, and the table says "vượt giới hạn" in hidden text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from layers.charts import Mark, mark_symbol_svg
from layers.station_status import GRADES, LEVEL_GRADE, reading_grade

SHAPES = {"A": "circle", "B": "square", "C": "diamond", "over": "triangle", "within": "circle"}
# The same shapes as text, for the table's cells and the status line.
GLYPHS = {"circle": "●", "square": "■", "diamond": "◆", "triangle": "▲"}


def grade_marks() -> dict[str, Mark]:
    """The mark of each grade, its words in the page's language (short, for a point's title)."""
    words = {
        "A": _("mức A"),
        "B": _("mức B"),
        "C": _("mức C"),
        "over": _("vượt giới hạn"),
        "within": _("trong giới hạn"),
    }
    return {grade: Mark(SHAPES[grade], f"mark-{grade.lower()}", words[grade]) for grade in GRADES}


def reading_mark(code: str, value: float) -> Mark:
    """The mark of one reading of a parameter."""
    return grade_marks()[reading_grade(code, value)]


def chart_legend() -> list[tuple[Markup, str]]:
    """The charts' legend: each mark's shape and what it means."""
    meanings = {
        "A": _("Mức A (tốt)"),
        "B": _("Mức B (trung bình)"),
        "C": _("Mức C (xấu)"),
        "over": _("Vượt đường giới hạn lỏng nhất (mức D; amoni: vượt Bảng 1)"),
        "within": _("Amoni trong giới hạn Bảng 1"),
    }
    marks = grade_marks()
    return [(mark_symbol_svg(marks[grade]), meanings[grade]) for grade in GRADES]


def exceedance_summary(code: str, values: Sequence[float]) -> str:
    """How many of a chart's readings are past its loosest limit, in words, for its accessible name."""
    over = sum(1 for value in values if reading_grade(code, value) == "over")
    if not over:
        return _("Không lần đo nào vượt giới hạn.")
    return _("Số lần đo vượt giới hạn: %(over)s trong %(total)s.", over=over, total=len(values))


def status_glyph(level: str) -> str:
    """The shape of a station's level in its status line (▲ for level D, as an exceedance)."""
    return GLYPHS[SHAPES[LEVEL_GRADE[level]]]


def mark_helpers() -> dict[str, Any]:
    """What the feature page's template uses to mark readings."""
    return {"reading_grade": reading_grade, "status_glyph": status_glyph, "over_glyph": GLYPHS["triangle"]}
