"""The issue's first "done when": from the home page, in a few clicks, which certain
activities in Bodem, Water, Milieu involve water boards, with their R-strategies, and
the answer as a CSV that opens in a spreadsheet.

Lives with the other browser tests so that it shares their one Chromium and service.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kringloop.viewtables import BOM
from tests.browser.browserkit import Tab, screenshot_dir
from tests.service.servicekit import Service, http

ID = "https://w3id.org/kringloop/id/"
BODEM = ID + "thema/bodem-water-milieu"
ZEKER = ID + "kolom/zeker"
WATERSCHAPPEN = ID + "partnergroep/waterschappen"
OpenTab = Callable[..., Tab]


def count_of(tab: Tab, facet: str, name: str) -> int:
    box = tab.page.locator(f"#facet-{facet}").get_by_role("checkbox", name=re.compile(name))
    label = tab.page.locator(f"label[for='{box.get_attribute('id')}'] .count")
    return int(label.inner_text())


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_certain_soil_water_activities_with_water_boards(
    open_tab: OpenTab,
    site: Service,
    javascript: bool,
) -> None:
    tab = open_tab("/", javascript=javascript)
    page = tab.page
    page.get_by_role("link", name="Activiteiten zoeken en filteren").click()
    page.wait_for_selector("#activity-table")

    # click 1-3: theme and column, then show
    page.locator("#facet-thema").get_by_role("checkbox", name=re.compile("^Bodem, Water")).check()
    page.locator("#facet-kolom").get_by_role("checkbox", name=re.compile("^Zeker")).check()
    page.get_by_role("button", name="Toon activiteiten").click()
    page.wait_for_url(re.compile("kolom="))
    assert page.locator("#activity-table tbody tr").count() == 20
    # the counts follow the filters: water boards within the 20 certain activities
    expected = http.get(
        f"{site.url}/activiteiten.json",
        params={"thema": BODEM, "kolom": ZEKER, "partner": WATERSCHAPPEN},
    ).json()
    assert count_of(tab, "partner", "^waterschappen") == expected["count"] >= 1

    # click 4-5: the water boards (by keyboard: focus, space, then the button with Enter)
    water_boards = page.locator("#facet-partner").get_by_role(
        "checkbox", name=re.compile("^waterschappen")
    )
    water_boards.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Toon activiteiten").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("partner="))

    rows = page.locator("#activity-table tbody tr")
    assert rows.count() == expected["count"]
    labels = rows.locator("td:first-child").all_inner_texts()
    assert labels == [row["label"] for row in expected["activities"]]
    headers = page.locator("#activity-table thead th").all_inner_texts()
    column = headers.index("R-strategieën (volgens de redactie)") + 1
    strategies = rows.locator(f"td:nth-child({column})").all_inner_texts()
    assert strategies == [row["rstrategie"] for row in expected["activities"]]
    assert page.locator("#result-count").inner_text() == (
        "1 activiteit" if len(labels) == 1 else f"{len(labels)} activiteiten"
    )
    for box in ("#facet-thema", "#facet-kolom", "#facet-partner"):
        assert page.locator(f"{box} input:checked").count() == 1

    shots = screenshot_dir()
    name = "with-js" if javascript else "without-js"
    page.screenshot(path=str(shots / f"browse-water-boards-{name}.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    text = Path(download.value.path()).read_bytes().decode("utf-8")
    assert text.endswith("\r\n")  # RFC 4180 line ends
    table = list(csv.DictReader(io.StringIO(text)))
    assert [row["label"] for row in table] == labels
    assert [row["rstrategie"] for row in table] == strategies
    assert all(row["kolom"].startswith("Zeker") for row in table)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV voor Excel").click()
    excel = Path(download.value.path()).read_bytes().decode("utf-8")
    assert excel.startswith(BOM) and excel[1:] == text
    tab.assert_clean()


def test_home_page_and_browser_in_english(open_tab: OpenTab) -> None:
    tab = open_tab("/?lang=en", locale="en-GB")
    page = tab.page
    assert page.get_by_role("link", name="Views", exact=True).count() >= 1
    shots = screenshot_dir()
    page.screenshot(path=str(shots / "home-en.png"), full_page=True)
    page.get_by_role("link", name="Search and filter activities").click()
    page.get_by_label("Search in name and source text").fill("verkenning")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile("q=verkenning"))
    labels = page.locator("#activity-table tbody td:first-child").all_inner_texts()
    assert labels and all(re.search("verken", label, re.IGNORECASE) for label in labels)
    assert "per the editors" in page.locator("#facet-rstrategie legend").inner_text()
    page.screenshot(path=str(shots / "browse-search-en.png"), full_page=True)
    tab.assert_clean()
