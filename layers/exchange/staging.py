"""Imports that set all of a layer's rows go into a fresh copy of its table, swapped in before commit.

A GiST index grown row by row costs several times what one build over the finished table costs
(PostGIS sorts the rows first): for 201,500 polygons and the two spatial indexes, 15.7 s against
2.0 s in one run. So when an import leaves none of the old rows (replace mode, or an append into an
empty layer), its rows go into a copy of the table with the same columns, constraints and triggers
but no indexes; the indexes are built once; and the copy takes the table's place at the end.

- Readers keep reading the old rows until the swap, which holds its exclusive lock for
  milliseconds; a reader that waited on it then reads the new table. Should a reader keep the
  table all along (a long export), the rows are moved into it instead, the slow way.
- Writers wait from the start (the old table is locked against writes), so no edit made during
  the import lands in a table that is then dropped; the edit goes on against the new rows.
- History and tile changes are recorded by the same triggers as ever: the delete of replace
  mode on the old table, the COPY on the copy. The low-zoom cells are counted once from the
  copy into a table of their own, indexed once and swapped in beside the layer's table,
  instead of being subtracted row by row and added again.
"""

from __future__ import annotations

import secrets
import time

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import DATA_SCHEMA, LayerDef
from layers.errors import Conflict
from layers.generalise import cells_identifier, install_cell_triggers, place_cells, set_cell_triggers, stage_cells
from layers.tables import layer_indexes, table_identifier

# The swap's exclusive lock is asked for briefly and often: readers arriving meanwhile wait behind
# the request, so each try is short. A reader that keeps the table the whole time (a long export)
# makes the import move its rows into the table instead, the slower way.
SWAP_TRIES = 10
SWAP_WAIT = "100ms"
SWAP_PAUSE_S = 0.2
# How long the import waits for edits in flight before it locks the layer against writes.
WRITERS_WAIT = "10s"


def staged(conn: Connection, mode: str, layer: LayerDef) -> bool:
    """Whether none of the layer's rows outlives the import (replace mode, or an empty layer), so that it
    goes through a copy; if so, the layer is locked against writes until commit and its cells wait."""
    if mode != "replace" and not _empty(conn, layer):
        return False
    _hold_writers(conn, layer)
    # An edit may have added a feature between the look and the lock: then the rows go in as ever.
    if mode != "replace" and not _empty(conn, layer):
        return False
    set_cell_triggers(conn, layer, enabled=False)  # counted once at the end (swap_in)
    return True


def _empty(conn: Connection, layer: LayerDef) -> bool:
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT NOT EXISTS (SELECT FROM {})").format(table_identifier(layer)))
        return bool(cur.fetchone()[0])


def _try_lock(conn: Connection, statement: sql.Composable, wait: str) -> bool:
    """Run a statement that takes a table lock, waiting at most `wait`; whether it ran."""
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('lock_timeout')")
        before = cur.fetchone()[0]
        cur.execute("SAVEPOINT staging_lock")
        cur.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(wait)))
        try:
            cur.execute(statement)
        except psycopg2.errors.LockNotAvailable:
            cur.execute("ROLLBACK TO SAVEPOINT staging_lock")  # also undoes the SET LOCAL
            return False
        cur.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(before)))
        cur.execute("RELEASE SAVEPOINT staging_lock")
        return True


def _hold_writers(conn: Connection, layer: LayerDef) -> None:
    """Lock the layer's table against writes (not reads) until commit."""
    statement = sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table_identifier(layer))
    if not _try_lock(conn, statement, WRITERS_WAIT):
        raise Conflict(f"Features of '{layer.id}' are being edited; try the import again in a moment.")


def create_copy(conn: Connection, layer: LayerDef) -> sql.Identifier:
    """An empty copy of the layer's table, with its triggers but the cells' and without indexes; fids continue."""
    table = table_identifier(layer)
    copy = sql.Identifier(DATA_SCHEMA, f"import_{secrets.token_hex(6)}")
    with conn.cursor() as cur:
        # Constraint names are copied as they are, so a refused row names the layer's own constraint.
        cur.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL EXCLUDING INDEXES)").format(copy, table))
        cur.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'fid'), nextval(pg_get_serial_sequence(%s, 'fid')))",
            (copy.as_string(conn), table.as_string(conn)),
        )
        cur.execute("SELECT atlas_install_layer_triggers(%s, %s)", (layer.id, copy.as_string(conn)))
    return copy


