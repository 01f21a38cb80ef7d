"""Invariants of the sample data once it is in PostGIS."""

from __future__ import annotations

import pytest

from layers.sample.definitions import SAMPLE_LAYERS


def _one(db, query, params=()):
    with db.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()


@pytest.mark.parametrize("layer", SAMPLE_LAYERS, ids=lambda layer: layer.id)
def test_every_geometry_is_valid_typed_and_projected(db, layer):
    table = f"layerdata.{layer.id}"
    count, invalid, wrong_type, missing_3857 = _one(
        db,
        f"SELECT count(*), count(*) FILTER (WHERE NOT ST_IsValid(geom)),"
        f" count(*) FILTER (WHERE GeometryType(geom) <> upper(%s)),"
        f" count(*) FILTER (WHERE geom_3857 IS NULL OR ST_SRID(geom_3857) <> 3857) FROM {table}",
        (layer.geometry_type,),
    )
    assert count > 0 and invalid == 0 and wrong_type == 0 and missing_3857 == 0


def test_communes_tile_the_province(db):
    outside, overlaps = _one(
        db,
        """
        SELECT
          (SELECT count(*) FROM layerdata.communes c, layerdata.province p
            WHERE NOT ST_CoveredBy(c.geom, ST_Buffer(p.geom, 1e-7))),
          (SELECT count(*) FROM layerdata.communes a JOIN layerdata.communes b
            ON a.fid < b.fid AND a.geom && b.geom AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1e-10)
        """,
    )
    assert outside == 0 and overlaps == 0
    union_area, province_area = _one(
        db,
        "SELECT (SELECT ST_Area(ST_Union(geom)::geography) FROM layerdata.communes),"
        " (SELECT ST_Area(geom::geography) FROM layerdata.province)",
    )
    assert abs(union_area - province_area) / province_area < 0.001


def test_province_area_matches_the_outline_fact(db):
    (area_km2,) = _one(db, "SELECT ST_Area(ST_Transform(geom, 5897)) / 1e6 FROM layerdata.province")
    assert 11_089 * 0.95 < area_km2 < 11_089 * 1.05


def test_communes_split_into_xa_and_phuong(db):
    assert _one(
        db,
        "SELECT count(*) FILTER (WHERE unit_type = 'xa'), count(*) FILTER (WHERE unit_type = 'phuong')"
        " FROM layerdata.communes",
    ) == (147, 19)
    assert _one(db, "SELECT name FROM layerdata.communes WHERE code = '14797'") == ("Phường Hạc Thành",)


def test_text_is_stored_as_nfc(db):
    assert _one(db, "SELECT count(*) FROM layerdata.communes WHERE name <> normalize(name, NFC)") == (0,)
    assert _one(db, "SELECT count(*) FROM layerdata.rivers WHERE name <> normalize(name, NFC)") == (0,)


def test_protected_area_sizes_follow_the_facts(db):
    (ben_en_ha,) = _one(
        db,
        "SELECT ST_Area(ST_Transform(geom, 5897)) / 1e4 FROM layerdata.protected_areas WHERE name LIKE %s",
        ("%Bến En%",),
    )
    assert abs(ben_en_ha - 14_735) / 14_735 < 0.03


def test_water_quality_series_exist_for_every_station(db):
    stations, with_series, parameters = _one(
        db,
        "SELECT (SELECT count(*) FROM layerdata.water_quality_stations),"
        " (SELECT count(DISTINCT station_fid) FROM water_quality_measurement),"
        " (SELECT count(DISTINCT parameter) FROM water_quality_measurement)",
    )
    assert stations > 0 and with_series == stations and parameters == 7


def test_edit_in_sql_bumps_the_layer_revision(db):
    (before,) = _one(db, "SELECT revision FROM layer WHERE id = 'rivers'")
    with db.cursor() as cur:
        cur.execute(
            "UPDATE layerdata.rivers SET flows_into = flows_into WHERE fid = (SELECT min(fid) FROM layerdata.rivers)"
        )
    (after,) = _one(db, "SELECT revision FROM layer WHERE id = 'rivers'")
    assert after == before + 1


def test_layer_tables_reject_values_outside_their_domain(db):
    import psycopg2

    with pytest.raises(psycopg2.errors.CheckViolation), db.cursor() as cur:
        cur.execute("UPDATE layerdata.water_permits SET status = 'maybe' WHERE fid = 1")
