"""Validation of written features and of request bodies: every refusal is a clear 4xx and leaves the database alone."""

from __future__ import annotations

import json
import unicodedata

import pytest

from tests.editing import create, etag, layer_snapshot, point, reservoir, row, square, unique, well

WELLS = "/api/layers/groundwater_wells/features"
# A ring crossing itself in its middle (a bowtie), near Thanh Hóa city.
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[105.6, 19.9], [105.62, 19.92], [105.62, 19.9], [105.6, 19.92], [105.6, 19.9]]],
}


@pytest.fixture(scope="module")
def editor(make_account):
    """An editor of the layers these tests write."""
    return make_account("editor", ["groundwater_wells", "reservoirs", "patrol_routes", "protected_areas"])


def _refused(client, db, layer_id: str, body, editor, status: int = 422, **kwargs) -> dict:
    """POST the body, assert the status and that the layer is unchanged, and return the error."""
    before = layer_snapshot(db, layer_id)
    response = client.post(f"/api/layers/{layer_id}/features", json=body, headers=editor.bearer, **kwargs)
    assert response.status_code == status, response.get_json()
    assert response.is_json
    assert layer_snapshot(db, layer_id) == before
    return response.get_json()["error"]


def _problem(client, db, layer_id: str, body, editor, field: str, **kwargs) -> dict:
    """The problem the 422 reports at `field`."""
    error = _refused(client, db, layer_id, body, editor, **kwargs)
    assert error["code"] == "invalid_feature"
    assert field in error["problems"], error
    assert field in error["message"]
    return error["problems"][field]


def test_wrong_geometry_type_is_422(client, db, editor):
    line = {"type": "LineString", "coordinates": [[105.6, 19.9], [105.7, 19.95]]}
    problem = _problem(client, db, "groundwater_wells", well(geometry=line), editor, "geometry")
    assert problem["code"] == "geometry_type"
    assert "Point" in problem["message"] and "LineString" in problem["message"]
    unreadable = {
        "geometry_kind_unknown": {"type": "GeometryCollection", "geometries": [point()]},
        "coordinates_missing": {"type": "Point"},
        "geometry_unreadable": "POINT(105 19)",
    }
    for code, geometry in unreadable.items():
        assert _problem(client, db, "groundwater_wells", well(geometry=geometry), editor, "geometry")["code"] == code
    missing = {"type": "Feature", "properties": {"well_code": unique("GW")}}
    assert _problem(client, db, "groundwater_wells", missing, editor, "geometry")["code"] == "geometry_missing"


RING = [[105.6, 19.9], [105.61, 19.9], [105.61, 19.91], [105.6, 19.9]]


@pytest.mark.parametrize(
    ("layer_id", "geometry", "code", "english"),
    [
        ("groundwater_wells", {"type": "Point", "coordinates": [105.6, 19.9, 1, 2]}, "position_malformed", "2 or 3"),
        ("groundwater_wells", {"type": "Point", "coordinates": [105.6, "19.9"]}, "position_malformed", "2 or 3"),
        ("groundwater_wells", {"type": "Point", "coordinates": [[105.6, 19.9]]}, "position_malformed", "2 or 3"),
        ("groundwater_wells", {"type": "Circle", "coordinates": [105.6, 19.9]}, "geometry_kind_unknown", "'Circle'"),
        ("reservoirs", {"type": "Polygon", "coordinates": [[105.6, 19.9]]}, "coordinates_nesting", "nested"),
        ("reservoirs", {"type": "Polygon", "coordinates": [RING[:3]]}, "ring_too_short", "this has 3"),
        ("reservoirs", {"type": "Polygon", "coordinates": [[*RING[:3], [105.7, 19.95]]]}, "ring_not_closed", "closed"),
        ("patrol_routes", {"type": "LineString", "coordinates": [[105.6, 19.9]]}, "line_too_short", "this has 1"),
    ],
)
def test_a_malformed_geometry_is_named_plainly_in_both_languages(client, db, editor, layer_id, geometry, code, english):
    body = {"type": "Feature", "geometry": geometry, "properties": {}}
    problem = _problem(client, db, layer_id, body, editor, "geometry", query_string={"lang": "en"})
    assert problem["code"] == code and english in problem["message"], problem
    assert "Exception" not in problem["message"]
    vietnamese = _problem(client, db, layer_id, body, editor, "geometry", query_string={"lang": "vi"})["message"]
    assert vietnamese != problem["message"] and vietnamese.isprintable()


