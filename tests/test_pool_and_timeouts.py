"""Requests wait for a pooled connection; slow tiles end in a 503 with Retry-After, never a hung worker."""

from __future__ import annotations

import threading

from atlas import create_app

from .test_tiles import fetch


def test_requests_wait_for_a_free_connection(database_url):
    app = create_app({"database_url": database_url, "pool_size": 1, "pool_timeout_s": 5})
    pool = app.extensions["atlas.pool"]
    statuses: list[int] = []
    with pool.connection():
        worker = threading.Thread(target=lambda: statuses.append(app.test_client().get("/healthz").status_code))
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive(), "the request waits while the only connection is lent"
    worker.join(timeout=10)
    assert statuses == [200]
    pool.close()


def test_pool_wait_has_a_limit(database_url):
    app = create_app({"database_url": database_url, "pool_size": 1, "pool_timeout_s": 0.2})
    pool = app.extensions["atlas.pool"]
    with pool.connection():
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "busy" in response.get_json()["error"]["message"]
    pool.close()


def test_slow_tile_is_503_with_retry_after(database_url):
    app = create_app({"database_url": database_url, "tile_timeout_ms": 1, "tile_cache_mb": 0})
    response = fetch(app.test_client(), "communes,rivers,protected_areas,forest_cover", 5, 25, 14)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "tile_timeout"
    assert response.headers["Retry-After"]
    app.extensions["atlas.pool"].close()


def test_connections_are_kept_between_requests(database_url):
    app = create_app({"database_url": database_url, "pool_size": 2})
    client = app.test_client()
    client.get("/healthz")
    pool = app.extensions["atlas.pool"]
    assert pool.idle_count == 1
    with pool.connection() as first:
        backend = first.get_backend_pid()
    with pool.connection() as again:
        assert again.get_backend_pid() == backend, "the same session is lent again"
    pool.close()


def test_a_request_reads_one_snapshot(database_url):
    app = create_app({"database_url": database_url})
    pool = app.extensions["atlas.pool"]
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute("SHOW transaction_isolation")
        assert cur.fetchone()[0] == "repeatable read"
    pool.close()
