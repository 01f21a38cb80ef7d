"""KML written batch by batch: GDAL writes each batch as its own document and the Placemarks are joined.

GDAL's KML driver cannot append (it rewrites the file each time, so a million points would take
hours); its documents are regular, so the Placemarks of each one go into a single output.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

_PLACEMARK_ID = re.compile(r'^(\s*<Placemark id=")([^"]*?)\.([0-9]+)(">)')
FOLDER_END = "</Folder>"


class KmlJoiner:
    """Appends the Placemarks of GDAL KML documents to one output, numbering their ids through."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.placemarks = 0
        self._header_written = False

    def add(self, document: Path) -> None:
        """Copy one GDAL document's Placemarks (and, the first time, its header with the schema)."""
        offset = self.placemarks
        with document.open(encoding="utf-8") as lines:
            in_body = False
            for line in lines:
                if not in_body:
                    if not self._header_written:
                        self.out.write(line)
                    in_body = line.startswith("<Folder>")
                    continue
                if line.startswith(FOLDER_END):
                    break
                match = _PLACEMARK_ID.match(line)
                if match:
                    self.placemarks += 1
                    number = int(match.group(3)) + offset
                    line = f"{match.group(1)}{match.group(2)}.{number}{match.group(4)}{line[match.end() :]}"
                self.out.write(line)
        self._header_written = True

    def close(self) -> None:
        """End the document."""
        self.out.write(f"{FOLDER_END}\n</Document></kml>\n")
