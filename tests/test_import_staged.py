"""Imports that set every row of a layer go into a fresh copy of its table, swapped in before commit.

The layer here aggregates into low-zoom cells and has sensitive records, so the swap must carry the
cells' triggers, the public-position index and every name the table had, and count the cells right.
"""

from __future__ import annotations

import io
import threading

import psycopg2
import pytest

from layers.exchange import staging
from layers.generalise import rebuild_cells
from tests.importing import copy_layer, drop_layer

LAYER = "staged_species"
ROWS = 300


@pytest.fixture(scope="module")
def species(database_url: str):
    """A copy of the species layer (cells, sensitive rules) with its first ROWS records; dropped afterwards."""
    conn = psycopg2.connect(database_url)
    yield copy_layer(conn, "species_observations", LAYER, "Staged import test species", ROWS)
    drop_layer(conn, LAYER)
    conn.close()


@pytest.fixture
def species_editor(make_account, species):
    return make_account("editor", [LAYER])


def _export(client, account) -> bytes:
    response = client.get(f"/api/layers/{LAYER}/export?format=geojson", headers=account.bearer)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def _import(client, account, data: bytes, **form):
    fields = {"file": (io.BytesIO(data), "species.geojson")} | {k: str(v) for k, v in form.items()}
    return client.post(
        f"/api/layers/{LAYER}/import", data=fields, headers=account.bearer, content_type="multipart/form-data"
    )


def _table_facts(db) -> dict:
    """What the swap must keep: index, constraint and trigger names, and the table's identity."""
    db.rollback()
    with db.cursor() as cur:
        table = f"layerdata.{LAYER}"
        cur.execute("SELECT %s::regclass::oid", (table,))
        oid = cur.fetchone()[0]
        cur.execute("SELECT array_agg(indexname ORDER BY indexname) FROM pg_indexes WHERE tablename = %s", (LAYER,))
        indexes = cur.fetchone()[0]
        cur.execute("SELECT array_agg(conname ORDER BY conname) FROM pg_constraint WHERE conrelid = %s", (oid,))
        constraints = cur.fetchone()[0]
        cur.execute(
            "SELECT array_agg(tgname ORDER BY tgname) FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal", (oid,)
        )
        triggers = cur.fetchone()[0]
        cur.execute("SELECT pg_get_serial_sequence(%s, 'fid')", (table,))
        sequence = cur.fetchone()[0]
        cur.execute("SELECT %s::regclass::oid", (f"layercells.{LAYER}",))
        cells_oid = cur.fetchone()[0]
        cur.execute(
            "SELECT array_agg(indexname ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'layercells'"
            " AND tablename = %s",
            (LAYER,),
        )
        cell_indexes = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname IN ('layerdata', 'layercells')")
        tables = cur.fetchone()[0]
    db.rollback()
    return {
        "oid": oid,
        "indexes": indexes,
        "constraints": constraints,
        "triggers": triggers,
        "sequence": sequence,
        "cells_oid": cells_oid,
        "cell_indexes": cell_indexes,
        "tables": tables,  # no import_* copy left behind
    }


def _cells(db) -> list[tuple]:
    with db.cursor() as cur:
        cur.execute(
            f"SELECT z, tx, ty, cx, cy, category, n, round(sum_x::numeric, 3), round(sum_y::numeric, 3)"
            f" FROM layercells.{LAYER} ORDER BY 1, 2, 3, 4, 5, 6"
        )
        return cur.fetchall()


def _cells_match_a_recount(db, layer) -> None:
    """The cells after the import are those a count from scratch of the rows gives."""
    db.rollback()
    after = _cells(db)
    rebuild_cells(db, layer)
    recounted = _cells(db)
    db.rollback()
    assert after and after == recounted
    assert sum(n for z, *_rest, n, _x, _y in after if z == 0) == _count(db)


def _count(db) -> int:
    with db.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM layerdata.{LAYER}")
        return cur.fetchone()[0]


def _history(db, after: int) -> list[tuple]:
    db.rollback()
    with db.cursor() as cur:
        cur.execute("SELECT operation, change_set FROM feature_history WHERE layer_id = %s AND id > %s", (LAYER, after))
        rows = cur.fetchall()
    db.rollback()
    return rows


def _last_history(db) -> int:
    db.rollback()
    with db.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM feature_history")
        return cur.fetchone()[0]


