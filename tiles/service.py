"""The tile use case: look the layers up, then serve from the cache or render and keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from psycopg2 import errors
from psycopg2.extensions import connection as Connection

from layers.access import PUBLIC, Access, check_visible, generalises, has_rules
from layers.catalogue import LAYER_ID_PATTERN, LayerDef, get_layers, known_layers
from layers.errors import InvalidInput, LayerNotFound, NotFound
from tiles.cache import CachedTile, cache_key
from tiles.changes import TileState, revision_tag_of
from tiles.grid import TileAddress
from tiles.layer_sql import draws_cells
from tiles.render import DrawnTile, TileStatement, TileTimeout, run_tile_statement, tile_statement

MAX_LAYERS_PER_TILE = 24
_REVISION = re.compile(r"[0-9]{1,18}")


class TileCache(Protocol):
    """Where rendered tiles are kept."""

    keeps_tiles: bool

    def get(self, key: str) -> CachedTile | None: ...

    def put(self, key: str, tile: CachedTile) -> None: ...


@dataclass(frozen=True)
class TileResult:
    """A tile ready to send, whether it came from the cache, and the layers' current revisions."""

    tile: CachedTile
    cache_hit: bool
    layer_ids: tuple[str, ...]
    render_seconds: dict[str, float]
    # None for a versioned URL answered from the cache without asking the database.
    state: TileState | None = None
    pinned_tag: str | None = None

    @property
    def revision_tag(self) -> str:
        """The `?v=` of the layers' current revisions (for a pinned tile: the one it was asked by)."""
        if self.state is None:
            return self.pinned_tag or ""
        return revision_tag_of(self.state.revisions)


def parse_layer_ids(raw: str) -> list[str]:
    """Layer ids from the URL: one id or several joined by commas, each a catalogue id shape."""
    ids = raw.split(",")
    if len(ids) > MAX_LAYERS_PER_TILE:
        raise InvalidInput(f"A tile can combine at most {MAX_LAYERS_PER_TILE} layers.")
    for layer_id in ids:
        if not LAYER_ID_PATTERN.match(layer_id):
            raise LayerNotFound(layer_id)
    if len(set(ids)) != len(ids):
        raise InvalidInput("Each layer may appear only once in a tile URL.")
    return ids


def check_zoom(layers: list[LayerDef], tile: TileAddress) -> None:
    """Refuse zooms beyond every requested layer's max zoom."""
    deepest = max(layer.max_zoom for layer in layers)
    if tile.z > deepest:
        raise NotFound(f"These layers have no tiles beyond zoom {deepest}.")


def _definitions(conn: Connection, layer_ids: list[str]) -> tuple[list[LayerDef], tuple[str, ...]]:
    """The layers' definitions and row versions: from memory when read before (the tile statement checks them)."""
    known = known_layers(conn.dsn, layer_ids)
    if known is None:
        get_layers(conn, layer_ids)
        known = known_layers(conn.dsn, layer_ids)
        assert known is not None  # get_layers raised LayerNotFound otherwise
    return known


def audience_key(access: Access, key: str) -> str:
    """The cache key of a tile for this audience: officials' tiles never share keys with the public's.

    Both carry the audience, so no entry kept before audiences existed (in Redis) is found again.
    """
    return f"{access.name}:{key}"


def _run(
    conn: Connection, layer_ids: list[str], tile: TileAddress, draw: bool, access: Access
) -> tuple[list[LayerDef], TileStatement, DrawnTile]:
    """One round trip: the tile's state (and with `draw` its bytes), the definitions checked against the catalogue.

    A definition that changed since it was read is read again, and the tile drawn again only when
    its statement changed with it (most changes only raise the revision). The zoom is checked
    against the checked definitions.
    """
    layers, row_versions = _definitions(conn, layer_ids)
    check_visible(layers, access)
    statement = tile_statement(layers, row_versions, tile.z, draw, access)
    drawn = run_tile_statement(conn, statement, tuple(layer_ids), tile)
    if drawn.state is None or drawn.state.row_versions != row_versions:
        get_layers(conn, layer_ids)
        layers, row_versions = _definitions(conn, layer_ids)
        check_visible(layers, access)
        fresh = tile_statement(layers, row_versions, tile.z, draw, access)
        if fresh.name != statement.name or drawn.state is None:
            drawn = run_tile_statement(conn, fresh, tuple(layer_ids), tile)
        if drawn.state is None:
            raise LayerNotFound(layer_ids[0])
        statement = fresh
    check_zoom(layers, tile)
    return layers, statement, drawn


