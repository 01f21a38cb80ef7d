"""Layer and feature pages: "view on map" links, the station's status line and its readings as CSV, in vi and en."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from layers.qcvn08 import LIMITS
from layers.station_status import parameter_level
from tests.test_feature_pages import first_fid
from tests.test_sensitive_data import threatened  # noqa: F401 (fixture)

STATIONS = "water_quality_stations"


def map_link(html: str) -> tuple[int, float, float, list[str]]:
    """The "view on map" link's permalink: zoom, lat, lon and layers."""
    match = re.search(r'<p class="map-link"><a class="button" href="([^"]+)">', html)
    assert match, "the page has a view-on-map link"
    path, _, fragment = unescape(match.group(1)).partition("#")
    assert path == "/"
    zoom, lat, lon, layers = fragment.split("/")
    return int(zoom), float(lat), float(lon), layers.split(",")


def test_layer_page_opens_the_map_over_the_layer(client):
    html = client.get("/layers/reservoirs").get_data(as_text=True)
    assert "Xem trên bản đồ" in html
    zoom, lat, lon, layers = map_link(html)
    assert layers == ["province", "reservoirs"]
    assert 6 <= zoom <= 10 and 19.2 < lat < 20.7 and 104.3 < lon < 106.1
    assert "View on the map" in client.get("/layers/reservoirs?lang=en").get_data(as_text=True)


def test_feature_page_opens_the_map_at_the_feature(client, db):
    fid = first_fid(db, STATIONS)
    with db.cursor() as cur:
        cur.execute("SELECT ST_X(geom), ST_Y(geom) FROM layerdata.water_quality_stations WHERE fid = %s", (fid,))
        x, y = cur.fetchone()
    zoom, lat, lon, layers = map_link(client.get(f"/layers/{STATIONS}/features/{fid}").get_data(as_text=True))
    assert layers == ["province", STATIONS] and zoom >= 14
    assert abs(lat - y) < 1e-5 and abs(lon - x) < 1e-5


def test_a_threatened_species_link_opens_its_cell_not_its_spot(client, threatened):  # noqa: F811
    html = client.get(f"/layers/species_observations/features/{threatened['fid']}").get_data(as_text=True)
    zoom, lat, lon, _layers = map_link(html)
    assert abs(lon - threatened["centre"][0]) < 1e-5 and abs(lat - threatened["centre"][1]) < 1e-5
    assert zoom >= 14


@pytest.mark.parametrize(
    ("code", "value", "level"),
    [
        ("bod5", 4.0, "A"),
        ("bod5", 4.1, "B"),
        ("bod5", 10.5, "D"),
        ("do", 5.5, "B"),
        ("do", 3.9, "D"),
        ("ph", 7.0, "A"),
        ("ph", 6.2, "B"),
        ("ph", 9.0, "D"),
        ("tss", 150.0, "C"),
        ("coliform", 8000.0, "D"),
        ("nh4", 5.0, None),
    ],
)
def test_qcvn08_levels_of_single_values(code, value, level):
    assert code in LIMITS
    assert parameter_level(code, value) == level


def _latest(db, fid: int) -> dict[str, float]:
    with db.cursor() as cur:
        cur.execute(
            "SELECT parameter, value FROM water_quality_measurement WHERE station_fid = %s"
            " AND sampled_on = (SELECT max(sampled_on) FROM water_quality_measurement WHERE station_fid = %s)",
            (fid, fid),
        )
        return dict(cur.fetchall())


def test_each_station_page_says_its_latest_state_in_one_line(client, db):
    with db.cursor() as cur:
        cur.execute("SELECT DISTINCT station_fid FROM water_quality_measurement ORDER BY 1 LIMIT 4")
        fids = [row[0] for row in cur.fetchall()]
    for fid in fids:
        html = client.get(f"/layers/{STATIONS}/features/{fid}?lang=vi").get_data(as_text=True)
        match = re.search(r'<p class="station-status level-(\w)" data-level="(\w)">(.*?)</p>', html, re.S)
        assert match, fid
        levels = [parameter_level(code, value) for code, value in _latest(db, fid).items()]
        worst = max((lv for lv in levels if lv), key="ABCD".index)
        assert match.group(2) == worst
        # What a screen reader reads: the shape before the words is hidden from it.
        spoken = re.sub(r'<span class="status-mark" aria-hidden="true">.</span>', "", match.group(3))
        text = " ".join(unescape(re.sub(r"<[^>]+>", "", spoken)).split())
        assert text.startswith(f"Mức {worst} (") and "QCVN 08:2023/BTNMT" in text
        english = client.get(f"/layers/{STATIONS}/features/{fid}?lang=en").get_data(as_text=True)
        assert f"Level {worst} (" in english and "latest sampling on" in english


def test_the_readings_table_downloads_as_csv_with_a_bom(client, db):
    fid = first_fid(db, STATIONS, "fid IN (SELECT station_fid FROM water_quality_measurement)")
    html = client.get(f"/layers/{STATIONS}/features/{fid}").get_data(as_text=True)
    assert f'href="/layers/{STATIONS}/features/{fid}/readings.csv"' in html
    response = client.get(f"/layers/{STATIONS}/features/{fid}/readings.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Ngày lấy mẫu" and rows[0][2] == "Oxy hòa tan (DO) (mg/L)"
    assert len(rows) - 1 == html.count('<tr class="reading">')
    with db.cursor() as cur:
        cur.execute("SELECT min(sampled_on) FROM water_quality_measurement WHERE station_fid = %s", (fid,))
        (first_day,) = cur.fetchone()
    assert rows[1][0] == first_day.isoformat()
    english = client.get(f"/layers/{STATIONS}/features/{fid}/readings.csv?lang=en")
    assert english.data.decode("utf-8-sig").startswith("Sampled on,pH (-),Dissolved oxygen (DO) (mg/L)")


def test_readings_csv_of_other_features_is_not_found(client, db):
    assert client.get(f"/layers/reservoirs/features/{first_fid(db, 'reservoirs')}/readings.csv").status_code == 404
    assert client.get(f"/layers/{STATIONS}/features/999999/readings.csv").status_code == 404
    assert client.get(f"/layers/{STATIONS}/features/abc/readings.csv").status_code == 400
