"""Turning a batch's values into the numpy arrays pyogrio writes, typed for each kind of format."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from layers.catalogue import FieldDef, LayerDef

# Vietnam keeps UTC+7 all year, so text timestamps are written in the time people there read.
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


def _text(values: list[Any], limit: int | None, column: str, cut: Counter[str]) -> np.ndarray:
    out = np.array(values, dtype=object)
    if limit is None:
        return out
    for i, value in enumerate(values):
        if value is not None and len(value) * 4 > limit and len(value.encode("utf-8")) > limit:
            out[i] = truncate_utf8(value, limit)
            cut[column] += 1  # keyed by the full name, as the crosswalk lists it
    return out


def _masked(values: list[Any], dtype: str) -> tuple[np.ndarray, np.ndarray | None]:
    objects = np.array(values, dtype=object)
    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    if not mask.any():
        return objects.astype(dtype), None
    objects[mask] = 0
    return objects.astype(dtype), mask


def _days(values: list[Any]) -> np.ndarray:
    days, mask = _masked(values, "int64")
    dates = days.astype("datetime64[D]")
    if mask is not None:
        dates[mask] = np.datetime64("NaT")
    return dates


def _microseconds(values: list[Any]) -> np.ndarray:
    micros, mask = _masked(values, "int64")
    moments = micros.astype("datetime64[us]")
    if mask is not None:
        moments[mask] = np.datetime64("NaT")
    return moments


def _iso_text(moments: np.ndarray, unit: Literal["D", "us"], suffix: str = "") -> np.ndarray:
    text = np.datetime_as_string(moments, unit=unit).astype(object)
    text[np.isnat(moments)] = None
    return text + suffix if suffix else text


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
            field_def = column.field
            # Four UTF-8 bytes per character at most: a short max_length can never overflow the DBF.
            short = field_def is not None and field_def.max_length is not None and field_def.max_length * 4 <= 254
            limit = DBF_TEXT_BYTES if self.flavour == "dbf" and not short else None
            return _text(values, limit, column.source, self.truncated), None
        if kind in ("integer", "integer64"):
            return _masked(values, "int32" if kind == "integer" else "int64")
        if kind == "number":
            return np.array(values, dtype=np.float64), None  # None becomes NaN, written as null
        if kind == "boolean":
            return _masked(values, "bool")
        if kind == "date":
            dates = _days(values)
            return (_iso_text(dates, "D") if self.flavour == "text" else dates), None
        moments = _microseconds(values)
        if self.flavour == "typed":
            return moments.astype("datetime64[ms]"), None
        # Text flavours write Vietnam's time with its offset, e.g. 2025-07-01T08:30:00.123456+07:00.
        local = moments + np.timedelta64(7, "h")
        return _iso_text(local, "us", "+07:00"), None
