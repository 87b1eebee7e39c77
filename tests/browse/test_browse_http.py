"""The activity browser over HTTP on a real ``kringloop serve``, checked against the
bundled files read independently with rdflib."""

from __future__ import annotations

import csv
import io
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kringloop.viewtables import BOM
from tests.browse.browsekit import BODEM, ID, KL, RESULT_CAP, WATERSCHAPPEN, ZEKER, matching
from tests.service.servicekit import Service, http

WATERBESPARING = ID + "activiteit/waterbesparing-door-consumenten-samen"


def fetch(service: Service, suffix: str = ".json", **params: Any) -> Any:
    response = http.get(f"{service.url}/activiteiten{suffix}", params=params)
    assert response.status_code == 200, response.text
    return response.json() if suffix == ".json" else response


def test_all_activities_without_filters(browse_service: Service, merged: Graph) -> None:
    document = fetch(browse_service)
    assert document["count"] == len(matching(merged, {})) == 139


def test_theme_and_column_give_the_certain_activities(
    browse_service: Service, merged: Graph
) -> None:
    document = fetch(browse_service, thema=BODEM, kolom=ZEKER)
    found = {row["activiteit"] for row in document["activities"]}
    assert found == matching(merged, {"thema": [BODEM], "kolom": [ZEKER]})
    assert document["count"] == 20
    assert {row["thema"] for row in document["activities"]} == {"Bodem, Water, Milieu"}


def test_water_boards_combine_with_theme_and_column(browse_service: Service, merged: Graph) -> None:
    filters = {"thema": [BODEM], "kolom": [ZEKER], "partner": [WATERSCHAPPEN]}
    document = fetch(browse_service, **filters)
    found = {row["activiteit"] for row in document["activities"]}
    assert found == matching(merged, filters)
    assert WATERBESPARING in found
    row = next(row for row in document["activities"] if row["activiteit"] == WATERBESPARING)
    assert "waterschappen" in row["partner"]
    assert row["rstrategie"]  # the editors' R-strategy is in the answer


@pytest.mark.parametrize(
    "chosen",
    [
        {"thema": [BODEM]},
        {"thema": [BODEM], "kolom": [ZEKER]},
        {"kolom": [ZEKER], "partner": [WATERSCHAPPEN]},
    ],
    ids=["theme", "theme-column", "column-water-boards"],
)
def test_every_facet_count_is_what_choosing_the_value_gives(
    browse_service: Service, merged: Graph, chosen: dict[str, list[str]]
) -> None:
    document = fetch(browse_service, **chosen)
    assert set(document["facets"]) == {
        "thema",
        "kolom",
        "partner",
        "rstrategie",
        "rol",
        "doel",
        "fase",
    }
    checked = 0
    for facet, values in document["facets"].items():
        others = {name: given for name, given in chosen.items() if name != facet}
        for value in values:
            expected = matching(merged, {**others, facet: [value["value"]]})
            assert value["count"] == len(expected), (facet, value)
            assert value["selected"] == (value["value"] in chosen.get(facet, []))
            checked += 1
    assert checked > 20


def test_several_values_in_one_facet_are_or(browse_service: Service, merged: Graph) -> None:
    kolommen = [ZEKER, ID + "kolom/mogelijk"]
    document = fetch(browse_service, thema=BODEM, kolom=kolommen)
    assert document["count"] == len(matching(merged, {"thema": [BODEM]}))
    assert document["count"] > 20


def test_search_is_dutch_aware_and_combines_with_facets(browse_service: Service) -> None:
    def hits(**params: Any) -> set[str]:
        return {row["label"] for row in fetch(browse_service, **params)["activities"]}

    verkenning = hits(q="verkenning")
    assert verkenning == hits(q="VERKENNEN") == hits(q="Verkénning")
    assert any("Verkennen" in label for label in verkenning)
    assert any("verkenning" in label for label in verkenning)
    in_theme = hits(q="verkenning", thema=BODEM)
    assert in_theme and in_theme < verkenning
    assert hits(q="zzzgeenwoord") == set()


