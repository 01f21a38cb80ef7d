"""Unpacking an uploaded file safely into a private folder: zips checked before a byte is extracted.

A zip is refused for path traversal, absolute paths, links, too many entries, or declared sizes
and compression ratios of a zip bomb; what a file is comes from its first bytes, never its name.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from layers.errors import ImportRefused, UnsupportedMediaType

MAX_ENTRIES = 200
MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_RATIO = 100  # shapefiles compress 3-10x; a thousandfold ratio is a bomb
SHAPE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".csv", ".xml", ".txt", ".qpj", ".sbn", ".sbx", ".qmd"}
GPKG_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Source:
    """The file to read with GDAL, its format ('shp', 'gpkg', 'geojson') and the folder it lies in."""

    path: Path
    format: str


def _refuse(message: str) -> ImportRefused:
    return ImportRefused(message, details={"problem": "unsafe_archive"})


def _check_member(info: zipfile.ZipInfo) -> PurePosixPath:
    """The member's relative path, or a refusal for an absolute, escaping or linked entry."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _refuse(f"The zip holds an absolute path ({name[:80]}).")
    if ".." in path.parts:
        raise _refuse(f"The zip holds a path that leaves its folder ({name[:80]}).")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _refuse(f"The zip holds a link ({name[:80]}); send the files themselves.")
    return path


def check_zip(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The zip's file entries once every entry passed; the sizes are the ones the zip declares."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise _refuse(f"The zip holds {len(entries)} entries; at most {MAX_ENTRIES} are accepted.")
    total = 0
    for info in entries:
        _check_member(info)
        total += info.file_size
        if info.file_size > MAX_RATIO * max(info.compress_size, 1024):
            raise _refuse(f"{info.filename[:80]} expands {info.file_size // max(info.compress_size, 1)}x: a zip bomb?")
    if total > MAX_UNPACKED_BYTES:
        raise _refuse(
            f"The zip would unpack to {total // 1024**2} MB, over the {MAX_UNPACKED_BYTES // 1024**2} MB limit."
        )
    return [info for info in entries if not info.is_dir()]


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, folder: Path) -> Path:
    """Copy one member flat into the folder, never writing more than it declared."""
    target = folder / PurePosixPath(info.filename.replace("\\", "/")).name
    with archive.open(info) as src, target.open("wb") as out:
        left = info.file_size + 1
        while chunk := src.read(min(1 << 20, left)):
            left -= len(chunk)
            if left <= 0:
                raise _refuse(f"{info.filename[:80]} holds more than its declared size.")
            out.write(chunk)
    return target


def unpack_zip(path: Path, folder: Path) -> Source:
    """The one shapefile (or GeoPackage, GeoJSON) in a zip, extracted into `folder`."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = check_zip(archive)
            wanted = [
                m for m in members if Path(m.filename).suffix.lower() in SHAPE_PARTS | {".gpkg", ".geojson", ".json"}
            ]
            names = [PurePosixPath(m.filename).name for m in wanted]
            if len(set(n.lower() for n in names)) != len(names):
                raise _refuse("The zip holds two files of the same name in different folders; send one layer.")
            extracted = [_extract(archive, m, folder) for m in wanted]
    except zipfile.BadZipFile:
        raise UnsupportedMediaType("The file is not a valid zip archive.") from None
    return _source_in(extracted)


def _source_in(files: list[Path]) -> Source:
    shapes = [f for f in files if f.suffix.lower() == ".shp"]
    others = [f for f in files if f.suffix.lower() in (".gpkg", ".geojson", ".json")]
    if len(shapes) == 1:
        return Source(shapes[0], "shp")
    if len(shapes) > 1:
        raise ImportRefused(f"The zip holds {len(shapes)} shapefiles; import one layer at a time.")
    if len(others) == 1:
        return sniff(others[0])
    raise ImportRefused("The zip holds no shapefile (.shp with its .shx, .dbf and .prj).")


def sniff(path: Path) -> Source:
    """What the file is, from its first bytes: 415 when it is none of the formats an import takes."""
    with path.open("rb") as handle:
        head = handle.read(64)
    suffix = path.suffix.lower()
    if head.startswith(GPKG_MAGIC):
        return Source(path, "gpkg")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") and suffix in (".geojson", ".json"):
        return Source(path, "geojson")
    if suffix == ".zip" and head.startswith(ZIP_MAGIC):
        return Source(path, "zip")
    raise UnsupportedMediaType(
        f"'{path.name[:80]}' is not a zipped shapefile, a GeoPackage or a GeoJSON file (its content says otherwise)."
    )


def prepare(upload: Path, folder: Path) -> Source:
    """The readable source of an upload saved in the private `folder`: sniffed, and unpacked when a zip."""
    source = sniff(upload)
    if source.format != "zip":
        return source
    unpacked = folder / "unpacked"
    unpacked.mkdir()
    return unpack_zip(upload, unpacked)
