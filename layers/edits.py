"""Writing features: create, replace, merge-patch, delete and revert, each one guarded by the version it is based on.

Every write runs at READ COMMITTED as one guarded statement (`UPDATE … WHERE fid = … AND
version = … RETURNING`), so two editors racing for one feature end in one success and one
conflict, never a serialization failure. Versions, times and the history rows come from the
triggers of sql/004_editing.sql, in the same transaction as the write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.extensions
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import OFFICIAL
from layers.accounts import User
from layers.catalogue import LayerDef
from layers.errors import FeatureNotFound, InvalidFeature, NotFound, VersionConflict
from layers.features import feature_columns, feature_from_row, get_feature
from layers.history import changed_fields, last_version, state_at
from layers.tables import table_identifier
from layers.validation import CheckedGeometry, Problem, check_feature_geometry, check_properties, invalid

# Members a Feature may carry besides properties and geometry, ignored on writes: what a read or
# a write returned (so it can be sent back as it came) and GeoJSON's own bbox.
FEATURE_MEMBERS = {
    "type",
    "id",
    "properties",
    "geometry",
    "version",
    "updated_at",
    "updated_by",
    "links",
    "notices",
    "bbox",
}


@dataclass(frozen=True)
class WriteResult:
    """A feature after a write (None once deleted), its version, and notices about what was adjusted."""

    feature: dict[str, Any] | None
    version: int
    notices: tuple[Problem, ...] = ()


@contextmanager
def write_transaction(
    conn: Connection, user: User, operation: str | None = None, *, unconditional: bool = False
) -> Iterator[None]:
    """One READ COMMITTED transaction that commits the write and its history together, or neither."""
    conn.rollback()  # end the request's read snapshot: a write must see the latest committed rows
    conn.isolation_level = psycopg2.extensions.ISOLATION_LEVEL_READ_COMMITTED
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT set_config('atlas.user', %s, true), set_config('atlas.operation', %s, true),"
                " set_config('atlas.unconditional', %s, true), set_config('atlas.change_set', %s, true)",
                (user.name, operation or "", "true" if unconditional else "false", str(uuid.uuid4())),
            )
        yield
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.isolation_level = psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ


def _checked(
    conn: Connection, layer: LayerDef, body: Any, *, partial: bool, repair: bool
) -> tuple[dict[str, Any], CheckedGeometry | None]:
    """The body's properties and geometry as they will be stored; InvalidFeature (422) with every problem."""
    problems: dict[str, Problem] = {}
    if not isinstance(body, Mapping):
        raise InvalidFeature("The body must be a GeoJSON Feature object.")
    for member in body:
        if member not in FEATURE_MEMBERS:
            problems[str(member)[:64]] = Problem("unknown")
    values, field_problems = check_properties(layer, body.get("properties", {} if partial else None), partial=partial)
    problems.update(field_problems)
    geometry: CheckedGeometry | None = None
    if not partial or "geometry" in body:
        checked = check_feature_geometry(conn, layer, body.get("geometry"), repair)
        if isinstance(checked, Problem):
            problems["geometry"] = checked
        else:
            geometry = checked
    if problems:
        raise invalid(problems)
    return values, geometry


def _assignments(values: Mapping[str, Any], geometry: CheckedGeometry | None) -> tuple[list[sql.Composable], list]:
    columns = [sql.SQL("{} = %s").format(sql.Identifier(name)) for name in values]
    params = list(values.values())
    if geometry is not None:
        columns.append(sql.SQL("geom = %s::geometry"))
        params.append(geometry.ewkb)
    return columns, params


def _constraint_column(conn: Connection, layer: LayerDef, constraint: str) -> str | None:
    """The one column a constraint of the layer's table checks, as PostgreSQL's catalogue records it."""
    conn.rollback()  # the refused statement aborted the transaction, which is rolled back in any case
    with conn.cursor() as cur:
        cur.execute(
            "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a"
            " ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
            " WHERE c.conrelid = %s::regclass AND c.conname = %s",
            (table_identifier(layer).as_string(conn), constraint),
        )
        columns = [name for (name,) in cur.fetchall()]
    return columns[0] if len(columns) == 1 else None


