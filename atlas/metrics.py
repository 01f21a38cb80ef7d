"""Prometheus metrics at /metrics: tiles served, cache hit ratio and render time per layer.

Under gunicorn every worker writes to PROMETHEUS_MULTIPROC_DIR (set by `python -m atlas serve`)
and /metrics adds the workers up; without it the metrics are the process's own.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from layers.errors import Forbidden
from tiles.service import TileResult

bp = Blueprint("metrics", __name__)

TILES_SERVED = Counter("atlas_tiles_total", "Tiles served, by layer and cache outcome", ["layer", "cache"])
TILE_RENDER_SECONDS = Histogram(
    "atlas_tile_render_seconds",
    # A tile is drawn by one statement for all its layers, so each layer it carries records that time.
    "Time PostGIS took to draw a tile, by each layer the tile carries",
    ["layer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def record_tile(result: TileResult) -> None:
    """Count the tile for each of its layers and, when drawn now, how long each layer took."""
    outcome = "hit" if result.cache_hit else "miss"
    for layer_id in result.layer_ids:
        TILES_SERVED.labels(layer_id, outcome).inc()
    for layer_id, seconds in result.render_seconds.items():
        TILE_RENDER_SECONDS.labels(layer_id).observe(seconds)


def _may_read_metrics() -> bool:
    """Loopback clients (a scraper on the host), or anyone sending ATLAS_METRICS_TOKEN as a Bearer token."""
    token = current_app.extensions["atlas.settings"].metrics_token
    if token and hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    """The metrics in Prometheus text format (they tell how the atlas is used: not for everyone)."""
    if not _may_read_metrics():
        raise Forbidden("Metrics are for the host itself, or for scrapers that send ATLAS_METRICS_TOKEN.")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    # content_type, not mimetype: CONTENT_TYPE_LATEST carries its charset already.
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
