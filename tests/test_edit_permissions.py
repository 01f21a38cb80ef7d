"""Who may write what: the permission matrix of the write API, sessions, CSRF and tokens, against the real database."""

from __future__ import annotations

import time
from typing import Any

import psycopg2
import pytest

from layers.accounts import create_user, revoke_tokens
from tests.editing import create, etag, history, layer_snapshot, permit, row, sign_in, unique, well

LAYER = "groundwater_wells"
ACTORS = ("anonymous", "viewer", "other_editor", "editor", "admin")
REFUSED = {"anonymous": 401, "viewer": 403, "other_editor": 403}


@pytest.fixture(scope="module")
def accounts(make_account) -> dict[str, Any]:
    """One account of each kind; the other editor holds a grant for a different layer."""
    return {
        "viewer": make_account("viewer"),
        "other_editor": make_account("editor", ["water_permits"]),
        "editor": make_account("editor", [LAYER]),
        "admin": make_account("admin"),
    }


def _headers(accounts: dict[str, Any], actor: str) -> dict[str, str]:
    return {} if actor == "anonymous" else accounts[actor].bearer


def _feature_at_version_2(client, accounts) -> dict[str, Any]:
    """A fresh well with two versions, so a revert has somewhere to go."""
    created = create(client, LAYER, well(depth_m=40), accounts["admin"])
    response = client.patch(
        f"/api/layers/{LAYER}/features/{created['id']}",
        json={"properties": {"depth_m": 55}},
        headers=accounts["admin"].bearer | etag(1),
    )
    assert response.status_code == 200
    return response.get_json()


def _send(client, op: str, fid: int, headers: dict[str, str]):
    url = f"/api/layers/{LAYER}/features/{fid}"
    if op == "create":
        return client.post(f"/api/layers/{LAYER}/features", json=well(depth_m=12), headers=headers)
    if op == "put":
        return client.put(url, json=well(depth_m=77), headers=headers | etag(2))
    if op == "patch":
        return client.patch(url, json={"properties": {"depth_m": 88}}, headers=headers | etag(2))
    if op == "delete":
        return client.delete(url, headers=headers | etag(2))
    assert op == "revert"
    return client.post(url + "/revert", json={"version": 1}, headers=headers | etag(2))


@pytest.mark.parametrize("op", ["create", "put", "patch", "delete", "revert"])
@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(client, db, accounts, actor, op):
    feature = _feature_at_version_2(client, accounts)
    fid = feature["id"]
    before_row, before_layer = row(db, LAYER, fid), layer_snapshot(db, LAYER)
    response = _send(client, op, fid, _headers(accounts, actor))
    if actor in REFUSED:
        assert response.status_code == REFUSED[actor], response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == ("not_authenticated" if actor == "anonymous" else "forbidden")
        assert row(db, LAYER, fid) == before_row
        assert layer_snapshot(db, LAYER) == before_layer
        return
    expected = {"create": 201, "delete": 204}.get(op, 200)
    assert response.status_code == expected, response.get_json()
    after = row(db, LAYER, fid)
    if op == "create":
        new_fid = response.get_json()["id"]
        assert row(db, LAYER, new_fid)["depth_m"] == 12
        assert row(db, LAYER, new_fid)["updated_by"] == accounts[actor].name
    elif op == "delete":
        assert after is None
        assert history(db, LAYER, fid)[-1]["operation"] == "delete"
    else:
        assert after["version"] == 3
        assert after["depth_m"] == {"put": 77, "patch": 88, "revert": 40}[op]
        assert after["updated_by"] == accounts[actor].name
        assert history(db, LAYER, fid)[-1]["changed_by"] == accounts[actor].name


def test_viewer_reads_history_but_anonymous_does_not(client, accounts):
    fid = _feature_at_version_2(client, accounts)["id"]
    anonymous = client.get(f"/api/layers/{LAYER}/features/{fid}/history")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "not_authenticated"
    assert client.get(f"/api/layers/{LAYER}/changes").status_code == 401
    viewer = client.get(f"/api/layers/{LAYER}/features/{fid}/history", headers=accounts["viewer"].bearer)
    assert viewer.status_code == 200
    assert [v["version"] for v in viewer.get_json()["versions"]] == [2, 1]


@pytest.mark.parametrize("method", ["put", "patch", "delete", "revert"])
def test_feature_of_another_layer_is_not_found_through_a_granted_layer(client, db, accounts, method):
    """The fid of a species observation, sent to water_permits, must reach nothing in either table."""
    other = accounts["other_editor"]  # may edit water_permits
    with db.cursor() as cur:
        cur.execute(
            "SELECT fid FROM layerdata.species_observations s WHERE NOT EXISTS"
            " (SELECT 1 FROM layerdata.water_permits p WHERE p.fid = s.fid) ORDER BY fid DESC LIMIT 1"
        )
        (fid,) = cur.fetchone()
    db.rollback()
    species_before = row(db, "species_observations", fid)
    permits_before, species_layer_before = (
        layer_snapshot(db, "water_permits"),
        layer_snapshot(db, "species_observations"),
    )
    url = f"/api/layers/water_permits/features/{fid}"
    headers = other.bearer | etag(species_before["version"])
    body = {"type": "Feature", "properties": {"holder": "Kẻ mạo danh"}}
    response = {
        "put": lambda: client.put(url, json=permit(holder="Kẻ mạo danh"), headers=headers),
        "patch": lambda: client.patch(url, json=body, headers=headers),
        "delete": lambda: client.delete(url, headers=headers),
        "revert": lambda: client.post(url + "/revert", json={"version": 1}, headers=headers),
    }[method]()
    assert response.status_code == 404, response.get_json()
    assert response.get_json()["error"]["code"] in ("feature_not_found", "not_found")
    assert row(db, "species_observations", fid) == species_before
    assert layer_snapshot(db, "water_permits") == permits_before
    assert layer_snapshot(db, "species_observations") == species_layer_before
    # And the species layer itself stays out of reach of this editor.
    direct = client.patch(f"/api/layers/species_observations/features/{fid}", json=body, headers=headers)
    assert direct.status_code == 403
    assert row(db, "species_observations", fid) == species_before


