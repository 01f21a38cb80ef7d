"""Facts computed from a layer's data, never typed in: feature count, extent, last edit."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef
from layers.tables import table_identifier


@dataclass(frozen=True)
class LayerStats:
    """What the data of one revision of a layer says about itself."""

    revision: int
    feature_count: int
    bbox: tuple[float, float, float, float] | None
    data_changed_at: datetime | None


# Keyed by database, layer and the layer's creation time, and checked against the revision,
# so an entry is never stale; counting a million rows once per revision and process is cheap.
_cache: dict[tuple[str, str, datetime], LayerStats] = {}
_cache_lock = threading.Lock()


def layer_stats(conn: Connection, layer: LayerDef) -> LayerStats:
    """Feature count, extent and last-edit time of the layer at its current revision."""
    with conn.cursor() as cur:
        cur.execute("SELECT revision, data_changed_at, created_at FROM layer WHERE id = %s", (layer.id,))
        revision, changed_at, created_at = cur.fetchone()
        key = (conn.dsn, layer.id, created_at)
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None and cached.revision == revision:
            return cached
        cur.execute(sql.SQL("SELECT count(*), ST_Extent(geom)::text FROM {}").format(table_identifier(layer)))
        count, box = cur.fetchone()
    stats = LayerStats(revision, count, _parse_box(box), changed_at)
    with _cache_lock:
        _cache[key] = stats
    return stats


def _parse_box(box: str | None) -> tuple[float, float, float, float] | None:
    if box is None:
        return None
    # PostGIS prints a box2d as "BOX(xmin ymin,xmax ymax)".
    lower, upper = box[4:-1].split(",")
    xmin, ymin = (float(v) for v in lower.split())
    xmax, ymax = (float(v) for v in upper.split())
    return (xmin, ymin, xmax, ymax)
