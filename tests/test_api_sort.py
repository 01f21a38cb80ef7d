"""`sort` on /api/layers/<id>/features: any of the layer's own fields, either way, parsed strictly."""

from __future__ import annotations

import pytest


def names(client, layer: str, **params) -> list:
    response = client.get(f"/api/layers/{layer}/features", query_string={"limit": 1000, **params})
    assert response.status_code == 200, response.json
    return [f["properties"] for f in response.json["features"]]


def test_sort_by_a_field_both_ways_with_paging(client, db):
    # The database's own collation decides the order; compare with what it says.
    with db.cursor() as cur:
        cur.execute("SELECT name FROM layerdata.reservoirs ORDER BY name, fid")
        expected = [row[0] for row in cur.fetchall()]
    assert [p["name"] for p in names(client, "reservoirs", sort="name")] == expected
    assert [p["name"] for p in names(client, "reservoirs", sort="-name")] == list(reversed(expected))
    page = client.get("/api/layers/reservoirs/features?sort=name&limit=5&offset=5").json
    assert [f["properties"]["name"] for f in page["features"]] == expected[5:10]
    assert "sort=name" in page["next"]


def test_numbers_sort_as_numbers_and_empty_values_come_last(client):
    areas = [p["surface_area_ha"] for p in names(client, "reservoirs", sort="-surface_area_ha")]
    present = [a for a in areas if a is not None]
    assert present == sorted(present, reverse=True)
    assert areas[: len(present)] == present


def test_sort_combines_with_the_text_filter(client, db):
    with db.cursor() as cur:
        cur.execute(
            "SELECT name FROM layerdata.communes WHERE atlas_fold(name) LIKE atlas_fold('%thanh%') ORDER BY name DESC"
        )
        expected = [row[0] for row in cur.fetchall()]
    assert len(expected) > 3
    assert [p["name"] for p in names(client, "communes", sort="-name", q="thanh")] == expected


@pytest.mark.parametrize("sort", ["fid", "geom", "nope", "--name", "name;drop", "name desc", " name", "-"])
def test_sort_on_anything_but_a_field_is_refused_by_name(client, sort):
    response = client.get("/api/layers/reservoirs/features", query_string={"sort": sort})
    assert response.status_code == 400
    assert "sort" in response.json["error"]["message"]
