"""What the browser tests share: Debian's Chromium through Playwright, and a live server on the test app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Headless flags for a closed network: no background fetches, updates or sign-in traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietHandler(WSGIRequestHandler):
    """Serves like werkzeug's handler without logging every tile request."""

    def log_request(self, *args, **kwargs) -> None:
        return


@pytest.fixture(scope="session")
def live_url(app, public_url) -> Iterator[str]:
    """The test app served over HTTP at its public address, in threads, for the whole test run.

    The address is the app's ATLAS_PUBLIC_URL, so the absolute links it makes (an export's download) lead here.
    """
    port = urlsplit(public_url).port
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield public_url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for one test module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page with its console errors (and, when asked, HTTP answers of 400 and more) and every request it made."""

    def __init__(self, page: Page, http_errors: bool = False) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        if http_errors:
            page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
