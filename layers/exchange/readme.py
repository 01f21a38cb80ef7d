"""The README that travels in an export's zip, in Vietnamese and English.

ArcGIS reads a .prj without the datum shift, so its users must pick the VN-2000 → WGS 84
transformation by hand; the README gives EPSG:6960 with the parameters PostGIS itself applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef
from layers.crs import proj4_definition
from layers.exchange.formats import VN2000_SRIDS, WGS84


@dataclass(frozen=True)
class Shift:
    """A seven-parameter Helmert shift: metres, arc-seconds and parts per million."""

    tx: float
    ty: float
    tz: float
    rx: float
    ry: float
    rz: float
    ds: float


def towgs84_shift(proj4: str) -> Shift | None:
    """The +towgs84 parameters of a PROJ.4 string (position-vector convention), or None."""
    for part in proj4.split():
        if part.startswith("+towgs84="):
            values = [float(v) for v in part.removeprefix("+towgs84=").split(",")]
            if len(values) == 7:
                return Shift(*values)
    return None


def crs_name(conn: Connection, srid: int) -> str:
    """The name PostGIS gives the CRS ('VN-2000 / TM-3 zone 482')."""
    with conn.cursor() as cur:
        cur.execute("SELECT split_part(srtext, '\"', 2) FROM spatial_ref_sys WHERE srid = %s", (srid,))
        row = cur.fetchone()
    return row[0] if row and row[0] else f"EPSG:{srid}"


def _shift_lines(shift: Shift) -> list[str]:
    # The EPSG dataset states EPSG:6960 in the coordinate-frame convention; +towgs84 uses the
    # position-vector one, whose rotations have the opposite sign.
    return [
        "  EPSG:6960 'VN-2000 to WGS 84 (2)', Coordinate Frame rotation (EPSG:9607):",
        f"    tx = {shift.tx} m, ty = {shift.ty} m, tz = {shift.tz} m",
        f'    rx = {-shift.rx:+} ", ry = {-shift.ry:+} ", rz = {-shift.rz:+} "   (arc-seconds)',
        f"    ds = {shift.ds} ppm",
        "  Position Vector (EPSG:9606, PROJ +towgs84, PostGIS): the same with rx, ry, rz of opposite sign:",
        f"    +towgs84={shift.tx},{shift.ty},{shift.tz},{shift.rx},{shift.ry},{shift.rz},{shift.ds}",
    ]


def readme_text(conn: Connection, layers: list[LayerDef], srid: int, files: list[str], counts: dict[str, int]) -> str:
    """README.txt of an export: what is in it, its CRS, encoding and, for VN-2000, the datum shift."""
    name = crs_name(conn, srid)
    stamp = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).strftime("%Y-%m-%d %H:%M (UTC+7)")
    lines = ["Atlas điện tử tỉnh Thanh Hóa — Thanh Hóa electronic atlas", "", f"Xuất lúc / Exported: {stamp}", ""]
    for layer in layers:
        lines.append(
            f"- {layer.id}: {layer.title_vi} / {layer.title_en} — {counts.get(layer.id, 0):,} đối tượng / features"
        )
    lines += ["", f"Hệ tọa độ / Coordinate reference system: EPSG:{srid} {name}", ""]
    lines += ["Tệp / Files:", *(f"  {f}" for f in files), ""]
    lines += [
        "Tiếng Việt:",
        "- Văn bản mã hóa UTF-8 (tệp .cpg ghi 'UTF-8'); QGIS và GDAL tự đọc đúng dấu tiếng Việt.",
        "- Tên trường trong DBF tối đa 10 ký tự: tệp *_fields.csv liệt kê tên ngắn, tên đầy đủ, nhãn, kiểu, đơn vị",
        "  và số giá trị văn bản dài hơn 254 byte đã bị cắt (bản GeoPackage giữ nguyên giá trị đầy đủ).",
        "- Siêu dữ liệu ISO 19139 (QCVN 42:2020/BTNMT) ở tệp .xml của từng lớp.",
        "",
        "English:",
        "- Text is UTF-8 (the .cpg says 'UTF-8'); QGIS and GDAL read the Vietnamese diacritics as they are.",
        "- DBF field names have at most 10 characters: *_fields.csv lists the short name, full name, labels, type,",
        "  unit and how many text values longer than 254 bytes were cut (the GeoPackage keeps them whole).",
        "- ISO 19139 metadata (QCVN 42:2020/BTNMT) is in each layer's .xml file.",
    ]
    return "\n".join(lines + _datum_lines(conn, srid)) + "\n"


def _datum_lines(conn: Connection, srid: int) -> list[str]:
    if srid == WGS84 or srid not in VN2000_SRIDS:
        return []
    shift = towgs84_shift(proj4_definition(conn, srid))
    if shift is None:
        return []
    return [
        "",
        "Chuyển VN-2000 → WGS 84 / VN-2000 → WGS 84 transformation:",
        "- ArcGIS không đọc phép chuyển datum từ tệp .prj: khi chiếu sang WGS 84, hãy chọn (hoặc tạo) phép chuyển",
        "  dưới đây. QGIS/PROJ và PostGIS dùng chính các tham số này.",
        "- ArcGIS does not take the datum shift from the .prj: when projecting to WGS 84, choose (or create) the",
        "  transformation below. QGIS/PROJ and PostGIS apply these very parameters.",
        *_shift_lines(shift),
    ]
