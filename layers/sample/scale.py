"""Benchmark-scale data: a million species observations, hundreds of thousands of forest plots.

Everything is vectorised: numpy draws the attributes, shapely builds the geometries in bulk and
writes them as hex WKB. Batches are column dicts the loader can copy straight into PostGIS.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import shapely

from layers.bulkload import Column
from layers.sample.forest import (
    Lattice,
    build_lattice,
    clustered_choice,
    forest_region,
    plot_columns,
    region_area_km2,
)
from layers.sample.observations import observation_columns

FOREST_FILL = 0.8  # share of the forest region the plots cover when n is large


def _hex_wkb(geoms: np.ndarray) -> np.ndarray:
    return shapely.to_wkb(geoms, hex=True, include_srid=False)


def scale_species_observations(n: int, seed: int, batch_size: int = 50_000) -> Iterator[dict[str, Column]]:
    """n species_observations rows in column batches (ids TH-SCALE-0000001...), mostly in the reserves."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        cols, xy = observation_columns(size, rng, start + 1, "TH-SCALE-{:07d}")
        batch: dict[str, Column] = dict(cols)
        batch["event_date"] = np.datetime_as_string(cols["event_date"], unit="D").astype(object)
        batch["geom"] = _hex_wkb(shapely.points(np.round(xy, 6)))
        yield batch


def _lattice_for(n: int, rng: np.random.Generator) -> Lattice:
    """A lattice over the forest region with cells sized so that at least n of them fit."""
    spacing = float(np.clip(np.sqrt(region_area_km2() * FOREST_FILL / max(n, 1)), 0.15, 0.8))
    while True:
        lattice = build_lattice(forest_region(), spacing, rng)
        if len(lattice.lon) >= n:
            return lattice
        spacing *= 0.9  # the region's ragged edges cost cells: shrink them and try again


def scale_forest_cover(n: int, seed: int, batch_size: int = 50_000) -> Iterator[dict[str, Column]]:
    """n non-overlapping forest plots in column batches, typed by where they lie."""
    rng = np.random.default_rng(seed)
    lattice = _lattice_for(n, rng)
    chosen = clustered_choice(lattice, n, rng, block=8)
    years = np.array([2022, 2023, 2024])
    for start in range(0, n, batch_size):
        index = chosen[start : start + batch_size]
        batch: dict[str, Column] = dict(plot_columns(lattice, index, rng))
        batch["inventory_year"] = rng.choice(years, size=len(index), p=[0.15, 0.25, 0.6])
        batch["geom"] = _hex_wkb(lattice.polygons(index))
        yield batch
