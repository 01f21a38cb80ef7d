"""Tests of the sample-data generator (pure Python, no database)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from layers.sample.definitions import SAMPLE_LAYERS
from layers.sample.generate import (
    MEASUREMENT_PARAMETERS,
    generate_measurements,
    generate_sample,
    scale_forest_cover,
    scale_species_observations,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LAYERS = {layer.id: layer for layer in SAMPLE_LAYERS}
TO_VN2000 = Transformer.from_crs("EPSG:4326", "EPSG:5897", always_xy=True)
PY_TYPES = {"text": (str,), "integer": (int,), "number": (int, float), "date": (dt.date,), "boolean": (bool,)}


def vn2000_area_ha(geom: shapely.Geometry) -> float:
    """Area in hectares measured in EPSG:5897, independently of the generator's helpers."""
    projected = shapely.transform(geom, lambda xy: np.column_stack(TO_VN2000.transform(xy[:, 0], xy[:, 1])))
    return projected.area / 1e4


@pytest.fixture(scope="module")
def sample() -> dict:
    return generate_sample(2025)


@pytest.fixture(scope="module")
def province(sample) -> shapely.Geometry:
    geom = sample["province"][0][1]
    shapely.prepare(geom)
    return geom


@pytest.fixture(scope="module")
def measurements(sample) -> list:
    return generate_measurements(sample["water_quality_stations"], 2025)


def test_same_seed_same_output_other_seed_other_draws(sample):
    again = generate_sample(2025)
    for layer_id, features in sample.items():
        assert [p for p, _ in again[layer_id]] == [p for p, _ in features], layer_id
        assert [g.wkb for _, g in again[layer_id]] == [g.wkb for _, g in features], layer_id
    other = generate_sample(7)
    assert [p for p, _ in other["groundwater_wells"]] != [p for p, _ in sample["groundwater_wells"]]
    assert [g.wkb for _, g in other["communes"]] == [g.wkb for _, g in sample["communes"]]


def test_layer_ids(sample):
    assert list(sample) == [layer.id for layer in SAMPLE_LAYERS]


def _check_value(field, value, where: str) -> None:
    if value is None:
        assert not field.required, f"{where}: required field is None"
        return
    assert isinstance(value, PY_TYPES[field.type]), f"{where}: {value!r} is not {field.type}"
    if field.type in ("integer", "number"):
        assert not isinstance(value, bool), where
        assert field.minimum is None or value >= field.minimum, f"{where}: {value} < {field.minimum}"
        assert field.maximum is None or value <= field.maximum, f"{where}: {value} > {field.maximum}"
    if field.type == "text":
        assert value == unicodedata.normalize("NFC", value), f"{where}: not NFC"
        assert value.strip(), f"{where}: blank text"
        assert field.max_length is None or len(value) <= field.max_length, f"{where}: too long"
    if field.domain:
        assert value in {d.code for d in field.domain}, f"{where}: {value!r} not in domain"


def test_properties_follow_definitions(sample):
    for layer_id, features in sample.items():
        layer = LAYERS[layer_id]
        names = [f.name for f in layer.fields]
        assert features, layer_id
        for i, (props, _) in enumerate(features):
            assert list(props) == names, f"{layer_id}[{i}] keys"
            for field in layer.fields:
                _check_value(field, props[field.name], f"{layer_id}[{i}].{field.name}")


def test_geometries_have_the_layer_type_are_valid_and_rounded(sample):
    for layer_id, features in sample.items():
        geoms = np.array([g for _, g in features])
        assert {g.geom_type for g in geoms} == {LAYERS[layer_id].geometry_type}, layer_id
        assert shapely.is_valid(geoms).all(), layer_id
        assert not shapely.is_empty(geoms).any(), layer_id
        xy = shapely.get_coordinates(geoms)
        assert np.array_equal(xy, np.round(xy, 6)), layer_id


def test_province_outline_area_and_extent(sample, province):
    assert len(sample["province"]) == 1
    props = sample["province"][0][0]
    assert (props["name"], props["gso_code"], props["admin_centre"]) == ("Tỉnh Thanh Hóa", "38", "Phường Hạc Thành")
    area_km2 = vn2000_area_ha(province) / 100
    assert abs(area_km2 - 11089) / 11089 < 0.05
    assert abs(props["area_km2"] - area_km2) < 0.1
    bbox = np.array(province.bounds)
    assert np.allclose(bbox, [104.3743, 19.2877, 106.0751, 20.6702], atol=0.005)
    assert 25 <= shapely.get_num_coordinates(shapely.simplify(province, 1e-5)) <= 80