def test_polygon_is_promoted_into_a_multipolygon_layer(client, db, editor):
    body = {
        "type": "Feature",
        "geometry": square(105.3, 19.6),
        "properties": {"name": unique("Khu thử"), "category": "landscape"},
    }
    response = client.post("/api/layers/protected_areas/features", json=body, headers=editor.bearer)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    try:
        assert [n["code"] for n in created["notices"]] == ["promoted"]
        assert "MultiPolygon" in created["notices"][0]["message"]
        assert created["geometry"]["type"] == "MultiPolygon"
        assert row(db, "protected_areas", created["id"])["wkt"].startswith("MULTIPOLYGON(((105.3 19.6")
    finally:  # other tests read the protected areas: leave none of ours behind
        deleted = client.delete(
            f"/api/layers/protected_areas/features/{created['id']}", headers=editor.bearer | etag(1)
        )
        assert deleted.status_code == 204


def test_single_part_multipoint_is_stored_as_a_point(client, db, editor):
    body = well(geometry={"type": "MultiPoint", "coordinates": [[105.6, 19.9]]})
    created = create(client, "groundwater_wells", body, editor)
    assert created["geometry"] == {"type": "Point", "coordinates": [105.6, 19.9]}
    two = well(geometry={"type": "MultiPoint", "coordinates": [[105.6, 19.9], [105.7, 19.9]]})
    assert _problem(client, db, "groundwater_wells", two, editor, "geometry")["code"] == "geometry_type"


@pytest.mark.parametrize("coordinates", [[106.5, 19.9], [105.6, 21.5], [0, 0], [-105.6, 19.9]])
def test_coordinates_outside_the_province_are_422(client, db, editor, coordinates):
    problem = _problem(client, db, "groundwater_wells", well(geometry=point(*coordinates)), editor, "geometry")
    assert problem["code"] == "outside_province"


def test_a_point_just_past_the_edge_is_within_the_tolerance(client, editor):
    created = create(client, "groundwater_wells", well(geometry=point(104.3743 - 0.01, 19.9)), editor)
    assert created["geometry"]["coordinates"] == [104.3643, 19.9]


def test_non_finite_coordinates_are_422(client, db, editor):
    # 1e999 is valid JSON that Python reads as infinity: the coordinate check must catch it.
    raw = (
        '{"type": "Feature", "properties": {"well_code": "GW-inf"},'
        ' "geometry": {"type": "Point", "coordinates": [1e999, 19.9]}}'
    )
    problem = _problem(
        client, db, "groundwater_wells", None, editor, "geometry", data=raw, content_type="application/json"
    )
    assert problem["code"] == "not_finite"


def test_bowtie_polygon_is_422_with_the_reason_and_repair_mends_it(client, db, editor):
    body = {"type": "Feature", "geometry": BOWTIE, "properties": {"name": unique("Khu thử"), "category": "landscape"}}
    problem = _problem(client, db, "protected_areas", body, editor, "geometry")
    assert problem["code"] == "invalid_geometry"
    assert "Self-intersection" in problem["message"] and "repair=true" in problem["message"]
    response = client.post("/api/layers/protected_areas/features?repair=true", json=body, headers=editor.bearer)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    try:
        assert "repaired" in [n["code"] for n in created["notices"]]
        assert created["geometry"]["type"] == "MultiPolygon" and len(created["geometry"]["coordinates"]) == 2
        with db.cursor() as cur:
            cur.execute(
                "SELECT ST_IsValid(geom), ST_NumGeometries(geom) FROM layerdata.protected_areas WHERE fid = %s",
                (created["id"],),
            )
            assert cur.fetchone() == (True, 2)
        db.rollback()
    finally:
        deleted = client.delete(
            f"/api/layers/protected_areas/features/{created['id']}", headers=editor.bearer | etag(1)
        )
        assert deleted.status_code == 204


