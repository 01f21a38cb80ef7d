"""Helpers of the import tests: a private layer to import into, files made with GDAL, and the state of the layer."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import psycopg2
import pytest
import shapely
from flask.testing import FlaskClient
from psycopg2.extensions import connection as Connection
from pyogrio import raw

from layers.catalogue import LayerDef, get_layer
from layers.generalise import rebuild_cells
from layers.registry import register_layer

LAYER = "import_wells"
SOURCE_LAYER = "groundwater_wells"
NAMES = ("Thanh Hóa", "Pù Luông", "Xuân Liên", "Bến En")


def copy_layer(conn: Connection, source_id: str, copy_id: str, title_en: str, rows: int) -> LayerDef:
    """A private copy of a layer (definition, table, cells and its first `rows` features, no history); commits."""
    source = get_layer(conn, source_id)
    copy = dataclasses.replace(source, id=copy_id, title_en=title_en)
    register_layer(conn, copy)
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('atlas.history', 'off', true)")
        columns = ", ".join(["fid", *(f.name for f in copy.fields), "geom"])
        cur.execute(
            f"INSERT INTO layerdata.{copy_id} ({columns})"
            f" SELECT {columns} FROM layerdata.{source_id} ORDER BY fid LIMIT %s",
            (rows,),
        )
        cur.execute(f"SELECT setval(pg_get_serial_sequence('layerdata.{copy_id}', 'fid'), 100000)")
    rebuild_cells(conn, copy)
    conn.commit()
    return copy


def drop_layer(conn: Connection, layer_id: str) -> None:
    """Remove a layer made by copy_layer, with its history and grants; commits."""
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE layerdata.{layer_id}")
        cur.execute(f"DROP TABLE IF EXISTS layercells.{layer_id}")
        cur.execute("DELETE FROM feature_history WHERE layer_id = %s", (layer_id,))
        cur.execute("DELETE FROM layer_grant WHERE layer_id = %s", (layer_id,))
        cur.execute("DELETE FROM layer WHERE id = %s", (layer_id,))
    conn.commit()


@pytest.fixture(scope="module")
def layer(database_url: str):
    """A copy of the wells layer (definition and features) that only the import tests change; dropped afterwards."""
    conn = psycopg2.connect(database_url)
    yield copy_layer(conn, SOURCE_LAYER, LAYER, "Import test wells", 40)
    drop_layer(conn, LAYER)
    conn.close()


@pytest.fixture
def editor(make_account, layer):
    """An editor of the import layer."""
    return make_account("editor", [LAYER])


def state(db: Connection) -> tuple[int, int, list]:
    """Row count, history row count and every row's values: what must not change after a refused import."""
    db.rollback()
    with db.cursor() as cur:
        cur.execute(
            "SELECT count(*), coalesce(jsonb_agg(to_jsonb(t) - 'geom_3857' ORDER BY fid), '[]')"
            f" FROM layerdata.{LAYER} t"
        )
        count, rows = cur.fetchone()
        cur.execute("SELECT count(*) FROM feature_history WHERE layer_id = %s", (LAYER,))
        history = cur.fetchone()[0]
    db.rollback()
    return count, history, rows


def write_points(
    path: Path,
    points: list[tuple[float, float]],
    fields: dict[str, list[Any]],
    crs: str | None = "EPSG:4326",
    encoding: str | None = None,
    driver: str | None = None,
) -> None:
    """Points with attributes written by GDAL (text passed through as latin-1 bytes when `encoding` is 'latin1')."""
    geometry = np.array([shapely.to_wkb(shapely.Point(x, y)) for x, y in points], dtype=object)
    arrays = [np.array(v, dtype=object if isinstance(v[0], str) else None) for v in fields.values()]
    raw.write(
        path, geometry, arrays, fields=list(fields), geometry_type="Point", crs=crs, encoding=encoding, driver=driver
    )


def zip_folder(folder: Path, keep: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".csv")) -> bytes:
    """The folder's shapefile parts as a zip in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in keep:
                archive.write(path, path.name)
    return out.getvalue()


def post_import(client: FlaskClient, account, data: bytes, filename: str = "wells.zip", **form: Any):
    """POST the file to the import API as the account (Bearer); returns the response."""
    fields = {"file": (io.BytesIO(data), filename)} | {k: str(v) for k, v in form.items()}
    return client.post(
        f"/api/layers/{LAYER}/import", data=fields, headers=account.bearer, content_type="multipart/form-data"
    )


def wells(count: int = 4, lon: float = 105.60, lat: float = 19.95) -> tuple[list[tuple[float, float]], dict[str, list]]:
    """`count` wells near Thanh Hóa city with Vietnamese commune names, as points and fields."""
    points = [(lon + 0.01 * i, lat + 0.005 * i) for i in range(count)]
    fields = {"well_code": [f"IMP-{i}" for i in range(count)], "commune": [NAMES[i % 4] for i in range(count)]}
    return points, fields


def last_history_id(db: Connection) -> int:
    """The newest history row id (rows after it belong to what a test does next)."""
    db.rollback()
    with db.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM feature_history")
        return cur.fetchone()[0]


def history_since(db: Connection, after: int) -> list[tuple[int, str, str, str]]:
    """History rows of the import layer after `after`: fid, operation, change set, user."""
    db.rollback()
    with db.cursor() as cur:
        cur.execute(
            "SELECT fid, operation, change_set::text, changed_by FROM feature_history"
            " WHERE layer_id = %s AND id > %s ORDER BY id",
            (LAYER, after),
        )
        rows = cur.fetchall()
    db.rollback()
    return rows


def export_shapefile(client: FlaskClient, folder: Path, crs: str = "EPSG:5897") -> Path:
    """The import layer exported as a zipped shapefile through the API, unpacked; returns the .shp."""
    with client.get(f"/api/layers/{LAYER}/export?format=shp&crs={crs}") as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            archive.extractall(folder)
    return folder / f"{LAYER}.shp"
