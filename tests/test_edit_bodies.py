"""Request bodies of the write API: strict JSON, the right Content-Type, a size limit, and an object."""

from __future__ import annotations

import json

import pytest

from atlas import create_app
from tests.editing import create, etag, layer_snapshot, row, well

WELLS = "/api/layers/groundwater_wells/features"


@pytest.fixture(scope="module")
def editor(make_account):
    """An editor of the wells layer."""
    return make_account("editor", ["groundwater_wells"])


def _refused(client, db, body: str | bytes, editor, status: int, content_type: str | None = "application/json") -> dict:
    """POST the raw body, assert the status and that the layer is unchanged, and return the error."""
    before = layer_snapshot(db, "groundwater_wells")
    response = client.post(WELLS, data=body, content_type=content_type, headers=editor.bearer)
    assert response.status_code == status, response.get_json()
    assert response.is_json
    assert layer_snapshot(db, "groundwater_wells") == before
    return response.get_json()["error"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_a_body_are_400(client, db, editor, constant):
    raw = (
        f'{{"type": "Feature", "properties": {{"well_code": "GW-x", "depth_m": {constant}}},'
        ' "geometry": {"type": "Point", "coordinates": [105.6, 19.9]}}'
    )
    error = _refused(client, db, raw, editor, 400)
    assert error["code"] == "invalid_input" and constant.lstrip("-") in error["message"]


@pytest.mark.parametrize(
    "raw", ['{"type": "Feature",', "{'type': 'Feature'}", "", "\xff\xfe", '{"type": 1' + "0" * 5000 + "}"]
)
def test_invalid_json_is_400(client, db, editor, raw):
    error = _refused(client, db, raw.encode("latin-1"), editor, 400)
    assert error["code"] == "invalid_input" and "JSON" in error["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(client, db, editor, content_type):
    raw = json.dumps(well())
    error = _refused(client, db, raw, editor, 415, content_type)
    assert error["code"] == "unsupported_media_type"


def test_patch_takes_merge_patch_and_json_but_not_text(client, db, editor):
    fid = create(client, "groundwater_wells", well(), editor)["id"]
    url = f"{WELLS}/{fid}"
    text = client.patch(url, data='{"properties": {"depth_m": 1}}', content_type="text/plain", headers=editor.bearer)
    assert text.status_code == 415 and row(db, "groundwater_wells", fid)["version"] == 1
    merge = client.patch(
        url, data='{"properties": {"depth_m": 1}}', content_type="application/merge-patch+json", headers=editor.bearer
    )
    assert merge.status_code == 200 and row(db, "groundwater_wells", fid)["depth_m"] == 1
    plain = client.patch(
        url, data='{"properties": {"depth_m": 2}}', content_type="application/json", headers=editor.bearer
    )
    assert plain.status_code == 200 and row(db, "groundwater_wells", fid)["depth_m"] == 2


def test_body_over_the_limit_is_413(database_url, db, editor):
    small = create_app({"database_url": database_url, "max_body_kb": 16})
    try:
        client = small.test_client()
        body = json.dumps(well(commune="x" * 100) | {"padding": "y" * 17 * 1024})
        error = _refused(client, db, body, editor, 413)
        assert error["code"] == "payload_too_large" and "16 KB" in error["message"]
        fits = client.post(WELLS, json=well(), headers=editor.bearer)
        assert fits.status_code == 201
    finally:
        small.extensions["atlas.pool"].close()


@pytest.mark.parametrize("raw", ["[1, 2]", '"Feature"', "null", "42", "true"])
def test_json_that_is_not_an_object_is_refused_clearly(client, db, editor, raw):
    error = _refused(client, db, raw, editor, 422)
    assert "object" in error["message"]
    fid = create(client, "groundwater_wells", well(), editor)["id"]
    before = row(db, "groundwater_wells", fid)
    for method in (client.put, client.patch):
        response = method(f"{WELLS}/{fid}", data=raw, content_type="application/json", headers=editor.bearer | etag(1))
        assert response.status_code == 422 and "object" in response.get_json()["error"]["message"]
    assert row(db, "groundwater_wells", fid) == before
