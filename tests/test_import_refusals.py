"""Imports refused: who may import, what the file must say, unsafe archives and uploads; data unchanged after each."""

from __future__ import annotations

import io
import json
import stat
import tempfile
import zipfile

import pytest

from atlas import create_app
from tests.editing import csrf_token, sign_in
from tests.importing import LAYER, layer, post_import, state, wells, write_points, zip_folder  # noqa: F401


@pytest.fixture
def unchanged(db, layer, tmp_path_factory, monkeypatch):  # noqa: F811
    """Asserts after the test that the layer and its history are as they were, and no import folder is left.

    The imports make their folders in a temporary folder of this test's own, so another test run on the
    machine cannot be mistaken for a leftover.
    """
    private = tmp_path_factory.mktemp("imports")
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    before = state(db)
    yield
    assert state(db) == before
    assert list(private.iterdir()) == []


def _shapefile(tmp_path, crs="EPSG:4326", points=None) -> bytes:
    pts, fields = wells()
    write_points(tmp_path / "w.shp", points or pts, fields, crs=crs)
    return zip_folder(tmp_path)


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return out.getvalue()


def test_anonymous_is_401_and_other_editors_403(client, make_account, tmp_path, unchanged):
    data = _shapefile(tmp_path)
    response = client.post(f"/api/layers/{LAYER}/import", data={"file": (io.BytesIO(data), "w.zip")})
    assert response.status_code == 401
    other = make_account("editor", ["water_permits"])
    assert post_import(client, other, data).status_code == 403


def test_a_cookie_session_needs_the_csrf_token(client, editor, tmp_path, unchanged):
    data = _shapefile(tmp_path)
    token = sign_in(client, editor)
    response = client.post(f"/api/layers/{LAYER}/import", data={"file": (io.BytesIO(data), "w.zip"), "dry_run": "1"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    response = client.post(
        f"/api/layers/{LAYER}/import",
        data={"file": (io.BytesIO(data), "w.zip"), "dry_run": "1"},
        headers={"X-CSRFToken": token or csrf_token(client)},
    )
    assert response.status_code == 200, response.get_json()


def test_no_prj_and_no_srid_says_what_to_add(client, editor, tmp_path, unchanged):
    _shapefile(tmp_path)
    data = zip_folder(tmp_path, (".shp", ".shx", ".dbf", ".cpg"))
    response = post_import(client, editor, data)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["problem"] == "crs_missing"
    assert ".prj" in error["message"] and "srid=" in error["message"]
    body = post_import(client, editor, data, srid=4326, dry_run="true").get_json()
    assert body["crs"]["srid"] == 4326 and "srid=4326" in body["crs"]["found"]


@pytest.mark.parametrize(
    "prj",
    ["GARBAGE WKT", 'LOCAL_CS["site grid",UNIT["metre",1]]', 'GEOGCS["x",DATUM["y"'],
    ids=["garbage", "local-grid", "cut-short"],
)
def test_a_prj_that_cannot_be_read_or_used_says_what_to_send(client, editor, tmp_path, unchanged, prj):
    _shapefile(tmp_path)
    (tmp_path / "w.prj").write_text(prj)
    response = post_import(client, editor, zip_folder(tmp_path), dry_run="true")
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["problem"] in ("crs_unreadable", "crs_missing"), error
    assert "srid=" in error["message"] or "EPSG:5897" in error["message"]


def test_swapped_axes_are_named(client, editor, tmp_path, unchanged):
    pts, fields = wells()
    write_points(tmp_path / "w.geojson", [(y, x) for x, y in pts], fields, driver="GeoJSON")
    response = post_import(client, editor, (tmp_path / "w.geojson").read_bytes(), "w.geojson")
    assert response.status_code == 422
    assert response.get_json()["error"]["cause"] == "swapped_axes"
    assert "swapped axes" in response.get_json()["error"]["message"]


def test_metres_declared_as_degrees_are_named(client, editor, tmp_path, unchanged):
    data = _shapefile(tmp_path, crs=None, points=[(563000.0 + i, 2206000.0) for i in range(4)])
    response = post_import(client, editor, data, srid=4326)
    assert response.status_code == 422 and response.get_json()["error"]["cause"] == "projected_as_degrees"


@pytest.mark.parametrize(
    "entries",
    [
        [("../w.shp", b"x")],
        [("/tmp/w.shp", b"x")],
        [("a/../../w.shp", b"x")],
        [(f"f{i}.txt", b"x") for i in range(201)],
        [("w.shp", b"\0" * 20_000_000)],
    ],
    ids=["traversal", "absolute", "nested-traversal", "too-many", "bomb"],
)
def test_unsafe_zips_are_refused(client, editor, unchanged, entries):
    response = post_import(client, editor, _zip(entries))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["problem"] == "unsafe_archive"


def test_links_in_a_zip_are_refused(client, editor, unchanged):
    link = zipfile.ZipInfo("w.shp")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    response = post_import(client, editor, _zip([(link, b"/etc/passwd")]))
    assert response.status_code == 422 and "link" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("data", "name", "status"),
    [
        (b"just some text", "w.zip", 415),
        (b"just some text", "w.gpkg", 415),
        (b"SQLite format 3\x00" + b"\0" * 200, "w.gpkg", 422),
        (json.dumps({"type": "FeatureCollection"}).encode()[:-3], "w.geojson", 422),
        (b"PK\x03\x04 broken", "w.zip", 415),
    ],
    ids=["text-as-zip", "text-as-gpkg", "broken-gpkg", "broken-geojson", "broken-zip"],
)
def test_a_file_that_is_not_what_its_name_says(client, editor, unchanged, data, name, status):
    response = post_import(client, editor, data, name)
    assert response.status_code == status, response.get_json()
    assert "Traceback" not in response.get_data(as_text=True)
    assert tempfile.gettempdir() not in response.get_data(as_text=True)  # no private folder named


def test_a_shapefile_of_garbage_is_a_422(client, editor, unchanged):
    data = _zip([("w.shp", b"not a shapefile" * 10), ("w.dbf", b"nope"), ("w.shx", b"no")])
    response = post_import(client, editor, data)
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["error"]["message"]
    assert "w.shp" in message and tempfile.gettempdir() not in message and "atlas-import" not in message


def test_bad_parameters_are_400(client, editor, tmp_path, unchanged):
    data = _shapefile(tmp_path)
    for form in ({"mode": "merge"}, {"encoding": "latin9"}, {"srid": "abc"}, {"colour": "red"}, {"dry_run": "maybe"}):
        assert post_import(client, editor, data, **form).status_code == 400, form


def test_an_upload_over_the_limit_is_413_before_it_is_read(database_url, editor, unchanged):
    small = create_app({"database_url": database_url, "max_upload_mb": 1})
    small.config["TESTING"] = True
    try:
        response = post_import(small.test_client(), editor, b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))
        assert response.status_code == 413
        assert response.get_json()["error"]["code"] == "payload_too_large"
    finally:
        small.extensions["atlas.pool"].close()