def test_bowtie_cannot_be_repaired_into_a_single_polygon(client, db, editor):
    problem = _problem(
        client, db, "reservoirs", reservoir(geometry=BOWTIE), editor, "geometry", query_string={"repair": "true"}
    )
    assert problem["code"] == "repair_failed"


def test_repair_keeps_a_polygon_with_a_spike_a_polygon(client, db, editor):
    """ST_MakeValid leaves the spike as a line beside the polygon: the polygon alone is the repair."""
    spike = {
        "type": "Polygon",
        "coordinates": [
            [
                [105.6, 19.9],
                [105.61, 19.9],
                [105.61, 19.905],
                [105.63, 19.905],
                [105.61, 19.905],
                [105.61, 19.91],
                [105.6, 19.91],
                [105.6, 19.9],
            ]
        ],
    }
    problem = _problem(client, db, "reservoirs", reservoir(geometry=spike), editor, "geometry")
    assert problem["code"] == "invalid_geometry"
    response = client.post(
        "/api/layers/reservoirs/features?repair=true", json=reservoir(geometry=spike), headers=editor.bearer
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["geometry"]["type"] == "Polygon" and "repaired" in [n["code"] for n in created["notices"]]
    with db.cursor() as cur:
        cur.execute("SELECT ST_IsValid(geom), ST_Area(geom) FROM layerdata.reservoirs WHERE fid = %s", (created["id"],))
        assert cur.fetchone() == (True, pytest.approx(0.0001))
    db.rollback()


def test_too_many_vertices_is_422(client, db, editor):
    coordinates = [[round(105.0 + i * 0.00001, 5), 19.9 + (i % 2) * 0.001] for i in range(100_001)]
    body = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": {"route_code": unique("TT"), "patrol_date": "2025-01-02"},
    }
    raw = json.dumps(body, separators=(",", ":"))
    problem = _problem(client, db, "patrol_routes", None, editor, "geometry", data=raw, content_type="application/json")
    assert problem["code"] == "too_many_vertices" and "100000" in problem["message"]


def test_z_is_dropped_with_a_notice(client, db, editor):
    response = client.post(
        WELLS, json=well(geometry={"type": "Point", "coordinates": [105.6, 19.9, 12.5]}), headers=editor.bearer
    )
    assert response.status_code == 201
    created = response.get_json()
    assert [n["code"] for n in created["notices"]] == ["z_dropped"]
    assert created["geometry"]["coordinates"] == [105.6, 19.9]
    with db.cursor() as cur:
        cur.execute("SELECT ST_NDims(geom) FROM layerdata.groundwater_wells WHERE fid = %s", (created["id"],))
        assert cur.fetchone() == (2,)
    db.rollback()


def test_unknown_attribute_and_member_are_422(client, db, editor):
    assert _problem(client, db, "groundwater_wells", well(colour="red"), editor, "colour")["code"] == "unknown"
    assert _problem(client, db, "groundwater_wells", well() | {"style": {}}, editor, "style")["code"] == "unknown"
    for system in ("version", "fid", "updated_by"):
        assert _problem(client, db, "groundwater_wells", well(**{system: 7}), editor, system)["code"] == "unknown"


