"""Injection through curated-view parameters (``/views/<name>``, ``.json``, ``.csv``, ``.ttl``,
``.svg`` and every parameter ``/openapi.json`` documents).

A value is an RDF term of its declared type, bound in a VALUES block, never query text
(docs/views.md). So each hostile value is a 400 problem+json naming the parameter, or a
correct answer: a string is searched for as it is, never widening the answer (the rows
are exactly those whose label contains it, computed here from the unfiltered answer), and
a valid but foreign IRI selects nothing. Nothing changes and nothing connects out.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.security.seckit import PROBLEM, Listener, Unchanged, assert_problem, parse_html
from tests.service.servicekit import Service

PROVINCE = "https://identifier.overheid.nl/tooi/id/provincie/pv26"
#: The IRI parameters of the views: (view, parameter, a format that has data).
IRI_PARAMETERS = [
    ("activiteiten-per-thema", "thema", "json"),
    ("activiteiten-per-thema", "kolom", "csv"),
    ("activiteiten-per-thema", "bron", "json"),
    ("activiteiten-zoeken", "bron", "csv"),
    ("activiteit", "activiteit", "json"),
    ("portfolio-partner", "partner", "json"),
    ("thema-kolom-overzicht", "bron", "svg"),
    ("kennisdeling", "activiteit", "csv"),
    ("rollen-per-thema", "thema", "svg"),
    ("partnernetwerk", "partner", "ttl"),
    ("partneractiviteiten", "thema", "json"),
]
#: Each is not an IRI, or not an absolute one.
BAD_IRIS = [
    "https://w3id.org/kringloop/id/thema/x>",
    "https://w3id.org/kringloop/id/thema/x> } ; DROP ALL ; #",
    "https://w3id.org/kringloop/id/thema/x> . ?s ?p ?o } UNION { ?activiteit ?p ?o #",
    "https://x/a b",
    "https://x/{",
    "https://x/}",
    'https://x/"',
    "https://x/a\nb",
    "https://x/a\rb",
    "https://x/\x00",
    "https://x/a|b",
    "https://x/a^b",
    "https://x/a`b",
    "https://x/a\\u003e",
    "<https://x/a>",
    "?thema",
    "UNDEF",
    "thema/bodem-water-milieu",
    "# comment",
    '" } #',
]


def get(service: Service, path: str, params: Any = None) -> requests.Response:
    return requests.get(f"{service.url}{path}", params=params, timeout=60)


def rows(service: Service, view: str, params: Any = None) -> list[dict[str, Any]]:
    response = get(service, f"/views/{view}.json", params)
    assert response.status_code == 200, response.text[:500]
    found: list[dict[str, Any]] = response.json()["results"]["bindings"]
    return found


def test_iris_that_are_no_iris_are_refused(unchanged: Unchanged, secured: Service) -> None:
    with unchanged:
        for view, name, suffix in IRI_PARAMETERS:
            for value in BAD_IRIS:
                response = get(secured, f"/views/{view}.{suffix}", {name: value})
                try:
                    problem = assert_problem(response, 400, f"parameter {name}")
                except AssertionError as error:
                    raise AssertionError(f"{view}?{name}={value!r}: {error}") from None
                assert problem["parameter"] == name
                assert any(
                    words in problem["detail"] for words in ("not a valid IRI", "must be absolute")
                ), problem


def test_the_page_shows_the_refusal_escaped(unchanged: Unchanged, secured: Service) -> None:
    value = 'https://x/"><script>alert(1)</script>'
    with unchanged:
        response = get(secured, "/views/activiteiten-per-thema", {"thema": value})
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("text/html")
        assert "<script>alert(1)" not in response.text
        page = parse_html(response.text)
        assert all("alert(1)" not in text for text in page.script_text)
        assert "parameter thema: not a valid IRI" in " ".join(page.text)
        links = [value for tag, name, value in page.attributes if tag == "a" and name == "href"]
        assert any("%3Cscript%3E" in link for link in links)  # the value only URL-encoded


FOREIGN_IRIS = [
    "javascript:alert(1)",
    "urn:x:nothing",
    "foo:bar",
    "https://x/%3E%20%7D%20%3B%20DROP%20ALL",
    "https://w3id.org/kringloop/id/thema/bodem-water-milieu#",
    "https://w3id.org/kringloop/id/thema/BODEM-WATER-MILIEU",
    "https://w3id.org/kringloop/id/thema/../thema/bodem-water-milieu",
    "https://w3id.org/kringloop/id/thema/bodem-water-milieu?x=1",
]


def test_foreign_iris_select_nothing(unchanged: Unchanged, secured: Service) -> None:
    with unchanged:
        assert len(
            rows(secured, "activiteiten-per-thema", {"thema": "id:thema/bodem-water-milieu"})
        )
        for value in FOREIGN_IRIS:
            assert rows(secured, "activiteiten-per-thema", {"thema": value}) == [], value
            assert rows(secured, "activiteiten-per-thema", {"bron": value}) == [], value
            assert rows(secured, "portfolio-partner", {"partner": value}) == [], value
            graph = get(secured, "/views/partnernetwerk.ttl", {"partner": value})
            assert graph.status_code == 200, graph.text[:300]
            assert "kl:partner" not in graph.text and "kringloop/def#partner" not in graph.text


def hostile_strings(listener: Listener) -> list[str]:
    loopback = f"http://127.0.0.1:{listener.port}/sparql"
    return [
        '" } UNION { ?activiteit ?p ?o } #',
        "' } UNION { ?activiteit ?p ?o } #",
        '") || true) } #',
        '")) } ; DROP ALL ; #',
        '\\" } UNION { ?activiteit ?p ?o } #',
        "\\u0022 } UNION { ?activiteit ?p ?o } #",
        "\\u0027 } UNION { ?activiteit ?p ?o } #",
        f"\\u0022 }} SERVICE <{loopback}> {{ ?s ?p ?o }} #",
        f'" }} SERVICE <{loopback}> {{ ?s ?p ?o }} #',
        f'" }} LOAD <{loopback}> #',
        '"""',
        "'''",
        '"""} UNION {"""',
        "\\",
        "\\\\",
        'a\nb" } #\n',
        "water\x00",
        "\x00",
        "# } UNION { ?activiteit ?p ?o",
        "?activiteitLabel",
        "*",
        ".*",
        "%",
        "\U0001f600",
        "\u202e",
    ]


