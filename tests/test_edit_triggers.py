"""What the triggers of sql/004_editing.sql keep for every write, from the app or straight in SQL."""

from __future__ import annotations

import dataclasses
import math

import pytest

from layers.catalogue import get_layer, save_layer_definition
from tests.editing import count, create, etag, history, row, unique, well

LAYER = "groundwater_wells"
URL = f"/api/layers/{LAYER}/features"


@pytest.fixture(scope="module")
def editor(make_account):
    """An editor of the wells layer."""
    return make_account("editor", [LAYER])


def test_an_edit_made_in_psql_is_versioned_and_recorded(client, db, editor):
    fid = create(client, LAYER, well(depth_m=10), editor)["id"]
    before = row(db, LAYER, fid)
    revisions = count(db, "SELECT revision FROM layer WHERE id = %s", LAYER)
    with db.cursor() as cur:
        cur.execute(f"UPDATE layerdata.{LAYER} SET depth_m = 11 WHERE fid = %s", (fid,))
    db.commit()
    after = row(db, LAYER, fid)
    assert after["version"] == 2 and after["depth_m"] == 11
    assert after["updated_at"] > before["updated_at"]
    assert after["updated_by"] == db.info.user != editor.name
    last = history(db, LAYER, fid)[-1]
    assert (last["version"], last["operation"], last["changed_by"]) == (2, "update", db.info.user)
    assert last["before_properties"]["depth_m"] == 10 and last["after_properties"]["depth_m"] == 11
    assert count(db, "SELECT revision FROM layer WHERE id = %s", LAYER) > revisions
    seen = client.get(f"{URL}/{fid}")
    assert seen.headers["ETag"] == '"2"' and seen.get_json()["properties"]["depth_m"] == 11
    # A version set by hand is overruled: the trigger counts from the old row.
    with db.cursor() as cur:
        cur.execute(f"UPDATE layerdata.{LAYER} SET version = 99, updated_by = 'mallory' WHERE fid = %s", (fid,))
    db.commit()
    forced = row(db, LAYER, fid)
    assert forced["version"] == 3 and forced["updated_by"] == db.info.user


def test_inserts_and_deletes_made_in_psql_are_recorded(db):
    code = unique("GW-psql")
    with db.cursor() as cur:
        cur.execute(
            f"INSERT INTO layerdata.{LAYER} (well_code, geom) VALUES (%s, ST_SetSRID(ST_MakePoint(105.4, 19.8), 4326))"
            " RETURNING fid",
            (code,),
        )
        (fid,) = cur.fetchone()
    db.commit()
    created = row(db, LAYER, fid)
    assert (created["version"], created["updated_by"]) == (1, db.info.user)
    with db.cursor() as cur:
        cur.execute(f"DELETE FROM layerdata.{LAYER} WHERE fid = %s", (fid,))
    db.commit()
    entries = history(db, LAYER, fid)
    assert [(e["version"], e["operation"], e["changed_by"]) for e in entries] == [
        (1, "create", db.info.user),
        (2, "delete", db.info.user),
    ]
    assert entries[1]["before_properties"]["well_code"] == code


def test_a_feature_loaded_without_history_can_be_reverted_to_its_first_version(client, db, editor):
    """Bulk loads turn history off; the first recorded change still keeps the state before it."""
    code = unique("GW-bulk")
    with db.cursor() as cur:
        cur.execute("SET LOCAL atlas.history = 'off'")
        cur.execute(
            f"INSERT INTO layerdata.{LAYER} (well_code, depth_m, geom)"
            " VALUES (%s, 5, ST_SetSRID(ST_MakePoint(105.4, 19.8), 4326)) RETURNING fid",
            (code,),
        )
        (fid,) = cur.fetchone()
    db.commit()
    assert history(db, LAYER, fid) == []
    patched = client.patch(f"{URL}/{fid}", json={"properties": {"depth_m": 6}}, headers=editor.bearer | etag(1))
    assert patched.status_code == 200
    versions = client.get(f"{URL}/{fid}/history", headers=editor.bearer).get_json()["versions"]
    assert [(v["version"], v["operation"]) for v in versions] == [(2, "update"), (1, "initial")]
    assert versions[1]["after"]["properties"]["depth_m"] == 5
    reverted = client.post(f"{URL}/{fid}/revert", json={"version": 1}, headers=editor.bearer | etag(2))
    assert reverted.status_code == 200, reverted.get_json()
    assert (row(db, LAYER, fid)["depth_m"], row(db, LAYER, fid)["version"]) == (5, 3)


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The Web-Mercator tile (x, y) holding a point at zoom z."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def _ranges(db, revision: int) -> list[tuple[int, int, int, int, int]]:
    with db.cursor() as cur:
        cur.execute(
            "SELECT z, x0, y0, x1, y1 FROM tile_change WHERE layer_id = %s AND revision = %s ORDER BY z",
            (LAYER, revision),
        )
        found = cur.fetchall()
    db.rollback()
    return found


