"""Editing as the pages show it: the header's account links, a layer's recent changes and the links to the editor."""

from __future__ import annotations

import json
import re

from tests.conftest import sign_in

PERMIT = "/api/layers/water_permits/features"


def _map_config(html: str) -> dict:
    match = re.search(r"AtlasMap\.start\([^,]+, (\{.*\})\);", html)
    assert match, "the map page has no configuration"
    return json.loads(match.group(1))


def _some_permit(client) -> dict:
    return client.get(PERMIT + "?limit=1").get_json()["features"][0]


def test_anonymous_pages_offer_sign_in_and_no_changes_or_edit_links(client):
    html = client.get("/layers/water_permits").get_data(as_text=True)
    assert 'href="/login?next=/layers/water_permits"' in html
    assert "recent-changes" not in html and "/edit/water_permits" not in html
    config = _map_config(client.get("/").get_data(as_text=True))
    assert all(layer["edit_url"] is None for layer in config["layers"])


def test_an_editor_sees_recent_changes_and_edit_links_for_granted_layers_only(app, make_account):
    editor = make_account("editor", ["water_permits"])
    client = app.test_client()
    permit = _some_permit(client)
    holder = permit["properties"]["holder"]
    patched = client.patch(
        f"{PERMIT}/{permit['id']}",
        json={"properties": {"holder": holder + " (đã sửa)"}},
        headers=editor.bearer | {"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200
    sign_in(client, editor)
    html = client.get("/layers/water_permits").get_data(as_text=True)
    assert editor.name in html and "Đăng xuất" in html
    assert 'href="/edit/water_permits"' in html
    section = html[html.index('id="recent-changes"') :]
    first_row = section[section.index("<tr data-change") : section.index("</tr>", section.index("<tr data-change"))]
    assert (
        f">{permit['id']}</a>" in first_row
        and editor.name in first_row
        and "Tổ chức, cá nhân được cấp phép" in first_row
    )
    other = client.get("/layers/protected_areas").get_data(as_text=True)
    assert "/edit/protected_areas" not in other and 'id="recent-changes"' in other
    config = _map_config(client.get("/").get_data(as_text=True))
    links = {layer["id"]: layer["edit_url"] for layer in config["layers"]}
    assert links["water_permits"] == "/edit/water_permits"
    assert [lid for lid, url in links.items() if url] == ["water_permits"]
    client.patch(
        f"{PERMIT}/{permit['id']}",
        json={"properties": {"holder": holder}},
        headers=editor.bearer | {"Content-Type": "application/merge-patch+json"},
    )


def test_a_viewer_sees_changes_but_no_edit_links(app, make_account):
    viewer = make_account("viewer")
    client = app.test_client()
    sign_in(client, viewer)
    html = client.get("/layers/water_permits?lang=en").get_data(as_text=True)
    assert 'id="recent-changes"' in html and "Recent changes" in html and "/edit/" not in html


def test_signing_out_ends_the_session(app, make_account):
    viewer = make_account("viewer")
    client = app.test_client()
    token = sign_in(client, viewer)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    html = client.get("/layers/water_permits").get_data(as_text=True)
    assert viewer.name not in html and "recent-changes" not in html
