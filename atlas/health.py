"""GET /healthz: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

from flask import Blueprint, jsonify

from atlas.requestdb import request_connection

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Ask the database that PostGIS and the catalogue answer; errors become 503 through the error handler.

    Only ok or not: software versions would tell an attacker which flaws to try.
    """
    with request_connection().cursor() as cur:
        cur.execute("SELECT postgis_lib_version() IS NOT NULL, EXISTS (SELECT 1 FROM layer)")
        postgis, catalogue = cur.fetchone()
    return jsonify(
        {"status": "ok", "database": "ok", "postgis": "ok" if postgis else "missing", "catalogue": catalogue}
    )