def test_an_edit_records_the_tiles_of_its_old_and_new_geometry_only(client, db, editor):
    old, new = (105.6, 19.95), (104.9, 20.3)
    fid = create(client, LAYER, well(geometry={"type": "Point", "coordinates": list(old)}), editor)["id"]
    revision = count(db, "SELECT revision FROM layer WHERE id = %s", LAYER)
    moved = client.patch(
        f"{URL}/{fid}", json={"geometry": {"type": "Point", "coordinates": list(new)}}, headers=editor.bearer | etag(1)
    )
    assert moved.status_code == 200
    assert count(db, "SELECT revision FROM layer WHERE id = %s", LAYER) == revision + 1
    ranges = _ranges(db, revision + 1)
    min_zoom = count(db, "SELECT min_zoom FROM layer WHERE id = %s", LAYER)
    max_zoom = count(db, "SELECT max_zoom FROM layer WHERE id = %s", LAYER)
    # Only the zooms the layer is drawn at; its other tiles never change.
    assert sorted({r[0] for r in ranges}) == list(range(min_zoom, max_zoom + 1))

    def covered(point: tuple[float, float], z: int) -> bool:
        x, y = _tile(*point, z)
        return any(rz == z and x0 <= x <= x1 and y0 <= y <= y1 for rz, x0, y0, x1, y1 in ranges)

    for z in (6, 10, 14, max_zoom):
        assert covered(old, z) and covered(new, z), z
    at_14 = [r for r in ranges if r[0] == 14]
    assert len(at_14) == 2 and all(x1 - x0 <= 1 and y1 - y0 <= 1 for _, x0, y0, x1, y1 in at_14)
    assert not covered(((old[0] + new[0]) / 2, (old[1] + new[1]) / 2), 14)


def test_a_write_that_changes_no_row_changes_no_tile(client, db, editor):
    fid = create(client, LAYER, well(), editor)["id"]
    revision = count(db, "SELECT revision FROM layer WHERE id = %s", LAYER)
    stale = client.patch(f"{URL}/{fid}", json={"properties": {"depth_m": 2}}, headers=editor.bearer | etag(5))
    assert stale.status_code == 412
    with db.cursor() as cur:
        cur.execute(f"UPDATE layerdata.{LAYER} SET depth_m = 1 WHERE fid = -1")
    db.commit()
    assert count(db, "SELECT revision FROM layer WHERE id = %s", LAYER) == revision
    assert _ranges(db, revision + 1) == []


def test_a_removed_layer_takes_its_history_with_it(db):
    """History has no foreign key (it was checked once per row); deleting the layer still removes its rows."""
    copy = dataclasses.replace(get_layer(db, LAYER), id="history_gone")
    save_layer_definition(db, copy)
    with db.cursor() as cur:
        for layer_id in ("history_gone", LAYER):
            cur.execute(
                "INSERT INTO feature_history (layer_id, fid, version, operation, change_set)"
                " VALUES (%s, 1, 1, 'create', gen_random_uuid())",
                (layer_id,),
            )
        cur.execute("SELECT count(*) FROM feature_history WHERE layer_id = %s", (LAYER,))
        kept = cur.fetchone()[0]
        cur.execute("DELETE FROM layer WHERE id = 'history_gone'")
        cur.execute("SELECT count(*) FROM feature_history WHERE layer_id = 'history_gone'")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM feature_history WHERE layer_id = %s", (LAYER,))
        assert cur.fetchone()[0] == kept
