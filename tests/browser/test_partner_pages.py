"""The data check (/validate) and the partners page in Chromium: a file chosen in the form
gives its report, hostile literals stay text, and the menu leads there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kringloop.paths import project_root
from tests.browser.browserkit import Tab, screenshot_dir

OpenTab = Callable[..., Tab]
EXAMPLES = project_root() / "examples" / "partners"

HOSTILE = """@prefix kl: <https://w3id.org/kringloop/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/kringloop/id/partner/x/activiteit/Fout> a kl:Activiteit ;
    rdfs:label "<img src=x onerror=alert(1)>"@en .
"""


def test_a_chosen_file_is_checked_and_reported(open_tab: OpenTab) -> None:
    tab = open_tab("/validate")
    page = tab.page
    assert page.get_by_role("heading", name="Gegevens controleren").is_visible()
    page.set_input_files("#file", str(EXAMPLES / "invalid.ttl"))
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_selector("#verdict")
    assert "voldoen niet" in page.locator("#verdict").inner_text()
    assert "3 overtredingen" in " ".join(page.locator("#verdict").inner_text().split())
    rows = page.locator("#results tbody tr.violation")
    assert rows.count() == 3
    assert page.locator("#results").get_by_text("Pilot_Textielinzameling").count() >= 1
    page.screenshot(path=str(screenshot_dir() / "validate-invalid.png"), full_page=True)
    tab.assert_clean()


def test_pasted_hostile_literals_stay_text(open_tab: OpenTab, tmp_path: Path) -> None:
    tab = open_tab("/validate?lang=en")
    page = tab.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.fill("#data", HOSTILE)
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#verdict")
    assert "does not conform" in page.locator("#verdict").inner_text()
    assert page.locator("#results img").count() == 0
    assert dialogs == []
    tab.assert_clean()


def test_the_menu_leads_to_partners_and_the_check(open_tab: OpenTab) -> None:
    tab = open_tab("/")
    page = tab.page
    page.get_by_role("link", name="Partners").first.click()
    page.wait_for_url("**/partners**")
    assert page.locator("h1").first.is_visible()
    page.get_by_role("link", name="Gegevens controleren").click()
    page.wait_for_url("**/validate**")
    assert page.locator("#validate-form").is_visible()
    tab.assert_clean()
