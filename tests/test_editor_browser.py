"""The editor /edit/<layer> in Debian's Chromium, driven by Playwright against a live server on the test database.

Every test draws or creates its own reservoirs (a Polygon layer nothing else changes) in a corner of
the province no sample reservoir reaches, so the sample data other tests read stays as it is.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import mapbox_vector_tile
import psycopg2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser import ARTIFACTS, Watched
from tests.conftest import Account
from tests.test_tiles import tile_of

LAYER = "reservoirs"
ZOOM = 15
# Half the side of a test square, in degrees (about 330 m): several z15 tiles wide with its neighbours.
HALF = 0.003

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def empty_spot(database_url) -> Iterator[callable]:
    """A factory of places in the province, far from every reservoir and from each other."""
    conn = psycopg2.connect(database_url)
    taken: list[tuple[float, float]] = []

    def spot() -> tuple[float, float]:
        with conn.cursor() as cur:
            for i in range(400):
                lon, lat = 105.30 + (i % 20) * 0.02, 19.70 + (i // 20) * 0.02
                if any(abs(lon - a) < 0.015 and abs(lat - b) < 0.015 for a, b in taken):
                    continue
                cur.execute(
                    "SELECT EXISTS (SELECT 1 FROM layerdata.communes WHERE ST_Contains(geom, p))"
                    " AND NOT EXISTS (SELECT 1 FROM layerdata.reservoirs WHERE ST_DWithin(geom, p, 0.012))"
                    " FROM (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS p) s",
                    (lon, lat),
                )
                if cur.fetchone()[0]:
                    taken.append((lon, lat))
                    conn.rollback()
                    return lon, lat
        raise AssertionError("no empty place left for a test reservoir")

    yield spot
    conn.close()


def new_context(browser: Browser, touch: bool = False) -> BrowserContext:
    if touch:
        return browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, is_mobile=False)
    return browser.new_context(viewport={"width": 1280, "height": 800})


def log_in(context: BrowserContext, live_url: str, account: Account, path: str) -> Watched:
    """Open `path`, be sent to the sign-in form, sign in, and land in the editor."""
    watched = Watched(context.new_page(), http_errors=True)
    page = watched.page
    page.goto(live_url + path)
    assert urlsplit(page.url).path == "/login"
    page.fill("#username", account.name)
    page.fill("#password", account.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path.startswith("/edit/"))
    page.wait_for_function("() => window.atlasEditor !== undefined")
    # Only the editor's own errors count (the sign-in page asks for a favicon.ico the site does not have).
    watched.errors.clear()
    return watched


def wait_for_tiles(page: Page) -> None:
    """Until every tile of the edited layer in view is fetched and drawn."""
    page.wait_for_timeout(100)
    page.wait_for_function(
        """() => {
            const grid = atlasEditor.tiles.layer, tiles = Object.values(grid._tiles);
            return !grid.isLoading() && tiles.length > 0 && tiles.every(t => t.loaded);
        }""",
        timeout=20_000,
    )
    page.wait_for_timeout(100)


def go_to(page: Page, lon: float, lat: float, zoom: int = ZOOM) -> None:
    page.evaluate("([lat, lon, z]) => atlasEditor.map.setView([lat, lon], z, {animate: false})", [lat, lon, zoom])
    wait_for_tiles(page)


def screen_point(page: Page, lon: float, lat: float) -> dict:
    """Where a place is on the page (for mouse and touch events)."""
    return page.evaluate(
        """([lon, lat]) => {
            const map = atlasEditor.map, p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        [lon, lat],
    )


def square(lon: float, lat: float, half: float = HALF) -> list[tuple[float, float]]:
    return [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half)]


def polygon(corners: list[tuple[float, float]]) -> dict:
    return {"type": "Polygon", "coordinates": [[list(c) for c in [*corners, corners[0]]]]}


