"""Which revision of each layer a tile was last changed at, from the tile ranges every change records.

sql/004_editing.sql records, for each change of a layer, the range of tiles at every zoom that
its old and new geometries reach. A tile's content at the layer's current revision is the same
as at the newest change that reached it, so the cache keys tiles by that revision: an edit
re-renders only the tiles it touched, and every other tile stays a cache hit.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql

from tiles.cache import LayerRevisions


@dataclass(frozen=True)
class TileState:
    """What the catalogue says of a tile's layers, read in the same statement that draws it (if it does)."""

    row_versions: tuple[str, ...]
    revisions: LayerRevisions
    changed_at: LayerRevisions


def tile_state_query(layer_ids: tuple[str, ...]) -> sql.Composed:
    """A one-row subquery `state` with, for the layers in order, their catalogue row versions (xmin),
    current revisions, and the revision at which the tile ($1 = z, $2 = x, $3 = y) last changed.

    A GiST index (sql/006_tile_change_lookup.sql) finds the few kept ranges that cover the tile; a
    tile no change reached falls back to the layer's base revision. A layer missing from the
    catalogue is missing from the arrays.
    """
    return sql.SQL("""(
SELECT array_agg(l.xmin::text ORDER BY w.n) AS row_versions,
       array_agg(l.revision ORDER BY w.n) AS revisions,
       array_agg(greatest(l.tiles_base_revision, (
           SELECT max(c.revision) FROM tile_change c
           WHERE c.layer_id = l.id AND c.z = $1::smallint
             AND box(point(c.x0, c.y0), point(c.x1, c.y1)) @> box(point($2, $3), point($2, $3))
       )) ORDER BY w.n) AS changed_at
FROM unnest({ids}::text[]) WITH ORDINALITY AS w(id, n) JOIN layer l ON l.id = w.id
) state""").format(ids=sql.Literal(list(layer_ids)))


def tile_state(layer_ids: tuple[str, ...], row: tuple) -> TileState | None:
    """The state from the first three columns of a tile statement's row; None when a layer left the catalogue."""
    row_versions, revisions, changed_at = row[0], row[1], row[2]
    if row_versions is None or len(row_versions) != len(layer_ids):
        return None
    return TileState(
        tuple(row_versions),
        tuple(zip(layer_ids, revisions, strict=True)),
        tuple(zip(layer_ids, changed_at, strict=True)),
    )


def revision_tag_of(revisions: LayerRevisions) -> str:
    """The `?v=` of tile URLs for these revisions: it changes whenever any of the layers' data changes."""
    return ".".join(str(revision) for _, revision in revisions)
