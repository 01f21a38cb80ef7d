"""Feature pages: attributes in words, a small map, station charts with QCVN 08:2023 lines, safety, bad input."""

from __future__ import annotations

import datetime as dt
import re

import psycopg2
import pytest
from markupsafe import escape

from layers.charts import Chart, Guide, time_series_svg
from layers.qcvn08 import LIMITS, beyond_drawn_limits

PARAMETERS = ("ph", "do", "bod5", "cod", "tss", "nh4", "coliform")


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def attribute(html: str, name: str) -> str:
    match = re.search(rf'<dd data-field="{name}">(.*?)</dd>', html, re.S)
    assert match, name
    return match.group(1)


def first_fid(db, table: str, where: str = "true") -> int:
    with db.cursor() as cur:
        cur.execute(f"SELECT min(fid) FROM layerdata.{table} WHERE {where}")
        return cur.fetchone()[0]


def test_station_page_has_seven_charts_with_their_limit_lines(client, db):
    fid = first_fid(db, "water_quality_stations")
    html = html_of(client, f"/layers/water_quality_stations/features/{fid}")
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert len(charts) == 7
    for code, chart in zip(PARAMETERS, charts, strict=True):
        lines = re.findall(r'<line class="limit (level-[a-z]+)"', chart)
        assert len(lines) == len(LIMITS[code]), code
        assert len(re.findall(r'<(?:circle|polygon) class="dot', chart)) == 60, code  # monthly 2021-2025
    assert "Mức A 4" in charts[2] and "Mức B 6" in charts[2] and "Mức C 10" in charts[2]  # BOD5
    assert "Mức C 7.500" in charts[6]  # coliform, Vietnamese thousands separator
    assert "Bảng 1 0,3" in charts[5]  # ammonium: the one limit of Table 1
    assert "QCVN 08:2023/BTNMT" in html


def test_station_readings_table_has_one_row_per_sampling_date(client, db):
    fid = first_fid(db, "water_quality_stations")
    with db.cursor() as cur:
        cur.execute("SELECT count(DISTINCT sampled_on) FROM water_quality_measurement WHERE station_fid = %s", (fid,))
        (dates,) = cur.fetchone()
        cur.execute(
            "SELECT sampled_on, value FROM water_quality_measurement WHERE station_fid = %s AND parameter = 'ph'"
            " ORDER BY sampled_on LIMIT 1",
            (fid,),
        )
        first_day, first_ph = cur.fetchone()
    html = html_of(client, f"/layers/water_quality_stations/features/{fid}")
    rows = re.findall(r'<tr class="reading">(.*?)</tr>', html, re.S)
    assert dates == 60 and len(rows) == dates
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)
    assert cells[0] == first_day.strftime("%d/%m/%Y")
    assert cells[1] == f"{first_ph:g}".replace(".", ",")


def test_readings_beyond_the_loosest_limit_are_marked(client, db):
    with db.cursor() as cur:
        cur.execute("SELECT station_fid, value FROM water_quality_measurement WHERE parameter = 'bod5' AND value > 10")
        station, _ = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM water_quality_measurement WHERE station_fid = %s AND ("
            " (parameter = 'ph' AND (value < 6 OR value > 8.5)) OR (parameter = 'do' AND value < 4)"
            " OR (parameter = 'bod5' AND value > 10) OR (parameter = 'cod' AND value > 20)"
            " OR (parameter = 'tss' AND value > 100) OR (parameter = 'nh4' AND value > 0.3)"
            " OR (parameter = 'coliform' AND value > 7500))",
            (station,),
        )
        (expected,) = cur.fetchone()
    html = html_of(client, f"/layers/water_quality_stations/features/{station}")
    assert html.count('<td class="num over">') == expected > 0
    charts = "".join(re.findall(r'<svg class="chart".*?</svg>', html, re.S))
    assert charts.count('<polygon class="dot mark-over"') == expected


def test_english_station_page(client, db):
    fid = first_fid(db, "water_quality_stations")
    html = html_of(client, f"/layers/water_quality_stations/features/{fid}?lang=en")
    assert '<html lang="en">' in html
    assert "Dissolved oxygen (DO)" in html and "Oxy hòa tan (DO)" not in html
    assert "Level C 7,500" in html and "Table 1 0.3" in html
    assert "Water-quality monitoring results" in html
    assert attribute(html, "water_body") in ("River", "Reservoir", "Estuary")


