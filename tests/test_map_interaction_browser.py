"""The public map used as a person does, in Chromium, on a desktop and on a phone (390×844, touch):
measuring and then clicking, identifying with a tolerance, popups that stay in view, the phone's
sheets, keyboard search, the way-finding tools, and no untranslated strings in either language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page

from tests.browser import Watched
from tests.test_map_browser import _container_point, open_map, wait_for_tiles

pytestmark = pytest.mark.browser

SONG_CHU_MIDDLE = (
    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(ST_GeometryN(geom, 1), 0.5) AS p"
    " FROM layerdata.rivers WHERE name = 'Sông Chu') s"
)
PU_LUONG_INSIDE = (
    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM layerdata.protected_areas"
    " WHERE name = 'Khu bảo tồn thiên nhiên Pù Luông') s"
)
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


def open_phone(browser: Browser, url: str) -> Watched:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    watched = Watched(page)
    page.goto(url)
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    return watched


def map_selector(page: Page) -> str:
    return "#" + page.evaluate("atlasState.map.getContainer().id")


def click_at(page: Page, lon: float, lat: float, dx: float = 0, dy: float = 0) -> None:
    point = _container_point(page, lon, lat)
    page.locator(map_selector(page)).click(position={"x": point["x"] + dx, "y": point["y"] + dy})


def tap_at(page: Page, lon: float, lat: float, dx: float = 0, dy: float = 0) -> None:
    point = _container_point(page, lon, lat)
    box = page.locator(map_selector(page)).bounding_box()
    page.touchscreen.tap(box["x"] + point["x"] + dx, box["y"] + point["y"] + dy)


def one_point(db, sql: str) -> tuple[float, float]:
    with db.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()


def map_at(chromium, live_url: str, db, sql: str, zoom: int, layers: str) -> tuple[Watched, float, float]:
    """The map opened at the point the query gives, with these layers, its tiles drawn."""
    lon, lat = one_point(db, sql)
    watched = open_map(chromium, live_url + f"/#{zoom}/{lat}/{lon}/{layers}")
    wait_for_tiles(watched.page)
    return watched, lon, lat


def station(db, name: str) -> tuple[float, float]:
    return one_point(db, f"SELECT ST_X(geom), ST_Y(geom) FROM layerdata.hydro_stations WHERE name = '{name}'")


def test_after_measuring_a_click_opens_the_popup(chromium, live_url, db):
    lon, lat = station(db, "Trạm thủy văn Cẩm Thủy")
    watched = open_map(chromium, live_url + f"/#13/{lat}/{lon}/communes,hydro_stations")
    page = watched.page
    wait_for_tiles(page)
    page.locator(".atlas-measure-toggle").click()
    for dx in (-120, -40):
        click_at(page, lon, lat, dx, 80)
    page.locator(map_selector(page)).dblclick(position=_offset(page, lon, lat, 40, 80))
    assert page.evaluate("atlasState.map.getZoom()") == 13, "a double click finishes the line instead of zooming"
    text = page.locator(".atlas-measure-output").inner_text()
    assert "Khoảng cách" in text and "đã xong" in text
    page.locator(".atlas-measure-undo").click()
    assert "đã xong" not in page.locator(".atlas-measure-output").inner_text()
    page.locator(".atlas-measure-clear").click()
    assert "Bấm lên bản đồ" in page.locator(".atlas-measure-output").inner_text()
    click_at(page, lon, lat, -100, 100)
    page.keyboard.press("Escape")  # finishes the line
    page.keyboard.press("Escape")  # puts the tool away
    assert not page.locator(".atlas-measure").evaluate("e => e.classList.contains('active')")
    assert page.locator(".leaflet-overlay-pane path").count() == 0, "nothing of the measuring is left on the map"
    click_at(page, lon, lat)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert "Trạm thủy văn Cẩm Thủy" in popup.inner_text()
    # And with the button instead of Escape.
    page.locator(".atlas-measure-toggle").click()
    click_at(page, lon, lat, -60, 60)
    page.locator(".atlas-measure-toggle").click()
    click_at(page, lon, lat)
    # The newest popup: the one the first click opened may still be on its way out.
    page.locator(".leaflet-popup-content").last.wait_for(timeout=10_000)
    assert "Trạm thủy văn Cẩm Thủy" in page.locator(".leaflet-popup-content").last.inner_text()
    assert watched.errors == []
    page.close()


def _offset(page: Page, lon: float, lat: float, dx: float, dy: float) -> dict:
    point = _container_point(page, lon, lat)
    return {"x": point["x"] + dx, "y": point["y"] + dy}


def test_a_click_4_px_off_a_river_finds_the_river_not_the_commune(chromium, live_url, db):
    watched, lon, lat = map_at(chromium, live_url, db, SONG_CHU_MIDDLE, 12, "communes,rivers")
    page = watched.page
    click_at(page, lon, lat, 0, 4)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert popup.locator(".atlas-popup-layer").first.inner_text() == "Sông, suối"
    assert "Sông Chu" in popup.inner_text()
    # Far from the river the same click finds the commune under it.
    click_at(page, lon, lat, 0, 40)
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content .atlas-popup-layer').textContent.startsWith('Xã')",
        timeout=10_000,
    )
    assert watched.errors == []
    page.close()


def test_a_tap_10_px_from_a_station_finds_it_and_a_mouse_click_there_does_not(chromium, live_url, db):
    lon, lat = station(db, "Trạm thủy văn Hồi Xuân")
    url = live_url + f"/#13/{lat}/{lon}/hydro_stations"
    desktop = open_map(chromium, url).page
    wait_for_tiles(desktop)
    click_at(desktop, lon, lat, 16, 0)  # 10 px beyond the diamond's 6 px: out of a mouse's reach
    desktop.wait_for_timeout(500)
    assert desktop.locator(".leaflet-popup-content").count() == 0
    desktop.close()

    phone = open_phone(chromium, url)
    page = phone.page
    wait_for_tiles(page)
    tap_at(page, lon, lat, 16, 0)
    sheet = page.locator(".atlas-sheet")
    sheet.wait_for(state="visible", timeout=10_000)
    assert "Trạm thủy văn Hồi Xuân" in sheet.inner_text()
    assert page.locator(".leaflet-popup").count() == 0, "on a phone the details are a sheet, not a popup"
    page.context.close()


def test_several_features_under_a_click_are_listed_and_reached_with_the_keyboard(chromium, live_url, db):
    watched, lon, lat = map_at(chromium, live_url, db, PU_LUONG_INSIDE, 11, "communes,protected_areas")
    page = watched.page
    click_at(page, lon, lat)
    choices = page.locator(".atlas-identify-choice")
    choices.first.wait_for(timeout=10_000)
    layers = page.locator(".atlas-identify-layer").all_inner_texts()
    assert layers[0] == "Khu bảo tồn, vườn quốc gia" and any(t.startswith("Xã") for t in layers)
    assert "Khu bảo tồn thiên nhiên Pù Luông" in choices.first.inner_text()
    assert page.evaluate("document.activeElement.className") == "atlas-identify-choice"
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content", has_text="Xem chi tiết")
    popup.wait_for(timeout=10_000)
    assert "Khu bảo tồn thiên nhiên Pù Luông" in popup.inner_text()
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length > 0", timeout=10_000)
    page.close()


def test_a_grid_cell_says_what_it_stands_for_and_zooms_in(chromium, live_url, db):
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM layerdata.species_observations")
        assert cur.fetchone()[0] > 0
    watched = open_map(chromium, live_url + "/#9/19.98/105.22/species_observations")
    page = watched.page
    wait_for_tiles(page)
    # Cells of generalised records sit close together at their grid-cell centres: the popup names
    # one of the cells under the click (within the 6 px a mouse is given).
    cell = page.evaluate(
        """() => { const t = atlasState.tiles._vectorTiles, cells = [];
            for (const k of Object.keys(t)) { for (const s of Object.values(t[k]._layers)) {
              if (s.properties.point_count >= 1) {
                const c = t[k].getCoord(), size = 256;
                const ll = atlasState.map.unproject(L.point(c.x * size + s._point.x, c.y * size + s._point.y), c.z);
                const p = atlasState.map.latLngToContainerPoint(ll);
                cells.push({x: p.x, y: p.y, n: s.properties.point_count}); } } }
            const a = cells.find(a => a.n > 1 && a.x > 60 && a.y > 200 && a.x < 900 && a.y < 700);
            return a ? {x: a.x, y: a.y, under: cells.filter(b => Math.hypot(a.x - b.x, a.y - b.y) <= 8).map(b => b.n)}
                     : null; }"""
    )
    assert cell, "a grid cell is drawn at z9"
    page.locator(map_selector(page)).click(position={"x": cell["x"], "y": cell["y"]})
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    said = [f"{n:,}".replace(",", ".") + " quan sát, phóng to để xem" for n in cell["under"]]
    assert any(text in popup.inner_text() for text in said), (said, popup.inner_text())
    page.wait_for_function("() => atlasState.map.getZoom() === 11", timeout=10_000)
    page.close()


def test_a_tall_popup_stays_inside_the_map_below_the_search_box(chromium, live_url, db):
    lon, lat = one_point(
        db,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM layerdata.reservoirs"
        " ORDER BY ST_YMax(geom) DESC LIMIT 1) s",
    )
    watched = open_map(chromium, live_url + f"/#14/{lat}/{lon}/reservoirs", width=1024, height=500)
    page = watched.page
    wait_for_tiles(page)
    # The reservoir is put near the top edge, where its popup would open above the map.
    page.evaluate(
        "([lon, lat]) => { const m = atlasState.map, p = m.latLngToContainerPoint([lat, lon]);"
        " m.panBy([p.x - 500, p.y - 60], {animate: false}); }",
        [lon, lat],
    )
    wait_for_tiles(page)
    click_at(page, lon, lat)
    popup = page.locator(".leaflet-popup")
    page.locator(".atlas-popup-complete").wait_for(timeout=10_000)  # at its full height
    page.wait_for_timeout(600)  # the pan into view
    top = popup.bounding_box()["y"]
    map_box = page.locator(map_selector(page)).bounding_box()
    search_box = page.locator(".atlas-search").bounding_box()
    assert top >= map_box["y"] and top >= search_box["y"] + search_box["height"], (top, map_box, search_box)
    bottom = top + popup.bounding_box()["height"]
    assert bottom <= map_box["y"] + map_box["height"]
    page.close()


def test_search_with_the_keyboard_opens_the_features_popup(chromium, live_url):
    watched = open_map(chromium, live_url + "/")
    page = watched.page
    page.locator(".atlas-search input").fill("ho xuan")
    page.locator(".atlas-search-result").first.wait_for(timeout=10_000)
    groups = page.locator(".atlas-search-group-title").all_inner_texts()
    assert groups and len(groups) == len(set(groups)), "results are grouped by layer, each layer once"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('atlas-search-result')")
    first = page.evaluate("document.activeElement.querySelector('.atlas-search-label').textContent")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.locator("a", has_text="Xem chi tiết").wait_for(timeout=10_000)
    assert first in popup.inner_text()
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length > 0", timeout=10_000)
    assert watched.errors == []
    page.close()


def test_phone_pinch_zoom_touch_targets_and_sheets(chromium, live_url):
    watched = open_phone(chromium, live_url + "/")
    page = watched.page
    wait_for_tiles(page)
    viewport = page.evaluate("[...document.querySelectorAll('meta[name=viewport]')].map(m => m.content)")
    assert viewport == ["width=device-width, initial-scale=1"], viewport
    small = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-control button, .leaflet-control a, .leaflet-control input,'
            + ' .atlas-bar a')].filter(e => e.offsetParent !== null).map(e => {
              const r = e.getBoundingClientRect(); return [e.className || e.textContent, r.width, r.height]; })
            .filter(([, w, h]) => w < 44 || h < 44)"""
    )
    assert small == [], small
    tiny_text = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-control *')].filter(e => e.offsetParent !== null
            && e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .filter(e => parseFloat(getComputedStyle(e).fontSize) < 14).map(e => e.textContent.slice(0, 30))"""
    )
    assert tiny_text == [], tiny_text
    # The province fills the first view: its box takes most of the map's width.
    width = page.evaluate(
        "(() => { const b = L.latLngBounds(atlasState.config.bounds), m = atlasState.map;"
        " return m.latLngToContainerPoint(b.getNorthEast()).x - m.latLngToContainerPoint(b.getSouthWest()).x; })()"
    )
    assert width > 0.85 * 390, width
    # Panel and legend are sheets, one at a time, leaving at least half of the map free.
    page.locator(".atlas-panel-toggle").tap()
    page.locator(".atlas-legend-toggle").tap()
    assert not page.locator(".atlas-panel-content").is_visible()
    legend = page.locator(".atlas-legend").bounding_box()
    assert legend["height"] <= 844 / 2 + 1
    assert page.locator(".atlas-search").bounding_box()["y"] + 44 < legend["y"]
    assert watched.errors == []
    page.context.close()


# Interface text only: attribute values (td), feature names and Vietnamese-marked names are data.
INTERFACE_TEXTS = """() => {
    const skip = 'td, script, style, .atlas-search-label, .atlas-identify-choice, .atlas-label, body [lang="vi"],'
        + ' .atlas-coordinates';
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const text = walker.currentNode.textContent.trim();
        if (text && !walker.currentNode.parentElement.closest(skip)) { texts.push(text); }
    }
    for (const e of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
        if (e.closest(skip)) { continue; }
        for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
            if (e.getAttribute(name)) { texts.push(e.getAttribute(name)); }
        }
    }
    return texts;
}"""
VIETNAMESE_LETTERS = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
DARWIN_CORE_TERM = re.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b")  # occurrenceID, eventDate…
LEAFLET_ENGLISH = ("Zoom in", "Zoom out", "Close popup", "A JavaScript library for interactive maps")


def english_messages() -> set[str]:
    """Every English text of the app's catalogues that differs from its Vietnamese message."""
    found = set()
    for path in Path("translations").glob("*/en/LC_MESSAGES/messages.po"):
        with path.open("rb") as handle:
            found |= {m.string for m in read_po(handle) if m.id and m.string and m.string != m.id}
    return found


