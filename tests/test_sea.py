"""The sea off the coast: stored with the sample data, served simplified per zoom, and named on the map."""

from __future__ import annotations

import json
import re

import shapely

from layers.province import PROVINCE_BBOX, SEA_AREA_ID, map_bbox
from layers.sample.geography import coastline
from layers.sample.load import load_sea
from layers.sample.sea import ISLANDS

SEA = "/tiles/context/sea.json"


def map_config(client, lang: str = "vi") -> dict:
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    match = re.search(r"AtlasMap\.start\([^,]+, (\{.*\})\);", html)
    assert match, "the map page has no configuration"
    return json.loads(match.group(1))


def stored_sea(db) -> shapely.Geometry:
    with db.cursor() as cur:
        cur.execute("SELECT ST_AsBinary(geom) FROM context_area WHERE id = %s", (SEA_AREA_ID,))
        return shapely.from_wkb(bytes(cur.fetchone()[0]))


def test_the_sample_data_stores_the_sea_east_of_the_coast_within_the_map(db):
    with db.cursor() as cur:
        cur.execute(
            "SELECT name_vi, name_en, ST_IsValid(geom), ST_SRID(geom) FROM context_area WHERE id = %s", (SEA_AREA_ID,)
        )
        assert cur.fetchone() == ("Vịnh Bắc Bộ", "Gulf of Tonkin", True, 4326)
        # No water on the province's land: the communes and the sea meet at the coast and nowhere overlap.
        cur.execute(
            "SELECT ST_Area(ST_Intersection(s.geom, p.geom)::geography), ST_Distance(s.geom, p.geom)"
            " FROM context_area s, layerdata.province p WHERE s.id = %s",
            (SEA_AREA_ID,),
        )
        overlap_m2, gap = cur.fetchone()
    assert overlap_m2 < 1.0 and gap == 0.0
    sea = stored_sea(db)
    west, south, east, north = map_bbox()
    assert sea.bounds[0] >= west - 1e-6 and sea.bounds[2] <= east + 1e-6 and sea.bounds[1] >= south - 1e-6
    # The province's whole coast borders the sea, and the sea reaches the map's eastern edge.
    assert sea.buffer(1e-4).contains(coastline())
    assert abs(sea.bounds[2] - east) < 1e-6 and sea.bounds[3] < north
    assert sea.contains(shapely.Point(106.3, 19.5)) and not sea.contains(shapely.Point(105.6, 19.8))
    # The islands off the coast are land: holes in the water.
    holes = [shapely.Polygon(ring) for polygon in sea.geoms for ring in polygon.interiors]
    assert len(holes) == len(ISLANDS)
    for (lon, lat), *_ in ISLANDS:
        assert not sea.contains(shapely.Point(lon, lat)) and any(h.contains(shapely.Point(lon, lat)) for h in holes)


def test_prepare_stores_the_sea_in_a_database_loaded_before_it_existed(db):
    assert load_sea(db) is False, "the sample data already stored it"
    with db.cursor() as cur:
        cur.execute("DELETE FROM context_area WHERE id = %s", (SEA_AREA_ID,))
    assert load_sea(db) is True
    assert stored_sea(db).area > 1.0


def test_the_sea_is_simplified_for_low_zooms_and_whole_from_its_full_detail_zoom(client, db):
    sizes = {}
    for zoom in (6, 8, 10, 12, 13, 16):
        response = client.get(f"{SEA}?z={zoom}")
        assert response.status_code == 200 and response.mimetype == "application/json"
        document = response.get_json()
        sizes[zoom] = shapely.get_num_coordinates(shapely.geometry.shape(document["geometry"]))
    assert sizes[6] < sizes[8] < sizes[10] < sizes[13]
    assert sizes[13] == sizes[16] == shapely.get_num_coordinates(stored_sea(db))
    assert len(client.get(f"{SEA}?z=8").data) < 1500, "the first view's sea stays small"


def test_the_sea_is_named_in_the_page_language_and_its_label_lies_in_the_water_of_the_province_view(client, db):
    vi = client.get(f"{SEA}?z=9").get_json()
    en = client.get(f"{SEA}?z=9&lang=en").get_json()
    assert (vi["name"], en["name"]) == ("Vịnh Bắc Bộ", "Gulf of Tonkin")
    lon, lat = vi["label"]
    west, south, east, north = PROVINCE_BBOX
    assert west <= lon <= east and south <= lat <= north
    assert stored_sea(db).contains(shapely.Point(lon, lat))


def test_a_versioned_sea_is_cached_for_good_and_an_unversioned_one_revalidates(client):
    revision = client.get(f"{SEA}?z=9").get_json()["revision"]
    assert client.get(f"{SEA}?z=9&v={revision}").headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "must-revalidate" in client.get(f"{SEA}?z=9&v=1").headers["Cache-Control"]


def test_bad_sea_requests_are_refused_with_a_clear_message(client):
    for url, status in (
        (SEA, 400),
        (f"{SEA}?z=abc", 400),
        (f"{SEA}?z=23", 400),
        (f"{SEA}?z=%C2%B2", 400),
        (f"{SEA}?z=-1", 400),
        (f"{SEA}?z=8&lang=fr", 400),
        ("/tiles/context/land.json?z=8", 404),
        ("/tiles/context/SEA%27.json?z=8", 404),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.get_json()["error"]["message"], url


def test_the_map_page_points_at_the_current_sea_and_bounds_the_map_around_it(client):
    config = map_config(client, "en")
    revision = client.get(f"{SEA}?z=9").get_json()["revision"]
    assert config["sea"]["url"] == f"{SEA}?v={revision}&lang=en&z={{z}}"
    west, south, east, north = map_bbox()
    assert config["max_bounds"] == [[south, west], [north, east]]


def test_the_province_edge_is_drawn_above_the_filled_polygons(client):
    order = [layer["id"] for layer in map_config(client)["layers"]]
    polygons = [layer["id"] for layer in map_config(client)["layers"] if layer["geometry_kind"] == "polygon"]
    assert polygons[-1] == "province", "no commune, forest or park fill covers the province's edge"
    assert order.index("province") < order.index("rivers")
    style = client.get("/tiles/province,communes/style.json").get_json()
    assert [layer["id"].split("-")[0] for layer in style["layers"][1:]][-1] == "province"
