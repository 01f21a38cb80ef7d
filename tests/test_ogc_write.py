"""OGC API – Features Part 4: create, replace, update and delete through /ogc, with the accounts, validation,
If-Match and history of /api (the same domain functions), HTTP Basic for desktop clients, and OPTIONS."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import sign_in
from tests.editing import etag, permit, row

ITEMS = "/ogc/collections/water_permits/items"
GEOJSON = {"Content-Type": "application/geo+json"}


def basic(account) -> dict[str, str]:
    """Headers that sign in with HTTP Basic, as QGIS's authentication manager does."""
    secret = base64.b64encode(f"{account.name}:{account.password}".encode()).decode()
    return {"Authorization": f"Basic {secret}"}


@pytest.fixture(scope="module")
def editor(make_account):
    return make_account("editor", ["water_permits"])


def test_create_replace_patch_delete_and_history_show_every_step(client, db, editor):
    created = client.post(ITEMS, json=permit(holder="Công ty A"), headers=basic(editor) | GEOJSON)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    location = created.headers["Location"]
    assert "/ogc/collections/water_permits/items/" in location
    fid = created.get_json()["id"]
    url = f"{ITEMS}/{fid}"
    assert client.get(url).get_json()["properties"]["holder"] == "Công ty A"

    replaced = permit(number=created.get_json()["properties"]["permit_no"], holder="Công ty B")
    assert client.put(url, json=replaced, headers=basic(editor)).status_code == 428
    assert client.put(url, json=replaced, headers=basic(editor) | etag(1)).status_code == 200
    stale = client.put(url, json=permit(holder="Công ty C"), headers=basic(editor) | etag(1))
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'

    merge = {"Content-Type": "application/merge-patch+json"}
    first = client.patch(url, json={"properties": {"holder": "Công ty D"}}, headers=basic(editor) | merge)
    second = client.patch(url, json={"properties": {"status": "suspended"}}, headers=editor.bearer | merge)
    assert first.status_code == second.status_code == 200 and second.headers["ETag"] == '"4"'
    stored = row(db, "water_permits", fid)
    assert stored["holder"] == "Công ty D" and stored["status"] == "suspended"

    assert client.delete(url, headers=basic(editor) | etag(3)).status_code == 412
    assert client.delete(url, headers=basic(editor) | etag(4)).status_code == 204
    assert client.get(url).status_code == 404
    recorded = client.get(f"/api/layers/water_permits/features/{fid}/history", headers=editor.bearer).get_json()
    steps = [(entry["operation"], entry["user"]) for entry in reversed(recorded["versions"])]
    assert [operation for operation, _ in steps] == ["create", "update", "update", "update", "delete"]
    assert {user for _, user in steps} == {editor.name}


def test_history_marks_patches_without_if_match_as_unconditional(client, editor):
    fid = client.post(ITEMS, json=permit(), headers=editor.bearer).get_json()["id"]
    patched = client.patch(
        f"{ITEMS}/{fid}",
        json={"properties": {"holder": "Hợp tác xã Xuân Lập"}},
        headers=editor.bearer | {"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200
    versions = client.get(f"/api/layers/water_permits/features/{fid}/history", headers=editor.bearer).get_json()
    assert versions["versions"][0]["unconditional"] is True


def test_writes_need_the_same_permissions_as_the_api(client, db, make_account, editor):
    before = db.cursor()
    before.execute("SELECT count(*) FROM layerdata.water_permits")
    (count,) = before.fetchone()
    anonymous = client.post(ITEMS, json=permit())
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/json"
    assert "Basic" in anonymous.headers["WWW-Authenticate"] and "Bearer" in anonymous.headers["WWW-Authenticate"]
    wrong = client.post(
        ITEMS, json=permit(), headers={"Authorization": "Basic " + base64.b64encode(b"nobody:x").decode()}
    )
    assert wrong.status_code == 401
    viewer = make_account("viewer")
    other_editor = make_account("editor", ["rivers"])
    for account in (viewer, other_editor):
        assert client.post(ITEMS, json=permit(), headers=basic(account)).status_code == 403
        assert client.post(ITEMS, json=permit(), headers=account.bearer).status_code == 403
    api = client.post("/api/layers/water_permits/features", json=permit(), headers=basic(editor))
    assert api.status_code == 401  # Basic is taken by /ogc only
    signed_in = client.application.test_client()
    sign_in(signed_in, editor)
    assert signed_in.post(ITEMS, json=permit()).status_code == 400  # a session needs its CSRF token, as on /api
    before.execute("SELECT count(*) FROM layerdata.water_permits")
    assert before.fetchone()[0] == count


def test_bad_bodies_are_refused_like_on_the_api(client, editor):
    refused = client.post(ITEMS, json=permit(status="dreaming"), headers=basic(editor))
    assert refused.status_code == 422 and "status" in refused.get_json()["error"]["problems"]
    assert client.post(ITEMS, data="x", headers=basic(editor) | {"Content-Type": "text/plain"}).status_code == 415
    assert client.post(ITEMS + "?nonsense=1", json=permit(), headers=basic(editor)).status_code == 400
    in_vn2000 = client.post(
        ITEMS, json=permit(), headers=basic(editor) | {"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/5897>"}
    )
    assert in_vn2000.status_code == 400 and "Content-Crs" in in_vn2000.get_json()["error"]["message"]


def _allow(client, url: str, headers: dict | None = None) -> set[str]:
    response = client.options(url, headers=headers or {})
    assert response.status_code == 204
    return {method.strip() for method in response.headers["Allow"].split(",")}


def test_options_allow_lists_exactly_what_each_user_may_do(client, make_account, editor):
    reads = {"GET", "HEAD", "OPTIONS"}
    item = f"{ITEMS}/1"
    viewer = make_account("viewer")
    admin = make_account("admin")
    other_editor = make_account("editor", ["rivers"])
    assert _allow(client, ITEMS) == _allow(client, item) == reads
    for account in (viewer, other_editor):
        assert _allow(client, ITEMS, basic(account)) == _allow(client, item, account.bearer) == reads
    for account in (editor, admin):
        assert _allow(client, ITEMS, basic(account)) == reads | {"POST"}
        assert _allow(client, item, account.bearer) == reads | {"PUT", "PATCH", "DELETE"}
    assert client.options("/ogc/collections/nowhere/items").status_code == 404
