"""Imports in each CRS and encoding: values with diacritics in NFC, coordinates where they belong."""

from __future__ import annotations

import io
import shutil
import zipfile

import pyproj
import pytest
from pyogrio import raw

from layers.catalogue import get_layer
from layers.exchange.archive import Source
from layers.exchange.import_read import open_import
from tests.importing import (  # noqa: F401
    LAYER,
    NAMES,
    export_shapefile,
    layer,
    post_import,
    state,
    wells,
    write_points,
    zip_folder,
)
from tests.legacy_text import encode_cp1258, encode_tcvn3, encode_vni


def _imported(db, codes) -> dict[str, tuple[str, float, float]]:
    db.rollback()
    with db.cursor() as cur:
        cur.execute(
            f"SELECT well_code, commune, ST_X(geom), ST_Y(geom) FROM layerdata.{LAYER} WHERE well_code = ANY(%s)",
            (list(codes),),
        )
        return {code: (commune, x, y) for code, commune, x, y in cur.fetchall()}


@pytest.mark.parametrize("srid", [4326, 5897, 3405])
def test_each_crs_lands_where_it_belongs(client, db, editor, tmp_path, srid):
    points, fields = wells()
    fields["well_code"] = [f"CRS{srid}-{i}" for i in range(4)]
    to_file = pyproj.Transformer.from_crs(
        "+proj=longlat +datum=WGS84",
        pyproj.CRS.from_epsg(srid) if srid == 4326 else _postgis(db, srid),
        always_xy=True,
    )
    written = [to_file.transform(x, y) for x, y in points]
    write_points(tmp_path / "w.shp", written, fields, crs=f"EPSG:{srid}")
    response = post_import(client, editor, zip_folder(tmp_path))
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["inserted"] == 4 and body["crs"]["srid"] == srid and ".prj" in body["crs"]["found"]
    stored = _imported(db, fields["well_code"])
    for i, code in enumerate(fields["well_code"]):
        commune, x, y = stored[code]
        assert commune == NAMES[i]
        # 1 cm is about 1e-7 degrees.
        assert x == pytest.approx(points[i][0], abs=1e-7) and y == pytest.approx(points[i][1], abs=1e-7)


def _postgis(db, srid: int) -> pyproj.CRS:
    with db.cursor() as cur:
        cur.execute("SELECT proj4text FROM spatial_ref_sys WHERE srid = %s", (srid,))
        return pyproj.CRS(cur.fetchone()[0])


@pytest.mark.parametrize(
    ("encoder", "cpg", "asked", "expected", "how"),
    [
        (lambda s: s.encode("utf-8"), "UTF-8", None, "utf-8", ".cpg"),
        (encode_cp1258, None, None, "cp1258", "detected"),
        (encode_tcvn3, None, None, "tcvn3", "detected"),
        (encode_vni, None, None, "vni", "detected"),
        (encode_vni, None, "vni", "vni", "encoding="),
    ],
    ids=["utf8-cpg", "cp1258-detected", "tcvn3-detected", "vni-detected", "vni-asked"],
)
def test_each_encoding_reads_as_nfc(client, db, editor, tmp_path, encoder, cpg, asked, expected, how):
    points, fields = wells(8)
    tag = f"ENC-{expected}-{how[:3]}"
    fields["well_code"] = [f"{tag}-{i}" for i in range(8)]
    fields["commune"] = [encoder(n).decode("latin-1") for n in fields["commune"]]
    write_points(tmp_path / "w.shp", points, fields, encoding="latin1")
    (tmp_path / "w.cpg").unlink(missing_ok=True)
    if cpg:
        (tmp_path / "w.cpg").write_text(cpg)
    form = {"encoding": asked} if asked else {}
    response = post_import(client, editor, zip_folder(tmp_path), **form)
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["encoding"]["name"] == expected and how in body["encoding"]["found"]
    stored = _imported(db, fields["well_code"])
    assert [stored[c][0] for c in fields["well_code"]] == [NAMES[i % 4] for i in range(8)]


