"""The CRS of an import: from the .prj (or the format), else `srid=`; reprojection to EPSG:4326 with
PostGIS's own definitions (VN-2000 through the EPSG:6960 shift); and the checks that name the usual
mistakes: a UTM scale factor in a TM-3 file (about 657 m), VN-2000 numbers read as WGS 84 (about
225 m), swapped axes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef
from layers.crs import proj4_definition
from layers.errors import ImportRefused, NotFound
from layers.exchange.formats import VN2000_SRIDS, WGS84
from layers.province import inside_province
from layers.tables import table_identifier

WGS84_PROJ = "+proj=longlat +datum=WGS84 +no_defs"
# A round trip moves nothing; a feature this far from where it is stored means another CRS.
MOVED_M = 50.0
MATCHED_M = 5.0
CAUSES = {
    "utm_scale": "a UTM scale factor (0.9996) where TM-3 has 0.9999 (or the other way round), which moves data"
    " about 657 m north-south: EPSG:3405 (VN-2000 / UTM 48N) and EPSG:5897 (TM-3 105°) differ only there",
    "vn2000_as_wgs84": "VN-2000 coordinates read as WGS 84 (or WGS 84 as VN-2000) without the EPSG:6960 shift,"
    " which puts data about 225 m off",
    "swapped_axes": "swapped axes: the file gives latitude before longitude (or northing before easting)",
    "projected_as_degrees": "coordinates in metres declared as degrees",
}
# The other reading of the same numbers that each mistake stands for.
ALTERNATIVES = {5897: (3405, "utm_scale"), 3405: (5897, "utm_scale"), 4326: (4756, "vn2000_as_wgs84")}
ALTERNATIVES |= {4756: (4326, "vn2000_as_wgs84")}


@dataclass(frozen=True)
class SourceCrs:
    """The CRS an import is read in: EPSG code (when known), PROJ definition, name and how it was found."""

    srid: int | None
    proj: str
    name: str
    found: str

    def report(self) -> dict:
        """The CRS part of the import report."""
        return {"srid": self.srid, "name": self.name, "found": self.found}


def crs_for_srid(conn: Connection, srid: int, found: str) -> SourceCrs:
    """An EPSG code as PostGIS defines it (so VN-2000 carries the same +towgs84 as exports)."""
    try:
        proj = proj4_definition(conn, srid)
    except NotFound:
        raise ImportRefused(f"EPSG:{srid} is not a CRS this atlas knows; use 4326, 4756, 3405 or 5897.") from None
    return SourceCrs(srid, proj, _epsg_name(srid), found)


def _epsg_name(srid: int) -> str:
    """The EPSG register's name of the CRS ("VN-2000 / TM-3 zone 482"); a PROJ string alone names none."""
    try:
        return pyproj.CRS.from_epsg(srid).name
    except pyproj.exceptions.CRSError:
        return f"EPSG:{srid}"


def identify(conn: Connection, wkt: str | None, srid: int | None, how: str) -> SourceCrs:
    """The CRS from the file's own definition (`how` says where it was), else `srid=`; 422 with neither."""
    if wkt:
        crs = _readable(wkt, how)
        code = crs.to_epsg(min_confidence=70)
        if code is not None:
            found = how + (f"; srid={srid} was ignored" if srid and srid != code else "")
            return crs_for_srid(conn, code, found) if code in (WGS84, *VN2000_SRIDS) else _plain(crs, code, found)
        if "2000" in (crs.datum.name if crs.datum else "") and srid:
            return crs_for_srid(conn, srid, f"srid={srid}: the {how} names VN-2000 but no EPSG code")
        return _plain(crs, None, how)
    if srid:
        return crs_for_srid(conn, srid, f"srid={srid} (the file has no CRS of its own)")
    raise ImportRefused(
        "The file does not say its coordinate system: add its .prj to the zip, or send srid= with the"
        " EPSG code (5897 for VN-2000 / TM-3 105°, 3405 for VN-2000 / UTM 48N, 4326 for WGS 84).",
        details={"problem": "crs_missing"},
    )


def _readable(definition: str, how: str) -> pyproj.CRS:
    """The file's CRS definition read by PROJ, or a 422 saying how to give the CRS instead."""
    try:
        return pyproj.CRS.from_user_input(definition)
    except pyproj.exceptions.CRSError:
        raise ImportRefused(
            f"The coordinate system {how.removeprefix('from ')} cannot be read: replace it with the"
            " .prj your GIS writes, or leave it out and send srid= with the EPSG code (5897 for VN-2000 / TM-3 105°).",
            details={"problem": "crs_unreadable"},
        ) from None


def _plain(crs: pyproj.CRS, code: int | None, found: str) -> SourceCrs:
    try:
        definition = crs.to_proj4() or crs.to_wkt()
    except pyproj.exceptions.CRSError:  # a CRS PROJ strings cannot say (a local grid): `transformer` refuses it
        definition = crs.to_wkt()
    return SourceCrs(code, definition, crs.name, found)


