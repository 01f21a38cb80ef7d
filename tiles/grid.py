"""Web-Mercator tile addresses: parsing z/x/y from a URL and the size of a tile pixel."""

from __future__ import annotations

import re
from dataclasses import dataclass

from layers.errors import InvalidInput
from layers.generalise import WORLD_METRES

MAX_ZOOM = 24
EXTENT = 4096
BUFFER = 64
_PART = re.compile(r"^[0-9]{1,8}$")


@dataclass(frozen=True)
class TileAddress:
    """One tile of the Web-Mercator pyramid."""

    z: int
    x: int
    y: int

    @property
    def unit_metres(self) -> float:
        """Ground size of one tile unit (1/EXTENT of the tile width) at this zoom."""
        return WORLD_METRES / (2**self.z) / EXTENT


def parse_tile_address(z: str, x: str, y: str) -> TileAddress:
    """Check z/x/y from a URL: whole numbers, z at most MAX_ZOOM, x and y inside the zoom's grid."""
    for name, raw in (("z", z), ("x", x), ("y", y)):
        if not _PART.fullmatch(raw):
            raise InvalidInput(f"Tile {name} must be a whole number (got '{raw[:20]}').")
    zoom, column, row = int(z), int(x), int(y)
    if zoom > MAX_ZOOM:
        raise InvalidInput(f"Tile zoom must be from 0 to {MAX_ZOOM} (got {zoom}).")
    size = 2**zoom
    if column >= size or row >= size:
        raise InvalidInput(f"At zoom {zoom}, tile x and y must be from 0 to {size - 1}.")
    return TileAddress(zoom, column, row)
