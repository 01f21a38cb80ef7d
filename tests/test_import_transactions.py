"""Imports are all or nothing: dry runs write nothing, one bad feature stops the whole import unless
skip_invalid=true, a second import into the layer waits its turn (409), and the CLI reports the same."""

from __future__ import annotations

import json

import numpy as np
import psycopg2
import pytest
import shapely
from pyogrio import raw

from layers.exchange.importer import LOCK_SPACE
from tests.importing import (  # noqa: F401
    LAYER,
    history_since,
    last_history_id,
    layer,
    post_import,
    state,
    wells,
    write_points,
    zip_folder,
)


def _file(tmp_path, bad_at: int | None = None, count: int = 5) -> bytes:
    """A zipped shapefile of `count` wells; the one at `bad_at` lies far outside the province."""
    points, fields = wells(count)
    if bad_at is not None:
        points[bad_at] = (100.0, 10.0)
    write_points(tmp_path / "w.shp", points, fields)
    return zip_folder(tmp_path)


def test_a_dry_run_reports_everything_and_writes_nothing(client, db, editor, tmp_path):
    before = state(db)
    response = post_import(client, editor, _file(tmp_path), dry_run="true", mode="replace")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["dry_run"] is True and body["features_read"] == 5 and body["inserted"] == 5
    assert body["rejected"] == [] and body["encoding"]["found"].startswith("from the .cpg")
    assert {row["source"]: row["field"] for row in body["fields"]} == {"well_code": "well_code", "commune": "commune"}
    assert state(db) == before


def test_one_bad_feature_rejects_the_import_with_the_report(client, db, editor, tmp_path):
    before = state(db)
    response = post_import(client, editor, _file(tmp_path, bad_at=3))
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["problem"] == "invalid_features"
    [rejected] = error["report"]["rejected"]
    assert rejected["index"] == 3 and rejected["feature_id"] is None
    assert rejected["problems"]["geometry"]["code"] == "outside_province"
    assert "Thanh Hóa" in rejected["problems"]["geometry"]["message"]
    assert state(db) == before


def test_skip_invalid_imports_the_others_in_one_change_set(client, db, editor, tmp_path):
    count = state(db)[0]
    mark = last_history_id(db)
    response = post_import(client, editor, _file(tmp_path, bad_at=0), skip_invalid="true")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["inserted"] == 4 and [r["index"] for r in body["rejected"]] == [0]
    assert state(db)[0] == count + 4
    history = history_since(db, mark)
    assert len(history) == 4 and {op for _f, op, _s, _u in history} == {"import"}
    assert len({s for _f, _o, s, _u in history}) == 1 and {u for *_r, u in history} == {editor.name}


def test_missing_required_values_are_rejected_by_field(client, db, editor, tmp_path):
    points, fields = wells(3)
    fields["well_code"][1] = ""
    write_points(tmp_path / "w.shp", points, fields)
    response = post_import(client, editor, zip_folder(tmp_path), dry_run="1")
    rejected = response.get_json()["error"]["report"]["rejected"]
    assert response.status_code == 422 and rejected[0]["index"] == 1
    assert rejected[0]["problems"]["well_code"]["code"] == "required"


def test_a_second_import_while_one_runs_is_409(client, db, editor, database_url, tmp_path):
    before = state(db)
    holder = psycopg2.connect(database_url)
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (LOCK_SPACE, LAYER))
        response = post_import(client, editor, _file(tmp_path))
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    finally:
        holder.rollback()
        holder.close()
    assert state(db) == before
    assert post_import(client, editor, _file(tmp_path), dry_run="1").status_code == 200


@pytest.mark.usefixtures("layer")
def test_the_cli_imports_with_the_same_report(app, db, make_account, tmp_path):
    account = make_account("editor", [LAYER])
    _file(tmp_path)
    (tmp_path / "w.zip").write_bytes(zip_folder(tmp_path))
    count = state(db)[0]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", LAYER, str(tmp_path / "w.zip"), "--user", account.name, "--dry-run"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["features_read"] == 5 and state(db)[0] == count
    result = runner.invoke(args=["import", LAYER, str(tmp_path / "w.zip"), "--user", account.name])
    assert result.exit_code == 0, result.output
    assert state(db)[0] == count + 5
    result = runner.invoke(args=["import", LAYER, str(tmp_path / "w.zip"), "--user", "nobody-here"])
    assert result.exit_code != 0 and "nobody-here" in result.output


