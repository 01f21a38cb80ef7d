"""One formatting rule per field: pages, popups (the map's own script, run by Node) and exports agree."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from layers.catalogue import FieldDef
from layers.display import display_spec, format_plain
from layers.sample.definitions import PROTECTED_AREAS, RESERVOIRS
from tests.exporting import download, unpack
from tests.test_feature_pages import attribute, first_fid, html_of

ROOT = Path(__file__).resolve().parent.parent
YEAR = PROTECTED_AREAS.field("established_year")
STORAGE = RESERVOIRS.field("storage_m3")
DAM = RESERVOIRS.field("dam_height_m")


def popup_text(field: FieldDef, value, lang: str) -> str:
    """What atlas-popup.js writes for the value, run in Node as the page's script."""
    script = (
        "import { load } from './tests/js/load.mjs';"
        "const a = load('map/atlas-dom.js', 'map/atlas-popup.js');"
        "const [field, value, lang] = JSON.parse(process.argv[1]);"
        "process.stdout.write(a.AtlasPopup.formatValue({config: {lang}, t: (k) => k}, field, value));"
    )
    spec = {"type": field.type, "display": display_spec(field), "domain": {}}
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps([spec, value, lang])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("field", "value", "lang", "expected"),
    [
        (YEAR, 1999, "vi", "1999"),
        (YEAR, 1999, "en", "1999"),
        (STORAGE, 1234567.8, "vi", "1.234.568"),
        (STORAGE, 1234567.8, "en", "1,234,568"),
        (DAM, 35.25, "vi", "35,3"),
        (DAM, 35.25, "en", "35.3"),
    ],
)
def test_pages_and_popups_write_a_value_alike(field, value, lang, expected):
    assert format_plain(field, value, lang) == expected
    assert popup_text(field, value, lang) == expected


def test_the_layer_page_writes_a_years_range_as_years(client):
    html = client.get("/layers/protected_areas").get_data(as_text=True)
    row = re.search(r'<tr data-field="established_year">.*?</tr>', html, re.S)
    assert row and '<span class="range">1900 – 2100</span>' in row.group(0)
    assert "1.900" not in row.group(0)


def test_the_feature_page_writes_years_and_decimals_by_their_kind(client, db):
    fid = first_fid(db, "protected_areas", "established_year IS NOT NULL")
    with db.cursor() as cur:
        cur.execute("SELECT established_year FROM layerdata.protected_areas WHERE fid = %s", (fid,))
        (year,) = cur.fetchone()
    html = html_of(client, f"/layers/protected_areas/features/{fid}")
    assert attribute(html, "established_year") == str(year)
    html_en = html_of(client, f"/layers/protected_areas/features/{fid}?lang=en")
    assert attribute(html_en, "established_year") == str(year)


def test_the_map_hands_the_popups_each_fields_display_kind(client):
    html = client.get("/").get_data(as_text=True)
    assert '"name": "established_year"' in html or '"name":"established_year"' in html
    assert re.search(r'"name": ?"established_year".*?"display": ?\{"digits": ?null, ?"kind": ?"year"\}', html) or (
        re.search(r'"name": ?"established_year".*?"display": ?\{"kind": ?"year", ?"digits": ?null\}', html)
    )


def test_exports_write_years_as_years_and_list_each_display_kind(client, db, tmp_path):
    rows = list(
        csv.DictReader(
            io.StringIO(download(client, "/api/layers/protected_areas/export?format=csv").decode("utf-8-sig"))
        )
    )
    years = [r["established_year"] for r in rows if r["established_year"]]
    assert years and all(re.fullmatch(r"(19|20)\d\d", y) for y in years)
    names = unpack(download(client, "/api/layers/protected_areas/export?format=shp"), tmp_path)
    crosswalk = next(n for n in names if n.endswith("_fields.csv"))
    listed = {r["full_name"]: r for r in csv.DictReader(io.StringIO((tmp_path / crosswalk).read_text("utf-8-sig")))}
    assert listed["established_year"]["display"] == "year"
    assert listed["area_ha"]["display"] == "decimal(1)"
