"""One writer per export format: each takes the batches of one layer and leaves its files in a folder."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import shapely

from layers.catalogue import LayerDef
from layers.exchange.columns import Column, layer_columns
from layers.exchange.dbf_names import short_names
from layers.exchange.formats import GEOGRAPHIC_SRIDS, ExportFormat
from layers.exchange.gdal_writer import GdalLayerWriter
from layers.exchange.geojson_join import GeoJsonJoiner
from layers.exchange.gpkg_index import can_index_afterwards, create_spatial_index
from layers.exchange.kml_join import KmlJoiner
from layers.exchange.reader import Batch

# WKB type codes (modulo 1000, so Z and M variants count too) by geometry kind.
KINDS = {1: "point", 4: "point", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}
KIND_TYPES = {"point": "Point", "line": "LineString", "polygon": "Polygon"}


class LayerExport(Protocol):
    """What every format writer does with one layer's batches."""

    def write(self, batch: Batch) -> None: ...

    def finish(self) -> list[Path]: ...

    def abort(self) -> None: ...


def _wkb_kind(wkb: bytes) -> str:
    code = int.from_bytes(wkb[1:5], "little" if wkb[0] == 1 else "big")
    return KINDS.get(code % 1000, "other")


class ShapefileExport:
    """Shapefiles with short field names and text cut to 254 bytes; one per geometry kind when mixed."""

    def __init__(self, folder: Path, base: str, layer: LayerDef, srid: int) -> None:
        self.folder, self.base, self.layer, self.srid = folder, base, layer, srid
        self.full_columns = layer_columns(layer)
        self.short = short_names([c.name for c in self.full_columns])
        self.columns = [replace(c, name=self.short[c.name]) for c in self.full_columns]
        self.truncated: Counter[str] = Counter()
        self.parts: dict[str, GdalLayerWriter] = {}

    def _part(self, kind: str) -> GdalLayerWriter:
        if kind not in self.parts:
            single = self.layer.geometry_kind == kind
            name = self.base if single else f"{self.base}_{kind}"
            gtype = self.layer.geometry_type if single else KIND_TYPES.get(kind, "Unknown")
            self.parts[kind] = GdalLayerWriter(
                self.folder / f"{name}.shp", "ESRI Shapefile", name, gtype, self.srid, self.columns, "dbf",
                layer_options={"ENCODING": "UTF-8", "RESIZE": "YES"}, truncated=self.truncated,
            )  # fmt: skip
        return self.parts[kind]

    def write(self, batch: Batch) -> None:
        """Write the batch, split by geometry kind."""
        kinds = [_wkb_kind(w) for w in batch.wkb]
        if all(k == self.layer.geometry_kind for k in kinds):
            self._part(self.layer.geometry_kind).write(batch.wkb, batch.columns)
            return
        for kind in sorted(set(kinds)):
            rows = [i for i, k in enumerate(kinds) if k == kind]
            values = {name: [column[i] for i in rows] for name, column in batch.columns.items()}
            self._part(kind).write([batch.wkb[i] for i in rows], values)

    def finish(self) -> list[Path]:
        """The .shp, .shx, .dbf, .prj and .cpg of every part."""
        if not self.parts:
            self._part(self.layer.geometry_kind)
        files: list[Path] = []
        for part in self.parts.values():
            part.finish()
            stem = part.path.with_suffix("")
            files += [stem.with_suffix(ext) for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
        return files

    def abort(self) -> None:
        """Nothing is held open between batches."""


class SingleFileExport:
    """GeoPackage or CSV through one GDAL layer, with full field names."""

    def __init__(self, path: Path, fmt: ExportFormat, layer: LayerDef, srid: int) -> None:
        self.path = path
        self.points_as_columns = fmt.key == "csv" and layer.geometry_kind == "point"
        self.xy_names = ("lon", "lat") if srid in GEOGRAPHIC_SRIDS else ("x", "y")
        columns = layer_columns(layer)
        if self.points_as_columns:
            columns = [columns[0], *(Column(n, n, "number") for n in self.xy_names), *columns[1:]]
        # A CSV file holds one layer named after the file; an append must find it by that name.
        layer_name = layer.id if fmt.key == "gpkg" else path.stem
        self.writer = GdalLayerWriter(
            path, fmt.driver, layer_name, None if self.points_as_columns else layer.geometry_type, srid, columns,
            "text" if fmt.key == "csv" else "typed", layer_options=_layer_options(fmt, layer), arrow=fmt.key == "gpkg",
        )  # fmt: skip

    def write(self, batch: Batch) -> None:
        """Write the batch; CSV points become two coordinate columns."""
        if not self.points_as_columns:
            self.writer.write(batch.wkb, batch.columns)
            return
        points = shapely.from_wkb(batch.wkb)
        x_name, y_name = self.xy_names
        coordinates = {x_name: shapely.get_x(points).tolist(), y_name: shapely.get_y(points).tolist()}
        self.writer.write(None, batch.columns | coordinates)

    def finish(self) -> list[Path]:
        """The one file (a GeoPackage with its spatial index)."""
        self.writer.finish()
        if self.writer.layer_options.get("SPATIAL_INDEX") == "NO":
            create_spatial_index(self.path, self.writer.layer_name)
        return [self.path]

    def abort(self) -> None:
        """Nothing is held open between batches."""


def _layer_options(fmt: ExportFormat, layer: LayerDef) -> dict[str, str]:
    if fmt.key == "csv":
        return {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES", "CREATE_CSVT": "NO"}
    if fmt.key == "gpkg":
        options = {"IDENTIFIER": layer.title_vi, "DESCRIPTION": layer.metadata.abstract_vi}
        # Indexed in one pass at the end when possible (gpkg_index.py): appends then skip the R-tree triggers.
        return options | ({"SPATIAL_INDEX": "NO"} if can_index_afterwards() else {})
    return {}


class JoinedDocumentExport:
    """KML or GeoJSON: each batch through GDAL into a scratch document, whose features are joined into one.

    Neither driver appends cheaply (GDAL rewrites the file each time), so batches are written apart.
    """

    def __init__(self, path: Path, fmt: ExportFormat, layer: LayerDef, scratch: Path) -> None:
        self.path, self.fmt, self.layer, self.scratch = path, fmt, layer, scratch
        self.columns = layer_columns(layer)
        self.out = path.open("w", encoding="utf-8")
        self.joiner: KmlJoiner | GeoJsonJoiner = KmlJoiner(self.out) if fmt.key == "kml" else GeoJsonJoiner(self.out)
        self.batches = 0
        kml = fmt.key == "kml"
        self.dataset_options = {"NameField": _placemark_name(layer)} if kml else {}
        self.layer_options = {} if kml else {"RFC7946": "YES", "WRITE_NAME": "NO"}

    def write(self, batch: Batch) -> None:
        """Write the batch as a scratch document and join its features."""
        document = self.scratch / f"batch-{self.batches}.{self.fmt.extension}"
        writer = GdalLayerWriter(
            document, self.fmt.driver, self.path.stem, self.layer.geometry_type, 4326, self.columns,
            "text" if self.fmt.key == "kml" else "typed",
            dataset_options=self.dataset_options, layer_options=self.layer_options,
        )  # fmt: skip
        writer.write(batch.wkb, batch.columns)
        self.joiner.add(document)
        document.unlink()
        self.batches += 1

    def finish(self) -> list[Path]:
        """Close the document (one with no feature when nothing was selected)."""
        if self.batches == 0:
            self.write(Batch(wkb=[], columns={c.source: [] for c in self.columns}))
        self.joiner.close()
        self.out.close()
        return [self.path]

    def abort(self) -> None:
        """Close the output after an error."""
        self.out.close()


def _placemark_name(layer: LayerDef) -> str:
    """The field shown as a Placemark's name: `name`, else the first searchable or required plain text."""
    texts = [f for f in layer.fields if f.type == "text" and not f.domain]
    ranked = (
        [f for f in texts if f.name == "name"] + [f for f in texts if f.searchable] + [f for f in texts if f.required]
    )
    # GDAL moves the NameField into <name>; a name no field has leaves every value in ExtendedData.
    return ranked[0].name if ranked else "Name"
