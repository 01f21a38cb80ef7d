"""Vector tiles decoded with mapbox-vector-tile: content, composites, TileJSON, caching, bad input."""

from __future__ import annotations

import gzip
import math
from dataclasses import replace

import mapbox_vector_tile
import pytest

from layers.catalogue import get_layer, save_layer_definition
from tests.conftest import path_of
from tiles.grid import BUFFER, EXTENT

BEN_EN = (105.525, 19.6167)
PU_LUONG = (105.17, 20.45)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The z/x/y of the Web-Mercator tile that holds a lon/lat."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return z, x, y


def fetch(client, ids: str, z: int, x: int, y: int, **headers):
    return client.get(f"/tiles/{ids}/{z}/{x}/{y}.pbf", headers=headers)


def decode(response) -> dict:
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return mapbox_vector_tile.decode(body)


def _positions(coordinates):
    """Every (x, y) pair of a decoded geometry, however deeply nested."""
    if isinstance(coordinates[0], int | float):
        yield coordinates
        return
    for part in coordinates:
        yield from _positions(part)


def test_protected_area_tile_carries_names_and_attributes(client):
    response = fetch(client, "protected_areas", *tile_of(*BEN_EN, 10))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    layer = decode(response)["protected_areas"]
    assert layer["extent"] == EXTENT
    names = {f["properties"]["name"] for f in layer["features"]}
    assert "Vườn quốc gia Bến En" in names
    ben_en = next(f for f in layer["features"] if f["properties"]["name"] == "Vườn quốc gia Bến En")
    assert ben_en["properties"]["category"] == "national_park"
    assert isinstance(ben_en["id"], int) and ben_en["id"] > 0
    points = list(_positions(ben_en["geometry"]["coordinates"]))
    assert len(points) > 10
    for px, py in points:
        assert -BUFFER <= px <= EXTENT + BUFFER and -BUFFER <= py <= EXTENT + BUFFER


def _points_in_tile(db, z, x, y) -> int:
    with db.cursor() as cur:
        # Where the public sees each record: threatened ones at their 10 km grid-cell centre.
        cur.execute(
            "SELECT count(*) FROM layerdata.species_observations WHERE ST_Intersects(CASE WHEN"
            " iucn_category IN ('CR', 'EN') OR vn_red_book IN ('CR', 'EN')"
            " THEN ST_Transform(atlas_grid_centre(geom, 10000), 3857) ELSE geom_3857 END, ST_TileEnvelope(%s, %s, %s))",
            (z, x, y),
        )
        return cur.fetchone()[0]


def test_low_zoom_point_tiles_are_clusters_that_add_up(client, db):
    z, x, y = tile_of(*PU_LUONG, 9)
    layer = decode(fetch(client, "species_observations", z, x, y))["species_observations"]
    inside = _points_in_tile(db, z, x, y)
    assert inside > 0
    assert sum(f["properties"]["point_count"] for f in layer["features"]) == inside
    assert len(layer["features"]) < inside
    categories = {f["properties"].get("iucn_category") for f in layer["features"]}
    assert "CR" in categories and categories <= {"CR", "EN", "VU", "NT", "LC", "DD", None}


def test_high_zoom_point_tiles_carry_each_observation(client, db):
    z, x, y = tile_of(*PU_LUONG, 14)
    with db.cursor() as cur:
        # A tile around an actual observation, so the test does not depend on where the seed put them.
        cur.execute(
            "SELECT ST_X(geom), ST_Y(geom) FROM layerdata.species_observations"
            " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 1",
            PU_LUONG,
        )
        z, x, y = tile_of(*cur.fetchone(), 14)
    layer = decode(fetch(client, "species_observations", z, x, y))["species_observations"]
    assert len(layer["features"]) >= _points_in_tile(db, z, x, y) > 0
    assert {"scientific_name", "vernacular_name", "iucn_category"} <= set(layer["features"][0]["properties"])
    assert all(isinstance(f["id"], int) for f in layer["features"])


def test_composite_tile_has_one_layer_per_atlas_layer(client):
    z, x, y = tile_of(105.78, 19.81, 8)
    decoded = decode(fetch(client, "province,communes,rivers", z, x, y))
    assert set(decoded) == {"province", "communes", "rivers"}
    communes = {f["properties"]["name"] for f in decoded["communes"]["features"]}
    assert "Phường Hạc Thành" in communes


def test_empty_tile_is_204(client):
    response = fetch(client, "communes", 10, 0, 0)
    assert response.status_code == 204 and response.data == b""


