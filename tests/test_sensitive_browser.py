"""In Chromium: the public map shows a threatened species only on its grid cell, a signed-in official exactly;
the station page's readings table fits a desktop screen."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from playwright.sync_api import Browser, Response

from tests.browser import Watched
from tests.test_sensitive_data import NOTE as PAGE_NOTE
from tests.test_sensitive_data import official, threatened  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
SPECIES = "species_observations"


def _open_at(browser: Browser, live_url: str, lon: float, lat: float, signed_in=None, lang: str = "vi"):
    """A desktop page (signed in first when asked) on the map at z16 over the point, and the tiles it fetched."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    watched = Watched(page)
    if signed_in is not None:
        page.goto(live_url + "/login")
        page.fill("#username", signed_in.name)
        page.fill("#password", signed_in.password)
        page.click("button[type=submit]")
        page.wait_for_url(live_url + "/")
        page.goto("about:blank")  # the map signing in leads to is not the one under test
    tiles: list[Response] = []
    page.on("response", lambda r: tiles.append(r) if "/tiles/" in r.url and ".pbf" in r.url else None)
    # A query string makes it a new page load even right after signing in on the map's own URL.
    page.goto(f"{live_url}/?lang={lang}#16/{lat:.6f}/{lon:.6f}/{SPECIES}")
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=20_000)
    page.wait_for_load_state("networkidle")
    return context, page, watched, tiles


def _species_ids(page, tiles: list[Response]) -> set[int]:
    """The species features in the tiles the map fetched, asked again with the browser's own cookies."""
    ids: set[int] = set()
    for response in tiles:
        if response.status != 200 or SPECIES not in response.url:
            continue
        again = page.context.request.get(response.url)
        assert again.status == 200
        decoded = mapbox_vector_tile.decode(again.body())
        ids |= {f["id"] for f in decoded.get(SPECIES, {"features": []})["features"]}
    return ids


def _click_centre(page) -> str:
    box = page.locator("#" + page.evaluate("document.querySelector('.folium-map').id")).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(1500)
    popup = page.locator(".leaflet-popup-content")
    return popup.inner_text() if popup.count() else ""


def test_the_public_map_does_not_show_a_threatened_species_where_it_was_seen(chromium, live_url, threatened):  # noqa: F811
    context, page, watched, tiles = _open_at(chromium, live_url, *threatened["exact"])
    try:
        assert any(SPECIES in r.url for r in tiles), "the map fetched the species tiles"
        assert threatened["fid"] not in _species_ids(page, tiles)
        assert all("view=official" not in r.url for r in tiles)
        assert threatened["name"] not in _click_centre(page)
        assert not watched.errors
    finally:
        context.close()


def test_a_signed_in_official_sees_it_exactly_and_gets_its_popup(chromium, live_url, threatened, official):  # noqa: F811
    context, page, watched, tiles = _open_at(chromium, live_url, *threatened["exact"], signed_in=official)
    try:
        assert threatened["fid"] in _species_ids(page, tiles)
        assert all("view=official" in r.url for r in tiles)
        assert all(r.headers["cache-control"].startswith("private") for r in tiles if r.status == 200)
        assert threatened["name"] in _click_centre(page)
        assert not watched.errors
    finally:
        context.close()


def test_the_station_readings_table_fits_a_desktop_page(chromium, live_url, db):
    with db.cursor() as cur:
        cur.execute("SELECT min(station_fid) FROM water_quality_measurement")
        (fid,) = cur.fetchone()
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{live_url}/layers/water_quality_stations/features/{fid}")
        widths = page.evaluate(
            "(() => { const s = document.querySelector('table.readings').parentElement;"
            " return [s.scrollWidth, s.clientWidth]; })()"
        )
        assert widths[0] <= widths[1], widths
        assert page.locator("a", has_text="Tải bảng số liệu (CSV)").count() == 1
    finally:
        page.close()


# The same note as the pages' (atlas/generalised_note.py), with the cell's width from the feature.
NOTE = {lang: text.format(km="10") for lang, text in PAGE_NOTE.items()}


def _full_popup(page) -> tuple[str, int]:
    """A click on the map's centre, the record chosen when several lie there; its whole popup's text and notes."""
    box = page.locator("#" + page.evaluate("document.querySelector('.folium-map').id")).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # Every generalised record of a cell lies on its centre: the identify list offers them all.
    page.locator(".atlas-popup-complete, .atlas-identify-choice").first.wait_for(timeout=10_000)
    if page.locator(".atlas-identify-choice").count():
        page.locator(".atlas-identify-choice").first.click()
    popup = page.locator(".atlas-popup-complete")
    popup.wait_for(timeout=10_000)
    return popup.inner_text(), popup.locator(".atlas-generalised[role=note]").count()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_publics_popup_of_a_threatened_species_says_it_is_generalised(chromium, live_url, threatened, lang):  # noqa: F811
    context, page, watched, _tiles = _open_at(chromium, live_url, *threatened["centre"], lang=lang)
    try:
        text, notes = _full_popup(page)
        assert notes == 1 and NOTE[lang] in text, text
        assert NOTE["en" if lang == "vi" else "vi"] not in text
        assert not watched.errors
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_officials_popup_has_no_such_note(chromium, live_url, threatened, official, lang):  # noqa: F811
    context, page, watched, _tiles = _open_at(chromium, live_url, *threatened["exact"], signed_in=official, lang=lang)
    try:
        text, notes = _full_popup(page)
        assert threatened["name"] in text and threatened["locality"] in text
        assert notes == 0 and NOTE["vi"] not in text and NOTE["en"] not in text
        assert not watched.errors
    finally:
        context.close()