def create_reservoir(client, account: Account, corners: list[tuple[float, float]], **properties) -> dict:
    body = {
        "type": "Feature",
        "geometry": polygon(corners),
        "properties": {"name": f"Hồ thử {secrets.token_hex(3)}"} | properties,
    }
    response = client.post(f"/api/layers/{LAYER}/features", json=body, headers=account.bearer)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def db_row(database_url: str, fid: int) -> dict | None:
    """The feature as the database holds it: attributes, version and geometry (GeoJSON, 7 decimals)."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT to_jsonb(t) - 'geom' - 'geom_3857' - 'updated_at', ST_AsGeoJSON(geom, 7)::json,"
                " ST_NPoints(geom) FROM layerdata.reservoirs t WHERE fid = %s",
                (fid,),
            )
            found = cur.fetchone()
    finally:
        conn.close()
    if found is None:
        return None
    values, geometry, points = found
    return values | {"geometry": geometry, "points": points}


def fill_color_pixels(page: Page, lon: float, lat: float) -> int:
    """How many pixels around a place the tile canvases paint in the reservoirs' fill colour (#7bccc4 at 70 %)."""
    point = page.evaluate(
        "([lon, lat]) => { const p = atlasEditor.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lon, lat],
    )
    return page.evaluate(
        """([x, y]) => {
            const box = atlasEditor.map.getContainer().getBoundingClientRect();
            const px = box.left + x, py = box.top + y;
            let count = 0;
            for (const canvas of document.querySelectorAll('.leaflet-tile-container canvas')) {
                const r = canvas.getBoundingClientRect();
                if (px < r.left || px >= r.right || py < r.top || py >= r.bottom) { continue; }
                const sx = canvas.width / r.width, sy = canvas.height / r.height;
                const data = canvas.getContext('2d').getImageData(
                    Math.max(0, (px - r.left - 5) * sx), Math.max(0, (py - r.top - 5) * sy), 10, 10).data;
                for (let i = 0; i < data.length; i += 4) {
                    if (data[i + 3] > 100 && Math.abs(data[i] - 0x7b) < 20 && Math.abs(data[i + 1] - 0xcc) < 20
                        && Math.abs(data[i + 2] - 0xc4) < 20) { count++; }
                }
            }
            return count;
        }""",
        point,
    )


def tile_features(client, lon: float, lat: float, z: int = ZOOM) -> dict[int, dict]:
    """The reservoirs in the vector tile over a place, by feature id, decoded from the app's response."""
    z, x, y = tile_of(lon, lat, z)
    response = client.get(f"/tiles/{LAYER}/{z}/{x}/{y}.pbf")
    if response.status_code == 204:
        return {}
    assert response.status_code == 200
    decoded = mapbox_vector_tile.decode(response.data)
    return {f["id"]: f["properties"] for f in decoded.get(LAYER, {}).get("features", [])}


def draw_polygon(page: Page, corners: list[tuple[float, float]], tap: bool = False) -> None:
    """Draw with Geoman: click (or tap) each corner, then close on the first vertex (or with Finish)."""
    button = page.locator(".editor-draw")
    button.tap() if tap else button.click()
    for lon, lat in corners:
        point = screen_point(page, lon, lat)
        if tap:
            page.touchscreen.tap(point["x"], point["y"])
        else:
            page.mouse.click(point["x"], point["y"])
        page.wait_for_timeout(150)
    if tap:
        page.locator(".editor-finish").tap()
    else:
        first = screen_point(page, *corners[0])
        page.mouse.click(first["x"], first["y"])
    page.wait_for_function("() => document.body.dataset.editorMode === 'editing'", timeout=5_000)


def unexpected(errors: list[str], *statuses: int) -> list[str]:
    """The errors a page logged, less the HTTP statuses the test provoked on purpose."""
    return [e for e in errors if not any(f"{status} " in e or f"status of {status}" in e for status in statuses)]


def status_text(page: Page) -> str:
    return page.locator(".editor-status").inner_text()


def wait_for_status(page: Page, text: str) -> None:
    page.wait_for_function(
        "(text) => document.querySelector('.editor-status').textContent.includes(text)", arg=text, timeout=10_000
    )


