"""The fixed, seeded list of tiles the benchmark walks: z6-z14 over Thanh Hóa, some of them empty."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

# The province's bounding box (lon/lat), as in tiles/tilejson.py.
PROVINCE_BBOX = (104.3743, 19.2877, 106.0751, 20.6702)
DEFAULT_ZOOMS = tuple(range(6, 15))
DEFAULT_SEED = 2025
TILES_PER_ZOOM = 24
EMPTY_PER_ZOOM = 3


@dataclass(frozen=True, order=True)
class Tile:
    """One tile of the list; `outside` marks tiles chosen clear of the province (expected empty)."""

    z: int
    x: int
    y: int
    outside: bool = False

    @property
    def zxy(self) -> str:
        """The tile as z/x/y."""
        return f"{self.z}/{self.x}/{self.y}"


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The Web-Mercator (XYZ) tile that holds the point at zoom z."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def province_tiles(z: int) -> list[tuple[int, int]]:
    """Every tile at zoom z that touches the province's bounding box."""
    west, south, east, north = PROVINCE_BBOX
    x0, y0 = lonlat_to_tile(west, north, z)
    x1, y1 = lonlat_to_tile(east, south, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def outside_tiles(z: int) -> list[tuple[int, int]]:
    """Tiles clear of the province (two tiles away, beyond any tile buffer): the sea east, Laos west."""
    west, south, east, north = PROVINCE_BBOX
    n = 2**z
    _, y_top = lonlat_to_tile(west, north, z)
    _, y_bottom = lonlat_to_tile(east, south, z)
    east_x = lonlat_to_tile(east, south, z)[0] + 2
    west_x = lonlat_to_tile(west, south, z)[0] - 2
    rows = range(y_top, y_bottom + 1)
    sea = [(x, y) for x in range(east_x, min(east_x + 3, n)) for y in rows]
    land = [(x, y) for x in range(max(west_x - 2, 0), max(west_x + 1, 0)) for y in rows]
    return sea + land


def build_tile_list(
    seed: int = DEFAULT_SEED,
    zooms: tuple[int, ...] = DEFAULT_ZOOMS,
    per_zoom: int = TILES_PER_ZOOM,
    empty_per_zoom: int = EMPTY_PER_ZOOM,
) -> list[Tile]:
    """Per zoom, up to `per_zoom` tiles over the province and `empty_per_zoom` outside it, in a seeded order."""
    rng = random.Random(seed)
    tiles: list[Tile] = []
    for z in zooms:
        inside = province_tiles(z)
        chosen = inside if len(inside) <= per_zoom else rng.sample(inside, per_zoom)
        tiles += [Tile(z, x, y) for x, y in sorted(chosen)]
        outside = outside_tiles(z)
        picked = outside if len(outside) <= empty_per_zoom else rng.sample(outside, empty_per_zoom)
        tiles += [Tile(z, x, y, outside=True) for x, y in sorted(picked)]
    rng.shuffle(tiles)
    return tiles


def write_paths(path: Path, urls: list[str]) -> Path:
    """Write one URL path a line (what wrk_tiles.lua walks); returns the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(url + "\n" for url in urls), encoding="utf-8")
    return path
