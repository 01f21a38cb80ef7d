"""The write API end to end: create, conditional reads and writes, merge patch, delete, revert, history and changes."""

from __future__ import annotations

import time

import pytest

from tests.editing import create, etag, history, layer_snapshot, permit, row, unique, well

LAYER = "groundwater_wells"
URL = f"/api/layers/{LAYER}/features"


@pytest.fixture(scope="module")
def editor(make_account):
    """An editor of the wells layer."""
    return make_account("editor", [LAYER, "water_permits"])


def test_create_returns_201_with_location_etag_and_the_stored_feature(client, db, editor, public_url):
    code = unique("GW")
    response = client.post(
        URL, json=well(code, depth_m=42.5, aquifer="qp", drilled_on="2020-05-17"), headers=editor.bearer
    )
    assert response.status_code == 201
    body = response.get_json()
    fid = body["id"]
    assert response.headers["Location"] == f"{public_url}{URL}/{fid}"
    assert response.headers["ETag"] == '"1"'
    assert body["version"] == 1 and body["updated_by"] == editor.name and body["notices"] == []
    assert body["properties"]["well_code"] == code and body["properties"]["depth_m"] == 42.5
    assert body["properties"]["drilled_on"] == "2020-05-17" and body["properties"]["status"] is None
    assert body["geometry"] == {"type": "Point", "coordinates": [105.6, 19.95]}
    stored = row(db, LAYER, fid)
    assert stored["well_code"] == code and stored["aquifer"] == "qp" and stored["version"] == 1
    assert stored["wkt"] == "POINT(105.6 19.95)"
    entries = history(db, LAYER, fid)
    assert [(e["version"], e["operation"], e["changed_by"]) for e in entries] == [(1, "create", editor.name)]
    assert entries[0]["after_properties"]["well_code"] == code and entries[0]["before_properties"] is None
    followed = client.get(response.headers["Location"])
    assert followed.status_code == 200 and followed.get_json()["properties"]["well_code"] == code


def test_create_ignores_an_id_in_the_body(client, db, editor):
    body = well() | {"id": 1}
    created = create(client, LAYER, body, editor)
    assert created["id"] != 1
    assert row(db, LAYER, 1)["well_code"] != body["properties"]["well_code"]


def test_get_with_if_none_match_is_304(client, editor):
    fid = create(client, LAYER, well(), editor)["id"]
    first = client.get(f"{URL}/{fid}")
    assert first.status_code == 200 and first.headers["ETag"] == '"1"'
    again = client.get(f"{URL}/{fid}", headers={"If-None-Match": '"1"'})
    assert again.status_code == 304 and again.data == b""
    other = client.get(f"{URL}/{fid}", headers={"If-None-Match": '"7"'})
    assert other.status_code == 200


def test_put_with_if_match_replaces_and_records_history(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10, status="operating"), editor)["id"]
    replacement = well(depth_m=25, commune="Phường Hạc Thành", geometry={"type": "Point", "coordinates": [105.7, 19.8]})
    response = client.put(f"{URL}/{fid}", json=replacement, headers=editor.bearer | etag(1))
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"2"' and response.get_json()["version"] == 2
    stored = row(db, LAYER, fid)
    assert stored["version"] == 2 and stored["depth_m"] == 25 and stored["commune"] == "Phường Hạc Thành"
    assert stored["status"] is None  # PUT replaces whole: fields it leaves out become empty
    assert stored["wkt"] == "POINT(105.7 19.8)"
    last = history(db, LAYER, fid)[-1]
    assert (last["version"], last["operation"], last["unconditional"]) == (2, "update", False)
    assert last["before_properties"]["depth_m"] == 10 and last["after_properties"]["depth_m"] == 25
    assert last["before_properties"]["status"] == "operating" and last["after_properties"]["status"] is None


def test_a_feature_as_read_or_written_can_be_sent_back(client, db, editor):
    created = create(client, LAYER, well(depth_m=10), editor)
    created["properties"]["depth_m"] = 20
    put = client.put(f"{URL}/{created['id']}", json=created, headers=editor.bearer | etag(1))
    assert put.status_code == 200, put.get_json()
    read = client.get(f"{URL}/{created['id']}").get_json() | {"bbox": [105.6, 19.95, 105.6, 19.95]}
    read["properties"]["depth_m"] = 30
    again = client.put(f"{URL}/{created['id']}", json=read, headers=editor.bearer | etag(2))
    assert again.status_code == 200, again.get_json()
    assert row(db, LAYER, created["id"])["depth_m"] == 30


