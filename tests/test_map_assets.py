"""The map's scripts and stylesheets as one bundle each: what they hold, their names, how they are served."""

from __future__ import annotations

import gzip
import os
import re

import pytest

from atlas import create_app
from atlas.map_assets import MAP_STATIC, bundle
from atlas.mapbuild import MAP_SCRIPTS, MAP_STYLESHEETS, page_assets


def _assets(html: str) -> tuple[list[str], list[str]]:
    scripts = re.findall(r'<script src="([^"]+)"', html)
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    return scripts, sheets


def _sources(body: bytes) -> list[str]:
    """The source files a bundle says it holds, in order."""
    return re.findall(r"^/\* (atlas-[a-z-]+\.(?:js|css)) \*/$", body.decode(), re.M)


def test_the_page_loads_one_map_script_and_one_map_stylesheet(client):
    scripts, sheets = _assets(client.get("/").get_data(as_text=True))
    assert scripts[:2] == ["/static/vendor/leaflet/leaflet.js", "/static/vendor/Leaflet.VectorGrid.bundled.min.js"]
    assert len(scripts) == 3 and re.fullmatch(r"/assets/map\.[0-9a-f]{16}\.js", scripts[2])
    assert sheets[0] == "/static/vendor/leaflet/leaflet.css"
    assert len(sheets) == 2 and re.fullmatch(r"/assets/map\.[0-9a-f]{16}\.css", sheets[1])
    assert not any("/static/map/" in url for url in scripts + sheets)


def test_the_bundle_is_the_sources_in_the_pages_order(client):
    scripts, sheets = _assets(client.get("/").get_data(as_text=True))
    script = client.get(scripts[2]).get_data()
    # Offline (the tests' default) the basemap switcher is left out, and nothing else.
    assert _sources(script) == [name for name in MAP_SCRIPTS if name != "atlas-basemap.js"]
    for name in _sources(script):
        assert (MAP_STATIC / name).read_bytes().rstrip() in script
    assert _sources(client.get(sheets[1]).get_data()) == list(MAP_STYLESHEETS)


def test_with_the_online_basemap_the_bundle_holds_the_switcher(database_url):
    app = create_app({"database_url": database_url, "online_basemap": True})
    client = app.test_client()
    scripts, sheets = _assets(client.get("/").get_data(as_text=True))
    assert "atlas-basemap.js" in _sources(client.get(scripts[2]).get_data())
    assert "atlas-basemap.css" in _sources(client.get(sheets[1]).get_data())
    app.extensions["atlas.pool"].close()


def test_a_bundle_is_sent_gzipped_to_who_takes_it_and_kept_for_a_year(client):
    url = _assets(client.get("/").get_data(as_text=True))[0][2]
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, deflate"})
    assert plain.status_code == zipped.status_code == refused.status_code == 200
    assert plain.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert "Content-Encoding" not in plain.headers and "Content-Encoding" not in refused.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data() == refused.get_data()
    assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert plain.headers["Vary"] == "Accept-Encoding"
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(url, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    headers = {"If-None-Match": zipped.headers["ETag"], "Accept-Encoding": "gzip"}
    assert client.get(url, headers=headers).status_code == 304


@pytest.mark.parametrize("name", ["map.0123456789abcdef.js", "map.js", "atlas-core.js", "map.0123456789abcdef.css"])
def test_an_unknown_bundle_is_a_clear_404(client, name):
    response = client.get(f"/assets/{name}?lang=en")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "reload the map for the current one" in page and "404 · not_found" in page


def test_an_edited_source_gets_a_new_name(tmp_path):
    (tmp_path / "a.js").write_text("var a = 1;\n")
    (tmp_path / "b.js").write_text("var b = 2;\n")
    first = bundle(("a.js", "b.js"), tmp_path)
    assert first.body == b"/* a.js */\nvar a = 1;\n/* b.js */\nvar b = 2;\n"
    assert bundle(("b.js", "a.js"), tmp_path).digest != first.digest, "the order is part of what is sent"
    (tmp_path / "b.js").write_text("var b = 3;\n")
    # Same size, and written within the file system's clock tick maybe: a later time, as an editor's save.
    stat = (tmp_path / "b.js").stat()
    os.utime(tmp_path / "b.js", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = bundle(("a.js", "b.js"), tmp_path)
    assert second.digest != first.digest and b"var b = 3;" in second.body
    assert gzip.decompress(second.gzipped) == second.body


def test_a_bundle_holds_one_kind_of_file(tmp_path):
    (tmp_path / "a.js").write_text("")
    (tmp_path / "a.css").write_text("")
    with pytest.raises(ValueError, match="scripts or stylesheets"):
        bundle(("a.js", "a.css"), tmp_path)


def test_every_bundled_source_exists():
    for offline in (True, False):
        for names in page_assets(offline):
            assert all((MAP_STATIC / name).is_file() for name in names)
