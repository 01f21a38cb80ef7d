"""The sea and the province's edge on the map with no basemap, in Debian's Chromium."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import ARTIFACTS, Watched

pytestmark = pytest.mark.browser

SEA_RGB = (0xA9, 0xCF, 0xE7)  # WATER's fill in atlas-sea.js
OFFSHORE = (106.05, 19.55)  # 17 km off the coast of Quảng Xương, clear of the islands and Hòn Mê's reserve
INLAND = (105.70, 19.60)
COAST = (105.88, 19.67)  # on the province's coast, between two of its vertices


def open_map(browser: Browser, url: str) -> Watched:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watched = Watched(page, http_errors=True)
    page.goto(url)
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    return watched


def go_to(page: Page, lon: float, lat: float, zoom: int) -> None:
    page.evaluate("([lon, lat, z]) => atlasState.map.setView([lat, lon], z, {animate: false})", [lon, lat, zoom])
    page.wait_for_function("() => !document.querySelector('.leaflet-tile-loading')", timeout=20_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def point(page: Page, lon: float, lat: float) -> tuple[int, int]:
    p = page.evaluate("([lon, lat]) => atlasState.map.latLngToContainerPoint([lat, lon])", [lon, lat])
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    return round(box["x"] + p["x"]), round(box["y"] + p["y"])


def pixel(page: Page, x: int, y: int) -> tuple[int, int, int]:
    """The colour on screen at (x, y): a one-pixel screenshot, whose PNG row is the pixel itself."""
    png = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    chunks, at = {}, 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        chunks.setdefault(png[at + 4 : at + 8], b"")
        chunks[png[at + 4 : at + 8]] += png[at + 8 : at + 8 + length]
        at += 12 + length
    bit_depth, colour_type = chunks[b"IHDR"][8], chunks[b"IHDR"][9]
    assert bit_depth == 8 and colour_type in (2, 6)
    row = zlib.decompress(chunks[b"IDAT"])
    # One pixel: every PNG filter predicts it from zeros, so the stored bytes are its colour.
    return row[1], row[2], row[3]


def close_to(rgb: tuple[int, int, int], want: tuple[int, int, int], tolerance: int = 10) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, want, strict=True))


def hide_names(page: Page) -> None:
    page.evaluate("() => { document.querySelector('.atlas-label-pane').style.visibility = 'hidden'; }")


def test_the_sea_is_drawn_under_the_tiles_in_water_blue_and_named(chromium, live_url):
    watched = open_map(chromium, live_url + "/")
    page = watched.page
    go_to(page, 105.95, 19.6, 10)
    page.wait_for_selector(".atlas-label[data-layer=sea]", timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-sea.png"))
    names = page.locator(".atlas-label[data-layer=sea]").all_text_contents()
    assert names == ["Vịnh Bắc Bộ"]
    # The shape is an SVG path in its own pane, beneath the pane of the tiles.
    assert page.locator(".atlas-sea-pane path.atlas-sea").count() == 1
    panes = page.evaluate(
        """() => [document.querySelector('.atlas-sea-pane'), document.querySelector('.leaflet-tile-pane')]
            .map(p => Number(getComputedStyle(p).zIndex))"""
    )
    assert panes[0] < panes[1]
    hide_names(page)
    assert close_to(pixel(page, *point(page, *OFFSHORE)), SEA_RGB), "east of the coast is water blue"
    assert not close_to(pixel(page, *point(page, *INLAND)), SEA_RGB, 30), "the communes' land is not"
    # The province's edge runs along the coast as a dark line over the sea's own coast line.
    x, y = point(page, *COAST)
    darkest = min((pixel(page, x + dx, y) for dx in range(-4, 5)), key=sum)
    assert max(darkest) < 0x70, f"a dark edge crosses the coast, darkest {darkest}"
    assert watched.errors == []
    hosts = {urlsplit(u).netloc for u in watched.requests if not u.startswith("data:")}
    assert hosts == {urlsplit(live_url).netloc}, "no basemap or other host is asked for anything"
    page.close()


def test_the_sea_is_named_in_english_wherever_the_view_shows_it(chromium, live_url):
    # Centred on Sầm Sơn, north of the label point the server gives: the name finds water in view.
    watched = open_map(chromium, live_url + "/?lang=en#11/19.80000/105.85000")
    page = watched.page
    page.wait_for_selector(".atlas-label[data-layer=sea]", timeout=15_000)
    assert page.locator(".atlas-label[data-layer=sea]").all_text_contents() == ["Gulf of Tonkin"]
    box = page.locator(".atlas-label[data-layer=sea]").bounding_box()
    assert box is not None
    map_box = page.locator(".folium-map").bounding_box()
    assert (
        map_box is not None and map_box["x"] <= box["x"] and box["x"] + box["width"] <= map_box["x"] + map_box["width"]
    )
    centre = page.evaluate(
        "([x, y]) => { const p = atlasState.map.containerPointToLatLng([x, y]); return [p.lng, p.lat]; }",
        [box["x"] - map_box["x"] + box["width"] / 2, box["y"] - map_box["y"] + box["height"] / 2],
    )
    assert page.evaluate(
        "([lon, lat]) => AtlasSea.inWater(atlasState.sea.layer.toGeoJSON().features[0].geometry, lon, lat)", centre
    )
    assert watched.errors == []
    page.close()
