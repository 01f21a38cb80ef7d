"""GET /healthz: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

from flask import Blueprint, jsonify

from atlas.requestdb import request_connection

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Ask the database for its PostGIS version; errors become 503 through the error handler."""
    with request_connection().cursor() as cur:
        cur.execute("SELECT postgis_lib_version(), (SELECT count(*) FROM layer)")
        postgis, layer_count = cur.fetchone()
    return jsonify({"status": "ok", "database": "ok", "postgis": postgis, "layers": layer_count})
