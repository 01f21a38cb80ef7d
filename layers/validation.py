"""Checking features against their layer's schema (FieldDef) before they are written.

One module for the editor, the API and imports: attribute types, domains, lengths and ranges,
and geometry type, coordinates, size and validity. Every problem is reported at its field, with
a message in Vietnamese and English, and nothing is written unless all fields pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from psycopg2.extensions import connection as Connection
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from layers.catalogue import FieldDef, LayerDef
from layers.distinct import map_distinct
from layers.errors import InvalidFeature
from layers.geojson_check import structure_problem
from layers.province import PROVINCE_BBOX, inside_province

GEOMETRY = "geometry"
# Geometry type names by GEOS type id; id -1 (a missing geometry) takes the last, empty one.
_TYPE_NAMES = np.array(
    ["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
     "GeometryCollection", ""]
)  # fmt: skip
MAX_VERTICES = 100_000
INT4 = (-(2**31), 2**31 - 1)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
# A time written without its offset is Vietnam's (UTC+7 all year).
VIETNAM_OFFSET = dt.timezone(dt.timedelta(hours=7))

# Messages by code, in Vietnamese and English; {placeholders} come from the problem's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("Trường này là bắt buộc.", "This field is required."),
    "unknown": ("Lớp dữ liệu không có trường này.", "The layer has no such field."),
    "not_text": ("Giá trị phải là văn bản.", "The value must be text."),
    "not_object": (
        'Thuộc tính phải là một đối tượng JSON, ví dụ {{"ten_truong": "giá trị"}}.',
        'The properties must be a JSON object, e.g. {{"field_name": "value"}}.',
    ),
    "control_characters": ("Văn bản chứa ký tự điều khiển.", "The text contains control characters."),
    "too_long": ("Tối đa {limit} ký tự (hiện có {length}).", "At most {limit} characters (this has {length})."),
    "not_in_domain": ("Giá trị phải là một trong: {codes}.", "The value must be one of: {codes}."),
    "not_integer": ("Giá trị phải là số nguyên.", "The value must be a whole number."),
    "not_number": ("Giá trị phải là số hữu hạn.", "The value must be a finite number."),
    "below_minimum": ("Giá trị không được nhỏ hơn {limit}.", "The value must not be less than {limit}."),
    "above_maximum": ("Giá trị không được lớn hơn {limit}.", "The value must not be more than {limit}."),
    "not_date": ("Ngày phải có dạng YYYY-MM-DD.", "A date must look like YYYY-MM-DD."),
    "not_datetime": (
        "Thời điểm phải theo ISO 8601, ví dụ 2025-07-01T08:30+07:00.",
        "A time must be ISO 8601, e.g. 2025-07-01T08:30+07:00.",
    ),
    "not_boolean": ("Giá trị phải là true hoặc false.", "The value must be true or false."),
    "geometry_missing": ("Đối tượng cần có hình học.", "The feature needs a geometry."),
    "geometry_unreadable": (
        "Không đọc được hình học GeoJSON: {reason}.",
        "The GeoJSON geometry cannot be read: {reason}.",
    ),
    "geometry_kind_unknown": (
        "Kiểu hình học '{given}' không được nhận; hãy dùng một trong: {known}.",
        "The geometry type '{given}' is not taken; use one of: {known}.",
    ),
    "coordinates_missing": ("Hình học cần mảng coordinates.", "The geometry needs a coordinates array."),
    "coordinates_nesting": (
        "Mảng coordinates không lồng nhau đúng như kiểu hình học cần.",
        "The coordinates are not nested as the geometry type needs.",
    ),
    "position_malformed": (
        "Mỗi điểm cần 2 hoặc 3 số: kinh độ, vĩ độ và độ cao nếu có.",
        "Each position needs 2 or 3 numbers: longitude, latitude and, optionally, height.",
    ),
    "line_too_short": (
        "Một đường cần ít nhất 2 điểm (có {count}).",
        "A line needs at least 2 positions (this has {count}).",
    ),
    "ring_too_short": (
        "Một vòng của vùng cần ít nhất 4 điểm, điểm cuối trùng điểm đầu (có {count}).",
        "A polygon ring needs at least 4 positions, the last equal to the first (this has {count}).",
    ),
    "ring_not_closed": (
        "Vòng của vùng phải khép kín: điểm cuối trùng điểm đầu.",
        "A polygon ring must be closed: its last position equal to its first.",
    ),
    "geometry_empty": ("Hình học rỗng.", "The geometry is empty."),
    "geometry_type": (
        "Lớp này cần hình học {expected}, không nhận {given}.",
        "This layer takes {expected} geometries, not {given}.",
    ),
    "not_finite": ("Tọa độ phải là số hữu hạn.", "Coordinates must be finite numbers."),
    "outside_province": (
        "Hình học nằm ngoài tỉnh Thanh Hóa ({bounds}).",
        "The geometry lies outside Thanh Hóa province ({bounds}).",
    ),
    "too_many_vertices": ("Tối đa {limit} đỉnh (hiện có {count}).", "At most {limit} vertices (this has {count})."),
    "invalid_geometry": (
        "Hình học không hợp lệ: {reason}. Có thể để hệ thống tự sửa (repair=true).",
        "The geometry is not valid: {reason}. The atlas can repair it (repair=true).",
    ),
    "repair_failed": (
        "Không sửa được hình học thành {expected}.",
        "The geometry could not be repaired into a {expected}.",
    ),
    "database": ("Cơ sở dữ liệu từ chối giá trị này.", "The database refused this value."),
}
NOTICES: dict[str, tuple[str, str]] = {
    "z_dropped": (
        "Đã bỏ tọa độ Z (độ cao): lớp chỉ lưu tọa độ phẳng.",
        "Z (height) coordinates were dropped: the layer stores flat coordinates.",
    ),
    "promoted": ("Đã chuyển {given} thành {expected}.", "The {given} was stored as a {expected}."),
    "repaired": ("Hình học đã được sửa cho hợp lệ (ST_MakeValid).", "The geometry was repaired (ST_MakeValid)."),
}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field (or a notice about it), as a code and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "vi", table: Mapping[str, tuple[str, str]] = MESSAGES) -> str:
        """The problem in words, in Vietnamese or English."""
        vi, en = table[self.code]
        return (en if lang == "en" else vi).format(**self.params)


def invalid(problems: Mapping[str, Problem]) -> InvalidFeature:
    """The 422 error for these per-field problems; its message names the fields."""
    names = ", ".join(problems)
    return InvalidFeature(f"The feature was not saved: check {names}.", details={"problems": dict(problems)})


@dataclass(frozen=True)
class CheckedGeometry:
    """A geometry that fits its layer, as EWKB hex in EPSG:4326, with notices about what was changed."""

    ewkb: str
    notices: tuple[Problem, ...] = ()


def _nfc_text(f: FieldDef, value: Any) -> tuple[Any, Problem | None]:
    if not isinstance(value, str):
        return None, Problem("not_text")
    text = unicodedata.normalize("NFC", value)
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        return None, Problem("control_characters")
    if f.max_length is not None and len(text) > f.max_length:
        return None, Problem("too_long", {"limit": f.max_length, "length": len(text)})
    return text, None


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # a JSON integer too large for any float
        return False


def _number(f: FieldDef, value: Any) -> tuple[Any, Problem | None]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        return None, Problem("not_number")
    if f.type == "integer":
        if isinstance(value, float) and not value.is_integer():
            return None, Problem("not_integer")
        value = int(value)
        if not INT4[0] <= value <= INT4[1]:
            return None, Problem("not_integer")
    if f.minimum is not None and value < f.minimum:
        return None, Problem("below_minimum", {"limit": _plain(f.minimum)})
    if f.maximum is not None and value > f.maximum:
        return None, Problem("above_maximum", {"limit": _plain(f.maximum)})
    return value, None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _date(_f: FieldDef, value: Any) -> tuple[Any, Problem | None]:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).isoformat(), None
        except ValueError:
            pass
    return None, Problem("not_date")


def _datetime(_f: FieldDef, value: Any) -> tuple[Any, Problem | None]:
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None, Problem("not_datetime")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=VIETNAM_OFFSET)
        return moment.isoformat(), None
    return None, Problem("not_datetime")


def _boolean(_f: FieldDef, value: Any) -> tuple[Any, Problem | None]:
    return (value, None) if isinstance(value, bool) else (None, Problem("not_boolean"))


_CHECKS = {"text": _nfc_text, "integer": _number, "number": _number, "date": _date, "datetime": _datetime}


def check_value(f: FieldDef, value: Any) -> tuple[Any, Problem | None]:
    """The value as it will be stored (NFC text, ISO dates), or the problem with it; None passes for optional fields."""
    if value is None or (f.type == "text" and isinstance(value, str) and not value.strip()):
        return (None, Problem("required")) if f.required else (None, None)
    stored, problem = _CHECKS.get(f.type, _boolean)(f, value)
    if problem is None and f.domain and str(stored) not in {v.code for v in f.domain}:
        return None, Problem("not_in_domain", {"codes": ", ".join(v.code for v in f.domain)})
    return stored, problem


def check_properties(layer: LayerDef, properties: Any, *, partial: bool) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Stored values of the given properties and the problems found; `partial` leaves absent fields alone."""
    if not isinstance(properties, Mapping):
        return {}, {"properties": Problem("not_object")}
    values: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for name in properties:
        if layer.field(str(name)) is None:
            problems[str(name)[:64]] = Problem("unknown")
    for f in layer.fields:
        if f.name not in properties and partial:
            continue
        stored, problem = check_value(f, properties.get(f.name))
        if problem is not None:
            problems[f.name] = problem
        else:
            values[f.name] = stored
    return values, problems


