"""A station's readings table as CSV: UTF-8 with a BOM, so spreadsheets read the Vietnamese headers."""

from __future__ import annotations

import csv
import io

from layers.measurements import Readings


def readings_csv(readings: Readings, lang: str, date_header: str) -> bytes:
    """One row per sampling date (ISO dates), one column per parameter headed with its label and unit."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([date_header] + [f"{s.parameter.label(lang)} ({s.parameter.unit})" for s in readings.series])
    for day, values in readings.rows:
        # Numbers as the database holds them (a dot for decimals), for sums and charts in any spreadsheet.
        writer.writerow([day.isoformat()] + ["" if v is None else repr(v) for v in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
