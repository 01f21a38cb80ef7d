"""The tile caches: a bounded in-process LRU, and Redis shared between app instances."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from atlas import create_app
from tests.conftest import unused_port
from tiles.cache import CachedTile, MemoryTileCache, RedisTileCache

from .test_tiles import decode, fetch, tile_of


def test_lru_evicts_the_least_recently_used_within_its_budget():
    tiles = {name: CachedTile.of(bytes([i]) * 4000) for i, name in enumerate("abc")}
    cache = MemoryTileCache(max_bytes=3 * tiles["a"].size - 1)
    cache.put("a", tiles["a"])
    cache.put("b", tiles["b"])
    assert cache.get("a") is tiles["a"]
    cache.put("c", tiles["c"])
    assert cache.get("b") is None and cache.get("a") is tiles["a"] and cache.get("c") is tiles["c"]


def test_gzipped_form_rebuilds_the_same_tile():
    tile = CachedTile.of(b"\x1a\x02layer" * 100)
    again = CachedTile.from_gzipped(tile.gzipped)
    assert again.body == tile.body and again.etag == tile.etag


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: scripts/system-packages.sh installs it")
    port = unused_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_redis_cache_is_shared_between_app_instances(database_url, redis_url):
    first = create_app({"database_url": database_url, "redis_url": redis_url}).test_client()
    second = create_app({"database_url": database_url, "redis_url": redis_url}).test_client()
    args = ("communes", *tile_of(105.78, 19.81, 11))
    drawn = fetch(first, *args)
    shared = fetch(second, *args)
    assert drawn.headers["X-Tile-Cache"] == "miss" and shared.headers["X-Tile-Cache"] == "hit"
    assert shared.data == drawn.data and shared.headers["ETag"] == drawn.headers["ETag"]
    assert "communes" in decode(shared)


def test_unreachable_redis_only_costs_the_cache(database_url):
    port = unused_port()
    cache = RedisTileCache(f"redis://127.0.0.1:{port}/0")
    assert cache.get("x") is None
    cache.put("x", CachedTile.of(b"abc"))
    client = create_app({"database_url": database_url, "redis_url": f"redis://127.0.0.1:{port}/0"}).test_client()
    response = fetch(client, "communes", *tile_of(105.78, 19.81, 10))
    assert response.status_code == 200 and response.headers["X-Tile-Cache"] == "miss"