def check_columns(
    layer: LayerDef, columns: Mapping[str, Sequence[Any]], count: int
) -> tuple[dict[str, list[Any]], dict[int, dict[str, Problem]]]:
    """check_properties for many features at once, field by field: stored columns, and problems by feature index.

    A column of an import repeats its values (codes, years, communes), so each distinct value is
    checked once per field.
    """
    stored: dict[str, list[Any]] = {}
    problems: dict[int, dict[str, Problem]] = {}
    for f in layer.fields:
        column = columns.get(f.name)
        checked = map_distinct([None] * count if column is None else column, functools.partial(check_value, f))
        for index, (_value, problem) in enumerate(checked):
            if problem is not None:
                problems.setdefault(index, {})[f.name] = problem
        stored[f.name] = [value for value, _problem in checked]
    return stored, problems


def _kind(geometry_type: str) -> str:
    return geometry_type.removeprefix("Multi")


def _fit_type(layer: LayerDef, geom: BaseGeometry, notices: list[Problem]) -> BaseGeometry | Problem:
    given, expected = geom.geom_type, layer.geometry_type
    if given == expected:
        return geom
    if _kind(given) == _kind(expected) and expected.startswith("Multi"):
        notices.append(Problem("promoted", {"given": given, "expected": expected}))
        return getattr(shapely, expected)([geom])
    if _kind(given) == _kind(expected) and given.startswith("Multi") and len(geom.geoms) == 1:  # type: ignore[attr-defined]
        notices.append(Problem("promoted", {"given": given, "expected": expected}))
        return geom.geoms[0]  # type: ignore[attr-defined]
    return Problem("geometry_type", {"expected": expected, "given": given})


