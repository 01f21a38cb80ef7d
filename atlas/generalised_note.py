"""The one note that tells the public a record is shown on its grid cell (popup, feature page, OGC item page)."""

from __future__ import annotations

from flask_babel import gettext as _

from atlas.i18n import current_language
from layers import display

# The popup writes the cell's width itself (atlas-popup.js), in place of this mark.
KM_MARK = "{km}"


def generalised_note(km: str) -> str:
    """The note in the current language, with the cell's width `km` as written (or KM_MARK for the map)."""
    return _(
        "Loài nguy cấp: vị trí được làm thô tới tâm ô lưới %(km)s km và một số thuộc tính được ẩn để bảo vệ loài."
        " Cán bộ đăng nhập xem được vị trí chính xác.",
        km=km,
    )


def cell_note(generalised_m: int) -> str:
    """The note for a record generalised to a cell `generalised_m` metres wide (the feature's own value)."""
    # One fraction digit, as the popup's toLocaleString writes it.
    return generalised_note(display.format_number(generalised_m / 1000, current_language(), digits=1))
