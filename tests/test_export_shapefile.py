"""Shapefile exports read back with GDAL: files, encoding, .prj, crosswalk, values and coordinates."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pyogrio
import pytest
import shapely
from pyogrio import raw
from pyproj import CRS

from layers.catalogue import get_layer
from layers.exchange.columns import layer_columns
from layers.exchange.reader import Batch
from layers.exchange.writers import ShapefileExport
from tests.exporting import database_rows, download, max_distance_m, unpack

LAYER = "species_observations"


@pytest.fixture(scope="module")
def exported(app, make_account, tmp_path_factory) -> Path:
    """The species observations as an official downloads them (exact), a zipped shapefile in the default CRS."""
    folder = tmp_path_factory.mktemp("shp")
    official = app.test_client()
    official.environ_base["HTTP_AUTHORIZATION"] = make_account("viewer").bearer["Authorization"]
    members = unpack(download(official, f"/api/layers/{LAYER}/export?format=shp"), folder)
    expected = [f"{LAYER}{ext}" for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", "_fields.csv", "_metadata.xml")]
    assert sorted(members) == sorted([*expected, "README.txt"])
    assert all(name.isascii() for name in members)
    return folder


def read(folder: Path, name: str = LAYER):
    meta, _fids, geometry, values = raw.read(folder / f"{name}.shp")
    return meta, geometry, dict(zip(meta["fields"], values, strict=True))


def test_encoding_and_prj_name_the_chosen_crs(exported):
    assert (exported / f"{LAYER}.cpg").read_text() == "UTF-8"
    crs = CRS.from_wkt((exported / f"{LAYER}.prj").read_text())
    assert crs.to_epsg() == 5897
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == 105
    assert params["Scale factor at natural origin"] == pytest.approx(0.9999)
    assert "Vietnam 2000" in crs.datum.name
    info = subprocess.run(
        ["ogrinfo", "-so", "-ro", str(exported / f"{LAYER}.shp"), LAYER], capture_output=True, text=True
    )
    assert info.returncode == 0, info.stderr
    assert 'PROJCRS["VN-2000 / TM-3 zone 482"' in info.stdout


def test_every_feature_with_its_values_and_diacritics(exported, db):
    meta, _geometry, values = read(exported)
    stored = database_rows(db, LAYER)
    assert meta["encoding"] == "UTF-8"
    assert len(values["feature_id"]) == len(stored)
    accented = 0
    for i, fid in enumerate(values["feature_id"]):
        row = stored[int(fid)]
        assert values["version"][i] == row["version"]
        assert values["scien_name"][i] == row["scientific_name"]
        assert values["verna_name"][i] == row["vernacular_name"]
        assert values["locality"][i] == row["locality"]
        if row["locality"] and not row["locality"].isascii():
            accented += 1
            assert unicodedata.is_normalized("NFC", values["locality"][i])
        assert str(values["event_date"][i]) == row["event_date"].isoformat()  # a DBF date, read as datetime64
        assert values["indi_count"][i] == row["individual_count"]
    assert accented > 100
    assert values["event_date"].dtype.kind == "M"
    stamp = dt.datetime.fromisoformat(values["updated_at"][0])
    assert stamp.utcoffset() == dt.timedelta(hours=7)


def test_coordinates_come_back_to_wgs84_within_a_centimetre(exported, db):
    _meta, geometry, values = read(exported)
    exported_wkb = {int(fid): bytes(g) for fid, g in zip(values["feature_id"], geometry, strict=True)}
    assert max_distance_m(db, LAYER, 5897, exported_wkb) < 0.01


def test_crosswalk_lists_short_and_full_names_with_labels(app, exported, db):
    with (exported / f"{LAYER}_fields.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    meta, _geometry, _values = read(exported)
    assert [r["short_name"] for r in rows] == list(meta["fields"])
    shorts = [r["short_name"] for r in rows]
    assert all(len(s) <= 10 for s in shorts) and len({s.lower() for s in shorts}) == len(shorts)
    layer = get_layer(db, LAYER)
    assert [r["full_name"] for r in rows] == [c.name for c in layer_columns(layer)]
    by_name = {r["full_name"]: r for r in rows}
    assert by_name["scientific_name"]["short_name"] == "scien_name"
    assert by_name["scientific_name"]["label_vi"] == layer.field("scientific_name").label_vi
    assert by_name["coordinate_uncertainty_m"]["unit"] == "m"
    assert by_name["event_date"]["type"].startswith("date")
    assert by_name["locality"]["values_cut_to_254_bytes"] == "0"


def test_readme_gives_the_vn2000_to_wgs84_transformation(exported, db):
    readme = (exported / "README.txt").read_text(encoding="utf-8")
    with db.cursor() as cur:
        cur.execute("SELECT proj4text FROM spatial_ref_sys WHERE srid = 5897")
        towgs84 = next(p for p in cur.fetchone()[0].split() if p.startswith("+towgs84="))
    assert "EPSG:6960" in readme and towgs84 in readme
    assert "Coordinate Frame" in readme and "rx = -0.00928836" in readme and "ry = +0.01975479" in readme
    assert "EPSG:5897 VN-2000 / TM-3 zone 482" in readme
    root = ET.parse(exported / f"{LAYER}_metadata.xml").getroot()
    assert root.tag.endswith("MD_Metadata")


@pytest.mark.parametrize("srid", [3405, 4756, 9209])
def test_other_vn2000_codes_give_their_prj(app, tmp_path, db, srid):
    unpack(download(app.test_client(), f"/api/layers/reservoirs/export?format=shp&crs=EPSG:{srid}"), tmp_path)
    assert CRS.from_wkt((tmp_path / "reservoirs.prj").read_text()).to_epsg() == srid
    _meta, geometry, values = read(tmp_path, "reservoirs")
    wkb = {int(fid): bytes(g) for fid, g in zip(values["feature_id"], geometry, strict=True)}
    assert len(wkb) == len(database_rows(db, "reservoirs"))
    assert max_distance_m(db, "reservoirs", srid, wkb) < 0.01


def _batch(layer, wkb: list[bytes], **values) -> Batch:
    columns = {c.source: [values.get(c.source)] * len(wkb) for c in layer_columns(layer)}
    columns["feature_id"] = list(range(1, len(wkb) + 1))
    columns["version"] = [1] * len(wkb)
    columns["updated_at"] = [int(dt.datetime(2025, 7, 1, 1, 30, tzinfo=dt.UTC).timestamp() * 1e6)] * len(wkb)
    return Batch(wkb=wkb, columns=columns)


def test_long_text_is_cut_at_254_bytes_on_a_character_boundary(db, tmp_path):
    layer = get_layer(db, "protected_areas")
    note = "Khu bảo tồn thiên nhiên Pù Luông, Bá Thước " * 8  # about 360 bytes in UTF-8
    square = shapely.to_wkb(shapely.MultiPolygon([shapely.box(580000, 2200000, 581000, 2201000)]))
    writer = ShapefileExport(tmp_path, "protected_areas", layer, 5897)
    writer.write(_batch(layer, [square, square], status_note=note, name="Pù Luông"))
    writer.finish()
    assert writer.truncated == Counter({"status_note": 2})
    _meta, _geometry, values = read(tmp_path, "protected_areas")
    cut = values[writer.short["status_note"]][0]
    assert len(cut.encode("utf-8")) <= 254 and note.startswith(cut) and len(cut.encode("utf-8")) > 250
    assert values["name"][0] == "Pù Luông"


def test_mixed_geometry_kinds_get_one_shapefile_each(db, tmp_path):
    layer = get_layer(db, "rivers")
    line = shapely.to_wkb(shapely.LineString([(580000, 2200000), (581000, 2201000)]))
    point = shapely.to_wkb(shapely.Point(580000, 2200000))
    writer = ShapefileExport(tmp_path, "rivers", layer, 5897)
    writer.write(_batch(layer, [line, point, line], name="Sông Mã"))
    files = {f.name for f in writer.finish()}
    assert {"rivers.shp", "rivers_point.shp", "rivers_point.dbf", "rivers_point.prj"} <= files
    assert pyogrio.read_info(tmp_path / "rivers.shp")["features"] == 2
    assert pyogrio.read_info(tmp_path / "rivers_point.shp")["geometry_type"] == "Point"
