"""Rendered tiles kept by (layer revisions, z, x, y): a change that reaches a tile moves its key."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

from tiles.grid import TileAddress

LayerRevisions = tuple[tuple[str, int], ...]


def _etag(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


@dataclass(frozen=True)
class CachedTile:
    """A tile's bytes, gzipped once when first needed, and its strong ETag (a hash of the bytes)."""

    body: bytes
    etag: str
    known_gzipped: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, body: bytes) -> CachedTile:
        """Wrap freshly rendered bytes."""
        return cls(body, _etag(body))

    @classmethod
    def from_gzipped(cls, gzipped: bytes) -> CachedTile:
        """Rebuild a tile kept only in its gzipped form (as Redis keeps it)."""
        body = gzip.decompress(gzipped)
        return cls(body, _etag(body), gzipped)

    @cached_property
    def gzipped(self) -> bytes:
        """The gzipped bytes, compressed on first use: a tile nobody keeps or asks gzipped is never compressed."""
        if self.known_gzipped is not None:
            return self.known_gzipped
        # Level 1 costs a third of level 6's time on a cache miss for a few per cent more bytes.
        return gzip.compress(self.body, compresslevel=1, mtime=0)

    @property
    def size(self) -> int:
        """Bytes held in memory (the gzipped copy included: a cache keeps both)."""
        return len(self.body) + len(self.gzipped) + 64


def cache_key(revisions: LayerRevisions, tile: TileAddress) -> str:
    """The key of a tile: every layer with its revision, then z/x/y."""
    layers = ",".join(f"{layer_id}@{revision}" for layer_id, revision in revisions)
    return f"{layers}/{tile.z}/{tile.x}/{tile.y}"


class MemoryTileCache:
    """An in-process LRU bounded by bytes; thread-safe."""

    keeps_tiles = True

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[str, CachedTile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedTile | None:
        """The tile under `key`, or None."""
        with self._lock:
            tile = self._entries.get(key)
            if tile is not None:
                self._entries.move_to_end(key)
            return tile

    def put(self, key: str, tile: CachedTile) -> None:
        """Keep the tile, evicting the least recently used ones beyond the byte budget."""
        if tile.size > self._max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = tile
            self._bytes += tile.size
            while self._bytes > self._max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size


class NoTileCache:
    """Keeps nothing (ATLAS_TILE_CACHE_MB=0), for benchmarks of rendering."""

    # Every tile is a miss, so it is drawn in the statement that reads its revisions.
    keeps_tiles = False

    def get(self, key: str) -> CachedTile | None:
        """Always a miss."""
        return None

    def put(self, key: str, tile: CachedTile) -> None:
        """Drop the tile."""


class RedisTileCache:
    """Tiles shared by every process and host that points at the same Redis (ATLAS_REDIS_URL).

    Entries expire after `ttl_s` only to bound memory: correctness comes from the revision in the key.
    """

    keeps_tiles = True

    def __init__(self, url: str, ttl_s: int = 7 * 24 * 3600, prefix: str = "atlas:tile:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._ttl_s = ttl_s
        self._prefix = prefix
        self._errors = redis.RedisError

    def get(self, key: str) -> CachedTile | None:
        """The tile under `key`, or None (also when Redis does not answer: the tile is then drawn anew)."""
        try:
            gzipped = self._redis.get(self._prefix + key)
        except self._errors:
            return None
        if not isinstance(gzipped, bytes):
            return None
        return CachedTile.from_gzipped(gzipped)

    def put(self, key: str, tile: CachedTile) -> None:
        """Keep the gzipped tile; a Redis that does not answer only costs the cache."""
        try:
            self._redis.set(self._prefix + key, tile.gzipped, ex=self._ttl_s)
        except self._errors:
            return
