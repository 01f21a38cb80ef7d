"""One GDAL layer written batch by batch through pyogrio: created by the first batch, appended to after."""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from pyogrio import raw

from layers.exchange.columns import ArrayBuilder, Column


class GdalLayerWriter:
    """Writes batches of WKB and values into one layer of one file with one GDAL driver."""

    def __init__(
        self,
        path: Path,
        driver: str,
        layer_name: str,
        geometry_type: str | None,
        srid: int,
        columns: list[Column],
        flavour: str,
        *,
        dataset_options: dict[str, str] | None = None,
        layer_options: dict[str, str] | None = None,
        truncated: Counter[str] | None = None,
    ) -> None:
        self.path = path
        self.driver = driver
        self.layer_name = layer_name
        self.geometry_type = geometry_type
        self.srid = srid
        self.columns = columns
        self.builder = ArrayBuilder(flavour, truncated if truncated is not None else Counter())
        self.dataset_options = dataset_options or {}
        self.layer_options = layer_options or {}
        self.written = 0
        self._created = False

    def write(self, wkb: list[bytes] | None, values: dict[str, list]) -> None:
        """Write one batch (an empty one creates the layer with its fields and no features)."""
        data, masks, offsets = self.builder.build(self.columns, values)
        geometry = None if wkb is None else np.array(wkb, dtype=object)
        with warnings.catch_warnings():
            # Values were cut to the DBF's width beforehand; GDAL's own notices would only repeat that.
            warnings.simplefilter("ignore", RuntimeWarning)
            raw.write(
                str(self.path),
                geometry,
                data,
                [c.name for c in self.columns],
                field_mask=masks,
                layer=self.layer_name,
                driver=self.driver,
                geometry_type=self.geometry_type,
                crs=f"EPSG:{self.srid}",
                append=self._created,
                promote_to_multi=False,
                dataset_options=None if self._created else self.dataset_options,
                layer_options=None if self._created else self.layer_options,
                gdal_tz_offsets=offsets or None,
            )
        self._created = True
        self.written += len(data[0]) if data else len(wkb or ())

    def finish(self) -> None:
        """Make sure the file exists even when no feature was selected."""
        if not self._created:
            self.write(None if self.geometry_type is None else [], {c.source: [] for c in self.columns})
