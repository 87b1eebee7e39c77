"""The views over HTTP on a real ``kringloop serve``: checks, formats, paging, errors."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from openapi_spec_validator import validate

from kringloop.viewchecks import evaluate
from kringloop.views import View, load_views
from kringloop.viewtables import BOM, neutralise
from tests.service.servicekit import Service, http
from tests.views.viewkit import fetch_rows

VIEWS = load_views()
CHECKS = [(view, number) for view in VIEWS for number in range(len(view.checks))]
WATERBEHEER = "https://w3id.org/kringloop/id/activiteit/verkenning-rol-voor-provincie-in-circulair-waterbeheer"


def by_name(name: str) -> View:
    return next(view for view in VIEWS if view.name == name)


@pytest.mark.parametrize(
    ("view", "number"), CHECKS, ids=[f"{view.name}-{number + 1}" for view, number in CHECKS]
)
def test_view_passes_its_own_check(views_service: Service, view: View, number: int) -> None:
    check = view.checks[number]
    result = evaluate(check, fetch_rows(views_service, view, dict(check.params)))
    assert result.passed, result.failures


@pytest.mark.parametrize("view", VIEWS, ids=[view.name for view in VIEWS])
def test_view_page_shows_its_checks_passing(views_service: Service, view: View) -> None:
    params = dict(view.checks[0].params)
    response = http.get(f"{views_service.url}/views/{view.name}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.text.count('class="check-passed"') == len(view.checks)
    assert 'class="check-failed"' not in response.text
    assert escape(view.title) in response.text


@pytest.mark.parametrize("view", [v for v in VIEWS if v.params], ids=lambda view: view.name)
def test_view_without_its_parameters(views_service: Service, view: View) -> None:
    required = [param.name for param in view.params if param.required and param.default is None]
    suffix = "ttl" if view.form == "CONSTRUCT" else "json"
    response = http.get(f"{views_service.url}/views/{view.name}.{suffix}")
    page = http.get(f"{views_service.url}/views/{view.name}", params={"lang": "nl"})
    assert page.status_code == 200
    if required:
        assert response.status_code == 400
        assert response.json()["parameter"] == required[0]
        assert "Kies eerst een waarde voor" in page.text
    else:
        assert response.status_code == 200, response.text
        assert 'id="result-table"' in page.text


def test_a_parameter_narrows_the_answer(views_service: Service) -> None:
    view = by_name("activiteiten-per-thema")
    everything = fetch_rows(views_service, view, {})
    economie = "https://w3id.org/kringloop/id/thema/economie"
    narrowed = fetch_rows(views_service, view, {"thema": economie})
    assert 0 < len(narrowed) < len(everything) == 139
    assert {row["thema"]["value"] for row in narrowed} == {economie}
    expected = [row for row in everything if row["thema"]["value"] == economie]
    assert sorted(json.dumps(row, sort_keys=True) for row in narrowed) == sorted(
        json.dumps(row, sort_keys=True) for row in expected
    )


# -- injection -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def activity_labels(views_service: Service) -> dict[str, str]:
    rows = fetch_rows(views_service, by_name("activiteiten-per-thema"), {})
    return {row["activiteit"]["value"]: row["activiteitLabel"]["value"] for row in rows}


ATTACKS = [
    '" } UNION { ?activiteit ?p ?o } #',
    "') } ; DROP ALL ; #",
    '"""\n} SELECT * WHERE { ?s ?p ?o',
    "> } <https://example.org/x",
    "SELECT",
    "water\\",
    "water",
    "(",
]


def search(service: Service, text: str) -> set[str]:
    response = http.get(f"{service.url}/views/activiteiten-zoeken.json", params={"tekst": text})
    assert response.status_code == 200, response.text
    return {row["activiteit"]["value"] for row in response.json()["results"]["bindings"]}


def expected_search(labels: dict[str, str], text: str) -> set[str]:
    return {iri for iri, label in labels.items() if text.lower() in label.lower()}


@pytest.mark.parametrize("text", ATTACKS)
def test_search_attacks_get_the_right_answer(
    views_service: Service, activity_labels: dict[str, str], text: str
) -> None:
    assert search(views_service, text) == expected_search(activity_labels, text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from(list("ae wr\"'}{<>#\\?()\n.:;SELECTUNIONé")), max_size=12))
def test_any_search_text_gets_the_right_answer(
    views_service: Service, activity_labels: dict[str, str], text: str
) -> None:
    # (an empty value counts as not given: then every activity is listed, as "" is in each)
    assert search(views_service, text) == expected_search(activity_labels, text)