def test_properties_that_are_not_an_object_are_422_with_a_clear_message(client, db, editor):
    for properties in ("well_code=GW-1", [1, 2], 7):
        body = {"type": "Feature", "geometry": point(), "properties": properties}
        problem = _problem(client, db, "groundwater_wells", body, editor, "properties", query_string={"lang": "en"})
        assert problem["code"] == "not_object" and "object" in problem["message"], problem


def test_required_field_missing_is_422(client, db, editor):
    body = {"type": "Feature", "geometry": point(), "properties": {"depth_m": 10}}
    problem = _problem(client, db, "groundwater_wells", body, editor, "well_code", query_string={"lang": "en"})
    assert problem == {"code": "required", "message": "This field is required."}
    assert _problem(client, db, "groundwater_wells", well("   "), editor, "well_code")["code"] == "required"
    vi = _problem(client, db, "groundwater_wells", body, editor, "well_code", query_string={"lang": "vi"})
    assert vi["message"] == "Trường này là bắt buộc."


def test_max_length_counts_characters_and_text_is_stored_nfc(client, db, editor):
    nfc = "Giếng Hoằng Hóa Đông số ữ ỹ ộ"  # 29 characters, with diacritics throughout
    nfc = (nfc + "ế" * 30)[:30]
    nfd = unicodedata.normalize("NFD", nfc)
    assert len(nfc) == 30 and len(nfd) > 30 and len(nfd.encode()) > 30
    created = create(
        client, "groundwater_wells", well(nfd, commune=unicodedata.normalize("NFD", "Xã Thiệu Hóa")), editor
    )
    with db.cursor() as cur:
        cur.execute(
            "SELECT convert_to(well_code, 'UTF8'), convert_to(commune, 'UTF8')"
            " FROM layerdata.groundwater_wells WHERE fid = %s",
            (created["id"],),
        )
        code_bytes, commune_bytes = cur.fetchone()
    db.rollback()
    assert bytes(code_bytes) == nfc.encode() and bytes(commune_bytes) == "Xã Thiệu Hóa".encode()
    assert created["properties"]["well_code"] == nfc
    problem = _problem(
        client, db, "groundwater_wells", well(nfc + "a"), editor, "well_code", query_string={"lang": "en"}
    )
    assert problem["code"] == "too_long" and problem["message"] == "At most 30 characters (this has 31)."


def test_patch_text_is_stored_nfc(client, db, editor):
    fid = create(client, "groundwater_wells", well(), editor)["id"]
    nfd = unicodedata.normalize("NFD", "Xã Nga Sơn")
    response = client.patch(f"{WELLS}/{fid}", json={"properties": {"commune": nfd}}, headers=editor.bearer | etag(1))
    assert response.status_code == 200
    assert row(db, "groundwater_wells", fid)["commune"] == "Xã Nga Sơn" == unicodedata.normalize("NFC", nfd)


@pytest.mark.parametrize(
    ("properties", "field", "code"),
    [
        ({"aquifer": "xyz"}, "aquifer", "not_in_domain"),
        ({"aquifer": "QH"}, "aquifer", "not_in_domain"),
        ({"depth_m": "12"}, "depth_m", "not_number"),
        ({"depth_m": True}, "depth_m", "not_number"),
        ({"static_level_m": 10**400}, "static_level_m", "not_number"),
        ({"depth_m": -1}, "depth_m", "below_minimum"),
        ({"depth_m": 1000.5}, "depth_m", "above_maximum"),
        ({"drilled_on": "2020-02-30"}, "drilled_on", "not_date"),
        ({"drilled_on": "17/05/2020"}, "drilled_on", "not_date"),
        ({"drilled_on": 20200517}, "drilled_on", "not_date"),
        ({"commune": 12}, "commune", "not_text"),
        ({"commune": "Xã\u0000Tĩnh Gia"}, "commune", "control_characters"),
    ],
)
def test_attribute_problems_are_422_at_their_field(client, db, editor, properties, field, code):
    assert _problem(client, db, "groundwater_wells", well(**properties), editor, field)["code"] == code


