"""GeoJSON written batch by batch: GDAL writes each batch as its own FeatureCollection, the features are joined.

Appending to a GeoJSON file makes GDAL reopen and rewrite it, which grew with every batch (a
million points took minutes per batch at the end); GDAL writes one feature per line, with any
newline inside a value escaped, so the lines of each document go into a single collection.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

FEATURES_START = '"features": ['
FEATURES_END = "]"


class GeoJsonJoiner:
    """Appends the features of GDAL GeoJSON documents to one FeatureCollection."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.features = 0
        self._header_written = False

    def add(self, document: Path) -> None:
        """Copy one document's features (and, the first time, its header)."""
        with document.open(encoding="utf-8") as lines:
            in_body = False
            for line in lines:
                if not in_body:
                    if not self._header_written:
                        self.out.write(line)
                    in_body = line.strip() == FEATURES_START
                    continue
                text = line.rstrip("\n")
                if text == FEATURES_END:
                    break
                if not text.strip():
                    continue
                self.out.write((",\n" if self.features else "") + text.rstrip(","))
                self.features += 1
        self._header_written = True

    def close(self) -> None:
        """End the collection."""
        self.out.write(f"\n{FEATURES_END}\n}}\n")
