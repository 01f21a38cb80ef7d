"""Reading an import with GDAL (pyogrio): its features as shapely geometries and Python values,
its CRS and text encoding, each with how it was found, and the mapping of its columns to the layer.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow
import pyogrio
import shapely
from psycopg2.extensions import connection as Connection
from pyogrio.errors import DataLayerError, DataSourceError
from pyogrio.raw import open_arrow

from layers.catalogue import FieldDef, LayerDef
from layers.distinct import map_distinct
from layers.errors import ImportRefused
from layers.exchange import encodings
from layers.exchange.archive import Source
from layers.exchange.crs_check import SourceCrs, identify
from layers.exchange.fieldmap import FieldMapping, map_fields, read_crosswalk

BATCH_FEATURES = 20_000
# Enough text to tell the legacy encodings apart.
DETECT_FEATURES = 5_000


@dataclass
class ImportData:
    """One batch of a file: raw geometries (file CRS) and values by layer field; `start` is its first index."""

    start: int
    raw: np.ndarray
    values: dict[str, list[Any]]
    placed: np.ndarray | None = None  # the geometries in EPSG:4326, once reprojected

    def __len__(self) -> int:
        return len(self.raw)


@dataclass
class ImportFile:
    """What a file is, before its features are read: layer, CRS, encoding and column mapping, with warnings."""

    source: Source
    layer_name: str | None
    crs: SourceCrs
    encoding: dict[str, str]
    mapping: FieldMapping
    warnings: list[str] = field(default_factory=list)

    def batches(self, layer: LayerDef, size: int | None = None) -> Generator[ImportData, None, None]:
        """The features in batches from one pass over the file (GDAL's Arrow stream), so memory stays bounded.

        Reading batch by batch with skip_features made GDAL parse a GeoJSON file again for every batch.
        """
        start = 0
        try:
            # A DBF's text comes through as ISO-8859-1, one character a byte, and is decoded here (_text).
            # It is asked for with the dataset's own open option: pyogrio's `encoding=` sets GDAL's
            # thread-wide SHAPE_ENCODING while the stream is open, and every shapefile the thread wrote
            # meanwhile (an export after an import that stopped early) got Latin-1 bytes under a UTF-8 .cpg.
            latin1 = {"ENCODING": "ISO-8859-1"} if self.source.format == "shp" else {}
            with open_arrow(
                self.source.path, self.layer_name, batch_size=size or BATCH_FEATURES, use_pyarrow=True, **latin1
            ) as (meta, reader):
                geometry = meta["geometry_name"] or "wkb_geometry"
                for batch in reader:
                    yield _batch(self, layer, batch, geometry, start)
                    start += batch.num_rows
        except (DataSourceError, DataLayerError, OSError, pyarrow.ArrowException) as exc:
            raise _unreadable(exc) from None


def _gdal(call, *args, **kwargs):
    """A GDAL call whose failure is a 422 naming the file's problem (GDAL's first line, nothing more)."""
    try:
        return call(*args, **kwargs)
    except (DataSourceError, DataLayerError, RuntimeError, ValueError) as exc:
        raise _unreadable(exc) from None


# A path in GDAL's message: only its last part is shown, never the server's private folder.
_FOLDERS = re.compile(r"/(?:[^/\s'\"]+/)+")


def _unreadable(exc: Exception) -> ImportRefused:
    first = _FOLDERS.sub("", (str(exc).splitlines() or ["unknown error"])[0])[:200]
    return ImportRefused(f"GDAL cannot read the file: {first}", details={"problem": "unreadable"})


def _layer_name(source: Source) -> str | None:
    layers = _gdal(pyogrio.list_layers, source.path)
    if len(layers) > 1:
        names = ", ".join(str(n) for n, _ in layers[:10])
        raise ImportRefused(f"The GeoPackage holds {len(layers)} layers ({names}); send one layer per file.")
    return str(layers[0][0]) if len(layers) else None


def _file_crs(conn: Connection, source: Source, layer_name: str | None, srid: int | None) -> SourceCrs:
    """The CRS from the .prj, or from GDAL's reading of the file; GDAL must be able to read the file either way."""
    if source.format == "shp":
        prj = source.path.with_suffix(".prj")
        prjs = [p for p in source.path.parent.iterdir() if p.name.lower() == prj.name.lower()]
        # A .prj PROJ cannot read is named as such before GDAL stumbles on it in its own words.
        named = (
            identify(conn, prjs[0].read_text(encoding="latin-1"), srid, f"from the .prj ({prjs[0].name})")
            if prjs
            else None
        )
        _gdal(pyogrio.read_info, source.path)
        return named or identify(conn, None, srid, "")
    info = _gdal(pyogrio.read_info, source.path, layer=layer_name)
    if source.format == "geojson" and info.get("crs") in (None, "OGC:CRS84", "EPSG:4326"):
        # RFC 7946: GeoJSON is WGS 84 lon/lat; an old-style "crs" member is honoured by GDAL.
        return identify(conn, "EPSG:4326", srid, "GeoJSON is WGS 84 (RFC 7946)")
    return identify(conn, info.get("crs"), srid, f"from the {source.format.upper()} file's own CRS")


