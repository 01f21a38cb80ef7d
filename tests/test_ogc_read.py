"""OGC API – Features, reading: landing page, conformance, collections, items and one item, as JSON and as pages."""

from __future__ import annotations

import pytest

from layers.crs import CRS84_URI

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def _links(document: dict, rel: str) -> list[dict]:
    return [link for link in document["links"] if link["rel"] == rel]


def test_landing_page_links_to_definition_documentation_conformance_and_data(client):
    response = client.get("/ogc")
    assert response.status_code == 200 and response.mimetype == "application/json"
    rels = {link["rel"]: link for link in response.get_json()["links"]}
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"].startswith("application/vnd.oai.openapi+json")
    assert client.get(rels["service-desc"]["href"]).get_json()["openapi"].startswith("3.0")
    assert client.get(rels["data"]["href"]).status_code == 200


def test_the_definition_takes_f_json_sends_f_html_to_its_documentation_and_refuses_other_formats(client):
    assert client.get("/ogc/api?f=json").get_json()["openapi"].startswith("3.0")
    response = client.get("/ogc/api?f=html")
    assert response.status_code == 303 and response.headers["Location"].endswith("/ogc/api.html")
    response = client.get("/ogc/api?f=yaml")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "f"


def test_conformance_names_parts_1_2_and_4(client):
    classes = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in classes


def test_every_layer_is_a_collection_with_extent_crs_licence_and_metadata(client, db, make_account):
    with db.cursor() as cur:
        cur.execute("SELECT id FROM layer WHERE access = 'public' ORDER BY id")
        layer_ids = {row[0] for row in cur.fetchall()}
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            " FROM (SELECT ST_Extent(geom) e FROM layerdata.rivers) q"
        )
        rivers_box = list(cur.fetchone())
    listed = client.get("/ogc/collections").get_json()["collections"]
    assert {c["id"] for c in listed} >= layer_ids - {"import_wells"}
    # Officials-only layers are not there for the public (and not found), as everywhere else.
    assert "patrol_routes" not in {c["id"] for c in listed}
    assert client.get("/ogc/collections/patrol_routes/items").status_code == 404
    official = client.get("/ogc/collections", headers=make_account("viewer").bearer).get_json()["collections"]
    assert "patrol_routes" in {c["id"] for c in official}
    rivers = client.get("/ogc/collections/rivers").get_json()
    assert rivers["extent"]["spatial"]["bbox"][0] == pytest.approx(rivers_box)
    assert rivers["crs"][0] == CRS84_URI and EPSG + "5897" in rivers["crs"] and EPSG + "4326" in rivers["crs"]
    assert all(EPSG + "5897" in c["crs"] for c in listed)
    assert _links(rivers, "license")[0]["href"].startswith("https://creativecommons.org/")
    described = {link["type"] for link in _links(rivers, "describedby")}
    assert {"application/xml", "text/html"} <= described
    assert client.get(_links(rivers, "items")[0]["href"]).mimetype == "application/geo+json"


def test_items_pages_with_counts_and_typed_next_prev_links(client, db):
    with db.cursor() as cur:
        cur.execute("SELECT count(*), array_agg(fid ORDER BY fid) FROM layerdata.communes")
        total, fids = cur.fetchone()
    first = client.get("/ogc/collections/communes/items?limit=50").get_json()
    assert first["numberMatched"] == total and first["numberReturned"] == 50
    assert [f["id"] for f in first["features"]] == fids[:50]
    (next_link,) = _links(first, "next")
    assert next_link["type"] == "application/geo+json" and not _links(first, "prev")
    second = client.get(next_link["href"]).get_json()
    assert [f["id"] for f in second["features"]] == fids[50:100]
    assert _links(second, "prev")[0]["type"] == "application/geo+json"
    assert {link["type"] for link in _links(second, "alternate")} == {"text/html"}


