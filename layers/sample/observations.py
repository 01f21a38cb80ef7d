"""Species occurrence records (Darwin Core terms), drawn in bulk with numpy.

The base sample and the benchmark generator share this code: records fall mostly inside the
four terrestrial protected areas, the rest in the hill communes, with species weighted by site.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from layers.sample.communes import build_communes
from layers.sample.geography import GEOGRAPHY_SEED, area_km2, points_in
from layers.sample.names import SITE_NAMES, SPECIES, observer_pool, species_weights
from layers.sample.protected import area_polygons, area_spec

SURVEY_EFFORT = {"L": 1.3, "H": 0.8, "X": 1.0, "B": 1.0}  # Pù Luông is the most surveyed reserve
SHARE_IN_AREAS = 0.82
FIRST_DAY = np.datetime64("2015-01-01")
LAST_DAY = np.datetime64("2025-06-30")
BASIS = np.array(["HumanObservation", "MachineObservation", "PreservedSpecimen"], dtype=object)


@lru_cache(maxsize=1)
def _hill_communes() -> tuple[list, np.ndarray]:
    """Mountain and midland communes with sampling weights by area."""
    hills = [c for c in build_communes() if c.zone in ("mountain", "midland")]
    weights = np.array([area_km2(c.geom) for c in hills])
    return hills, weights / weights.sum()


def _site_weights() -> tuple[list[str], np.ndarray]:
    keys = list(SURVEY_EFFORT)
    w = np.array([area_spec(k).area_ha * SURVEY_EFFORT[k] for k in keys])
    return keys, w / w.sum()


def _locations(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, locality names and site keys ('' outside protected areas), grouped by place."""
    keys, w = _site_weights()
    hills, hw = _hill_communes()
    in_areas = rng.binomial(n, SHARE_IN_AREAS)
    xy, locality, site = [], [], []
    for key, k in zip(keys, rng.multinomial(in_areas, w), strict=True):
        xy.append(points_in(area_polygons()[key], int(k), rng))
        locality += [SITE_NAMES[key]] * int(k)
        site += [key] * int(k)
    for commune, k in zip(hills, rng.multinomial(n - in_areas, hw), strict=True):
        if k:
            xy.append(points_in(commune.geom, int(k), rng))
            locality += [commune.name] * int(k)
            site += [""] * int(k)
    return np.vstack(xy), np.array(locality, dtype=object), np.array(site, dtype=object)


def _species(site: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into SPECIES for each record, drawn with the site's weights."""
    out = np.empty(len(site), dtype=int)
    for key in ("L", "H", "X", "B", ""):
        mask = site == key
        p = species_weights(key or None)
        out[mask] = rng.choice(len(SPECIES), size=int(mask.sum()), p=p / p.sum())
    return out


def _attr(index: np.ndarray, name: str) -> np.ndarray:
    return np.array([getattr(s, name) for s in SPECIES], dtype=object)[index]


def _basis(taxon_class: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """basisOfRecord: camera traps catch mammals and ground birds, specimens are mostly plants and herps."""
    u = rng.random(len(taxon_class))
    trapped = np.isin(taxon_class, ("Mammalia", "Aves"))
    human_p = np.where(trapped, 0.55, 0.82)
    machine_p = np.where(trapped, 0.40, 0.0)
    pick = np.where(u < human_p, 0, np.where(u < human_p + machine_p, 1, 2))
    return BASIS[pick]


def observation_columns(
    n: int, rng: np.random.Generator, first_number: int, id_format: str
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Columns of n species_observations (dates as numpy datetime64) and their (n, 2) lon/lat points."""
    xy, locality, site = _locations(n, rng)
    order = rng.permutation(n)  # interleave places so consecutive ids are not all one reserve
    xy, locality, site = xy[order], locality[order], site[order]
    sp = _species(site, rng)
    taxon_class = _attr(sp, "taxon_class")
    basis = _basis(taxon_class, rng)
    max_count = np.array([s.max_count for s in SPECIES])[sp]
    count = 1 + np.floor(rng.random(n) ** 2.5 * max_count).astype(int).clip(0, max_count - 1)
    count[basis == "PreservedSpecimen"] = 1
    days = int((LAST_DAY - FIRST_DAY).astype(int))
    dates = FIRST_DAY + rng.integers(0, days + 1, n).astype("timedelta64[D]")
    uncertainty = np.where(basis == "PreservedSpecimen", rng.integers(100, 2001, n), rng.integers(5, 31, n))
    pool = np.array(observer_pool(np.random.default_rng(GEOGRAPHY_SEED)), dtype=object)
    recorder = pool[rng.integers(0, len(pool), n)]
    recorder[basis == "MachineObservation"] = "Nhóm bẫy ảnh - Chi cục Kiểm lâm Thanh Hóa"
    cols = {
        "occurrence_id": np.array([id_format.format(first_number + i) for i in range(n)], dtype=object),
        "scientific_name": _attr(sp, "scientific_name"),
        "vernacular_name": _attr(sp, "vernacular_name"),
        "kingdom": _attr(sp, "kingdom"),
        "taxon_class": taxon_class,
        "iucn_category": _attr(sp, "iucn"),
        "vn_red_book": _attr(sp, "vn_red_book"),
        "event_date": dates,
        "individual_count": count,
        "basis_of_record": basis,
        "recorded_by": recorder,
        "locality": locality,
        "coordinate_uncertainty_m": uncertainty,
    }
    return cols, xy
