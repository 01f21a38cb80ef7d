"""Station pages mark levels and exceedances by shape and words, not by colour alone (issue 11, item 13)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from layers.charts import Chart, Mark, time_series_svg
from layers.station_status import reading_grade

STATIONS = "water_quality_stations"
MARKER = re.compile(r'<(circle|polygon) class="dot ([a-z-]+)"(?: points="([^"]+)")?[^>]*><title>([^<]*)</title>')
WORDS = {
    "vi": {"over": "vượt giới hạn", "A": "mức A", "B": "mức B", "C": "mức C", "within": "trong giới hạn"},
    "en": {"over": "exceeds the limit", "A": "level A", "B": "level B", "C": "level C", "within": "within the limit"},
}


def station_with_exceedance(db, parameter: str = "bod5", above: float = 10.0) -> tuple[int, dt.date, float]:
    with db.cursor() as cur:
        cur.execute(
            "SELECT station_fid, sampled_on, value FROM water_quality_measurement"
            " WHERE parameter = %s AND value > %s ORDER BY station_fid, sampled_on LIMIT 1",
            (parameter, above),
        )
        return cur.fetchone()


def shape_of(element: str, points: str | None) -> str:
    if element == "circle":
        return "circle"
    return {4: "square-or-diamond", 3: "triangle"}[len(points.split())] if points else "?"


def charts_of(html: str) -> list[str]:
    return re.findall(r'<svg class="chart".*?</svg>', html, re.S)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_reading_above_its_limit_carries_a_shape_and_words_in_the_table(client, db, lang):
    fid, day, value = station_with_exceedance(db)
    html = client.get(f"/layers/{STATIONS}/features/{fid}?lang={lang}").get_data(as_text=True)
    date = day.strftime("%d/%m/%Y")
    row = re.search(rf'<tr class="reading"><td>{date}</td>(.*?)</tr>', html, re.S)
    assert row, date
    shown = f"{value:g}".replace(".", ",") if lang == "vi" else f"{value:g}"
    cell = next(c for c in re.findall(r'<td class="num over">(.*?)</td>', row.group(1), re.S) if shown in c)
    assert '<span class="reading-mark" aria-hidden="true">▲</span>' in cell
    hidden = re.search(r'<span class="visually-hidden">(.*?)</span>', cell, re.S)
    assert hidden and unescape(hidden.group(1)).strip() == f"({WORDS[lang]['over']})"
    # A reading within its limits has neither the mark nor the words.
    within = re.findall(r'<td class="num">(.*?)</td>', row.group(1), re.S)
    assert within and not any("▲" in c or "visually-hidden" in c for c in within)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_chart_points_differ_by_shape_per_grade_and_name_it(client, db, lang):
    fid, _day, _value = station_with_exceedance(db)
    html = client.get(f"/layers/{STATIONS}/features/{fid}?lang={lang}").get_data(as_text=True)
    shapes_by_grade: dict[str, set[str]] = {}
    seen = set()
    for chart in charts_of(html):
        for element, css, points, title in MARKER.findall(chart):
            grade = {"mark-a": "A", "mark-b": "B", "mark-c": "C", "mark-over": "over", "mark-within": "within"}[css]
            shapes_by_grade.setdefault(grade, set()).add(shape_of(element, points))
            assert unescape(title).endswith(f" — {WORDS[lang][grade]}"), title
            seen.add(grade)
    assert {"A", "over"} <= seen
    assert shapes_by_grade["over"] == {"triangle"} and shapes_by_grade["A"] == {"circle"}
    for grade in seen - {"A", "within"}:
        assert "circle" not in shapes_by_grade[grade], f"{grade} is not a circle like level A"
    # The square of B and the diamond of C are told apart by their corners.
    corners = {}
    for chart in charts_of(html):
        for _element, css, points, _title in MARKER.findall(chart):
            if css in ("mark-b", "mark-c"):
                xs = [float(p.split(",")[0]) for p in points.split()]
                corners[css] = len(set(xs))  # a square has two distinct x, a diamond three
    assert corners.get("mark-b", 2) == 2 and corners.get("mark-c", 3) == 3


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_legend_explains_every_shape_in_words(client, db, lang):
    fid, _day, _value = station_with_exceedance(db)
    html = client.get(f"/layers/{STATIONS}/features/{fid}?lang={lang}").get_data(as_text=True)
    legend = re.search(r'<ul class="chart-legend" aria-label="([^"]+)">(.*?)</ul>', html, re.S)
    assert legend
    items = re.findall(r"<li>(.*?)</li>", legend.group(2), re.S)
    assert len(items) == 5
    for item in items:
        assert 'aria-hidden="true"' in item and re.search(r"<(circle|polygon) ", item)
        words = unescape(re.sub(r"<[^>]+>", "", item)).strip()
        assert len(words) > 5, "each shape is explained in words"
    text = unescape(re.sub(r"<[^>]+>", " ", legend.group(2)))
    if lang == "en":
        assert "Level A (good)" in text and "Beyond the loosest limit line" in text
        assert legend.group(1) == "Key to the points on the charts"
    else:
        assert "Mức A (tốt)" in text and "Vượt đường giới hạn lỏng nhất" in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_chart_tells_screen_readers_how_many_readings_exceed(client, db, lang):
    fid, _day, _value = station_with_exceedance(db)
    html = client.get(f"/layers/{STATIONS}/features/{fid}?lang={lang}").get_data(as_text=True)
    for chart in charts_of(html):
        name = unescape(re.search(r'aria-label="([^"]+)"', chart).group(1))
        over = chart.count('class="dot mark-over"')
        if lang == "en":
            expected = f"Readings beyond the limit: {over} of 60." if over else "No reading exceeds the limit."
        else:
            expected = f"Số lần đo vượt giới hạn: {over} trong 60." if over else "Không lần đo nào vượt giới hạn."
        assert name.endswith(expected), name


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_status_line_shows_its_level_by_shape_and_words(client, db, lang):
    with db.cursor() as cur:
        cur.execute("SELECT DISTINCT station_fid FROM water_quality_measurement ORDER BY 1 LIMIT 6")
        fids = [row[0] for row in cur.fetchall()]
    glyphs = {"A": "●", "B": "■", "C": "◆", "D": "▲"}
    seen = set()
    for fid in fids:
        html = client.get(f"/layers/{STATIONS}/features/{fid}?lang={lang}").get_data(as_text=True)
        match = re.search(r'<p class="station-status level-\w" data-level="(\w)">(.*?)</p>', html, re.S)
        assert match
        level = match.group(1)
        assert f'<span class="status-mark" aria-hidden="true">{glyphs[level]}</span>' in match.group(2)
        word = {"vi": f"Mức {level} (", "en": f"Level {level} ("}[lang]
        assert word in unescape(match.group(2))
        seen.add(level)
    assert len(seen) >= 2, "the sample stations are in more than one state"


def test_grades_follow_the_loosest_line_then_the_levels():
    assert reading_grade("bod5", 3.0) == "A" and reading_grade("bod5", 5.0) == "B"
    assert reading_grade("bod5", 8.0) == "C" and reading_grade("bod5", 10.5) == "over"
    assert reading_grade("tss", 150.0) == "over", "past the loosest line drawn, though Table 2 calls it C"
    assert reading_grade("nh4", 0.2) == "within" and reading_grade("nh4", 0.31) == "over"


def test_a_chart_draws_each_mark_as_its_shape_with_its_words_escaped():
    marks = {1.0: Mark("circle", "mark-a", "A"), 2.0: Mark("square", "mark-b", "B"),
             3.0: Mark("diamond", "mark-c", "C"), 4.0: Mark("triangle", "mark-over", '"><b>')}  # fmt: skip
    chart = Chart(
        title="t",
        unit="u",
        points=[(dt.date(2024, m, 15), v) for m, v in zip((1, 2, 3, 4), marks, strict=True)],
        mark=marks.__getitem__,
        description="2 of 4",
    )
    svg = str(time_series_svg(chart))
    found = MARKER.findall(svg)
    assert [(e, c, len(p.split()) if p else 0) for e, c, p, _t in found] == [
        ("circle", "mark-a", 0),
        ("polygon", "mark-b", 4),
        ("polygon", "mark-c", 4),
        ("polygon", "mark-over", 3),
    ]
    assert "<b>" not in svg and 'aria-label="t. 2 of 4"' in svg
