"""A person uses a curated view in Chromium: from the list, through the form, to real rows.

Lives with the other browser tests so that it shares their one Chromium and service.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser.browserkit import Tab, screenshot_dir
from tests.service.servicekit import Service, http

BODEM = "https://w3id.org/kringloop/id/thema/bodem-water-milieu"
ZEKER = "https://w3id.org/kringloop/id/kolom/zeker"
OpenTab = Callable[..., Tab]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_choose_a_theme_and_column_and_see_its_activities(
    open_tab: OpenTab,
    site: Service,
    javascript: bool,
) -> None:
    tab = open_tab("/views", javascript=javascript)
    page = tab.page
    page.get_by_role("link", name="Activiteiten per thema en kolom").click()
    page.select_option("#param-thema", BODEM)
    page.select_option("#param-kolom", ZEKER)
    page.click("#show")
    page.wait_for_selector("#result-table")

    expected = http.get(
        f"{site.url}/views/activiteiten-per-thema.json", params={"thema": BODEM, "kolom": ZEKER}
    ).json()["results"]["bindings"]
    rows = page.locator("#result-table tbody tr")
    assert rows.count() == len(expected) > 5
    headers = page.locator("#result-table thead th").all_inner_texts()
    theme_cells = rows.locator(f"td:nth-child({headers.index('thema') + 1})").all_inner_texts()
    assert set(theme_cells) == {"Bodem, Water, Milieu"}
    labels = rows.locator("td:first-child").all_inner_texts()
    assert labels == [row["activiteitLabel"]["value"] for row in expected]
    assert page.locator("#param-thema").input_value() == BODEM
    assert "thema=" in page.url and "kolom=" in page.url  # shareable by URL

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    saved = Path(download.value.path())
    assert saved.read_text(encoding="utf-8").count("\n") == len(expected) + 1

    shots = screenshot_dir()
    name = "with-js" if javascript else "without-js"
    page.screenshot(path=str(shots / f"view-activiteiten-per-thema-{name}.png"), full_page=True)
    tab.assert_clean()
