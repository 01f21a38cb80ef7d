"""The GeoPackage spatial index, built once at the end instead of row by row during appends.

GDAL builds a GeoPackage's R-tree in bulk only for rows written when the table is created; rows
appended later go through per-row triggers, which cost a third of a 200,000-polygon export.
Tables are therefore written without an index, which is then made in one pass by GDAL's own
`CreateSpatialIndex()` SQL function. pyogrio offers no way to run SQL on a dataset opened for
update, so that one statement goes through the C API of the very GDAL library pyogrio loads.
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import pyogrio

GDAL_OF_VECTOR_UPDATE = 0x04 | 0x01


@functools.cache
def _gdal() -> ctypes.CDLL | None:
    """pyogrio's GDAL, with the four functions used here typed; None if it cannot be found."""
    libs = Path(pyogrio.__file__).resolve().parent.parent / "pyogrio.libs"
    candidates = sorted(libs.glob("libgdal*.so*")) if libs.is_dir() else []
    if not candidates:
        return None
    try:
        gdal = ctypes.CDLL(str(candidates[0]))
        gdal.GDALOpenEx.restype = ctypes.c_void_p
        gdal.GDALOpenEx.argtypes = [ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        gdal.GDALDatasetExecuteSQL.restype = ctypes.c_void_p
        gdal.GDALDatasetExecuteSQL.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_char_p]
        gdal.GDALDatasetReleaseResultSet.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        gdal.GDALClose.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    return gdal


def can_index_afterwards() -> bool:
    """Whether create_spatial_index can run here (else tables keep GDAL's row-by-row index)."""
    return _gdal() is not None


def _sqlite_literal(text: str) -> str:
    """`text` as an SQLite string literal."""
    return "'" + text.replace("'", "''") + "'"


def create_spatial_index(path: Path, table: str, column: str = "geom") -> bool:
    """Build the R-tree of `table` in the GeoPackage at `path`; False if the file could not be opened."""
    gdal = _gdal()
    if gdal is None:
        return False
    dataset = gdal.GDALOpenEx(str(path).encode(), GDAL_OF_VECTOR_UPDATE, None, None, None)
    if not dataset:
        return False
    try:
        # GDAL's SQL dialect takes no bound parameters: both names go in as SQLite string literals,
        # their quotes doubled (the table is our own slug of a layer id, the column our own name).
        statement = "SELECT CreateSpatialIndex({}, {})".format(*(_sqlite_literal(v) for v in (table, column)))
        result = gdal.GDALDatasetExecuteSQL(dataset, statement.encode(), None, None)
        if result:
            gdal.GDALDatasetReleaseResultSet(dataset, result)
    finally:
        gdal.GDALClose(dataset)
    return True
