"""The read API against the real test database: catalogue, layers, features and bad input."""

from __future__ import annotations

import unicodedata

import pytest

from layers.sample.definitions import SAMPLE_LAYERS

LAYER_IDS = [layer.id for layer in SAMPLE_LAYERS]
# What the public sees of the catalogue: patrol routes are for signed-in officials only.
PUBLIC_LAYER_IDS = [layer.id for layer in SAMPLE_LAYERS if layer.access == "public"]


def test_catalogue_lists_every_layer_with_computed_facts(client, db):
    response = client.get("/api/layers")
    assert response.status_code == 200
    layers = {entry["id"]: entry for entry in response.get_json()["layers"]}
    assert sorted(layers) == sorted(PUBLIC_LAYER_IDS)
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM layerdata.communes")
        assert layers["communes"]["feature_count"] == cur.fetchone()[0] == 166
    province = layers["province"]
    assert province["theme"] == "admin" and province["geometry_type"] == "MultiPolygon"
    min_lon, min_lat, max_lon, max_lat = province["bbox"]
    assert 104.3 < min_lon < 104.5 and 105.9 < max_lon < 106.1 and 19.2 < min_lat < 19.4 and 20.5 < max_lat < 20.7
    assert province["updated_at"] is not None
    assert {link["rel"] for link in province["links"]} >= {"self", "items"}


def test_layer_detail_has_metadata_and_fields(client):
    body = client.get("/api/layers/water_permits").get_json()
    assert body["title"]["vi"] == "Giấy phép khai thác, sử dụng tài nguyên nước"
    names = [f["name"] for f in body["fields"]]
    assert names[:3] == ["permit_no", "holder", "water_source"]
    status = next(f for f in body["fields"] if f["name"] == "status")
    assert {v["code"] for v in status["domain"]} == {"active", "expired", "suspended", "revoked"}
    volume = next(f for f in body["fields"] if f["name"] == "licensed_volume_m3_day")
    assert volume["unit"] == "m³/ngày đêm"
    meta = body["metadata"]
    for key in (
        "abstract_vi",
        "abstract_en",
        "keywords_vi",
        "topic_category",
        "lineage_vi",
        "source_organisation",
        "contact_email",
        "license",
        "access_constraints",
        "update_frequency",
        "temporal_start",
        "reference_date",
        "language",
        "crs",
    ):
        assert meta[key], key
    assert body["feature_count"] > 0 and body["style"]["category_field"] == "status"


def test_features_page_is_geojson_with_next_link(client):
    response = client.get("/api/layers/communes/features?limit=50")
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == 166 and body["numberReturned"] == 50
    first = body["features"][0]
    assert isinstance(first["id"], int) and first["geometry"]["type"] == "MultiPolygon"
    assert set(first["properties"]) == {"code", "name", "unit_type", "area_km2"}
    follow = client.get(body["next"]).get_json()
    assert follow["features"][0]["id"] > body["features"][-1]["id"]
    last = client.get("/api/layers/communes/features?limit=50&offset=150").get_json()
    assert last["numberReturned"] == 16 and last["next"] is None


def test_limit_is_clamped_to_the_maximum(client, app):
    maximum = app.extensions["atlas.settings"].features_max_limit
    body = client.get("/api/layers/species_observations/features?limit=999999").get_json()
    assert body["numberReturned"] == min(maximum, body["numberMatched"])


def test_bbox_filters_features(client, db):
    bbox = (105.70, 19.70, 105.95, 19.90)
    body = client.get("/api/layers/groundwater_wells/features?limit=1000&bbox=" + ",".join(map(str, bbox))).get_json()
    with db.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM layerdata.groundwater_wells WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", bbox
        )
        expected = cur.fetchone()[0]
    assert expected > 0 and body["numberMatched"] == expected
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


@pytest.mark.parametrize("query", ["pu luong", "Pù Luông", "PU LUONG"])
def test_text_filter_ignores_diacritics_and_case(client, query):
    body = client.get("/api/layers/protected_areas/features", query_string={"q": query}).get_json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Khu bảo tồn thiên nhiên Pù Luông"]


def test_single_feature_with_etag(client):
    first = client.get("/api/layers/hydro_stations/features?limit=1").get_json()["features"][0]
    response = client.get(f"/api/layers/hydro_stations/features/{first['id']}")
    assert response.status_code == 200
    assert response.get_json()["properties"] == first["properties"]
    assert response.headers["ETag"] == f'"{first["version"]}"'


def test_text_is_nfc(client):
    for feature in client.get("/api/layers/communes/features?limit=1000").get_json()["features"]:
        name = feature["properties"]["name"]
        assert unicodedata.is_normalized("NFC", name), name


@pytest.mark.parametrize(
    "path",
    [
        "/api/layers/nope",
        "/api/layers/rivers;DROP TABLE rivers",
        "/api/layers/..%2F..%2Fetc%2Fpasswd",
        "/api/layers/pg_catalog.pg_authid/features",
        "/api/layers/RIVERS/features",
        "/api/layers/rivers/features/999999999",
    ],
)
def test_unknown_or_hostile_ids_are_json_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] in {"layer_not_found", "feature_not_found", "not_found"} and error["message"]
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM layerdata.rivers")
        assert cur.fetchone()[0] > 0


@pytest.mark.parametrize(
    "query, mentions",
    [
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("offset=1e12", "offset"),
        ("offset=-5", "offset"),
        ("offset=99999999999", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=106,20,105,19", "bbox"),
        ("bbox=nan,1,2,3", "bbox"),
        ("bbox=0,0,500,10", "bbox"),
    ],
)
def test_bad_query_parameters_are_400(client, query, mentions):
    response = client.get(f"/api/layers/rivers/features?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and mentions in error["message"]
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("fid", ["abc", "0", "-1", "1.5", "99999999999999999999"])
def test_bad_feature_ids_are_400(client, fid):
    response = client.get(f"/api/layers/rivers/features/{fid}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {"status": "ok", "database": "ok", "postgis": "ok", "catalogue": True}
    assert not any(ch.isdigit() for ch in response.get_data(as_text=True)), "no software versions"