def test_draw_fill_and_save_a_new_polygon(chromium, live_url, app, make_account, empty_spot, database_url):
    account = make_account("editor", [LAYER])
    lon, lat = empty_spot()
    context = new_context(chromium)
    watched = log_in(context, live_url, account, f"/edit/{LAYER}")
    page = watched.page
    go_to(page, lon, lat)
    assert fill_color_pixels(page, lon, lat) == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-start.png"))
    corners = square(lon, lat)
    draw_polygon(page, corners)
    # Saving without the required name: the server's message shows at the field, nothing is written.
    page.locator(".editor-save").click()
    problem = page.locator(".editor-field[data-field=name] .editor-problem")
    problem.wait_for(state="visible")
    assert problem.inner_text() == "Trường này là bắt buộc."
    name = f"Hồ vẽ thử {secrets.token_hex(3)}"
    page.fill("#editor-field-name", name)
    page.fill("#editor-field-storage_m3", "1250000")
    page.select_option("#editor-field-purpose", "irrigation")
    page.locator(".editor-save").click()
    wait_for_status(page, "Đã thêm đối tượng")
    fid = page.evaluate("atlasEditor.feature.id")
    page.screenshot(path=str(ARTIFACTS / "editor-saved.png"))

    row = db_row(database_url, fid)
    assert row["name"] == name and row["storage_m3"] == 1250000 and row["purpose"] == "irrigation"
    assert row["version"] == 1 and row["updated_by"] == account.name
    ring = row["geometry"]["coordinates"][0]
    assert len(ring) == 5
    for (x, y), (cx, cy) in zip(ring[:4], corners, strict=True):
        assert abs(x - cx) < 2e-5 and abs(y - cy) < 2e-5, "each vertex lies where it was clicked (within a pixel)"
    drawn = page.evaluate("atlasEditor.draw.geometry()")
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5

    with app.test_client() as client:
        assert tile_features(client, lon, lat)[fid]["name"] == name
        history = client.get(f"/api/layers/{LAYER}/features/{fid}/history", headers=account.bearer).get_json()
    assert [(v["version"], v["operation"], v["user"]) for v in history["versions"]] == [(1, "create", account.name)]
    panel = page.locator(".editor-history")
    assert panel.locator("tr[data-version='1']").inner_text().count(account.name) == 1

    page.locator(".editor-cancel").click()
    wait_for_tiles(page)
    assert fill_color_pixels(page, lon, lat) > 50, "the redrawn tiles show the new reservoir"
    hosts = {urlsplit(u).netloc for u in watched.requests if not u.startswith("data:")}
    assert hosts == {urlsplit(live_url).netloc}
    assert any(f"/tiles/{LAYER}/" in u and "?v=" not in u for u in watched.requests)
    assert unexpected(watched.errors, 422) == []
    context.close()


def circle(lon: float, lat: float, radius: float = 0.012, vertices: int = 40) -> list[tuple[float, float]]:
    """A many-sided polygon several z15 tiles across, so any single tile holds only part of it."""
    return [
        (
            round(lon + radius * math.cos(2 * math.pi * i / vertices), 7),
            round(lat + radius * math.sin(2 * math.pi * i / vertices), 7),
        )
        for i in range(vertices)
    ]


def open_feature(context: BrowserContext, live_url: str, account: Account, fid: int) -> Watched:
    watched = log_in(context, live_url, account, f"/edit/{LAYER}?feature={fid}")
    watched.page.wait_for_function("(fid) => atlasEditor.feature && atlasEditor.feature.id === fid", arg=fid)
    wait_for_tiles(watched.page)
    return watched


def save(page: Page, expect: str) -> None:
    page.locator(".editor-save").click()
    wait_for_status(page, expect)


def conflict_rows(page: Page) -> dict[str, tuple[str, str]]:
    rows = page.locator(".editor-conflict tbody tr")
    return {
        rows.nth(i).get_attribute("data-field"): (
            rows.nth(i).locator("td.theirs").inner_text(),
            rows.nth(i).locator("td.yours").inner_text(),
        )
        for i in range(rows.count())
    }


