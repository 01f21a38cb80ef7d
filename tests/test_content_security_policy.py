"""Content-Security-Policy: only the atlas's own scripts run, and every page still works in Chromium."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser import Watched
from tests.conftest import Account

HTML_PAGES = ["/", "/layers", "/layers/rivers", "/login", "/export", "/nope", "/layers/nope"]
# Reports every CSP violation of the page into window.cspViolations, from before its first script runs.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || ''));
});
"""


def script_directive(policy: str) -> str:
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("script-src"))


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_page_allows_only_our_scripts_and_its_own_nonce(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    scripts = script_directive(policy)
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy, "styles are held as strictly as scripts"
    html = response.get_data(as_text=True)
    nonces = set(re.findall(r"'nonce-([^']+)'", scripts))
    # Every inline script the page holds carries the response's nonce; data blocks (JSON) never run.
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "src=" in tag or 'type="application/json"' in tag:
            continue
        assert re.search(r'nonce="([^"]+)"', tag) and re.search(r'nonce="([^"]+)"', tag).group(1) in nonces, tag


def test_each_response_has_its_own_nonce(client):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert "'nonce-" in first and first != second


@pytest.mark.parametrize("path", ["/api/layers", "/tiles/rivers.json", "/layers/rivers/metadata.xml", "/healthz"])
def test_other_responses_allow_no_inline_block(client, path):
    policy = client.get(path).headers["Content-Security-Policy"]
    assert "'nonce-" not in policy and "'unsafe-inline'" not in script_directive(policy)


def visit(page: Page, url: str) -> list[str]:
    """Open `url` and wait until the page is idle; returns its CSP violations."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.cspViolations")


@pytest.mark.browser
def test_every_page_works_in_chromium_without_a_csp_violation(chromium, live_url, make_account, db):
    account: Account = make_account("editor", ["groundwater_wells"])
    with db.cursor() as cur:
        cur.execute("SELECT min(fid) FROM layerdata.water_quality_stations")
        station = cur.fetchone()[0]
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    watched = Watched(page)
    seen: dict[str, list[str]] = {}

    def check(path: str, works: str, *, expected_status_errors: bool = False) -> None:
        seen[path] = visit(page, live_url + path)
        page.wait_for_function("() => " + works, timeout=20_000)
        errors = [e for e in watched.errors if not (expected_status_errors and e.startswith("Failed to load resource"))]
        assert errors == [], f"{path}: {errors}"
        watched.errors.clear()

    drawn = "window.atlasFirstTilesDrawnAt !== undefined"
    check("/", drawn + " && document.querySelector('.leaflet-control') !== null")
    check("/?lang=en", drawn)
    check("/layers", "document.getElementById('layer-filter') !== null")
    page.fill("#layer-filter", "pu luong")
    page.wait_for_function("() => [...document.querySelectorAll('.layer-card, article')].some(e => e.hidden)")
    check("/layers/rivers", "document.querySelector('main h1') !== null")
    check(f"/layers/water_quality_stations/features/{station}", "document.querySelector('.chart svg') !== null")
    check("/export", "document.querySelector('#export-form .leaflet-container') !== null")
    check("/nope", "document.querySelector('.error h1') !== null", expected_status_errors=True)
    check("/login?lang=en", "document.querySelector('#username') !== null")
    page.fill("#username", account.name)
    page.fill("#password", account.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    check(
        "/edit/groundwater_wells",
        "window.atlasEditor !== undefined && document.querySelector('.leaflet-container') !== null",
    )
    check("/layers/groundwater_wells", "document.querySelector('main h1') !== null")
    context.close()
    assert {path: found for path, found in seen.items() if found} == {}