def _take_cpg(source: Source) -> str | None:
    """The .cpg's text, and the file moved aside so that GDAL hands over the DBF's bytes undecoded."""
    if source.format != "shp":
        return None
    _bytes_through(source)
    cpgs = [p for p in source.path.parent.iterdir() if p.name.lower() == source.path.with_suffix(".cpg").name.lower()]
    if not cpgs:
        return None
    said = cpgs[0].read_text(encoding="latin-1").strip()
    cpgs[0].unlink()
    return said


def _bytes_through(source: Source) -> None:
    """Make GDAL pass the DBF's text bytes through one to one (ISO-8859-1), so they are decoded here.

    Without a .cpg and with the DBF's language byte cleared GDAL reads ISO-8859-1, in which every
    byte is one character. Only our private copy is changed, never the upload itself.
    """
    dbfs = [p for p in source.path.parent.iterdir() if p.name.lower() == source.path.with_suffix(".dbf").name.lower()]
    if dbfs and dbfs[0].stat().st_size > 32:
        with dbfs[0].open("r+b") as handle:
            handle.seek(29)  # the language driver id of the DBF header
            handle.write(b"\x00")


def _encoding(source: Source, said: str | None, asked: str | None, texts: list[bytes]) -> dict[str, str]:
    """The encoding of the DBF's text and how it was found: .cpg, then `encoding=`, then detection."""
    if source.format != "shp":
        return {"name": "utf-8", "found": f"{source.format.upper()} text is always UTF-8"}
    if said is not None:
        name = encodings.cpg_encoding(said)
        if name:
            return {"name": name, "found": f"from the .cpg ({said})"}
    # A .cpg naming an encoding no Vietnamese file uses is treated as absent, and the report says so.
    cpg = f"the .cpg names {said[:40]!r}, which is not read" if said is not None else "no .cpg"
    if asked:
        return {"name": asked, "found": f"from encoding= ({cpg})"}
    name, why = encodings.detect(texts)
    return {"name": name, "found": f"detected ({cpg}, no encoding=): {why}"}


def _python(value: Any, target: FieldDef | None) -> Any:
    """A value from GDAL as validation takes it (dates and times as ISO text, NaN as missing)."""
    if isinstance(value, np.datetime64):
        value = None if np.isnat(value) else value.astype("datetime64[ms]").item()
    if isinstance(value, dt.datetime):
        if target is not None and target.type == "date":
            return value.date().isoformat()
        # GDAL hands GeoPackage times over in UTC without their offset flag.
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return None
    if isinstance(value, np.floating | float):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, int) and target is not None and target.type == "text":
        return str(value)  # a code column a spreadsheet turned into a number
    return value


def open_import(
    conn: Connection, layer: LayerDef, source: Source, srid: int | None, encoding: str | None
) -> ImportFile:
    """The file's layer, CRS, encoding (detected from its first features) and field mapping."""
    name = _layer_name(source) if source.format == "gpkg" else None
    crs = _file_crs(conn, source, name, srid)
    said = _take_cpg(source)
    meta, _fids, _wkb, columns = _gdal(pyogrio.raw.read, source.path, layer=name, max_features=DETECT_FEATURES)
    raw_text = source.format == "shp"  # DBF bytes come through as latin-1 and are decoded here
    texts = [v.encode("latin-1") for c in columns if c.dtype == object for v in c if isinstance(v, str) and raw_text]
    chosen = _encoding(source, said, encoding, texts)
    names = [str(n) for n in meta["fields"]]
    mapping = map_fields(layer, names, read_crosswalk(source.path.parent) if raw_text else None)
    warnings = [f"Column '{n}' has no field in the layer and was ignored." for n in mapping.ignored]
    return ImportFile(source, name, crs, chosen, mapping, warnings)


def _batch(file: ImportFile, layer: LayerDef, batch: pyarrow.RecordBatch, geometry: str, start: int) -> ImportData:
    raw_text, encoding = file.source.format == "shp", file.encoding["name"]
    values: dict[str, list[Any]] = {}
    for column_name in batch.schema.names:
        target_name = file.mapping.targets.get(column_name)
        if target_name is not None and column_name != geometry:
            target = layer.field(target_name)
            values[target_name] = _column(batch.column(column_name).to_pylist(), encoding, raw_text, target)
    if geometry not in batch.schema.names:  # a table without geometries: each feature is refused for it
        return ImportData(start, np.full(batch.num_rows, None, dtype=object), values)
    wkb = batch.column(geometry).to_numpy(zero_copy_only=False)
    return ImportData(start, shapely.from_wkb(np.asarray(wkb, dtype=object)), values)


def _column(column: list[Any], encoding: str, raw: bool, target: FieldDef | None) -> list[Any]:
    """A GDAL column as Python values; its repeated values (codes, names, years) are converted once."""
    return map_distinct(column, lambda value: _text(value, encoding, raw, target))


def _text(value: Any, encoding: str, raw: bool, target: FieldDef | None) -> Any:
    if isinstance(value, str):
        text = encodings.decode(value.encode("latin-1"), encoding) if raw else value
        return unicodedata.normalize("NFC", text)
    return _python(value, target)