def test_two_editors_conflict_then_reload_and_reapply(chromium, live_url, app, make_account, empty_spot, database_url):
    first, second = make_account("editor", [LAYER]), make_account("editor", [LAYER])
    lon, lat = empty_spot()
    with app.test_client() as client:
        fid = create_reservoir(client, first, circle(lon, lat), river="Sông Mã")["id"]
    context_a, context_b = new_context(chromium), new_context(chromium)
    a = open_feature(context_a, live_url, first, fid).page
    watched_b = log_in(context_b, live_url, second, f"/edit/{LAYER}")
    b = watched_b.page
    go_to(b, lon, lat, 14)
    point = screen_point(b, lon, lat)
    b.mouse.click(point["x"], point["y"])  # a click on the drawn tile picks the feature
    b.wait_for_function("(fid) => atlasEditor.feature && atlasEditor.feature.id === fid", arg=fid)
    stored = db_row(database_url, fid)
    assert b.evaluate("atlasEditor.feature.geometry") == stored["geometry"], "the full geometry, not the tile's"
    assert len(b.evaluate("atlasEditor.draw.geometry()")["coordinates"][0]) == stored["points"] == 41

    a.fill("#editor-field-river", "Sông Mã (A)")
    save(a, "Đã lưu phiên bản 2.")
    b.fill("#editor-field-river", "Sông Chu (B)")
    b.locator(".editor-save").click()
    dialog = b.locator("dialog.editor-conflict")
    dialog.wait_for(state="visible")
    assert first.name in dialog.locator(".editor-conflict-text").inner_text()
    assert "phiên bản 2" in dialog.locator(".editor-conflict-text").inner_text()
    assert first.name in dialog.locator("thead").inner_text()
    assert conflict_rows(b) == {"river": ("Sông Mã (A)", "Sông Chu (B)")}
    b.screenshot(path=str(ARTIFACTS / "editor-conflict.png"))

    b.locator(".editor-conflict-reload").click()
    b.wait_for_function("() => atlasEditor.feature.version === 2")
    assert not dialog.is_visible()
    assert b.input_value("#editor-field-river") == "Sông Mã (A)"
    assert "phiên bản 2" in b.locator(".editor-feature-title").inner_text()
    assert db_row(database_url, fid)["river"] == "Sông Mã (A)"

    a.fill("#editor-field-operator", "Ban quản lý A")
    save(a, "Đã lưu phiên bản 3.")
    b.fill("#editor-field-storage_m3", "999000")
    b.locator(".editor-save").click()
    dialog.wait_for(state="visible")
    assert conflict_rows(b) == {"operator": ("Ban quản lý A", "(trống)"), "storage_m3": ("(trống)", "999000 m³")}
    b.locator(".editor-conflict-reapply").click()
    wait_for_status(b, "Đã lưu phiên bản 4.")
    row = db_row(database_url, fid)
    assert (row["river"], row["operator"], row["storage_m3"]) == ("Sông Mã (A)", "Ban quản lý A", 999000)
    assert row["version"] == 4 and row["updated_by"] == second.name
    assert row["geometry"] == stored["geometry"], "re-applying attributes leaves the geometry alone"
    assert b.input_value("#editor-field-operator") == "Ban quản lý A"
    assert unexpected(watched_b.errors, 412) == []
    context_a.close()
    context_b.close()


def vertex_marker_point(page: Page, lon: float, lat: float) -> dict:
    return screen_point(page, lon, lat)


