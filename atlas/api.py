"""The JSON API: the catalogue and its layers' features."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request, url_for

from atlas.auth import request_access
from atlas.params import parse_bbox, parse_feature_id, parse_limit, parse_offset, parse_sort, parse_text
from atlas.requestdb import request_connection
from atlas.serialize import layer_detail, layer_summary, search_result
from layers.access import get_visible_layer, visible_catalogue
from layers.errors import InvalidInput
from layers.features import FeatureQuery, get_feature, list_features
from layers.search import search
from layers.stats import layer_stats

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/layers")
def catalogue():
    """Every layer with its computed count, extent and last update."""
    conn = request_connection()
    access = request_access()
    layers = [layer_summary(layer, layer_stats(conn, layer, access)) for layer in visible_catalogue(conn, access)]
    return jsonify({"layers": layers, "links": [{"rel": "self", "href": url_for(".catalogue", _external=True)}]})


@bp.get("/layers/<layer_id>")
def layer(layer_id: str):
    """One layer: metadata, style and attribute schema under `fields`."""
    conn = request_connection()
    access = request_access()
    found = get_visible_layer(conn, layer_id, access)
    return jsonify(layer_detail(found, layer_stats(conn, found, access)))


@bp.get("/layers/<layer_id>/features")
def features(layer_id: str):
    """A GeoJSON FeatureCollection page with `bbox`, `limit` (clamped), `offset`, `q` and `sort`."""
    settings = current_app.extensions["atlas.settings"]
    args = request.args
    conn = request_connection()
    access = request_access()
    found = get_visible_layer(conn, layer_id, access)
    query = FeatureQuery(
        limit=parse_limit(args.get("limit"), settings.features_default_limit, settings.features_max_limit),
        offset=parse_offset(args.get("offset")),
        bbox=parse_bbox(args.get("bbox")),
        text=parse_text(args.get("q")),
        sort=parse_sort(args.get("sort"), found),
    )
    page = list_features(conn, found, query, access)
    return jsonify(_feature_collection(layer_id, query, page.features, page.number_matched))


@bp.get("/layers/<layer_id>/features/<fid>")
def feature(layer_id: str, fid: str):
    """One feature as GeoJSON, with its version as ETag."""
    conn = request_connection()
    access = request_access()
    found = get_feature(conn, get_visible_layer(conn, layer_id, access), parse_feature_id(fid), access)
    response = jsonify(found)
    response.set_etag(str(found["version"]))
    # A client holding this version (If-None-Match) gets 304 and keeps its copy.
    return response.make_conditional(request)


@bp.get("/search")
def search_places():
    """Places and features whose names contain `q`, with or without diacritics."""
    text = parse_text(request.args.get("q"))
    if text is None or len(text) < 2:
        raise InvalidInput("q must have at least 2 characters, e.g. q=pu luong.")
    conn = request_connection()
    access = request_access()
    layers = {layer.id: layer for layer in visible_catalogue(conn, access)}
    hits = search(conn, list(layers.values()), text, access)
    return jsonify({"query": text, "results": [search_result(hit, layers[hit.layer_id]) for hit in hits]})


def _feature_collection(layer_id: str, query: FeatureQuery, features: list, matched: int) -> dict[str, Any]:
    links = [{"rel": "self", "href": request.url}]
    next_url = None
    if query.offset + len(features) < matched:
        args = request.args.to_dict() | {"offset": str(query.offset + query.limit), "limit": str(query.limit)}
        # The query goes in as text: passed to url_for, keys such as _external or endpoint would steer it.
        next_url = url_for(".features", layer_id=layer_id, _external=True) + "?" + urlencode(args)
        links.append({"rel": "next", "href": next_url})
    return {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(features),
        "next": next_url,
        "links": links,
        "features": features,
    }