def test_strings_are_searched_for_as_they_are(
    unchanged: Unchanged, secured: Service, listener: Listener
) -> None:
    """The rows for a search are exactly the unfiltered rows whose name contains it."""
    with unchanged:
        everything = rows(secured, "activiteiten-zoeken")
        assert len(everything) >= 139
        for value in [*hostile_strings(listener), "water", "WATERBEHEER", " "]:
            found = rows(secured, "activiteiten-zoeken", {"tekst": value})
            expected = [
                row
                for row in everything
                if value.lower() in row["activiteitLabel"]["value"].lower()
            ]
            key = [row["activiteit"]["value"] for row in found]
            assert sorted(key) == sorted(row["activiteit"]["value"] for row in expected), value
            csv_answer = get(secured, "/views/activiteiten-zoeken.csv", {"tekst": value})
            assert csv_answer.status_code == 200
            assert len(csv_answer.text.splitlines()) >= len(found) + 1


def test_overlong_values(unchanged: Unchanged, secured: Service) -> None:
    with unchanged:
        longest = "x" * 2000
        assert rows(secured, "activiteiten-zoeken", {"tekst": longest}) == []
        response = get(secured, "/views/activiteiten-zoeken.json", {"tekst": longest + "x"})
        assert assert_problem(response, 400, "longer than 2000")["parameter"] == "tekst"
        iri = "https://w3id.org/kringloop/id/thema/" + "a" * (2000 - 36)
        assert len(iri) == 2000
        assert rows(secured, "activiteiten-per-thema", {"thema": iri}) == []
        response = get(secured, "/views/activiteiten-per-thema.json", {"thema": iri + "a"})
        assert assert_problem(response, 400, "longer than 2000")["parameter"] == "thema"


def test_repeated_unknown_and_reserved_parameters(unchanged: Unchanged, secured: Service) -> None:
    cases: list[tuple[str, Any, str, str]] = [
        ("activiteiten-zoeken.json", [("tekst", "a"), ("tekst", "b")], "tekst", "one value"),
        (
            "activiteiten-per-thema.json",
            [("bron", PROVINCE), ("bron", "urn:x:y")],
            "bron",
            "one value",
        ),
        ("activiteiten-zoeken.csv", {"query": "SELECT * { ?s ?p ?o }"}, "query", "unknown"),
        ("activiteiten-zoeken.json", {"tekst ": "water"}, "tekst ", "unknown"),
        ("activiteiten-zoeken.json", {"?tekst": "water"}, "?tekst", "unknown"),
        ("activiteiten-zoeken.json", {"x" * 100: "1"}, "x" * 40, "unknown"),
        ("activiteiten-zoeken.json", {"page": "0"}, "page", "whole number"),
        ("activiteiten-zoeken.json", {"page": "1 OR 1=1"}, "page", "whole number"),
        ("activiteiten-zoeken.json", [("page", "1"), ("page", "2")], "page", "whole number"),
        ("activiteiten-zoeken.json", {"size": "-1"}, "size", "whole number"),
        ("activiteiten-zoeken.json", {"size": "1001"}, "size", "at most 1000"),
        ("activiteiten-zoeken.csv", {"bom": "1; DROP"}, "bom", "0 or 1"),
        ("activiteiten-zoeken.json", {"lang": "nl' OR '1'='1"}, "lang", "unknown language"),
        ("activiteiten-zoeken.json", {"bom": "1"}, "bom", "unknown"),
        ("partnernetwerk.ttl", {"page": "1"}, "page", "unknown"),
        ("datalacunes.json", {"soort": 'geen-interpretatie" || true #'}, "soort", "one of"),
        ("datalacunes.json", {"soort": "GEEN-INTERPRETATIE"}, "soort", "one of"),
        ("kennisdeling.csv", {"via": "partner "}, "via", "one of"),
        ("portfolio-partner.json", {}, "partner", "required"),
        ("portfolio-partner.json", {"partner": ""}, "partner", "required"),
    ]
    with unchanged:
        for path, params, parameter, words in cases:
            response = get(secured, f"/views/{path}", params)
            try:
                problem = assert_problem(response, 400, words)
            except AssertionError as error:
                raise AssertionError(f"{path} {params!r}: {error}") from None
            assert problem["parameter"] == parameter, (path, params, problem)


