"""In Chromium: a search result says where it is, "trên sông Mã" or "ở xã …", in the page's language."""

from __future__ import annotations

import pytest

from tests.test_map_browser import open_map
from tests.test_search import placed_permits  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

SAID = {
    "vi": ("Công ty thử nghiệm, trên sông Mã", "Công ty thử nghiệm, ở {commune}"),
    "en": ("Công ty thử nghiệm, on sông Mã", "Công ty thử nghiệm, in {commune}"),
}


def _detail(page, query: str) -> str:
    page.locator(".atlas-search input").fill(query)
    result = page.locator(".atlas-search-result", has_text=query).first
    result.wait_for(timeout=10_000)
    return result.locator(".atlas-search-detail").inner_text()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_search_results_say_where_they_are(chromium, live_url, placed_permits, lang):  # noqa: F811
    watched = open_map(chromium, live_url + f"/?lang={lang}")
    page = watched.page
    on_river, in_commune = SAID[lang]
    assert _detail(page, "999/GP-THU-SONG") == on_river
    # Inside the phrase the commune's class noun (Xã, Phường) is written in lower case.
    commune = placed_permits["commune"]
    assert _detail(page, "999/GP-THU-XA") == in_commune.format(commune=commune[0].lower() + commune[1:])
    assert watched.errors == []
    page.close()
