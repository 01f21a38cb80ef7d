"""HTTP details: distinct ETags per encoding, q-values, no cookies on cacheable responses, Allow on 405."""

from __future__ import annotations

import pytest

from .test_tiles import tile_of

TILE = "/tiles/communes/{}/{}/{}.pbf".format(*tile_of(105.78, 19.81, 10))


def test_gzip_and_identity_bodies_have_distinct_strong_etags(client):
    gzipped = client.get(TILE, headers={"Accept-Encoding": "gzip"})
    plain = client.get(TILE, headers={"Accept-Encoding": "identity"})
    assert gzipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzipped.headers["ETag"] != plain.headers["ETag"]
    assert not gzipped.headers["ETag"].startswith("W/") and not plain.headers["ETag"].startswith("W/")
    again = client.get(TILE, headers={"Accept-Encoding": "gzip", "If-None-Match": gzipped.headers["ETag"]})
    assert again.status_code == 304
    other = client.get(TILE, headers={"Accept-Encoding": "identity", "If-None-Match": gzipped.headers["ETag"]})
    assert other.status_code == 200 and other.data == plain.data


@pytest.mark.parametrize("accept", ["gzip;q=0", "*;q=0", "identity", "br"])
def test_gzip_only_when_it_is_acceptable(client, accept):
    response = client.get(TILE, headers={"Accept-Encoding": accept})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


@pytest.mark.parametrize("v", ["%C2%B2", "①", "¹²³", "1.2"])
def test_odd_revision_tags_are_not_errors(client, v):
    response = client.get(TILE + "?v=" + v)
    assert response.status_code == 200 and response.headers["Cache-Control"].endswith("must-revalidate")


@pytest.mark.parametrize("path", [TILE + "?v=1&lang=en", "/tiles/communes.json?lang=en"])
def test_cacheable_responses_set_no_cookie(client, path):
    assert "Set-Cookie" not in client.get(path).headers


def test_pages_still_remember_the_language(client):
    assert "lang=en" in client.get("/layers?lang=en").headers["Set-Cookie"]


def test_method_not_allowed_says_what_is_allowed(client):
    response = client.post("/api/layers")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/api/layers/water_permits/export?format=csv",
        "/api/layers/rivers/export?format=kml",
        "/api/layers/rivers/export?format=geojson",
        "/layers/rivers/metadata.xml",
        "/layers/rivers",
        "/api/layers",
    ],
)
def test_a_content_type_names_its_charset_at_most_once(client, path):
    response = client.get(path)
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert content_type.count("charset") <= 1, content_type
    if response.mimetype.startswith("text/"):
        assert content_type.count("charset") == 1, content_type


@pytest.mark.parametrize("key", ["layer_id", "_external", "endpoint", "_method", "_scheme", "_anchor"])
def test_next_links_take_any_query_key_as_text(client, key, public_url):
    response = client.get(f"/api/layers/rivers/features?limit=1&{key}=x")
    assert response.status_code == 200
    next_url = response.get_json()["next"]
    assert next_url.startswith(f"{public_url}/api/layers/rivers/features?") and f"{key}=x" in next_url


@pytest.mark.parametrize(
    "query", ["limit=1%0A", "offset=1%0A", "bbox=1_05,19,106,20", "bbox=105,19,106,20%0A", "bbox=nan,19,106,20"]
)
def test_numbers_from_outside_are_parsed_strictly(client, query):
    response = client.get(f"/api/layers/rivers/features?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/layers/rivers/features/1%0A", "/tiles/rivers/8/203/113%0A.pbf"])
def test_a_trailing_newline_is_not_a_number(client, path):
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "path", ["/", "/layers", TILE, "/api/layers", "/api/layers/nope", "/login", "/static/atlas.css"]
)
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "%00=1"])
def test_a_nul_character_in_the_address_is_refused(client, query):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("text", ["\\ud800", "a\\udfffb"])
def test_a_lone_surrogate_in_a_body_is_refused(client, make_account, text):
    editor = make_account("editor", ["rivers"])
    body = '{"properties": {"name": "' + text + '"}}'
    response = client.patch(
        "/api/layers/rivers/features/1", data=body, content_type="application/json", headers=editor.bearer
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_input"
