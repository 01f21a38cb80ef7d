"""The tile use case: look the layers up, then serve from the cache or render and keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from psycopg2.extensions import connection as Connection

from layers.access import PUBLIC, Access, generalises, has_rules
from layers.catalogue import LAYER_ID_PATTERN, LayerDef
from layers.errors import InvalidInput, LayerNotFound, NotFound
from tiles.cache import CachedTile, cache_key
from tiles.changes import layer_revisions, tile_revisions
from tiles.grid import TileAddress
from tiles.layer_sql import draws_cells
from tiles.render import render_tile

MAX_LAYERS_PER_TILE = 24
_REVISION = re.compile(r"[0-9]{1,18}")


class TileCache(Protocol):
    """Where rendered tiles are kept."""

    def get(self, key: str) -> CachedTile | None: ...

    def put(self, key: str, tile: CachedTile) -> None: ...


@dataclass(frozen=True)
class TileResult:
    """A tile ready to send, and whether it came from the cache."""

    tile: CachedTile
    cache_hit: bool
    layer_ids: tuple[str, ...]
    render_seconds: dict[str, float]


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


def audience_key(access: Access, key: str) -> str:
    """The cache key of a tile for this audience: officials' tiles never share keys with the public's.

    Both carry the audience, so no entry kept before audiences existed (in Redis) is found again.
    """
    return f"{access.name}:{key}"


def get_tile(
    conn: Connection,
    cache: TileCache,
    layers: list[LayerDef],
    tile: TileAddress,
    timeout_ms: int,
    *,
    pin: bool,
    access: Access = PUBLIC,
) -> TileResult:
    """The tile from the cache when no change reached it since it was drawn, else rendered now and kept.

    With `pin`, it is also kept under the layers' current revisions, where versioned URLs
    (`?v=`) find it without asking the database.
    """
    # A generalised feature is drawn away from where it changed (in the public's feature tiles,
    # and in everyone's grid cells), so such a tile is only reused while the whole layer is unchanged.
    moved = any(generalises(layer, access) or (has_rules(layer) and draws_cells(layer, tile.z)) for layer in layers)
    key = audience_key(
        access, cache_key(layer_revisions(layers) if moved else tile_revisions(conn, layers, tile), tile)
    )
    cached = cache.get(key)
    result = TileResult(cached, True, tuple(layer.id for layer in layers), {}) if cached is not None else None
    if result is None:
        rendered = render_tile(conn, layers, tile, timeout_ms, access)
        result = TileResult(CachedTile.of(rendered.body), False, tuple(layer.id for layer in layers), rendered.seconds)
        cache.put(key, result.tile)
    pinned_key = audience_key(access, cache_key(layer_revisions(layers), tile))
    if pin and pinned_key != key:
        cache.put(pinned_key, result.tile)
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
    return TileResult(cached, True, tuple(layer_ids), {}) if cached is not None else None