def popup_texts(page: Page, lon: float, lat: float) -> tuple[list[str], str]:
    click_at(page, lon, lat)
    page.locator(".atlas-popup-complete").wait_for(timeout=10_000)  # every attribute, from the API
    return page.evaluate(INTERFACE_TEXTS), page.locator(".leaflet-popup-content").last.inner_text()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_untranslated_strings(chromium, live_url, db, lang):
    first = "SELECT ST_X(geom), ST_Y(geom) FROM layerdata.{} {} ORDER BY fid LIMIT 1"
    places = {
        "species_observations": first.format("species_observations", ""),
        "water_quality_stations": first.format("water_quality_stations", ""),
        "water_permits": first.format("water_permits", "WHERE licensed_volume_m3_day IS NOT NULL"),
    }
    english = english_messages() | set(LEAFLET_ENGLISH)
    seen: dict[str, str] = {}
    texts: list[str] = []
    for layer, query in places.items():
        lon, lat = one_point(db, query)
        watched = open_map(chromium, live_url + f"/?lang={lang}#18/{lat}/{lon}/communes,{layer}")
        page = watched.page
        wait_for_tiles(page)
        page.locator(".atlas-measure-toggle").click()  # its buttons and help text are shown too
        page.locator(".atlas-measure-toggle").click()
        interface, seen[layer] = popup_texts(page, lon, lat)
        texts += interface
        page.close()
    assert ("Zoom in" if lang == "en" else "Phóng to") in texts, "the zoom buttons' titles are read"
    if lang == "en":
        leaks = [t for t in texts if VIETNAMESE_LETTERS.search(t.replace("Thanh Hóa", ""))]
        assert "Monthly" in seen["water_quality_stations"] and "Hằng tháng" not in seen["water_quality_stations"]
        assert "m³/day" in seen["water_permits"] and "ngày đêm" not in seen["water_permits"]
    else:
        leaks = [t for t in texts if t in english or any(word in t for word in LEAFLET_ENGLISH)]
        assert "Hằng tháng" in seen["water_quality_stations"] and "m³/ngày đêm" in seen["water_permits"]
    assert leaks == [], leaks
    terms = DARWIN_CORE_TERM.findall(seen["species_observations"])
    assert terms == [], f"species popups use the catalogue's labels, not Darwin Core terms: {terms}"


