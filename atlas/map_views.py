"""GET /: the atlas map page."""

from __future__ import annotations

from branca.element import Figure
from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _

from atlas.auth import page_user
from atlas.i18n import current_language
from atlas.mapbuild import build_map, map_config
from atlas.requestdb import request_connection
from atlas.security_headers import with_nonce
from layers.catalogue import list_layers
from layers.crs import VN2000_PROVINCE_SRID, proj4_definition

bp = Blueprint("atlas_map", __name__)


def ui_strings() -> dict[str, str]:
    """The map's interface texts in the current language."""
    return {
        "layers": _("Lớp dữ liệu"),
        "legend": _("Chú giải"),
        "opacity": _("Độ trong suốt"),
        "search_placeholder": _("Tìm xã, sông, hồ, khu bảo tồn…"),
        "no_results": _("Không tìm thấy kết quả"),
        "search_failed": _("Không tìm kiếm được, vui lòng thử lại"),
        "feature_page": _("Xem chi tiết"),
        "layer_page": _("Về lớp dữ liệu"),
        "cell_count": _("{n} đối tượng trong ô này"),
        "zoom_in_for_details": _("Phóng to để xem từng đối tượng."),
        "measure": _("Đo"),
        "measure_help": _("Bấm lên bản đồ để đo khoảng cách; từ ba điểm trở lên sẽ có diện tích."),
        "distance": _("Khoảng cách"),
        "area": _("Diện tích"),
        "yes": _("Có"),
        "no": _("Không"),
        "edit_layer": _("Sửa lớp"),
    }


@bp.get("/")
def atlas_map():
    """The public map: every catalogue layer as vector tiles, with panel, legend, search and tools."""
    conn = request_connection()
    lang = current_language()
    user = page_user()
    layers = list_layers(conn)
    editable = {layer.id for layer in layers if user is not None and user.may_edit(layer.id)}
    config = map_config(layers, lang, proj4_definition(conn, VN2000_PROVINCE_SRID), ui_strings(), editable)
    folium_map = build_map(config, current_app.extensions["atlas.settings"].online_basemap)
    figure = folium_map.get_root()
    assert isinstance(figure, Figure)
    figure.render()
    return render_template(
        "map/index.html",
        lang=lang,
        folium_header=with_nonce(figure.header.render()),
        folium_html=figure.html.render(),
        folium_script=figure.script.render(),
    )