def database_refusal(conn: Connection, layer: LayerDef, exc: psycopg2.Error) -> InvalidFeature:
    """A CHECK, NOT NULL or type error from the database, named by its field (a 422, never a 500)."""
    column = exc.diag.column_name
    if column is None and exc.diag.constraint_name:
        # PostgreSQL names the column only for NOT NULL; a CHECK is traced through its constraint.
        column = _constraint_column(conn, layer, exc.diag.constraint_name)
    name = column if column and (layer.field(column) or column == "geom") else "feature"
    return invalid({"geometry" if name == "geom" else name: Problem("database")})


@contextmanager
def _refusals_as_422(conn: Connection, layer: LayerDef) -> Iterator[None]:
    try:
        yield
    except (psycopg2.IntegrityError, psycopg2.DataError) as exc:
        raise database_refusal(conn, layer, exc) from exc


def _conflict_or_missing(
    conn: Connection, layer: LayerDef, fid: int, expected: int | None
) -> NotFound | VersionConflict:
    """Why a guarded statement changed no row: the feature is gone, or it moved past `expected`."""
    try:
        current = get_feature(conn, layer, fid, OFFICIAL)
    except FeatureNotFound as missing:
        return missing
    return version_conflict(conn, layer, current, expected)


def version_conflict(
    conn: Connection, layer: LayerDef, current: dict[str, Any], expected: int | None
) -> VersionConflict:
    """The 412 error: the current feature and, field by field, what changed since the caller's version."""
    theirs = state_at(conn, layer, current["id"], expected) if expected is not None else None
    changes: list[dict[str, Any]] = []
    if theirs is not None:
        for name in changed_fields(theirs.properties, current["properties"]):
            changes.append(
                {"field": name, "yours": theirs.properties.get(name), "current": current["properties"].get(name)}
            )
        if theirs.geometry != current["geometry"]:
            changes.append({"field": "geometry", "yours": theirs.geometry, "current": current["geometry"]})
    since = f"since version {expected}" if expected is not None else "while this write waited"
    return VersionConflict(
        f"Feature {current['id']} was changed by {current.get('updated_by') or 'someone else'} {since};"
        f" it is now at version {current['version']}.",
        details={"current": current, "changes": changes, "changes_known": theirs is not None},
    )


def create_feature(conn: Connection, layer: LayerDef, body: Any, user: User, *, repair: bool = False) -> WriteResult:
    """Add a feature; its id comes from the database, never from the body."""
    with write_transaction(conn, user):
        values, geometry = _checked(conn, layer, body, partial=False, repair=repair)
        assert geometry is not None
        names = [sql.Identifier(n) for n in values] + [sql.Identifier("geom")]
        marks = [sql.SQL("%s")] * len(values) + [sql.SQL("%s::geometry")]
        statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING {}").format(
            table_identifier(layer), sql.SQL(", ").join(names), sql.SQL(", ").join(marks), feature_columns(layer)
        )
        with _refusals_as_422(conn, layer), conn.cursor() as cur:
            cur.execute(statement, [*values.values(), geometry.ewkb])
            feature = feature_from_row(cur.fetchone())
    return WriteResult(feature, feature["version"], geometry.notices)


def _guarded_update(
    conn: Connection,
    layer: LayerDef,
    fid: int,
    values: Mapping[str, Any],
    geometry: CheckedGeometry | None,
    expected: int | None,
) -> dict[str, Any]:
    """UPDATE the row (only when still at `expected`, unless None) and return the feature as it now is.

    RETURNING gives the stored row (version and time as the triggers set them) in the same round
    trip; the layer row the triggers lock is then held only until the commit.
    """
    columns, params = _assignments(values, geometry)
    guard = sql.SQL(" AND version = %s") if expected is not None else sql.SQL("")
    statement = sql.SQL("UPDATE {} SET {} WHERE fid = %s{} RETURNING {}").format(
        table_identifier(layer), sql.SQL(", ").join(columns), guard, feature_columns(layer)
    )
    with _refusals_as_422(conn, layer), conn.cursor() as cur:
        cur.execute(statement, [*params, fid, *([expected] if expected is not None else [])])
        updated = cur.fetchone()
    if updated is None:
        raise _conflict_or_missing(conn, layer, fid, expected)
    return feature_from_row(updated)