@pytest.mark.parametrize(
    ("properties", "field", "code"),
    [
        ({"year_completed": 1.5}, "year_completed", "not_integer"),
        ({"year_completed": 1899}, "year_completed", "below_minimum"),
        ({"year_completed": 2101}, "year_completed", "above_maximum"),
        ({"year_completed": 2**40}, "year_completed", "not_integer"),
        ({"purpose": "fishing"}, "purpose", "not_in_domain"),
    ],
)
def test_reservoir_attribute_problems(client, db, editor, properties, field, code):
    assert _problem(client, db, "reservoirs", reservoir(**properties), editor, field)["code"] == code


def test_messages_name_the_limits(client, db, editor):
    problem = _problem(
        client, db, "groundwater_wells", well(depth_m=-1), editor, "depth_m", query_string={"lang": "en"}
    )
    assert problem["message"] == "The value must not be less than 0."
    domain = _problem(
        client, db, "groundwater_wells", well(aquifer="x"), editor, "aquifer", query_string={"lang": "en"}
    )
    assert domain["message"] == "The value must be one of: qh, qp, n, t2."


def test_every_problem_is_reported_at_once(client, db, editor):
    body = {"type": "Feature", "geometry": point(0, 0), "properties": {"depth_m": "deep", "aquifer": "x", "extra": 1}}
    error = _refused(client, db, "groundwater_wells", body, editor)
    assert set(error["problems"]) == {"geometry", "depth_m", "aquifer", "extra", "well_code"}


def test_integer_given_as_a_whole_float_is_stored(client, db, editor):
    created = create(client, "reservoirs", reservoir(year_completed=1999.0), editor)
    assert row(db, "reservoirs", created["id"])["year_completed"] == 1999


def test_a_database_check_the_validation_misses_is_422_at_its_field(client, db, editor):
    """A CHECK only the database knows (added here) must come back as a 422 naming the field, never a 500."""
    fid = create(client, "groundwater_wells", well(depth_m=10), editor)["id"]
    with db.cursor() as cur:
        cur.execute("ALTER TABLE layerdata.groundwater_wells ADD CONSTRAINT no_666_wells CHECK (depth_m <> 666)")
        cur.execute("ALTER TABLE layerdata.groundwater_wells ADD CHECK (static_level_m <> 13)")
    db.commit()
    try:
        problem = _problem(client, db, "groundwater_wells", well(depth_m=666), editor, "depth_m")
        assert problem["code"] == "database"
        assert (
            _problem(client, db, "groundwater_wells", well(static_level_m=13), editor, "static_level_m")["code"]
            == "database"
        )
        before = row(db, "groundwater_wells", fid)
        patched = client.patch(f"{WELLS}/{fid}", json={"properties": {"depth_m": 666}}, headers=editor.bearer | etag(1))
        assert patched.status_code == 422 and "depth_m" in patched.get_json()["error"]["problems"]
        assert row(db, "groundwater_wells", fid) == before
    finally:
        with db.cursor() as cur:
            cur.execute("ALTER TABLE layerdata.groundwater_wells DROP CONSTRAINT no_666_wells")
            cur.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'layerdata.groundwater_wells'::regclass"
                " AND pg_get_constraintdef(oid) LIKE '%static_level_m <> %13%'"
            )
            for (name,) in cur.fetchall():
                cur.execute(f'ALTER TABLE layerdata.groundwater_wells DROP CONSTRAINT "{name}"')
        db.commit()


def test_put_validates_like_create(client, db, editor):
    fid = create(client, "groundwater_wells", well(depth_m=10), editor)["id"]
    before = row(db, "groundwater_wells", fid)
    response = client.put(
        f"{WELLS}/{fid}", json=well(depth_m=-5, geometry=point(0, 0)), headers=editor.bearer | etag(1)
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["problems"]) == {"depth_m", "geometry"}
    assert row(db, "groundwater_wells", fid) == before
