"""Low-zoom grid cells stay in step with inserts, updates, deletes and truncation."""

from __future__ import annotations

import pytest


def _cell_total(cur, layer_id: str, z: int) -> int:
    cur.execute(f"SELECT coalesce(sum(n), 0) FROM layercells.{layer_id} WHERE z = %s", (z,))
    return int(cur.fetchone()[0])


def _count(cur, layer_id: str) -> int:
    cur.execute(f"SELECT count(*) FROM layerdata.{layer_id}")
    return cur.fetchone()[0]


@pytest.mark.parametrize("layer_id, top_zoom", [("species_observations", 13), ("forest_cover", 12)])
def test_cells_count_every_feature_at_every_zoom(db, layer_id, top_zoom):
    with db.cursor() as cur:
        total = _count(cur, layer_id)
        for z in (0, 5, top_zoom):
            assert _cell_total(cur, layer_id, z) == total
        cur.execute(f"SELECT max(z) FROM layercells.{layer_id}")
        assert cur.fetchone()[0] == top_zoom


def test_insert_update_delete_move_the_cells(db):
    with db.cursor() as cur:
        before = _cell_total(cur, "species_observations", 8)
        cur.execute(
            "INSERT INTO layerdata.species_observations"
            " (occurrence_id, scientific_name, event_date, iucn_category, geom)"
            " VALUES ('TEST-1', 'Trachypithecus delacouri', '2025-01-01', 'CR',"
            " ST_SetSRID(ST_MakePoint(105.2, 20.4), 4326)) RETURNING fid"
        )
        fid = cur.fetchone()[0]
        assert _cell_total(cur, "species_observations", 8) == before + 1
        cur.execute(
            "SELECT category, n FROM layercells.species_observations WHERE z = 12 AND n > 0"
            " AND category = 'CR' AND cx = floor("
            # A critically endangered record is counted at its 10 km grid-cell centre (layers/access.py).
            "(ST_X(ST_Transform(atlas_grid_centre(ST_SetSRID(ST_MakePoint(105.2, 20.4), 4326), 10000), 3857))"
            " + 20037508.342789244)"
            " / (40075016.685578488 / 4096 / 32))::int"
        )
        assert cur.fetchall(), "the new observation has a CR cell at z12"
        cur.execute("UPDATE layerdata.species_observations SET iucn_category = 'EN' WHERE fid = %s", (fid,))
        assert _cell_total(cur, "species_observations", 8) == before + 1
        cur.execute("DELETE FROM layerdata.species_observations WHERE fid = %s", (fid,))
        assert _cell_total(cur, "species_observations", 8) == before
        cur.execute("SELECT count(*) FROM layercells.species_observations WHERE n <= 0")
        assert cur.fetchone()[0] == 0


def test_truncate_empties_the_cells(db):
    with db.cursor() as cur:
        cur.execute("TRUNCATE layerdata.forest_cover")
        assert _cell_total(cur, "forest_cover", 6) == 0
