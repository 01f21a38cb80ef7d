"""GDAL as the client of /ogc, against a live server: ogrinfo lists the collections, ogr2ogr copies them through
the paging, with a bbox, and in VN-2000 (EPSG:5897); counts, values and coordinates match the database."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pyogrio.raw
import pytest
import shapely

pytestmark = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL's command-line tools are not installed")
EPSG_5897 = "http://www.opengis.net/def/crs/EPSG/0/5897"


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _copy(target: Path, source: str, *options: str) -> list[dict]:
    _run("ogr2ogr", "-f", "GPKG", str(target), source, *options)
    meta, _fids, geometries, columns = pyogrio.raw.read(target)
    return [
        {"geometry": shapely.from_wkb(geometry)}
        | {name: column[i] for name, column in zip(meta["fields"], columns, strict=True)}
        for i, geometry in enumerate(geometries)
    ]


def _max_metres(a: shapely.Geometry, b: shapely.Geometry, degrees: bool) -> float:
    """The largest distance between matching vertices, in metres (degrees converted at their latitude)."""
    pa, pb = shapely.get_coordinates(a), shapely.get_coordinates(b)
    assert len(pa) == len(pb)
    worst = 0.0
    for (x1, y1), (x2, y2) in zip(pa, pb, strict=True):
        dx, dy = x1 - x2, y1 - y2
        if degrees:
            dx, dy = dx * 111_320 * math.cos(math.radians(y1)), dy * 110_574
        worst = max(worst, math.hypot(dx, dy))
    return worst


def _rows(db, statement: str) -> dict[str, tuple]:
    with db.cursor() as cur:
        cur.execute(statement)
        return {key: rest for key, *rest in cur.fetchall()}


def test_ogrinfo_lists_every_collection(live_url, db):
    """Every public layer, and no officials-only one, for GDAL without credentials."""
    listing = _run("ogrinfo", "-ro", "-q", f"OAPIF:{live_url}/ogc")
    with db.cursor() as cur:
        cur.execute("SELECT id, access FROM layer")
        for layer_id, access in cur.fetchall():
            assert (f": {layer_id} (" in listing) == (access == "public"), layer_id


def test_ogr2ogr_copies_a_collection_whole_through_its_pages(live_url, db, tmp_path):
    copied = _copy(tmp_path / "communes.gpkg", f"OAPIF:{live_url}/ogc", "communes", "-oo", "PAGE_SIZE=40")
    stored = _rows(db, "SELECT code, name, ST_AsBinary(geom) FROM layerdata.communes")
    assert len(copied) == len(stored) == 166
    assert {r["code"]: r["name"] for r in copied} == {code: name for code, (name, _) in stored.items()}
    for record in copied:
        geometry = shapely.from_wkb(bytes(stored[record["code"]][1]))
        assert _max_metres(record["geometry"], geometry, degrees=True) < 0.01


def test_ogr2ogr_with_a_bbox_takes_what_the_database_finds_there(live_url, db, tmp_path):
    box = (105.5, 19.7, 105.9, 20.0)
    copied = _copy(tmp_path / "permits.gpkg", f"OAPIF:{live_url}/ogc", "water_permits", "-spat", *map(str, box))
    inside = _rows(
        db,
        "SELECT permit_no, status FROM layerdata.water_permits"
        " WHERE ST_Intersects(geom, ST_MakeEnvelope(105.5, 19.7, 105.9, 20.0, 4326))",
    )
    assert 0 < len(copied) == len(inside)
    assert {r["permit_no"]: r["status"] for r in copied} == {k: v for k, (v,) in inside.items()}


def test_features_in_vn2000_match_postgis_within_a_centimetre(live_url, db, tmp_path):
    stored = _rows(db, "SELECT name, ST_AsBinary(ST_Transform(geom, 5897)) FROM layerdata.hydro_stations")
    # GDAL reprojects what it read in CRS84, and reads the atlas's own EPSG:5897 output (crs=), both to 1 cm.
    reprojected = _copy(tmp_path / "a.gpkg", f"OAPIF:{live_url}/ogc", "hydro_stations", "-t_srs", "EPSG:5897")
    served = _copy(
        tmp_path / "b.gpkg",
        f"{live_url}/ogc/collections/hydro_stations/items?crs={EPSG_5897}&limit=1000",
        "-a_srs",
        "EPSG:5897",
    )
    for copied in (reprojected, served):
        assert len(copied) == len(stored) > 0
        for record in copied:
            expected = shapely.from_wkb(bytes(stored[record["name"]][0]))
            assert _max_metres(record["geometry"], expected, degrees=False) < 0.01
    info = _run("ogrinfo", "-so", "-al", str(tmp_path / "b.gpkg"))
    assert "TM-3 zone 482" in info
