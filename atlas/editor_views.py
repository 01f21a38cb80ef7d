"""GET /edit/<layer_id>: the editor of one layer, for the officials granted it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from psycopg2.extensions import connection as Connection

from atlas.auth import current_user
from atlas.i18n import current_language
from atlas.mapbuild import PROVINCE_BOUNDS, style_config
from atlas.requestdb import request_connection
from layers.accounts import require_editor
from layers.catalogue import FieldDef, LayerDef, get_layer, list_layers, localized
from tiles.tilejson import TILE_PATH

bp = Blueprint("editor", __name__)


def editor_strings() -> dict[str, str]:
    """The editor's interface texts in the current language (the scripts hold no language of their own)."""
    return {
        "draw_point": _("Đặt điểm mới"),
        "draw_line": _("Vẽ đường mới"),
        "draw_polygon": _("Vẽ vùng mới"),
        "finish": _("Hoàn tất hình vẽ"),
        "undo_vertex": _("Bỏ đỉnh vừa vẽ"),
        "remove_vertices": _("Xóa đỉnh"),
        "remove_vertices_help": _("Chạm vào một đỉnh để xóa nó."),
        "snapping": _("Bắt dính"),
        "save": _("Lưu"),
        "cancel": _("Hủy"),
        "delete": _("Xóa đối tượng"),
        "saving": _("Đang lưu…"),
        "saved": _("Đã lưu phiên bản {version}."),
        "created": _("Đã thêm đối tượng {id}."),
        "deleted": _("Đã xóa đối tượng {id}."),
        "reverted": _("Đã khôi phục phiên bản {version}; đối tượng nay ở phiên bản {current}."),
        "select_hint": _("Chạm vào một đối tượng trên bản đồ để sửa, hoặc vẽ đối tượng mới."),
        "zoom_in_to_select": _("Phóng to thêm để chọn từng đối tượng."),
        "unsaved_first": _("Hãy lưu hoặc hủy thay đổi trước khi chọn đối tượng khác."),
        "gone": _("Đối tượng này không còn nữa (có thể đã bị người khác xóa)."),
        "forbidden": _("Tài khoản của bạn không được sửa lớp dữ liệu này."),
        "loading": _("Đang tải…"),
        "new_feature": _("Đối tượng mới"),
        "feature_title": _("Đối tượng {id} · phiên bản {version}"),
        "last_saved_by": _("Lưu lần cuối: {user}, {time}"),
        "draw_hint": _("Vẽ hình trên bản đồ; xong thì bấm «Hoàn tất hình vẽ»."),
        "draw_first": _("Hãy vẽ hình trên bản đồ trước khi lưu."),
        "required": _("bắt buộc"),
        "choose": _("— Chọn —"),
        "yes": _("Có"),
        "no": _("Không"),
        "geometry": _("Hình học"),
        "changed": _("đã thay đổi"),
        "unchanged": _("không đổi"),
        "empty": _("(trống)"),
        "problems": _("Chưa lưu được: hãy sửa các mục được đánh dấu."),
        "error": _("Không lưu được: {message}"),
        "network_error": _("Không kết nối được máy chủ. Thay đổi của bạn vẫn còn trên trang; hãy thử lại."),
        "session_expired": _("Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại ở thẻ khác rồi bấm Lưu lần nữa."),
        "confirm_delete_title": _("Xóa đối tượng này?"),
        "confirm_delete_text": _("Đối tượng {id} sẽ bị xóa khỏi lớp. Lịch sử vẫn được giữ và có thể khôi phục."),
        "confirm_delete_ok": _("Xóa"),
        "confirm_delete_cancel": _("Không xóa"),
        "conflict_title": _("Đối tượng đã được người khác sửa"),
        "conflict_text": _(
            "{user} đã lưu phiên bản {version} sau khi bạn mở đối tượng. Thay đổi của bạn chưa được lưu."
        ),
        "someone": _("Một người khác"),
        "field": _("Trường"),
        "their_value": _("Giá trị của {user}"),
        "your_value": _("Giá trị của bạn"),
        "reload": _("Tải lại (bỏ thay đổi của tôi)"),
        "reapply": _("Áp dụng lại thay đổi của tôi"),
        "history": _("Lịch sử chỉnh sửa"),
        "history_empty": _("Chưa có lịch sử."),
        "version": _("Phiên bản"),
        "operation": _("Thao tác"),
        "user": _("Người sửa"),
        "time": _("Thời gian"),
        "revert": _("Khôi phục"),
        "current": _("hiện tại"),
        "op_create": _("Tạo mới"),
        "op_update": _("Sửa"),
        "op_delete": _("Xóa"),
        "op_revert": _("Khôi phục"),
        "op_import": _("Nhập dữ liệu"),
        "op_initial": _("Dữ liệu ban đầu"),
        "gm_place_marker": _("Chạm vào bản đồ để đặt điểm"),
        "gm_first_vertex": _("Chạm để đặt đỉnh đầu tiên"),
        "gm_continue_line": _("Chạm để vẽ tiếp"),
        "gm_finish_line": _("Chạm vào đỉnh cuối để kết thúc"),
        "gm_finish_poly": _("Chạm vào đỉnh đầu tiên để khép vùng"),
    }