def test_put_without_if_match_is_428_and_changes_nothing(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10), editor)["id"]
    before = row(db, LAYER, fid)
    response = client.put(f"{URL}/{fid}", json=well(depth_m=99), headers=editor.bearer)
    assert response.status_code == 428
    assert response.get_json()["error"]["code"] == "precondition_required"
    deleting = client.delete(f"{URL}/{fid}", headers=editor.bearer)
    assert deleting.status_code == 428
    assert row(db, LAYER, fid) == before and len(history(db, LAYER, fid)) == 1


def test_stale_if_match_is_412_with_current_feature_and_changes(client, db, editor):
    code = unique("GW")
    fid = create(client, LAYER, well(code, depth_m=10, status="operating"), editor)["id"]
    moved = client.patch(
        f"{URL}/{fid}",
        json={
            "properties": {"depth_m": 30, "status": "idle"},
            "geometry": {"type": "Point", "coordinates": [105.5, 19.9]},
        },
        headers=editor.bearer | etag(1),
    )
    assert moved.status_code == 200
    also = client.patch(f"{URL}/{fid}", json={"properties": {"commune": "Xã Nga Sơn"}}, headers=editor.bearer | etag(2))
    assert also.status_code == 200
    before = row(db, LAYER, fid)
    stale = client.put(f"{URL}/{fid}", json=well(code, depth_m=11), headers=editor.bearer | etag(1))
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"3"'
    error = stale.get_json()["error"]
    assert error["code"] == "version_conflict"
    current = client.get(f"{URL}/{fid}").get_json()
    assert error["current"] == current and error["current"]["version"] == 3
    changes = {c["field"]: c for c in error["changes"]}
    assert set(changes) == {"depth_m", "status", "commune", "geometry"}
    assert (changes["depth_m"]["yours"], changes["depth_m"]["current"]) == (10, 30)
    assert (changes["status"]["yours"], changes["status"]["current"]) == ("operating", "idle")
    assert (changes["commune"]["yours"], changes["commune"]["current"]) == (None, "Xã Nga Sơn")
    assert changes["geometry"]["current"] == {"type": "Point", "coordinates": [105.5, 19.9]}
    assert row(db, LAYER, fid) == before
    stale_patch = client.patch(f"{URL}/{fid}", json={"properties": {"depth_m": 1}}, headers=editor.bearer | etag(2))
    assert stale_patch.status_code == 412
    assert [c["field"] for c in stale_patch.get_json()["error"]["changes"]] == ["commune"]
    stale_delete = client.delete(f"{URL}/{fid}", headers=editor.bearer | etag(2))
    assert stale_delete.status_code == 412
    assert row(db, LAYER, fid) == before and len(history(db, LAYER, fid)) == 3


def test_if_match_that_names_no_version_is_refused(client, db, editor):
    fid = create(client, LAYER, well(), editor)["id"]
    before = row(db, LAYER, fid)
    for header in ("1", 'W/"1"', '"abc"', '"1", "2"'):
        response = client.put(f"{URL}/{fid}", json=well(), headers=editor.bearer | {"If-Match": header})
        assert response.status_code in (400, 412), header
        assert response.is_json
    assert row(db, LAYER, fid) == before


def test_if_match_star_writes_whatever_the_version(client, db, editor):
    fid = create(client, LAYER, well(depth_m=1), editor)["id"]
    response = client.put(f"{URL}/{fid}", json=well(depth_m=2), headers=editor.bearer | {"If-Match": "*"})
    assert response.status_code == 200
    assert row(db, LAYER, fid)["depth_m"] == 2


