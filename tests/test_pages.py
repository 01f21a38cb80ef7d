"""The HTML catalogue and layer pages."""

from __future__ import annotations


def test_catalogue_page_groups_layers_by_theme(client):
    response = client.get("/layers")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    for title in ("Hành chính", "Tài nguyên nước", "Đa dạng sinh học", "Xã, phường (từ 01/7/2025)", "Trạm thủy văn"):
        assert title in html
    assert html.index("Hành chính") < html.index("Tài nguyên nước") < html.index("Đa dạng sinh học")
    assert '<td class="num">166</td>' in html


def test_layer_page_shows_metadata_and_attribute_dictionary(client):
    html = client.get("/layers/protected_areas").get_data(as_text=True)
    assert "Khu bảo tồn, vườn quốc gia" in html
    assert "Chi cục Kiểm lâm" in html
    assert "<code>national_park</code> Vườn quốc gia" in html
    assert "Năm thành lập" in html


def test_unknown_layer_page_is_html_404(client):
    response = client.get("/layers/khong-co")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_home_opens_the_catalogue(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/layers")
