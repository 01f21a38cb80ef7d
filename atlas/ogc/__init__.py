"""OGC API – Features (Parts 1, 2 and 4, with Part 3's queryables) under /ogc, for QGIS, GDAL and other clients.

Thin views over the same domain functions as /api/layers: the catalogue, layers.features for reads,
layers.edits and layers.validation for writes, layers.accounts for who may write.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

# The views register themselves on bp.
from atlas.ogc import collection_views, item_views, openapi_views, write_views  # noqa: E402, F401
