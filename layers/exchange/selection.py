"""Which features an export takes: a WGS 84 bbox, a commune, and equality on the layer's own fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import Access, generalises, geometry_sql, value_sql, within_envelope_sql
from layers.catalogue import LayerDef, get_layer
from layers.errors import InvalidInput
from layers.features import BBox
from layers.tables import table_identifier
from layers.validation import check_value

# The commune filter reads the communes layer; its code field is the official 5-digit code.
COMMUNES_LAYER = "communes"
COMMUNE_CODE_FIELD = "code"


@dataclass(frozen=True)
class Selection:
    """The filters of one export; every part is optional and they combine with AND."""

    bbox: BBox | None = None
    commune: str | None = None
    equals: tuple[tuple[str, Any], ...] = ()


def parse_equals(layer: LayerDef, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, Any], ...]:
    """Field filters as stored values, checked like edits; unknown fields or bad values raise InvalidInput."""
    checked: list[tuple[str, Any]] = []
    unknown = [name for name, _ in pairs if layer.field(name) is None]
    if unknown:
        names = ", ".join(sorted({n[:40] for n in unknown}))
        raise InvalidInput(f"Unknown parameter(s) for layer '{layer.id}': {names}.", details={"unknown": unknown})
    for name, raw in pairs:
        field_def = layer.field(name)
        assert field_def is not None
        value: Any = raw
        if field_def.type in ("integer", "number"):
            value = _number(raw, name)
        elif field_def.type == "boolean":
            value = {"true": True, "false": False}.get(raw.lower(), raw)
        stored, problem = check_value(field_def, value)
        if problem is not None or stored is None:
            message = problem.message("en") if problem else "A value is needed."
            raise InvalidInput(f"{name}={raw[:40]!r} cannot be used: {message}")
        checked.append((name, stored))
    return tuple(checked)


def _number(raw: str, name: str) -> float | int:
    try:
        number = float(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a number (got '{raw[:40]}').") from None
    return int(number) if number.is_integer() and "." not in raw else number


def check_commune(conn: Connection, code: str) -> None:
    """Raise InvalidInput unless the communes layer has a commune with this code."""
    communes = get_layer(conn, COMMUNES_LAYER)
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("SELECT 1 FROM {} WHERE {} = %s").format(
                table_identifier(communes), sql.Identifier(COMMUNE_CODE_FIELD)
            ),
            (code,),
        )
        if cur.fetchone() is None:
            raise InvalidInput(f"There is no commune with code '{code[:20]}' (see /api/layers/communes/features).")


def _bbox_sql(layer: LayerDef, access: Access) -> tuple[sql.Composable, int]:
    envelope = sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s, 4326)")
    if generalises(layer, access):
        # The public's positions are grid-cell centres (points), for which && is the intersection.
        return within_envelope_sql(layer, access, envelope, "t")
    return sql.SQL("ST_Intersects(t.geom, {})").format(envelope), 1


def where_clause(
    conn: Connection, layer: LayerDef, selection: Selection, access: Access
) -> tuple[sql.Composable, list[Any]]:
    """The WHERE clause (possibly empty) and its parameters for the layer's table, aliased `t`.

    Filters test what the audience sees (public positions, withheld values as missing), so
    no answer tells the public more than the features it gets.
    """
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    if selection.bbox is not None:
        b = selection.bbox
        within, copies = _bbox_sql(layer, access)
        clauses.append(within)
        params += [b.min_lon, b.min_lat, b.max_lon, b.max_lat] * copies
    if selection.commune is not None:
        communes = get_layer(conn, COMMUNES_LAYER)
        clauses.append(
            sql.SQL("EXISTS (SELECT 1 FROM {} c WHERE c.{} = %s AND ST_Intersects(c.geom, {}))").format(
                table_identifier(communes), sql.Identifier(COMMUNE_CODE_FIELD), geometry_sql(layer, access, "t")
            )
        )
        params.append(selection.commune)
    for name, value in selection.equals:
        field_def = layer.field(name)
        assert field_def is not None  # parse_equals admits the layer's own fields only
        clauses.append(sql.SQL("{} = %s").format(value_sql(layer, field_def, access, "t")))
        params.append(value)
    if not clauses:
        return sql.SQL(""), params
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses), params


def count_selected(conn: Connection, layer: LayerDef, selection: Selection, access: Access) -> int:
    """How many features of the layer the selection takes."""
    where, params = where_clause(conn, layer, selection, access)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {} t").format(table_identifier(layer)) + where, params)
        (count,) = cur.fetchone()
    return count


def commune_choices(conn: Connection) -> list[tuple[str, str]]:
    """Every commune's code and name, by name, for the export page's list."""
    communes = get_layer(conn, COMMUNES_LAYER)
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("SELECT {}, name FROM {} ORDER BY name, 1").format(
                sql.Identifier(COMMUNE_CODE_FIELD), table_identifier(communes)
            )
        )
        return [(code, name) for code, name in cur.fetchall()]
