"""Edit-aware tiles: a change re-renders only the tiles its old and new geometries reach, at every zoom."""

from __future__ import annotations

import psycopg2
import pytest

from tests.conftest import path_of

from .test_tiles import decode, fetch, tile_of

# Two places in the province about 60 km apart: no tile from z8 down holds both.
NEAR = (105.62, 19.92)
FAR = (105.10, 20.35)
WELL = {
    "well_code": "GW-TEST-TILE",
    "commune_code": "16438",
    "commune": "Xã Lưu Vệ",
    "depth_m": 42.0,
    "aquifer": "qp",
    "static_level_m": 2.0,
    "yield_m3_day": 100.0,
    "purpose": "domestic",
    "drilled_on": "2020-01-02",
    "status": "operating",
}


def _features(response, layer: str) -> list[dict]:
    if response.status_code == 204:
        return []
    return decode(response).get(layer, {}).get("features", [])


@pytest.fixture
def admin(make_account):
    return make_account("admin")


def _create_well(client, admin, lon: float, lat: float, code: str) -> dict:
    body = {
        "type": "Feature",
        "properties": WELL | {"well_code": code},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }
    response = client.post("/api/layers/groundwater_wells/features", json=body, headers=admin.bearer)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("z", [8, 11, 14])
def test_an_edit_leaves_far_tiles_cached_and_redraws_the_near_one(client, admin, z):
    near, far = tile_of(*NEAR, z), tile_of(*FAR, z)
    before_near = fetch(client, "groundwater_wells", *near)
    before_far = fetch(client, "groundwater_wells", *far)
    assert fetch(client, "groundwater_wells", *far).headers["X-Tile-Cache"] == "hit"
    code = f"GW-TEST-Z{z}"
    _create_well(client, admin, *NEAR, code)
    after_far = fetch(client, "groundwater_wells", *far)
    assert after_far.headers["X-Tile-Cache"] == "hit"
    assert after_far.data == before_far.data and after_far.headers["ETag"] == before_far.headers["ETag"]
    after_near = fetch(client, "groundwater_wells", *near)
    assert after_near.headers["X-Tile-Cache"] == "miss"
    codes = {f["properties"].get("well_code") for f in _features(after_near, "groundwater_wells")}
    assert code in codes and code not in {
        f["properties"].get("well_code") for f in _features(before_near, "groundwater_wells")
    }


def test_moving_a_feature_redraws_both_its_old_and_new_tiles(client, admin):
    z = 12
    created = _create_well(client, admin, *NEAR, "GW-TEST-MOVE")
    old_tile, new_tile = tile_of(*NEAR, z), tile_of(*FAR, z)
    assert "GW-TEST-MOVE" in {
        f["properties"]["well_code"]
        for f in _features(fetch(client, "groundwater_wells", *old_tile), "groundwater_wells")
    }
    fetch(client, "groundwater_wells", *new_tile)
    response = client.patch(
        f"/api/layers/groundwater_wells/features/{created['id']}",
        json={"geometry": {"type": "Point", "coordinates": list(FAR)}},
        headers=admin.bearer | {"If-Match": f'"{created["version"]}"'},
    )
    assert response.status_code == 200
    left, arrived = fetch(client, "groundwater_wells", *old_tile), fetch(client, "groundwater_wells", *new_tile)
    assert left.headers["X-Tile-Cache"] == arrived.headers["X-Tile-Cache"] == "miss"
    assert "GW-TEST-MOVE" not in {f["properties"]["well_code"] for f in _features(left, "groundwater_wells")}
    assert "GW-TEST-MOVE" in {f["properties"]["well_code"] for f in _features(arrived, "groundwater_wells")}


def test_a_change_made_in_psql_redraws_the_grid_cell_tiles_it_reaches(client, database_url):
    z = 10  # species observations are drawn as grid cells below z14
    near, far = tile_of(*NEAR, z), tile_of(*FAR, z)

    def total(response) -> int:
        return sum(f["properties"]["point_count"] for f in _features(response, "species_observations"))

    before_near, before_far = fetch(client, "species_observations", *near), fetch(client, "species_observations", *far)
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO layerdata.species_observations (occurrence_id, scientific_name, vernacular_name,"
                " iucn_category, event_date, basis_of_record, individual_count, geom)"
                " SELECT 'urn:test:tile-edit', scientific_name, vernacular_name, iucn_category, event_date,"
                " basis_of_record, 1, ST_SetSRID(ST_MakePoint(%s, %s), 4326)"
                " FROM layerdata.species_observations LIMIT 1",
                NEAR,
            )
        after_near, after_far = (
            fetch(client, "species_observations", *near),
            fetch(client, "species_observations", *far),
        )
        # Species observations generalise threatened records for the public, and cells count them where
        # the public sees them, away from where they changed: their tiles are drawn afresh after any edit.
        assert after_far.headers["X-Tile-Cache"] == "miss" and after_far.data == before_far.data
        assert after_near.headers["X-Tile-Cache"] == "miss" and total(after_near) == total(before_near) + 1
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM layerdata.species_observations WHERE occurrence_id = 'urn:test:tile-edit'")
        conn.close()
    assert total(fetch(client, "species_observations", *near)) == total(before_near)


def test_versioned_urls_of_the_new_revision_reuse_untouched_tiles(client, admin):
    z = 11
    far = tile_of(*FAR, z)

    def versioned(ids: str) -> str:
        template = path_of(client.get(f"/tiles/{ids}.json").get_json()["tiles"][0])
        return template.replace("{z}", str(far[0])).replace("{x}", str(far[1])).replace("{y}", str(far[2]))

    old_url = versioned("groundwater_wells,rivers")
    first = client.get(old_url)
    _create_well(client, admin, *NEAR, "GW-TEST-VERSIONED")
    new_url = versioned("groundwater_wells,rivers")
    assert new_url != old_url
    again = client.get(new_url)
    assert again.headers["X-Tile-Cache"] == "hit" and again.data == first.data
    assert "immutable" in again.headers["Cache-Control"]
    # Now kept under the new revisions too, so the next request needs no database.
    assert client.get(new_url).headers["X-Tile-Cache"] == "hit"


def test_a_point_records_one_tile_range_per_drawn_zoom(client, admin, db):
    created = _create_well(client, admin, *NEAR, "GW-TEST-RANGES")
    with db.cursor() as cur:
        cur.execute(
            "SELECT z, x0, y0, x1, y1 FROM tile_change c JOIN layer l ON l.id = c.layer_id"
            " WHERE c.layer_id = 'groundwater_wells' AND c.revision = l.revision ORDER BY z"
        )
        ranges = cur.fetchall()
        cur.execute("SELECT min_zoom, max_zoom FROM layer WHERE id = 'groundwater_wells'")
        min_zoom, max_zoom = cur.fetchone()
    # One range a zoom, for the zooms the layer is drawn at only.
    assert [r[0] for r in ranges] == list(range(min_zoom, max_zoom + 1))
    for z, x0, y0, x1, y1 in ranges:
        _, x, y = tile_of(*created["geometry"]["coordinates"], z)
        # The point's own tile, and at most its neighbours within the 64-unit tile buffer.
        assert x0 <= x <= x1 and y0 <= y <= y1 and x1 - x0 <= 1 and y1 - y0 <= 1