def test_csv_of_the_filtered_set(browse_service: Service) -> None:
    filters = {"thema": BODEM, "kolom": ZEKER}
    expected = fetch(browse_service, **filters)["activities"]
    response = fetch(browse_service, ".csv", **filters)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "activiteiten.csv" in response.headers["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert not text.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["label"] for row in rows] == [row["label"] for row in expected]
    assert set(rows[0]) == {"activiteit", "label", "thema", "kolom", "partner", "rstrategie"}
    with_bom = fetch(browse_service, ".csv", bom="1", **filters).content.decode("utf-8")
    assert with_bom.startswith(BOM) and with_bom[1:] == text


def test_turtle_of_the_filtered_set(browse_service: Service) -> None:
    filters = {"thema": BODEM, "kolom": ZEKER, "partner": WATERSCHAPPEN}
    expected = {row["activiteit"] for row in fetch(browse_service, **filters)["activities"]}
    response = fetch(browse_service, ".ttl", **filters)
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert response.headers["Kringloop-Truncated"] == "false"
    quads = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    activities = {q.subject.value for q in quads if q.predicate.value == str(KL.thema)}
    assert activities == expected
    texts = [q.object.value for q in quads if q.predicate.value == str(KL.brontekst)]
    assert len(texts) == len(expected)  # each activity's source reference comes along
    interpretation = {str(KL.rStrategie), str(KL.rol)}
    assert not any(q.predicate.value in interpretation for q in quads)  # document only


def test_turtle_obeys_the_result_cap_and_may_be_empty(browse_service: Service) -> None:
    # 20 activities with their source references are more triples than the cap (40)
    cut = fetch(browse_service, ".ttl", thema=BODEM, kolom=ZEKER)
    assert cut.headers["Kringloop-Truncated"] == "true"
    assert cut.text.startswith("# Kringloop: truncated to the first 40 results")
    assert len(list(ox.parse(cut.content, format=ox.RdfFormat.TURTLE))) == RESULT_CAP
    empty = fetch(browse_service, ".ttl", q="zzzgeenwoord")
    assert empty.headers["Kringloop-Truncated"] == "false"
    assert list(ox.parse(empty.content, format=ox.RdfFormat.TURTLE)) == []


@pytest.mark.parametrize("suffix", [".json", ".csv", ".ttl"])
@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"thema": "https://example.org/niet"}, "thema"),
        ({"kolom": BODEM}, "kolom"),
        ({"partner": 'x" } ; DROP'}, "partner"),
        ({"onbekend": "1"}, "onbekend"),
        ({"q": "x" * 201}, "q"),
        ({"q": ["a", "b"]}, "q"),
        ({"lang": "fr"}, "lang"),
    ],
)
def test_bad_requests_are_problems(
    browse_service: Service, suffix: str, params: dict[str, Any], parameter: str
) -> None:
    response = http.get(f"{browse_service.url}/activiteiten{suffix}", params=params)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


def test_bad_bom_and_unknown_format(browse_service: Service) -> None:
    response = http.get(f"{browse_service.url}/activiteiten.csv", params={"bom": "2"})
    assert response.status_code == 400 and response.json()["parameter"] == "bom"
    response = http.get(f"{browse_service.url}/activiteiten.json", params={"bom": "1"})
    assert response.status_code == 400
    assert http.get(f"{browse_service.url}/activiteiten.xml").status_code == 404


def test_html_page_shows_facets_results_and_a_bad_value(browse_service: Service) -> None:
    page = http.get(f"{browse_service.url}/activiteiten", params={"thema": BODEM, "kolom": ZEKER})
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    html = page.text
    assert html.count("<tr>") == 21  # header and 20 activities
    assert "volgens de redactie" in html and 'name="partner"' in html
    assert "/views/activiteit?activiteit=" in html
    assert ">Alle filters wissen</a>" in html
    english = http.get(f"{browse_service.url}/activiteiten", params={"lang": "en"}).text
    assert "per the editors" in english and '<html lang="en">' in english
    bad = http.get(f"{browse_service.url}/activiteiten", params={"thema": "<b>x</b>"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text
    assert "<b>x</b>" not in bad.text and "&lt;b&gt;x&lt;/b&gt;" in bad.text


def test_search_text_is_escaped_in_the_page(browse_service: Service) -> None:
    attack = '"><script>alert(1)</script>'
    html = http.get(f"{browse_service.url}/activiteiten", params={"q": attack}).text
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_home_page_leads_to_the_browser_views_and_query_page(browse_service: Service) -> None:
    response = http.get(f"{browse_service.url}/")
    assert response.status_code == 200
    html = response.text
    for target in (
        'href="/activiteiten?lang=nl"',
        'href="/views?lang=nl"',
        'href="/query?lang=nl"',
    ):
        assert target in html
    assert "Activiteiten zoeken en filteren" in html
    english = http.get(f"{browse_service.url}/", params={"lang": "en"}).text
    assert "Search and filter activities" in english