def test_replace_swaps_in_a_table_with_every_name_index_and_trigger(client, db, species, species_editor):
    before = _table_facts(db)
    mark = _last_history(db)
    response = _import(client, species_editor, _export(client, species_editor), mode="replace")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["inserted"] == ROWS and response.get_json()["deleted"] == ROWS
    after = _table_facts(db)
    # New tables took the old ones' places, the layer's and its cells'.
    assert after["oid"] != before["oid"] and after["cells_oid"] != before["cells_oid"]
    oids = ("oid", "cells_oid")
    assert {k: v for k, v in after.items() if k not in oids} == {k: v for k, v in before.items() if k not in oids}
    assert after["cell_indexes"] == [f"{LAYER}_cells_pkey", f"{LAYER}_emptied"]
    assert any("public_point" in name for name in after["indexes"])
    _cells_match_a_recount(db, species)
    history = _history(db, mark)
    assert len(history) == 2 * ROWS and {op for op, _s in history} == {"import"} and len({s for _o, s in history}) == 1
    # The swapped-in table goes on as a layer table: fids continue past the old ones, triggers fire.
    with db.cursor() as cur:
        cur.execute(f"SELECT max(fid) FROM layerdata.{LAYER}")
        highest = cur.fetchone()[0]
        columns = ", ".join([*(f.name for f in species.fields), "geom"])
        cur.execute(
            f"INSERT INTO layerdata.{LAYER} ({columns})"
            f" SELECT {columns} FROM layerdata.{LAYER} ORDER BY fid LIMIT 1 RETURNING fid"
        )
        assert cur.fetchone()[0] > max(highest, 100000)
        cur.execute("SELECT count(*) FROM feature_history WHERE layer_id = %s AND id > %s", (LAYER, mark))
        assert cur.fetchone()[0] == 2 * ROWS + 1
    _cells_match_a_recount(db, species)
    db.rollback()


def _replace_while_a_snapshot_reads(client, account, database_url: str, count_sql: str) -> None:
    """A replace import while another session's REPEATABLE READ snapshot has counted ROWS with `count_sql`;
    the import succeeds and that snapshot still counts ROWS afterwards."""
    data = _export(client, account)
    reader = psycopg2.connect(database_url)
    try:
        with reader.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cur.execute(count_sql)
            assert cur.fetchone()[0] == ROWS
        response = _import(client, account, data, mode="replace")
        assert response.status_code == 200, response.get_json()
        with reader.cursor() as cur:
            cur.execute(count_sql)
            assert cur.fetchone()[0] == ROWS
    finally:
        reader.rollback()
        reader.close()


def test_a_reader_holding_the_table_makes_the_import_move_its_rows(
    client, db, species, species_editor, database_url, monkeypatch
):
    monkeypatch.setattr(staging, "SWAP_TRIES", 2)
    before = _table_facts(db)
    mark = _last_history(db)
    # A long export's snapshot, say.
    _replace_while_a_snapshot_reads(client, species_editor, database_url, f"SELECT count(*) FROM layerdata.{LAYER}")
    assert _table_facts(db) == before  # the same table, with the rows moved into it
    assert _count(db) == ROWS
    assert len(_history(db, mark)) == 2 * ROWS  # recorded once, not again by the move
    _cells_match_a_recount(db, species)


def test_a_reader_holding_the_cells_makes_the_import_copy_them_in(
    client, db, species, species_editor, database_url, monkeypatch
):
    monkeypatch.setattr(staging, "SWAP_TRIES", 2)
    before = _table_facts(db)
    # A low-zoom tile's read of the cells, held open.
    count_sql = f"SELECT sum(n) FROM layercells.{LAYER} WHERE z = 0"
    _replace_while_a_snapshot_reads(client, species_editor, database_url, count_sql)
    assert _table_facts(db) == before  # both tables kept, their rows replaced
    _cells_match_a_recount(db, species)


def test_an_edit_during_the_import_waits_and_is_not_lost(
    client, db, species, species_editor, database_url, monkeypatch
):
    db.rollback()
    with db.cursor() as cur:
        cur.execute(f"SELECT min(fid) FROM layerdata.{LAYER}")
        fid = cur.fetchone()[0]
    db.rollback()
    data = _export(client, species_editor)
    finished: list[str] = []
    edit_done = threading.Event()

    def edit() -> None:
        conn = psycopg2.connect(database_url)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(f"UPDATE layerdata.{LAYER} SET locality = 'Sửa trong lúc nhập' WHERE fid = %s", (fid,))
                finished.append(f"updated {cur.rowcount}")
        finally:
            conn.close()
            edit_done.set()

    original = staging.create_copy
    editor_thread = threading.Thread(target=edit)

    def create_copy_with_an_edit_arriving(conn, layer):
        editor_thread.start()
        assert not edit_done.wait(1.0), "the edit went through while the import held the layer"
        return original(conn, layer)

    monkeypatch.setattr(staging, "create_copy", create_copy_with_an_edit_arriving)
    response = _import(client, species_editor, data, mode="replace")
    assert response.status_code == 200, response.get_json()
    editor_thread.join(30)
    assert finished == ["updated 1"]  # it ran after the import, against the new rows
    with db.cursor() as cur:
        cur.execute(f"SELECT locality FROM layerdata.{LAYER} WHERE fid = %s", (fid,))
        assert cur.fetchone()[0] == "Sửa trong lúc nhập"
    db.rollback()
