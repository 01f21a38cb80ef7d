"""The HTML catalogue and layer pages: grouping, languages, every metadata value, downloads, errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import escape

# The layers the public sees (patrol routes are for signed-in officials: tests/test_sensitive_data.py).
LAYER_IDS = [
    "province",
    "communes",
    "rivers",
    "reservoirs",
    "groundwater_wells",
    "water_permits",
    "water_quality_stations",
    "hydro_stations",
    "protected_areas",
    "forest_cover",
    "species_observations",
]


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def shown(value: str) -> str:
    """How a value looks in the page source once Jinja has escaped it."""
    return str(escape(value))


def vi_date(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def test_catalogue_page_groups_layers_by_theme(client, db):
    html = html_of(client, "/layers")
    assert '<html lang="vi">' in html
    for title in ("Hành chính", "Tài nguyên nước", "Đa dạng sinh học", "Xã, phường (từ 01/7/2025)", "Trạm thủy văn"):
        assert title in html
    assert html.index("Hành chính") < html.index("Tài nguyên nước") < html.index("Đa dạng sinh học")
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM layerdata.communes")
        (communes,) = cur.fetchone()
    card = html[html.index('data-layer="communes"') :]
    assert f'data-count="{communes}">{communes}</dd>' in card[: card.index("</article>")]
    for layer_id in LAYER_IDS:
        assert f'href="/layers/{layer_id}"' in html


def test_catalogue_shows_abstracts_geometry_and_a_filter_without_external_scripts(client):
    html = html_of(client, "/layers")
    assert shown("Các hồ chứa thủy lợi, thủy điện trên địa bàn tỉnh") in html
    assert "Đa vùng" in html and "Điểm" in html
    assert 'id="layer-filter"' in html and 'type="search"' in html
    assert 'normalize("NFD")' in html  # the filter folds diacritics: "pu luong" finds "Pù Luông"
    assert "<script src" not in html and "cdn" not in html.lower()
    # The card carries the text the filter searches in both languages.
    assert re.search(r'data-search="[^"]*Khu bảo tồn, vườn quốc gia[^"]*Protected areas', html)


def test_language_switch_changes_strings_and_html_lang(client):
    vi = html_of(client, "/layers")
    en = html_of(client, "/layers?lang=en")
    assert '<html lang="en">' in en
    assert "Layer catalogue" in en and "Danh mục lớp dữ liệu" not in en
    assert "Administrative" in en and "Water resources" in en and "Biodiversity" in en
    assert "Communes and wards (from 1 July 2025)" in en
    # Besides the filter's search text (both languages on purpose), the page is all English.
    assert "Xã, phường (từ 01/7/2025)" not in re.sub(r'data-search="[^"]*"', "", en)
    assert 'href="?lang=en"' in vi and 'href="?lang=vi"' in en
    # The choice is remembered in a cookie for the next page.
    assert '<html lang="en">' in html_of(client, "/layers/rivers")
    assert '<html lang="vi">' in html_of(client, "/layers/rivers?lang=vi")


def test_language_links_keep_the_other_query_arguments(client):
    html = html_of(client, "/layers?x=1")
    assert 'href="?x=1&amp;lang=en"' in html


@pytest.mark.parametrize("path", ["/%5Cevil.example/", "/%09/evil.example", "//evil.example/x"])
def test_language_links_never_lead_to_another_host(client, path):
    html = client.get(path).get_data(as_text=True)
    links = re.findall(r'href="([^"]*lang=[^"]*)"', html)
    assert links and all(link.startswith("?") for link in links)


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_layer_page_lists_every_field_and_metadata_value(client, layer_id):
    detail = client.get(f"/api/layers/{layer_id}").get_json()
    html = html_of(client, f"/layers/{layer_id}")
    meta = detail["metadata"]
    assert shown(detail["title"]["vi"]) in html
    for key in ("abstract_vi", "lineage_vi", "source_organisation", "contact_name", "contact_email"):
        assert shown(meta[key]) in html, key
    for key in ("contact_phone", "license", "access_constraints", "crs"):
        assert shown(meta[key]) in html, key
    for key in ("topic_category", "update_frequency", "reference_date_type", "language"):
        assert f"<code>{meta[key]}</code>" in html, key
    assert shown(", ".join(meta["keywords_vi"])) in html
    assert vi_date(meta["temporal_start"]) in html and vi_date(meta["reference_date"]) in html
    if meta["temporal_end"]:
        assert vi_date(meta["temporal_end"]) in html
    for field in detail["fields"]:
        row = html[html.index(f'<tr data-field="{field["name"]}">') :]
        row = row[: row.index("</tr>")]
        assert f"<code>{field['name']}</code>" in row
        assert shown(field["label_vi"]) in row and shown(field["label_en"]) in row
        if field["unit"]:
            assert shown(field["unit"]) in row
        for value in field["domain"]:
            assert f"<code>{value['code']}</code> {shown(value['label_vi'])}" in row
    assert f'data-count="{detail["feature_count"]}"' in html


def test_layer_page_shows_extent_map_and_download_links(client):
    html = html_of(client, "/layers/reservoirs")
    assert '<svg class="locator"' in html and 'class="outline"' in html and 'class="extent"' in html
    assert 'href="/api/layers/reservoirs/export?format=shp&amp;crs=EPSG:5897"' in html
    assert 'href="/api/layers/reservoirs/export?format=kml&amp;crs=EPSG:4326"' in html
    assert 'href="/api/layers/reservoirs"' in html
    assert 'href="/layers/reservoirs/metadata.xml"' in html
    assert "Shapefile VN-2000" in html and "đợt sau" not in html


def test_layer_page_extent_numbers_are_vietnamese(client):
    detail = client.get("/api/layers/rivers").get_json()
    html = html_of(client, "/layers/rivers")
    west = f"{detail['bbox'][0]:.3f}".rstrip("0").replace(".", ",")
    assert west in html[html.index('class="bbox"') :]


def test_english_layer_page_shows_english_titles_labels_and_abstract(client):
    detail = client.get("/api/layers/protected_areas").get_json()
    html = html_of(client, "/layers/protected_areas?lang=en")
    assert f"<h1>{shown(detail['title']['en'])}</h1>" in html
    assert shown(detail["metadata"]["abstract_en"]) in html
    assert shown(", ".join(detail["metadata"]["keywords_en"])) in html
    assert "<code>national_park</code> National park" in html
    assert "Attribute dictionary" in html and "Từ điển thuộc tính" not in html
    assert "Biota" in html  # the topic category in words


def test_layer_page_shows_metadata_and_attribute_dictionary(client):
    html = html_of(client, "/layers/protected_areas")
    assert "Khu bảo tồn, vườn quốc gia" in html
    assert "Chi cục Kiểm lâm" in html
    assert "<code>national_park</code> Vườn quốc gia" in html
    assert "Năm thành lập" in html


def test_unknown_layer_page_is_html_404(client):
    response = client.get("/layers/khong-co")
    assert response.status_code == 404 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in html and "Danh mục không có lớp dữ liệu nào với mã này." in html
    english = client.get("/layers/khong-co?lang=en").get_data(as_text=True)
    assert "Page not found" in english and '<html lang="en">' in english


def test_pages_no_longer_own_the_home_route(app):
    pages_rules = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("pages.")]
    assert "/" not in pages_rules
    assert "/layers" in pages_rules and "/layers/<layer_id>/features/<fid>" in pages_rules