def test_communes_tile_the_province(sample, province):
    communes = sample["communes"]
    geoms = [g for _, g in communes]
    assert len(communes) == 166
    assert [p["code"] for p, _ in communes] == sorted(p["code"] for p, _ in communes)
    assert Counter(p["unit_type"] for p, _ in communes) == {"xa": 147, "phuong": 19}
    grown = province.buffer(1e-9)
    assert all(grown.contains(g) for g in geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(np.take(geoms, left[pairs]), np.take(geoms, right[pairs]))).sum()
    assert overlap < 1e-9
    union = shapely.union_all(geoms)
    assert shapely.symmetric_difference(union, province).area / province.area < 0.001
    for props, geom in communes:
        assert abs(props["area_km2"] - vn2000_area_ha(geom) / 100) < 0.01


def test_mountain_communes_are_larger_than_delta_wards(sample):
    area = {p["name"]: p["area_km2"] for p, _ in sample["communes"]}
    assert area["Xã Mường Lý"] > 5 * area["Phường Hạc Thành"]
    assert area["Xã Bát Mọt"] > area["Xã Thiệu Hóa"] * 4


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not present")
def test_communes_match_the_official_list(sample):
    with open(SHARED / "communes_2025.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected = sorted((r["code"], r["name"], "phuong" if r["type"] == "Phường" else "xa") for r in rows)
    assert [(p["code"], p["name"], p["unit_type"]) for p, _ in sample["communes"]] == expected


def test_protected_areas_have_their_documented_area(sample, province):
    areas = {p["name"]: (p, g) for p, g in sample["protected_areas"]}
    expected = {
        "Vườn quốc gia Bến En": 14735,
        "Khu bảo tồn thiên nhiên Pù Luông": 17662,
        "Khu bảo tồn thiên nhiên Pù Hu": 23000,
        "Vườn quốc gia Xuân Liên": 25601.98,
        "Khu bảo tồn biển Hòn Mê": 6700,
    }
    assert set(areas) == set(expected)
    for name, ha in expected.items():
        props, geom = areas[name]
        assert props["area_ha"] == ha
        assert abs(vn2000_area_ha(geom) - ha) / ha < 0.03, name
        if props["category"] == "marine":
            assert not geom.intersects(province)
        else:
            assert province.buffer(1e-9).contains(geom), name
    assert areas["Vườn quốc gia Xuân Liên"][0]["strict_zone_ha"] == 10869.18
    assert areas["Khu bảo tồn thiên nhiên Pù Luông"][0]["strict_zone_ha"] == 13320


def test_points_of_land_layers_lie_in_the_province(sample, province):
    for layer_id in ("groundwater_wells", "water_permits", "water_quality_stations", "hydro_stations",
                     "species_observations"):  # fmt: skip
        xy = shapely.get_coordinates(np.array([g for _, g in sample[layer_id]]))
        assert shapely.contains_xy(province, xy[:, 0], xy[:, 1]).all(), layer_id


def test_lines_and_plots_lie_in_the_province(sample, province):
    grown = province.buffer(1e-6)
    for layer_id in ("rivers", "reservoirs", "forest_cover", "patrol_routes"):
        assert all(grown.contains(g) for _, g in sample[layer_id]), layer_id


def test_rivers_join_their_parents(sample):
    rivers = {p["name"]: (p, g) for p, g in sample["rivers"]}
    assert {"Sông Mã", "Sông Chu", "Sông Bưởi", "Sông Cầu Chày", "Sông Lèn", "Sông Yên"} <= set(rivers)
    for name, (props, line) in rivers.items():
        projected = shapely.transform(line, lambda xy: np.column_stack(TO_VN2000.transform(xy[:, 0], xy[:, 1])))
        assert abs(props["length_km"] - projected.length / 1000) < 0.01, name
        if props["river_class"] == "tributary":
            parent = rivers[props["flows_into"]][1]
            assert parent.distance(shapely.Point(line.coords[-1])) < 1e-5, name
    assert rivers["Sông Mã"][0]["length_km"] > 150


def test_reservoirs_sizes(sample):
    lakes = {p["name"]: (p, g) for p, g in sample["reservoirs"]}
    for name, ha in (("Hồ Cửa Đạt", 3100), ("Hồ Sông Mực", 3800)):
        assert abs(vn2000_area_ha(lakes[name][1]) - ha) / ha < 0.05, name
    assert lakes["Hồ Cửa Đạt"][0]["storage_m3"] == 1.45e9
    assert lakes["Hồ Yên Mỹ"][0]["irrigated_area_ha"] == 5840
    small = [p for p, _ in sample["reservoirs"] if p["name"] not in ("Hồ Cửa Đạt", "Hồ Sông Mực", "Hồ Yên Mỹ")]
    assert 20 <= len(small) <= 30
    assert all(4.5 <= p["surface_area_ha"] <= 160 for p in small)
    geoms = [g for _, g in sample["reservoirs"]]
    assert not any(a.intersects(b) for i, a in enumerate(geoms) for b in geoms[i + 1 :])


def test_hydro_stations_follow_the_facts(sample):
    stations = {p["name"].removeprefix("Trạm thủy văn "): p for p, _ in sample["hydro_stations"]}
    assert len(stations) == 9
    assert all(p["alarm_level_2_m"] is None and p["alarm_level_3_m"] is None for p in stations.values())
    if SHARED.exists():
        facts = json.loads((SHARED / "thanhhoa_facts.json").read_text(encoding="utf-8"))["hydro_stations"]
        for fact in facts:
            props = stations[fact["name"]]
            assert props["alarm_level_1_m"] == fact.get("alarm_level_1_m")
            assert props["alarm_levels_verified"] is (fact["verified"] is True)


def test_permit_status_is_consistent_with_dates(sample):
    reference = dt.date(2025, 7, 1)
    permits = [p for p, _ in sample["water_permits"]]
    assert 200 <= len(permits) <= 260
    assert len({p["permit_no"] for p in permits}) == len(permits)
    for p in permits:
        assert (p["status"] == "expired") == (p["expires_on"] < reference)
        assert 4.99 <= (p["expires_on"] - p["issued_on"]).days / 365.25 <= 15.01
    assert {p["water_source"] for p in permits} == {"surface", "ground"}


def test_wells_are_in_their_commune_and_mostly_lowland(sample):
    communes = {p["code"]: g for p, g in sample["communes"]}
    wells = sample["groundwater_wells"]
    assert len(wells) == 400
    for props, point in wells:
        assert communes[props["commune_code"]].buffer(1e-9).contains(point)
        assert props["depth_m"] > props["static_level_m"]
    lowland = sum(1 for p, g in wells if g.x > 105.55)
    assert lowland / len(wells) > 0.7


def test_observations_are_mostly_in_protected_areas(sample):
    reserves = shapely.union_all([g for p, g in sample["protected_areas"] if p["category"] != "marine"])
    obs = sample["species_observations"]
    assert len({p["occurrence_id"] for p, _ in obs}) == len(obs) == 3000
    inside = shapely.contains_xy(reserves, *shapely.get_coordinates(np.array([g for _, g in obs])).T)
    assert 0.7 < inside.mean() < 0.95
    langurs = [g for p, g in obs if p["scientific_name"] == "Trachypithecus delacouri"]
    pu_luong = next(g for p, g in sample["protected_areas"] if p["name"].endswith("Pù Luông"))
    assert langurs and all(pu_luong.buffer(1e-9).contains(g) for g in langurs)
    assert all(dt.date(2015, 1, 1) <= p["event_date"] <= dt.date(2025, 7, 1) for p, _ in obs)


def test_forest_plots_do_not_overlap(sample):
    plots = np.array([g for _, g in sample["forest_cover"]])
    assert 1400 <= len(plots) <= 1600
    tree = shapely.STRtree(plots)
    left, right = tree.query(plots, predicate="intersects")
    pairs = left < right
    assert shapely.area(shapely.intersection(plots[left[pairs]], plots[right[pairs]])).sum() < 1e-12
    types = Counter(p["forest_type"] for p, _ in sample["forest_cover"])
    assert types["ngap_man"] > 0 and types["nui_da"] > 0 and types["trong_luong"] > 0
    for props, geom in sample["forest_cover"][:200]:
        assert abs(props["area_ha"] - vn2000_area_ha(geom)) < 0.02


def test_patrol_routes(sample):
    routes = sample["patrol_routes"]
    assert 180 <= len(routes) <= 200
    assert len({p["route_code"] for p, _ in routes}) == len(routes)
    assert np.mean([p["threats_found"] == 0 for p, _ in routes]) > 0.6
    for props, _ in routes:
        # Walking 1.2-2.5 km/h plus half an hour to an hour and a half of stops (rounded to 0.1 h).
        assert props["length_km"] / 2.5 + 0.4 <= props["duration_h"] <= props["length_km"] / 1.2 + 1.6


def test_measurement_series_shape(sample, measurements):
    codes = [code for code, *_ in MEASUREMENT_PARAMETERS]
    assert codes == ["ph", "do", "bod5", "cod", "tss", "nh4", "coliform"]
    stations = [p["station_code"] for p, _ in sample["water_quality_stations"]]
    assert len(measurements) == len(stations) * 60 * 7
    months = {(r[1].year, r[1].month) for r in measurements}
    assert min(months) == (2021, 1) and max(months) == (2025, 12) and len(months) == 60
    per_key = Counter((r[0], r[1].year, r[1].month, r[2]) for r in measurements)
    assert set(per_key.values()) == {1}
    assert all(isinstance(r[3], float) and r[3] > 0 for r in measurements)
    assert measurements == generate_measurements(sample["water_quality_stations"], 2025)


def test_measurements_are_plausible(measurements):
    values = {}
    for station, day, param, value in measurements:
        values.setdefault(param, []).append((station, day.month, value))

    def mean(param, keep):
        return np.mean([v for s, m, v in values[param] if keep(s, m)])

    assert all(6.0 <= v <= 9.0 for _, _, v in values["ph"])
    rainy = lambda s, m: 6 <= m <= 10  # noqa: E731
    dry = lambda s, m: m in (12, 1, 2, 3)  # noqa: E731
    assert mean("tss", rainy) > 1.5 * mean("tss", dry)
    assert mean("coliform", rainy) > mean("coliform", dry)
    assert mean("bod5", lambda s, m: s == "NM-06") > mean("bod5", lambda s, m: s == "NM-01") + 2
    exceed = np.mean([v > 6 for _, _, v in values["bod5"]])
    assert 0.01 < exceed < 0.5


def test_scale_observation_batches():
    batches = list(scale_species_observations(2000, 3, batch_size=700))
    assert [len(b["geom"]) for b in batches] == [700, 700, 600]
    names = [f.name for f in LAYERS["species_observations"].fields]
    for b in batches:
        assert set(b) == {*names, "geom"}
        assert all(len(v) == len(b["geom"]) for v in b.values())
    ids = np.concatenate([b["occurrence_id"] for b in batches])
    assert len(set(ids)) == 2000 and ids[0] == "TH-SCALE-0000001"
    geoms = shapely.from_wkb(np.concatenate([b["geom"] for b in batches]))
    assert shapely.is_valid(geoms).all() and set(shapely.get_type_id(geoms)) == {0}
    province = generate_sample(2025)["province"][0][1]
    assert shapely.contains_xy(province, *shapely.get_coordinates(geoms).T).all()
    dates = np.concatenate([b["event_date"] for b in batches])
    assert all(isinstance(d, str) and "2015-01-01" <= d <= "2025-06-30" for d in dates)
    again = list(scale_species_observations(2000, 3, batch_size=700))
    assert all(np.array_equal(a["geom"], b["geom"]) for a, b in zip(batches, again, strict=True))


def test_scale_forest_batches_do_not_overlap():
    batches = list(scale_forest_cover(2000, 5, batch_size=900))
    assert sum(len(b["geom"]) for b in batches) == 2000
    names = [f.name for f in LAYERS["forest_cover"].fields]
    assert all(set(b) == {*names, "geom"} for b in batches)
    geoms = shapely.from_wkb(np.concatenate([b["geom"] for b in batches]))
    assert shapely.is_valid(geoms).all() and set(shapely.get_type_id(geoms)) == {3}
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    assert shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum() < 1e-12
    codes = {d.code for d in LAYERS["forest_cover"].field("forest_type").domain}
    assert set(np.concatenate([b["forest_type"] for b in batches])) <= codes
    area = np.concatenate([b["area_ha"] for b in batches])
    assert np.allclose(area, [vn2000_area_ha(g) for g in geoms], atol=0.02)