def test_home_locate_share_bounds_and_attribution(chromium, live_url, db):
    lon, lat = station(db, "Trạm thủy văn Cẩm Thủy")
    context = chromium.new_context(
        viewport={"width": 1280, "height": 800},
        geolocation={"latitude": lat, "longitude": lon},
        permissions=["geolocation", "clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    watched = Watched(page)
    page.goto(live_url + "/")
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    first_zoom = page.evaluate("atlasState.map.getZoom()")
    page.locator(".atlas-tool-locate").click()
    page.wait_for_function("() => location.hash.startsWith('#13/')", timeout=10_000)
    centre = page.evaluate("(() => { const c = atlasState.map.getCenter(); return [c.lng, c.lat]; })()")
    assert abs(centre[0] - lon) < 1e-3 and abs(centre[1] - lat) < 1e-3
    page.locator(".atlas-tool-share").click()
    page.locator(".atlas-tool-notice", has_text="Đã sao chép liên kết").wait_for(timeout=5_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url and copied.split("#")[1].startswith("13/")
    page.locator(".atlas-tool-home").click()
    page.wait_for_function(f"() => atlasState.map.getZoom() === {first_zoom}", timeout=10_000)
    # The map stays near the province: no zooming out to the world, no panning away.
    page.evaluate("atlasState.map.setZoom(2, {animate: false}); atlasState.map.panTo([48.85, 2.35], {animate: false})")
    page.wait_for_timeout(500)
    assert page.evaluate("atlasState.map.getZoom()") >= page.evaluate("atlasState.map.getMinZoom()") >= 7
    assert page.evaluate("atlasState.map.options.maxBounds.contains(atlasState.map.getCenter())")
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Bản đồ chỉ để tham khảo" in attribution and "Nguồn: Sở Nông nghiệp và Môi trường" in attribution
    assert "A JavaScript library for interactive maps" not in page.content(), "Leaflet's English link title is gone"
    map_box = page.locator(map_selector(page))
    assert map_box.get_attribute("aria-label") == "Bản đồ tài nguyên nước và đa dạng sinh học tỉnh Thanh Hóa"
    assert "Danh mục lớp dữ liệu" in page.locator("#" + map_box.get_attribute("aria-describedby")).inner_text()
    assert watched.errors == []
    context.close()
