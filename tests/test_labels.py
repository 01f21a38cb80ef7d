"""The label points of /tiles/<ids>/labels.json, checked against the layers' geometries in PostGIS."""

from __future__ import annotations

import pytest

LABELLED = "communes,rivers,reservoirs,protected_areas,water_quality_stations,hydro_stations"


def labels_of(client, ids: str = LABELLED, **params) -> dict:
    response = client.get(f"/tiles/{ids}/labels.json", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def rows(document: dict, layer_id: str) -> list[list]:
    return [row for row in document["labels"] if row[0] == layer_id]


def test_every_commune_is_named_once_at_a_point_inside_it(client, db):
    communes = rows(labels_of(client), "communes")
    with db.cursor() as cur:
        cur.execute("SELECT fid, name FROM layerdata.communes")
        names = dict(cur.fetchall())
        assert {row[1]: row[2] for row in communes} == names
        for _, fid, _, lon, lat, angle in communes:
            cur.execute(
                "SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
                " FROM layerdata.communes WHERE fid = %s",
                (lon, lat, fid),
            )
            assert cur.fetchone()[0], f"the label of commune {names[fid]} lies outside it"
            assert angle == 0


def test_the_wards_of_thanh_hoa_city_are_labelled(client):
    names = {row[2] for row in rows(labels_of(client), "communes")}
    assert {"Phường Hạc Thành", "Phường Hàm Rồng"} <= names


def test_rivers_get_several_points_on_their_line_with_its_direction(client, db):
    rivers = rows(labels_of(client), "rivers")
    ma = [row for row in rivers if row[2] == "Sông Mã"]
    assert len(ma) >= 5, "a long river is offered several places to be named"
    with db.cursor() as cur:
        for _, fid, _, lon, lat, angle in rivers:
            cur.execute(
                "SELECT ST_Distance(geom_3857, ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 3857))"
                " FROM layerdata.rivers WHERE fid = %s",
                (lon, lat, fid),
            )
            # Label points keep 4 decimals (about 10 m, a pixel at zoom 14).
            assert cur.fetchone()[0] < 15.0, "a river label sits on its river"
            assert 0 <= angle <= 360
    assert len({row[5] for row in ma}) > 1, "the label follows the river's bends"


def test_points_are_named_where_they_are_and_layers_carry_their_rules(client, db):
    document = labels_of(client)
    with db.cursor() as cur:
        cur.execute(
            "SELECT fid, name, round(ST_X(geom)::numeric, 5), round(ST_Y(geom)::numeric, 5)"
            " FROM layerdata.hydro_stations"
        )
        expected = {(fid, name, float(x), float(y)) for fid, name, x, y in cur.fetchall()}
    assert {(r[1], r[2], r[3], r[4]) for r in rows(document, "hydro_stations")} == expected
    assert document["layers"]["communes"] == {"min_zoom": 10, "priority": 3}
    assert set(document["layers"]) == set(LABELLED.split(","))
    assert {"Vườn quốc gia Bến En", "Khu bảo tồn thiên nhiên Pù Luông"} <= {
        r[2] for r in rows(document, "protected_areas")
    }


def test_layers_without_a_label_field_have_none(client):
    assert labels_of(client, "groundwater_wells,forest_cover") == {"layers": {}, "labels": []}


def test_an_officials_only_layer_has_no_labels_for_the_public(client):
    assert client.get("/tiles/rivers,patrol_routes/labels.json").status_code == 404


def test_a_current_revision_makes_the_labels_cacheable_for_good(client):
    tilejson = client.get("/tiles/communes.json").json
    revision = tilejson["tiles"][0].split("?v=")[1]
    assert client.get(f"/tiles/communes/labels.json?v={revision}").headers["Cache-Control"].endswith("immutable")
    assert "must-revalidate" in client.get("/tiles/communes/labels.json").headers["Cache-Control"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/tiles/communes/labels.json?lang=fr", 400),
        ("/tiles/nowhere/labels.json", 404),
        ("/tiles/Communes;drop/labels.json", 404),
        ("/tiles/communes,communes/labels.json", 400),
    ],
)
def test_bad_label_requests_are_refused_in_json(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.json["error"]["message"]
