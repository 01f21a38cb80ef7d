"""Coordinate reference systems as PostGIS knows them, so other parts use the very same definitions."""

from __future__ import annotations

from psycopg2.extensions import connection as Connection

from layers.errors import NotFound

# VN-2000 / TM-3 zone 482 (central meridian 105°, k 0.9999): Thanh Hóa's planning CRS.
VN2000_PROVINCE_SRID = 5897


def proj4_definition(conn: Connection, srid: int) -> str:
    """The PROJ.4 string PostGIS holds for the SRID (with its VN-2000 → WGS 84 shift)."""
    with conn.cursor() as cur:
        cur.execute("SELECT proj4text FROM spatial_ref_sys WHERE srid = %s", (srid,))
        row = cur.fetchone()
    if row is None or not row[0]:
        raise NotFound(f"PostGIS has no definition of EPSG:{srid}.")
    return row[0].strip()