def test_cookie_write_needs_the_csrf_token(client, db, accounts):
    fid = _feature_at_version_2(client, accounts)["id"]
    token = sign_in(client, accounts["editor"])
    before, before_layer = row(db, LAYER, fid), layer_snapshot(db, LAYER)
    url = f"/api/layers/{LAYER}/features/{fid}"
    for headers in ({}, {"X-CSRFToken": "not-the-token"}):
        refused = client.patch(url, json={"properties": {"depth_m": 1}}, headers=etag(2) | headers)
        assert refused.status_code == 400
        assert refused.get_json()["error"]["code"] == "csrf_failed"
    refused_create = client.post(f"/api/layers/{LAYER}/features", json=well())
    assert refused_create.status_code == 400
    assert row(db, LAYER, fid) == before and layer_snapshot(db, LAYER) == before_layer
    accepted = client.patch(url, json={"properties": {"depth_m": 1}}, headers=etag(2) | {"X-CSRFToken": token})
    assert accepted.status_code == 200, accepted.get_json()
    assert row(db, LAYER, fid)["depth_m"] == 1
    assert row(db, LAYER, fid)["updated_by"] == accounts["editor"].name


def test_bearer_write_needs_no_csrf_token(app, db, accounts):
    fresh = app.test_client()  # no session, no CSRF secret anywhere
    created = create(fresh, LAYER, well(depth_m=3), accounts["editor"])
    assert row(db, LAYER, created["id"])["depth_m"] == 3


def test_expired_session_is_401_and_writes_nothing(client, db, accounts):
    fid = _feature_at_version_2(client, accounts)["id"]
    token = sign_in(client, accounts["editor"])
    with client.session_transaction() as session:
        session["at"] = int(time.time()) - 9 * 3600  # older than the 480-minute lifetime
    before, before_layer = row(db, LAYER, fid), layer_snapshot(db, LAYER)
    response = client.patch(
        f"/api/layers/{LAYER}/features/{fid}",
        json={"properties": {"depth_m": 5}},
        headers=etag(2) | {"X-CSRFToken": token},
    )
    assert response.status_code == 401
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "not_authenticated" and "expired" in error["message"]
    assert row(db, LAYER, fid) == before and layer_snapshot(db, LAYER) == before_layer


def test_session_within_a_short_lifetime_works_and_ends(database_url, db, make_account):
    from atlas import create_app

    short = create_app({"database_url": database_url, "session_minutes": 5})
    try:
        client = short.test_client()
        editor = make_account("editor", [LAYER])
        token = sign_in(client, editor)
        created = client.post(f"/api/layers/{LAYER}/features", json=well(), headers={"X-CSRFToken": token})
        assert created.status_code == 201
        fid = created.get_json()["id"]
        with client.session_transaction() as session:
            session["at"] = int(time.time()) - 6 * 60
        late = client.delete(f"/api/layers/{LAYER}/features/{fid}", headers=etag(1) | {"X-CSRFToken": token})
        assert late.status_code == 401
        assert row(db, LAYER, fid) is not None
    finally:
        short.extensions["atlas.pool"].close()


def test_password_change_ends_older_sessions(client, db, database_url, make_account):
    editor = make_account("editor", [LAYER])
    token = sign_in(client, editor)
    created = client.post(f"/api/layers/{LAYER}/features", json=well(), headers={"X-CSRFToken": token})
    assert created.status_code == 201
    fid = created.get_json()["id"]
    conn = psycopg2.connect(database_url)
    try:
        create_user(conn, editor.name, "editor", "a brand new password", (LAYER,))
    finally:
        conn.close()
    before_layer = layer_snapshot(db, LAYER)
    response = client.patch(
        f"/api/layers/{LAYER}/features/{fid}",
        json={"properties": {"depth_m": 9}},
        headers=etag(1) | {"X-CSRFToken": token},
    )
    assert response.status_code == 401
    assert row(db, LAYER, fid)["version"] == 1 and layer_snapshot(db, LAYER) == before_layer


def test_revoked_token_is_401(client, db, database_url, make_account):
    editor = make_account("editor", [LAYER])
    created = create(client, LAYER, well(), editor)
    conn = psycopg2.connect(database_url)
    try:
        assert revoke_tokens(conn, editor.name) == 1
    finally:
        conn.close()
    before_layer = layer_snapshot(db, LAYER)
    response = client.delete(f"/api/layers/{LAYER}/features/{created['id']}", headers=editor.bearer | etag(1))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert row(db, LAYER, created["id"]) is not None and layer_snapshot(db, LAYER) == before_layer
    unknown = client.post(
        f"/api/layers/{LAYER}/features", json=well(), headers={"Authorization": "Bearer atlas_" + unique("x")}
    )
    assert unknown.status_code == 401
    assert layer_snapshot(db, LAYER) == before_layer


def test_unknown_layer_is_404_for_an_admin_and_401_for_anonymous(client, accounts):
    anonymous = client.post("/api/layers/no_such_layer/features", json=well())
    assert anonymous.status_code == 401
    admin = client.post("/api/layers/no_such_layer/features", json=well(), headers=accounts["admin"].bearer)
    assert admin.status_code == 404 and admin.get_json()["error"]["code"] == "layer_not_found"
