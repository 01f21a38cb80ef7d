"""The public's plain tile requests skip Flask's request machinery (atlas/tile_lane.py) and get the same answers."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from atlas import create_app
from tests.conftest import unused_port
from tests.test_tiles import tile_of

TILE = "/tiles/communes/{}/{}/{}.pbf".format(*tile_of(105.78, 19.81, 10))


def through_flask(app: Flask) -> FlaskClient:
    """A client with a cookie no part of the atlas reads: its requests go through Flask, their answers unchanged."""
    client = app.test_client()
    client.set_cookie("unrelated", "1")
    return client


@pytest.fixture(scope="module")
def counted(database_url: str, public_url: str) -> Flask:
    """An app that counts the requests its Flask hooks see."""
    app = create_app({"database_url": database_url, "public_url": public_url})
    app.config["TESTING"] = True
    app.extensions["seen_by_flask"] = []

    @app.before_request
    def count() -> None:
        from flask import request

        app.extensions["seen_by_flask"].append(request.path)

    yield app
    for pool in ("atlas.pool", "atlas.tile_pool"):
        app.extensions[pool].close()


def test_a_plain_public_tile_is_answered_before_flask(counted):
    seen = counted.extensions["seen_by_flask"]
    seen.clear()
    client = counted.test_client()
    assert client.get(TILE).status_code == 200
    assert client.get(TILE + "?v=1").status_code == 200
    assert seen == []
    assert through_flask(counted).get(TILE).status_code == 200
    assert client.head(TILE).status_code == 200
    assert client.get(TILE + "?lang=en").status_code == 200
    assert seen == [TILE] * 3


@pytest.fixture(scope="module", params=["cached", "uncached"])
def either_cache(request, app: Flask, database_url: str, public_url: str) -> Flask:
    """The test app (tiles kept in memory), and one that keeps no tile (every tile drawn: X-Tile-Cache miss)."""
    if request.param == "cached":
        yield app
        return
    uncached = create_app({"database_url": database_url, "public_url": public_url, "tile_cache_mb": 0})
    yield uncached
    for pool in ("atlas.pool", "atlas.tile_pool"):
        uncached.extensions[pool].close()


def _answer(response) -> tuple:
    headers = [(name, value) for name, value in response.headers if name != "Date"]
    return response.status_code, headers, response.data


def _etag_of(client, path: str, **headers: str) -> str:
    return client.get(path, headers=headers).headers["ETag"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (TILE, {}),
        (TILE, {"Accept-Encoding": "gzip"}),
        (TILE, {"Accept-Encoding": "gzip;q=0, identity"}),
        (TILE, {"If-None-Match": "etag"}),
        (TILE, {"If-None-Match": "gzip-etag", "Accept-Encoding": "gzip"}),
        (TILE, {"If-None-Match": '"other", W/"etag"'}),
        (TILE + "?v=current", {}),
        (TILE + "?v=1", {}),
        (TILE + "?v=", {}),
        ("/tiles/communes/10/0/0.pbf", {}),  # empty: 204
        ("/tiles/communes,rivers/9/{}/{}.pbf".format(*tile_of(105.78, 19.81, 9)[1:]), {}),
        ("/tiles/no_such_layer/10/1/1.pbf", {}),
        ("/tiles/communes/23/1/1.pbf", {}),  # beyond the layer's zoom
        ("/tiles/communes/10/5000/1.pbf", {}),  # outside the zoom's grid
        ("/tiles/communes,communes/10/1/1.pbf", {}),
        ("/tiles/patrol_routes/10/1/1.pbf", {}),  # officials only
    ],
)
def test_the_lane_answers_as_flask_would(either_cache, db, path, headers):
    app = either_cache
    client = app.test_client()
    plain = client.get(TILE).headers["ETag"].strip('"')
    gzipped = _etag_of(client, TILE, **{"Accept-Encoding": "gzip"}).strip('"')
    with db.cursor() as cur:
        cur.execute("SELECT revision FROM layer WHERE id = 'communes'")
        revision = str(cur.fetchone()[0])
    path = path.replace("v=current", f"v={revision}")
    headers = {
        name: value.replace("gzip-etag", f'"{gzipped}"').replace("etag", f'"{plain}"')
        for name, value in headers.items()
    }
    client.get(path)  # drawn once, so that both answers come from the cache
    lane, flask = client.get(path, headers=headers), through_flask(app).get(path, headers=headers)
    assert _answer(lane) == _answer(flask)


def test_an_error_after_the_address_parsed_gets_flasks_answer():
    app = create_app({"database_url": f"postgresql://atlas@127.0.0.1:{unused_port()}/atlas", "pool_timeout_s": 2})
    client = app.test_client()
    lane, flask = client.get(TILE), through_flask(app).get(TILE)
    assert lane.status_code == 503 and lane.headers["Retry-After"] == "5"
    assert lane.json is not None and lane.json["error"]["code"] == "database_unavailable"
    assert _answer(lane) == _answer(flask)