def test_gzip_when_accepted(client):
    args = ("communes", *tile_of(105.78, 19.81, 9))
    plain = fetch(client, *args)
    zipped = fetch(client, *args, **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # one strong ETag per representation


def test_etag_and_304(client):
    args = ("rivers", *tile_of(105.78, 19.81, 9))
    first = fetch(client, *args)
    again = fetch(client, *args, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["X-Tile-Cache"] == "hit"


def test_tilejson_describes_layers_and_versioned_urls(client, db):
    body = client.get("/tiles/rivers,reservoirs.json").get_json()
    assert body["tilejson"] == "3.0.0"
    with db.cursor() as cur:
        cur.execute("SELECT revision FROM layer WHERE id IN ('rivers', 'reservoirs') ORDER BY id = 'reservoirs'")
        revisions = [row[0] for row in cur.fetchall()]
    assert body["tiles"][0].endswith(f"/tiles/rivers,reservoirs/{{z}}/{{x}}/{{y}}.pbf?v={revisions[0]}.{revisions[1]}")
    assert [v["id"] for v in body["vector_layers"]] == ["rivers", "reservoirs"]
    assert body["vector_layers"][0]["fields"]["name"] == "Tên"
    west, south, east, north = body["bounds"]
    assert 104 < west < east < 106.2 and 19 < south < north < 20.8
    assert body["minzoom"] == 0 and body["maxzoom"] == 22 and "Thanh Hóa" in body["attribution"]


def test_versioned_tile_url_is_immutable(client):
    url = client.get("/tiles/communes.json").get_json()["tiles"][0]
    z, x, y = tile_of(105.78, 19.81, 9)
    path = path_of(url).replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
    response = client.get(path)
    assert "immutable" in response.headers["Cache-Control"]
    assert "must-revalidate" in fetch(client, "communes", z, x, y).headers["Cache-Control"]


def test_edit_in_the_database_shows_in_the_next_tile(client, database_url):
    import psycopg2

    args = ("protected_areas", *tile_of(*BEN_EN, 10))
    before = fetch(client, *args)
    assert fetch(client, *args).headers["X-Tile-Cache"] == "hit"
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE layerdata.protected_areas SET name = 'Bến En (đổi tên thử)' WHERE name = 'Vườn quốc gia Bến En'"
            )
            assert cur.rowcount == 1
        after = fetch(client, *args)
        assert after.headers["X-Tile-Cache"] == "miss"
        assert after.headers["ETag"] != before.headers["ETag"]
        names = {f["properties"]["name"] for f in decode(after)["protected_areas"]["features"]}
        assert "Bến En (đổi tên thử)" in names and "Vườn quốc gia Bến En" not in names
        assert fetch(client, *args, **{"If-None-Match": before.headers["ETag"]}).status_code == 200
    finally:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE layerdata.protected_areas SET name = 'Vườn quốc gia Bến En' WHERE name = 'Bến En (đổi tên thử)'"
            )
        conn.close()


@pytest.mark.parametrize(
    "path, status",
    [
        ("/tiles/rivers/25/0/0.pbf", 400),
        ("/tiles/rivers/3/8/0.pbf", 400),
        ("/tiles/rivers/3/0/8.pbf", 400),
        ("/tiles/rivers/-1/0/0.pbf", 400),
        ("/tiles/rivers/1e3/0/0.pbf", 400),
        ("/tiles/rivers/3/1.5/0.pbf", 400),
        ("/tiles/rivers/23/0/0.pbf", 404),
        ("/tiles/rivers;DROP TABLE rivers/3/0/0.pbf", 404),
        ("/tiles/pg_catalog.pg_authid/3/0/0.pbf", 404),
        ("/tiles/..%2f../3/0/0.pbf", 404),
        ("/tiles/rivers,nope/3/0/0.pbf", 404),
        ("/tiles/rivers,rivers/3/0/0.pbf", 400),
        ("/tiles/nope.json", 404),
    ],
)
def test_bad_tile_requests(client, db, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM layerdata.rivers")
        assert cur.fetchone()[0] > 0


def test_versioned_url_of_an_older_revision_never_gets_newer_data_cached_under_it(client, database_url):
    import psycopg2

    url = client.get("/tiles/protected_areas.json").get_json()["tiles"][0]
    z, x, y = tile_of(*BEN_EN, 10)
    path = path_of(url).replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
    old = client.get(path)
    assert client.get(path).headers["X-Tile-Cache"] == "hit"
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE layerdata.protected_areas SET area_ha = area_ha WHERE name = 'Vườn quốc gia Bến En'")
        # The old versioned URL still names the old revision: its tile is the old data.
        assert client.get(path).data == old.data
        current = client.get(
            path_of(client.get("/tiles/protected_areas.json").get_json()["tiles"][0])
            .replace("{z}", str(z))
            .replace("{x}", str(x))
            .replace("{y}", str(y))
        )
        assert current.headers["X-Tile-Cache"] == "miss" and "immutable" in current.headers["Cache-Control"]
    finally:
        conn.close()


def test_a_changed_layer_definition_reaches_the_tiles_at_once(client, db):
    """The tile path keeps definitions in memory; its own statement sees the catalogue row change."""
    layer = get_layer(db, "rivers")
    z, x, y = tile_of(105.78, 19.81, 12)
    drawn = fetch(client, "rivers", z, x, y)
    assert drawn.status_code == 200 and "rivers" in decode(drawn)
    save_layer_definition(db, replace(layer, max_zoom=11))
    db.commit()
    try:
        assert fetch(client, "rivers", z, x, y).status_code == 404
        assert fetch(client, "rivers", 11, x // 2, y // 2).status_code == 200
    finally:
        save_layer_definition(db, layer)
        db.commit()
    again = fetch(client, "rivers", z, x, y)
    assert again.status_code == 200 and decode(again)["rivers"]["features"] == decode(drawn)["rivers"]["features"]
