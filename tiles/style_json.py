"""MapLibre / Mapbox GL style documents (version 8) of atlas layers, from their catalogue styles.

QGIS, MapLibre and other GL clients load the atlas's vector tiles with its own colours from
them: the vector source is the layers' TileJSON, and each catalogue layer becomes a fill, line
or circle layer (categorized styles become `match` expressions). Names are left out: a symbol
layer needs glyph fonts, which the atlas does not serve.
"""

from __future__ import annotations

from typing import Any

from layers.catalogue import LayerDef, Style
from tiles.tilejson import ATTRIBUTION, revision_tag

SOURCE = "atlas"
STYLE_PATH = "/tiles/{ids}/style.json?v={v}"
TILEJSON_PATH = "/tiles/{ids}.json"
# Polygons first, then lines, then points: what is drawn last is on top (as on the atlas map).
DRAW_ORDER = {"polygon": 0, "line": 1, "point": 2}
# An unfilled polygon is an edge (the province's): drawn after the filled ones so no fill covers it.
OUTLINE_RANK = 0.5
UNCATEGORIZED_COLOR = "#999999"  # as atlas-style.js draws a value outside the categories
MAX_CELL_RADIUS = 16.0


def draw_rank(layer: LayerDef) -> tuple[float, int]:
    """Where a layer is drawn: filled polygons, polygon edges, lines, points, each by sort order."""
    rank = float(DRAW_ORDER[layer.geometry_kind])
    style = layer.style
    unfilled = (style.fill_color is None and not style.categories) or style.fill_opacity == 0
    if layer.geometry_kind == "polygon" and unfilled:
        rank = OUTLINE_RANK
    return rank, layer.sort_order


def in_draw_order(layers: list[LayerDef]) -> list[LayerDef]:
    """The layers in the order they are drawn (draw_rank): what is drawn last is on top."""
    return sorted(layers, key=draw_rank)


def _ids(layers: list[LayerDef]) -> str:
    return ",".join(layer.id for layer in layers)


def style_url(base: str, layers: list[LayerDef]) -> str:
    """The style document's URL for these layers, carrying their revisions."""
    return base + STYLE_PATH.replace("{ids}", _ids(layers)).replace("{v}", revision_tag(layers))


def _color(style: Style, fallback: str) -> Any:
    """A colour, or a `match` on the category field when the style is categorized."""
    if not style.category_field or not style.categories:
        return fallback
    expression: list[Any] = ["match", ["get", style.category_field]]
    for category in style.categories:
        expression += [category.value, category.color]
    return [*expression, UNCATEGORIZED_COLOR]


def _dasharray(style: Style) -> list[float] | None:
    """Leaflet's dash (pixels) in GL's units of the line width."""
    if not style.dash:
        return None
    return [round(float(part) / style.width, 3) for part in style.dash.replace(",", " ").split()]


def _base(layer: LayerDef, suffix: str, kind: str, combined: bool) -> dict[str, Any]:
    return {
        "id": f"{layer.id}-{suffix}",
        "type": kind,
        "source": SOURCE,
        "source-layer": layer.id,
        "minzoom": layer.min_zoom,
        "maxzoom": min(layer.max_zoom + 1, 24),
        "metadata": {"atlas:layer": layer.id, "atlas:symbol": layer.style.symbol},
        "layout": {"visibility": "visible" if layer.visible_by_default or not combined else "none"},
    }


def _polygon_layers(layer: LayerDef, combined: bool) -> list[dict[str, Any]]:
    style = layer.style
    styled: list[dict[str, Any]] = []
    if style.fill_color or style.categories:
        fill = _base(layer, "fill", "fill", combined)
        fill_color = _color(style, style.fill_color or style.color)
        fill["paint"] = {"fill-color": fill_color, "fill-opacity": style.fill_opacity}
        styled.append(fill)
    outline = _base(layer, "outline", "line", combined)
    outline["filter"] = ["!", ["has", "feature_count"]]  # grid cells at low zoom have no outline
    outline["paint"] = {"line-color": style.color, "line-width": style.width}
    return [*styled, outline]


def _line_layers(layer: LayerDef, combined: bool) -> list[dict[str, Any]]:
    line = _base(layer, "line", "line", combined)
    line["paint"] = {"line-color": _color(layer.style, layer.style.color), "line-width": layer.style.width}
    dash = _dasharray(layer.style)
    if dash:
        line["paint"]["line-dasharray"] = dash
    return [line]


def _point_layers(layer: LayerDef, combined: bool) -> list[dict[str, Any]]:
    style = layer.style
    # A grid cell standing for several observations grows with the log of its count, as on the map.
    count = ["coalesce", ["get", "point_count"], 1]
    radius = ["min", MAX_CELL_RADIUS, ["+", style.radius, ["*", 2, ["ln", ["max", count, 1]]]]]
    circle = _base(layer, "circle", "circle", combined)
    circle["paint"] = {
        "circle-radius": radius if layer.aggregate_below_zoom is not None else style.radius,
        "circle-color": _color(style, style.fill_color or style.color),
        "circle-opacity": style.fill_opacity,
        "circle-stroke-color": style.color,
        "circle-stroke-width": 1,
    }
    return [circle]


_BY_KIND = {"polygon": _polygon_layers, "line": _line_layers, "point": _point_layers}


def style_document(layers: list[LayerDef], base: str, lang: str = "vi") -> dict[str, Any]:
    """The GL style of these layers, drawn in the atlas's order, its source the layers' own TileJSON."""
    drawn = in_draw_order(layers)
    style_layers: list[dict[str, Any]] = [
        {"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}}
    ]
    for layer in drawn:
        # In a combined style the layers hidden on the map at first are hidden here too.
        style_layers += _BY_KIND[layer.geometry_kind](layer, len(layers) > 1)
    return {
        "version": 8,
        "name": " + ".join(layer.title(lang) for layer in layers),
        "metadata": {"atlas:layers": [layer.id for layer in layers], "atlas:revisions": revision_tag(layers)},
        "sources": {
            SOURCE: {
                "type": "vector",
                "url": base + TILEJSON_PATH.replace("{ids}", _ids(layers)) + f"?lang={lang}",
                "attribution": ATTRIBUTION,
            }
        },
        "layers": style_layers,
    }
