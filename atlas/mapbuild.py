"""The atlas map page, composed with folium: our own vector-tile element over a Leaflet map.

Every script and stylesheet is served by the app itself (folium's CDN defaults are replaced).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

import folium
from branca.element import Element, Figure
from flask import request, url_for
from folium.elements import JSCSSMixin
from folium.template import Template

from atlas.map_assets import bundle
from layers.catalogue import THEMES, LayerDef, localized, theme_title
from layers.display import display_spec
from layers.province import EDIT_TOLERANCE_DEGREES, PROVINCE_BBOX, map_bbox
from layers.units import unit_label
from tiles.context import FULL_DETAIL_ZOOM
from tiles.labels import label_rules
from tiles.style_json import in_draw_order
from tiles.tilejson import TILE_PATH

_WEST, _SOUTH, _EAST, _NORTH = PROVINCE_BBOX
PROVINCE_BOUNDS = ((_SOUTH, _WEST), (_NORTH, _EAST))  # Leaflet's ((lat, lon), (lat, lon))
MAP_SCRIPTS = (
    "atlas-dom.js",
    "atlas-style.js",
    "atlas-place.js",
    "atlas-highlight.js",
    "atlas-popup.js",
    "atlas-identify.js",
    "atlas-panel.js",
    "atlas-legend.js",
    "atlas-search.js",
    "atlas-tools.js",
    "atlas-coordinates.js",
    "atlas-measure.js",
    "atlas-permalink.js",
    "atlas-labels.js",
    "atlas-sea.js",
    "atlas-basemap.js",
    "atlas-table.js",
    "atlas-core.js",
)
MAP_STYLESHEETS = ("atlas-map.css", "atlas-labels.css")
# Offered by the basemap switcher only with ATLAS_ONLINE_BASEMAP=1 (it needs the internet).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'


class AtlasVectorTiles(JSCSSMixin, folium.MacroElement):
    """All catalogue layers as one composite vector-tile layer, with the atlas's controls."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        AtlasMap.start({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        offline = len(config.get("basemaps", ())) < 2
        self._name = "AtlasVectorTiles"
        self.config = config
        # The map's own scripts and styles as one file each (atlas/map_assets.py).
        script, sheet = (bundle(names) for names in page_assets(offline))
        self.default_js = [
            ("vectorgrid", url_for("static", filename="vendor/Leaflet.VectorGrid.bundled.min.js")),
            ("atlas_map_js", url_for("atlas_map.asset", filename=script.filename)),
        ]
        self.default_css = [("atlas_map_css", url_for("atlas_map.asset", filename=sheet.filename))]