def read_geometry(layer: LayerDef, geometry: Any) -> tuple[BaseGeometry | None, Problem | None, list[Problem]]:
    """A GeoJSON geometry as a flat shapely geometry of the layer's type, checked for size and place."""
    notices: list[Problem] = []
    if geometry is None:
        return None, Problem("geometry_missing"), notices
    if not isinstance(geometry, Mapping):
        return None, Problem("geometry_unreadable", {"reason": "a GeoJSON geometry object is expected"}), notices
    fault = structure_problem(geometry)
    if fault is not None:
        return None, Problem(*fault), notices
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises many kinds for malformed coordinates
        return None, Problem("geometry_unreadable", {"reason": str(exc)[:120] or type(exc).__name__}), notices
    return check_geometry(layer, geom, notices)


def check_geometry(
    layer: LayerDef, geom: BaseGeometry, notices: list[Problem]
) -> tuple[BaseGeometry | None, Problem | None, list[Problem]]:
    """The same checks for a geometry already read (imports read theirs with GDAL)."""
    checked = check_geometries(layer, np.array([geom], dtype=object))
    notices.extend(checked.notices.get(0, ()))
    if 0 in checked.problems:
        return None, checked.problems[0], notices
    return checked.geoms[0], None, notices


@dataclass
class CheckedGeometries:
    """Many geometries checked at once: the fitted ones (None where refused), problems and notices by index."""

    geoms: np.ndarray
    problems: dict[int, Problem]
    notices: dict[int, list[Problem]]


