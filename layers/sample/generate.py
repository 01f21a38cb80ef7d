"""Public entry points of the Thanh Hóa sample-data generator.

generate_sample(seed) gives the twelve sample layers as (properties, geometry) pairs;
generate_measurements(stations, seed) the monthly water-quality series of the stations;
scale_species_observations and scale_forest_cover stream benchmark-sized column batches.

The map itself (outline, communes, rivers, lakes, protected areas) is fixed, so the loader can
mix a base sample and scale data drawn with different seeds; the seed drives everything sampled
on that map (wells, permits, small reservoirs, plots, observations, patrols).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import numpy as np
from shapely import points
from shapely.geometry.base import BaseGeometry

from layers.sample.communes import build_communes, province_geometry
from layers.sample.extraction import permit_features, well_features
from layers.sample.forest import forest_features
from layers.sample.geography import area_km2, as_multipolygon, rounded
from layers.sample.measurements import MEASUREMENT_PARAMETERS, generate_measurements
from layers.sample.observations import observation_columns
from layers.sample.protected import AREAS, area_polygons, patrol_routes
from layers.sample.scale import scale_forest_cover, scale_species_observations
from layers.sample.water import (
    hydro_station_features,
    quality_station_features,
    reservoir_features,
    river_features,
)

__all__ = [
    "MEASUREMENT_PARAMETERS",
    "generate_measurements",
    "generate_sample",
    "scale_forest_cover",
    "scale_species_observations",
]

Feature = tuple[dict, BaseGeometry]


def _native(value: Any) -> Any:
    """A property value as a plain Python value (numpy scalars unwrapped, text in NFC)."""
    if value is None or isinstance(value, bool | dt.date):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").astype(object)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def _clean(features: list[Feature]) -> list[Feature]:
    """Plain, NFC property values and geometries on the 6-decimal grid."""
    out = []
    for props, geom in features:
        fixed = rounded(geom)
        # Repairing a rounded geometry may simplify its type; the layers want the declared one.
        if geom.geom_type == "MultiPolygon":
            fixed = as_multipolygon(fixed)
        out.append(({k: _native(v) for k, v in props.items()}, fixed))
    return out


def _province() -> list[Feature]:
    geom = rounded(province_geometry())
    props = {"name": "Tỉnh Thanh Hóa", "gso_code": "38", "area_km2": round(area_km2(geom), 2),
             "admin_centre": "Phường Hạc Thành"}  # fmt: skip
    return [(props, as_multipolygon(geom))]


def _communes() -> list[Feature]:
    out = []
    for c in build_communes():
        geom = as_multipolygon(rounded(c.geom))
        props = {"code": c.code, "name": c.name, "unit_type": c.unit_type, "area_km2": round(area_km2(geom), 2)}
        out.append((props, geom))
    return out


def _protected_areas() -> list[Feature]:
    polys = area_polygons()
    out = []
    for spec in AREAS:
        props = {
            "name": spec.name,
            "category": spec.category,
            "area_ha": spec.area_ha,
            "strict_zone_ha": spec.strict_ha,
            "established_year": spec.established,
            "managing_body": spec.managing_body,
            "status_note": spec.note,
        }
        out.append((props, as_multipolygon(rounded(polys[spec.key]))))
    return out


def _species_observations(rng: np.random.Generator, n: int) -> list[Feature]:
    cols, xy = observation_columns(n, rng, 1, "TH-OBS-{:06d}")
    geoms = points(np.round(xy, 6))
    return [({k: cols[k][i] for k in cols}, geoms[i]) for i in range(n)]


def generate_sample(seed: int = 2025) -> dict[str, list[Feature]]:
    """The twelve sample layers of the atlas as (properties, shapely geometry) lists, by layer id."""

    def rng(layer: int) -> np.random.Generator:
        # One independent stream per layer, so changing one layer's draws leaves the others alone.
        return np.random.default_rng([seed, layer])

    layers: dict[str, list[Feature]] = {
        "province": _province(),
        "communes": _communes(),
        "rivers": river_features(),
        "reservoirs": reservoir_features(rng(4)),
        "groundwater_wells": well_features(400, rng(5)),
        "water_permits": permit_features(250, rng(6)),
        "water_quality_stations": quality_station_features(),
        "hydro_stations": hydro_station_features(),
        "protected_areas": _protected_areas(),
        "forest_cover": forest_features(rng(10)),
        "species_observations": _species_observations(rng(11), 3000),
        "patrol_routes": patrol_routes(200, rng(12)),
    }
    return {layer_id: _clean(features) for layer_id, features in layers.items()}
