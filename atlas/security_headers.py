"""Headers every response carries so browsers do not sniff types, frame the atlas, leak full URLs,
or run any script but the atlas's own.

Content-Security-Policy: scripts and stylesheets come from the atlas's own origin, or are inline
blocks the atlas wrote itself (folium writes its map as inline script and style) carrying this
response's nonce; never 'unsafe-inline' for scripts, so injected markup cannot run.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g
from markupsafe import Markup

OSM_TILES = "https://tile.openstreetmap.org"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # No other site may put the atlas in a frame (clickjacking of the editor's buttons).
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def content_security_policy(nonce: str | None, online_basemap: bool = False) -> str:
    """The policy of a response; inline blocks run only with `nonce` (none: no inline block at all)."""
    inline = f" 'nonce-{nonce}'" if nonce else ""
    images = "'self' data:" + (f" {OSM_TILES}" if online_basemap else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self'{inline}",
            # Styles as strictly as scripts: stylesheets of our origin and <style> blocks with the nonce
            # (folium writes some). Style attributes in markup are refused (a nonce cannot cover them):
            # Leaflet, VectorGrid and Leaflet-Geoman move panes, tiles and handles through the CSSOM
            # (element.style), which CSP leaves alone, and no page or library of ours writes style="".
            # tests/test_content_security_policy.py visits every page in Chromium to keep it so.
            f"style-src 'self'{inline}",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def csp_nonce() -> str:
    """This response's nonce for the inline scripts and styles the atlas writes itself."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def with_nonce(html: str) -> Markup:
    """Markup the atlas generated (folium's header) with this response's nonce on its inline blocks."""
    nonce = csp_nonce()
    return Markup(html.replace("<script>", f'<script nonce="{nonce}">').replace("<style>", f'<style nonce="{nonce}">'))


class SecurityHeaders:
    """Adds the headers to a response; a header the response has already is kept."""

    def __init__(self, online_basemap: bool) -> None:
        self._online = online_basemap
        # Built once: most responses (tiles, JSON) run no inline block, so their policy never changes.
        self._plain = content_security_policy(None, online_basemap)
        self._wanted = [(name.lower(), name, value) for name, value in HEADERS.items()]

    def add(self, response: Response, nonce: str | None = None) -> Response:
        """The response with the headers, its policy letting inline blocks run only with `nonce`."""
        # One pass over the response's headers instead of a failed lookup (a KeyError) per header.
        present = {name.lower() for name, _ in response.headers}
        for key, name, value in self._wanted:
            if key not in present:
                response.headers.add(name, value)
        if "content-security-policy" not in present:
            policy = content_security_policy(nonce, self._online) if nonce else self._plain
            response.headers.add("Content-Security-Policy", policy)
        return response


def init_security_headers(app: Flask) -> None:
    """Add the headers to every response, errors included (a header a view set itself is kept)."""
    headers = SecurityHeaders(app.extensions["atlas.settings"].online_basemap)
    app.extensions["atlas.security_headers"] = headers

    def add_headers(response: Response) -> Response:
        return headers.add(response, g.get("csp_nonce"))

    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