def test_patch_changes_only_the_fields_sent(client, db, editor):
    code = unique("GW")
    fid = create(
        client, LAYER, well(code, depth_m=10, aquifer="qh", status="operating", commune="Xã Hoằng Hóa"), editor
    )["id"]
    before = row(db, LAYER, fid)
    response = client.patch(
        f"{URL}/{fid}",
        json={"properties": {"depth_m": 12.25}},
        headers=editor.bearer | etag(1) | {"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"2"'
    after = row(db, LAYER, fid)
    assert after["depth_m"] == 12.25 and after["version"] == 2
    for name in ("well_code", "aquifer", "status", "commune", "wkt"):
        assert after[name] == before[name], name
    last = history(db, LAYER, fid)[-1]
    assert last["unconditional"] is False and last["before_properties"]["depth_m"] == 10


def test_patch_geometry_only_keeps_the_attributes(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10), editor)["id"]
    before = row(db, LAYER, fid)
    response = client.patch(
        f"{URL}/{fid}",
        json={"geometry": {"type": "Point", "coordinates": [105.1, 20.1]}},
        headers=editor.bearer | etag(1),
    )
    assert response.status_code == 200
    after = row(db, LAYER, fid)
    assert after["wkt"] == "POINT(105.1 20.1)" and after["depth_m"] == before["depth_m"] == 10


def test_patch_null_clears_an_optional_field(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10, commune="Xã Quảng Xương"), editor)["id"]
    response = client.patch(f"{URL}/{fid}", json={"properties": {"commune": None}}, headers=editor.bearer | etag(1))
    assert response.status_code == 200
    after = row(db, LAYER, fid)
    assert after["commune"] is None and after["depth_m"] == 10
    required = client.patch(f"{URL}/{fid}", json={"properties": {"well_code": None}}, headers=editor.bearer | etag(2))
    assert required.status_code == 422
    assert required.get_json()["error"]["problems"]["well_code"]["code"] == "required"
    assert row(db, LAYER, fid) == after


def test_patch_without_if_match_is_recorded_unconditional(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10), editor)["id"]
    response = client.patch(f"{URL}/{fid}", json={"properties": {"status": "idle"}}, headers=editor.bearer)
    assert response.status_code == 200
    assert row(db, LAYER, fid)["status"] == "idle" and row(db, LAYER, fid)["version"] == 2
    last = history(db, LAYER, fid)[-1]
    assert (last["version"], last["operation"], last["unconditional"]) == (2, "update", True)


def test_empty_patch_changes_nothing(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10), editor)["id"]
    response = client.patch(f"{URL}/{fid}", json={}, headers=editor.bearer | etag(1))
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    assert row(db, LAYER, fid)["version"] == 1 and len(history(db, LAYER, fid)) == 1


def test_write_to_a_missing_feature_is_404(client, db, editor):
    before = layer_snapshot(db, LAYER)
    for response in (
        client.put(f"{URL}/999999999", json=well(), headers=editor.bearer | etag(1)),
        client.patch(f"{URL}/999999999", json={"properties": {"depth_m": 1}}, headers=editor.bearer),
        client.delete(f"{URL}/999999999", headers=editor.bearer | etag(1)),
    ):
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "feature_not_found"
    assert client.put(f"{URL}/abc", json=well(), headers=editor.bearer | etag(1)).status_code == 400
    assert layer_snapshot(db, LAYER) == before


def test_delete_is_204_and_then_404(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10), editor)["id"]
    response = client.delete(f"{URL}/{fid}", headers=editor.bearer | etag(1))
    assert response.status_code == 204 and response.data == b""
    assert client.get(f"{URL}/{fid}").status_code == 404
    assert row(db, LAYER, fid) is None
    last = history(db, LAYER, fid)[-1]
    assert (last["version"], last["operation"], last["after_properties"]) == (2, "delete", None)
    assert last["before_properties"]["depth_m"] == 10
    again = client.delete(f"{URL}/{fid}", headers=editor.bearer | etag(2))
    assert again.status_code == 404


def test_revert_to_an_older_version_makes_a_new_version(client, db, editor):
    code = unique("GW")
    fid = create(client, LAYER, well(code, depth_m=10, status="operating"), editor)["id"]
    client.patch(f"{URL}/{fid}", json={"properties": {"depth_m": 20}}, headers=editor.bearer | etag(1))
    client.patch(
        f"{URL}/{fid}",
        json={"properties": {"status": "idle"}, "geometry": {"type": "Point", "coordinates": [105.2, 19.5]}},
        headers=editor.bearer | etag(2),
    )
    response = client.post(f"{URL}/{fid}/revert", json={"version": 1}, headers=editor.bearer | etag(3))
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"4"'
    after = row(db, LAYER, fid)
    assert (after["version"], after["depth_m"], after["status"], after["wkt"]) == (
        4,
        10,
        "operating",
        "POINT(105.6 19.95)",
    )
    assert after["well_code"] == code
    last = history(db, LAYER, fid)[-1]
    assert (last["version"], last["operation"]) == (4, "revert")
    stale = client.post(f"{URL}/{fid}/revert", json={"version": 2}, headers=editor.bearer | etag(3))
    assert stale.status_code == 412
    missing = client.post(f"{URL}/{fid}/revert", json={"version": 42}, headers=editor.bearer)
    assert missing.status_code == 404
    for bad in ({"version": "1"}, {"version": 0}, {}, [1]):
        assert client.post(f"{URL}/{fid}/revert", json=bad, headers=editor.bearer).status_code == 400, bad
    assert row(db, LAYER, fid) == after


