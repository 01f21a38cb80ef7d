"""The map's first view asks for no tile that could only come back empty: none wholly outside where the data can
be (the province's box, give or take the editing tolerance, and the reach of a symbol drawn at its edge), and
every tile of the view that meets the province is still asked for."""

from __future__ import annotations

import math
import re

import pytest

from layers.province import EDIT_TOLERANCE_DEGREES, PROVINCE_BBOX
from tests.browser import Watched

pytestmark = pytest.mark.browser

TILE = re.compile(r"/tiles/[^/]+/(\d+)/(\d+)/(\d+)\.pbf")
TILE_PX = 256
# atlas-core.js SYMBOL_REACH_PX: how far a symbol drawn at the data's edge may reach.
SYMBOL_REACH_PX = 18
VIEWS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def pixel(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Web-Mercator pixel coordinates of a point at zoom z (Leaflet's map.project)."""
    scale = TILE_PX * 2**z
    sin = math.sin(math.radians(lat))
    return (lon + 180) / 360 * scale, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale


def box_pixels(west: float, south: float, east: float, north: float, z: int) -> tuple[float, float, float, float]:
    (x0, y0), (x1, y1) = pixel(west, north, z), pixel(east, south, z)
    return x0, y0, x1, y1


def overlaps(x: int, y: int, box: tuple[float, float, float, float]) -> bool:
    """Whether tile x/y shares some area with the pixel box (as atlas-core.js tests it)."""
    low_x, low_y, high_x, high_y = x * TILE_PX, y * TILE_PX, (x + 1) * TILE_PX, (y + 1) * TILE_PX
    return low_x < box[2] and high_x > box[0] and low_y < box[3] and high_y > box[1]


def first_view(browser, url: str, viewport: dict) -> tuple[set[tuple[int, int, int]], dict]:
    """The tiles a fresh page asked for until its first view was drawn, and the view (bounds, zoom)."""
    page = browser.new_page(viewport=viewport)
    watched = Watched(page)
    asked: list[tuple[int, int, int]] = []
    page.on("request", lambda r: asked.append(tuple(map(int, m.groups()))) if (m := TILE.search(r.url)) else None)
    try:
        page.goto(url)
        page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
        view = page.evaluate(
            "(() => { const m = atlasState.map, b = m.getBounds();"
            " return {zoom: m.getZoom(), west: b.getWest(), south: b.getSouth(), east: b.getEast(),"
            " north: b.getNorth()}; })()"
        )
        assert watched.errors == []
    finally:
        page.close()
    return set(asked), view


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_the_first_view_asks_only_for_tiles_where_something_can_be_drawn(chromium, live_url, name):
    asked, view = first_view(chromium, live_url + "/", VIEWS[name])
    assert asked, "the first view asked for tiles"
    (z,) = {t[0] for t in asked}
    assert z == round(view["zoom"])
    west, south, east, north = PROVINCE_BBOX
    pad = EDIT_TOLERANCE_DEGREES
    data = box_pixels(west - pad, south - pad, east + pad, north + pad, z)
    reach = (data[0] - SYMBOL_REACH_PX, data[1] - SYMBOL_REACH_PX, data[2] + SYMBOL_REACH_PX, data[3] + SYMBOL_REACH_PX)
    outside = sorted(t for t in asked if not overlaps(t[1], t[2], reach))
    assert outside == [], f"{len(outside)} of {len(asked)} tiles lie wholly outside the data's bounds"
    # Nothing drawn is lost: every tile of the view that meets the province was asked for.
    vx0, vy0, vx1, vy1 = box_pixels(view["west"], view["south"], view["east"], view["north"], z)
    in_view = {
        (z, x, y)
        for x in range(int(vx0 // TILE_PX), math.ceil(vx1 / TILE_PX))
        for y in range(int(vy0 // TILE_PX), math.ceil(vy1 / TILE_PX))
    }
    province = box_pixels(*PROVINCE_BBOX, z)
    needed = {t for t in in_view if overlaps(t[1], t[2], province)}
    assert needed and needed <= asked, sorted(needed - asked)
    assert asked <= in_view
    print(f"{name}: z{z}, {len(asked)} tiles asked of the {len(in_view)} in view")


@pytest.mark.parametrize("z", [8, 10, 12])
def test_the_tiles_left_out_would_have_been_empty(client, z):
    """Around the data's bounds (and a symbol's reach), every composite tile has no feature."""
    import mapbox_vector_tile

    ids = ",".join(layer["id"] for layer in client.get("/api/layers").get_json()["layers"])
    west, south, east, north = PROVINCE_BBOX
    pad = EDIT_TOLERANCE_DEGREES
    data = box_pixels(west - pad, south - pad, east + pad, north + pad, z)
    reach = (data[0] - SYMBOL_REACH_PX, data[1] - SYMBOL_REACH_PX, data[2] + SYMBOL_REACH_PX, data[3] + SYMBOL_REACH_PX)
    low_x, low_y, high_x, high_y = (int(v // TILE_PX) for v in reach)
    ring = [
        (x, y) for x in range(low_x - 1, high_x + 2) for y in range(low_y - 1, high_y + 2) if not overlaps(x, y, reach)
    ]
    assert len(ring) >= 8
    for x, y in ring:
        response = client.get(f"/tiles/{ids}/{z}/{x}/{y}.pbf")
        assert response.status_code in (200, 204)
        decoded = mapbox_vector_tile.decode(response.data) if response.data else {}
        assert all(not layer["features"] for layer in decoded.values()), (z, x, y)