def test_the_source_filter_never_widens(unchanged: Unchanged, secured: Service) -> None:
    """``bron`` keeps the activities of that publisher: never more than the legitimate value
    gives, never a row of another source, whatever the value looks like."""
    views = ("activiteiten-per-thema", "activiteiten-zoeken", "activiteit")
    with unchanged:
        for view in views:
            everything = rows(secured, view)
            province = rows(secured, view, {"bron": PROVINCE})
            assert province, view
            assert {row["bron"]["value"] for row in province} == {PROVINCE}, view
            assert len(province) <= len(everything)
            same = rows(secured, view, {"bron": "tooi:provincie/pv26"})
            assert same == province, view
            padded = rows(secured, view, {"bron": f"  {PROVINCE}\t"})
            assert padded == province, view
            for value in (FOREIGN_IRIS[0], PROVINCE + "#", PROVINCE + "/", PROVINCE.upper()):
                assert rows(secured, view, {"bron": value}) == [], (view, value)
            for value in ("*", "?bron", "UNDEF", f"{PROVINCE}> || true", "(", ")", '""'):
                response = get(secured, f"/views/{view}.json", {"bron": value})
                assert assert_problem(response, 400, "parameter bron")["parameter"] == "bron"
        counts = rows(secured, "thema-kolom-overzicht")
        narrowed = rows(secured, "thema-kolom-overzicht", {"bron": PROVINCE})
        assert sum(int(row["activiteiten"]["value"]) for row in narrowed) <= sum(
            int(row["activiteiten"]["value"]) for row in counts
        )
        assert rows(secured, "thema-kolom-overzicht", {"bron": "urn:x:nobody"}) == []


#: A value for each required parameter, while another one is tried.
REQUIRED_VALUES = {"partner": "https://w3id.org/kringloop/id/partnergroep/gemeenten"}


def test_every_documented_parameter_refuses_query_text(
    unchanged: Unchanged, secured: Service, listener: Listener
) -> None:
    """Every data URL and parameter in /openapi.json, given query text as its value."""
    document = get(secured, "/openapi.json").json()
    hostile = f'x"> }} ; SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} #'
    tried = 0
    with unchanged:
        for path, operations in document["paths"].items():
            parameters = operations["get"].get("parameters", [])
            for parameter in parameters:
                name = parameter["name"]
                if name in ("page", "size", "lang", "bom"):
                    continue
                tried += 1
                others = {
                    other["name"]: REQUIRED_VALUES[other["name"]]
                    for other in parameters
                    if other.get("required") and other["name"] != name
                }
                response = get(secured, path, {**others, name: hostile})
                schema = parameter.get("schema", {})
                if schema.get("format") == "iri" or "enum" in schema:
                    assert_problem(response, 400, f"parameter {name}")
                    continue
                assert response.status_code in (200, 400), (path, name, response.text[:300])
                if response.status_code == 400:
                    assert response.headers["Content-Type"].startswith(PROBLEM)
                elif path.endswith(".json"):
                    assert response.json()["results"]["bindings"] == [], (path, name)
    assert tried >= 10


def test_formats_refuse_alike(unchanged: Unchanged, secured: Service) -> None:
    with unchanged:
        for path in (
            "activiteiten-per-thema.json",
            "activiteiten-per-thema.csv",
            "rollen-per-thema.svg",
            "partneractiviteiten.csv",
        ):
            response = get(secured, f"/views/{path}", {"thema": "https://x/> } #"})
            assert assert_problem(response, 400, "parameter thema")["parameter"] == "thema"


@pytest.mark.parametrize(
    "path",
    [
        "/doc/thema/economie?pagina=%C2%B2",
        "/voortgang?jaar=%C2%B2%C2%B2%C2%B2%C2%B2",
        "/views/activiteiten-per-thema.json?page=%E2%91%A0",
    ],
    ids=["resource-page", "progress-year", "view-page"],
)
def test_non_ascii_digits_are_a_client_error(secured: Service, path: str) -> None:
    """str.isdigit() takes "²" and "①", which int() refuses: never a 500."""
    response = requests.get(f"{secured.url}{path}", timeout=60)
    assert 400 <= response.status_code < 500, response.text[:300]