def test_an_empty_file_never_empties_the_layer(client, db, editor, tmp_path):
    before = state(db)
    points, fields = wells(1)
    write_points(tmp_path / "w.geojson", points, fields, driver="GeoJSON")
    empty = b'{"type": "FeatureCollection", "features": []}'
    response = post_import(client, editor, empty, "w.geojson", mode="replace")
    assert response.status_code == 422 and "no features" in response.get_json()["error"]["message"]
    assert state(db) == before


def test_an_unknown_cpg_falls_back_to_detection_and_says_so(client, db, editor, tmp_path):
    points, fields = wells(2)
    write_points(tmp_path / "w.shp", points, fields)
    (tmp_path / "w.cpg").write_text("GB2312")
    body = post_import(client, editor, zip_folder(tmp_path), dry_run="1").get_json()
    assert body["encoding"]["name"] == "utf-8" and "GB2312" in body["encoding"]["found"]


def test_batches_stay_all_or_nothing(client, db, editor, tmp_path, monkeypatch):
    monkeypatch.setattr("layers.exchange.import_read.BATCH_FEATURES", 3)
    before = state(db)
    data = _file(tmp_path, bad_at=6, count=8)
    response = post_import(client, editor, data)
    error = response.get_json()["error"]
    assert response.status_code == 422 and [r["index"] for r in error["report"]["rejected"]] == [6]
    assert error["report"]["features_read"] == 8 and state(db) == before
    body = post_import(client, editor, data, skip_invalid="1").get_json()
    assert body["inserted"] == 7 and body["features_read"] == 8
    assert state(db)[0] == before[0] + 7


def test_a_row_the_table_refuses_mid_copy_rejects_the_import_by_index(client, db, editor, database_url, tmp_path):
    """A rule only the table knows (a CHECK for new rows) stops the COPY at its row: 422 naming it, nothing kept."""
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(f"ALTER TABLE layerdata.{LAYER} ADD CONSTRAINT no_imp_5 CHECK (well_code <> 'IMP-5') NOT VALID")
    try:
        before = state(db)
        response = post_import(client, editor, _file(tmp_path, count=8))
        error = response.get_json()["error"]
        assert response.status_code == 422 and error["problem"] == "invalid_features", error
        [refused] = error["report"]["rejected"]
        assert refused["index"] == 5 and refused["problems"]["well_code"]["code"] == "database"
        assert state(db) == before
    finally:
        with conn, conn.cursor() as cur:
            cur.execute(f"ALTER TABLE layerdata.{LAYER} DROP CONSTRAINT no_imp_5")
        conn.close()


def test_geometry_notices_are_counted_in_the_warnings(client, db, editor, tmp_path, monkeypatch):
    """Points with a height, read in batches of 2: every one is stored flat, and the report says how many."""
    monkeypatch.setattr("layers.exchange.import_read.BATCH_FEATURES", 2)
    points, fields = wells(5)
    geometry = np.array([shapely.to_wkb(shapely.Point(x, y, 12.5)) for x, y in points], dtype=object)
    arrays = [np.array(v, dtype=object) for v in fields.values()]
    raw.write(tmp_path / "w.shp", geometry, arrays, fields=list(fields), geometry_type="Point Z", crs="EPSG:4326")
    count = state(db)[0]
    body = post_import(client, editor, zip_folder(tmp_path)).get_json()
    assert body["inserted"] == 5 and body["features_read"] == 5, body
    assert "5 feature(s): Z (height) coordinates were dropped: the layer stores flat coordinates." in body["warnings"]
    db.rollback()
    with db.cursor() as cur:
        cur.execute(
            f"SELECT bool_and(ST_NDims(geom) = 2), count(*) FROM layerdata.{LAYER} WHERE well_code LIKE 'IMP-%'"
        )
        flat, imported = cur.fetchone()
    assert flat and imported >= 5 and state(db)[0] == count + 5


def test_a_failure_while_rows_stream_is_a_422_and_nothing_changes(client, db, editor, tmp_path, monkeypatch):
    """A file whose header undercounts its features runs out of fresh ids mid-COPY: a clear 422, the layer as before."""
    monkeypatch.setattr("layers.exchange.importer.features_in", lambda _source: 2)
    before = state(db)
    response = post_import(client, editor, _file(tmp_path, count=5), mode="replace")
    error = response.get_json()["error"]
    assert response.status_code == 422, error
    assert "more features than its header says" in error["message"]
    assert state(db) == before
