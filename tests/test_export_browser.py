"""The export page in Debian's Chromium: a rectangle drawn on the map, a job with progress, a download."""

from __future__ import annotations

import zipfile

import pyogrio
import pytest
from pyproj import CRS

from tests.exporting import database_rows

pytestmark = pytest.mark.browser


def test_draw_an_area_and_download_two_layers(chromium, live_url, db, tmp_path):
    page = chromium.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_url) else None)
    page.goto(f"{live_url}/export")
    page.wait_for_selector("#export-map path.leaflet-interactive", timeout=20_000)
    page.check("input[name=layers][value=groundwater_wells]")
    page.check("input[name=layers][value=water_permits]")
    page.check("input[name=format][value=geojson]")
    assert page.input_value("#export-crs") == "EPSG:4326", "GeoJSON is WGS 84 only"
    page.check("input[name=format][value=shp]")
    page.select_option("#export-crs", "EPSG:5897")
    page.click("#draw-bbox")
    box = page.locator("#export-map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 200, box["y"] + 80)
    page.mouse.down()
    page.mouse.move(box["x"] + 420, box["y"] + 260, steps=8)
    page.mouse.up()
    bbox = page.input_value("#export-bbox")
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
    assert min_lon < max_lon and min_lat < max_lat
    with page.expect_download(timeout=60_000) as waiting:
        page.click("button[type=submit]")
    download = waiting.value
    assert download.suggested_filename == "thanhhoa_atlas_shp.zip"
    path = tmp_path / "export.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path)
    where = "WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
    for layer in ("groundwater_wells", "water_permits"):
        info = pyogrio.read_info(tmp_path / layer / f"{layer}.shp")
        assert info["features"] == len(database_rows(db, layer, where, (min_lon, min_lat, max_lon, max_lat)))
        assert CRS.from_user_input(info["crs"]).to_epsg() == 5897
    assert page.eval_on_selector("#export-progress", "p => p.value") == 100
    assert errors == [] and outside == []
