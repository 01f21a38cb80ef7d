"""Names on the map, the basemap switcher and the attribute table, in Debian's Chromium (desktop and phone)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from atlas import create_app
from tests.browser import ARTIFACTS, QuietHandler, Watched

pytestmark = pytest.mark.browser

HAC_THANH = (105.7816, 19.8045)  # the label point of Phường Hạc Thành, in Thanh Hóa city
HOI_XUAN = (105.11, 20.37)
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


def open_at(browser: Browser, url: str, **context) -> Watched:
    page = browser.new_context(**(context or {"viewport": {"width": 1280, "height": 800}})).new_page()
    watched = Watched(page, http_errors=True)
    page.goto(url)
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    return watched


def view_hash(lon: float, lat: float, zoom: int) -> str:
    return f"/#{zoom}/{lat:.5f}/{lon:.5f}"


def go_to(page: Page, lon: float, lat: float, zoom: int) -> None:
    """Move the map as a pan and zoom would (a phone's first view ignores the permalink's zoom)."""
    page.evaluate("([lon, lat, z]) => atlasState.map.setView([lat, lon], z, {animate: false})", [lon, lat, zoom])
    page.wait_for_timeout(200)


def labels(page: Page, layer: str | None = None) -> list[dict]:
    """The labels drawn (of one layer, once its names have come), with their text and screen boxes."""
    page.wait_for_selector(f".atlas-label[data-layer={layer}]" if layer else ".atlas-label", timeout=15_000)
    page.wait_for_load_state("networkidle")
    return page.evaluate(
        """(layer) => [...document.querySelectorAll('.atlas-label')]
            .filter(n => !layer || n.dataset.layer === layer)
            .map(n => { const r = n.getBoundingClientRect();
                        return {text: n.textContent, layer: n.dataset.layer,
                                left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })""",
        layer,
    )


def assert_no_overlaps(drawn: list[dict]) -> None:
    for i, a in enumerate(drawn):
        for b in drawn[i + 1 :]:
            apart = (
                a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            )
            assert apart, f"{a['text']} overlaps {b['text']}"


def assert_inside_map(page: Page, drawn: list[dict]) -> None:
    box = page.locator(".folium-map").bounding_box()
    for label in drawn:
        assert box["x"] - 1 <= label["left"] and label["right"] <= box["x"] + box["width"] + 1, label["text"]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_commune_names_appear_at_z11_without_overlapping(chromium, live_url, device):
    watched = open_at(chromium, live_url + "/", **(PHONE if device == "phone" else {}))
    page = watched.page
    go_to(page, *HOI_XUAN, 11)
    communes = labels(page, "communes")
    assert any(label["text"] == "Xã Hồi Xuân" for label in communes), [c["text"] for c in communes]
    drawn = labels(page)
    assert_no_overlaps(drawn)
    assert_inside_map(page, drawn)
    assert any(label["layer"] == "rivers" for label in drawn), "the Mã is named along its line"
    page.screenshot(path=str(ARTIFACTS / f"map-labels-z11-{device}.png"))
    assert watched.errors == []
    page.context.close()


def test_thanh_hoa_city_is_labelled_at_z12_and_a_click_through_a_label_opens_the_popup(chromium, live_url):
    watched = open_at(chromium, live_url + view_hash(*HAC_THANH, 12))
    page = watched.page
    names = {label["text"] for label in labels(page, "communes")}
    city = {f"Phường {n}" for n in ("Hạc Thành", "Hàm Rồng", "Đông Quang", "Đông Tiến", "Đông Sơn", "Nguyệt Viên")}
    assert "Phường Hạc Thành" in names and len(city & names) >= 3, names
    assert_no_overlaps(labels(page))
    page.screenshot(path=str(ARTIFACTS / "map-labels-z12-thanh-hoa.png"))
    # Labels take no clicks: one on the name reaches the commune under it.
    label = page.locator(".atlas-label", has_text="Phường Hạc Thành")
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert "Hạc Thành" in page.locator(".leaflet-popup-content").inner_text()
    assert watched.errors == []
    page.context.close()


def test_the_first_view_names_only_what_it_has_room_for(chromium, live_url):
    watched = open_at(chromium, live_url + "/")
    page = watched.page
    drawn = labels(page)
    layers = {label["layer"] for label in drawn}
    assert "protected_areas" in layers
    assert "communes" not in layers and "water_quality_stations" not in layers, "commune names wait for zoom 10"
    assert_no_overlaps(drawn)
    # Hiding a layer takes its names away.
    page.locator('input[type=checkbox][data-layer="protected_areas"]').uncheck()
    page.wait_for_function("() => !document.querySelector('.atlas-label[data-layer=protected_areas]')", timeout=5_000)
    page.context.close()


def test_english_page_keeps_the_names_and_translates_the_controls(chromium, live_url):
    watched = open_at(chromium, live_url + "/?lang=en" + view_hash(*HAC_THANH, 12)[1:])
    page = watched.page
    assert "Phường Hạc Thành" in {label["text"] for label in labels(page, "communes")}
    assert page.locator(".atlas-table-toggle").get_attribute("aria-label") == "Attribute table"
    page.context.close()


def test_offline_the_map_has_no_basemap_and_no_switcher_to_an_online_one(chromium, live_url):
    watched = open_at(chromium, live_url + "/")
    page = watched.page
    # With only "none" to offer, the switcher (and its script) is left out.
    assert page.locator(".atlas-basemap").count() == 0
    assert not any("atlas-basemap.js" in url or "openstreetmap" in url for url in watched.requests)
    assert page.evaluate("typeof window.AtlasBasemap") == "undefined", "the map's bundle leaves the switcher out"
    assert page.locator(".leaflet-tile-pane img").count() == 0
    assert (
        # The neighbouring land's grey; the sea is drawn over it (tests/test_sea_browser.py).
        page.evaluate("getComputedStyle(document.querySelector('.folium-map')).backgroundColor") == "rgb(220, 218, 211)"
    )
    page.context.close()


@pytest.fixture(scope="module")
def online_url(database_url) -> Iterator[str]:
    """A second app with ATLAS_ONLINE_BASEMAP=1, served like live_url."""
    application = create_app({"database_url": database_url, "online_basemap": True})
    server = make_server("127.0.0.1", 0, application, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    application.extensions["atlas.pool"].close()


def test_with_the_online_basemap_allowed_osm_is_offered_but_not_loaded_until_chosen(chromium, online_url):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    osm: list[str] = []
    # The test machine has no internet: OSM's tiles are answered here, and counted.
    context.route("https://tile.openstreetmap.org/**", lambda route: (osm.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(online_url + "/?lang=en")
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    assert page.locator(".atlas-basemap-label span").inner_text() == "Basemap"
    page.goto(online_url + "/?lang=vi")
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    select = page.locator(".atlas-basemap-select")
    assert select.input_value() == "none"
    assert select.locator("option").all_inner_texts() == ["Không có nền", "OpenStreetMap"]
    page.wait_for_timeout(300)
    assert osm == []
    select.select_option("osm")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile').length > 0")
    page.wait_for_timeout(500)
    assert osm and all(url.endswith(".png") for url in osm)
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    select.select_option("none")
    assert page.locator(".leaflet-tile-pane img.leaflet-tile").count() == 0
    context.close()


def table_count(page: Page) -> str:
    page.wait_for_function("() => !document.querySelector('.atlas-table[aria-busy]')", timeout=10_000)
    return page.locator(".atlas-table-count").inner_text()


def first_cells(page: Page, column: int) -> list[str]:
    return page.locator(f".atlas-table-grid tbody tr td:nth-child({column})").all_inner_texts()


def test_the_table_pages_sorts_filters_and_zooms_to_a_row_from_the_keyboard(chromium, live_url, client):
    watched = open_at(chromium, live_url + "/")
    page = watched.page
    page.locator(".atlas-table-toggle").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".atlas-table:not([hidden])")  # its script loads on the first opening
    assert page.evaluate("document.activeElement.className") == "atlas-table-layer"
    page.locator(".atlas-table-layer").select_option("communes")
    assert table_count(page) == "1–25 trong 166"
    page.locator(".atlas-table-next").click()
    assert table_count(page) == "26–50 trong 166"
    # Sorting by name goes back to the first page, in the database's order.
    expected = client.get("/api/layers/communes/features?sort=-name&limit=25").json["features"]
    name_column = 3  # the zoom button, the code, then the name
    page.locator('.atlas-table-sort[data-field="name"]').click()
    table_count(page)
    page.locator('.atlas-table-sort[data-field="name"]').click()
    assert table_count(page) == "1–25 trong 166"
    assert page.locator('th[aria-sort="descending"] [data-field="name"]').count() == 1
    assert first_cells(page, name_column) == [f["properties"]["name"] for f in expected]
    page.locator(".atlas-table-filter").fill("hac thanh")
    page.wait_for_function(
        "() => document.querySelector('.atlas-table-count').textContent.endsWith(' 1')", timeout=10_000
    )
    assert first_cells(page, name_column) == ["Phường Hạc Thành"]
    page.locator(".atlas-table-zoom").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => atlasState.map.getZoom() >= 11", timeout=10_000)
    centre = page.evaluate("(() => { const c = atlasState.map.getCenter(); return [c.lng, c.lat]; })()")
    assert abs(centre[0] - HAC_THANH[0]) < 0.1 and abs(centre[1] - HAC_THANH[1]) < 0.1
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert "Hạc Thành" in page.locator(".leaflet-popup-content").inner_text()
    page.locator(".atlas-table-filter").focus()
    page.keyboard.press("Escape")
    assert page.locator(".atlas-table").is_hidden()
    assert page.evaluate("document.activeElement.className") == "atlas-table-toggle"
    assert watched.errors == []
    page.context.close()


def test_the_table_filters_by_the_view_and_refuses_nothing_silently(chromium, live_url):
    watched = open_at(chromium, live_url + view_hash(*HAC_THANH, 12))
    page = watched.page
    page.locator(".atlas-table-toggle").click()
    page.locator(".atlas-table-layer").select_option("water_quality_stations")
    assert table_count(page).endswith(" 24")
    assert page.locator(".atlas-table-filter").is_enabled()
    page.locator(".atlas-table-inview").click()
    in_view = table_count(page)
    assert not in_view.endswith(" 24"), "only the stations in the view are listed"
    page.locator(".atlas-table-layer").select_option("forest_cover")
    table_count(page)
    assert page.locator(".atlas-table-filter").is_disabled(), "a layer without searchable fields has no search box"
    assert watched.errors == []
    page.context.close()


def test_on_a_phone_the_table_is_a_list_with_finger_sized_buttons(chromium, live_url):
    watched = open_at(chromium, live_url + "/", **PHONE)
    page = watched.page
    assert page.locator(".atlas-table-toggle").bounding_box()["height"] >= 44
    page.locator(".atlas-table-toggle").tap()
    page.locator(".atlas-table-layer").select_option("reservoirs")
    table_count(page)
    row = page.locator(".atlas-table-grid tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    assert row.locator("td").nth(1).evaluate("td => getComputedStyle(td, '::before').content").startswith('"')
    zoom = row.locator(".atlas-table-zoom")
    assert zoom.bounding_box()["height"] >= 44
    assert page.locator(".atlas-table-next").bounding_box()["width"] >= 44
    panel = page.locator(".atlas-table").bounding_box()
    assert panel["height"] <= 844 * 0.6, "the map stays usable above the list"
    name = row.locator("td").nth(1).inner_text()
    zoom.tap()
    page.wait_for_function("() => atlasState.map.getZoom() >= 11", timeout=10_000)
    page.wait_for_selector(".atlas-sheet-body", timeout=10_000)  # a phone's popup is a bottom sheet
    assert name in page.locator(".atlas-sheet-body").inner_text(), "the row's feature opens, not another"
    page.screenshot(path=str(ARTIFACTS / "map-table-phone.png"))
    assert watched.errors == []
    page.context.close()
