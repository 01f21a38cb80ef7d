"""The export formats and coordinate reference systems a planner can ask for."""

from __future__ import annotations

from dataclasses import dataclass

from layers.errors import InvalidInput

WGS84 = 4326
VN2000_TM3_PROVINCE = 5897
# VN-2000 geographic, UTM 48N/49N, TM-3 zones 482, 491, 107°45' and the provincial TM-3 zones.
VN2000_SRIDS = (4756, 3405, 3406, 5897, 5898, 5899, *range(9205, 9219))
EXPORT_SRIDS = (WGS84, *VN2000_SRIDS)
GEOGRAPHIC_SRIDS = (WGS84, 4756)


@dataclass(frozen=True)
class ExportFormat:
    """One output format: its GDAL driver, file extension, media type and CRS rules."""

    key: str
    label: str
    driver: str
    extension: str
    media_type: str
    default_srid: int
    # Formats whose specification fixes the CRS (RFC 7946, OGC KML 2.2) take only WGS 84.
    wgs84_only: bool = False


FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat("shp", "Shapefile", "ESRI Shapefile", "zip", "application/zip", VN2000_TM3_PROVINCE),
        ExportFormat("gpkg", "GeoPackage", "GPKG", "gpkg", "application/geopackage+sqlite3", VN2000_TM3_PROVINCE),
        ExportFormat("geojson", "GeoJSON", "GeoJSON", "geojson", "application/geo+json", WGS84, wgs84_only=True),
        ExportFormat("csv", "CSV", "CSV", "csv", "text/csv", WGS84),  # the response adds charset=utf-8
        ExportFormat("kml", "KML", "KML", "kml", "application/vnd.google-earth.kml+xml", WGS84, wgs84_only=True),
    )
}


def parse_format(raw: str | None) -> ExportFormat:
    """The format named by `raw` (shp, gpkg, geojson, csv or kml); shapefile when absent."""
    key = (raw or "shp").strip().lower()
    if key not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)} (got '{key[:20]}').")
    return FORMATS[key]


def parse_srid(raw: str | None, fmt: ExportFormat) -> int:
    """The SRID named by `raw` ('EPSG:5897' or '5897'), checked against the format; its default when absent."""
    if raw is None or not raw.strip():
        return fmt.default_srid
    text = raw.strip().upper().removeprefix("EPSG:")
    choices = ", ".join(f"EPSG:{s}" for s in EXPORT_SRIDS[:7]) + ", EPSG:9205 … EPSG:9218"
    if not text.isdigit() or int(text) not in EXPORT_SRIDS:
        raise InvalidInput(f"crs must be EPSG:4326 or a VN-2000 code ({choices}); got '{raw[:30]}'.")
    srid = int(text)
    if fmt.wgs84_only and srid != WGS84:
        standard = "RFC 7946" if fmt.key == "geojson" else "OGC KML 2.2"
        raise InvalidInput(
            f"{fmt.label} is always in WGS 84 ({standard}): use crs=EPSG:4326, or choose shp, gpkg or csv "
            f"for EPSG:{srid}."
        )
    return srid


def crs_tag(srid: int) -> str:
    """The CRS as it appears in file names: 'epsg5897'."""
    return f"epsg{srid}"
