"""`make bench-map`: how quickly the public map draws its first view, and how many bytes of JS/CSS it loads.

It starts the atlas as `make run` does (gunicorn), opens the map in Debian's Chromium with an
empty cache each time, and prints the time from navigation until every tile of the first view
is drawn, and the JS/CSS bytes as sent and as gzip would send them. It prints; it never fails on
a target. Targets (issue "The public atlas"): first tiles under 1.5 s, JS/CSS under 700 KB compressed.
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
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


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


def one_visit(browser, url: str, viewport: tuple[int, int]) -> tuple[float, list[tuple[str, int]]]:
    """Milliseconds from navigation until the first view's tiles are drawn, and the assets loaded."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => window.atlasFirstTilesDrawnAt !== undefined", timeout=30_000)
    drawn_ms = page.evaluate("window.atlasFirstTilesDrawnAt")
    page.wait_for_load_state("networkidle")
    assets = _assets(page)
    loaded = _first_load(page)
    labels = sum(size for name, size in loaded if "/labels.json" in name)
    print(
        f"  first load {sum(size for _, size in loaded) / 1024:.1f} KB over the wire ({len(loaded)} requests;"
        f" labels {labels / 1024:.1f} KB)   target <= 180 KB"
    )
    context.close()
    return drawn_ms, assets


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
    print(f"{'total':<58}{sent_total / 1024:>10.1f}{gz_total / 1024:>10.1f}   target < 700 KB compressed")


def main(argv: list[str]) -> int:
    """Run the visits and print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=7, help="visits per viewport (median is reported)")
    parser.add_argument("--port", type=int, default=5091)
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
            one_visit(browser, url, VIEWPORTS["desktop"])  # the server's own first request warms its pool
            for name, viewport in VIEWPORTS.items():
                times = []
                for _ in range(args.visits):
                    drawn_ms, assets = one_visit(browser, url, viewport)
                    times.append(drawn_ms)
                print(
                    f"{name} {viewport[0]}x{viewport[1]}: first view drawn in median {statistics.median(times):.0f} ms"
                    f" (min {min(times):.0f}, max {max(times):.0f}; {args.visits} cold-cache visits)   target < 1500 ms"
                )
            browser.close()
        print_assets(assets)
    finally:
        servers.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
