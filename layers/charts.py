"""Server-side SVG drawings: time-series charts and small locator maps (no JS library, no tiles).

Every piece of text is escaped here, so the markup can be inserted into a page as it is; numbers
in attributes are formatted by us, never copied from data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from markupsafe import Markup, escape
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import Access, geometry_sql
from layers.catalogue import LayerDef, get_layer
from layers.errors import LayerNotFound
from layers.tables import table_identifier

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 88, 12, 26
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Guide:
    """A horizontal line across a chart (a regulatory limit): its label, value and CSS class."""

    label: str
    value: float
    css_class: str


@dataclass(frozen=True)
class Mark:
    """How a point is drawn, so it reads without colour: a shape (MARK_SHAPES), its CSS class and its words."""

    shape: str
    css_class: str
    label: str


PLAIN_MARK = Mark("circle", "", "")
# Unit outlines of the shapes (x, y from the point's centre, y down), sized to look alike in area.
MARK_SHAPES: dict[str, tuple[tuple[float, float], ...]] = {
    "square": ((-0.9, -0.9), (0.9, -0.9), (0.9, 0.9), (-0.9, 0.9)),
    "diamond": ((0.0, -1.25), (1.25, 0.0), (0.0, 1.25), (-1.25, 0.0)),
    "triangle": ((0.0, -1.4), (1.25, 0.85), (-1.25, 0.85)),
}
MARK_RADIUS = 3.2


@dataclass(frozen=True)
class Chart:
    """What to draw: a titled series with its unit, guide lines, how to write numbers and mark points.

    `description` is added to the chart's accessible name (a count of exceedances, say), since a
    screen reader reads the chart as one image.
    """

    title: str
    unit: str
    points: Sequence[tuple[dt.date, float]]
    guides: Sequence[Guide] = ()
    number: Callable[[float], str] = str
    date: Callable[[dt.date], str] = dt.date.isoformat
    mark: Callable[[float], Mark] = lambda _value: PLAIN_MARK
    log_scale: bool = False
    description: str = ""


def _text(value: object) -> str:
    return str(escape(str(value)))


def _nice_step(span: float) -> float:
    raw = span / 4 if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _y_axis(values: Sequence[float], log_scale: bool) -> tuple[float, float, list[float]]:
    """The lowest and highest value of the axis (log10 of them on a log scale) and its ticks."""
    if log_scale:
        logs = [math.log10(max(v, 1.0)) for v in values]
        low_power, high_power = math.floor(min(logs)), math.ceil(max(logs))
        high_power = max(high_power, low_power + 1)
        return float(low_power), float(high_power), [10.0**k for k in range(low_power, high_power + 1)]
    step = _nice_step(max(values) - min(values))
    lo, hi = math.floor(min(values) / step) * step, math.ceil(max(values) / step) * step
    hi = hi if hi > lo else lo + step
    return lo, hi, [lo + i * step for i in range(round((hi - lo) / step) + 1)]


def time_series_svg(chart: Chart) -> Markup:
    """A line chart of values over time with its guide lines, as inline SVG."""
    values = [v for _, v in chart.points] + [g.value for g in chart.guides]
    if not chart.points:
        return Markup("")
    lo, hi, ticks = _y_axis(values, chart.log_scale)
    days = [d.toordinal() for d, _ in chart.points]
    first, last = min(days) - 15, max(days) + 15

    def x(day: int) -> float:
        return LEFT + (day - first) / (last - first) * (WIDTH - LEFT - RIGHT)

    def y(value: float) -> float:
        v = math.log10(max(value, 1.0)) if chart.log_scale else value
        return HEIGHT - BOTTOM - (v - lo) / (hi - lo) * (HEIGHT - TOP - BOTTOM)

    name = f"{chart.title}. {chart.description}" if chart.description else chart.title
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_text(name)}">',
        f"<title>{_text(chart.title)} ({_text(chart.unit)})</title>",
        *_y_ticks(ticks, y, chart.number),
        *_x_ticks(first, last, x),
        *_guides(chart.guides, y, chart.number),
        _line(chart.points, x, y),
        *_dots(chart, x, y),
        "</svg>",
    ]
    return Markup("\n".join(out))


def _y_ticks(ticks: list[float], y: Callable[[float], float], number: Callable[[float], str]) -> list[str]:
    out = []
    for tick in ticks:
        ty = y(tick)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{_text(number(tick))}</text>')
    return out


def _x_ticks(first: int, last: int, x: Callable[[int], float]) -> list[str]:
    # A grid line at each new year, and the year's label in the middle of its stretch of the axis.
    out = []
    for year in range(dt.date.fromordinal(first).year, dt.date.fromordinal(last).year + 1):
        start = max(dt.date(year, 1, 1).toordinal(), first)
        end = min(dt.date(year, 12, 31).toordinal(), last)
        if start > first:
            out.append(
                f'<line class="grid" x1="{x(start):.1f}" x2="{x(start):.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
            )
        if end - start >= 60:  # too short a stretch for a label
            middle = x((start + end) // 2)
            out.append(f'<text class="tick" x="{middle:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{year}</text>')
    return out


def _guides(guides: Sequence[Guide], y: Callable[[float], float], number: Callable[[float], str]) -> list[str]:
    out = []
    label_y = _spread([y(g.value) + 4 for g in guides], gap=13)  # close limits must not print over each other
    for guide, text_y in zip(guides, label_y, strict=True):
        gy = y(guide.value)
        css = _text(guide.css_class)
        out.append(
            f'<line class="limit {css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}">'
            f"<title>{_text(guide.label)}: {_text(number(guide.value))}</title></line>"
        )
        out.append(
            f'<text class="limit-label {css}" x="{WIDTH - RIGHT + 4}" y="{text_y:.1f}">'
            f"{_text(guide.label)} {_text(number(guide.value))}</text>"
        )
    return out


def _spread(positions: list[float], gap: float) -> list[float]:
    """The positions, moved down where needed so that each is at least `gap` from the one above."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    spread = list(positions)
    for before, after in pairwise(order):
        spread[after] = max(spread[after], spread[before] + gap)
    return spread


