"""The query parameters of the OGC API: each one is checked, and any other name is a 400 that names it.

The standard lets a server ignore parameters it does not know. The atlas refuses them instead, so a
misspelt filter (`staus=active`) never silently returns the whole layer.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable

from flask import request

from atlas.params import parse_limit, parse_offset
from layers.catalogue import LayerDef
from layers.crs import CrsChoice, parse_crs_uri
from layers.errors import InvalidInput
from layers.exchange.selection import parse_equals
from layers.features import BBox, FeatureQuery, TimeInterval, time_field

# Every page takes these: the representation and the language of its HTML and messages.
COMMON = ("f", "lang")
ITEMS = (*COMMON, "limit", "offset", "bbox", "bbox-crs", "crs", "datetime")
_NUMBER = re.compile(r"[-+]?[0-9]{1,10}(\.[0-9]{0,25})?([eE][-+]?[0-9]{1,3})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_names(allowed: Iterable[str]) -> None:
    """400 for any query parameter not in `allowed`, naming it."""
    known = set(allowed)
    unknown = sorted({name for name in request.args if name not in known})
    if unknown:
        names = ", ".join(n[:40] for n in unknown)
        raise InvalidInput(
            f"Unknown query parameter(s): {names}. Allowed here: {', '.join(sorted(known))}.",
            details={"parameter": unknown[0], "unknown": unknown},
        )


def _single(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise InvalidInput(f"{name} may be given only once.", details={"parameter": name})
    return values[0] if values else None


def parse_ogc_bbox(raw: str | None, crs: CrsChoice) -> BBox | None:
    """A bbox of four numbers in `crs`'s axis order (CRS84: lon,lat; EPSG:4326: lat,lon), as x/y for PostGIS."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4 or not all(_NUMBER.fullmatch(p.strip()) for p in parts):
        raise InvalidInput(
            "bbox needs four numbers: lower corner, then upper corner, in bbox-crs (default CRS84: lon,lat).",
            details={"parameter": "bbox"},
        )
    values = [float(p) for p in parts]
    if not all(math.isfinite(v) for v in values):
        raise InvalidInput("bbox numbers must be finite.", details={"parameter": "bbox"})
    a1, b1, a2, b2 = values
    x1, y1, x2, y2 = (b1, a1, b2, a2) if crs.lat_first else (a1, b1, a2, b2)
    if x1 > x2 or y1 > y2:
        raise InvalidInput("bbox's lower corner must not lie above its upper corner.", details={"parameter": "bbox"})
    if crs.geographic and not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= 90 and -90 <= y2 <= 90):
        raise InvalidInput(
            "bbox lies outside longitudes -180..180 and latitudes -90..90.", details={"parameter": "bbox"}
        )
    return BBox(x1, y1, x2, y2)


def _instant(text: str, end: bool) -> dt.datetime | None:
    if text in ("..", ""):
        return None
    try:
        if _DATE.fullmatch(text):
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
            return moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(
            "datetime must be an RFC 3339 date or time with its offset (2024-05-01, 2024-05-01T08:00:00Z),"
            " or an interval start/end with '..' for an open side.",
            details={"parameter": "datetime"},
        )
    return parsed


def parse_datetime(raw: str | None, layer: LayerDef) -> TimeInterval | None:
    """An instant or interval (`a/b`, `../b`, `a/..`); 400 for a layer without a time field."""
    if raw is None or raw == "":
        return None
    if time_field(layer) is None:
        raise InvalidInput(
            f"Layer '{layer.id}' has no time field to filter by datetime.", details={"parameter": "datetime"}
        )
    start_text, slash, end_text = raw.partition("/")
    if not slash:
        end_text = start_text
    interval = TimeInterval(_instant(start_text, end=False), _instant(end_text, end=True))
    if interval.start and interval.end and interval.start > interval.end:
        raise InvalidInput("datetime's start must not be after its end.", details={"parameter": "datetime"})
    return interval


def parse_crs(name: str) -> CrsChoice:
    """The CRS of `crs` or `bbox-crs`; CRS84 when absent."""
    return parse_crs_uri(_single(name), name)


def items_query(layer: LayerDef, default_limit: int, max_limit: int) -> FeatureQuery:
    """The FeatureQuery of an items request: paging, bbox, datetime, CRSs and equality on the layer's fields."""
    check_names([*ITEMS, *(f.name for f in layer.fields)])
    bbox_crs = parse_crs("bbox-crs")
    if request.args.get("bbox-crs") and not request.args.get("bbox"):
        raise InvalidInput("bbox-crs needs a bbox to apply to.", details={"parameter": "bbox-crs"})
    field_pairs = [(name, value) for name, value in request.args.items(multi=True) if layer.field(name)]
    return FeatureQuery(
        limit=parse_limit(_single("limit"), default_limit, max_limit),
        offset=parse_offset(_single("offset")),
        bbox=parse_ogc_bbox(_single("bbox"), bbox_crs),
        equals=parse_equals(layer, field_pairs),
        during=parse_datetime(_single("datetime"), layer),
        crs=parse_crs("crs"),
        bbox_crs=bbox_crs,
    )
