"""A planner's round trip: export as a shapefile, edit in a desktop GIS (pyogrio here), import back."""

from __future__ import annotations

import json

import pyproj
import pytest
from pyogrio import raw

from tests.importing import (  # noqa: F401
    LAYER,
    export_shapefile,
    history_since,
    last_history_id,
    layer,
    post_import,
    state,
    zip_folder,
)


def _edit_commune(shp, fid: int, commune: str) -> None:
    """Change one feature's commune and write the shapefile again, as QGIS saves an edit (its .prj kept)."""
    meta, _fids, geometry, values = raw.read(shp)
    fields = list(meta["fields"])
    at = list(values[fields.index("feature_id")]).index(fid)
    values[fields.index("commune")][at] = commune
    prj = shp.with_suffix(".prj").read_text()
    raw.write(shp, geometry, values, fields=fields, geometry_type="Point", crs=meta["crs"], driver="ESRI Shapefile")
    shp.with_suffix(".prj").write_text(prj)


def _first_fid(db) -> int:
    with db.cursor() as cur:
        cur.execute(f"SELECT min(fid) FROM layerdata.{LAYER}")
        return cur.fetchone()[0]


@pytest.mark.parametrize("keep_crosswalk", [True, False], ids=["with-crosswalk", "short-names-only"])
def test_replace_round_trip_keeps_ids_and_records_one_change_set(client, db, editor, tmp_path, keep_crosswalk):
    count, _history, before = state(db)
    fid = _first_fid(db)
    shp = export_shapefile(client, tmp_path)
    _edit_commune(shp, fid, "Xuân Liên")
    keep = (".shp", ".shx", ".dbf", ".prj", ".cpg") + ((".csv",) if keep_crosswalk else ())
    mark = last_history_id(db)
    response = post_import(client, editor, zip_folder(tmp_path, keep), mode="replace")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["features_read"] == count and body["inserted"] == count and body["deleted"] == count
    assert body["crs"]["srid"] == 5897 and body["encoding"]["name"] == "utf-8"
    assert body["crs"]["name"] == "VN-2000 / TM-3 zone 482"
    matched = {row["source"]: row for row in body["fields"]}
    rule = "crosswalk in the zip" if keep_crosswalk else "short name of an atlas export"
    assert matched["sta_leve_m"] == {"source": "sta_leve_m", "field": "static_level_m", "matched_by": rule}
    assert matched["commu_code"]["field"] == "commune_code"
    assert all(row["field"] is not None for row in body["fields"])
    after_count, _h, after = state(db)
    assert after_count == count
    old = {row["fid"]: row for row in before}
    for row in after:
        assert row["fid"] in old  # every feature kept its id
        expected = old[row["fid"]] | ({"commune": "Xuân Liên"} if row["fid"] == fid else {})
        for name in ("well_code", "commune", "commune_code", "depth_m", "static_level_m", "drilled_on", "status"):
            assert row[name] == expected[name], (row["fid"], name)
    history = history_since(db, mark)
    assert {op for _f, op, _s, _u in history} == {"import"}
    assert len({s for _f, _o, s, _u in history}) == 1
    assert len(history) == 2 * count  # each feature deleted and inserted, in the one change set


def test_geometry_survives_the_round_trip_within_a_centimetre(client, db, editor, tmp_path):
    db.rollback()
    with db.cursor() as cur:
        cur.execute(f"SELECT fid, ST_X(geom), ST_Y(geom) FROM layerdata.{LAYER}")
        before = {fid: (x, y) for fid, x, y in cur.fetchall()}
    shp = export_shapefile(client, tmp_path)
    response = post_import(client, editor, zip_folder(tmp_path), mode="replace")
    assert response.status_code == 200, response.get_json()
    db.rollback()
    with db.cursor() as cur:
        cur.execute(f"SELECT fid, ST_X(geom), ST_Y(geom) FROM layerdata.{LAYER}")
        after = {fid: (x, y) for fid, x, y in cur.fetchall()}
    geod = pyproj.Geod(ellps="WGS84")
    assert set(after) == set(before)
    worst = max(geod.inv(*before[f], *after[f])[2] for f in before)
    assert worst < 0.01
    assert shp.exists()


def test_append_round_trip_adds_new_features(client, db, editor, tmp_path):
    count, _h, _rows = state(db)
    export_shapefile(client, tmp_path)
    response = post_import(client, editor, zip_folder(tmp_path), mode="append")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["inserted"] == count and any("feature_id was ignored" in w for w in body["warnings"])
    assert state(db)[0] == 2 * count
    # Back to one copy for the other tests of this module.
    response = post_import(client, editor, zip_folder(tmp_path), mode="replace")
    assert response.status_code == 200 and state(db)[0] == count


