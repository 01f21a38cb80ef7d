"""Exporting layers: read one snapshot in batches, write them with GDAL, package what travels with them."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from psycopg2.extensions import connection as Connection
from slugify import slugify

from layers.access import PUBLIC, Access
from layers.catalogue import LayerDef, get_layers
from layers.exchange.crosswalk import crosswalk_csv
from layers.exchange.formats import ExportFormat, crs_tag
from layers.exchange.gpkg_metadata import add_iso_metadata
from layers.exchange.prefetch import prefetched
from layers.exchange.reader import BATCH_ROWS, read_batches
from layers.exchange.readme import readme_text
from layers.exchange.selection import Selection, count_selected
from layers.exchange.writers import JoinedDocumentExport, LayerExport, ShapefileExport, SingleFileExport
from layers.iso19139 import OnlineLinks, metadata_document
from layers.stats import layer_stats

Progress = Callable[[int], None]
# The file name of an export of several layers.
SHARED_NAME = "thanhhoa_atlas"


@dataclass(frozen=True)
class ExportRequest:
    """What to export: layers, format, CRS, a selection per layer and the links its metadata names."""

    layer_ids: tuple[str, ...]
    fmt: ExportFormat
    srid: int
    selections: Mapping[str, Selection]
    links: Mapping[str, OnlineLinks]
    batch_rows: int = BATCH_ROWS
    # Whose export it is: the public's has sensitive features generalised (layers/access.py).
    access: Access = PUBLIC


@dataclass(frozen=True)
class ExportResult:
    """The finished file, the name to download it under, its media type and the features per layer."""

    path: Path
    filename: str
    media_type: str
    counts: dict[str, int] = field(default_factory=dict)


def file_base(layer: LayerDef) -> str:
    """An ASCII-safe file name for the layer."""
    return slugify(layer.id, separator="_", lowercase=True) or "layer"


def count_features(conn: Connection, request: ExportRequest) -> dict[str, int]:
    """How many features each requested layer's selection takes, in the caller's snapshot."""
    layers = get_layers(conn, list(request.layer_ids))
    return {layer.id: count_selected(conn, layer, request.selections[layer.id], request.access) for layer in layers}


def _writer(folder: Path, layer: LayerDef, request: ExportRequest) -> LayerExport:
    base = f"{file_base(layer)}_{crs_tag(request.srid)}" if request.fmt.key != "shp" else file_base(layer)
    if _one_geopackage(request):
        base = f"{SHARED_NAME}_{crs_tag(request.srid)}"
    if request.fmt.key == "shp":
        return ShapefileExport(folder, base, layer, request.srid)
    if request.fmt.key in ("kml", "geojson"):
        scratch = folder / ".batches"
        scratch.mkdir(exist_ok=True)
        return JoinedDocumentExport(folder / f"{base}.{request.fmt.extension}", request.fmt, layer, scratch)
    return SingleFileExport(folder / f"{base}.{request.fmt.extension}", request.fmt, layer, request.srid)


def _one_geopackage(request: ExportRequest) -> bool:
    """Several layers in a GeoPackage go into one file, a table each, instead of a zip of files."""
    return request.fmt.key == "gpkg" and len(request.layer_ids) > 1


def _write_layer(
    conn: Connection, layer: LayerDef, request: ExportRequest, folder: Path, progress: Progress | None
) -> tuple[list[Path], LayerExport]:
    writer = _writer(folder, layer, request)
    try:
        batches = read_batches(
            conn, layer, request.srid, request.selections[layer.id], request.access, request.batch_rows
        )
        for batch in prefetched(batches):
            writer.write(batch)
            if progress is not None:
                progress(len(batch))
        files = writer.finish()
    except BaseException:
        writer.abort()
        raise
    return files, writer


def _companions(
    conn: Connection, layer: LayerDef, request: ExportRequest, folder: Path, writer: LayerExport
) -> list[Path]:
    """The metadata document, and for shapefiles the field crosswalk; GeoPackages carry the metadata inside."""
    document = metadata_document(layer, layer_stats(conn, layer, request.access), request.links[layer.id])
    if isinstance(writer, SingleFileExport) and request.fmt.key == "gpkg":
        add_iso_metadata(writer.path, layer.id, document)
        return []
    xml = folder / f"{file_base(layer)}_metadata.xml"
    xml.write_bytes(document)
    if not isinstance(writer, ShapefileExport):
        return [xml]
    crosswalk = folder / f"{file_base(layer)}_fields.csv"
    crosswalk.write_bytes(crosswalk_csv(writer.full_columns, writer.short, writer.truncated))
    return [crosswalk, xml]


def export_layers(
    conn: Connection, request: ExportRequest, folder: Path, progress: Progress | None = None
) -> ExportResult:
    """Write the export into `folder` (which the caller owns and removes) and return the file to send."""
    layers = get_layers(conn, list(request.layer_ids))
    counts = count_features(conn, request)
    work = folder / "work"
    work.mkdir()
    entries: list[tuple[Path, str]] = []
    for layer in layers:
        layer_folder = work / file_base(layer) if len(layers) > 1 and not _one_geopackage(request) else work
        layer_folder.mkdir(exist_ok=True)
        files, writer = _write_layer(conn, layer, request, layer_folder, progress)
        files += _companions(conn, layer, request, layer_folder, writer)
        entries += [(f, str(f.relative_to(work))) for f in files]
    fmt = request.fmt
    if (len(layers) == 1 and fmt.key != "shp") or _one_geopackage(request):
        only = entries[0][0]
        return ExportResult(only, only.name, fmt.media_type, counts)
    readme = work / "README.txt"
    readme.write_text(readme_text(conn, layers, request.srid, [n for _, n in entries], counts), encoding="utf-8")
    entries.append((readme, readme.name))
    name = f"{file_base(layers[0])}_{crs_tag(request.srid)}" if len(layers) == 1 else SHARED_NAME
    archive = folder / f"{name}_{fmt.key}.zip" if len(layers) > 1 else folder / f"{name}.zip"
    _zip(archive, entries)
    return ExportResult(archive, archive.name, "application/zip", counts)


def _zip(archive: Path, entries: list[tuple[Path, str]]) -> None:
    # Level 1: a DBF is mostly padding, which the fastest level packs nearly as well as the default.
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for path, name in entries:
            out.write(path, name)
