"""The map's own scripts (and its stylesheets) as one file each, named by a hash of what they hold.

Sent one by one, the map's twenty small files cost a phone on a slow link four round trips
(a browser opens six connections to a host) before the map can start; one file costs one.
The sources stay separate files, which the JS unit tests load one by one; the bundle is their
concatenation in the page's order, built in memory from the files and built again when one of
them changes. Its address carries the hash, so browsers keep it for a year and a new version
is a new address.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAP_STATIC = Path(__file__).resolve().parent / "static" / "map"
MEDIA_TYPES = {"js": "application/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class Bundle:
    """One concatenated file: its body as is and gzipped, and the hash that names it."""

    kind: str
    body: bytes
    gzipped: bytes
    digest: str

    @property
    def filename(self) -> str:
        """The bundle's name in its URL, e.g. `map.3f9a….js`."""
        return f"map.{self.digest}.{self.kind}"


def bundle(names: tuple[str, ...], directory: Path = MAP_STATIC) -> Bundle:
    """The files of `directory` named in `names`, in that order, as one bundle of their kind."""
    # A stat per file and page: an edited source makes a new bundle without a restart.
    stamps = tuple((name, _stamp(directory / name)) for name in names)
    return _build(stamps, directory)


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=16)
def _build(stamps: tuple[tuple[str, tuple[int, int]], ...], directory: Path) -> Bundle:
    kinds = {name.rsplit(".", 1)[-1] for name, _ in stamps}
    if len(kinds) != 1 or not kinds <= MEDIA_TYPES.keys():
        raise ValueError(f"a bundle holds scripts or stylesheets, not both: {[name for name, _ in stamps]}")
    # Each file after a line naming it; the scripts are self-contained IIFEs, so joining them is safe.
    parts = [f"/* {name} */\n".encode() + (directory / name).read_bytes().rstrip() + b"\n" for name, _ in stamps]
    body = b"".join(parts)
    return Bundle(
        kind=kinds.pop(),
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        digest=hashlib.sha256(body).hexdigest()[:16],
    )