def test_moving_a_vertex_then_reverting_in_the_history_panel(
    chromium, live_url, app, make_account, empty_spot, database_url
):
    account = make_account("editor", [LAYER])
    lon, lat = empty_spot()
    corners = square(lon, lat)
    with app.test_client() as client:
        fid = create_reservoir(client, account, corners)["id"]
    original = db_row(database_url, fid)["geometry"]
    context = new_context(chromium)
    watched = open_feature(context, live_url, account, fid)
    page = watched.page
    go_to(page, lon, lat)
    start = screen_point(page, *corners[2])
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] - 15, steps=5)
    page.mouse.move(start["x"] + 40, start["y"] - 30, steps=5)
    page.mouse.up()
    save(page, "Đã lưu phiên bản 2.")
    moved = db_row(database_url, fid)["geometry"]
    assert moved != original
    corner = moved["coordinates"][0][2]
    assert corner[0] > corners[2][0] + 1e-4 and corner[1] > corners[2][1] + 1e-4, "the corner moved north-east"

    history = page.locator(".editor-history")
    history.locator("tr[data-version='2']").wait_for()
    assert "hiện tại" in history.locator("tr[data-version='2']").inner_text()
    assert history.locator("tr[data-version='2'] .editor-revert").count() == 0
    history.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "editor-history.png"))
    history.locator("tr[data-version='1'] .editor-revert").click()
    wait_for_status(page, "Đã khôi phục phiên bản 1")
    row = db_row(database_url, fid)
    assert row["geometry"] == original and row["version"] == 3
    assert page.evaluate("atlasEditor.draw.geometry()")["coordinates"] == original["coordinates"]
    history.locator("tr[data-version='3']").wait_for()
    assert "Khôi phục" in history.locator("tr[data-version='3']").inner_text()
    assert watched.errors == []
    context.close()


def test_delete_asks_in_a_dialog_and_can_be_undone(chromium, live_url, app, make_account, empty_spot, database_url):
    account = make_account("editor", [LAYER])
    lon, lat = empty_spot()
    with app.test_client() as client:
        fid = create_reservoir(client, account, square(lon, lat))["id"]
    context = new_context(chromium)
    watched = open_feature(context, live_url, account, fid)
    page = watched.page
    go_to(page, lon, lat)
    dialog = page.locator("dialog.editor-confirm-delete")
    page.locator(".editor-delete").click()
    dialog.wait_for(state="visible")
    assert f"Đối tượng {fid} sẽ bị xóa" in dialog.inner_text()
    page.screenshot(path=str(ARTIFACTS / "editor-delete-dialog.png"))
    dialog.locator(".editor-confirm-cancel").click()
    assert not dialog.is_visible()
    assert db_row(database_url, fid) is not None

    page.locator(".editor-delete").click()
    dialog.locator(".editor-confirm-ok").click()
    wait_for_status(page, f"Đã xóa đối tượng {fid}.")
    assert db_row(database_url, fid) is None
    assert page.locator(".editor-form").is_hidden()
    wait_for_tiles(page)
    assert fill_color_pixels(page, lon, lat) == 0, "the redrawn tiles no longer show it"
    history = page.locator(".editor-history")
    history.locator("tr[data-version='2']").wait_for()
    assert "Xóa" in history.locator("tr[data-version='2']").inner_text()
    history.locator("tr[data-version='1'] .editor-revert").click()
    wait_for_status(page, "Đã khôi phục phiên bản 1")
    assert db_row(database_url, fid)["version"] == 3
    assert watched.errors == []
    context.close()


