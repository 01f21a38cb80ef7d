"""Vector tile and TileJSON endpoints under /tiles."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from flask import Blueprint, Response, current_app, jsonify, request
from psycopg2.extensions import connection as Connection
from werkzeug.datastructures import Accept, ETags

from atlas.auth import request_access
from atlas.i18n import LANGUAGES
from atlas.metrics import record_tile
from atlas.requestdb import request_connection, tile_connection
from layers.access import PUBLIC, Access, generalises, get_visible_layers
from layers.errors import InvalidInput, NotFound
from layers.stats import layer_stats
from tiles.context import context_document, parse_zoom
from tiles.grid import TileAddress, parse_tile_address
from tiles.labels import labels_document
from tiles.service import TileCache, TileResult, get_tile, parse_layer_ids, pinned_tile
from tiles.style_json import style_document, style_url
from tiles.tilejson import revision_tag, tile_url, tilejson

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MVT_TYPE = "application/vnd.mapbox-vector-tile"
# A URL whose ?v= names the current revisions never changes content, so CDNs may keep it a year.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
# An official's tiles may hold exact positions the public must not see: no shared cache keeps them.
OFFICIAL_IMMUTABLE = "private, max-age=31536000, immutable"
OFFICIAL_REVALIDATE = "private, max-age=0, must-revalidate"
GZIP_ETAG_SUFFIX = "-gzip"
CONTEXT_ID = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")


@bp.get("/<ids>/<z>/<x>/<y>.pbf")
def tile(ids: str, z: str, x: str, y: str):
    """One vector tile; 204 when no feature falls in it."""
    address = parse_tile_address(z, x, y)
    layer_ids = parse_layer_ids(ids)
    access = request_access()
    asked_tag = request.args.get("v")
    cache = current_app.extensions["atlas.tile_cache"]
    result, current_tag = answer_tile(
        cache, lambda: nullcontext(tile_connection()), layer_ids, address, asked_tag, access
    )
    return tile_response(result, current_tag, access, asked_tag, request.accept_encodings, request.if_none_match)


def answer_tile(
    cache: TileCache,
    connection: Callable[[], AbstractContextManager[Connection]],
    layer_ids: list[str],
    address: TileAddress,
    asked_tag: str | None,
    access: Access,
) -> tuple[TileResult, str]:
    """The tile (kept for a current `?v=` without a query, else looked up or drawn on a `connection()`), counted in
    the metrics, and the revisions its URL must name to be cacheable for good."""
    pinned = pinned_tile(cache, layer_ids, asked_tag, address, access)
    if pinned is not None:
        record_tile(pinned)
        return pinned, asked_tag or ""
    with connection() as conn:
        result = get_tile(conn, cache, layer_ids, address, asked_tag, access)
    record_tile(result)
    return result, result.revision_tag


@bp.get("/<ids>.json")
def tilejson_document(ids: str):
    """TileJSON 3.0.0 of one layer or several joined by commas."""
    conn = request_connection()
    access = request_access()
    layers = get_visible_layers(conn, parse_layer_ids(ids), access)
    stats = [layer_stats(conn, layer, access) for layer in layers]
    base = request.host_url.rstrip("/")
    url = tile_url(base, layers, access)
    document = tilejson(layers, stats, url, request.args.get("lang", "vi"), style_url(base, layers))
    response = jsonify(document)
    response.headers["Cache-Control"] = _cache_control(False, access)
    return response


@bp.get("/<ids>/labels.json")
def labels(ids: str):
    """The label points of the labelled layers among `ids` (`lang=vi|en`), for the map's names."""
    conn = request_connection()
    access = request_access()
    layers = get_visible_layers(conn, parse_layer_ids(ids), access)
    # Label points are exact positions: none for a layer whose features this audience sees generalised.
    labelled = [layer for layer in layers if not generalises(layer, access)]
    return _revisioned_json(labels_document(conn, labelled, _language()), revision_tag(layers), access)


@bp.get("/context/<area_id>.json")
def context_area(area_id: str):
    """A context area of the map (the sea) as GeoJSON simplified for `z`, named in `lang`."""
    if not CONTEXT_ID.match(area_id):
        raise NotFound("No such context area.")
    zoom = parse_zoom(request.args.get("z"))
    document = context_document(request_connection(), area_id, zoom, _language())
    # Everyone sees the same sea, so even an official's copy may sit in a shared cache.
    return _revisioned_json(document, document["revision"], PUBLIC)


@bp.get("/<ids>/style.json")
def style(ids: str):
    """A MapLibre GL style (version 8) of the layers, from their catalogue styles, on their TileJSON."""
    conn = request_connection()
    access = request_access()
    layers = get_visible_layers(conn, parse_layer_ids(ids), access)
    base = request.host_url.rstrip("/")
    return _revisioned_json(style_document(layers, base, _language()), revision_tag(layers), access)


def _language() -> str:
    """`lang` of a label or style request: vi (the default) or en."""
    lang = request.args.get("lang", "vi")
    if lang not in LANGUAGES:
        raise InvalidInput("lang must be vi or en.")
    return lang


def _revisioned_json(document: dict, current_tag: str, access: Access) -> Response:
    """JSON that a CDN may keep for good under a `?v=` naming the current revisions (the public's only)."""
    response = jsonify(document)
    response.headers["Cache-Control"] = _cache_control(request.args.get("v") == current_tag, access)
    return response


def _cache_control(versioned: bool, access: Access) -> str:
    if access.official:
        return OFFICIAL_IMMUTABLE if versioned else OFFICIAL_REVALIDATE
    return IMMUTABLE if versioned else REVALIDATE


def tile_response(
    result: TileResult, current_tag: str, access: Access, asked_tag: str | None, encodings: Accept, if_none_match: ETags
) -> Response:
    """The tile's response (before the app's common headers): 204 when empty, 304 when the ETag matches, gzip when
    accepted; `asked_tag` is the URL's `?v=`, `current_tag` the revisions it must name to be cacheable for good."""
    tile = result.tile
    response = Response(status=204) if not tile.body else Response(mimetype=MVT_TYPE)
    # q-values count: "gzip;q=0" or "*;q=0" refuse gzip. Each encoding has its own strong ETag.
    gzipped = bool(tile.body) and encodings["gzip"] > 0
    etag = tile.etag + GZIP_ETAG_SUFFIX if gzipped else tile.etag
    response.set_etag(etag)
    response.headers["Cache-Control"] = _cache_control(asked_tag == current_tag, access)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["X-Tile-Cache"] = "hit" if result.cache_hit else "miss"
    if if_none_match.contains(etag):
        response.status_code = 304
        return response
    if gzipped:
        response.set_data(tile.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    elif tile.body:
        response.set_data(tile.body)
    return response
