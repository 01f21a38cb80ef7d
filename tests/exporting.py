"""Helpers of the export tests: download, unpack, and compare with what the database holds."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from psycopg2 import sql
from psycopg2.extensions import connection as Connection


def download(client: FlaskClient, url: str) -> bytes:
    """The body of a direct (200) export."""
    # Closing the response, as a WSGI server does once it is sent, removes the export's temporary folder.
    with client.get(url) as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:400]
        assert response.headers["Content-Disposition"].startswith("attachment;")
        return response.data


def unpack(data: bytes, folder: Path) -> list[str]:
    """Extract a zip into `folder`; returns its member names."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
        return archive.namelist()


def database_rows(db: Connection, layer_id: str, where: str = "", params: tuple = ()) -> dict[int, dict[str, Any]]:
    """Every feature of the layer by fid: its field values and its geometry as lon/lat WKT-free pairs."""
    db.rollback()  # a fresh snapshot: see what is committed now
    with db.cursor() as cur:
        cur.execute("SELECT fields FROM layer WHERE id = %s", (layer_id,))
        names = [f["name"] for f in cur.fetchone()[0]]
        columns = sql.SQL(", ").join(sql.Identifier(n) for n in names)
        cur.execute(
            sql.SQL("SELECT fid, version, {}, ST_AsBinary(geom) FROM {} t ").format(
                columns, sql.Identifier("layerdata", layer_id)
            )
            + sql.SQL(where),
            params,
        )
        rows = {}
        for row in cur.fetchall():
            rows[row[0]] = dict(zip(["version", *names], row[1:-1], strict=True)) | {"wkb": bytes(row[-1])}
    return rows


def max_distance_m(db: Connection, layer_id: str, srid: int, exported: dict[int, bytes]) -> float:
    """The largest distance in metres between exported geometries, transformed back to 4326, and the stored ones."""
    db.rollback()
    fids = list(exported)
    query = sql.SQL(
        # Degrees to metres with a degree of latitude (111.32 km), an upper bound for longitude too.
        "SELECT max(ST_HausdorffDistance(ST_Transform(ST_SetSRID(ST_GeomFromWKB(e.wkb), %s), 4326), t.geom))"
        " * 111320, count(*) FROM unnest(%s::bigint[], %s::bytea[]) AS e(fid, wkb) JOIN {} t ON t.fid = e.fid"
    ).format(sql.Identifier("layerdata", layer_id))
    with db.cursor() as cur:
        cur.execute(query, (srid, fids, [exported[f] for f in fids]))
        distance, matched = cur.fetchone()
    assert matched == len(fids)
    return distance


def export_request(layer_ids: list[str], fmt: str, srid: int | None = None, batch_rows: int = 10_000, **filters):
    """An ExportRequest as the API would build it for an official (exact data), with made-up links for the metadata."""
    from layers.access import OFFICIAL
    from layers.exchange.export import ExportRequest
    from layers.exchange.formats import FORMATS
    from layers.exchange.selection import Selection
    from layers.iso19139 import OnlineLinks

    links = OnlineLinks("http://atlas.test/g", "http://atlas.test/t", "http://atlas.test/p", "http://atlas.test/m")
    return ExportRequest(
        layer_ids=tuple(layer_ids),
        fmt=FORMATS[fmt],
        srid=srid or FORMATS[fmt].default_srid,
        selections={i: Selection(**filters) for i in layer_ids},
        links={i: links for i in layer_ids},
        batch_rows=batch_rows,
        access=OFFICIAL,
    )