def swap_in(conn: Connection, layer: LayerDef, copy: sql.Identifier) -> None:
    """Index the filled copy, then let it take the layer table's place (or, failing the lock, move its rows)."""
    temporary = copy.strings[1]
    indexes = layer_indexes(conn, layer)
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY (fid)").format(
                copy, sql.Identifier(f"{temporary}_pkey")
            )
        )
        for number, (_name, definition) in enumerate(indexes):
            cur.execute(
                sql.SQL("CREATE INDEX {} ON {} {}").format(sql.Identifier(f"{temporary}_{number}"), copy, definition)
            )
        cur.execute(sql.SQL("ANALYZE {}").format(copy))
    # One count of the new rows costs less than subtracting every old row and adding every new one.
    cells = stage_cells(conn, layer, copy)
    sequence_name = _sequence(conn, table_identifier(layer))[1]
    dropped = _drop_layer_tables(conn, layer, with_cells=cells is not None)
    if dropped:
        _rename(conn, layer, copy, [name for name, _d in indexes], sequence_name)
        install_cell_triggers(conn, layer, table_identifier(layer))
    else:
        _move_rows(conn, layer, copy)
        set_cell_triggers(conn, layer, enabled=True)
    if cells is not None:
        place_cells(conn, layer, cells, old_dropped=dropped)


def _drop_layer_tables(conn: Connection, layer: LayerDef, with_cells: bool) -> bool:
    """Drop the layer's table (and its cells'), in a few short tries for their exclusive locks; whether done."""
    tables = [table_identifier(layer)] + ([cells_identifier(layer)] if with_cells else [])
    drop = sql.SQL("DROP TABLE {}").format(sql.SQL(", ").join(tables))
    for attempt in range(SWAP_TRIES):
        if attempt:
            time.sleep(SWAP_PAUSE_S)
        if _try_lock(conn, drop, SWAP_WAIT):
            return True
    return False


def _rename(conn: Connection, layer: LayerDef, copy: sql.Identifier, index_names: list[str], sequence: str) -> None:
    """Give the copy, its key, its indexes and its fid sequence the names the dropped table's had."""
    temporary = copy.strings[1]
    table = table_identifier(layer)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(copy, sql.Identifier(layer.id)))
        cur.execute(
            sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
                table, sql.Identifier(f"{temporary}_pkey"), sql.Identifier(f"{layer.id}_pkey")
            )
        )
        for number, name in enumerate(index_names):
            cur.execute(
                sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                    sql.Identifier(DATA_SCHEMA, f"{temporary}_{number}"), sql.Identifier(name)
                )
            )
        cur.execute(
            sql.SQL("ALTER SEQUENCE {} RENAME TO {}").format(
                sql.Identifier(*_sequence(conn, table)), sql.Identifier(sequence)
            )
        )


def _move_rows(conn: Connection, layer: LayerDef, copy: sql.Identifier) -> None:
    """The copy's rows into the layer's table as they are (history is recorded, cells counted already)."""
    table = table_identifier(layer)
    columns = sql.SQL(", ").join(
        sql.Identifier(name)
        for name in ["fid", *(f.name for f in layer.fields), "geom", "version", "updated_at", "updated_by"]
    )
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('atlas.history', true)")
        history = cur.fetchone()[0] or ""
        cur.execute("SELECT set_config('atlas.history', 'off', true)")
        cur.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(table, columns, columns, copy))
        cur.execute("SELECT set_config('atlas.history', %s, true)", (history,))
        cur.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'fid'), greatest(nextval(pg_get_serial_sequence(%s, 'fid')),"
            " nextval(pg_get_serial_sequence(%s, 'fid'))))",
            (table.as_string(conn), table.as_string(conn), copy.as_string(conn)),
        )
        cur.execute(sql.SQL("DROP TABLE {}").format(copy))


def _sequence(conn: Connection, table: sql.Identifier) -> tuple[str, str]:
    """Schema and name of the sequence behind the table's fid."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT n.nspname, s.relname FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace"
            " WHERE s.oid = pg_get_serial_sequence(%s, 'fid')::regclass",
            (table.as_string(conn),),
        )
        schema, name = cur.fetchone()
    return schema, name
