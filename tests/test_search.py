"""GET /api/search: places and features by name, with or without diacritics."""

from __future__ import annotations

import pytest

from tests.editing import committed


@pytest.mark.parametrize(
    "query, layer, label",
    [
        ("pu luong", "protected_areas", "Khu bảo tồn thiên nhiên Pù Luông"),
        ("Pù Luông", "protected_areas", "Khu bảo tồn thiên nhiên Pù Luông"),
        ("ham rong", "communes", "Phường Hàm Rồng"),
        ("HAM RONG", "communes", "Phường Hàm Rồng"),
        ("cua dat", "reservoirs", "Hồ Cửa Đạt"),
        ("song ma", "rivers", "Sông Mã"),
        ("hoi xuan", "hydro_stations", "Trạm thủy văn Hồi Xuân"),
        ("ben en", "protected_areas", "Vườn quốc gia Bến En"),
    ],
)
def test_search_finds_places_without_diacritics(client, query, layer, label):
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert any(r["layer"] == layer and r["label"] == label for r in results), [r["label"] for r in results]


def test_names_that_start_with_the_query_come_first(client):
    results = client.get("/api/search?q=ham rong").get_json()["results"]
    assert results[0]["label"] == "Phường Hàm Rồng"


def test_results_have_a_bbox_inside_the_province_and_a_link(client):
    results = client.get("/api/search?q=cam thuy").get_json()["results"]
    assert results
    for result in results:
        west, south, east, north = result["bbox"]
        assert 104.3 < west <= east < 106.2 and 19.2 < south <= north < 20.8
        assert client.get(result["links"][0]["href"]).status_code == 200


def test_like_wildcards_are_taken_literally(client):
    assert client.get("/api/search?q=%25%25").get_json()["results"] == []
    assert client.get("/api/search?q=__").get_json()["results"] == []


@pytest.mark.parametrize("query", ["", "a", "x" * 201])
def test_too_short_or_long_queries_are_400(client, query):
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_input"


def test_a_result_says_what_it_is_beside_its_name(client, db):
    with db.cursor() as cur:
        cur.execute("SELECT permit_no, holder FROM layerdata.water_permits ORDER BY fid LIMIT 1")
        permit_no, holder = cur.fetchone()
    results = client.get("/api/search", query_string={"q": permit_no}).get_json()["results"]
    permit = next(r for r in results if r["layer"] == "water_permits" and r["label"] == permit_no)
    assert permit["detail"] == holder
    commune = client.get("/api/search?q=ham rong").get_json()["results"][0]
    assert commune["detail"] is None, "a layer searched by its name alone has nothing to add"


# Where a result is: the nearest river within reach, else the commune it lies in


PERMIT = (
    "INSERT INTO layerdata.water_permits (permit_no, holder, water_source, issued_on, status, geom)"
    " SELECT %s, 'Công ty thử nghiệm', water_source, issued_on, status, ST_SetSRID(ST_MakePoint(%s, %s), 4326)"
    " FROM layerdata.water_permits ORDER BY fid LIMIT 1"
)


@pytest.fixture(scope="module")
def placed_permits(database_url):
    """Two permits of the test's own: one 300 m from sông Mã, one in a commune with no river within 5 km."""
    river_x, river_y = committed(
        database_url,
        # 300 m north of the middle of sông Mã's line (0.0027° of latitude).
        "SELECT ST_X(p), ST_Y(p) + 0.0027 FROM (SELECT ST_LineInterpolatePoint(ST_GeometryN(geom, 1), 0.5) p"
        " FROM layerdata.rivers WHERE name = 'Sông Mã') t",
    )
    far_x, far_y, commune = committed(
        database_url,
        "SELECT ST_X(p), ST_Y(p), name FROM (SELECT ST_PointOnSurface(geom) p, name, fid FROM layerdata.communes) c"
        " WHERE NOT EXISTS (SELECT 1 FROM layerdata.rivers r"
        "  WHERE ST_DWithin(r.geom::geography, c.p::geography, 5000)) ORDER BY fid LIMIT 1",
    )
    committed(database_url, PERMIT, ("999/GP-THU-SONG", river_x, river_y))
    committed(database_url, PERMIT, ("999/GP-THU-XA", far_x, far_y))
    yield {"commune": commune}
    committed(database_url, "DELETE FROM layerdata.water_permits WHERE permit_no LIKE '999/GP-THU-%%'")


def _result(client, query: str, **params) -> dict:
    results = client.get("/api/search", query_string={"q": query, **params}).get_json()["results"]
    return next(r for r in results if r["label"] == query)


def test_a_permit_near_a_river_is_on_it(client, placed_permits):
    place = _result(client, "999/GP-THU-SONG")["place"]
    assert place["kind"] == "river" and place["layer"] == "rivers" and place["name"] == "Sông Mã"


def test_a_permit_far_from_rivers_is_in_its_commune(client, placed_permits):
    place = _result(client, "999/GP-THU-XA")["place"]
    assert place == {"kind": "commune", "layer": "communes", "id": place["id"], "name": placed_permits["commune"]}


def test_places_are_names_of_the_data_in_either_language(client, placed_permits):
    """The API gives the place's own name; the map writes the phrase around it in the page's language."""
    assert _result(client, "999/GP-THU-SONG", lang="en")["place"]["name"] == "Sông Mã"


def test_a_commune_or_a_river_is_not_placed_by_itself(client):
    assert client.get("/api/search?q=ham rong").get_json()["results"][0]["place"] is None
    river = next(r for r in client.get("/api/search?q=song ma").get_json()["results"] if r["layer"] == "rivers")
    assert river["place"] is None
