"""HTML pages: the catalogue, the layer pages with their ISO 19139 metadata, and the feature pages.

The map blueprint owns `/`; these pages share templates/base.html with it.
"""

from __future__ import annotations

from functools import partial
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from psycopg2.extensions import connection as Connection

from atlas.auth import page_user, request_access
from atlas.generalised_note import cell_note
from atlas.i18n import LANGUAGES, current_language
from atlas.params import parse_feature_id
from atlas.reading_marks import chart_legend, exceedance_summary, mark_helpers, reading_mark
from atlas.requestdb import request_connection
from layers import display
from layers.access import Access, get_visible_layer, visible_catalogue
from layers.catalogue import THEMES, FieldDef, LayerDef, localized, theme_title
from layers.charts import Chart, Guide, feature_shape, locator_map_svg, province_outline, time_series_svg
from layers.errors import NotFound
from layers.features import get_feature
from layers.history import layer_changes
from layers.iso19139 import OnlineLinks, metadata_document
from layers.maplink import map_hash
from layers.measurements import Readings, has_measurements, station_readings
from layers.qcvn08 import Limit, beyond_drawn_limits, limits_for
from layers.readings_csv import readings_csv
from layers.station_status import latest_status
from layers.stats import layer_stats

bp = Blueprint("pages", __name__)
# Changes listed on a layer page for signed-in users; the API pages through the rest.
RECENT_CHANGES = 10


@bp.get("/layers")
def catalogue():
    """Layers grouped by theme, with computed feature counts and last updates."""
    conn = request_connection()
    access = request_access()
    entries = [(layer, layer_stats(conn, layer, access)) for layer in visible_catalogue(conn, access)]
    ordered = sorted(entries, key=lambda e: (list(THEMES).index(e[0].theme), e[0].sort_order))
    themes = [(theme, list(group)) for theme, group in groupby(ordered, key=lambda e: e[0].theme)]
    return render_template("layers/catalogue.html", themes=themes)


@bp.get("/layers/<layer_id>")
def layer(layer_id: str):
    """One layer: its metadata, attribute dictionary, computed facts, extent map and downloads."""
    conn = request_connection()
    access = request_access()
    found = get_visible_layer(conn, layer_id, access)
    stats = layer_stats(conn, found, access)
    extent_map = locator_map_svg(province_outline(conn), _("Phạm vi của lớp dữ liệu"), extent=stats.bbox)
    user = page_user()
    recent = layer_changes(conn, found, RECENT_CHANGES, 0) if user else None
    return render_template(
        "layers/detail.html",
        layer=found,
        stats=stats,
        extent_map=extent_map,
        recent=recent,
        user=user,
        map_url=map_link(found, stats.bbox),
    )


@bp.get("/layers/<layer_id>/metadata.xml")
def metadata_xml(layer_id: str):
    """The layer's metadata as ISO 19139 XML (QCVN 42:2020/BTNMT follows ISO 19115)."""
    conn = request_connection()
    access = request_access()
    found = get_visible_layer(conn, layer_id, access)
    document = metadata_document(found, layer_stats(conn, found, access), online_links(found))
    return Response(document, mimetype="application/xml")


@bp.get("/layers/<layer_id>/features/<fid>")
def feature(layer_id: str, fid: str):
    """One feature: its attributes in words, a small map and, for stations, their measurements."""
    conn, access, found, feature_id = _requested_feature(layer_id, fid)
    context = _feature_context(conn, found, feature_id, access)
    return render_template("features/detail.html", layer=found, **context)


@bp.get("/layers/<layer_id>/features/<fid>/readings.csv")
def readings_table(layer_id: str, fid: str):
    """A station's readings table as CSV (UTF-8 with BOM); 404 for a feature without measurements."""
    conn, access, found, feature_id = _requested_feature(layer_id, fid)
    get_feature(conn, found, feature_id, access)  # 404 when there is no such feature
    if not has_measurements(found.id):
        raise NotFound(_("Lớp này không có số liệu quan trắc."))
    body = readings_csv(station_readings(conn, feature_id), current_language(), _("Ngày lấy mẫu"))
    name = f"{found.id}_{feature_id}_readings.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _requested_feature(layer_id: str, fid: str) -> tuple[Connection, Access, LayerDef, int]:
    """The connection, audience, layer and feature id a feature URL names (400 or 404 when it names none)."""
    feature_id = parse_feature_id(fid)
    conn = request_connection()
    access = request_access()
    return conn, access, get_visible_layer(conn, layer_id, access), feature_id


def map_link(layer: LayerDef, box: tuple[float, float, float, float] | None) -> str | None:
    """The atlas map opened at the box with the layer shown; None without a box."""
    return url_for("atlas_map.atlas_map") + map_hash(layer, box) if box else None


