"""Reading features: /collections/{id}/items (paged, filtered, in any offered CRS), one item, and OPTIONS."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, request

from atlas.auth import current_user, request_access
from atlas.i18n import current_language
from atlas.ogc import bp
from atlas.ogc.negotiate import requested_format
from atlas.ogc.params import COMMON, check_names, items_query, parse_crs
from atlas.ogc.respond import GEOJSON, HTML, JSON, answer, link, page_url, self_links
from atlas.params import parse_feature_id
from atlas.requestdb import request_connection
from layers.access import get_visible_layer
from layers.accounts import User
from layers.catalogue import LayerDef
from layers.crs import CrsChoice
from layers.features import FeatureQuery, get_feature, list_features

ITEMS = "/collections/<collection_id>/items"
ITEM = ITEMS + "/<feature_id>"
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def own_options(view):
    """Leave OPTIONS of this URL to items_options/item_options (Flask would answer it itself)."""
    view.provide_automatic_options = False
    return view


def _with_crs(response: Response, crs: CrsChoice) -> Response:
    """Part 2: the CRS of the coordinates, in angle brackets."""
    response.headers["Content-Crs"] = f"<{crs.uri}>"
    return response


def _paging_links(query: FeatureQuery, returned: int, matched: int) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = []
    # The pages go on in the format answered (a browser's page links to pages).
    fmt, media_type = ("html", HTML) if requested_format() == "html" else ("json", GEOJSON)
    if query.offset + returned < matched:
        links.append(
            {
                "rel": "next",
                "type": media_type,
                "href": page_url(fmt, offset=query.offset + query.limit, limit=query.limit),
            }
        )
    if query.offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": media_type,
                "href": page_url(fmt, offset=max(query.offset - query.limit, 0), limit=query.limit),
            }
        )
    return links


@bp.get(ITEMS)
@own_options
def items(collection_id: str):
    """A page of features as GeoJSON (or a page): `limit` (clamped), `offset`, `bbox`, `datetime`, fields, CRSs."""
    settings = current_app.extensions["atlas.settings"]
    conn = request_connection()
    access = request_access()
    layer = get_visible_layer(conn, collection_id, access)
    query = items_query(layer, settings.features_default_limit, settings.features_max_limit)
    page = list_features(conn, layer, query, access)
    document = {
        "type": "FeatureCollection",
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "links": [
            *self_links(GEOJSON),
            *_paging_links(query, len(page.features), page.number_matched),
            link("collection", "ogc.collection", JSON, layer.title(current_language()), collection_id=layer.id),
        ],
        "features": page.features,
    }
    return _with_crs(answer(document, "ogc/items.html", GEOJSON, layer=layer, query=query), query.crs)


@bp.get(ITEM)
@own_options
def item(collection_id: str, feature_id: str):
    """One feature, with its version as a strong ETag (304 for If-None-Match)."""
    check_names((*COMMON, "crs"))
    conn = request_connection()
    access = request_access()
    layer = get_visible_layer(conn, collection_id, access)
    crs = parse_crs("crs")
    feature = get_feature(conn, layer, parse_feature_id(feature_id), access, crs)
    feature["links"] = [
        *self_links(GEOJSON),
        link("collection", "ogc.collection", JSON, layer.title(current_language()), collection_id=layer.id),
    ]
    response = _with_crs(answer(feature, "ogc/item.html", GEOJSON, layer=layer), crs)
    response.set_etag(str(feature["version"]))
    return response.make_conditional(request)


def allowed_methods(user: User | None, layer: LayerDef, *, one_feature: bool) -> list[str]:
    """The methods this user may use here: reads for everyone, writes for those who may edit the layer."""
    writes = ("PUT", "PATCH", "DELETE") if one_feature else ("POST",)
    return [*READ_METHODS, *(writes if user is not None and user.may_edit(layer.id) else ())]


def _options(layer_id: str, *, one_feature: bool) -> Response:
    user = current_user()
    layer = get_visible_layer(request_connection(), layer_id, request_access())
    response = Response(status=204)
    response.headers["Allow"] = ", ".join(allowed_methods(user, layer, one_feature=one_feature))
    return response


@bp.route(ITEMS, methods=["OPTIONS"])
def items_options(collection_id: str):
    """`Allow` lists what this user may do with the collection (QGIS turns editing on when POST is there)."""
    return _options(collection_id, one_feature=False)


@bp.route(ITEM, methods=["OPTIONS"])
def item_options(collection_id: str, feature_id: str):
    """`Allow` lists what this user may do with the feature."""
    parse_feature_id(feature_id)
    return _options(collection_id, one_feature=True)
