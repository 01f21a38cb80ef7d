"""The /export page (Vietnamese, English) and the layer page's download buttons."""

from __future__ import annotations

import re


def test_export_page_offers_layers_formats_crs_and_communes(client):
    html = client.get("/export").get_data(as_text=True)
    assert "<h1>Tải dữ liệu</h1>" in html
    assert 'name="layers" value="species_observations"' in html
    assert all(f'name="format" value="{key}"' in html for key in ("shp", "gpkg", "geojson", "csv", "kml"))
    assert '<option value="EPSG:5897" selected>EPSG:5897 — VN-2000 / TM-3 zone 482</option>' in html
    assert 'value="EPSG:9218"' in html and 'value="EPSG:4756"' in html
    assert re.search(r'<option value="[0-9]{5}">', html)
    scripts = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert "/static/vendor/leaflet/leaflet.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)


def test_export_page_in_english_and_preselected(client):
    html = client.get("/export?lang=en&layers=rivers&format=gpkg").get_data(as_text=True)
    assert "<h1>Downloads</h1>" in html and "Draw area" in html and "The whole province" in html
    assert 'value="rivers" checked' in html
    assert re.search(r'value="gpkg"[^>]*\s+checked>', html)


def test_layer_page_has_full_export_buttons(client):
    html = client.get("/layers/water_permits").get_data(as_text=True)
    for fmt in ("shp", "gpkg"):
        assert f'href="/api/layers/water_permits/export?format={fmt}&amp;crs=EPSG:5897"' in html
    for fmt in ("geojson", "csv", "kml"):
        assert f'href="/api/layers/water_permits/export?format={fmt}&amp;crs=EPSG:4326"' in html
    assert "tối đa 1.000" not in html
    english = client.get("/layers/water_permits?lang=en").get_data(as_text=True)
    assert "Download the whole layer" in english