def transformer(source: SourceCrs) -> pyproj.Transformer:
    """Source CRS to EPSG:4326, lon/lat order; a 422 for a CRS that has no way to WGS 84 (a local grid)."""
    try:
        return pyproj.Transformer.from_crs(pyproj.CRS(source.proj), pyproj.CRS(WGS84_PROJ), always_xy=True)
    except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError):
        raise ImportRefused(
            f"The file's coordinate system ({source.name}) cannot be transformed to WGS 84: export it in"
            " VN-2000 (EPSG:5897) or WGS 84 (EPSG:4326).",
            details={"problem": "crs_unreadable"},
        ) from None


def to_wgs84(geoms: np.ndarray, source: SourceCrs) -> np.ndarray:
    """Shapely geometries reprojected to EPSG:4326 (unchanged when they are in it)."""
    if source.srid == WGS84:
        return geoms
    move = transformer(source)
    return shapely.transform(geoms, lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))


def _bounds(geoms: np.ndarray) -> tuple[float, float, float, float]:
    return tuple(shapely.total_bounds(geoms))  # type: ignore[return-value]


def _refuse(cause: str, detail: str) -> ImportRefused:
    return ImportRefused(
        f"The data is not where it should be; likely cause: {CAUSES[cause]}. {detail}",
        details={"problem": "crs_trap", "cause": cause},
    )


def share_inside(geoms: np.ndarray) -> float:
    """The share of (non-empty) geometries whose box lies in the province."""
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(present):
        return 1.0
    return float(np.mean([inside_province(tuple(b)) for b in shapely.bounds(present)]))


def check_place(conn: Connection, raw: np.ndarray, placed: np.ndarray, source: SourceCrs) -> None:
    """Refuse a file mostly outside the province, naming the mistake when another reading puts it inside.

    A few strays are left to validation, which rejects them one by one (skip_invalid can keep the rest).
    """
    if share_inside(placed) >= 0.5:
        return
    present = raw[~(shapely.is_missing(raw) | shapely.is_empty(raw))]
    swapped = shapely.transform(present, lambda xy: xy[:, ::-1])
    if share_inside(to_wgs84(swapped, source)) >= 0.5:
        raise _refuse("swapped_axes", "Swap the X and Y columns (or the axis order) and import again.")
    minx, _miny, maxx, _maxy = _bounds(present)
    if source.srid in (WGS84, 4756) and max(abs(minx), abs(maxx)) > 360:
        raise _refuse("projected_as_degrees", "Send srid=5897 (TM-3 105°) or the file's .prj.")
    box = ", ".join(f"{v:.4f}" for v in _bounds(placed[~(shapely.is_missing(placed) | shapely.is_empty(placed))]))
    raise ImportRefused(
        f"The data lies outside Thanh Hóa ({box} in WGS 84), read as {source.name}: check the CRS of the file.",
        details={"problem": "outside_province"},
    )


def offset_m(conn: Connection, placed: np.ndarray, stored_ewkb: list[str]) -> float:
    """The median distance in metres between imported geometries and the stored ones they stand for."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ST_Distance(ST_Centroid(s::geometry)::geography,"
            " ST_Centroid(ST_GeomFromWKB(i, 4326))::geography)) FROM unnest(%s::text[], %s::bytea[]) AS u(s, i)",
            (stored_ewkb, [shapely.to_wkb(g) for g in placed]),
        )
        return float(cur.fetchone()[0] or 0.0)


def nearest_m(conn: Connection, layer: LayerDef, placed: np.ndarray) -> float | None:
    """The median distance in metres from imported centroids to the centroid of the nearest stored feature."""
    statement = sql.SQL(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM (SELECT (SELECT"
        " ST_Distance(ST_Centroid(t.geom)::geography, c::geography) FROM {} t ORDER BY t.geom <-> c LIMIT 1) AS d"
        " FROM (SELECT ST_Centroid(ST_GeomFromWKB(i, 4326)) AS c FROM unnest(%s::bytea[]) AS u(i)) s) q"
    ).format(table_identifier(layer))
    with conn.cursor() as cur:
        cur.execute(statement, ([shapely.to_wkb(g) for g in placed],))
        found = cur.fetchone()[0]
    return None if found is None else float(found)


def check_offset(
    conn: Connection,
    raw: np.ndarray,
    placed: np.ndarray,
    measure: Callable[[np.ndarray], float | None],
    source: SourceCrs,
) -> float:
    """Refuse a file whose features sit a known mistake away from where the layer has them; else the offset.

    `measure` gives the median distance in metres to the stored features: by feature_id when the
    file has our exports' ids, else to the nearest feature (a copy of stored data without its ids).
    """
    moved = measure(placed) if len(placed) else None
    alternative = ALTERNATIVES.get(source.srid or 0)
    if moved is None or moved < MOVED_M or alternative is None:
        return moved or 0.0
    srid, cause = alternative
    again = measure(to_wgs84(raw, crs_for_srid(conn, srid, "")))
    if again is not None and again < MATCHED_M:
        raise _refuse(
            cause,
            f"Read as {source.name} the features lie {moved:.0f} m from where the atlas has them; read as"
            f" EPSG:{srid} they fit. Give the file the .prj of EPSG:{srid} (or remove the .prj and send srid={srid}).",
        )
    return moved
