"""The map page as HTML: its own assets only, and the optional online basemap."""

from __future__ import annotations

import json
import re

from atlas import create_app


def _config(html: str) -> dict:
    match = re.search(r"AtlasMap\.start\([^,]+, (\{.*\})\);", html)
    assert match, "the page starts the atlas with its configuration"
    return json.loads(match.group(1))


def test_map_page_names_no_other_host_and_carries_the_catalogue(client):
    html = client.get("/?lang=vi").get_data(as_text=True)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    config = _config(html)
    ids = [layer["id"] for layer in config["layers"]]
    assert sorted(ids) == sorted(config["panel_order"]) and len(ids) == 11  # patrol routes: officials only
    kinds = [layer["geometry_kind"] for layer in config["layers"]]
    assert kinds == sorted(kinds, key=["polygon", "line", "point"].index), "points are drawn last, on top"
    permits = next(layer for layer in config["layers"] if layer["id"] == "water_permits")
    assert permits["style"]["symbol"] == "square"
    assert {c["label"] for c in permits["style"]["categories"]} >= {"Còn hiệu lực", "Hết hiệu lực"}
    assert "+proj=tmerc" in config["vn2000"]["proj4"] and "+lon_0=105" in config["vn2000"]["proj4"]
    assert "openstreetmap" not in html.lower()


def test_online_basemap_only_when_the_setting_asks(database_url):
    app = create_app({"database_url": database_url, "online_basemap": True})
    html = app.test_client().get("/").get_data(as_text=True)
    assert "tile.openstreetmap.org" in html
    app.extensions["atlas.pool"].close()
