"""Turning a batch's values into the numpy arrays pyogrio writes, typed for each kind of format."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from layers.catalogue import FieldDef, LayerDef

# Vietnam keeps UTC+7 all year, so timestamps are written in the time people there read.
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))
# GDAL's time-zone flag: 100 is UTC (GeoPackage asks for UTC timestamps; RFC 56).
GDAL_TZ_UTC = 100
# A DBF character field holds at most 254 bytes, UTF-8 encoded here.
DBF_TEXT_BYTES = 254


@dataclass(frozen=True)
class Column:
    """One output column: its name in the file, the batch column it comes from and its atlas type."""

    name: str
    source: str
    type: str
    field: FieldDef | None = None


def layer_columns(layer: LayerDef) -> list[Column]:
    """The exported columns of a layer: feature id, version, last update, then its own fields."""
    system = [Column("feature_id", "feature_id", "integer64"), Column("version", "version", "integer")]
    system.append(Column("updated_at", "updated_at", "datetime"))
    return system + [Column(f.name, f.name, f.type, f) for f in layer.fields]


def truncate_utf8(text: str, limit: int = DBF_TEXT_BYTES) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, at a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    # errors="ignore" drops the partial character a byte cut leaves at the end.
    return encoded[:limit].decode("utf-8", errors="ignore")


def _iso_time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(VIETNAM_TIME).isoformat()


def _text(values: list[Any], limit: int | None, column: str, cut: Counter[str]) -> np.ndarray:
    if limit is None:
        return np.array(values, dtype=object)
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if value is not None and len(value) * 4 > limit and len(value.encode("utf-8")) > limit:
            value = truncate_utf8(value, limit)
            cut[column] += 1  # keyed by the full name, as the crosswalk lists it
        out[i] = value
    return out


def _masked(values: list[Any], dtype: str) -> tuple[np.ndarray, np.ndarray | None]:
    mask = np.array([v is None for v in values], dtype=bool)
    filled = [0 if v is None else v for v in values]
    return np.array(filled, dtype=dtype), (mask if mask.any() else None)


@dataclass
class ArrayBuilder:
    """Arrays for one flavour of format: 'dbf' (text cut to 254 bytes, ISO times), 'typed' or 'text'."""

    flavour: str
    truncated: Counter[str]

    def build(
        self, columns: list[Column], batch_columns: dict[str, list[Any]]
    ) -> tuple[list[np.ndarray], list[np.ndarray | None], dict[str, np.ndarray]]:
        """Field data, null masks and GDAL time-zone flags of one batch."""
        data: list[np.ndarray] = []
        masks: list[np.ndarray | None] = []
        offsets: dict[str, np.ndarray] = {}
        for column in columns:
            array, mask = self._array(column, batch_columns[column.source])
            if column.type == "datetime" and self.flavour == "typed":
                offsets[column.name] = np.full(len(array), GDAL_TZ_UTC, dtype=np.int64)
            data.append(array)
            masks.append(mask)
        return data, masks, offsets

    def _array(self, column: Column, values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
        kind = column.type
        if kind == "text":
            limit = DBF_TEXT_BYTES if self.flavour == "dbf" else None
            return _text(values, limit, column.source, self.truncated), None
        if kind in ("integer", "integer64"):
            return _masked(values, "int32" if kind == "integer" else "int64")
        if kind == "number":
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64), None
        if kind == "boolean":
            return _masked(values, "bool")
        if kind == "date":
            if self.flavour == "text":
                return np.array([None if v is None else v.isoformat() for v in values], dtype=object), None
            return np.array([np.datetime64("NaT") if v is None else v for v in values], dtype="datetime64[D]"), None
        if self.flavour == "typed":
            utc = [None if v is None else v.astimezone(dt.UTC).replace(tzinfo=None) for v in values]
            return np.array([np.datetime64("NaT") if v is None else v for v in utc], dtype="datetime64[ms]"), None
        return np.array([_iso_time(v) for v in values], dtype=object), None