def test_limit_is_clamped_and_bad_values_name_their_parameter(client):
    clamped = client.get("/ogc/collections/communes/items?limit=999999").get_json()
    assert clamped["numberReturned"] == clamped["numberMatched"]  # 166 communes, under the maximum of 1,000
    for query, name in (
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("bbox=1,2,3", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("crs=EPSG:3857", "crs"),
        ("bbox-crs=EPSG:2000&bbox=1,2,3,4", "bbox-crs"),
        ("colour=red", "colour"),
        ("river_class=huge", "river_class"),
        ("f=xml", "f"),
    ):
        response = client.get(f"/ogc/collections/rivers/items?{query}")
        assert response.status_code == 400, query
        assert response.mimetype == "application/json" and name in response.get_json()["error"]["message"], query


def test_bbox_in_crs84_in_lat_lon_epsg_4326_and_in_vn2000(client, db):
    with db.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM layerdata.water_permits WHERE geom && ST_MakeEnvelope(105.5, 19.7, 105.9, 20.0, 4326)"
        )
        (expected,) = cur.fetchone()
        cur.execute(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ST_Transform("
            "ST_MakeEnvelope(105.5, 19.7, 105.9, 20.0, 4326), 5897) b"
        )
        projected = ",".join(f"{v:.3f}" for v in cur.fetchone())
    base = "/ogc/collections/water_permits/items?limit=1000&bbox="
    assert client.get(base + "105.5,19.7,105.9,20.0").get_json()["numberMatched"] == expected > 0
    lat_first = client.get(base + f"19.7,105.5,20.0,105.9&bbox-crs={EPSG}4326").get_json()
    assert lat_first["numberMatched"] == expected
    in_vn2000 = client.get(base + f"{projected}&bbox-crs={EPSG}5897").get_json()["numberMatched"]
    assert abs(in_vn2000 - expected) <= 2  # the projected rectangle is slightly larger than the degrees' one


def test_equality_filters_and_datetime_match_the_database(client, db):
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM layerdata.water_permits WHERE status = 'active'")
        (active,) = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM layerdata.species_observations WHERE event_date BETWEEN '2023-01-01' AND '2023-12-31'"
        )
        (in_2023,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM layerdata.species_observations WHERE event_date >= '2024-01-01'")
        (since_2024,) = cur.fetchone()
    permits = client.get("/ogc/collections/water_permits/items?status=active&limit=1000").get_json()
    assert permits["numberMatched"] == active and {f["properties"]["status"] for f in permits["features"]} == {"active"}
    observations = "/ogc/collections/species_observations/items?limit=1&datetime="
    assert client.get(observations + "2023-01-01/2023-12-31").get_json()["numberMatched"] == in_2023 > 0
    assert client.get(observations + "2024-01-01T00:00:00%2B07:00/..").get_json()["numberMatched"] == since_2024
    assert client.get("/ogc/collections/rivers/items?datetime=2024-01-01").status_code == 400  # no time field


def test_coordinates_come_in_the_crs_asked_for_with_content_crs(client, db):
    with db.cursor() as cur:
        cur.execute(
            "SELECT ST_X(geom), ST_Y(geom), ST_X(ST_Transform(geom, 5897)), ST_Y(ST_Transform(geom, 5897))"
            " FROM layerdata.hydro_stations ORDER BY fid LIMIT 1"
        )
        lon, lat, x, y = cur.fetchone()
    plain = client.get("/ogc/collections/hydro_stations/items?limit=1")
    assert plain.headers["Content-Crs"] == f"<{CRS84_URI}>"
    assert plain.get_json()["features"][0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-7)
    flipped = client.get(f"/ogc/collections/hydro_stations/items?limit=1&crs={EPSG}4326")
    assert flipped.headers["Content-Crs"] == f"<{EPSG}4326>"
    assert flipped.get_json()["features"][0]["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-7)
    fid = plain.get_json()["features"][0]["id"]
    projected = client.get(f"/ogc/collections/hydro_stations/items/{fid}?crs=EPSG:5897")
    assert projected.headers["Content-Crs"] == f"<{EPSG}5897>"
    assert projected.get_json()["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.001)
    assert "crs" not in projected.get_json()["geometry"]


def test_one_item_has_a_strong_etag_and_honours_if_none_match(client):
    response = client.get("/ogc/collections/rivers/items/1")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    version = response.get_json()["version"]
    assert response.headers["ETag"] == f'"{version}"'
    assert client.get("/ogc/collections/rivers/items/1", headers={"If-None-Match": f'"{version}"'}).status_code == 304


def test_unknown_collection_and_feature_are_404_in_json(client):
    for url in (
        "/ogc/collections/nowhere",
        "/ogc/collections/nowhere/items",
        "/ogc/collections/rivers/items/999999",
        "/ogc/no-such-page",
    ):
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 404 and response.mimetype == "application/json", url
    assert client.get("/ogc/collections/rivers/items/abc").status_code == 400


def test_queryables_are_a_json_schema_from_the_field_definitions(client):
    response = client.get("/ogc/collections/water_permits/queryables?lang=en")
    assert response.mimetype == "application/schema+json"
    schema = response.get_json()
    assert schema["$schema"].startswith("https://json-schema.org/")
    status = schema["properties"]["status"]
    assert status["title"] == "Status" and "active" in status["enum"] and status["x-atlas-labels"]["active"]
    volume = schema["properties"]["licensed_volume_m3_day"]
    assert volume["type"] == "number" and volume["x-ogc-unit"]
    assert schema["properties"]["geometry"]["format"] == "geometry-point"


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/conformance",
        "/collections",
        "/collections/rivers",
        "/collections/rivers/items",
        "/collections/rivers/items/1",
        "/collections/rivers/queryables",
    ],
)
def test_every_page_comes_as_html_by_f_and_by_accept_in_both_languages(client, path):
    by_f = client.get(f"/ogc{path}?f=html")
    assert by_f.status_code == 200 and by_f.mimetype == "text/html"
    assert 'class="site"' in by_f.get_data(as_text=True)  # the atlas's header and footer
    browser = client.get(f"/ogc{path}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.mimetype == "text/html"
    assert 'lang="en"' in client.get(f"/ogc{path}?f=html&lang=en").get_data(as_text=True)
    assert client.get(f"/ogc{path}", headers={"Accept": "*/*"}).mimetype.startswith("application/")


def test_items_page_in_english_and_vietnamese(client):
    english = client.get("/ogc/collections/rivers/items?f=html&lang=en").get_data(as_text=True)
    assert "Rivers" in english and "Showing" in english
    vietnamese = client.get("/ogc/collections/rivers/items?f=html&lang=vi").get_data(as_text=True)
    assert "Sông" in vietnamese and "Hiển thị" in vietnamese