def get_tile(
    conn: Connection,
    cache: TileCache,
    layer_ids: list[str],
    tile: TileAddress,
    requested_tag: str | None,
    access: Access = PUBLIC,
) -> TileResult:
    """The tile from the cache when no change reached it since it was drawn, else drawn now and kept.

    `conn` is a tile session (autocommit): each statement reads one snapshot, so a tile is always
    kept under exactly the revisions it was drawn at. When `requested_tag` names the layers'
    current revisions, the tile is also kept under them, where versioned URLs (`?v=`) find it
    without asking the database.
    """
    try:
        return _get_tile(conn, cache, layer_ids, tile, requested_tag, access)
    except errors.QueryCanceled as exc:  # the tile session's statement timeout
        raise TileTimeout("This tile took too long to draw; please try again shortly.") from exc


def _get_tile(
    conn: Connection,
    cache: TileCache,
    layer_ids: list[str],
    tile: TileAddress,
    requested_tag: str | None,
    access: Access,
) -> TileResult:
    ids = tuple(layer_ids)
    if cache.keeps_tiles:
        layers, _, looked = _run(conn, layer_ids, tile, False, access)
        assert looked.state is not None
        cached = cache.get(_key(access, layers, looked.state, tile))
        if cached is not None:
            return _kept(cache, TileResult(cached, True, ids, {}, looked.state), tile, requested_tag, access)
    layers, statement, drawn = _run(conn, layer_ids, tile, True, access)
    assert drawn.state is not None
    result = TileResult(
        CachedTile.of(drawn.body), False, ids, dict.fromkeys(statement.drawn, drawn.seconds), drawn.state
    )
    cache.put(_key(access, layers, drawn.state, tile), result.tile)
    return _kept(cache, result, tile, requested_tag, access)


def _key(access: Access, layers: list[LayerDef], state: TileState, tile: TileAddress) -> str:
    """The tile's cache key: by the revision its own area last changed at, unless features move.

    A generalised feature is drawn away from where it changed (in the public's feature tiles, and
    in everyone's grid cells), so such a tile is only reused while the whole layer is unchanged.
    """
    moved = any(generalises(layer, access) or (has_rules(layer) and draws_cells(layer, tile.z)) for layer in layers)
    return audience_key(access, cache_key(state.revisions if moved else state.changed_at, tile))


def _kept(
    cache: TileCache, result: TileResult, tile: TileAddress, requested_tag: str | None, access: Access
) -> TileResult:
    """Also keep the tile under the current revisions when the URL names them (a pinned, versioned URL)."""
    state = result.state
    assert state is not None
    if requested_tag == result.revision_tag and state.revisions != state.changed_at:
        cache.put(audience_key(access, cache_key(state.revisions, tile)), result.tile)
    return result


def pinned_tile(
    cache: TileCache, layer_ids: list[str], revision_tag: str | None, tile: TileAddress, access: Access = PUBLIC
) -> TileResult | None:
    """The cached tile of a versioned URL (`?v=` names each layer's revision), without asking the database.

    A versioned URL stands for the data at those revisions, which never changes; a tile is kept
    under them only when it was drawn from (or is unchanged since) exactly those revisions.
    """
    if not revision_tag:
        return None
    revisions = revision_tag.split(".")
    # fullmatch on ASCII digits: str.isdigit() also takes '²' or '①', which int() then refuses.
    if len(revisions) != len(layer_ids) or not all(_REVISION.fullmatch(r) for r in revisions):
        return None
    key = audience_key(access, cache_key(tuple(zip(layer_ids, (int(r) for r in revisions), strict=True)), tile))
    cached = cache.get(key)
    return TileResult(cached, True, tuple(layer_ids), {}, pinned_tag=revision_tag) if cached is not None else None
