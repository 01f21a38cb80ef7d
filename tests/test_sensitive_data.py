"""Sensitive data: the public sees threatened species on a 10 km grid and no patrol routes; officials see all.

Every channel is asked as a person would, anonymously and as a signed-in official: tiles (decoded),
the features API, single features, search, the pages, every export format (read back with GDAL).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyogrio
import pytest
import shapely
from flask import render_template
from pyogrio import raw

from atlas.front import TILE_CACHE
from atlas.requestdb import request_connection
from layers.access import PUBLIC, get_visible_layer
from tests.conftest import sign_in
from tests.exporting import download, unpack
from tests.test_tiles import decode, tile_of

SPECIES = "species_observations"
WITHHELD = ("occurrence_id", "locality", "recorded_by", "coordinate_uncertainty_m")
CELL_M = 10_000


@pytest.fixture(scope="module")
def official(make_account):
    """A signed-in viewer: any account is an official for sensitive data."""
    return make_account("viewer")


def _one_row(database_url: str, query: str) -> tuple:
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchone()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def threatened(database_url):
    """A critically endangered record: fid, exact lon/lat, its grid-cell centre (lon/lat and VN-2000) and values."""
    row = _one_row(
        database_url,
        "SELECT fid, ST_X(geom), ST_Y(geom), ST_X(c), ST_Y(c), ST_X(ST_Transform(c, 5897)),"
        " ST_Y(ST_Transform(c, 5897)), locality, occurrence_id, scientific_name"
        " FROM (SELECT *, atlas_grid_centre(geom, 10000) AS c FROM layerdata.species_observations"
        "  WHERE iucn_category = 'CR' AND locality IS NOT NULL ORDER BY fid LIMIT 1) t",
    )
    fid, x, y, cx, cy, ex, ny, locality, occurrence, name = row
    return {
        "fid": fid,
        "exact": (x, y),
        "centre": (cx, cy),
        "centre_5897": (ex, ny),
        "locality": locality,
        "occurrence_id": occurrence,
        "name": name,
    }


@pytest.fixture(scope="module")
def ordinary(database_url):
    """A least-concern record that is not in the Red Book: the public sees it exact."""
    fid, x, y = _one_row(
        database_url,
        "SELECT fid, ST_X(geom), ST_Y(geom) FROM layerdata.species_observations"
        " WHERE iucn_category = 'LC' AND vn_red_book IS NULL ORDER BY fid LIMIT 1",
    )
    return {"fid": fid, "exact": (x, y)}


def near(a, b, tolerance=1e-6) -> bool:
    return abs(a[0] - b[0]) < tolerance and abs(a[1] - b[1]) < tolerance


def test_the_grid_centre_is_the_middle_of_a_10_km_vn2000_cell(threatened):
    east, north = threatened["centre_5897"]
    # Centres of 10 km cells lie at odd multiples of 5 km (rounding of the transform aside).
    assert abs((east - 5000) / CELL_M - round((east - 5000) / CELL_M)) < 1e-4
    assert abs((north - 5000) / CELL_M - round((north - 5000) / CELL_M)) < 1e-4
    assert not near(threatened["exact"], threatened["centre"], 1e-4)


# The features API and single features


def test_single_feature_is_generalised_for_the_public_and_exact_for_an_official(client, threatened, official):
    url = f"/api/layers/{SPECIES}/features/{threatened['fid']}"
    public = client.get(url).get_json()
    assert near(public["geometry"]["coordinates"], threatened["centre"])
    assert public["generalised_m"] == CELL_M
    assert all(public["properties"][name] is None for name in WITHHELD)
    assert public["properties"]["scientific_name"] == threatened["name"]
    exact = client.get(url, headers=official.bearer).get_json()
    assert near(exact["geometry"]["coordinates"], threatened["exact"])
    assert exact["properties"]["locality"] == threatened["locality"]
    assert "generalised_m" not in exact


def test_ordinary_species_stay_exact_for_the_public(client, ordinary):
    feature = client.get(f"/api/layers/{SPECIES}/features/{ordinary['fid']}").get_json()
    assert near(feature["geometry"]["coordinates"], ordinary["exact"])
    assert "generalised_m" not in feature


def test_a_bbox_around_the_exact_spot_does_not_find_it_for_the_public(client, threatened, official):
    x, y = threatened["exact"]
    url = f"/api/layers/{SPECIES}/features?bbox={x - 0.0005},{y - 0.0005},{x + 0.0005},{y + 0.0005}&limit=1000"
    public_ids = {f["id"] for f in client.get(url).get_json()["features"]}
    assert threatened["fid"] not in public_ids
    official_ids = {f["id"] for f in client.get(url, headers=official.bearer).get_json()["features"]}
    assert threatened["fid"] in official_ids
    cx, cy = threatened["centre"]
    around_centre = (
        f"/api/layers/{SPECIES}/features?bbox={cx - 0.001},{cy - 0.001},{cx + 0.001},{cy + 0.001}&limit=1000"
    )
    listed = {f["id"]: f for f in client.get(around_centre).get_json()["features"]}
    assert near(listed[threatened["fid"]]["geometry"]["coordinates"], threatened["centre"])


def test_search_places_a_threatened_species_on_its_grid_cell(client, threatened, official):
    def hit(headers):
        results = client.get("/api/search", query_string={"q": threatened["name"]}, headers=headers).get_json()
        return next(r for r in results["results"] if r["layer"] == SPECIES and r["id"] == threatened["fid"])

    def centre(result):
        west, south, east, north = result["bbox"]
        return ((west + east) / 2, (south + north) / 2)

    assert near(centre(hit({})), threatened["centre"])
    assert near(centre(hit(official.bearer)), threatened["exact"])
    # Where it is (the river it is near, its commune) would be finer than its cell: the public gets no place.
    assert hit({})["place"] is None
    assert hit(official.bearer)["place"]["kind"] in ("river", "commune")


def test_search_places_an_ordinary_species_for_the_public(client, db, ordinary):
    with db.cursor() as cur:
        cur.execute("SELECT scientific_name FROM layerdata.species_observations WHERE fid = %s", (ordinary["fid"],))
        (name,) = cur.fetchone()
    results = client.get("/api/search", query_string={"q": name}).get_json()["results"]
    hit = next(r for r in results if r["layer"] == SPECIES and r["id"] == ordinary["fid"])
    assert hit["place"]["kind"] in ("river", "commune")


# Tiles


def _ids_at(response) -> set[int]:
    if response.status_code == 204:
        return set()
    assert response.status_code == 200
    return {f["id"] for f in decode(response).get(SPECIES, {"features": []})["features"]}


def _versioned(client, ids: str, headers=None) -> str:
    tilejson = client.get(f"/tiles/{ids}.json", headers=headers or {}).get_json()
    return tilejson["tiles"][0].split("?", 1)[1]


def test_tiles_move_a_threatened_species_to_its_cell_for_the_public_only(client, threatened, official):
    exact_tile = tile_of(*threatened["exact"], 15)
    centre_tile = tile_of(*threatened["centre"], 15)
    assert exact_tile != centre_tile
    exact_url = "/tiles/{}/{}/{}/{}.pbf".format(SPECIES, *exact_tile)
    centre_url = "/tiles/{}/{}/{}/{}.pbf".format(SPECIES, *centre_tile)
    assert threatened["fid"] not in _ids_at(client.get(exact_url))
    assert threatened["fid"] in _ids_at(client.get(centre_url))
    assert threatened["fid"] in _ids_at(client.get(exact_url, headers=official.bearer))
    assert threatened["fid"] not in _ids_at(client.get(centre_url, headers=official.bearer))
    public_feature = next(
        f for f in decode(client.get(centre_url))[SPECIES]["features"] if f["id"] == threatened["fid"]
    )
    assert not set(WITHHELD) & set(public_feature["properties"])


def test_cached_public_tiles_never_hold_what_an_official_fetched_and_back(app, client, threatened, official):
    exact_tile = tile_of(*threatened["exact"], 16)
    query = _versioned(client, SPECIES)
    url = "/tiles/{}/{}/{}/{}.pbf?{}".format(SPECIES, *exact_tile, query)
    official_url = url + "&view=official"
    first = client.get(official_url, headers=official.bearer)
    assert threatened["fid"] in _ids_at(first)
    assert first.headers["Cache-Control"].startswith("private")
    # The same URL, anonymously, straight after: a public tile, cacheable by anyone, without the record.
    for target in (url, official_url):
        public = client.get(target)
        assert threatened["fid"] not in _ids_at(public)
        assert public.headers["Cache-Control"].startswith("public")
    again = client.get(url, headers=official.bearer)
    assert threatened["fid"] in _ids_at(again) and again.headers["X-Tile-Cache"] == "hit"
    assert client.get(url).headers["X-Tile-Cache"] == "hit"


def test_tilejson_of_an_official_points_at_private_tile_urls(client, official):
    public = client.get(f"/tiles/{SPECIES}.json")
    assert "view=official" not in public.get_json()["tiles"][0]
    signed = client.get(f"/tiles/{SPECIES}.json", headers=official.bearer)
    assert signed.get_json()["tiles"][0].endswith("&view=official")
    assert signed.headers["Cache-Control"].startswith("private")


def test_low_zoom_cells_are_counted_from_the_public_positions(client, threatened):
    # At z13 a cluster is drawn at the mean position of its cell's points: never at the record's own spot.
    tile = decode(client.get("/tiles/{}/{}/{}/{}.pbf".format(SPECIES, *tile_of(*threatened["exact"], 13))))
    assert tile[SPECIES]["features"], "the cell layer has clusters here"


def test_nginx_neither_serves_nor_keeps_tiles_of_signed_in_requests():
    assert "proxy_cache_bypass $http_authorization $cookie_atlas_session;" in TILE_CACHE
    assert "proxy_no_cache $http_authorization $cookie_atlas_session;" in TILE_CACHE


# Pages


def test_feature_page_shows_the_cell_to_the_public_and_the_spot_to_an_official(app, threatened, official):
    url = f"/layers/{SPECIES}/features/{threatened['fid']}"
    anonymous = app.test_client().get(url).get_data(as_text=True)
    assert threatened["locality"] not in anonymous and threatened["occurrence_id"] not in anonymous
    assert 'class="generalised"' in anonymous
    signed = app.test_client()
    sign_in(signed, official)
    exact = signed.get(url).get_data(as_text=True)
    assert threatened["locality"] in exact and threatened["occurrence_id"] in exact
    assert 'class="generalised"' not in exact


# The one note, in both languages: {km} is the cell's width, from the feature's own generalised_m.
NOTE = {
    "vi": "Loài nguy cấp: vị trí được làm thô tới tâm ô lưới {km} km và một số thuộc tính được ẩn để bảo vệ loài."
    " Cán bộ đăng nhập xem được vị trí chính xác.",
    "en": "Threatened species: the location is generalised to the centre of a {km} km grid cell and some attributes"
    " are withheld to protect it. Signed-in officials see the exact location.",
}
NOTE_PAGES = {
    "feature": "/layers/{layer}/features/{fid}?lang={lang}",
    "ogc_item": "/ogc/collections/{layer}/items/{fid}?f=html&lang={lang}",
}


def _notes(html: str) -> list[str]:
    return re.findall(r'<p class="generalised" role="note">([^<]*)</p>', html)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", sorted(NOTE_PAGES))
def test_the_public_reads_the_one_note_on_the_feature_and_ogc_item_pages(client, threatened, official, page, lang):
    url = NOTE_PAGES[page].format(layer=SPECIES, fid=threatened["fid"], lang=lang)
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert _notes(anonymous.get_data(as_text=True)) == [NOTE[lang].format(km="10")]
    signed = client.get(url, headers=official.bearer)
    assert signed.status_code == 200
    html = signed.get_data(as_text=True)
    assert _notes(html) == [] and "làm thô" not in html and "generalised to" not in html
    assert threatened["locality"] in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_feature_page_gives_the_public_the_cell_centre_and_an_official_the_exact_spot(
    client, threatened, official, lang
):
    url = NOTE_PAGES["feature"].format(layer=SPECIES, fid=threatened["fid"], lang=lang)
    words = {"vi": ("vĩ độ", "kinh độ", ","), "en": ("latitude", "longitude", ".")}[lang]

    def shown(lon_lat: tuple[float, float]) -> str:
        lon, lat = (f"{v:.3f}".rstrip("0").rstrip(".").replace(".", words[2]) for v in lon_lat)
        return f"{words[0]} {lat}, {words[1]} {lon}"

    assert shown(threatened["exact"]) != shown(threatened["centre"])
    public = client.get(url).get_data(as_text=True)
    assert shown(threatened["centre"]) in public and shown(threatened["exact"]) not in public
    exact = client.get(url, headers=official.bearer).get_data(as_text=True)
    assert shown(threatened["exact"]) in exact and shown(threatened["centre"]) not in exact


def test_the_ogc_item_gives_the_public_the_cell_centre_and_an_official_the_exact_spot(client, threatened, official):
    url = f"/ogc/collections/{SPECIES}/items/{threatened['fid']}?f=json"
    public = client.get(url).get_json()
    assert near(public["geometry"]["coordinates"], threatened["centre"]) and public["generalised_m"] == CELL_M
    exact = client.get(url, headers=official.bearer).get_json()
    assert near(exact["geometry"]["coordinates"], threatened["exact"]) and "generalised_m" not in exact


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("template", ["features/detail.html", "ogc/item.html"])
def test_the_note_writes_the_width_of_the_features_own_cell(app, client, threatened, template, lang):
    # Not a 10 written into the note: a 2.5 km cell says 2.5 km.
    feature = client.get(f"/api/layers/{SPECIES}/features/{threatened['fid']}").get_json()
    feature["generalised_m"] = 2500
    with app.test_request_context(f"/?lang={lang}"):
        layer = get_visible_layer(request_connection(), SPECIES, PUBLIC)
        html = render_template(
            template, layer=layer, doc=feature, feature=feature, feature_title="x", readings=None, charts=[]
        )
    assert _notes(html) == [NOTE[lang].format(km="2,5" if lang == "vi" else "2.5")]


# Exports, every format, read back with GDAL


def _exported(data: bytes, fmt: str, folder: Path) -> dict[int, tuple[tuple[float, float], dict]]:
    """Each exported feature's position (in the file's CRS) and values, by feature id."""
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        return {int(r["feature_id"]): ((float(r["lon"]), float(r["lat"])), r) for r in rows}
    folder.mkdir()
    if fmt == "shp":
        names = unpack(data, folder)
        path = folder / next(n for n in names if n.endswith(".shp"))
    else:
        path = folder / f"export.{fmt}"
        path.write_bytes(data)
    info = pyogrio.read_info(path)
    _meta, _fids, geometry, values = raw.read(path)
    columns = dict(zip(info["fields"], values, strict=True))
    out = {}
    for i, fid in enumerate(columns["feature_id"]):
        point = shapely.from_wkb(bytes(geometry[i]))
        out[int(fid)] = ((point.x, point.y), {name: columns[name][i] for name in columns})
    return out


def _missing(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


@pytest.mark.parametrize("fmt", ["shp", "gpkg", "geojson", "csv", "kml"])
def test_every_export_format_generalises_for_the_public(app, fmt, threatened, official, tmp_path):
    crs = "EPSG:5897" if fmt in ("shp", "gpkg") else "EPSG:4326"
    url = f"/api/layers/{SPECIES}/export?format={fmt}&crs={crs}&iucn_category=CR"
    public = _exported(download(app.test_client(), url), fmt, tmp_path / "public")
    position, values = public[threatened["fid"]]
    expected = threatened["centre_5897"] if crs == "EPSG:5897" else threatened["centre"]
    assert near(position, expected, 0.01 if crs == "EPSG:5897" else 1e-6)
    short = {"occurrence_id": "occurrence", "coordinate_uncertainty_m": "coordinate"}
    for name in WITHHELD:
        key = next((k for k in values if k == name or k.startswith(short.get(name, name)[:10])), None)
        assert key is None or _missing(values[key]), (name, values.get(key))
    signed = app.test_client()
    signed.environ_base["HTTP_AUTHORIZATION"] = official.bearer["Authorization"]
    exact = _exported(download(signed, url), fmt, tmp_path / "official")
    position, _values = exact[threatened["fid"]]
    if crs == "EPSG:4326":
        assert near(position, threatened["exact"], 1e-6)
    else:
        assert not near(position, threatened["centre_5897"], 1.0)


def test_an_export_bbox_around_the_exact_spot_is_empty_for_the_public(app, threatened, official):
    x, y = threatened["exact"]
    url = f"/api/layers/{SPECIES}/export?format=geojson&bbox={x - 0.0005},{y - 0.0005},{x + 0.0005},{y + 0.0005}"
    public = json.loads(download(app.test_client(), url))
    assert threatened["fid"] not in {f["properties"]["feature_id"] for f in public["features"]}
    signed = app.test_client()
    signed.environ_base["HTTP_AUTHORIZATION"] = official.bearer["Authorization"]
    exact = json.loads(download(signed, url))
    assert threatened["fid"] in {f["properties"]["feature_id"] for f in exact["features"]}


def test_an_officials_background_export_is_not_found_for_the_public(app, official):
    signed = app.test_client()
    signed.environ_base["HTTP_AUTHORIZATION"] = official.bearer["Authorization"]
    started = signed.get(f"/api/layers/{SPECIES}/export?format=geojson&background=true")
    assert started.status_code == 202
    status_url = started.get_json()["status_url"].replace("http://localhost", "")
    assert signed.get(status_url).status_code == 200
    assert app.test_client().get(status_url).status_code == 404
    assert app.test_client().get(status_url + "/file").status_code == 404


# Patrol routes: officials only, and for the public as if they did not exist


PATROL_URLS = (
    "/api/layers/patrol_routes",
    "/api/layers/patrol_routes/features",
    "/api/layers/patrol_routes/features/1",
    "/api/layers/patrol_routes/export?format=geojson",
    "/api/export?layers=rivers,patrol_routes&format=geojson",
    "/tiles/patrol_routes/10/812/450.pbf",
    "/tiles/rivers,patrol_routes/10/812/450.pbf",
    "/tiles/patrol_routes.json",
    "/layers/patrol_routes",
    "/layers/patrol_routes/metadata.xml",
    "/layers/patrol_routes/features/1",
)


@pytest.mark.parametrize("url", PATROL_URLS)
def test_patrol_routes_are_not_found_for_the_public(app, url):
    response = app.test_client().get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Tuyến tuần tra" not in body and "Ranger patrol" not in body


@pytest.mark.parametrize("url", PATROL_URLS)
def test_patrol_routes_are_there_for_an_official(app, url, official):
    signed = app.test_client()
    signed.environ_base["HTTP_AUTHORIZATION"] = official.bearer["Authorization"]
    with signed.get(url) as response:
        assert response.status_code in (200, 204), (url, response.get_data(as_text=True)[:200])


def test_patrol_routes_are_not_listed_for_the_public(app, official):
    anonymous = app.test_client()
    assert "patrol_routes" not in {layer["id"] for layer in anonymous.get("/api/layers").get_json()["layers"]}
    for page in ("/layers", "/export", "/"):
        assert "patrol_routes" not in anonymous.get(page).get_data(as_text=True), page
    signed = app.test_client()
    sign_in(signed, official)
    assert "patrol_routes" in {layer["id"] for layer in signed.get("/api/layers").get_json()["layers"]}
    for page in ("/layers", "/export", "/"):
        assert "patrol_routes" in signed.get(page).get_data(as_text=True), page
    assert "view=official" in signed.get("/").get_data(as_text=True)


def test_sorting_by_a_withheld_field_keeps_its_values_hidden(client, official, threatened):
    """The public's order by locality is the order of what it sees: withheld localities sort as empty, last."""
    url = f"/api/layers/{SPECIES}/features?sort=-locality&limit=1000"
    matched = client.get(url + "&limit=1").get_json()["numberMatched"]
    public = client.get(f"{url}&offset={max(0, matched - 1000)}").get_json()["features"]
    localities = [f["properties"]["locality"] for f in public]
    assert None in localities
    first_empty = localities.index(None)
    assert all(value is None for value in localities[first_empty:])
    assert threatened["fid"] in [f["id"] for f in public[first_empty:]]
    exact = client.get(f"{url}&offset={max(0, matched - 1000)}", headers=official.bearer).get_json()["features"]
    assert threatened["fid"] not in [f["id"] for f in exact if f["properties"]["locality"] is None]


def test_public_positions_have_their_own_index(db):
    """Public tiles find sensitive records by where the public sees them, through a partial index on it."""
    with db.cursor() as cur:
        cur.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'layerdata' AND tablename = %s AND indexname LIKE %s",
            (SPECIES, f"{SPECIES}_public_point_%"),
        )
        [(definition,)] = cur.fetchall()
    assert "atlas_grid_centre(geom" in definition and "WHERE" in definition and "iucn_category" in definition
