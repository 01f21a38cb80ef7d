"""Coordinate reference systems as PostGIS knows them, so other parts use the very same definitions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from psycopg2.extensions import connection as Connection
from pyproj import CRS

from layers.errors import InvalidInput, NotFound
from layers.exchange.formats import EXPORT_SRIDS, GEOGRAPHIC_SRIDS, WGS84

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


# The OGC API names CRSs by URI: CRS84 is WGS 84 with longitude first (the storage's own order).
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class CrsChoice:
    """A CRS a client asked for: its SRID in PostGIS, and whether its axes go latitude (northing) first."""

    srid: int
    lat_first: bool = False

    @property
    def uri(self) -> str:
        """The OGC URI of this CRS."""
        return CRS84_URI if self.srid == WGS84 and not self.lat_first else f"{EPSG_URI_PREFIX}{self.srid}"

    @property
    def geographic(self) -> bool:
        """True when coordinates are degrees (WGS 84 or VN-2000 geographic)."""
        return self.srid in GEOGRAPHIC_SRIDS


CRS84 = CrsChoice(WGS84)


@lru_cache(maxsize=64)
def _lat_first(srid: int) -> bool:
    # EPSG's axis order (4326 and 4756 are latitude first; the VN-2000 grids easting first), as PROJ records it.
    return CRS.from_epsg(srid).axis_info[0].direction in ("north", "south")


def offered_crs() -> list[CrsChoice]:
    """Every CRS the atlas serves features in: CRS84 first, then EPSG:4326 and the VN-2000 codes of the exports."""
    return [CRS84, *(CrsChoice(srid, _lat_first(srid)) for srid in EXPORT_SRIDS)]


def parse_crs_uri(raw: str | None, name: str) -> CrsChoice:
    """The CRS a `crs` or `bbox-crs` parameter names (its URI, in brackets or not, or `EPSG:n`); CRS84 when absent."""
    if raw is None or raw == "":
        return CRS84
    text = raw.strip().removeprefix("[").removesuffix("]")
    spellings = {choice.uri: choice for choice in offered_crs()}
    spellings |= {f"EPSG:{choice.srid}": choice for choice in offered_crs() if choice is not CRS84}
    if text not in spellings:
        raise InvalidInput(
            f"{name} must be one of the CRSs this atlas offers (the collection's crs list); got '{raw[:80]}'.",
            details={"parameter": name},
        )
    return spellings[text]