def test_feature_attributes_in_words_dates_and_vietnamese_numbers(client, db):
    with db.cursor() as cur:
        cur.execute(
            "SELECT fid, depth_m, drilled_on, aquifer FROM layerdata.groundwater_wells"
            " WHERE depth_m <> round(depth_m) AND drilled_on IS NOT NULL AND aquifer IS NOT NULL ORDER BY fid LIMIT 1"
        )
        fid, depth, drilled_on, aquifer = cur.fetchone()
    labels = {"qh": "Holocen", "qp": "Pleistocen", "n": "Neogen", "t2": "Triat"}
    html = html_of(client, f"/layers/groundwater_wells/features/{fid}")
    assert labels[aquifer] in attribute(html, "aquifer") and f"({aquifer})" in attribute(html, "aquifer")
    assert attribute(html, "drilled_on") == drilled_on.strftime("%d/%m/%Y")
    assert attribute(html, "depth_m") == f"{round(depth, 3):g}".replace(".", ",") + " m"
    english = html_of(client, f"/layers/groundwater_wells/features/{fid}?lang=en")
    assert "aquifer" in attribute(english, "aquifer").lower()
    assert attribute(english, "depth_m") == f"{round(depth, 3):g} m"
    assert "Well depth" in english and "Chiều sâu giếng" not in english


def test_years_are_not_grouped_and_large_numbers_are(client, db):
    fid = first_fid(db, "reservoirs", "storage_m3 >= 1000000 AND year_completed IS NOT NULL")
    html = html_of(client, f"/layers/reservoirs/features/{fid}")
    assert re.fullmatch(r"(19|20)\d\d", attribute(html, "year_completed"))
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)? m³", attribute(html, "storage_m3"))


def test_feature_page_has_a_small_map_and_links_back(client, db):
    fid = first_fid(db, "reservoirs")
    html = html_of(client, f"/layers/reservoirs/features/{fid}")
    svg = re.search(r'<svg class="locator".*?</svg>', html, re.S).group(0)
    assert 'class="outline"' in svg and 'class="feature"' in svg and 'class="marker"' in svg
    assert 'href="/layers/reservoirs"' in html
    assert f'href="/api/layers/reservoirs/features/{fid}"' in html
    point = html_of(client, f"/layers/hydro_stations/features/{first_fid(db, 'hydro_stations')}")
    assert 'class="marker"' in point and "Tọa độ (WGS 84)" in point


def test_attribute_values_are_text_not_html(client, database_url):
    evil = "<img src=x onerror=alert(1)>"
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT fid, name FROM layerdata.water_quality_stations ORDER BY fid LIMIT 1")
            fid, original = cur.fetchone()
            cur.execute("UPDATE layerdata.water_quality_stations SET name = %s WHERE fid = %s", (evil, fid))
        html = html_of(client, f"/layers/water_quality_stations/features/{fid}")
        assert evil not in html and "<img" not in html
        assert str(escape(evil)) in html
        assert f"<h1>{escape(evil)}</h1>" in html
        assert attribute(html, "name") == str(escape(evil))
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE layerdata.water_quality_stations SET name = %s WHERE fid = %s", (original, fid))
        conn.close()


def test_chart_text_is_escaped():
    chart = Chart(
        title="</title><script>alert(1)</script>",
        unit="<b>",
        points=[(dt.date(2024, 1, 15), 1.0), (dt.date(2024, 2, 15), 2.0)],
        guides=[Guide('"><script>', 1.5, "level-a")],
    )
    svg = str(time_series_svg(chart))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;/title&gt;&lt;script&gt;" in svg and "&#34;&gt;&lt;script&gt;" in svg


def test_limits_mark_only_readings_past_the_loosest_line():
    assert beyond_drawn_limits("bod5", 10.5) and not beyond_drawn_limits("bod5", 10.0)
    assert beyond_drawn_limits("do", 3.9) and not beyond_drawn_limits("do", 4.0)
    assert beyond_drawn_limits("ph", 5.9) and beyond_drawn_limits("ph", 8.6) and not beyond_drawn_limits("ph", 7)
    assert beyond_drawn_limits("nh4", 0.31) and not beyond_drawn_limits("nh4", 0.3)
    assert not beyond_drawn_limits("temperature", 99)


@pytest.mark.parametrize("fid", ["abc", "0", "-1", "1.5", "99999999999999999999", "1e3"])
def test_bad_feature_ids_are_readable_400_pages(client, fid):
    response = client.get(f"/layers/rivers/features/{fid}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Địa chỉ không hợp lệ" in html and "Traceback" not in html and "SELECT" not in html
    english = client.get(f"/layers/rivers/features/{fid}?lang=en").get_data(as_text=True)
    assert "Invalid address" in english and "positive whole number" in english


def test_missing_feature_and_unknown_layer_are_404_pages(client):
    missing = client.get("/layers/rivers/features/999999999")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Lớp dữ liệu này không có đối tượng với mã này." in missing.get_data(as_text=True)
    unknown = client.get("/layers/khong_co/features/1?lang=en")
    assert unknown.status_code == 404
    assert "The catalogue has no layer with this id." in unknown.get_data(as_text=True)
