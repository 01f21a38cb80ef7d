"""Host header injection: every absolute URL names ATLAS_PUBLIC_URL, an untrusted Host is a 400."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from atlas import create_app
from atlas.settings import load_settings
from layers.errors import SettingsError

# Every kind of absolute URL the atlas makes: /api links, next links, TileJSON, metadata XML, redirects.
ABSOLUTE = [
    "/api/layers",
    "/api/layers/rivers",
    "/api/layers/rivers/features?limit=1",
    "/api/search?q=song",
    "/tiles/rivers.json",
    "/layers/rivers/metadata.xml",
]


@pytest.mark.parametrize("path", ABSOLUTE)
def test_links_name_the_public_url_whatever_host_is_asked_for(client, public_url, path):
    response = client.get(path, headers={"Host": "localhost:8080"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert public_url in body and "localhost" not in body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example", "", "a b"])
@pytest.mark.parametrize("path", ["/api/layers", "/tiles/rivers.json", "/layers", "/layers/", "/static/atlas.css"])
def test_an_untrusted_host_is_refused(client, host, path):
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "evil" not in body and "evil" not in str(response.headers)
    if path.startswith(("/api/", "/tiles/")):
        assert response.get_json()["error"]["code"] == "untrusted_host"
    else:
        assert response.mimetype == "text/html" and "Tên máy chủ không được phục vụ" in body


def test_the_refusal_page_speaks_english_too(client):
    body = client.get("/layers?lang=en", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "This atlas does not answer for that host name" in body


def test_the_location_of_a_background_export_names_the_public_url(client, public_url):
    response = client.get(
        "/api/layers/rivers/export?format=geojson&background=true", headers={"Host": "localhost:8080"}
    )
    assert response.status_code == 202
    assert response.headers["Location"].startswith(public_url + "/api/exports/")
    assert response.get_json()["status_url"] == response.headers["Location"]


def test_a_configured_public_url_is_used_for_links_and_its_host_is_trusted(database_url):
    app = create_app(
        {"database_url": database_url, "public_url": "https://atlas.thanhhoa.gov.vn", "trusted_hosts": "localhost"}
    )
    try:
        client = app.test_client()
        links = client.get("/api/layers", headers={"Host": "atlas.thanhhoa.gov.vn"}).get_json()["links"]
        assert links[0]["href"] == "https://atlas.thanhhoa.gov.vn/api/layers"
        assert client.get("/api/layers", headers={"Host": "127.0.0.1"}).status_code == 400
    finally:
        app.extensions["atlas.pool"].close()


@pytest.mark.parametrize(
    "value",
    [
        "atlas.example.vn",
        "ftp://atlas.example.vn",
        "https://atlas.example.vn/atlas",
        "https://a.vn:x",
        "https://u@a.vn",
    ],
)
def test_a_public_url_that_cannot_be_one_stops_the_start(value):
    with pytest.raises(SettingsError, match="ATLAS_PUBLIC_URL"):
        load_settings({"ATLAS_PUBLIC_URL": value})


def test_trusted_hosts_must_be_host_names():
    with pytest.raises(SettingsError, match="ATLAS_TRUSTED_HOSTS"):
        load_settings({"ATLAS_TRUSTED_HOSTS": "localhost,evil/x"})


@pytest.fixture(scope="module")
def raw_server(app) -> Iterator[int]:
    """The test app behind a real HTTP server, for requests the test client cannot send (HTTP/1.0, no Host)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def raw_request(port: int, request: bytes) -> bytes:
    """Send bytes as they are and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_http_1_0_without_host_never_shows_the_private_port(raw_server, public_url):
    answer = raw_request(raw_server, b"GET /api/layers HTTP/1.0\r\n\r\n").decode()
    assert answer.startswith("HTTP/1.") and " 200 " in answer.split("\r\n")[0]
    assert f":{raw_server}" not in answer and f"{public_url}/api/layers" in answer
