"""The OGC API's pages in Chromium: the collections page leads to a layer's features, and the service-doc page
draws the OpenAPI document with the Swagger UI the atlas serves, without console errors or other hosts."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser import Watched

pytestmark = pytest.mark.browser


def test_collections_page_leads_to_the_features_in_english(chromium, live_url):
    page = chromium.new_page(viewport={"width": 1024, "height": 768})
    watched = Watched(page, http_errors=True)
    page.goto(live_url + "/ogc/collections?lang=en", wait_until="networkidle")  # a browser's Accept asks for HTML
    assert page.locator("h1").inner_text() == "Layers"
    page.get_by_role("link", name="Rivers and streams").click()
    page.get_by_role("link", name="Rivers and streams", exact=False).first.wait_for()
    page.locator("a[href*='/items?f=html']").first.click()
    page.wait_for_selector("table tbody tr")
    assert page.locator("table tbody tr").count() > 0 and "Showing" in page.locator(".ogc-count").inner_text()
    assert watched.errors == []
    page.close()


def test_service_doc_draws_the_openapi_document_from_local_assets(chromium, live_url):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    watched = Watched(page, http_errors=True)
    page.goto(live_url + "/ogc/api.html", wait_until="networkidle")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 40  # every layer's operations
    assert watched.errors == []
    hosts = {urlsplit(url).netloc for url in watched.requests if url.startswith("http")}
    assert hosts == {urlsplit(live_url).netloc}
    page.close()
