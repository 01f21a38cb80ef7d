"""Drawing tiles in one round trip: one prepared statement per set of layers reads the tile's
catalogue state and, when asked to, every layer's MVT bytes, concatenated into one tile.

The statements run on the tile sessions of atlas/db.py (autocommit, the tile timeout as their
statement timeout), so a tile is a single EXECUTE: no BEGIN, SET or ROLLBACK around it.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.access import PUBLIC, Access
from layers.catalogue import LayerDef
from layers.errors import AtlasError
from tiles.changes import TileState, tile_state, tile_state_query
from tiles.grid import TileAddress
from tiles.layer_sql import layer_tile_query

# Statements kept prepared per session; a client combining layers in ever new ways costs the
# server at most this many plans per session.
MAX_PREPARED = 96
_STATEMENTS_KEPT = 1024


class TileTimeout(AtlasError):
    """A tile took longer than the tile statement timeout."""

    status = 503
    code = "tile_timeout"


@dataclass(frozen=True)
class TileStatement:
    """A prepared tile statement: its name, its text ($1..$3 = z, x, y), and which layers it draws."""

    name: str
    text: sql.Composed
    drawn: tuple[str, ...]

    @property
    def execute(self) -> str:
        """The EXECUTE of this statement with z, x and y left to bind."""
        return f'EXECUTE "{self.name}" (%s, %s, %s)'


@dataclass(frozen=True)
class DrawnTile:
    """The MVT bytes of a tile (b'' when empty), the state it was read at, and how long the statement took.

    `state` is None when a layer has left the catalogue since its definition was read.
    """

    body: bytes
    state: TileState | None
    seconds: float


def _drawn_kind(layer: LayerDef, z: int) -> int:
    """0: not drawn at z; 1: drawn from grid cells; 2: drawn from features."""
    if not layer.min_zoom <= z <= layer.max_zoom:
        return 0
    return 1 if layer.aggregate_below_zoom is not None and z < layer.aggregate_below_zoom else 2


def _build(layers: list[LayerDef], z: int, draw: bool, access: Access) -> TileStatement:
    ids = tuple(layer.id for layer in layers)
    parts = [layer_tile_query(layer, z, access) for layer in layers if draw and _drawn_kind(layer, z)]
    columns = sql.SQL("").join(sql.SQL(", ({})").format(part.text) for part in parts)
    text = sql.SQL("SELECT state.row_versions, state.revisions, state.changed_at{} FROM {}").format(
        columns, tile_state_query(ids)
    )
    signature = "|".join((",".join(ids), *(part.name for part in parts)))
    name = f"{'tile' if draw else 'tile_state'}_{hashlib.sha1(signature.encode()).hexdigest()[:20]}"
    return TileStatement(name, text, tuple(layer.id for layer in layers if draw and _drawn_kind(layer, z)))


# Built statements by (layer ids, row versions, kind per layer, draw, audience): no statement is composed
# on the hot path, and a definition that changed (a new row version) gets a statement of its own.
_statements: OrderedDict[tuple, TileStatement] = OrderedDict()
_statements_lock = threading.Lock()


def tile_statement(
    layers: list[LayerDef], row_versions: tuple[str, ...], z: int, draw: bool, access: Access = PUBLIC
) -> TileStatement:
    """The statement reading the state of the tile's layers, and with `draw` their MVT bytes for the audience."""
    kinds = tuple(_drawn_kind(layer, z) for layer in layers)
    key = (tuple(layer.id for layer in layers), row_versions, kinds, draw, access.name)
    with _statements_lock:
        statement = _statements.get(key)
        if statement is not None:
            _statements.move_to_end(key)
            return statement
    statement = _build(layers, z, draw, access)
    with _statements_lock:
        _statements[key] = statement
        while len(_statements) > _STATEMENTS_KEPT:
            _statements.popitem(last=False)
    return statement


# Names prepared on each session, oldest first; prepared statements live as long as the session.
_prepared: weakref.WeakKeyDictionary[Connection, OrderedDict[str, None]] = weakref.WeakKeyDictionary()


def _ensure_prepared(conn: Connection, statement: TileStatement) -> None:
    names = _prepared.setdefault(conn, OrderedDict())
    if statement.name in names:
        names.move_to_end(statement.name)
        return
    command = sql.SQL("PREPARE {} (integer, integer, integer) AS ").format(sql.Identifier(statement.name))
    command += statement.text
    with conn.cursor() as cur:
        while len(names) >= MAX_PREPARED:
            oldest, _ = names.popitem(last=False)
            cur.execute(sql.SQL("DEALLOCATE {}").format(sql.Identifier(oldest)))
        cur.execute(command)
    names[statement.name] = None


def run_tile_statement(
    conn: Connection, statement: TileStatement, layer_ids: tuple[str, ...], tile: TileAddress
) -> DrawnTile:
    """Execute the statement for the tile (b'' as its bytes when the statement only reads the state)."""
    _ensure_prepared(conn, statement)
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(statement.execute, (tile.z, tile.x, tile.y))
        row = cur.fetchone()
    seconds = time.perf_counter() - started
    body = b"".join(part for part in row[3:] if part is not None)
    return DrawnTile(body, tile_state(layer_ids, row), seconds)