def _swap_prj(shp, epsg: int) -> None:
    shp.with_suffix(".prj").write_text(pyproj.CRS.from_epsg(epsg).to_wkt("WKT1_ESRI"))


@pytest.mark.parametrize(
    ("exported_in", "declared", "cause", "metres"),
    [(5897, 3405, "utm_scale", "657"), (3405, 5897, "utm_scale", "657"), (4756, 4326, "vn2000_as_wgs84", "225")],
)
def test_crs_traps_are_named_and_nothing_is_written(client, db, editor, tmp_path, exported_in, declared, cause, metres):
    before = state(db)
    shp = export_shapefile(client, tmp_path, f"EPSG:{exported_in}")
    _swap_prj(shp, declared)
    response = post_import(client, editor, zip_folder(tmp_path), mode="replace")
    body = response.get_json()
    assert response.status_code == 422, body
    assert body["error"]["cause"] == cause and f"{metres} m" in body["error"]["message"]
    assert body["error"]["report"]["crs"]["srid"] == declared
    assert state(db) == before


def _revision(db) -> int:
    db.rollback()
    with db.cursor() as cur:
        cur.execute("SELECT revision FROM layer WHERE id = %s", (LAYER,))
        return cur.fetchone()[0]


def test_geopackage_round_trip_and_the_tiles_move_on(client, db, editor, tmp_path):
    count, _h, before = state(db)
    revision = _revision(db)
    with client.get(f"/api/layers/{LAYER}/export?format=gpkg&crs=EPSG:5897") as response:
        assert response.status_code == 200
        (tmp_path / "w.gpkg").write_bytes(response.data)
    response = post_import(client, editor, (tmp_path / "w.gpkg").read_bytes(), "w.gpkg", mode="replace")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["inserted"] == count and body["crs"]["srid"] == 5897
    after = state(db)[2]
    assert [(r["fid"], r["well_code"], r["drilled_on"], r["commune"]) for r in after] == [
        (r["fid"], r["well_code"], r["drilled_on"], r["commune"]) for r in before
    ]
    assert _revision(db) > revision  # new tile URLs: the tiles show the import at once


def test_a_shifted_copy_without_ids_is_caught_against_the_nearest_features(client, db, editor, tmp_path):
    before = state(db)
    shp = export_shapefile(client, tmp_path)
    meta, _fids, geometry, values = raw.read(shp)
    kept = [i for i, name in enumerate(meta["fields"]) if name not in ("feature_id", "version", "updated_at")]
    raw.write(
        shp,
        geometry,
        [values[i] for i in kept],
        fields=[meta["fields"][i] for i in kept],
        geometry_type="Point",
        crs="EPSG:3405",  # the TM-3 numbers labelled as UTM
        driver="ESRI Shapefile",
    )
    response = post_import(client, editor, zip_folder(tmp_path), mode="append")
    body = response.get_json()
    assert response.status_code == 422, body
    assert body["error"]["cause"] == "utm_scale"
    assert state(db) == before


def test_copies_and_strange_feature_ids_take_fresh_fids_in_a_replace(client, db, editor):
    """A feature copied in the planner's GIS: the first copy keeps its fid, the second takes a fresh one, as do an
    id the layer never had and one no table can hold (1e19); the rest keep theirs."""
    count, _h, before = state(db)
    old = {row["fid"]: row["version"] for row in before}
    collection = json.loads(client.get(f"/api/layers/{LAYER}/export?format=geojson").data)
    first, second = collection["features"][:2]
    copy, unknown, huge = (json.loads(json.dumps(f)) for f in (first, second, second))
    unknown["properties"]["feature_id"] = 999999999
    huge["properties"]["feature_id"] = 123456789123
    collection["features"] += [copy, unknown, huge]
    data = json.dumps(collection).encode().replace(b"123456789123", b"1e19")
    response = post_import(client, editor, data, "w.geojson", mode="replace")
    assert response.status_code == 200, response.get_json()
    after_count, _h, after = state(db)
    assert after_count == count + 3
    versions = {row["fid"]: row["version"] for row in after}
    assert all(versions[fid] == version + 2 for fid, version in old.items())  # each kept its fid, delete + insert
    fresh = sorted(set(versions) - set(old))
    assert len(fresh) == 3 and fresh[0] > max(old) and all(versions[f] == 1 for f in fresh)
    # Back to one copy of each for the other tests of this module.
    collection["features"] = collection["features"][:count]
    assert post_import(client, editor, json.dumps(collection).encode(), "w.geojson", mode="replace").status_code == 200
    assert state(db)[0] == count
