"""XSS and CSV formula injection through a published partner graph.

Its own service: Cirkelregio publishes activities whose labels are markup and spreadsheet
formulas, with a ``javascript:`` IRI as an object. The pages show them as text (escaped,
no live ``javascript:`` link) and the CSV files neutralise every formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
import requests

from tests.graphstore.gskit import CIRKELREGIO, Partners, example, put, register_partners
from tests.security.seckit import Unchanged, assert_problem, parse_html
from tests.service.servicekit import Service, start_managed

NS = "https://w3id.org/kringloop/id/partner/cirkelregio-utrecht/activiteit/"
JAVASCRIPT = "javascript:alert(1)"
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</td></tr></table><a href='javascript:alert(1)'>klik</a>",
    "<svg/onload=alert(1)>",
]
FORMULAS = [
    '=HYPERLINK("http://evil.example","klik")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
#: Labels that start with a tab or carriage return do not even pass the gate (the shapes
#: refuse labels with leading white space), so they never reach a CSV file.
WHITESPACE_FORMULAS = ["\t=1+1", "\r=1+1", " =1+1", "\n=1+1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def turtle_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n") + '"'


def hostile_graph(labels: list[str]) -> bytes:
    """The example graph plus one activity per hostile label."""
    lines = []
    for number, label in enumerate(labels):
        lines.append(
            f"<{NS}hostile-{number}> a kl:Activiteit , prov:Entity ;\n"
            f"    rdfs:label {turtle_string(label)}@nl ;\n"
            "    kl:thema thema:economie ;\n"
            "    kl:kolom kolom:zeker ;\n"
            "    kl:partner netwerk:cirkelregio-utrecht ;\n"
            "    dcterms:source cr-document:werkplan-2022 ;\n"
            f"    rdfs:seeAlso <{JAVASCRIPT}> ;\n"
            '    skos:editorialNote "Testgegevens: kwaadaardige labels."@nl ,\n'
            '        "Test data: hostile labels."@en .\n'
        )
    return example(CIRKELREGIO) + b"\n" + "\n".join(lines).encode()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Partners]]:
    directory = tmp_path_factory.mktemp("hostile")
    partners = register_partners(directory / "var")
    service = start_managed(directory)
    try:
        created = put(
            service,
            partners,
            CIRKELREGIO,
            partners.graph(CIRKELREGIO),
            hostile_graph(MARKUP + FORMULAS),
        )
        assert created.status_code == 201, created.text
        yield service, partners
    finally:
        service.stop()


PAGES = [
    "/activiteiten?lang=nl",
    "/activiteiten?lang=en",
    "/views/activiteiten-per-thema",
    *[f"/doc/partner/cirkelregio-utrecht/activiteit/hostile-{n}" for n in range(len(MARKUP))],
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_show_markup_as_text(hostile: tuple[Service, Partners], path: str) -> None:
    service, partners = hostile
    with Unchanged(service, partners):
        response = requests.get(f"{service.url}{path}", timeout=60)
        assert response.status_code == 200, response.text[:300]
        assert response.headers["Content-Type"].startswith("text/html")
        page = parse_html(response.text)
        text = "".join(page.text)
        shown = [label for label in MARKUP if label in text]
        assert shown, f"no hostile label on {path}: the case would test nothing"
        for tag, name, value in page.attributes:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href", "data"):
                assert not value.strip().lower().startswith("javascript:"), (tag, name, value)
        assert ("img", "src", "x") not in page.attributes
        assert not any("alert(1)" in script for script in page.script_text)


def test_the_javascript_iri_is_no_link(hostile: tuple[Service, Partners]) -> None:
    """The resource page lists the rdfs:seeAlso IRI, as text and not as a live link."""
    service, partners = hostile
    with Unchanged(service, partners):
        response = requests.get(
            f"{service.url}/doc/partner/cirkelregio-utrecht/activiteit/hostile-0", timeout=60
        )
        page = parse_html(response.text)
        assert JAVASCRIPT in "".join(page.text)
        links = [value for tag, name, value in page.attributes if name in ("href", "src")]
        assert not [link for link in links if link.strip().lower().startswith("javascript")]


CSV_FILES = [
    "/activiteiten.csv",
    "/activiteiten.csv?bom=1",
    "/views/activiteiten-per-thema.csv",
    "/views/activiteiten-per-thema.csv?lang=en",
]


@pytest.mark.parametrize("path", CSV_FILES)
def test_csv_neutralises_formulas(hostile: tuple[Service, Partners], path: str) -> None:
    service, partners = hostile
    with Unchanged(service, partners):
        response = requests.get(f"{service.url}{path}", timeout=60)
        assert response.status_code == 200, response.text[:300]
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        cells = [cell for row in rows for cell in row]
        found = {formula for formula in FORMULAS for cell in cells if cell.lstrip("'") == formula}
        assert found == set(FORMULAS), f"missing from {path}: {set(FORMULAS) - found}"
        dangerous = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
        assert dangerous == [], dangerous


@pytest.mark.parametrize("label", WHITESPACE_FORMULAS, ids=repr)
def test_formulas_behind_white_space_are_refused(
    hostile: tuple[Service, Partners], label: str
) -> None:
    service, partners = hostile
    body = hostile_graph(MARKUP + FORMULAS + [label])
    with Unchanged(service, partners):
        response = put(service, partners, CIRKELREGIO, partners.graph(CIRKELREGIO), body)
        problem = assert_problem(response, 422, "nothing was stored")
        paths = {
            result["resultPath"]
            for result in problem["report"]["results"]
            if result["severity"] == "Violation"
        }
        assert paths == {"rdfs:label"}, problem["report"]["results"]
