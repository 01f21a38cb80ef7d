"""The write API under /api: create, replace, patch, delete and revert features; their history and a layer's changes.

Every write needs a signed-in editor of the layer (a session with its CSRF token, or a Bearer
token), names the version it is based on in If-Match, and returns the new version as ETag.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from psycopg2.extensions import connection as Connection

from atlas.auth import require_user, require_writer
from atlas.bodies import JSON_TYPES, MERGE_PATCH, json_body
from atlas.i18n import current_language
from atlas.params import parse_feature_id, parse_flag, parse_if_match, parse_limit, parse_offset, parse_version
from atlas.requestdb import request_connection
from layers.access import OFFICIAL
from layers.accounts import User, require_editor
from layers.catalogue import LayerDef, get_layer
from layers.edits import WriteResult, create_feature, delete_feature, patch_feature, replace_feature, revert_feature
from layers.features import get_feature
from layers.history import feature_history, layer_changes
from layers.validation import NOTICES

bp = Blueprint("edits", __name__, url_prefix="/api")
FEATURE = "/layers/<layer_id>/features/<fid>"


def editable_layer(layer_id: str) -> tuple[Connection, LayerDef, User]:
    """Who writes, and to which layer: 401, then 400 without CSRF, 404 for no such layer, 403 without a grant."""
    user = require_writer()
    conn = request_connection()
    layer = get_layer(conn, layer_id)
    require_editor(user, layer.id)
    return conn, layer, user


def _repair() -> bool:
    return parse_flag(request.args.get("repair"), "repair")


def written(result: WriteResult, status: int = 200, location: str | None = None) -> Response:
    """The feature after a write, with its notices and its version as ETag; `location` says where a new one is."""
    assert result.feature is not None
    notices = [{"code": n.code, "message": n.message(current_language(), NOTICES)} for n in result.notices]
    response = jsonify(result.feature | {"notices": notices})
    response.status_code = status
    response.set_etag(str(result.version))
    if location is not None:
        response.headers["Location"] = location
    return response


@bp.post("/layers/<layer_id>/features")
def create(layer_id: str):
    """Add a feature (201 with Location and ETag); `repair=true` lets PostGIS mend an invalid geometry."""
    conn, layer, user = editable_layer(layer_id)
    result = create_feature(conn, layer, json_body(), user, repair=_repair())
    assert result.feature is not None
    return written(result, 201, url_for("api.feature", layer_id=layer.id, fid=result.feature["id"], _external=True))


@bp.put(FEATURE)
def replace(layer_id: str, fid: str):
    """Replace a feature whole; If-Match is required (428 without, 412 when stale)."""
    conn, layer, user = editable_layer(layer_id)
    expected = parse_if_match(request.headers.get("If-Match"), required=True)
    body = json_body()
    return written(replace_feature(conn, layer, parse_feature_id(fid), body, user, expected, repair=_repair()))


@bp.patch(FEATURE)
def patch(layer_id: str, fid: str):
    """Merge-patch a feature: only the members sent change; If-Match is checked when sent."""
    conn, layer, user = editable_layer(layer_id)
    expected = parse_if_match(request.headers.get("If-Match"), required=False)
    body = json_body((MERGE_PATCH, *JSON_TYPES))
    return written(patch_feature(conn, layer, parse_feature_id(fid), body, user, expected, repair=_repair()))


@bp.delete(FEATURE)
def delete(layer_id: str, fid: str):
    """Delete a feature (204); If-Match is required. Its history stays, and revert brings it back."""
    conn, layer, user = editable_layer(layer_id)
    expected = parse_if_match(request.headers.get("If-Match"), required=True)
    delete_feature(conn, layer, parse_feature_id(fid), user, expected)
    return Response(status=204)


@bp.post(FEATURE + "/revert")
def revert(layer_id: str, fid: str):
    """Bring a feature back to an earlier version (`{"version": n}`), as a new version."""
    conn, layer, user = editable_layer(layer_id)
    expected = parse_if_match(request.headers.get("If-Match"), required=False)
    body = json_body()
    version = parse_version(body.get("version") if isinstance(body, dict) else None)
    return written(revert_feature(conn, layer, parse_feature_id(fid), version, user, expected))


@bp.get(FEATURE + "/history")
def history(layer_id: str, fid: str):
    """Every version of a feature, newest first, with its state before and after (signed-in users)."""
    require_user()
    conn = request_connection()
    layer = get_layer(conn, layer_id)
    feature_id = parse_feature_id(fid)
    versions = feature_history(conn, layer, feature_id)
    if not versions:
        get_feature(conn, layer, feature_id, OFFICIAL)  # 404 when there is no such feature either
    return jsonify({"layer": layer.id, "feature_id": feature_id, "versions": versions})


@bp.get("/layers/<layer_id>/changes")
def changes(layer_id: str):
    """The layer's recent changes, newest first, paged with `limit` and `offset` (signed-in users)."""
    require_user()
    settings = current_app.extensions["atlas.settings"]
    limit = parse_limit(request.args.get("limit"), 50, settings.features_max_limit)
    offset = parse_offset(request.args.get("offset"))
    conn = request_connection()
    layer = get_layer(conn, layer_id)
    page = layer_changes(conn, layer, limit, offset)
    more = offset + len(page.changes) < page.total
    next_url = (
        url_for(".changes", layer_id=layer.id, limit=limit, offset=offset + limit, _external=True) if more else None
    )
    return jsonify({"layer": layer.id, "total": page.total, "changes": page.changes, "next": next_url})
