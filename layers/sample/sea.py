"""The sea off Thanh Hóa for the map's background: the Gulf of Tonkin within the map's bounds.

It is drawn from the same illustrative geography as the province: the province's own coast
(geography.coastline) continued north along the coasts of Ninh Bình, Nam Định, Thái Bình and
Hải Phòng and south along Nghệ An and Hà Tĩnh, traced from memory of the official map, with
the islands off the coast left as land.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from layers.province import map_bbox
from layers.sample.communes import province_geometry
from layers.sample.geography import GEOGRAPHY_SEED, as_multipolygon, blob, coastline, rounded

SEA_NAME_VI = "Vịnh Bắc Bộ"
SEA_NAME_EN = "Gulf of Tonkin"

# From past the map's southern edge north to Nghi Sơn, where the province's coast begins.
_SOUTH_COAST = (
    (105.95, 18.50), (105.84, 18.66), (105.77, 18.75), (105.72, 18.80), (105.68, 18.88),
    (105.64, 18.95), (105.66, 19.02), (105.70, 19.08), (105.72, 19.16), (105.74, 19.22),
    (105.76, 19.27),
)  # fmt: skip
# From the province's coast at the Ninh Bình border north-east to past the map's eastern edge.
_NORTH_COAST = (
    (106.13, 20.03), (106.19, 20.05), (106.27, 20.10), (106.35, 20.16), (106.45, 20.22),
    (106.57, 20.27), (106.62, 20.36), (106.63, 20.48), (106.65, 20.57), (106.70, 20.66),
    (106.78, 20.70), (106.82, 20.78), (106.87, 20.85), (107.05, 20.92),
)  # fmt: skip
# (centre, radius km, aspect, angle): Đảo Nghi Sơn, Hòn Nẹ, the Hòn Mê group, Hòn Ngư off Cửa Lò.
ISLANDS = (
    ((105.838, 19.318), 0.7, 2.2, 60.0),
    ((105.872, 19.428), 0.4, 1.5, 20.0),
    ((105.925, 19.372), 0.8, 1.8, 45.0),
    ((105.952, 19.352), 0.35, 1.2, 0.0),
    ((105.780, 18.792), 0.45, 1.4, 30.0),
)


def island_polygons() -> list[Polygon]:
    """The islands off the coast, drawn as small irregular shapes from a fixed seed."""
    rng = np.random.default_rng(GEOGRAPHY_SEED + 7)
    return [blob(c, r, rng, aspect, angle, vertices=20, wobble=0.2) for c, r, aspect, angle in ISLANDS]


@lru_cache(maxsize=1)
def sea_geometry() -> MultiPolygon:
    """The water east of the coast within the map's bounds, the province and the islands taken out."""
    coast = [*_SOUTH_COAST, *coastline().coords, *_NORTH_COAST]
    east, south = 108.0, 18.0
    water = Polygon([*coast, (east, coast[-1][1]), (east, south), (coast[0][0], south)])
    water = water.intersection(box(*map_bbox())).difference(province_geometry())
    water = water.difference(shapely.union_all(island_polygons()))
    return as_multipolygon(rounded(water))
