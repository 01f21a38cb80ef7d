"""The public's plain tile request, served without Flask's request machinery.

Measured on the uncached tile path: the tile itself (catalogue lookup, one statement, its state)
cost about 0.09 ms of Python CPU, while Flask's request context, routing, hooks, session and
response objects around it cost about 0.3 ms more. A request with no cookie, no credentials and
nothing in its query but `v=` asks for the public's tile and nothing else, so this lane answers
it with the view's own functions (the same parsing, `get_tile`, `tile_response`, metrics and
common headers). Anything else goes to Flask, and so does any error: an address that does not
parse is Flask's to refuse, and an error met after it (a missing layer, the tile timeout, the
database) is re-raised there by a before-request hook, where the view would have met it, so it
gets the view's response without the tile being drawn twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.http import parse_accept_header, parse_etags

from atlas.auth import request_access
from atlas.request_limits import oversized
from atlas.tile_views import answer_tile, tile_response
from layers.access import PUBLIC
from layers.errors import AtlasError
from tiles.grid import TileAddress, parse_tile_address
from tiles.service import parse_layer_ids

# A subset of what Flask routes to tile_views.tile: anything unusual in the path is Flask's to judge.
_TILE_PATH = re.compile(r"/tiles/([a-z0-9_,]+)/([0-9]+)/([0-9]+)/([0-9]+)\.pbf")
_QUERY = re.compile(r"v=([0-9.]*)")
LANE_ERROR = "atlas.tile_lane_error"


class TileLane:
    """WSGI middleware answering the public's plain tile requests; everything else goes on to `wsgi_app`."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        route = self._plain_route(environ)
        if route is None:
            return self.wsgi_app(environ, start_response)
        try:
            response = self._answer(environ, *route)
        except Exception as exc:  # answered by Flask, as the view's own error
            environ[LANE_ERROR] = exc
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def _plain_route(self, environ: dict[str, Any]) -> tuple[TileAddress, list[str], str | None] | None:
        """The tile, layer ids and `?v=` of a public, plain tile request; None for any other request."""
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ or "HTTP_AUTHORIZATION" in environ:
            return None
        path = _TILE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        query = environ.get("QUERY_STRING", "")
        tag = _QUERY.fullmatch(query) if query else None
        if path is None or (query and tag is None):
            return None
        extensions = self.app.extensions
        # In front of atlas/public_host.py's middleware: the Host is still the one that came.
        if not extensions["atlas.public_address"].answers_for(environ.get("HTTP_HOST")) or oversized(environ):
            return None
        ids, z, x, y = path.groups()
        try:
            # In the view's order, so that Flask refuses the same part first.
            address = parse_tile_address(z, x, y)
            layer_ids = parse_layer_ids(ids)
        except AtlasError:
            return None
        return address, layer_ids, tag.group(1) if tag else None

    def _answer(self, environ: dict[str, Any], address: TileAddress, layer_ids: list[str], asked_tag: str | None):
        """The view's answer with the headers Flask's after-request hooks and session would add."""
        extensions = self.app.extensions
        result, current_tag = answer_tile(
            extensions["atlas.tile_cache"],
            extensions["atlas.tile_pool"].connection,
            layer_ids,
            address,
            asked_tag,
            PUBLIC,
        )
        encodings = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))
        response = tile_response(
            result, current_tag, PUBLIC, asked_tag, encodings, parse_etags(environ.get("HTTP_IF_NONE_MATCH"))
        )
        # Flask's session adds this: the view reads the session to tell the audience, so a cookie can change the answer.
        response.vary.add("Cookie")
        return extensions["atlas.security_headers"].add(response)


def _raise_lane_error() -> None:
    """Re-raise, inside Flask, the error the lane met after the address parsed, so the error handlers answer it."""
    failed = request.environ.pop(LANE_ERROR, None)
    if failed is not None:
        # The view tells the audience before it can meet any such error; that reads the session (Vary: Cookie).
        request_access()
        raise failed


def init_tile_lane(app: Flask) -> None:
    """Put the lane in front of the app's WSGI middleware (the host check's and the proxy's, which it needs not)."""
    app.wsgi_app = TileLane(app, app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(_raise_lane_error)