def _line(points: Sequence[tuple[dt.date, float]], x: Callable, y: Callable) -> str:
    coords = " ".join(f"{x(d.toordinal()):.1f},{y(v):.1f}" for d, v in points)
    return f'<polyline class="series" points="{coords}"/>'


def marker_svg(mark: Mark, cx: float, cy: float, r: float, css: str, inner: str = "") -> str:
    """One point's marker: a circle, or the polygon of its shape, with `inner` (a title) inside."""
    if mark.shape not in MARK_SHAPES:
        return f'<circle class="{css}" cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}">{inner}</circle>'
    corners = " ".join(f"{cx + dx * r:.1f},{cy + dy * r:.1f}" for dx, dy in MARK_SHAPES[mark.shape])
    return f'<polygon class="{css}" points="{corners}">{inner}</polygon>'


def mark_symbol_svg(mark: Mark) -> Markup:
    """A mark's shape alone, for a legend beside its words (hidden from screen readers, which read the words)."""
    css = _text(f"dot {mark.css_class}".strip())
    inner = marker_svg(mark, 8.0, 8.0, 5.0, css)
    return Markup(
        f'<svg class="mark-symbol" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">{inner}</svg>'
    )


def _dots(chart: Chart, x: Callable, y: Callable) -> list[str]:
    out = []
    for day, value in chart.points:
        mark = chart.mark(value)
        css = _text(f"dot {mark.css_class}".strip())
        label = f"{chart.date(day)}: {chart.number(value)} {chart.unit}" + (f" — {mark.label}" if mark.label else "")
        r = MARK_RADIUS * (1.3 if mark.shape == "triangle" else 1.0)
        title = f"<title>{_text(label)}</title>"
        out.append(marker_svg(mark, x(day.toordinal()), y(value), r, css, title))
    return out


# Small maps ---------------------------------------------------------------------------------

# PostGIS writes SVG path data as "M x y L x y ... Z"; anything else is refused, not drawn.
_PATH_DATA = re.compile(r"[MLZml0-9 .\-]*\Z")
OUTLINE_LAYER = "province"
# About 200 m: invisible at the size of these maps and keeps the province outline small.
SIMPLIFY_DEGREES = 0.002


@dataclass(frozen=True)
class Shape:
    """A geometry ready to draw: SVG path data (lon, -lat) or points, and its bounding box."""

    path: str | None
    points: tuple[tuple[float, float], ...]
    bbox: Box


