"""The crosswalk of a shapefile export: each DBF short name with the full name, labels, type and unit."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from layers.display import display_description
from layers.exchange.columns import DBF_TEXT_BYTES, Column

HEADER = ("short_name", "full_name", "label_vi", "label_en", "type", "unit", "values_cut_to_254_bytes", "display")
# The columns every export adds, with the labels the layer's own fields get from the catalogue.
SYSTEM_LABELS = {
    "feature_id": ("Mã đối tượng trong atlas", "Feature id in the atlas"),
    "version": ("Phiên bản của đối tượng", "Feature version"),
    "updated_at": ("Cập nhật lần cuối (ISO 8601, giờ Việt Nam)", "Last updated (ISO 8601, Vietnam time)"),
}
# How each atlas type is written in the DBF, said in the crosswalk so nobody has to guess.
DBF_TYPES = {
    "text": f"text (DBF C, ≤ {DBF_TEXT_BYTES} bytes UTF-8)",
    "integer": "integer (DBF N)",
    "integer64": "integer (DBF N)",
    "number": "decimal (DBF N)",
    "date": "date (DBF D)",
    "datetime": "timestamp as ISO 8601 text (DBF C)",
    "boolean": "boolean (DBF L)",
}


def crosswalk_csv(columns: list[Column], short: Mapping[str, str], truncated: Mapping[str, int]) -> bytes:
    """The crosswalk as UTF-8 CSV (with a BOM, so spreadsheets read the Vietnamese labels)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for column in columns:
        if column.field is not None:
            label_vi, label_en, unit = column.field.label_vi, column.field.label_en, column.field.unit or ""
        else:
            (label_vi, label_en), unit = SYSTEM_LABELS[column.name], ""
        cut = str(truncated.get(column.name, 0)) if column.type == "text" else ""
        # How the atlas writes the values (a year is not a quantity), for whoever formats the table.
        shown = display_description(column.field) if column.field is not None else ""
        row = (short[column.name], column.name, label_vi, label_en, DBF_TYPES[column.type], unit, cut, shown)
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
