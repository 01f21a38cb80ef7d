"""GET /: the atlas map page."""

from __future__ import annotations

from branca.element import Figure
from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _

from atlas.auth import page_user, request_access
from atlas.generalised_note import KM_MARK, generalised_note
from atlas.i18n import current_language
from atlas.map_assets import MEDIA_TYPES, bundle
from atlas.mapbuild import build_map, map_config, page_assets
from atlas.requestdb import request_connection
from atlas.security_headers import with_nonce
from layers.access import visible_catalogue
from layers.crs import VN2000_PROVINCE_SRID, proj4_definition
from layers.errors import NotFound
from layers.province import SEA_AREA_ID
from tiles.context import context_revision
from tiles.tilejson import tile_path

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
        "place_river": _("trên {name}"),
        "place_commune": _("ở {name}"),
        "generalised": generalised_note(KM_MARK),
        "feature_page": _("Xem chi tiết"),
        "layer_page": _("Về lớp dữ liệu"),
        "cell_count": _("{n} đối tượng, phóng to để xem"),
        "cell_species_observations": _("{n} quan sát, phóng to để xem"),
        "cell_forest_cover": _("{n} lô rừng, phóng to để xem"),
        "identify_several": _("{n} đối tượng tại đây"),
        "details": _("Thông tin đối tượng"),
        "close": _("Đóng"),
        "measure": _("Đo"),
        "measure_help": _("Bấm lên bản đồ để đo khoảng cách; từ ba điểm trở lên sẽ có diện tích."),
        "measure_finish": _("Xong"),
        "measure_undo": _("Bỏ điểm cuối"),
        "measure_clear": _("Xóa hết"),
        "measure_finished": _("(đã xong; bấm tiếp để đo đường mới)"),
        "zoom_in": _("Phóng to"),
        "zoom_out": _("Thu nhỏ"),
        "home": _("Toàn tỉnh"),
        "locate": _("Vị trí của tôi"),
        "locate_failed": _("Không xác định được vị trí của bạn"),
        "locate_outside": _("Vị trí của bạn nằm ngoài tỉnh Thanh Hóa"),
        "fullscreen": _("Toàn màn hình"),
        "fullscreen_failed": _("Trình duyệt không cho phép toàn màn hình"),
        "share": _("Sao chép liên kết tới bản đồ này"),
        "link_copied": _("Đã sao chép liên kết"),
        "sources": _("Nguồn"),
        "disclaimer": _("Bản đồ chỉ để tham khảo, ranh giới mang tính minh họa"),
        "map_label": _("Bản đồ tài nguyên nước và đa dạng sinh học tỉnh Thanh Hóa"),
        "distance": _("Khoảng cách"),
        "area": _("Diện tích"),
        "yes": _("Có"),
        "no": _("Không"),
        "edit_layer": _("Sửa lớp"),
        "basemap": _("Nền bản đồ"),
        "basemap_none": _("Không có nền"),
        "table": _("Bảng thuộc tính"),
        "table_layer": _("Lớp"),
        "table_filter": _("Tìm trong bảng"),
        "table_in_view": _("Chỉ trong khung nhìn"),
        "table_previous": _("Trang trước"),
        "table_next": _("Trang sau"),
        "table_close": _("Đóng bảng"),
        "table_zoom": _("Phóng tới"),
        "table_rows": _("{from}–{to} trong {total}"),
        "table_empty": _("Không có đối tượng nào"),
        "table_failed": _("Không tải được bảng, vui lòng thử lại"),
        "table_sort": _("Sắp xếp theo {field}"),
    }


@bp.get("/")
def atlas_map():
    """The public map: every catalogue layer as vector tiles, with panel, legend, search and tools."""
    conn = request_connection()
    lang = current_language()
    user = page_user()
    access = request_access()
    layers = visible_catalogue(conn, access)
    editable = {layer.id for layer in layers if user is not None and user.may_edit(layer.id)}
    config = map_config(
        layers,
        lang,
        proj4_definition(conn, VN2000_PROVINCE_SRID),
        ui_strings(),
        editable,
        context_revision(conn, SEA_AREA_ID),
    )
    config["tile_url"] = request.script_root + tile_path(access)
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


# A year: the name changes with the content, so a cached copy is never stale.
IMMUTABLE = "public, max-age=31536000, immutable"


@bp.get("/assets/<filename>")
def asset(filename: str) -> Response:
    """The map's bundled scripts or stylesheets (atlas/map_assets.py), gzipped when the browser takes it."""
    # Any worker answers for any page's bundle: both variants (with and without the basemap switcher).
    for offline in (True, False):
        for names in page_assets(offline):
            found = bundle(names)
            if found.filename == filename:
                gzipped = request.accept_encodings.quality("gzip") > 0
                response = Response(found.gzipped if gzipped else found.body, content_type=MEDIA_TYPES[found.kind])
                if gzipped:
                    response.headers["Content-Encoding"] = "gzip"
                response.headers["Vary"] = "Accept-Encoding"
                response.headers["Cache-Control"] = IMMUTABLE
                # One tag per representation (RFC 9110: a strong tag names the bytes sent).
                response.set_etag(found.digest + ("-gzip" if gzipped else ""))
                response.make_conditional(request)
                return response
    raise NotFound(f"There is no map asset called '{filename[:64]}'; reload the map for the current one.")
