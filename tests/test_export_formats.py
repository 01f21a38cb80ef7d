"""GeoPackage, GeoJSON, CSV and KML exports read back with GDAL and compared with the database."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import pytest
import shapely
from pyogrio import raw
from pyproj import CRS

from layers.exchange.snapshot import export_in_snapshot
from tests.exporting import database_rows, download, export_request, max_distance_m, unpack


def _save(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_geopackage_keeps_full_names_types_and_iso_metadata(client, db, tmp_path):
    path = _save(tmp_path, "wells.gpkg", download(client, "/api/layers/groundwater_wells/export?format=gpkg"))
    info = pyogrio.read_info(path)
    assert CRS.from_user_input(info["crs"]).to_epsg() == 5897
    stored = database_rows(db, "groundwater_wells")
    assert info["features"] == len(stored)
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert dtypes["yield_m3_day"] == "float64" and dtypes["drilled_on"].startswith("datetime64")
    assert dtypes["feature_id"] == "int64" and dtypes["updated_at"].startswith("datetime64")
    _meta, _fids, geometry, values = raw.read(path)
    columns = dict(zip(info["fields"], values, strict=True))
    for i, fid in enumerate(columns["feature_id"]):
        assert columns["commune"][i] == stored[int(fid)]["commune"]
        assert (
            columns["static_level_m"][i] == stored[int(fid)]["static_level_m"]
            or stored[int(fid)]["static_level_m"] is None
        )
    wkb = {int(fid): bytes(g) for fid, g in zip(columns["feature_id"], geometry, strict=True)}
    assert max_distance_m(db, "groundwater_wells", 5897, wkb) < 0.01
    with sqlite3.connect(path) as gpkg:
        # A missing value is a null, never a NaN or an empty text; times are UTC, as the standard asks.
        missing = {fid for fid, row in stored.items() if row["yield_m3_day"] is None}
        nulls = {r[0] for r in gpkg.execute("SELECT feature_id FROM groundwater_wells WHERE yield_m3_day IS NULL")}
        assert missing and nulls == missing
        moments = [r[0] for r in gpkg.execute("SELECT updated_at FROM groundwater_wells")]
        assert all(m.endswith("Z") for m in moments), moments[:3]
        rows = gpkg.execute(
            "SELECT m.md_standard_uri, m.mime_type, m.metadata, r.reference_scope, r.table_name"
            " FROM gpkg_metadata m JOIN gpkg_metadata_reference r ON r.md_file_id = m.id"
            " WHERE m.md_standard_uri = 'http://www.isotc211.org/2005/gmd'"
        ).fetchall()
        extensions = {
            r[0] for r in gpkg.execute("SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_metadata'")
        }
        indexed = gpkg.execute("SELECT count(*) FROM rtree_groundwater_wells_geom").fetchone()[0]
    assert info["capabilities"]["fast_spatial_filter"] and indexed == len(stored)
    assert len(rows) == 1 and rows[0][1] == "text/xml" and rows[0][3:] == ("table", "groundwater_wells")
    assert ET.fromstring(rows[0][2].encode()).tag.endswith("MD_Metadata")
    assert extensions == {"gpkg_metadata", "gpkg_metadata_reference"}


def test_geojson_is_wgs84_with_every_feature(client, db):
    body = json.loads(download(client, "/api/layers/rivers/export?format=geojson"))
    stored = database_rows(db, "rivers")
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert len(body["features"]) == len(stored)
    wkb = {
        f["properties"]["feature_id"]: shapely.to_wkb(shapely.geometry.shape(f["geometry"])) for f in body["features"]
    }
    assert {f["properties"]["name"] for f in body["features"]} == {r["name"] for r in stored.values()}
    assert max_distance_m(db, "rivers", 4326, wkb) < 0.01


def test_geojson_in_another_crs_is_refused(client):
    response = client.get("/api/layers/rivers/export?format=geojson&crs=EPSG:5897")
    assert response.status_code == 400
    assert "RFC 7946" in response.get_json()["error"]["message"]


def test_csv_has_a_bom_and_lon_lat_for_points(client, db):
    data = download(client, "/api/layers/water_permits/export?format=csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    stored = database_rows(db, "water_permits")
    assert len(rows) == len(stored)
    assert list(rows[0])[:3] == ["feature_id", "lon", "lat"]
    wkb = {int(r["feature_id"]): shapely.to_wkb(shapely.Point(float(r["lon"]), float(r["lat"]))) for r in rows}
    assert max_distance_m(db, "water_permits", 4326, wkb) < 0.01
    first = rows[0]
    assert first["holder"] == stored[int(first["feature_id"])]["holder"]
    assert first["issued_on"] == stored[int(first["feature_id"])]["issued_on"].isoformat()


def test_csv_of_lines_in_vn2000_has_wkt(client, db, make_account):
    client.environ_base["HTTP_AUTHORIZATION"] = make_account("viewer").bearer["Authorization"]  # officials only
    data = download(client, "/api/layers/patrol_routes/export?format=csv&crs=EPSG:5897")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert next(iter(rows[0])) == "WKT" and rows[0]["WKT"].startswith("LINESTRING")
    wkb = {int(r["feature_id"]): shapely.to_wkb(shapely.from_wkt(r["WKT"])) for r in rows}
    assert len(wkb) == len(database_rows(db, "patrol_routes"))
    assert max_distance_m(db, "patrol_routes", 5897, wkb) < 0.01


def test_kml_has_every_placemark_across_batches(database_url, db, tmp_path):
    request = export_request(["species_observations"], "kml", batch_rows=700)
    path = export_in_snapshot(database_url, request, tmp_path).path
    stored = database_rows(db, "species_observations")
    root = ET.parse(path).getroot()
    placemarks = root.findall(".//{http://www.opengis.net/kml/2.2}Placemark")
    assert len(placemarks) == len(stored) and len({p.get("id") for p in placemarks}) == len(stored)
    info = pyogrio.read_info(path)
    assert info["features"] == len(stored)
    _meta, _fids, geometry, values = raw.read(path)
    columns = dict(zip(info["fields"], values, strict=True))
    wkb = {int(fid): bytes(g) for fid, g in zip(columns["feature_id"], geometry, strict=True)}
    assert max_distance_m(db, "species_observations", 4326, wkb) < 0.01


def test_several_layers_come_in_one_zip(client, db, tmp_path):
    data = download(client, "/api/export?layers=reservoirs,protected_areas&format=shp&crs=EPSG:3405")
    names = unpack(data, tmp_path)
    assert "README.txt" in names
    assert {"reservoirs/reservoirs.shp", "protected_areas/protected_areas.shp"} <= set(names)
    assert {"reservoirs/reservoirs_fields.csv", "protected_areas/protected_areas_metadata.xml"} <= set(names)
    for layer in ("reservoirs", "protected_areas"):
        info = pyogrio.read_info(tmp_path / layer / f"{layer}.shp")
        assert info["features"] == len(database_rows(db, layer))
        assert CRS.from_user_input(info["crs"]).to_epsg() == 3405


@pytest.mark.parametrize("fmt, srid", [("geojson", 4326), ("csv", 4326), ("csv", 5897), ("gpkg", 5897), ("shp", 3405)])
def test_every_format_appends_batch_after_batch(database_url, db, tmp_path, fmt, srid):
    request = export_request(["species_observations"], fmt, srid, batch_rows=700)
    result = export_in_snapshot(database_url, request, tmp_path)
    path = result.path
    if fmt == "shp":
        unpack(path.read_bytes(), tmp_path / "unzipped")
        path = tmp_path / "unzipped" / "species_observations.shp"
    stored = database_rows(db, "species_observations")
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == len(stored) and {int(r["feature_id"]) for r in rows} == set(stored)
        return
    if fmt == "geojson":
        body = json.loads(path.read_text(encoding="utf-8"))
        assert {f["properties"]["feature_id"] for f in body["features"]} == set(stored)
    info = pyogrio.read_info(path)
    assert info["features"] == len(stored) == result.counts["species_observations"]


def test_several_layers_in_one_geopackage(client, db, tmp_path):
    path = _save(tmp_path, "two.gpkg", download(client, "/api/export?layers=rivers,reservoirs&format=gpkg"))
    assert {name for name, _kind in pyogrio.list_layers(path)} == {"rivers", "reservoirs"}
    for layer in ("rivers", "reservoirs"):
        info = pyogrio.read_info(path, layer=layer)
        assert info["features"] == len(database_rows(db, layer)) and info["capabilities"]["fast_spatial_filter"]
    with sqlite3.connect(path) as gpkg:
        tables = {r[0] for r in gpkg.execute("SELECT table_name FROM gpkg_metadata_reference")}
    assert tables == {"rivers", "reservoirs"}