def _field_schema(field: FieldDef, lang: str) -> dict[str, Any]:
    return {
        "name": field.name,
        "type": field.type,
        "label": localized(field, "label", lang),
        "unit": field.unit,
        "domain": [{"code": v.code, "label": localized(v, "label", lang)} for v in field.domain],
        "required": field.required,
        "max_length": field.max_length,
        "minimum": field.minimum,
        "maximum": field.maximum,
    }


def editor_config(layer: LayerDef, reference: list[str], lang: str) -> dict[str, Any]:
    """What the editor's scripts need: the layer's style and schema, its URLs, and the interface texts."""
    tiles = request.script_root + TILE_PATH.split("?", 1)[0]
    return {
        "lang": lang,
        "layer": {
            "id": layer.id,
            "title": layer.title(lang),
            "geometry_type": layer.geometry_type,
            "geometry_kind": layer.geometry_kind,
            "min_zoom": layer.min_zoom,
            "max_zoom": layer.max_zoom,
            "aggregate_below_zoom": layer.aggregate_below_zoom,
            "style": style_config(layer, lang),
            "fields": [_field_schema(f, lang) for f in layer.fields],
        },
        # Unversioned, so a redraw after a save shows the newest data (the browser revalidates by ETag).
        "tile_url": tiles.replace("{ids}", layer.id),
        # Outlines to find one's way on a map without a basemap (the atlas works offline).
        "reference_layers": reference,
        "reference_url": tiles.replace("{ids}", ",".join(reference)) if reference else None,
        "api_url": url_for("api.layer", layer_id=layer.id),
        "bounds": [list(PROVINCE_BOUNDS[0]), list(PROVINCE_BOUNDS[1])],
        "strings": editor_strings(),
    }


def reference_layers(conn: Connection, edited: LayerDef) -> list[str]:
    """The administrative layers drawn as outlines under the edited one (the edited layer itself excluded)."""
    return [layer.id for layer in list_layers(conn) if layer.theme == "admin" and layer.id != edited.id]


def _login_redirect():
    query = f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
    target = urlencode({"next": request.script_root + request.path + query}, safe="/")
    return redirect(url_for("auth.login_form") + "?" + target, code=303)


@bp.get("/edit/<layer_id>")
def editor(layer_id: str):
    """The editor of one layer: its map to draw on, the attribute form, conflicts and history."""
    user = current_user()
    if user is None:
        return _login_redirect()
    conn = request_connection()
    layer = get_layer(conn, layer_id)
    require_editor(user, layer.id)
    config = editor_config(layer, reference_layers(conn, layer), current_language())
    return render_template("edit/editor.html", layer=layer, config=config)