def replace_feature(
    conn: Connection, layer: LayerDef, fid: int, body: Any, user: User, expected: int | None, *, repair: bool = False
) -> WriteResult:
    """PUT: every field and the geometry, from the body; fields it leaves out become empty (None: `If-Match: *`)."""
    with write_transaction(conn, user):
        values, geometry = _checked(conn, layer, body, partial=False, repair=repair)
        feature = _guarded_update(conn, layer, fid, values, geometry, expected)
    return WriteResult(feature, feature["version"], geometry.notices if geometry else ())


def patch_feature(
    conn: Connection, layer: LayerDef, fid: int, patch: Any, user: User, expected: int | None, *, repair: bool = False
) -> WriteResult:
    """PATCH (RFC 7396 merge patch): only the members sent change; without `expected` no version is checked."""
    if isinstance(patch, Mapping) and patch.get("properties") is None and "properties" in patch:
        raise invalid({"properties": Problem("not_object")})
    with write_transaction(conn, user, unconditional=expected is None):
        values, geometry = _checked(conn, layer, patch, partial=True, repair=repair)
        if not values and geometry is None:
            current = get_feature(conn, layer, fid, OFFICIAL)
            if expected is not None and current["version"] != expected:
                raise version_conflict(conn, layer, current, expected)
            return WriteResult(current, current["version"])
        feature = _guarded_update(conn, layer, fid, values, geometry, expected)
    return WriteResult(feature, feature["version"], geometry.notices if geometry else ())


def delete_feature(conn: Connection, layer: LayerDef, fid: int, user: User, expected: int | None) -> WriteResult:
    """DELETE the feature if it is still at `expected` (None: `If-Match: *`); its last state stays in the history."""
    guard = sql.SQL(" AND version = %s") if expected is not None else sql.SQL("")
    statement = sql.SQL("DELETE FROM {} WHERE fid = %s{} RETURNING version").format(table_identifier(layer), guard)
    with write_transaction(conn, user), conn.cursor() as cur:
        cur.execute(statement, [fid, *([expected] if expected is not None else [])])
        deleted = cur.fetchone()
        if deleted is None:
            raise _conflict_or_missing(conn, layer, fid, expected)
    return WriteResult(None, deleted[0] + 1)


def revert_feature(
    conn: Connection, layer: LayerDef, fid: int, to_version: int, user: User, expected: int | None
) -> WriteResult:
    """Bring back the feature as it was at `to_version`, as a new version; restores a deleted feature too."""
    with write_transaction(conn, user, "revert", unconditional=expected is None):
        state = state_at(conn, layer, fid, to_version)
        if state is None:
            raise NotFound(f"The history of feature {fid} has no version {to_version} to go back to.")
        kept = {f.name: state.properties.get(f.name) for f in layer.fields}
        values, problems = check_properties(layer, kept, partial=False)
        if problems:
            raise invalid(problems)
        geometry = CheckedGeometry(state.ewkb)
        if _exists(conn, layer, fid):
            feature = _guarded_update(conn, layer, fid, values, geometry, expected)
        else:
            feature = _restore(conn, layer, fid, values, geometry, expected)
    return WriteResult(feature, feature["version"])


def _exists(conn: Connection, layer: LayerDef, fid: int) -> bool:
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT 1 FROM {} WHERE fid = %s").format(table_identifier(layer)), (fid,))
        return cur.fetchone() is not None


def _restore(
    conn: Connection,
    layer: LayerDef,
    fid: int,
    values: Mapping[str, Any],
    geometry: CheckedGeometry,
    expected: int | None,
) -> dict:
    """Insert a deleted feature again under its own id, numbered after its delete."""
    version = (last_version(conn, layer, fid) or 0) + 1
    names = [sql.Identifier(n) for n in values] + [sql.Identifier(n) for n in ("geom", "fid", "version")]
    marks = [sql.SQL("%s")] * len(values) + [sql.SQL("%s::geometry"), sql.SQL("%s"), sql.SQL("%s")]
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING {}").format(
        table_identifier(layer), sql.SQL(", ").join(names), sql.SQL(", ").join(marks), feature_columns(layer)
    )
    with _refusals_as_422(conn, layer), conn.cursor() as cur:
        try:
            cur.execute(statement, [*values.values(), geometry.ewkb, fid, version])
        except psycopg2.errors.UniqueViolation:
            # Another revert brought the feature back first: this one waited on the key and lost.
            conn.rollback()
            raise _conflict_or_missing(conn, layer, fid, expected) from None
        return feature_from_row(cur.fetchone())
