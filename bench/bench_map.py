"""`make bench-map`: how quickly the public map draws its first view, and how many bytes it loads.

It starts the atlas as `make run` does (gunicorn), opens the map in Debian's Chromium with an
empty cache each time, and prints the time from navigation until the first view's tiles are
drawn, and the bytes that came over the wire (page, scripts, styles, tiles), for a desktop and
for a phone profile (390×844, touch, 4× slower CPU, a slow-4G link). It prints; it never fails
on a target. Targets (issue 11): first tiles under 1.0 s on the desktop and under 2.5 s on the
phone, at most 180 KB on first load; the JS/CSS table also shows what gzip would send.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from atlas.settings import DEFAULT_DATABASE_URL  # noqa: E402
from bench import contenders as cont  # noqa: E402
from bench.procs import ServerSet, free_port, raise_on_sigterm  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Lighthouse's "slow 4G": 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
PROFILES = {
    "desktop": {"context": {"viewport": {"width": 1280, "height": 800}}, "cpu": 1, "network": None, "target": 1000},
    "phone": {
        "context": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
        "cpu": 4,
        "network": SLOW_4G,
        "target": 2500,
    },
}
FIRST_LOAD_TARGET_KB = 180


def _assets(page) -> list[tuple[str, int]]:
    """(URL, bytes received) of every script and stylesheet the page loaded."""
    return page.evaluate(
        """performance.getEntriesByType('resource')
            .filter(e => /\\.(js|css)(\\?|$)/.test(e.name))
            .map(e => [e.name, e.encodedBodySize])"""
    )


def _first_load(page) -> list[tuple[str, int]]:
    """(URL, bytes over the wire) of the page and everything it loaded: scripts, styles, tiles, labels."""
    return page.evaluate(
        """[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
            .map(e => [e.name, e.transferSize])"""
    )


def _cold_visit(browser, url: str, profile: dict):
    """A fresh context with the profile's network and CPU, its cache off, on the map until its first tiles are drawn."""
    context = browser.new_context(**profile["context"])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if profile["network"]:
        cdp.send("Network.emulateNetworkConditions", profile["network"])
    if profile["cpu"] > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile["cpu"]})
    page.goto(url)
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=60_000)
    return context, page


def one_visit(browser, url: str, profile: dict) -> tuple[float, int, list[tuple[str, int]]]:
    """Milliseconds from navigation until the first view's tiles are drawn, bytes received, and the assets."""
    context, page = _cold_visit(browser, url, profile)
    drawn_ms = page.evaluate("window.atlasFirstTilesDrawnAt")
    # What the first view needed: the page and every resource asked for before its tiles were drawn
    # (headers included); proj4.js, fetched afterwards, is not part of it.
    received = page.evaluate(
        """performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
            .filter(e => e.startTime < window.atlasFirstTilesDrawnAt)
            .reduce((sum, e) => sum + e.transferSize, 0)"""
    )
    assets = _assets(page)
    loaded = _first_load(page)
    labels = sum(size for name, size in loaded if "/labels.json" in name)
    print(
        f"  first load {sum(size for _, size in loaded) / 1024:.1f} KB over the wire ({len(loaded)} requests;"
        f" labels {labels / 1024:.1f} KB)   target <= 180 KB"
    )
    context.close()
    return drawn_ms, received, assets


def print_timeline(browser, url: str, name: str, profile: dict) -> None:
    """One cold visit's critical path: when the page, each resource and the first drawn tiles began and ended."""
    context, page = _cold_visit(browser, url, profile)
    rows = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const rows = [['page', 0, nav.responseStart, nav.responseEnd, nav.transferSize],
                          ['DOMContentLoaded', nav.domContentLoadedEventEnd, null, null, 0]];
            for (const e of performance.getEntriesByType('resource')) {
                if (e.startTime < window.atlasFirstTilesDrawnAt) {
                    const name = e.name.replace(location.origin, '');
                    rows.push([name, e.startTime, e.responseStart, e.responseEnd, e.transferSize]);
                }
            }
            rows.push(['first tiles drawn', window.atlasFirstTilesDrawnAt, null, null, 0]);
            return rows.sort((a, b) => a[1] - b[1]);
        }"""
    )
    print(f"{name}: one cold visit, ms from navigation (asked, first byte, last byte)")
    for label, start, first, last, size in rows:
        times = f"{start:7.0f}" + (f"{first:7.0f}{last:7.0f}{size / 1024:8.1f} KB" if first is not None else "")
        print(f"  {times}  {label[:90]}")
    context.close()


def gzip_size(path: Path) -> int:
    """Bytes of the file once gzipped (level 6, as a web server would)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def print_assets(assets: list[tuple[str, int]]) -> None:
    """Each asset with its size as sent and as gzip would send it, and the totals."""
    sent_total = gz_total = 0
    print(f"{'asset':<58}{'sent KB':>10}{'gzip KB':>10}")
    for url, sent in sorted(assets):
        local = ROOT / "atlas" / "static" / url.split("/static/", 1)[1].split("?")[0] if "/static/" in url else None
        gz = gzip_size(local) if local and local.exists() else sent
        sent_total += sent
        gz_total += gz
        print(f"{url.split('/static/')[-1]:<58}{sent / 1024:>10.1f}{gz / 1024:>10.1f}")
    print(f"{'total':<58}{sent_total / 1024:>10.1f}{gz_total / 1024:>10.1f}")


def main(argv: list[str]) -> int:
    """Run the visits and print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=7, help="visits per viewport (median is reported)")
    parser.add_argument("--port", type=int, default=5091)
    parser.add_argument("--timeline", action="store_true", help="also print one visit's requests in time order")
    args = parser.parse_args(argv)
    raise_on_sigterm()
    servers = ServerSet()
    database_url = os.environ.get("ATLAS_DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        port = free_port(args.port)
        cont.start_atlas(servers, "atlas-map", port, None, database_url, ROOT / "var")
        url = f"http://127.0.0.1:{port}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            one_visit(browser, url, PROFILES["desktop"])  # the server's own first request warms its pool
            if args.timeline:
                for name, profile in PROFILES.items():
                    print_timeline(browser, url, name, profile)
            for name, profile in PROFILES.items():
                times, sizes = [], []
                for _ in range(args.visits):
                    drawn_ms, received, assets = one_visit(browser, url, profile)
                    times.append(drawn_ms)
                    sizes.append(received)
                size = profile["context"]["viewport"]
                print(
                    f"{name} {size['width']}x{size['height']}:"
                    f" first view drawn in median {statistics.median(times):.0f} ms"
                    f" (min {min(times):.0f}, max {max(times):.0f}; {args.visits} cold-cache visits)"
                    f"   target < {profile['target']} ms"
                )
                print(
                    f"{name}: {statistics.median(sizes) / 1024:.1f} KB received on first load (page, scripts,"
                    f" styles, tiles)   target <= {FIRST_LOAD_TARGET_KB} KB"
                )
            browser.close()
        print_assets(assets)
    finally:
        servers.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
