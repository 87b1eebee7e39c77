"""Resource pages and the ontology's documentation in Chromium: an activity's page from
its URI (303 followed by the browser), its links, and /def#Activiteit."""

from __future__ import annotations

from collections.abc import Callable

from tests.browser.browserkit import Tab, screenshot_dir
from tests.service.servicekit import Service

ACTIVITY = "activiteit/circulair-opnemen-in-regionaal-programmeren-wonen-en-werken"
OpenTab = Callable[..., Tab]


def test_activity_page_from_its_uri(open_tab: OpenTab, site: Service) -> None:
    tab = open_tab(f"/id/{ACTIVITY}")
    page = tab.page
    assert page.url == f"{site.url}/doc/{ACTIVITY}"
    assert page.locator("h1#label").inner_text() == (
        "Circulair opnemen in regionaal programmeren wonen en werken"
    )
    document = page.locator("section[data-kind='document']")
    interpretation = page.locator("section[data-kind='interpretation']")
    assert document.get_by_role("heading", name="Wat het document zegt").is_visible()
    assert interpretation.get_by_role("heading", name="Interpretatie van de redactie").is_visible()
    assert interpretation.get_by_role("link", name="Netwerkpartner en verbinder").is_visible()
    # The provenance folds open.
    document.locator("details.provenance summary").click()
    assert document.get_by_role("link", name="Redactie Kringloop").is_visible()
    assert page.locator("#findings").is_visible()
    assert page.locator("#inverse a[href^='/doc/interpretatie/']").count() == 4
    page.screenshot(path=str(screenshot_dir() / "resource-activity.png"), full_page=True)
    # Following a value goes to that resource's page.
    document.get_by_role("link", name="Ruimtelijke ordening").click()
    page.wait_for_url(f"{site.url}/doc/thema/ruimtelijke-ordening")
    assert page.locator(f"#inverse a[href='/doc/{ACTIVITY}']").count() == 1
    # English by the switch.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en")
    assert page.get_by_role("heading", name="What points here").is_visible()
    tab.assert_clean()


def test_def_page_anchors(open_tab: OpenTab, site: Service) -> None:
    tab = open_tab("/def?lang=en#Activiteit")
    page = tab.page
    term = page.locator("section#Activiteit")
    assert term.is_visible()
    assert term.locator("h3").inner_text().startswith("kl:Activiteit")
    assert term.locator("dd[lang='nl']").inner_text().startswith("activiteit")
    assert term.locator("dd[lang='en']").inner_text().startswith("activity")
    # The anchor is scrolled to: the term's heading is in the viewport.
    box = term.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert 0 <= box["y"] < viewport["height"]
    page.screenshot(path=str(screenshot_dir() / "resource-def.png"))
    page.locator("section#thema").get_by_role("link", name="kl:Thema", exact=True).click()
    page.wait_for_url("**#Thema")
    tab.assert_clean()
