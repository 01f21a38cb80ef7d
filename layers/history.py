"""The history of features, as the triggers of sql/004_editing.sql record it: versions, who, when, before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef
from layers.features import GEOJSON_DECIMALS

_DECIMALS = sql.Literal(GEOJSON_DECIMALS)
_ENTRY_COLUMNS = sql.SQL(
    "id, fid, version, operation, unconditional, changed_by, changed_at, change_set::text,"
    " before_properties, ST_AsGeoJSON(before_geom, {decimals})::json,"
    " after_properties, ST_AsGeoJSON(after_geom, {decimals})::json"
).format(decimals=_DECIMALS)


@dataclass(frozen=True)
class FeatureState:
    """A feature as it was at one version: its properties and geometry (EWKB hex and GeoJSON)."""

    version: int
    properties: dict[str, Any]
    ewkb: str
    geometry: dict[str, Any]


@dataclass(frozen=True)
class ChangePage:
    """Some of a layer's most recent changes, newest first, and how many there are in all."""

    changes: list[dict[str, Any]]
    total: int


def _side(properties: dict | None, geometry: dict | None) -> dict[str, Any] | None:
    if properties is None and geometry is None:
        return None
    return {"properties": properties, "geometry": geometry}


def _entry(row: tuple, with_shapes: bool = True) -> dict[str, Any]:
    entry_id, fid, version, op, unconditional, who, when, change_set, b_props, b_geom, a_props, a_geom = row
    entry = {
        "id": entry_id,
        "feature_id": fid,
        "version": version,
        "operation": op,
        "unconditional": unconditional,
        "user": who,
        "time": when.isoformat(),
        "change_set": change_set,
    }
    if with_shapes:
        entry["before"] = _side(b_props, b_geom)
        entry["after"] = _side(a_props, a_geom)
    else:
        entry["fields"] = changed_fields(b_props, a_props)
        entry["geometry_changed"] = b_geom != a_geom
    return entry


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    """Names of the properties whose values differ between two states."""
    before, after = before or {}, after or {}
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


def feature_history(conn: Connection, layer: LayerDef, fid: int) -> list[dict[str, Any]]:
    """Every recorded version of the feature, newest first, each with its state before and after.

    Features loaded in bulk have no entry for their first version; it is shown as `initial`,
    taken from the before-state of the first recorded change.
    """
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                "SELECT {} FROM feature_history WHERE layer_id = %s AND fid = %s ORDER BY version DESC, id DESC"
            ).format(_ENTRY_COLUMNS),
            (layer.id, fid),
        )
        entries = [_entry(row) for row in cur.fetchall()]
    if entries and entries[-1]["operation"] != "create" and entries[-1]["before"] is not None:
        first = entries[-1]
        entries.append(
            {
                "id": None,
                "feature_id": fid,
                "version": first["version"] - 1,
                "operation": "initial",
                "unconditional": False,
                "user": None,
                "time": None,
                "change_set": None,
                "before": None,
                "after": first["before"],
            }
        )
    return entries


def layer_changes(conn: Connection, layer: LayerDef, limit: int, offset: int) -> ChangePage:
    """A page of the layer's changes, newest first, naming the fields each one changed."""
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("SELECT {} FROM feature_history WHERE layer_id = %s ORDER BY id DESC LIMIT %s OFFSET %s").format(
                _ENTRY_COLUMNS
            ),
            (layer.id, limit, offset),
        )
        changes = [_entry(row, with_shapes=False) for row in cur.fetchall()]
        cur.execute("SELECT count(*) FROM feature_history WHERE layer_id = %s", (layer.id,))
        (total,) = cur.fetchone()
    return ChangePage(changes, total)


def state_at(conn: Connection, layer: LayerDef, fid: int, version: int) -> FeatureState | None:
    """The feature as it was at `version`: the after-state of that change, else the before-state of the next."""
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("""
            SELECT props, geom, ST_AsGeoJSON(geom, {decimals})::json FROM (
                SELECT after_properties AS props, after_geom AS geom, 0 AS rank FROM feature_history
                WHERE layer_id = %(layer)s AND fid = %(fid)s AND version = %(v)s AND after_geom IS NOT NULL
                UNION ALL
                SELECT before_properties, before_geom, 1 FROM feature_history
                WHERE layer_id = %(layer)s AND fid = %(fid)s AND version = %(v)s + 1 AND before_geom IS NOT NULL
                ORDER BY rank LIMIT 1
            ) s
            """).format(decimals=_DECIMALS),
            {"layer": layer.id, "fid": fid, "v": version},
        )
        row = cur.fetchone()
    if row is None:
        return None
    properties, ewkb, geometry = row
    return FeatureState(version, properties, ewkb, geometry)


def last_version(conn: Connection, layer: LayerDef, fid: int) -> int | None:
    """The highest version the history knows for the feature (its delete included), or None."""
    with conn.cursor() as cur:
        cur.execute("SELECT max(version) FROM feature_history WHERE layer_id = %s AND fid = %s", (layer.id, fid))
        return cur.fetchone()[0]
