"""Loading the Thanh Hóa sample data into the database, in one transaction."""

from __future__ import annotations

import io
from collections.abc import Callable

import shapely
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.bulkload import copy_columns, copy_features, ewkb_hex
from layers.catalogue import get_layer
from layers.generalise import cells_rebuilt_after
from layers.province import SEA_AREA_ID
from layers.registry import register_layer
from layers.sample.definitions import FOREST_COVER, SAMPLE_LAYERS, SPECIES_OBSERVATIONS
from layers.sample.generate import (
    generate_measurements,
    generate_sample,
    scale_forest_cover,
    scale_species_observations,
)
from layers.sample.sea import SEA_NAME_EN, SEA_NAME_VI, sea_geometry
from layers.tables import start_tiles_afresh

Progress = Callable[[int], None]
DEFAULT_SEED = 2025


def catalogue_is_empty(conn: Connection) -> bool:
    """True when no layer is registered yet."""
    with conn.cursor() as cur:
        cur.execute("SELECT NOT EXISTS (SELECT 1 FROM layer)")
        return cur.fetchone()[0]


def load_sample(conn: Connection, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Register the 12 sample layers, create their tables and fill them; commits once at the end."""
    data = generate_sample(seed)
    counts: dict[str, int] = {}
    _bulk_load_session(conn)
    for layer in SAMPLE_LAYERS:
        register_layer(conn, layer)
        counts[layer.id] = copy_features(conn, layer, data[layer.id])
    _load_measurements(conn, data["water_quality_stations"], seed)
    load_sea(conn)
    start_tiles_afresh(conn, list(counts))
    _analyze(conn, [layer.id for layer in SAMPLE_LAYERS])
    conn.commit()
    return counts


def load_sea(conn: Connection) -> bool:
    """Store the sea off the coast as the map's context, unless it is there already; True when stored."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO context_area (id, name_vi, name_en, geom) VALUES (%s, %s, %s, %s::geometry)"
            " ON CONFLICT (id) DO NOTHING",
            (SEA_AREA_ID, SEA_NAME_VI, SEA_NAME_EN, str(ewkb_hex([sea_geometry()])[0])),
        )
        return cur.rowcount == 1


def _load_measurements(conn: Connection, stations: list, seed: int) -> None:
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT station_code, fid FROM layerdata.water_quality_stations"))
        fid_by_code = dict(cur.fetchall())
        rows = generate_measurements(stations, seed)
        lines = "".join(
            f"{fid_by_code[code]}\t{day.isoformat()}\t{param}\t{value!r}\n" for code, day, param, value in rows
        )
        cur.copy_expert(
            "COPY water_quality_measurement (station_fid, sampled_on, parameter, value) FROM STDIN", io.StringIO(lines)
        )


def _bulk_load_session(conn: Connection) -> None:
    # Bulk loads run from the command line and may take minutes; the web timeout is not for them.
    # Generated sample rows are no one's edits, so they are kept out of the feature history.
    with conn.cursor() as cur:
        cur.execute("SET LOCAL statement_timeout = 0")
        cur.execute("SELECT set_config('atlas.history', 'off', true)")


def _analyze(conn: Connection, layer_ids: list[str]) -> None:
    with conn.cursor() as cur:
        for layer_id in layer_ids:
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier("layerdata", layer_id)))


def load_scale(
    conn: Connection, observations: int, forest_plots: int, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> dict[str, int]:
    """Add benchmark-scale species observations and forest plots with COPY; commits once at the end."""
    counts = {}
    _bulk_load_session(conn)
    for layer_def, n, batches in (
        (SPECIES_OBSERVATIONS, observations, scale_species_observations),
        (FOREST_COVER, forest_plots, scale_forest_cover),
    ):
        layer = get_layer(conn, layer_def.id)
        counts[layer.id] = 0
        with cells_rebuilt_after(conn, layer):
            for batch in batches(n, seed):
                batch = dict(batch)
                batch["geom"] = ewkb_hex(shapely.from_wkb(batch["geom"]))
                copied = copy_columns(conn, layer, batch)
                counts[layer.id] += copied
                if progress:
                    progress(copied)
    start_tiles_afresh(conn, list(counts))
    _analyze(conn, list(counts))
    conn.commit()
    return counts