def check_geometries(layer: LayerDef, geoms: np.ndarray) -> CheckedGeometries:
    """check_geometry for a whole array, each step vectorised; a feature is refused for its first problem."""
    geoms = np.array(geoms, dtype=object)
    problems: dict[int, Problem] = {}
    notices: dict[int, list[Problem]] = {}

    def refuse(mask: np.ndarray, problem: Callable[[int], Problem]) -> None:
        for index in np.flatnonzero(mask).tolist():
            problems.setdefault(index, problem(index))

    refuse(shapely.is_missing(geoms), lambda _i: Problem("geometry_missing"))
    refuse(shapely.is_empty(geoms), lambda _i: Problem("geometry_empty"))
    with_z = shapely.has_z(geoms)
    if with_z.any():
        geoms[with_z] = shapely.force_2d(geoms[with_z])
        for index in np.flatnonzero(with_z).tolist():
            notices.setdefault(index, []).append(Problem("z_dropped"))
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    not_finite = np.zeros(len(geoms), dtype=bool)
    not_finite[owner[~np.isfinite(coords).all(axis=1)]] = True
    refuse(not_finite, lambda _i: Problem("not_finite"))
    counts = shapely.get_num_coordinates(geoms)
    too_many = counts > MAX_VERTICES
    refuse(too_many, lambda i: Problem("too_many_vertices", {"limit": MAX_VERTICES, "count": int(counts[i])}))
    with np.errstate(invalid="ignore"):  # missing and empty geometries have NaN bounds, refused above
        outside = ~inside_province(shapely.bounds(geoms))
    refuse(outside, lambda _i: Problem("outside_province", {"bounds": ", ".join(map(str, PROVINCE_BBOX))}))
    _fit_types(layer, geoms, problems, notices)
    geoms[list(problems)] = None
    return CheckedGeometries(geoms, problems, notices)


def _fit_types(layer: LayerDef, geoms: np.ndarray, problems: dict[int, Problem], notices: dict) -> None:
    """Every geometry of another type than the layer's made to fit it, or refused (in place)."""
    expected = layer.geometry_type
    names = _TYPE_NAMES[shapely.get_type_id(geoms)]
    for index in np.flatnonzero(names != expected).tolist():
        if index in problems:
            continue
        said: list[Problem] = []
        fitted = _fit_type(layer, geoms[index], said)
        if isinstance(fitted, Problem):
            problems[index] = fitted
        else:
            geoms[index] = fitted
            notices.setdefault(index, []).extend(said)


def make_storable(
    conn: Connection, layer: LayerDef, geom: BaseGeometry, notices: list[Problem], repair: bool
) -> CheckedGeometry | Problem:
    """Check validity the way the table's CHECK does (PostGIS), repairing only when asked."""
    ewkb = shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)
    with conn.cursor() as cur:
        cur.execute("SELECT ST_IsValid(g), ST_IsValidReason(g) FROM (SELECT %s::geometry AS g) s", (ewkb,))
        valid, reason = cur.fetchone()
        if valid:
            return CheckedGeometry(ewkb, tuple(notices))
        if not repair:
            return Problem("invalid_geometry", {"reason": reason})
        kind = {"Point": 1, "LineString": 2, "Polygon": 3}[_kind(layer.geometry_type)]
        # MakeValid may leave collapsed parts (a spike becomes a line beside the polygon); once they
        # are extracted away, a one-part multi is the single geometry a Polygon or Point layer takes.
        cur.execute(
            "SELECT ST_Multi(r) AS multi, CASE WHEN ST_NumGeometries(r) = 1 THEN ST_GeometryN(r, 1) ELSE r END,"
            " ST_IsValid(r), ST_IsEmpty(r) FROM (SELECT ST_CollectionExtract(ST_MakeValid(%s::geometry), %s) AS r) s",
            (ewkb, kind),
        )
        multi, single, valid_now, empty = cur.fetchone()
    if empty or not valid_now:
        return Problem("repair_failed", {"expected": layer.geometry_type})
    repaired = shapely.from_wkb(bytes.fromhex(multi if layer.geometry_type.startswith("Multi") else single))
    if repaired.geom_type != layer.geometry_type:
        return Problem("repair_failed", {"expected": layer.geometry_type})
    notices.append(Problem("repaired"))
    return CheckedGeometry(
        shapely.to_wkb(shapely.set_srid(repaired, 4326), hex=True, include_srid=True), tuple(notices)
    )


def check_feature_geometry(conn: Connection, layer: LayerDef, geometry: Any, repair: bool) -> CheckedGeometry | Problem:
    """A GeoJSON geometry made ready to store, or the problem that stops it."""
    geom, problem, notices = read_geometry(layer, geometry)
    if problem is not None or geom is None:
        return problem or Problem("geometry_missing")
    return make_storable(conn, layer, geom, notices, repair)