def _shape_sql(table: sql.Composable, geom: sql.Composable, where: sql.Composable) -> sql.Composable:
    # Points have no path to draw: they come back as coordinates; other shapes also bring one
    # point on their surface, so a feature too small to see at province scale still gets a marker.
    return sql.SQL(
        """
        SELECT CASE WHEN ST_Dimension(g) > 0 THEN ST_AsSVG(ST_SimplifyPreserveTopology(g, %(tol)s), 0, 5) END,
               (SELECT array_agg(ARRAY[ST_X(p.geom), ST_Y(p.geom)]) FROM ST_DumpPoints(
                    CASE WHEN ST_Dimension(g) = 0 THEN g ELSE ST_PointOnSurface(g) END) p),
               ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g)
        FROM (SELECT {geom} AS g FROM {table} {where}) q WHERE g IS NOT NULL
        """
    ).format(table=table, geom=geom, where=where)


def _fetch_shape(conn: Connection, query: sql.Composable, params: dict) -> Shape | None:
    with conn.cursor() as cur:
        cur.execute(query, {"tol": SIMPLIFY_DEGREES, **params})
        row = cur.fetchone()
    if row is None:
        return None
    path, points, xmin, ymin, xmax, ymax = row
    safe_path = path if path and _PATH_DATA.match(path) else None
    coords = tuple((float(p[0]), float(p[1])) for p in points or ())
    return Shape(safe_path, coords, (xmin, ymin, xmax, ymax))


def province_outline(conn: Connection) -> Shape | None:
    """The province outline, simplified for small maps; None when the atlas has no province layer."""
    try:
        province = get_layer(conn, OUTLINE_LAYER)
    except LayerNotFound:
        return None
    query = _shape_sql(table_identifier(province), sql.SQL("ST_Union(geom)"), sql.SQL(""))
    return _fetch_shape(conn, query, {})


def feature_shape(conn: Connection, layer: LayerDef, fid: int, access: Access) -> Shape | None:
    """The geometry of one feature as the audience sees it, ready for a small map; None when there is none."""
    query = _shape_sql(table_identifier(layer), geometry_sql(layer, access), sql.SQL("WHERE fid = %(fid)s"))
    return _fetch_shape(conn, query, {"fid": fid})


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def locator_map_svg(
    outline: Shape | None, label: str, *, extent: Box | None = None, shape: Shape | None = None
) -> Markup:
    """A small map: the province outline with a layer's extent box and/or one feature drawn over it."""
    boxes = [b for b in (outline and outline.bbox, extent, shape and shape.bbox) if b]
    if not boxes:
        return Markup("")
    west, south, east, north = _union(boxes)
    # Plate carrée squeezed by cos(latitude): close enough to true shape at the size of a province.
    k = math.cos(math.radians((south + north) / 2))
    pad = max((east - west) * k, north - south, 0.02) * 0.05
    vx, vy, vw, vh = west * k - pad, -north - pad, (east - west) * k + 2 * pad, north - south + 2 * pad
    stroke = 'vector-effect="non-scaling-stroke"'
    out = [
        f'<svg class="locator" viewBox="{vx:.5f} {vy:.5f} {vw:.5f} {vh:.5f}" role="img" aria-label="{_text(label)}">',
        f"<title>{_text(label)}</title>",
        f'<g transform="scale({k:.6f} 1)">',
    ]
    if outline and outline.path:
        out.append(f'<path class="outline" d="{outline.path}" {stroke}/>')
    if shape and shape.path:
        out.append(f'<path class="feature" d="{shape.path}" {stroke}/>')
    out.append("</g>")
    if extent:
        w, s, e, n = extent
        size = vw * 0.01  # a one-point layer still gets a visible box
        out.append(
            f'<rect class="extent" x="{w * k:.5f}" y="{-n:.5f}" width="{max((e - w) * k, size):.5f}"'
            f' height="{max(n - s, size):.5f}" {stroke}/>'
        )
    for lon, lat in shape.points if shape else ():
        out.append(f'<circle class="marker" cx="{lon * k:.5f}" cy="{-lat:.5f}" r="{vw * 0.012:.5f}" {stroke}/>')
    out.append("</svg>")
    return Markup("\n".join(out))
