"""JSON shapes of catalogue entries, shared by the API and the pages."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import url_for

from layers.catalogue import THEMES, LayerDef
from layers.search import SearchHit
from layers.stats import LayerStats


def layer_summary(layer: LayerDef, stats: LayerStats) -> dict[str, Any]:
    """The catalogue entry of a layer: identity, computed facts and links."""
    return {
        "id": layer.id,
        "theme": layer.theme,
        "theme_title": {"vi": THEMES[layer.theme][0], "en": THEMES[layer.theme][1]},
        "title": {"vi": layer.title_vi, "en": layer.title_en},
        "geometry_type": layer.geometry_type,
        "feature_count": stats.feature_count,
        "bbox": list(stats.bbox) if stats.bbox else None,
        "updated_at": stats.data_changed_at.isoformat() if stats.data_changed_at else None,
        "revision": stats.revision,
        "links": [
            {"rel": "self", "href": url_for("api.layer", layer_id=layer.id, _external=True)},
            {"rel": "items", "href": url_for("api.features", layer_id=layer.id, _external=True)},
            {
                "rel": "alternate",
                "type": "text/html",
                "href": url_for("pages.layer", layer_id=layer.id, _external=True),
            },
        ],
    }


def layer_detail(layer: LayerDef, stats: LayerStats) -> dict[str, Any]:
    """A layer with everything: summary, zooms, style, metadata and attribute schema."""
    return layer_summary(layer, stats) | {
        "min_zoom": layer.min_zoom,
        "max_zoom": layer.max_zoom,
        "visible_by_default": layer.visible_by_default,
        "style": asdict(layer.style),
        "metadata": asdict(layer.metadata),
        "fields": [asdict(f) for f in layer.fields],
    }


def search_result(hit: SearchHit, layer: LayerDef) -> dict[str, Any]:
    """A search hit with its layer's titles and links to the feature."""
    return {
        "layer": hit.layer_id,
        "layer_title": {"vi": layer.title_vi, "en": layer.title_en},
        "id": hit.fid,
        "label": hit.label,
        "detail": hit.detail,
        # Where it is: {"kind": "river" | "commune", "layer", "id", "name"}, or null.
        "place": _place(hit),
        "bbox": list(hit.bbox),
        "links": [
            {"rel": "item", "href": url_for("api.feature", layer_id=hit.layer_id, fid=hit.fid, _external=True)},
        ],
    }


def _place(hit: SearchHit) -> dict[str, Any] | None:
    if hit.place is None:
        return None
    return {"kind": hit.place.kind, "layer": hit.place.layer_id, "id": hit.place.fid, "name": hit.place.name}
