"""Export filters (bbox, commune, fields) and refusals: each bad parameter is a 400 that names it."""

from __future__ import annotations

import json

import pytest

from tests.exporting import database_rows


def _geojson(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.loads(response.data)


def _ids(body: dict) -> set[int]:
    return {f["properties"]["feature_id"] for f in body["features"]}


def test_bbox_takes_the_features_that_intersect_it(client, db):
    box = (105.5, 19.6, 105.9, 20.0)
    body = _geojson(client, "/api/layers/groundwater_wells/export?format=geojson&bbox=" + ",".join(map(str, box)))
    expected = database_rows(
        db, "groundwater_wells", "WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))", box
    )
    assert _ids(body) == set(expected) and 0 < len(expected) < len(database_rows(db, "groundwater_wells"))


def test_commune_takes_the_features_in_that_commune(client, db, make_account):
    # As an official: the public's threatened species sit on their grid cells, which may lie in another commune.
    client.environ_base["HTTP_AUTHORIZATION"] = make_account("viewer").bearer["Authorization"]
    with db.cursor() as cur:
        cur.execute(
            "SELECT c.code, count(w.fid) FROM layerdata.communes c JOIN layerdata.species_observations w"
            " ON ST_Intersects(c.geom, w.geom) GROUP BY c.code ORDER BY count(w.fid) DESC LIMIT 1"
        )
        code, count = cur.fetchone()
    body = _geojson(client, f"/api/layers/species_observations/export?format=geojson&commune={code}")
    expected = database_rows(
        db,
        "species_observations",
        "WHERE EXISTS (SELECT 1 FROM layerdata.communes c WHERE c.code = %s AND ST_Intersects(c.geom, t.geom))",
        (code,),
    )
    assert _ids(body) == set(expected) and len(expected) == count > 0


def test_field_equality_filters_combine(client, db):
    body = _geojson(client, "/api/layers/water_permits/export?format=geojson&status=active&water_source=ground")
    expected = database_rows(db, "water_permits", "WHERE status = 'active' AND water_source = 'ground'")
    assert _ids(body) == set(expected) and expected
    assert {f["properties"]["status"] for f in body["features"]} == {"active"}


def test_numeric_and_date_filters_are_typed(client, db):
    with db.cursor() as cur:
        cur.execute("SELECT inventory_year FROM layerdata.forest_cover WHERE inventory_year IS NOT NULL LIMIT 1")
        (year,) = cur.fetchone()
    body = _geojson(client, f"/api/layers/forest_cover/export?format=geojson&inventory_year={year}")
    assert _ids(body) == set(database_rows(db, "forest_cover", "WHERE inventory_year = %s", (year,)))


@pytest.mark.parametrize(
    "query, words",
    [
        ("format=xls", ["format", "shp"]),
        ("format=shp&crs=EPSG:32648", ["crs", "VN-2000"]),
        ("format=kml&crs=EPSG:5897", ["KML", "WGS 84"]),
        ("format=geojson&crs=3405", ["RFC 7946"]),
        ("bbox=1,2,3", ["bbox"]),
        ("bbox=106,20,105,19", ["bbox"]),
        ("commune=abc", ["commune"]),
        ("commune=99999", ["99999"]),
        ("status=closed", ["status", "active"]),
        ("colour=red&depth=3", ["colour", "depth"]),
        ("status=active&status=expired", ["once", "status"]),
        ("issued_on=yesterday", ["issued_on", "YYYY-MM-DD"]),
    ],
)
def test_bad_parameters_are_400_and_change_nothing(client, db, query, words):
    with db.cursor() as cur:
        cur.execute("SELECT revision FROM layer WHERE id = 'water_permits'")
        before = cur.fetchone()
    count = len(database_rows(db, "water_permits"))
    response = client.get(f"/api/layers/water_permits/export?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    for word in words:
        assert word in error["message"]
    db.rollback()
    with db.cursor() as cur:
        cur.execute("SELECT revision FROM layer WHERE id = 'water_permits'")
        assert cur.fetchone() == before
    assert len(database_rows(db, "water_permits")) == count


def test_unknown_layer_is_404_and_field_filters_need_one_layer(client):
    assert client.get("/api/layers/nope/export").status_code == 404
    assert client.get("/api/export?layers=rivers,nope").status_code == 404
    response = client.get("/api/export?layers=rivers,reservoirs&status=active")
    assert response.status_code == 400 and "single layer" in response.get_json()["error"]["message"]
    assert client.get("/api/export").status_code == 400


@pytest.mark.parametrize(
    "layers, words",
    [("rivers,reservoirs,rivers", ["rivers", "once"]), (",".join(f"l{i}" for i in range(13)), ["at most 12"])],
    ids=["twice", "too-many"],
)
def test_a_layer_list_says_what_is_wrong_with_it(client, layers, words):
    response = client.get(f"/api/export?layers={layers}&format=csv")
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert all(word in message for word in words), message