def test_geojson_and_geopackage(client, db, editor, tmp_path):
    points, fields = wells()
    fields["well_code"] = ["GJ-0", "GJ-1", "GJ-2", "GJ-3"]
    write_points(tmp_path / "w.geojson", points, fields, driver="GeoJSON")
    response = post_import(client, editor, (tmp_path / "w.geojson").read_bytes(), "w.geojson")
    assert response.status_code == 200, response.get_json()
    assert "RFC 7946" in response.get_json()["crs"]["found"]
    fields["well_code"] = ["GP-0", "GP-1", "GP-2", "GP-3"]
    write_points(tmp_path / "w.gpkg", points, fields, crs="EPSG:4326", driver="GPKG")
    response = post_import(client, editor, (tmp_path / "w.gpkg").read_bytes(), "w.gpkg")
    assert response.status_code == 200, response.get_json()
    stored = _imported(db, ["GJ-1", "GP-1"])
    assert stored["GJ-1"][0] == stored["GP-1"][0] == "Pù Luông"
    shutil.rmtree(tmp_path)


def test_a_shapefile_in_a_folder_of_the_zip(client, db, editor, tmp_path):
    points, fields = wells(2)
    fields["well_code"] = ["DIR-0", "DIR-1"]
    write_points(tmp_path / "w.shp", points, fields)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in tmp_path.iterdir():
            archive.write(part, f"gieng_khoan/{part.name}")
    response = post_import(client, editor, out.getvalue())
    assert response.status_code == 200, response.get_json()
    assert _imported(db, ["DIR-1"])["DIR-1"][0] == "Pù Luông"


def test_a_geopackage_of_several_layers_is_refused(client, editor, tmp_path):
    points, fields = wells(2)
    write_points(tmp_path / "w.gpkg", points, fields, driver="GPKG")
    meta, _f, geometry, values = raw.read(tmp_path / "w.gpkg")
    raw.write(
        tmp_path / "w.gpkg",
        geometry,
        values,
        fields=list(meta["fields"]),
        layer="second",
        geometry_type="Point",
        crs="EPSG:4326",
        driver="GPKG",
        append=True,
    )
    response = post_import(client, editor, (tmp_path / "w.gpkg").read_bytes(), "w.gpkg")
    assert response.status_code == 422 and "2 layers" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("driver, suffix", [("GeoJSON", "geojson"), ("GPKG", "gpkg"), ("ESRI Shapefile", "shp")])
def test_a_file_read_in_batches_arrives_whole_and_in_order(client, db, editor, tmp_path, monkeypatch, driver, suffix):
    """Seven wells read three at a time from one stream over the file: all of them, each with its own values."""
    monkeypatch.setattr("layers.exchange.import_read.BATCH_FEATURES", 3)
    points, fields = wells(7)
    fields["well_code"] = [f"B{suffix[:2].upper()}-{i}" for i in range(7)]
    write_points(tmp_path / f"w.{suffix}", points, fields, driver=driver)
    data = zip_folder(tmp_path) if suffix == "shp" else (tmp_path / f"w.{suffix}").read_bytes()
    response = post_import(client, editor, data, "w.zip" if suffix == "shp" else f"w.{suffix}")
    body = response.get_json()
    assert response.status_code == 200 and body["features_read"] == body["inserted"] == 7, body
    stored = _imported(db, fields["well_code"])
    assert [stored[c][0] for c in fields["well_code"]] == [NAMES[i % 4] for i in range(7)]


@pytest.mark.usefixtures("layer")
def test_an_open_import_stream_never_changes_how_the_thread_writes_shapefiles(client, db, tmp_path):
    """A legacy shapefile's stream is left open (as an import stopped by an error leaves it until collected);
    a shapefile export in the same thread still stores UTF-8, as its .cpg says."""
    points, fields = wells(4)
    fields["commune"] = [encode_cp1258(n).decode("latin-1") for n in fields["commune"]]
    upload = tmp_path / "upload"
    upload.mkdir()
    write_points(upload / "w.shp", points, fields, encoding="latin1")
    (upload / "w.cpg").unlink(missing_ok=True)
    wells_layer = get_layer(db, LAYER)
    file = open_import(db, wells_layer, Source(upload / "w.shp", "shp"), None, None)
    stream = file.batches(wells_layer, size=2)
    assert [NAMES[i] for i in range(2)] == next(stream).values["commune"]
    export = tmp_path / "export"
    export.mkdir()
    shp = export_shapefile(client, export)
    _meta, _fids, _geometry, columns = raw.read(shp, columns=["feature_id", "commune"])
    db.rollback()
    with db.cursor() as cur:
        cur.execute(f"SELECT fid, commune FROM layerdata.{LAYER}")
        stored = dict(cur.fetchall())
    assert any(not c.isascii() for c in stored.values())
    assert dict(zip(columns[0].tolist(), columns[1].tolist(), strict=True)) == stored
    stream.close()