def test_revert_brings_a_deleted_feature_back(client, db, editor):
    code = unique("GW")
    fid = create(client, LAYER, well(code, depth_m=10), editor)["id"]
    client.patch(f"{URL}/{fid}", json={"properties": {"depth_m": 15}}, headers=editor.bearer | etag(1))
    assert client.delete(f"{URL}/{fid}", headers=editor.bearer | etag(2)).status_code == 204
    response = client.post(f"{URL}/{fid}/revert", json={"version": 2}, headers=editor.bearer)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == fid and response.headers["ETag"] == '"4"'
    after = row(db, LAYER, fid)
    assert (after["version"], after["depth_m"], after["well_code"]) == (4, 15, code)
    assert after["updated_by"] == editor.name
    assert [(e["version"], e["operation"]) for e in history(db, LAYER, fid)] == [
        (1, "create"),
        (2, "update"),
        (3, "delete"),
        (4, "revert"),
    ]
    assert client.get(f"{URL}/{fid}").get_json()["version"] == 4


def test_history_lists_every_version_newest_first(client, editor):
    fid = create(client, LAYER, well(depth_m=1), editor)["id"]
    for version in (1, 2):
        client.patch(
            f"{URL}/{fid}", json={"properties": {"depth_m": version + 1}}, headers=editor.bearer | etag(version)
        )
    response = client.get(f"{URL}/{fid}/history", headers=editor.bearer)
    assert response.status_code == 200
    body = response.get_json()
    assert body["feature_id"] == fid and body["layer"] == LAYER
    versions = body["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["operation"] for v in versions] == ["update", "update", "create"]
    assert versions[0]["before"]["properties"]["depth_m"] == 2 and versions[0]["after"]["properties"]["depth_m"] == 3
    assert versions[2]["before"] is None and versions[2]["user"] == editor.name
    assert client.get(f"{URL}/999999999/history", headers=editor.bearer).status_code == 404


def test_changes_are_paged_with_limit_offset_and_next(client, editor):
    layer = "water_permits"
    fids = [create(client, layer, permit(), editor)["id"] for _ in range(3)]
    client.patch(
        f"/api/layers/{layer}/features/{fids[0]}", json={"properties": {"status": "expired"}}, headers=editor.bearer
    )
    first = client.get(f"/api/layers/{layer}/changes?limit=2", headers=editor.bearer)
    assert first.status_code == 200
    page = first.get_json()
    assert page["total"] >= 4 and len(page["changes"]) == 2
    newest = page["changes"][0]
    assert (newest["feature_id"], newest["operation"], newest["fields"]) == (fids[0], "update", ["status"])
    assert newest["geometry_changed"] is False and newest["unconditional"] is True
    assert (page["changes"][1]["feature_id"], page["changes"][1]["operation"]) == (fids[2], "create")
    assert page["next"].endswith(f"/api/layers/{layer}/changes?limit=2&offset=2")
    second = client.get(page["next"], headers=editor.bearer).get_json()
    assert [c["feature_id"] for c in second["changes"]] == [fids[1], fids[0]]
    ids = [c["id"] for c in page["changes"] + second["changes"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    last_offset = page["total"] - 1
    tail = client.get(f"/api/layers/{layer}/changes?limit=2&offset={last_offset}", headers=editor.bearer).get_json()
    assert len(tail["changes"]) == 1 and tail["next"] is None
    assert client.get(f"/api/layers/{layer}/changes?limit=0", headers=editor.bearer).status_code == 400


def test_catalogue_updated_at_moves_at_once_after_an_edit(client, editor):
    fid = create(client, LAYER, well(), editor)["id"]
    before = client.get(f"/api/layers/{LAYER}").get_json()
    time.sleep(0.01)
    response = client.patch(f"{URL}/{fid}", json={"properties": {"depth_m": 3}}, headers=editor.bearer)
    assert response.status_code == 200
    after = client.get(f"/api/layers/{LAYER}").get_json()
    assert after["updated_at"] > before["updated_at"]
    assert after["updated_at"] == response.get_json()["updated_at"]
    listed = {entry["id"]: entry for entry in client.get("/api/layers").get_json()["layers"]}
    assert listed[LAYER]["updated_at"] == after["updated_at"]
