"""With the database unreachable: /healthz says 503, pages show a readable error, no stack trace."""

from __future__ import annotations

import pytest

from atlas import create_app
from tests.conftest import unused_port


@pytest.fixture(scope="module")
def down_client():
    app = create_app({"database_url": f"postgresql://atlas@127.0.0.1:{unused_port()}/atlas", "pool_timeout_s": 2})
    yield app.test_client()
    app.extensions["atlas.pool"].close()


def test_healthz_is_503(down_client):
    response = down_client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"]


def test_api_is_503_json(down_client):
    response = down_client.get("/api/layers")
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)


def test_catalogue_page_shows_readable_error(down_client):
    response = down_client.get("/layers")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Hệ thống tạm thời gián đoạn" in html
    assert "Traceback" not in html and "psycopg2" not in html and "127.0.0.1" not in html
