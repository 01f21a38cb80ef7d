"""Helpers shared by the editing tests: feature bodies, sign-in, and reading rows straight from the database."""

from __future__ import annotations

import re
import secrets
from typing import Any

import psycopg2
from flask.testing import FlaskClient
from psycopg2.extensions import connection as Connection

from tests.conftest import Account

# Well inside the province (near Thanh Hóa city), so no test trips over the province check by accident.
INSIDE = (105.60, 19.95)
_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def unique(prefix: str) -> str:
    """A short code no other test uses (tests share one database)."""
    return f"{prefix}-{secrets.token_hex(4)}"


def point(lon: float = INSIDE[0], lat: float = INSIDE[1]) -> dict[str, Any]:
    """A GeoJSON Point."""
    return {"type": "Point", "coordinates": [lon, lat]}


def well(code: str | None = None, geometry: dict | None = None, **properties: Any) -> dict[str, Any]:
    """A groundwater_wells Feature: only well_code is required."""
    props = {"well_code": code or unique("GW")} | properties
    return {"type": "Feature", "geometry": geometry or point(), "properties": props}


def permit(number: str | None = None, geometry: dict | None = None, **properties: Any) -> dict[str, Any]:
    """A water_permits Feature with every required field."""
    props = {
        "permit_no": number or unique("GP"),
        "holder": "Công ty Cổ phần Cấp nước Thanh Hóa",
        "water_source": "ground",
        "issued_on": "2024-03-01",
        "status": "active",
    } | properties
    return {"type": "Feature", "geometry": geometry or point(), "properties": props}


def square(lon: float = INSIDE[0], lat: float = INSIDE[1], size: float = 0.01) -> dict[str, Any]:
    """A small GeoJSON Polygon (a square) with its south-west corner at lon, lat."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def reservoir(name: str | None = None, geometry: dict | None = None, **properties: Any) -> dict[str, Any]:
    """A reservoirs Feature (Polygon layer): only name is required."""
    props = {"name": name or unique("Hồ thử")} | properties
    return {"type": "Feature", "geometry": geometry or square(), "properties": props}


def etag(version: int) -> dict[str, str]:
    """The If-Match header naming a version."""
    return {"If-Match": f'"{version}"'}


def create(client: FlaskClient, layer_id: str, body: dict, account: Account) -> dict[str, Any]:
    """POST a feature as the account (Bearer) and return the created feature; asserts 201."""
    response = client.post(f"/api/layers/{layer_id}/features", json=body, headers=account.bearer)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's current session, read from the sign-in form."""
    page = client.get("/login")
    assert page.status_code == 200
    match = _CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, "the sign-in form has no csrf_token input"
    return match.group(1)


def sign_in(client: FlaskClient, account: Account) -> str:
    """Sign the client in with a session cookie; returns the CSRF token of the new session."""
    response = client.post(
        "/login", data={"username": account.name, "password": account.password, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    # Signing in starts a fresh session (and with it a fresh CSRF secret), so read the token again.
    return csrf_token(client)


def row(db: Connection, layer_id: str, fid: int) -> dict[str, Any] | None:
    """The feature's row as the database holds it (attributes, version, updated_by, geometry as text)."""
    with db.cursor() as cur:
        cur.execute(
            f"SELECT to_jsonb(t) - 'geom' - 'geom_3857' - 'updated_at', ST_AsText(geom), updated_at"
            f" FROM layerdata.{layer_id} t WHERE fid = %s",
            (fid,),
        )
        found = cur.fetchone()
    db.rollback()  # the next read sees whatever has been committed since
    if found is None:
        return None
    values, wkt, updated_at = found
    return values | {"wkt": wkt, "updated_at": updated_at}


def history(db: Connection, layer_id: str, fid: int) -> list[dict[str, Any]]:
    """The feature's history rows, oldest first."""
    with db.cursor() as cur:
        cur.execute(
            "SELECT version, operation, unconditional, changed_by, before_properties, after_properties"
            " FROM feature_history WHERE layer_id = %s AND fid = %s ORDER BY id",
            (layer_id, fid),
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    db.rollback()
    return rows


def count(db: Connection, statement: str, *params: Any) -> int:
    """The single number a COUNT statement returns."""
    with db.cursor() as cur:
        cur.execute(statement, params)
        (n,) = cur.fetchone()
    db.rollback()
    return n


def layer_snapshot(db: Connection, layer_id: str) -> tuple[int, int, int, int]:
    """What a refused write must leave alone: rows, their versions summed, history rows and the layer revision."""
    with db.cursor() as cur:
        cur.execute(f"SELECT count(*), coalesce(sum(version), 0) FROM layerdata.{layer_id}")
        rows, versions = cur.fetchone()
        cur.execute("SELECT count(*) FROM feature_history WHERE layer_id = %s", (layer_id,))
        (entries,) = cur.fetchone()
        cur.execute("SELECT revision FROM layer WHERE id = %s", (layer_id,))
        (revision,) = cur.fetchone()
    db.rollback()
    return rows, versions, entries, revision


def committed(database_url: str, query: str, params: tuple = ()) -> tuple | None:
    """Run one statement on a connection of its own and commit; its first row, if it returns rows."""
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchone() if cur.description else None
    finally:
        conn.close()