def test_english_editor_labels_and_problems(chromium, live_url, make_account, empty_spot):
    account = make_account("editor", [LAYER])
    lon, lat = empty_spot()
    context = new_context(chromium)
    watched = log_in(context, live_url, account, f"/edit/{LAYER}?lang=en")
    page = watched.page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".editor-draw").inner_text() == "Draw a new polygon"
    go_to(page, lon, lat)
    h = HALF
    bowtie = [(lon - h, lat - h), (lon + h, lat + h), (lon + h, lat - h), (lon - h, lat + h)]
    draw_polygon(page, bowtie)
    assert page.locator("label[for=editor-field-storage_m3]").inner_text() == "Total storage (m³)"
    assert (
        page.locator(".editor-save").inner_text() == "Save" and page.locator(".editor-cancel").inner_text() == "Cancel"
    )
    options = page.locator("#editor-field-purpose option").all_inner_texts()
    assert options[:3] == ["— Choose —", "Irrigation", "Hydropower"]
    page.locator(".editor-save").click()
    name_problem = page.locator(".editor-field[data-field=name] .editor-problem")
    name_problem.wait_for(state="visible")
    assert name_problem.inner_text() == "This field is required."
    map_problem = page.locator(".editor-map-problem")
    assert map_problem.is_visible() and map_problem.inner_text().startswith("The geometry is not valid")
    assert page.locator(".editor-status").inner_text() == "Not saved yet: please correct the marked items."
    page.screenshot(path=str(ARTIFACTS / "editor-english-problems.png"))
    page.locator(".editor-cancel").click()
    assert page.locator(".editor-map-problem").is_hidden()
    assert unexpected(watched.errors, 422) == []
    context.close()


def test_tablet_touch_draw_remove_a_vertex_and_save(chromium, live_url, make_account, empty_spot, database_url):
    account = make_account("editor", [LAYER])
    lon, lat = empty_spot()
    context = new_context(chromium, touch=True)
    watched = log_in(context, live_url, account, f"/edit/{LAYER}")
    page = watched.page
    go_to(page, lon, lat)
    h = HALF
    pentagon = [(lon - h, lat - h), (lon + h, lat - h), (lon + h, lat + h), (lon, lat + 1.6 * h), (lon - h, lat + h)]
    draw_polygon(page, pentagon, tap=True)
    assert len(page.evaluate("atlasEditor.draw.geometry()")["coordinates"][0]) == 6
    page.locator(".editor-remove-vertices").tap()
    assert page.locator(".editor-remove-vertices").get_attribute("aria-pressed") == "true"
    tip = screen_point(page, *pentagon[3])
    page.touchscreen.tap(tip["x"], tip["y"])
    page.wait_for_function("() => atlasEditor.draw.geometry().coordinates[0].length === 5")
    name = f"Hồ cảm ứng {secrets.token_hex(3)}"
    page.locator("#editor-field-name").tap()
    page.keyboard.type(name)
    page.screenshot(path=str(ARTIFACTS / "editor-tablet.png"))
    for control in page.locator(
        ".editor-panel button:visible, .editor-panel input:visible, .editor-panel select:visible,"
        " .leaflet-control-zoom a"
    ).all():
        box = control.bounding_box()
        if control.get_attribute("type") == "checkbox":
            box = control.locator("xpath=..").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (control.evaluate("e => e.outerHTML.slice(0, 80)"), box)
    page.locator(".editor-save").tap()
    wait_for_status(page, "Đã thêm đối tượng")
    row = db_row(database_url, page.evaluate("atlasEditor.feature.id"))
    assert row["name"] == name and len(row["geometry"]["coordinates"][0]) == 5
    assert max(y for _, y in row["geometry"]["coordinates"][0]) < lat + 1.2 * h, "the tapped vertex is gone"
    assert watched.errors == []
    context.close()


def test_a_new_vertex_snaps_to_a_neighbours_corner(chromium, live_url, app, make_account, empty_spot, database_url):
    account = make_account("editor", [LAYER])
    lon, lat = empty_spot()
    neighbour = square(lon, lat)
    with app.test_client() as client:
        create_reservoir(client, account, neighbour)
    context = new_context(chromium)
    page = log_in(context, live_url, account, f"/edit/{LAYER}").page
    go_to(page, lon, lat)
    page.locator(".editor-draw").click()
    page.wait_for_function("() => atlasEditor.draw.guides.getLayers().length > 0")
    corner = neighbour[2]  # its north-east corner; the new polygon lies to the east of it
    w = 2 * HALF
    corners = [corner, (corner[0] + w, corner[1]), (corner[0] + w, corner[1] + w), (corner[0], corner[1] + w)]
    points = [screen_point(page, *c) for c in corners]
    page.mouse.click(points[0]["x"] + 6, points[0]["y"] - 5)  # near the corner, not on it
    for point in points[1:]:
        page.mouse.click(point["x"], point["y"])
        page.wait_for_timeout(150)
    page.locator(".editor-finish").click()
    page.wait_for_function("() => document.body.dataset.editorMode === 'editing'")
    page.fill("#editor-field-name", f"Hồ bắt dính {secrets.token_hex(3)}")
    save(page, "Đã thêm đối tượng")
    ring = db_row(database_url, page.evaluate("atlasEditor.feature.id"))["geometry"]["coordinates"][0]
    assert ring[0] == list(corner), "the first vertex took the neighbour's corner exactly"
    context.close()


