"""An export reads one snapshot: an edit committed while it runs does not show in it."""

from __future__ import annotations

import psycopg2
import pyogrio
from pyogrio import raw

from layers.exchange.export import export_layers
from layers.exchange.snapshot import snapshot_connection
from tests.exporting import database_rows, export_request

LAYER = "species_observations"
EDITED = "Đã sửa trong lúc xuất dữ liệu"


def test_an_edit_committed_during_an_export_does_not_show_in_it(database_url, db, tmp_path):
    before = database_rows(db, LAYER)
    last, first = max(before), min(before)
    editor = psycopg2.connect(database_url)
    editor.autocommit = True
    batches = []

    def progress(rows: int) -> None:
        # After the first batch is written, another connection commits changes to rows not yet read.
        batches.append(rows)
        if len(batches) == 1:
            with editor.cursor() as cur:
                cur.execute(f"UPDATE layerdata.{LAYER} SET locality = %s WHERE fid IN (%s, %s)", (EDITED, first, last))
                cur.execute(f"DELETE FROM layerdata.{LAYER} WHERE fid = %s RETURNING fid", (last - 1,))

    conn = snapshot_connection(database_url)
    try:
        result = export_layers(conn, export_request([LAYER], "gpkg", batch_rows=500), tmp_path, progress)
    finally:
        conn.close()
        with editor.cursor() as cur:
            cur.execute(
                f"UPDATE layerdata.{LAYER} SET locality = %s WHERE fid = %s", (before[first]["locality"], first)
            )
            cur.execute(f"UPDATE layerdata.{LAYER} SET locality = %s WHERE fid = %s", (before[last]["locality"], last))
        editor.close()
    assert len(batches) == -(-len(before) // 500) > 2
    info = pyogrio.read_info(result.path)
    _meta, _fids, _geometry, values = raw.read(result.path)
    columns = dict(zip(info["fields"], values, strict=True))
    exported = dict(zip(columns["feature_id"].tolist(), columns["locality"], strict=True))
    assert len(exported) == len(before) and last - 1 in exported
    assert exported[last] == before[last]["locality"] != EDITED
    assert exported[first] == before[first]["locality"]
    assert database_rows(db, LAYER)[last]["locality"] == before[last]["locality"]