@pytest.mark.parametrize(
    "value",
    [
        "https://w3id.org/kringloop/id/thema/economie> } UNION { ?s ?p ?o",
        'https://w3id.org/kringloop/id/thema/"economie"',
        "economie",
    ],
)
def test_a_bad_iri_is_refused_naming_the_parameter(views_service: Service, value: str) -> None:
    response = http.get(
        f"{views_service.url}/views/activiteiten-per-thema.json", params={"thema": value}
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["parameter"] == "thema"


def test_html_escapes_what_it_shows(views_service: Service) -> None:
    response = http.get(
        f"{views_service.url}/views/activiteiten-zoeken",
        params={"tekst": '<script>alert("x")</script>'},
    )
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert" in response.text


# -- formats ---------------------------------------------------------------------------------


def test_csv_is_the_json_answer_made_safe(views_service: Service) -> None:
    base = f"{views_service.url}/views/activiteit"
    params = {"activiteit": WATERBEHEER}
    document = http.get(f"{base}.json", params=params).json()
    response = http.get(f"{base}.csv", params=params)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="activiteit.csv"' in response.headers["Content-Disposition"]
    assert not response.content.startswith(BOM.encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    variables = document["head"]["vars"]
    assert rows[0] == variables
    expected = [
        [neutralise(binding[name]["value"]) if name in binding else "" for name in variables]
        for binding in document["results"]["bindings"]
    ]
    assert rows[1:] == expected


def test_csv_for_excel_starts_with_a_bom(views_service: Service) -> None:
    response = http.get(f"{views_service.url}/views/thema-kolom-overzicht.csv?bom=1")
    assert response.content.startswith(BOM.encode("utf-8"))
    text = response.content.decode("utf-8-sig")
    assert text.startswith("thema,themaLabel,")
    assert sum(int(row["activiteiten"]) for row in csv.DictReader(io.StringIO(text))) == 139


def test_a_graph_view_gives_turtle_and_json_ld(views_service: Service) -> None:
    base = f"{views_service.url}/views/partnernetwerk"
    params = {"partner": "https://w3id.org/kringloop/id/partnergroep/waterpartners"}
    turtle = http.get(f"{base}.ttl", params=params)
    jsonld = http.get(f"{base}.jsonld", params=params)
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert jsonld.headers["Content-Type"] == "application/ld+json"
    from_turtle = set(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    from_jsonld = set(ox.parse(jsonld.content, format=ox.RdfFormat.JSON_LD))
    assert from_turtle == from_jsonld
    assert any(quad.object.value.endswith("waterpartners") for quad in from_turtle)


# -- paging ------------------------------------------------------------------------------------


def test_json_pages_add_up_to_the_whole(views_service: Service) -> None:
    url = f"{views_service.url}/views/activiteiten-per-thema.json"
    whole = http.get(url).json()
    assert whole["kringloop"]["total"] == 139 and whole["kringloop"]["next"] is None
    collected: list[dict[str, Any]] = []
    next_url: str | None = f"{url}?size=50"
    pages = 0
    while next_url:
        document = http.get(next_url).json()
        collected += document["results"]["bindings"]
        link = document["kringloop"]["next"]
        next_url = f"{views_service.url}{link}" if link else None
        pages += 1
    assert pages == 3
    assert collected == whole["results"]["bindings"]
    last = http.get(f"{url}?size=50&page=3").json()["kringloop"]
    assert (last["page"], last["size"], last["total"]) == (3, 50, 139)
    assert last["previous"] is not None and "page=2" in last["previous"]


def test_html_pages_link_to_each_other(views_service: Service) -> None:
    url = f"{views_service.url}/views/activiteiten-per-thema"
    first = http.get(url, params={"size": 100})
    assert first.text.count("<tr>") == 101  # the header row and 100 rows
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = http.get(url, params={"size": 100, "page": 2})
    assert second.text.count("<tr>") == 40 and 'rel="prev"' in second.text


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/views/bestaat-niet", 404, None),
        ("/views/bestaat-niet.json", 404, None),
        ("/views/activiteiten-per-thema.json?size=1001", 400, "size"),
        ("/views/activiteiten-per-thema.json?page=0", 400, "page"),
        ("/views/activiteiten-per-thema.csv?bom=ja", 400, "bom"),
        ("/views/activiteiten-per-thema.json?thema=a&thema=b", 400, "thema"),
        ("/views/activiteiten-per-thema.json?themas=x", 400, "themas"),
        ("/views/activiteiten-per-thema.json?lang=fr", 400, "lang"),
        ("/views/portfolio-partner.json", 400, "partner"),
        ("/views/kennisdeling.json?via=iets", 400, "via"),
        ("/views/activiteiten-per-thema.ttl", 406, None),
        ("/views/partnernetwerk.json", 406, None),
    ],
)
def test_errors_are_problem_details(
    views_service: Service, path: str, status: int, parameter: str | None
) -> None:
    response = http.get(f"{views_service.url}{path}")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    assert body.get("parameter") == parameter


# -- list, OpenAPI, navigation -------------------------------------------------------------------


def test_the_list_shows_every_view_in_both_languages(views_service: Service) -> None:
    dutch = http.get(f"{views_service.url}/views", params={"lang": "nl"})
    english = http.get(f"{views_service.url}/views", params={"lang": "en"})
    assert dutch.status_code == english.status_code == 200
    for view in VIEWS:
        assert f'href="/views/{view.name}?lang=nl"' in dutch.text
        assert escape(view.title) in dutch.text
        assert escape(view.title_en or view.title) in english.text
    assert '<html lang="en">' in english.text


def test_openapi_describes_every_view_and_validates(views_service: Service) -> None:
    response = http.get(f"{views_service.url}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    for view in VIEWS:
        suffixes = ("ttl", "jsonld") if view.form == "CONSTRUCT" else ("json", "csv")
        for suffix in suffixes:
            operation = document["paths"][f"/views/{view.name}.{suffix}"]["get"]
            names = {parameter["name"] for parameter in operation["parameters"]}
            assert {param.name for param in view.params} <= names


def test_every_page_links_to_the_views(views_service: Service) -> None:
    page = http.get(f"{views_service.url}/query", params={"lang": "nl"})
    assert 'href="/views?lang=nl">Overzichten</a>' in page.text


def test_a_bad_value_on_a_page_is_shown_in_the_page(views_service: Service) -> None:
    response = http.get(
        f"{views_service.url}/views/activiteiten-per-thema",
        params={"thema": "geen iri", "lang": "en"},
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "parameter thema: an IRI must be absolute" in response.text
    assert 'id="view-form"' in response.text  # the form is there to correct it