def test_placing_a_point_with_a_date(chromium, live_url, make_account, empty_spot, database_url):
    account = make_account("editor", ["groundwater_wells"])
    lon, lat = empty_spot()
    context = new_context(chromium)
    watched = log_in(context, live_url, account, "/edit/groundwater_wells")
    page = watched.page
    assert page.locator(".editor-draw").inner_text() == "Đặt điểm mới"
    assert page.locator(".editor-remove-vertices").count() == 0
    go_to(page, lon, lat)
    page.locator(".editor-draw").click()
    point = screen_point(page, lon, lat)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("() => document.body.dataset.editorMode === 'editing'")
    code = f"GW-{secrets.token_hex(3)}"
    page.fill("#editor-field-well_code", code)
    assert page.locator("#editor-field-drilled_on").get_attribute("type") == "date"
    depth = page.locator("#editor-field-depth_m")
    assert (depth.get_attribute("min"), depth.get_attribute("max")) == ("0", "1000")
    page.fill("#editor-field-drilled_on", "2019-05-17")
    page.fill("#editor-field-depth_m", "85.5")
    save(page, "Đã thêm đối tượng")
    fid = page.evaluate("atlasEditor.feature.id")
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT well_code, drilled_on::text, depth_m, ST_X(geom), ST_Y(geom)"
                " FROM layerdata.groundwater_wells WHERE fid = %s",
                (fid,),
            )
            well_code, drilled_on, depth_m, x, y = cur.fetchone()
    finally:
        conn.close()
    assert (well_code, drilled_on, depth_m) == (code, "2019-05-17", 85.5)
    assert abs(x - lon) < 2e-5 and abs(y - lat) < 2e-5
    assert watched.errors == []
    context.close()


def test_an_invalid_polygon_is_repaired_when_the_editor_asks(
    chromium, live_url, make_account, empty_spot, database_url
):
    layer = "protected_areas"  # a MultiPolygon layer: a bowtie mends into its two triangles
    account = make_account("editor", [layer])
    lon, lat = empty_spot()
    context = new_context(chromium)
    watched = log_in(context, live_url, account, f"/edit/{layer}")
    page = watched.page
    go_to(page, lon, lat)
    h = HALF
    draw_polygon(page, [(lon - h, lat - h), (lon + h, lat + h), (lon + h, lat - h), (lon - h, lat + h)])
    name = f"Khu tự sửa {secrets.token_hex(3)}"
    page.fill("#editor-field-name", name)
    page.select_option("#editor-field-category", "landscape")
    page.locator(".editor-save").click()
    repair = page.locator(".editor-repair")
    repair.wait_for(state="visible")
    assert page.locator(".editor-map-problem").inner_text().startswith("Hình học không hợp lệ")
    assert repair.bounding_box()["height"] >= 44
    repair.click()
    wait_for_status(page, "Đã thêm đối tượng")
    assert repair.is_hidden() and page.locator(".editor-map-problem").is_hidden()
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT GeometryType(geom), ST_NumGeometries(geom), ST_IsValid(geom) FROM layerdata.protected_areas"
                " WHERE name = %s",
                (name,),
            )
            assert cur.fetchone() == ("MULTIPOLYGON", 2, True)
    finally:
        conn.close()
    assert unexpected(watched.errors, 422) == []
    context.close()
