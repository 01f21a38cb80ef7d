"""GL styles (/tiles/<ids>/style.json): valid by the MapLibre style specification, in the catalogue's colours."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from layers.access import PUBLIC, visible_catalogue

VALIDATOR = Path(__file__).resolve().parent / "js" / "validate-style.mjs"


def spec_problems(style: dict) -> list[str]:
    """What the npm style-spec validator finds wrong with the style (nothing when it is valid)."""
    run = subprocess.run(
        ["node", str(VALIDATOR)], input=json.dumps(style), capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(run.stdout)


def test_the_validator_does_find_a_broken_style():
    assert spec_problems({"version": 8, "sources": {}, "layers": [{"id": "x", "type": "fill", "source": "none"}]})


def test_every_layer_and_the_combined_style_are_valid(client, db):
    layers = visible_catalogue(db, PUBLIC)
    ids = [layer.id for layer in layers]
    for url in [f"/tiles/{i}/style.json" for i in ids] + [f"/tiles/{','.join(ids)}/style.json"]:
        response = client.get(url)
        assert response.status_code == 200
        assert spec_problems(response.json) == [], url


def _paint(style: dict, layer_id: str) -> dict:
    paint: dict = {}
    for gl_layer in style["layers"]:
        if gl_layer.get("source-layer") == layer_id:
            paint.update(gl_layer["paint"])
    return paint


def test_colours_widths_and_categories_come_from_the_catalogue(client, db):
    layers = {layer.id: layer for layer in visible_catalogue(db, PUBLIC)}
    style = client.get("/tiles/" + ",".join(layers) + "/style.json").json
    rivers = _paint(style, "rivers")
    assert (rivers["line-color"], rivers["line-width"]) == (layers["rivers"].style.color, layers["rivers"].style.width)
    reservoirs = _paint(style, "reservoirs")
    assert reservoirs["fill-color"] == layers["reservoirs"].style.fill_color
    assert reservoirs["fill-opacity"] == layers["reservoirs"].style.fill_opacity
    stations = _paint(style, "water_quality_stations")
    assert stations["circle-color"] == layers["water_quality_stations"].style.fill_color
    assert stations["circle-radius"] == layers["water_quality_stations"].style.radius
    protected = layers["protected_areas"].style
    match = _paint(style, "protected_areas")["fill-color"]
    assert match[:2] == ["match", ["get", protected.category_field]]
    assert dict(zip(match[2:-1:2], match[3:-1:2], strict=True)) == {c.value: c.color for c in protected.categories}
    # Drawn as on the map: polygons under lines under points.
    kinds = [layers[gl["source-layer"]].geometry_kind for gl in style["layers"] if "source-layer" in gl]
    assert kinds == sorted(kinds, key=["polygon", "line", "point"].index)


def test_the_source_is_the_atlas_tilejson_which_links_the_style_back(client, make_account):
    style = client.get("/tiles/rivers,communes/style.json").json
    source = style["sources"]["atlas"]
    assert source["type"] == "vector"
    tilejson_url = urlsplit(source["url"])
    tilejson = client.get(tilejson_url.path, query_string=tilejson_url.query)
    assert tilejson.status_code == 200
    assert [v["id"] for v in tilejson.json["vector_layers"]] == ["rivers", "communes"]
    linked = urlsplit(tilejson.json["style"])
    assert linked.path == "/tiles/rivers,communes/style.json"
    assert client.get(linked.path, query_string=linked.query).headers["Cache-Control"].endswith("immutable")
    assert all(
        gl["layout"]["visibility"] == "visible"
        for gl in client.get("/tiles/patrol_routes/style.json", headers=make_account("viewer").bearer).json["layers"]
        if "layout" in gl
    )


@pytest.mark.parametrize(
    ("url", "status"), [("/tiles/rivers/style.json?lang=de", 400), ("/tiles/nope/style.json", 404)]
)
def test_bad_style_requests_are_refused(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.json["error"]["code"]


def test_an_officials_only_layer_has_no_style_for_the_public(client, make_account):
    """Not found, as every other URL of the layer: the public must not learn that it exists."""
    assert client.get("/tiles/patrol_routes/style.json").status_code == 404
    assert client.get("/tiles/rivers,patrol_routes/style.json").status_code == 404
    official = client.get("/tiles/rivers,patrol_routes/style.json", headers=make_account("viewer").bearer)
    assert official.status_code == 200 and official.headers["Cache-Control"].startswith("private")
