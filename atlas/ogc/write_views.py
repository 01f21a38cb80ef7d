"""Part 4: create, replace, update (merge patch) and delete features, on the domain functions of /api's editing.

Who may write, validation, history and If-Match are those of /api/layers/…/features: the same
functions. Two choices follow the OGC clients: PATCH without If-Match changes only the members sent
(QGIS sends none), and so may DELETE, since QGIS deletes without If-Match and the history keeps the
deleted feature for a revert. PUT without If-Match is 428.
"""

from __future__ import annotations

from flask import Response, request, url_for

from atlas.bodies import JSON_TYPES, MERGE_PATCH, json_body
from atlas.edit_api import editable_layer, written
from atlas.ogc import bp
from atlas.ogc.item_views import ITEM, ITEMS, own_options
from atlas.ogc.params import COMMON, check_names
from atlas.params import parse_feature_id, parse_flag, parse_if_match
from layers.crs import CRS84
from layers.edits import create_feature, delete_feature, patch_feature, replace_feature
from layers.errors import InvalidInput

WRITE_PARAMETERS = (*COMMON, "repair")


def _checked_request() -> bool:
    """The write's query (only `repair`) and body CRS (CRS84 only); returns whether to repair geometries."""
    check_names(WRITE_PARAMETERS)
    content_crs = request.headers.get("Content-Crs")
    if content_crs is not None and content_crs.strip().strip("<>") != CRS84.uri:
        raise InvalidInput(
            f"Features are written in CRS84 (longitude, latitude); Content-Crs <{CRS84.uri}> or none.",
            details={"parameter": "Content-Crs"},
        )
    return parse_flag(request.args.get("repair"), "repair")


@bp.post(ITEMS)
@own_options
def create_item(collection_id: str):
    """Add a feature: 201 with Location and ETag."""
    conn, layer, user = editable_layer(collection_id)
    repair = _checked_request()
    result = create_feature(conn, layer, json_body(), user, repair=repair)
    assert result.feature is not None
    location = url_for(".item", collection_id=layer.id, feature_id=result.feature["id"], _external=True)
    return written(result, 201, location)


def _update(collection_id: str, feature_id: str, write, *, if_match_required: bool, types: tuple[str, ...]):
    """PUT or PATCH: who, which feature, on which version, with which body; then the domain's write."""
    conn, layer, user = editable_layer(collection_id)
    repair = _checked_request()
    expected = parse_if_match(request.headers.get("If-Match"), required=if_match_required)
    body = json_body(types)
    return written(write(conn, layer, parse_feature_id(feature_id), body, user, expected, repair=repair))


@bp.put(ITEM)
@own_options
def replace_item(collection_id: str, feature_id: str):
    """Replace a feature whole; If-Match is required (428 without it, 412 when stale)."""
    return _update(collection_id, feature_id, replace_feature, if_match_required=True, types=JSON_TYPES)


@bp.patch(ITEM)
@own_options
def update_item(collection_id: str, feature_id: str):
    """Merge-patch a feature (application/merge-patch+json): only the members sent change."""
    return _update(collection_id, feature_id, patch_feature, if_match_required=False, types=(MERGE_PATCH, *JSON_TYPES))


@bp.delete(ITEM)
@own_options
def delete_item(collection_id: str, feature_id: str):
    """Delete a feature: 204; If-Match is checked when sent."""
    conn, layer, user = editable_layer(collection_id)
    _checked_request()
    expected = parse_if_match(request.headers.get("If-Match"), required=False)
    delete_feature(conn, layer, parse_feature_id(feature_id), user, expected)
    return Response(status=204)