def page_assets(offline: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The map's scripts and stylesheets under atlas/static/map/, in the page's order."""
    # With nothing but "none" to offer (offline), the basemap switcher is not sent at all.
    if offline:
        return tuple(name for name in MAP_SCRIPTS if name != "atlas-basemap.js"), MAP_STYLESHEETS
    return MAP_SCRIPTS, (*MAP_STYLESHEETS, "atlas-basemap.css")


def style_config(layer: LayerDef, lang: str) -> dict[str, Any]:
    """The catalogue style as atlas-style.js reads it, its categories labelled in the page's language."""
    style = asdict(layer.style)
    style["categories"] = [
        {"value": c.value, "color": c.color, "label": localized(c, "label", lang)} for c in layer.style.categories
    ]
    return style


def _layer_config(layer: LayerDef, lang: str, editable: bool) -> dict[str, Any]:
    return {
        "id": layer.id,
        "theme": layer.theme,
        "title": layer.title(lang),
        "geometry_kind": layer.geometry_kind,
        "visible": layer.visible_by_default,
        "revision": layer.revision,
        "searchable": any(f.searchable for f in layer.fields),
        "aggregate_below_zoom": layer.aggregate_below_zoom,
        "source": layer.metadata.source_organisation,
        "style": style_config(layer, lang),
        "fields": [
            {
                "name": f.name,
                "label": localized(f, "label", lang),
                "unit": unit_label(f.unit, lang),
                "type": f.type,
                "display": display_spec(f),
                "domain": {v.code: localized(v, "label", lang) for v in f.domain},
            }
            for f in layer.fields
        ],
        "layer_url": url_for("pages.layer", layer_id=layer.id),
        "feature_url": url_for("pages.layer", layer_id=layer.id) + "/features/__fid__",
        # The editor's address is a contract (DESIGN.md); only signed-in editors of the layer get it.
        "edit_url": f"{request.script_root}/edit/{layer.id}" if editable else None,
    }


def map_config(
    layers: list[LayerDef],
    lang: str,
    vn2000_proj4: str,
    strings: dict[str, str],
    editable: set[str] | None = None,
    sea_revision: str | None = None,
) -> dict[str, Any]:
    """Everything the map's scripts need: layers with styles and fields, URLs, CRS, UI strings and edit links."""
    drawn = in_draw_order(layers)
    west, south, east, north = map_bbox()
    return {
        "lang": lang,
        "layers": [_layer_config(layer, lang, layer.id in (editable or set())) for layer in drawn],
        "panel_order": [layer.id for layer in sorted(layers, key=lambda layer: layer.sort_order)],
        "themes": [{"id": key, "title": theme_title(key, lang)} for key in THEMES],
        "tile_url": request.script_root + TILE_PATH,
        "labels": _label_config(layers, lang),
        # Loaded when the attribute table is first opened (atlas-table.js).
        "table_assets": {
            "js": url_for("static", filename="map/atlas-table-view.js"),
            "css": url_for("static", filename="map/atlas-table.css"),
        },
        "api_url": url_for("api.catalogue").rsplit("/layers", 1)[0],
        "bounds": [list(PROVINCE_BOUNDS[0]), list(PROVINCE_BOUNDS[1])],
        "max_bounds": [[south, west], [north, east]],
        # Where the data can be (validation keeps every feature within the province's box, give or take
        # the tolerance): atlas-core.js asks for no tile wholly outside it.
        "data_bounds": [
            [_SOUTH - EDIT_TOLERANCE_DEGREES, _WEST - EDIT_TOLERANCE_DEGREES],
            [_NORTH + EDIT_TOLERANCE_DEGREES, _EAST + EDIT_TOLERANCE_DEGREES],
        ],
        "sea": _sea_config(sea_revision, lang),
        # proj4.js (a quarter of the scripts) is fetched after the first tiles, off the first view's path.
        "vn2000": {
            "proj4": vn2000_proj4,
            "label": "VN-2000 TM-3 105°",
            "script": url_for("static", filename="vendor/proj4.js"),
        },
        "strings": strings,
    }


def _sea_config(revision: str | None, lang: str) -> dict[str, Any] | None:
    """Where atlas-sea.js fetches the sea for a zoom (up to the zoom of its full detail); None without one."""
    if revision is None:
        return None
    return {
        "url": f"{request.script_root}/tiles/context/sea.json?v={revision}&lang={lang}&z={{z}}",
        "max_zoom": FULL_DETAIL_ZOOM,
    }


def _label_config(layers: list[LayerDef], lang: str) -> dict[str, Any]:
    """The labelled layers' rules, and where the script finds each one's names once it reaches its zoom."""
    return {
        "url": f"{request.script_root}/tiles/{{ids}}/labels.json?v={{v}}&lang={lang}",
        "layers": label_rules(layers),
    }


def basemaps(online_basemap: bool, strings: dict[str, str]) -> list[dict[str, str]]:
    """The basemap switcher's choices: none first (the default), OpenStreetMap only when allowed."""
    choices = [{"id": "none", "label": strings["basemap_none"]}]
    if online_basemap:
        choices.append({"id": "osm", "label": "OpenStreetMap", "url": OSM_TILES, "attribution": OSM_ATTRIBUTION})
    return choices


_VIEWPORT_TAG = re.compile(r'<meta name="viewport"[^>]*>', re.S)


class AtlasFoliumMap(folium.Map):
    """folium's map without its viewport tag, which forbids pinch-zoom; the page has its own."""

    def render(self, **kwargs: Any) -> Any:
        """Render as folium does, then put the map's header element back without the viewport tag."""
        rendered = super().render(**kwargs)
        figure = self.get_root()
        if isinstance(figure, Figure) and self.get_name() in figure.header._children:
            header = figure.header._children[self.get_name()]
            figure.header.add_child(Element(_VIEWPORT_TAG.sub("", header.render())), name=self.get_name())
        return rendered


def build_map(config: dict[str, Any], online_basemap: bool) -> folium.Map:
    """The folium map: Leaflet from our own assets, no basemap unless asked, and the atlas layers."""
    # Zoom buttons come from atlas-tools.js, with their titles in the page's language.
    atlas_map = AtlasFoliumMap(
        location=[19.98, 105.22],
        zoom_start=9,
        tiles=None,
        control_scale=False,
        prefer_canvas=True,
        min_zoom=6,
        zoom_control=False,
    )
    atlas_map.default_js = [("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js"))]
    atlas_map.default_css = [("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css"))]
    AtlasVectorTiles({**config, "basemaps": basemaps(online_basemap, config["strings"])}).add_to(atlas_map)
    return atlas_map
