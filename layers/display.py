"""One formatting rule per field: values written by their display kind, alike on pages and in exports.

The map's popups follow the same rules in atlas/static/map/atlas-popup.js, from `display_spec`.
Numbers take the separators of the language (1.234,5 in Vietnamese, 1,234.5 in English); a year
is never grouped (1999, not 1.999); a code is written as it is stored.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_decimal

from layers.catalogue import FieldDef

# Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))
# Fraction digits of a decimal whose field names none.
DEFAULT_DIGITS = 3
BABEL_LOCALES = {"vi": "vi_VN", "en": "en_GB"}


def display_spec(field: FieldDef) -> dict[str, Any]:
    """The field's display rule as the map's scripts read it."""
    return {"kind": field.display_kind, "digits": field.digits}


def format_number(value: float | int | None, lang: str, digits: int | None = None) -> str:
    """A number with the language's separators and at most `digits` fraction digits; '—' when missing."""
    if value is None:
        return "—"
    places = DEFAULT_DIGITS if digits is None else digits
    # Rounded half up from the exact binary value, as the browser's toLocaleString rounds in the popups.
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "#" * places if places else "")
    return format_decimal(rounded, format=pattern, locale=BABEL_LOCALES.get(lang, "vi_VN"))


def format_date(value: dt.date | str | None) -> str:
    """A date as dd/mm/yyyy, whatever the language."""
    if value is None or value == "":
        return "—"
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return day.strftime("%d/%m/%Y")


def format_datetime(value: dt.datetime | str | None) -> str:
    """A time as dd/mm/yyyy HH:MM in Vietnam's time."""
    if value is None or value == "":
        return "—"
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM_TIME)
    return moment.strftime("%d/%m/%Y %H:%M")


def format_plain(field: FieldDef, value: Any, lang: str) -> str:
    """A value by the field's display kind, without unit, domain label or yes/no words; '—' when missing."""
    if value is None or value == "":
        return "—"
    kind = field.display_kind
    if kind == "year":
        return str(int(value))
    if kind == "integer":
        return format_number(int(value), lang, 0)
    if kind == "decimal":
        return format_number(value, lang, field.digits)
    if kind == "date":
        return format_date(value)
    if kind == "datetime":
        return format_datetime(value)
    return str(value)


def display_description(field: FieldDef) -> str:
    """The display rule in a word, for the fields list of exports: 'year', 'decimal(2)'."""
    kind = field.display_kind
    return f"{kind}({field.digits})" if kind == "decimal" and field.digits is not None else kind
