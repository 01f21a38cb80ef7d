"""GET /edit/<layer_id>: who may open the editor, and what the page carries (no browser)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.conftest import Account, csrf_token_of, sign_in

_CONFIG = re.compile(r'<script type="application/json" id="editor-config">(.*?)</script>', re.S)


def signed_in(client: FlaskClient, account: Account) -> FlaskClient:
    """The client with a session of the account, signed in through the /login form."""
    sign_in(client, account)
    return client


def config_of(html: str) -> dict:
    match = _CONFIG.search(html)
    assert match, "the page carries the editor's configuration"
    return json.loads(match.group(1))


def test_anonymous_is_sent_to_sign_in_and_back(client):
    response = client.get("/edit/water_permits")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/edit/water_permits"]}
    assert response.headers["Location"].endswith("/login?next=/edit/water_permits")


def test_signing_in_from_the_redirect_lands_in_the_editor(client, make_account):
    account = make_account("editor", ["water_permits"])
    target = client.get("/edit/water_permits?lang=en").headers["Location"]
    form = client.get(target).get_data(as_text=True)
    assert 'name="next" value="/edit/water_permits?lang=en"' in form
    token = csrf_token_of(form)
    response = client.post(
        "/login",
        data={
            "username": account.name,
            "password": account.password,
            "csrf_token": token,
            "next": parse_qs(urlsplit(target).query)["next"][0],
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/edit/water_permits?lang=en")
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("role, layers", [("viewer", []), ("editor", ["groundwater_wells"])])
def test_users_without_the_grant_get_403(client, make_account, role, layers):
    signed_in(client, make_account(role, layers))
    response = client.get("/edit/water_permits")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "Không có quyền truy cập" in html
    assert "editor-config" not in html


def test_unknown_layer_is_404(client, make_account):
    signed_in(client, make_account("admin"))
    response = client.get("/edit/no_such_layer")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Danh mục không có lớp dữ liệu nào với mã này." in response.get_data(as_text=True)


def test_the_layers_editor_and_an_admin_may_open_it(client, app, make_account):
    for account in (make_account("editor", ["water_permits"]), make_account("admin")):
        with app.test_client() as own:
            response = signed_in(own, account).get("/edit/water_permits")
            assert response.status_code == 200, account.name
            html = response.get_data(as_text=True)
            assert account.name in html


def test_page_carries_csrf_token_schema_and_unversioned_tile_url(client, make_account):
    html = (
        signed_in(client, make_account("editor", ["water_permits"])).get("/edit/water_permits").get_data(as_text=True)
    )
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    config = config_of(html)
    assert config["lang"] == "vi"
    assert config["layer"]["id"] == "water_permits" and config["layer"]["geometry_kind"] == "point"
    assert config["tile_url"] == "/tiles/water_permits/{z}/{x}/{y}.pbf"
    assert config["api_url"] == "/api/layers/water_permits"
    status = next(f for f in config["layer"]["fields"] if f["name"] == "status")
    assert status["required"] is True and status["type"] == "text"
    assert {"code": "active", "label": "Còn hiệu lực"} in status["domain"]
    assert config["strings"]["save"] == "Lưu"
    assert "communes" in config["reference_layers"] and "water_permits" not in config["reference_layers"]


def test_english_page_has_english_labels(client, make_account):
    html = (
        signed_in(client, make_account("editor", ["reservoirs"])).get("/edit/reservoirs?lang=en").get_data(as_text=True)
    )
    config = config_of(html)
    assert config["lang"] == "en" and config["strings"]["save"] == "Save"
    assert config["strings"]["reapply"] == "Re-apply my changes"
    assert next(f for f in config["layer"]["fields"] if f["name"] == "storage_m3")["label"] == "Total storage"
    assert '<html lang="en">' in html and "Draw a new polygon" in html and "Edit: Reservoirs" in html


def test_page_names_no_other_host(client, make_account):
    html = signed_in(client, make_account("editor", ["reservoirs"])).get("/edit/reservoirs").get_data(as_text=True)
    hosts = set(re.findall(r"(?:https?:)?//([a-z0-9.-]+\.[a-z]{2,})", html, re.I))
    assert hosts == set(), hosts
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith(("/", "?", "#", "data:")), src
