"""Which revision of each layer a tile was last changed at, from the tile ranges every change records.

sql/004_editing.sql records, for each change of a layer, the range of tiles at every zoom that
its old and new geometries reach. A tile's content at the layer's current revision is the same
as at the newest change that reached it, so the cache keys tiles by that revision: an edit
re-renders only the tiles it touched, and every other tile stays a cache hit.
"""

from __future__ import annotations

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef
from tiles.cache import LayerRevisions
from tiles.grid import TileAddress
from tiles.render import prepared

# A GiST index (sql/006_tile_change_lookup.sql) finds the few kept ranges that cover the tile; a
# tile no change reached falls back to the layer's base revision. Prepared once per connection:
# planning it costs more than running it.
_TILE_REVISIONS = sql.SQL("""
SELECT l.id, greatest(l.tiles_base_revision, (
    SELECT max(c.revision) FROM tile_change c
    WHERE c.layer_id = l.id AND c.z = $2
      AND box(point(c.x0, c.y0), point(c.x1, c.y1)) @> box(point($3, $4), point($3, $4))))
FROM layer l WHERE l.id = ANY($1)
""")


def tile_revisions(conn: Connection, layers: list[LayerDef], tile: TileAddress) -> LayerRevisions:
    """For each layer, in order, the revision at which this tile's content last changed."""
    name = prepared(conn, "tile_revisions", "text[], smallint, float8, float8", _TILE_REVISIONS)
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("EXECUTE {} (%s, %s, %s, %s)").format(name),
            ([layer.id for layer in layers], tile.z, tile.x, tile.y),
        )
        changed_at = dict(cur.fetchall())
    return tuple((layer.id, changed_at[layer.id]) for layer in layers)


def layer_revisions(layers: list[LayerDef]) -> LayerRevisions:
    """Each layer with its current revision: the key a versioned tile URL (`?v=`) stands for."""
    return tuple((layer.id, layer.revision) for layer in layers)
