"""Vector tile and TileJSON endpoints under /tiles."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from atlas.auth import request_access
from atlas.metrics import record_tile
from atlas.requestdb import request_connection, tile_connection
from layers.access import Access, get_visible_layers
from layers.stats import layer_stats
from tiles.grid import parse_tile_address
from tiles.service import TileResult, get_tile, parse_layer_ids, pinned_tile
from tiles.tilejson import tile_url, tilejson

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MVT_TYPE = "application/vnd.mapbox-vector-tile"
# A URL whose ?v= names the current revisions never changes content, so CDNs may keep it a year.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
# An official's tiles may hold exact positions the public must not see: no shared cache keeps them.
OFFICIAL_IMMUTABLE = "private, max-age=31536000, immutable"
OFFICIAL_REVALIDATE = "private, max-age=0, must-revalidate"
GZIP_ETAG_SUFFIX = "-gzip"


@bp.get("/<ids>/<z>/<x>/<y>.pbf")
def tile(ids: str, z: str, x: str, y: str):
    """One vector tile; 204 when no feature falls in it."""
    address = parse_tile_address(z, x, y)
    layer_ids = parse_layer_ids(ids)
    access = request_access()
    cache = current_app.extensions["atlas.tile_cache"]
    pinned = pinned_tile(cache, layer_ids, request.args.get("v"), address, access)
    if pinned is not None:
        record_tile(pinned)
        return _tile_response(pinned, request.args["v"], access)
    result = get_tile(tile_connection(), cache, layer_ids, address, request.args.get("v"), access)
    record_tile(result)
    return _tile_response(result, result.revision_tag, access)


@bp.get("/<ids>.json")
def tilejson_document(ids: str):
    """TileJSON 3.0.0 of one layer or several joined by commas."""
    conn = request_connection()
    access = request_access()
    layers = get_visible_layers(conn, parse_layer_ids(ids), access)
    stats = [layer_stats(conn, layer) for layer in layers]
    url = tile_url(request.host_url.rstrip("/"), layers, access)
    response = jsonify(tilejson(layers, stats, url, request.args.get("lang", "vi")))
    response.headers["Cache-Control"] = OFFICIAL_REVALIDATE if access.official else REVALIDATE
    return response


def _tile_response(result: TileResult, current_tag: str, access: Access) -> Response:
    tile = result.tile
    response = Response(status=204) if not tile.body else Response(mimetype=MVT_TYPE)
    # q-values count: "gzip;q=0" or "*;q=0" refuse gzip. Each encoding has its own strong ETag.
    gzipped = bool(tile.body) and request.accept_encodings["gzip"] > 0
    etag = tile.etag + GZIP_ETAG_SUFFIX if gzipped else tile.etag
    response.set_etag(etag)
    versioned = request.args.get("v") == current_tag
    if access.official:
        response.headers["Cache-Control"] = OFFICIAL_IMMUTABLE if versioned else OFFICIAL_REVALIDATE
    else:
        response.headers["Cache-Control"] = IMMUTABLE if versioned else REVALIDATE
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["X-Tile-Cache"] = "hit" if result.cache_hit else "miss"
    if request.if_none_match.contains(etag):
        response.status_code = 304
        return response
    if gzipped:
        response.set_data(tile.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    elif tile.body:
        response.set_data(tile.body)
    return response