def online_links(layer: LayerDef) -> OnlineLinks:
    """The layer's addresses that its ISO 19139 metadata names (pages and exported files alike)."""
    return OnlineLinks(
        geojson=url_for("api.features", layer_id=layer.id, limit=1000, _external=True),
        # The TileJSON URL is a contract (DESIGN.md), whatever the tiles blueprint calls its view.
        tilejson=f"{request.url_root}tiles/{layer.id}.json",
        page=url_for("pages.layer", layer_id=layer.id, _external=True),
        metadata_json=url_for("api.layer", layer_id=layer.id, _external=True),
    )


def _feature_context(conn: Connection, layer: LayerDef, fid: int, access: Access) -> dict[str, Any]:
    feature_data = get_feature(conn, layer, fid, access)
    label = _("Vị trí của đối tượng")
    shape = feature_shape(conn, layer, fid, access)
    context: dict[str, Any] = {
        "feature": feature_data,
        "feature_title": feature_title(layer, feature_data),
        "feature_map": locator_map_svg(province_outline(conn), label, shape=shape),
        "map_url": map_link(layer, shape.bbox if shape else None),
        "readings": None,
        "status": None,
        "charts": [],
    }
    if has_measurements(layer.id):
        readings = station_readings(conn, fid)
        context.update(
            readings=readings,
            charts=station_charts(readings),
            chart_legend=chart_legend(),
            status=latest_status(readings),
        )
    return context


def feature_title(layer: LayerDef, feature_data: dict[str, Any]) -> str:
    """What to call a feature: its name, else its first searchable (else required) text value, else its id."""
    props = feature_data["properties"]
    texts = [f for f in layer.fields if f.type == "text" and not f.domain]
    ranked = (
        [f for f in texts if f.name == "name"] + [f for f in texts if f.searchable] + [f for f in texts if f.required]
    )
    for candidate in ranked:
        if props.get(candidate.name):
            return str(props[candidate.name])
    return _("Đối tượng số %(fid)s", fid=feature_data["id"])


def station_charts(readings: Readings) -> list[tuple[str, str, Markup]]:
    """One chart per parameter, with the QCVN 08:2023/BTNMT lines: (label, unit, SVG)."""
    lang = current_language()
    charts = []
    for series in readings.series:
        chart = Chart(
            title=series.parameter.label(lang),
            unit=series.parameter.unit,
            points=series.points,
            guides=[_guide(limit) for limit in limits_for(series.parameter.code)],
            number=format_number,
            date=display.format_date,
            mark=partial(reading_mark, series.parameter.code),
            description=exceedance_summary(series.parameter.code, [v for _day, v in series.points]),
            # Coliform counts span three orders of magnitude; a linear axis would hide all but the peaks.
            log_scale=series.parameter.code == "coliform",
        )
        charts.append((series.parameter.label(lang), series.parameter.unit, time_series_svg(chart)))
    return charts


def _guide(limit: Limit) -> Guide:
    if limit.table == 1:
        return Guide(_("Bảng 1"), limit.value, "level-health")
    return Guide(_("Mức %(level)s", level=limit.level), limit.value, "level-" + limit.level[-1].lower())


def format_number(value: float | int | None) -> str:
    """A number with the separators of the page's language (1.234,5 in Vietnamese)."""
    return display.format_number(value, current_language())


def plain_value(field: FieldDef, value: Any) -> str:
    """A value by the field's display kind (a year as 1999, a decimal with its digits), without unit."""
    return display.format_plain(field, value, current_language())


def attribute_value(field: FieldDef, value: Any) -> str:
    """An attribute value in words: domain label, yes or no, else by its display kind; with its unit."""
    if value is None or value == "":
        return "—"
    if field.domain:
        text = field.domain_label(value, current_language()) or str(value)
    elif field.type == "boolean":
        text = _("Có") if value else _("Không")
    else:
        text = plain_value(field, value)
    return f"{text} {field.unit}" if field.unit else text


def localized_for_page(item: Any, name: str) -> Any:
    """The `name_vi` or `name_en` attribute of a catalogue item, by the page's language."""
    return localized(item, name, current_language())


def language_url(lang: str) -> str:
    """The current page's URL with ?lang= set to `lang` (other query arguments kept).

    Only the query is written: a path like `/\\evil.example/` repeated in a link would send
    browsers to another host, while a link that starts with `?` always stays on this page.
    """
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return "?" + urlencode([*args, ("lang", lang)])


@bp.app_context_processor
def _page_helpers() -> dict[str, Any]:
    return {
        "languages": LANGUAGES,
        "language_url": language_url,
        "localized": localized_for_page,
        "theme_title": lambda theme: theme_title(theme, current_language()),
        "attribute_value": attribute_value,
        "format_number": format_number,
        "generalised_note": cell_note,
        "format_date": display.format_date,
        "format_datetime": display.format_datetime,
        "plain_value": plain_value,
        "beyond_drawn_limits": beyond_drawn_limits,
        **mark_helpers(),
    }
