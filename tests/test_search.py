"""GET /api/search: places and features by name, with or without diacritics."""

from __future__ import annotations

import pytest


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
