"""Parsing of query parameters: every bad value becomes an InvalidInput with a clear message."""

from __future__ import annotations

import math
import re

from layers.catalogue import LayerDef
from layers.errors import InvalidInput, PreconditionRequired, VersionConflict
from layers.features import BBox, SortKey

_INTEGER = re.compile(r"[0-9]{1,12}")
_DECIMAL = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,15})?")
MAX_OFFSET = 10_000_000
MAX_QUERY_TEXT = 200


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """A page size: a whole number of at least 1; larger than `maximum` is clamped to it."""
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw) or int(raw) < 1:
        raise InvalidInput(f"limit must be a whole number from 1 to {maximum} (got '{raw[:40]}').")
    return min(int(raw), maximum)


def parse_offset(raw: str | None) -> int:
    """How many features to skip: a whole number from 0 to MAX_OFFSET."""
    if raw is None or raw == "":
        return 0
    if not _INTEGER.fullmatch(raw) or int(raw) > MAX_OFFSET:
        raise InvalidInput(f"offset must be a whole number from 0 to {MAX_OFFSET} (got '{raw[:40]}').")
    return int(raw)


def parse_bbox(raw: str | None) -> BBox | None:
    """A bbox 'min_lon,min_lat,max_lon,max_lat' in degrees (EPSG:4326)."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidInput("bbox needs four numbers: min_lon,min_lat,max_lon,max_lat (degrees, EPSG:4326).")
    # float() would also take '1_05', ' 1', 'nan' or 'inf': only plain decimal numbers are coordinates.
    if not all(_DECIMAL.fullmatch(p) for p in parts):
        raise InvalidInput("bbox must contain only numbers: min_lon,min_lat,max_lon,max_lat.")
    values = [float(p) for p in parts]
    if not all(math.isfinite(v) for v in values):
        raise InvalidInput("bbox numbers must be finite.")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise InvalidInput("bbox is outside the range of longitudes (-180..180) and latitudes (-90..90).")
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidInput("bbox minimums must not be greater than its maximums: min_lon,min_lat,max_lon,max_lat.")
    return BBox(min_lon, min_lat, max_lon, max_lat)


def parse_sort(raw: str | None, layer: LayerDef) -> SortKey | None:
    """`sort=<field>` (ascending) or `sort=-<field>` (descending), the field one of the layer's own."""
    if raw is None or raw == "":
        return None
    name = raw[1:] if raw.startswith("-") else raw
    if layer.field(name) is None:
        names = ", ".join(f.name for f in layer.fields)
        raise InvalidInput(f"sort must be a field of this layer, optionally after '-' (one of: {names}).")
    return SortKey(name, descending=raw.startswith("-"))


def parse_text(raw: str | None) -> str | None:
    """A free-text filter, trimmed; None when empty."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_QUERY_TEXT or "\x00" in raw:
        raise InvalidInput(f"q must be at most {MAX_QUERY_TEXT} characters of text.")
    return raw.strip()


def parse_feature_id(raw: str) -> int:
    """A feature id from the URL: a positive whole number."""
    if not _INTEGER.fullmatch(raw) or int(raw) < 1 or int(raw) > 2**63 - 1:
        raise InvalidInput(f"A feature id is a positive whole number (got '{raw[:40]}').")
    return int(raw)


_VERSION = re.compile(r"[0-9]{1,9}")


def parse_if_match(raw: str | None, *, required: bool) -> int | None:
    """The version an If-Match header names: None for '*' (any) or when absent and not required; 428 when required."""
    if raw is None or not raw.strip():
        if required:
            raise PreconditionRequired(
                'This write must say which version it is based on: send If-Match: "<version>" with the ETag you read.'
            )
        return None
    if raw.strip() == "*":
        return None
    tags = [tag.strip() for tag in raw.split(",")]
    if len(tags) != 1:
        raise InvalidInput("If-Match must name exactly one version of the feature.")
    tag = tags[0]
    value = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else None
    if value is None or not _VERSION.fullmatch(value):
        raise VersionConflict(f"If-Match {tag[:40]} does not name a version of this feature (send the ETag you read).")
    return int(value)


def parse_version(raw: object) -> int:
    """A version number from a JSON body: a whole number of at least 1."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 2**31 - 1:
        raise InvalidInput('Send the version to go back to as a whole number, e.g. {"version": 3}.')
    return raw


def parse_flag(raw: str | None, name: str) -> bool:
    """A yes/no query parameter: true/false, 1/0 or absent (false)."""
    if raw is None or raw == "":
        return False
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise InvalidInput(f"{name} must be true or false (got '{raw[:20]}').")
