"""A layer's extent is the one of what its audience sees: a threatened record at the edge of the data
moves the officials' extent to its exact spot, and the public's only as far as its grid-cell centre.

Asked as people would: the catalogue API, the layer API, the OGC collection and collections, the
ISO 19139 metadata, TileJSON bounds and the layer page's map link.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import psycopg2
import pytest

from tests.editing import committed
from tests.exporting import download, unpack
from tests.test_sensitive_data import official  # noqa: F401 (fixture)

SPECIES = "species_observations"
GMD = {"gmd": "http://www.isotc211.org/2005/gmd", "gco": "http://www.isotc211.org/2005/gco"}
# Past the data's eastern edge (the province reaches 106.08° E), by more than a 10 km cell.
BEYOND_DEG = 0.15


@pytest.fixture(scope="module")
def edge_record(database_url):
    """A critically endangered record east of every other species record: its exact and public longitude."""
    east, north, south = committed(
        database_url,
        f"SELECT ST_XMax(e), ST_YMax(e), ST_YMin(e) FROM (SELECT ST_Extent(geom) e FROM layerdata.{SPECIES}) t",
    )
    # Not on a round number, so no grid-cell centre or other record lands on it by chance.
    x, y = east + BEYOND_DEG + 0.0012345, (north + south) / 2 + 0.0006789
    fid, centre_x = committed(
        database_url,
        f"INSERT INTO layerdata.{SPECIES} (occurrence_id, scientific_name, event_date, iucn_category, geom)"
        " VALUES ('urn:test:edge', 'Trachypithecus delacouri', '2025-01-01', 'CR',"
        " ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING fid, ST_X(atlas_grid_centre(geom, 10000))",
        (x, y),
    )
    yield {"fid": fid, "x": x, "y": y, "centre_x": centre_x, "before_east": east}
    committed(database_url, f"DELETE FROM layerdata.{SPECIES} WHERE occurrence_id = 'urn:test:edge'")


def _east(box) -> float:
    return box[2]


def _check(public_east: float, official_east: float, record) -> None:
    """The officials' eastern edge is the record's exact longitude; the public's is its cell centre's."""
    assert official_east == pytest.approx(record["x"], abs=1e-9)
    assert abs(public_east - record["x"]) > 1e-4, "the public's extent gives away the exact longitude"
    assert public_east == pytest.approx(record["centre_x"], abs=1e-9)


def test_the_layer_api_and_catalogue_give_each_audience_its_extent(client, edge_record, official):  # noqa: F811
    public = client.get(f"/api/layers/{SPECIES}").get_json()["bbox"]
    exact = client.get(f"/api/layers/{SPECIES}", headers=official.bearer).get_json()["bbox"]
    _check(_east(public), _east(exact), edge_record)

    def listed(headers):
        layers = client.get("/api/layers", headers=headers).get_json()["layers"]
        return next(layer["bbox"] for layer in layers if layer["id"] == SPECIES)

    _check(_east(listed({})), _east(listed(official.bearer)), edge_record)
    # Layers without sensitive records have one extent for everyone.
    assert (
        client.get("/api/layers/rivers").get_json()["bbox"]
        == (client.get("/api/layers/rivers", headers=official.bearer).get_json()["bbox"])
    )


def test_the_ogc_collection_gives_each_audience_its_extent(client, edge_record, official):  # noqa: F811
    def extent(headers, url=f"/ogc/collections/{SPECIES}?f=json"):
        return client.get(url, headers=headers).get_json()["extent"]["spatial"]["bbox"][0]

    _check(_east(extent({})), _east(extent(official.bearer)), edge_record)

    def listed(headers):
        collections = client.get("/ogc/collections?f=json", headers=headers).get_json()["collections"]
        return next(c["extent"]["spatial"]["bbox"][0] for c in collections if c["id"] == SPECIES)

    _check(_east(listed({})), _east(listed(official.bearer)), edge_record)


def _xml_east(client, headers) -> float:
    response = client.get(f"/layers/{SPECIES}/metadata.xml", headers=headers)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    (value,) = root.findall(".//gmd:EX_GeographicBoundingBox/gmd:eastBoundLongitude/gco:Decimal", GMD)
    return float(value.text)


def test_the_iso_metadata_gives_each_audience_its_extent(client, edge_record, official):  # noqa: F811
    public, exact = _xml_east(client, {}), _xml_east(client, official.bearer)
    _check(public, exact, edge_record)
    assert repr(edge_record["x"]) not in client.get(f"/layers/{SPECIES}/metadata.xml").get_data(as_text=True)


def test_tilejson_bounds_and_the_layer_pages_map_link_follow_the_audience(client, edge_record, official):  # noqa: F811
    public = client.get(f"/tiles/{SPECIES}.json").get_json()["bounds"]
    exact = client.get(f"/tiles/{SPECIES}.json", headers=official.bearer).get_json()["bounds"]
    _check(_east(public), _east(exact), edge_record)
    # The layer page's "view on map" link is centred on the extent (layers/maplink.py).
    page = client.get(f"/layers/{SPECIES}").get_data(as_text=True)
    assert f"/{(public[0] + public[2]) / 2:.5f}/" in page
    assert f"/{(exact[0] + exact[2]) / 2:.5f}/" not in page


def test_stats_are_cached_per_audience(app, database_url, edge_record):
    """The cached public extent is never served to an official, nor the official one to the public."""
    from layers.access import OFFICIAL, PUBLIC
    from layers.catalogue import get_layers
    from layers.stats import layer_stats

    conn = psycopg2.connect(database_url)
    try:
        (layer,) = get_layers(conn, [SPECIES])
        first_public, first_exact = layer_stats(conn, layer, PUBLIC), layer_stats(conn, layer, OFFICIAL)
        assert layer_stats(conn, layer, PUBLIC) is first_public
        assert layer_stats(conn, layer, OFFICIAL) is first_exact
        _check(_east(first_public.bbox), _east(first_exact.bbox), edge_record)
        assert first_public.feature_count == first_exact.feature_count
    finally:
        conn.close()


def test_the_public_extent_is_the_extent_of_every_public_position(app, database_url, edge_record):
    """The extent computed cell by cell is exactly the one of every row's public geometry, taken one by one."""
    from psycopg2 import sql

    from layers.access import PUBLIC, geometry_sql
    from layers.catalogue import get_layers
    from layers.stats import _parse_box, layer_stats
    from layers.tables import table_identifier

    conn = psycopg2.connect(database_url)
    try:
        (layer,) = get_layers(conn, [SPECIES])
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("SELECT count(*), ST_Extent({})::text FROM {}").format(
                    geometry_sql(layer, PUBLIC), table_identifier(layer)
                )
            )
            count, box = cur.fetchone()
        stats = layer_stats(conn, layer, PUBLIC)
        assert (stats.feature_count, stats.bbox) == (count, _parse_box(box))
    finally:
        conn.close()


def test_the_metadata_inside_an_export_gives_each_audience_its_extent(app, edge_record, official, tmp_path):  # noqa: F811
    def exported_east(client, folder) -> float:
        names = unpack(download(client, f"/api/layers/{SPECIES}/export?format=shp&occurrence_id=urn:test:edge"), folder)
        root = ET.fromstring((folder / next(n for n in names if n.endswith("_metadata.xml"))).read_bytes())
        (value,) = root.findall(".//gmd:EX_GeographicBoundingBox/gmd:eastBoundLongitude/gco:Decimal", GMD)
        return float(value.text)

    signed = app.test_client()
    signed.environ_base["HTTP_AUTHORIZATION"] = official.bearer["Authorization"]
    (tmp_path / "public").mkdir()
    (tmp_path / "official").mkdir()
    _check(
        exported_east(app.test_client(), tmp_path / "public"), exported_east(signed, tmp_path / "official"), edge_record
    )
