"""The public map in Debian's Chromium, driven by Playwright against a live server on the test database."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import ARTIFACTS, Watched

RIVER_RGB = (0x2B, 0x8C, 0xBE)

pytestmark = pytest.mark.browser


def open_map(browser: Browser, url: str, width: int = 1280, height: int = 800) -> Watched:
    page = browser.new_page(viewport={"width": width, "height": height})
    watched = Watched(page)
    page.goto(url)
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    page.wait_for_function("() => window.proj4 !== undefined", timeout=20_000)  # fetched after the first tiles
    return watched


def color_pixels(page: Page, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    """How many pixels of the drawn tile canvases are within `tolerance` of the colour."""
    return page.evaluate(
        """([r, g, b, tol]) => {
            let count = 0;
            for (const canvas of document.querySelectorAll('.leaflet-tile-container canvas')) {
                const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 0; i < data.length; i += 4) {
                    if (data[i + 3] > 200 && Math.abs(data[i] - r) <= tol && Math.abs(data[i + 1] - g) <= tol
                        && Math.abs(data[i + 2] - b) <= tol) { count++; }
                }
            }
            return count;
        }""",
        [*rgb, tolerance],
    )


def wait_for_tiles(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('.leaflet-tile-loading')", timeout=20_000)
    page.wait_for_timeout(300)


def test_map_loads_offline_without_errors_and_draws_tiles(chromium, live_url):
    watched = open_map(chromium, live_url + "/")
    wait_for_tiles(watched.page)
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / "map-desktop.png"))
    assert watched.errors == []
    hosts = {urlsplit(u).netloc for u in watched.requests if not u.startswith("data:")}
    assert hosts == {urlsplit(live_url).netloc}
    assert any("/tiles/" in u and ".pbf?v=" in u for u in watched.requests)
    assert watched.page.locator("html").get_attribute("lang") == "vi"
    assert color_pixels(watched.page, RIVER_RGB) > 200, "rivers are drawn in their catalogue colour"
    watched.page.close()


def test_toggling_a_layer_changes_what_is_drawn(chromium, live_url):
    watched = open_map(chromium, live_url + "/")
    page = watched.page
    wait_for_tiles(page)
    before = color_pixels(page, RIVER_RGB)
    page.locator('input[type=checkbox][data-layer="rivers"]').uncheck()
    wait_for_tiles(page)
    assert before > 200 and color_pixels(page, RIVER_RGB) < before / 10
    assert "rivers" not in page.evaluate("location.hash")
    page.close()


def _container_point(page: Page, lon: float, lat: float) -> dict:
    return page.evaluate(
        "([lon, lat]) => { const p = atlasState.map.latLngToContainerPoint([lat, lon]); return {x: p.x, y: p.y}; }",
        [lon, lat],
    )


def test_clicking_a_protected_area_opens_its_popup(chromium, live_url, db):
    with db.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM layerdata.protected_areas"
            " WHERE name = 'Khu bảo tồn thiên nhiên Pù Luông') s"
        )
        lon, lat = cur.fetchone()
    watched = open_map(chromium, live_url + f"/#11/{lat}/{lon}/protected_areas")
    page = watched.page
    wait_for_tiles(page)
    point = _container_point(page, lon, lat)
    page.locator("#" + page.evaluate("atlasState.map.getContainer().id")).click(position=point)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert "Khu bảo tồn thiên nhiên Pù Luông" in popup.inner_text()
    assert popup.locator("a", has_text="Xem chi tiết").count() == 1
    assert watched.errors == []
    page.close()


def test_search_moves_the_map_to_the_place(chromium, live_url):
    watched = open_map(chromium, live_url + "/")
    page = watched.page
    page.locator(".atlas-search input").fill("pu luong")
    result = page.locator(".atlas-search-result", has_text="Pù Luông").first
    result.wait_for(timeout=10_000)
    result.click()
    page.wait_for_timeout(800)
    center = page.evaluate("(() => { const c = atlasState.map.getCenter(); return [c.lng, c.lat]; })()")
    assert 104.9 < center[0] < 105.4 and 20.2 < center[1] < 20.7, center
    assert page.evaluate("atlasState.map.getZoom()") >= 10
    page.close()


def test_language_switch_changes_the_interface(chromium, live_url):
    watched = open_map(chromium, live_url + "/")
    page = watched.page
    page.locator("a.atlas-lang-link", has_text="EN").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=10_000)
    assert page.locator(".atlas-panel-toggle").inner_text() == "Layers"
    assert page.locator(".atlas-theme legend").first.inner_text() == "Administrative"
    page.goto(live_url + "/?lang=vi")
    assert page.locator(".atlas-panel-toggle").inner_text() == "Lớp dữ liệu"
    page.close()


def test_permalink_restores_view_and_layers(chromium, live_url):
    watched = open_map(chromium, live_url + "/#12/19.80000/105.77000/communes,rivers")
    page = watched.page
    page.wait_for_timeout(500)
    assert page.evaluate("atlasState.map.getZoom()") == 12
    center = page.evaluate("(() => { const c = atlasState.map.getCenter(); return [c.lat, c.lng]; })()")
    assert abs(center[0] - 19.8) < 1e-3 and abs(center[1] - 105.77) < 1e-3
    assert page.evaluate("atlasState.visibleIds()") == ["communes", "rivers"]
    page.evaluate("atlasState.map.setView([20.1, 105.5], 10, {animate: false})")
    page.wait_for_function("() => location.hash.startsWith('#10/')", timeout=10_000)
    shared = page.url
    page.close()
    opened = open_map(chromium, shared).page  # as someone opening a shared link would
    assert opened.evaluate("atlasState.map.getZoom()") == 10
    center = opened.evaluate("(() => { const c = atlasState.map.getCenter(); return [c.lat, c.lng]; })()")
    assert abs(center[0] - 20.1) < 1e-3 and abs(center[1] - 105.5) < 1e-3
    assert opened.evaluate("atlasState.visibleIds()") == ["communes", "rivers"]
    opened.close()


def test_phone_viewport(chromium, live_url):
    watched = open_map(chromium, live_url + "/", width=390, height=844)
    page = watched.page
    wait_for_tiles(page)
    box = page.locator(".folium-map").bounding_box()
    assert box["width"] == 390 and box["height"] > 760
    assert not page.locator(".atlas-panel-content").is_visible(), "the layer panel starts folded on phones"
    page.locator(".atlas-panel-toggle").click()
    assert page.locator(".atlas-panel-content").is_visible()
    page.screenshot(path=str(ARTIFACTS / "map-phone.png"))
    assert watched.errors == []
    page.close()


def test_coordinates_and_measurements_match_postgis(chromium, live_url, db):
    corners = [(105.70, 19.70), (105.80, 19.70), (105.80, 19.78)]
    ring = ", ".join(f"{lon} {lat}" for lon, lat in [*corners, corners[0]])
    with db.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p), ST_Y(p), ST_Length(l), ST_Area(a) FROM ("
            " SELECT ST_Transform(ST_SetSRID(ST_MakePoint(105.70, 19.70), 4326), 5897) AS p,"
            " ST_Transform(ST_GeomFromText(%s, 4326), 5897) AS l,"
            " ST_Transform(ST_GeomFromText(%s, 4326), 5897) AS a) s",
            (f"LINESTRING({', '.join(f'{lon} {lat}' for lon, lat in corners)})", f"POLYGON(({ring}))"),
        )
        x, y, length_m, area_m2 = cur.fetchone()
    watched = open_map(chromium, live_url + "/")
    page = watched.page
    projected = page.evaluate("AtlasCoordinates.project(atlasState, L.latLng(19.70, 105.70))")
    assert abs(projected[0] - x) < 0.01 and abs(projected[1] - y) < 0.01
    planar = page.evaluate(
        "(pts) => { const p = pts.map(q => AtlasCoordinates.project(atlasState, L.latLng(q[1], q[0])));"
        " return [AtlasMeasure.length(p), AtlasMeasure.area(p)]; }",
        corners,
    )
    assert abs(planar[0] - length_m) < 0.01 and abs(planar[1] - area_m2) < 0.5
    page.close()


def test_measure_tool_reports_metres_and_hectares(chromium, live_url):
    watched = open_map(chromium, live_url + "/#12/19.75/105.75/communes")
    page = watched.page
    page.locator(".atlas-measure-toggle").click()
    map_id = page.evaluate("atlasState.map.getContainer().id")
    for lon, lat in [(105.72, 19.73), (105.78, 19.73), (105.78, 19.77)]:
        page.locator("#" + map_id).click(position=_container_point(page, lon, lat))
    text = page.locator(".atlas-measure-output").inner_text()
    assert "Khoảng cách" in text and " km" in text and "Diện tích" in text and " ha" in text
    assert page.locator(".leaflet-popup-content").count() == 0, "measuring does not open popups"
    page.close()


def test_popup_shows_attribute_values_as_text(chromium, live_url, database_url):
    import psycopg2

    hostile = "<img src=x onerror=alert(1)>"
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE layerdata.hydro_stations SET river = %s WHERE name = 'Trạm thủy văn Hồi Xuân'"
                " RETURNING ST_X(geom), ST_Y(geom), (SELECT river FROM layerdata.hydro_stations"
                " WHERE name = 'Trạm thủy văn Hồi Xuân')",
                (hostile,),
            )
            lon, lat, original = cur.fetchone()
        watched = open_map(chromium, live_url + f"/#14/{lat}/{lon}/hydro_stations")
        page = watched.page
        wait_for_tiles(page)
        page.locator("#" + page.evaluate("atlasState.map.getContainer().id")).click(
            position=_container_point(page, lon, lat)
        )
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=10_000)
        page.wait_for_timeout(500)
        assert hostile in popup.inner_text()
        assert popup.locator("img").count() == 0
        assert watched.errors == []
        page.close()
    finally:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE layerdata.hydro_stations SET river = %s WHERE name = 'Trạm thủy văn Hồi Xuân'", (original,)
            )
        conn.close()


def test_legend_follows_the_visible_layers(chromium, live_url):
    watched = open_map(chromium, live_url + "/")
    page = watched.page
    legend = page.locator(".atlas-legend-list")
    assert legend.locator('[data-layer="protected_areas"]').count() == 1
    assert legend.locator('[data-layer="water_permits"]').count() == 0
    assert "Vườn quốc gia" in legend.inner_text()
    page.locator('input[type=checkbox][data-layer="protected_areas"]').uncheck()
    page.locator('input[type=checkbox][data-layer="water_permits"]').check()
    assert legend.locator('[data-layer="protected_areas"]').count() == 0
    assert "Còn hiệu lực" in legend.locator('[data-layer="water_permits"]').inner_text()
    page.close()
