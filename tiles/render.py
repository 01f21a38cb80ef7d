"""Rendering tiles: each layer's prepared statement, concatenated into one MVT."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass

from psycopg2 import errors, sql
from psycopg2.extensions import connection as Connection

from layers.access import PUBLIC, Access
from layers.catalogue import LayerDef
from layers.errors import AtlasError
from tiles.grid import TileAddress
from tiles.layer_sql import layer_tile_query


class TileTimeout(AtlasError):
    """A tile took longer than the tile statement timeout."""

    status = 503
    code = "tile_timeout"


# Names of the statements prepared on each connection; prepared statements live as long
# as the database session, so each pooled connection plans a statement once.
_prepared: weakref.WeakKeyDictionary[Connection, set[str]] = weakref.WeakKeyDictionary()


def prepared(conn: Connection, name: str, arg_types: str, text: sql.Composable) -> sql.Identifier:
    """The name of `text` prepared on this connection (prepared now on first use)."""
    names = _prepared.setdefault(conn, set())
    if name not in names:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("PREPARE {} ({}) AS ").format(sql.Identifier(name), sql.SQL(arg_types)) + text)
        names.add(name)
    return sql.Identifier(name)


def _prepare(conn: Connection, layer: LayerDef, z: int, access: Access) -> sql.Identifier:
    query = layer_tile_query(layer, z, access)
    return prepared(conn, query.name, "integer, integer, integer", query.text)


@dataclass(frozen=True)
class RenderedTile:
    """The MVT bytes of a tile and how long each layer took to draw."""

    body: bytes
    seconds: dict[str, float]


def render_tile(
    conn: Connection, layers: list[LayerDef], tile: TileAddress, timeout_ms: int, access: Access = PUBLIC
) -> RenderedTile:
    """The MVT bytes of the tile as the audience sees it, one MVT layer per atlas layer drawn at this zoom."""
    parts: list[bytes] = []
    seconds: dict[str, float] = {}
    try:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL statement_timeout = %s", (timeout_ms,))
            for layer in layers:
                if not layer.min_zoom <= tile.z <= layer.max_zoom:
                    continue
                name = _prepare(conn, layer, tile.z, access)
                started = time.perf_counter()
                cur.execute(sql.SQL("EXECUTE {} (%s, %s, %s)").format(name), (tile.z, tile.x, tile.y))
                parts.append(bytes(cur.fetchone()[0] or b""))
                seconds[layer.id] = time.perf_counter() - started
    except errors.QueryCanceled as exc:
        conn.rollback()
        raise TileTimeout("This tile took too long to draw; please try again shortly.") from exc
    finally:
        if not conn.closed:
            conn.rollback()
    return RenderedTile(b"".join(parts), seconds)
