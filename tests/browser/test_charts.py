"""A person looks at the views' pictures in Chromium: drawn beside their tables, no errors.

The pictures are inline SVG under the pages' strict Content-Security-Policy; a blocked
style or script would be a console error, which ``assert_clean`` refuses.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.browserkit import Tab, screenshot_dir
from tests.service.servicekit import Service, http

OpenTab = Callable[..., Tab]
WATERPARTNERS = "https://w3id.org/kringloop/id/partnergroep/waterpartners"


def save_screenshot(tab: Tab, name: str) -> None:
    shots = screenshot_dir()
    tab.page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def assert_chart_beside_table(tab: Tab) -> None:
    """The picture is drawn (it has a size on screen) next to the table, not under it."""
    page = tab.page
    chart = page.locator(".chart-and-table #chart svg[role='img']")
    table = page.locator(".chart-and-table #result-table")
    assert chart.is_visible() and table.is_visible()
    chart_box, table_box = chart.bounding_box(), table.bounding_box()
    assert chart_box is not None and table_box is not None
    assert chart_box["width"] > 200 and chart_box["height"] > 150
    assert chart_box["y"] <= table_box["y"]
    side_by_side = chart_box["x"] + chart_box["width"] <= table_box["x"]
    above = chart_box["y"] + chart_box["height"] <= table_box["y"]
    assert side_by_side or above


@pytest.mark.parametrize("locale", ["nl-NL", "en-GB"])
def test_the_r_ladder_bar_chart_beside_its_table(
    open_tab: OpenTab, site: Service, locale: str
) -> None:
    tab = open_tab("/views/r-ladder-dekking", locale=locale)
    page = tab.page
    page.wait_for_selector("#chart svg")
    assert_chart_beside_table(tab)
    title = "Dekking van de R-ladder" if locale == "nl-NL" else "R-ladder coverage"
    assert page.get_by_role("img", name=title).is_visible()

    rows = http.get(f"{site.url}/views/r-ladder-dekking.json").json()["results"]["bindings"]
    categories = page.locator("#chart .bar-category")
    assert categories.count() == len(rows) == 11
    certain = page.locator("#chart .bar-value[data-series='zeker']").all_text_contents()
    assert certain == [row["zeker"]["value"] for row in rows]
    headers = page.locator("#result-table thead th").all_inner_texts()
    column = headers.index("zeker") + 1
    cells = page.locator(f"#result-table tbody td:nth-child({column})").all_inner_texts()
    assert cells == certain  # the table beside it holds the same numbers
    # The hatched pattern is really painted: the pattern element is in the drawn SVG.
    assert page.locator("#chart pattern#bar-hatch").count() == 1

    save_screenshot(tab, f"chart-r-ladder-{locale}")
    tab.assert_clean()


def test_a_heatmap_beside_its_table(open_tab: OpenTab, site: Service) -> None:
    tab = open_tab("/views/thema-doel-matrix")
    page = tab.page
    page.wait_for_selector("#chart svg")
    assert_chart_beside_table(tab)
    rows = http.get(f"{site.url}/views/thema-doel-matrix.json").json()["results"]["bindings"]
    values = page.locator("#chart .heatmap-value").all_text_contents()
    assert len(values) == len(rows) == 30
    assert sum(int(value) for value in values) == sum(int(r["activiteiten"]["value"]) for r in rows)
    save_screenshot(tab, "chart-thema-doel-matrix")
    tab.assert_clean()


def test_narrow_the_network_to_one_partner_with_the_form(open_tab: OpenTab) -> None:
    tab = open_tab("/views/partnernetwerk", javascript=False)
    page = tab.page
    page.select_option("#param-partner", WATERPARTNERS)
    page.click("#show")
    page.wait_for_selector("#chart svg")
    assert_chart_beside_table(tab)
    partners = page.locator("#chart .node[data-kind='partner']")
    assert partners.count() == 1
    assert partners.first.get_attribute("data-iri") == WATERPARTNERS
    assert page.locator("#chart .node[data-kind='theme']").count() >= 1
    link = page.locator("#chart-svg").get_attribute("href") or ""
    assert "partner=" in link and link.startswith("/views/partnernetwerk.svg")
    save_screenshot(tab, "chart-partnernetwerk-waterpartners")
    tab.assert_clean()
