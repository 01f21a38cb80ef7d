"""/metrics reports tiles served, cache outcomes and render time per layer."""

from __future__ import annotations

from .test_tiles import fetch, tile_of


def _sample(text: str, prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


def test_metrics_count_tiles_and_cache_outcomes(client):
    before = client.get("/metrics").get_data(as_text=True)
    args = ("rivers,reservoirs", *tile_of(105.28, 19.87, 12))
    fetch(client, *args)
    fetch(client, *args)
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = response.get_data(as_text=True)
    hits = 'atlas_tiles_total{cache="hit",layer="rivers"}'
    misses = 'atlas_tiles_total{cache="miss",layer="reservoirs"}'
    assert _sample(after, hits) == _sample(before, hits) + 1
    assert _sample(after, misses) == _sample(before, misses) + 1
    renders = 'atlas_tile_render_seconds_count{layer="rivers"}'
    assert _sample(after, renders) == _sample(before, renders) + 1


def test_metrics_are_for_the_host_or_a_token(database_url):
    from atlas import create_app

    client = create_app({"database_url": database_url, "metrics_token": "scrape-secret-123"}).test_client()
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    wrong = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and "atlas_tiles_total" not in wrong.get_data(as_text=True)
    scraped = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer scrape-secret-123"})
    assert scraped.status_code == 200 and "atlas_tiles_total" in scraped.get_data(as_text=True)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
