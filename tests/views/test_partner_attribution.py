"""Partner activities in the curated views and the activity browser, attributed to their
publisher: a real ``kringloop serve`` (managed Oxigraph) with two registered partners
that PUT the example graphs.

Expected answers come from the example files (read with rdflib) and the registrations
made here, not from the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from rdflib import RDF, Graph, Namespace, URIRef

from tests.graphstore.gskit import (
    CIRKELREGIO,
    FOODVALLEY,
    Partners,
    example,
    put,
    register_partners,
)
from tests.service.servicekit import Service, http, start_managed

KL = Namespace("https://w3id.org/kringloop/def#")
ID = "https://w3id.org/kringloop/id/"
PROVINCE = "https://identifier.overheid.nl/tooi/id/provincie/pv26"
#: The organisations the registry gives the partners (none named: {ID}organisatie/{ref}).
ORGANISATION = {ref: f"{ID}organisatie/{ref}" for ref in (CIRKELREGIO, FOODVALLEY)}
LABEL = {CIRKELREGIO: "Cirkelregio Utrecht", FOODVALLEY: "Living Lab Regio Foodvalley Circulair"}
GEMEENTEN = ID + "partnergroep/gemeenten"
AGENDA_ACTIVITY = ID + "activiteit/verkenning-rol-voor-provincie-in-circulair-waterbeheer"
AGENDA_ACTIVITIES = 139


@dataclass(frozen=True)
class Setup:
    service: Service
    partners: Partners


def activities_of(ref: str) -> set[str]:
    graph = Graph().parse(data=example(ref), format="turtle")
    return {str(s) for s in graph.subjects(RDF.type, KL.Activiteit)}


def naming(ref: str, partner: str) -> set[str]:
    """The partner's activities that name ``partner`` (kl:partner)."""
    graph = Graph().parse(data=example(ref), format="turtle")
    return {str(s) for s in graph.subjects(KL.partner, URIRef(partner))}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    directory = tmp_path_factory.mktemp("attribution")
    partners = register_partners(directory / "var")
    service = start_managed(directory)
    try:
        for ref in (CIRKELREGIO, FOODVALLEY):
            response = put(service, partners, ref, partners.graph(ref), example(ref))
            assert response.status_code in (200, 201, 204), response.text
        yield Setup(service, partners)
    finally:
        service.stop()


def rows(setup: Setup, view: str, **params: str) -> list[dict[str, str]]:
    """A view's JSON rows as {variable: value}."""
    response = http.get(f"{setup.service.url}/views/{view}.json", params=params)
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


def sources(found: list[dict[str, str]]) -> dict[str, set[tuple[str, str]]]:
    """Per activity: its (bron, bronLabel) pairs."""
    attributed: dict[str, set[tuple[str, str]]] = {}
    for row in found:
        pair = (row.get("bron", ""), row.get("bronLabel", ""))
        attributed.setdefault(row["activiteit"], set()).add(pair)
    return attributed


def expect_attributed(found: list[dict[str, str]], refs: tuple[str, ...], agenda: bool) -> None:
    attributed = sources(found)
    for ref in refs:
        for activity in activities_of(ref):
            assert attributed.get(activity) == {(ORGANISATION[ref], LABEL[ref])}, activity
    if agenda:
        assert attributed[AGENDA_ACTIVITY] == {(PROVINCE, "Provincie Utrecht")}


@pytest.mark.parametrize(
    "view", ["activiteiten-per-thema", "activiteiten-zoeken", "activiteit", "partneractiviteiten"]
)
def test_listing_views_attribute_every_activity(setup: Setup, view: str) -> None:
    found = rows(setup, view)
    expected = activities_of(CIRKELREGIO) | activities_of(FOODVALLEY)
    assert expected <= {row["activiteit"] for row in found}
    expect_attributed(found, (CIRKELREGIO, FOODVALLEY), agenda=True)
    province = [row for row in found if row.get("bron") == PROVINCE]
    assert len({row["activiteit"] for row in province}) == AGENDA_ACTIVITIES


def test_one_partner_activity_in_the_activity_view(setup: Setup) -> None:
    activity = sorted(activities_of(FOODVALLEY))[0]
    found = rows(setup, "activiteit", activiteit=activity)
    assert found and {row["bron"] for row in found} == {ORGANISATION[FOODVALLEY]}
    kinds = {row["soort"] for row in found}
    assert kinds == {"gegevens"}  # the partner's statements, not the agenda's
    assert "regels" not in found[0]  # no lines in the agenda's source


def test_portfolio_names_the_partners_and_the_province(setup: Setup) -> None:
    found = rows(setup, "portfolio-partner", partner=GEMEENTEN)
    assert naming(CIRKELREGIO, GEMEENTEN) <= {row["activiteit"] for row in found}
    attributed = sources(found)
    for activity in naming(CIRKELREGIO, GEMEENTEN):
        assert attributed[activity] == {(ORGANISATION[CIRKELREGIO], LABEL[CIRKELREGIO])}
    assert any(pair[0] == PROVINCE for pairs in attributed.values() for pair in pairs)


@pytest.mark.parametrize("ref", [CIRKELREGIO, FOODVALLEY])
@pytest.mark.parametrize("view", ["activiteiten-per-thema", "activiteiten-zoeken"])
def test_the_source_filter_gives_one_partners_activities(setup: Setup, ref: str, view: str) -> None:
    found = rows(setup, view, bron=ORGANISATION[ref])
    assert {row["activiteit"] for row in found} == activities_of(ref)
    assert {row["bronLabel"] for row in found} == {LABEL[ref]}


def test_the_source_filter_gives_the_province(setup: Setup) -> None:
    found = rows(setup, "activiteiten-per-thema", bron=PROVINCE)
    assert len(found) == AGENDA_ACTIVITIES
    assert not {row["activiteit"] for row in found} & activities_of(CIRKELREGIO)
    portfolio = rows(setup, "portfolio-partner", partner=GEMEENTEN, bron=ORGANISATION[CIRKELREGIO])
    assert {row["activiteit"] for row in portfolio} == naming(CIRKELREGIO, GEMEENTEN)


def test_the_overview_counts_per_source(setup: Setup) -> None:
    def total(**params: str) -> int:
        return sum(
            int(row["activiteiten"]) for row in rows(setup, "thema-kolom-overzicht", **params)
        )

    assert total() == AGENDA_ACTIVITIES + len(activities_of(CIRKELREGIO)) + len(
        activities_of(FOODVALLEY)
    )
    assert total(bron=PROVINCE) == AGENDA_ACTIVITIES
    assert total(bron=ORGANISATION[FOODVALLEY]) == len(activities_of(FOODVALLEY))


def browse(setup: Setup, suffix: str = ".json", **params: Any) -> requests.Response:
    response = http.get(f"{setup.service.url}/activiteiten{suffix}", params=params)
    assert response.status_code == 200, response.text
    return response


def test_the_browser_shows_and_filters_by_source(setup: Setup) -> None:
    document = browse(setup).json()
    everything = (
        AGENDA_ACTIVITIES + len(activities_of(CIRKELREGIO)) + len(activities_of(FOODVALLEY))
    )
    assert document["count"] == everything
    facet = {value["value"]: value for value in document["facets"]["bron"]}
    assert facet[ORGANISATION[CIRKELREGIO]]["count"] == len(activities_of(CIRKELREGIO))
    assert facet[ORGANISATION[CIRKELREGIO]]["label"] == LABEL[CIRKELREGIO]
    assert facet[PROVINCE]["count"] == AGENDA_ACTIVITIES
    by_iri = {row["activiteit"]: row for row in document["activities"]}
    for activity in activities_of(FOODVALLEY):
        assert by_iri[activity]["bron"] == LABEL[FOODVALLEY]
    assert by_iri[AGENDA_ACTIVITY]["bron"] == "Provincie Utrecht"
    chosen = browse(setup, bron=ORGANISATION[FOODVALLEY]).json()
    assert {row["activiteit"] for row in chosen["activities"]} == activities_of(FOODVALLEY)
    both = browse(setup, bron=[ORGANISATION[FOODVALLEY], ORGANISATION[CIRKELREGIO]]).json()
    assert {row["activiteit"] for row in both["activities"]} == activities_of(
        FOODVALLEY
    ) | activities_of(CIRKELREGIO)
    csv_text = browse(setup, ".csv", bron=ORGANISATION[CIRKELREGIO]).text
    assert csv_text.splitlines()[0].endswith(",bron")
    assert csv_text.count(LABEL[CIRKELREGIO]) >= len(activities_of(CIRKELREGIO))


def test_the_browser_page_offers_the_source_in_both_languages(setup: Setup) -> None:
    html = browse(setup, "", bron=ORGANISATION[CIRKELREGIO]).text
    assert 'id="facet-bron"' in html and ">Bron</th>" in html
    assert html.count("<tr>") == 1 + len(activities_of(CIRKELREGIO))
    assert f'<td class="source">{LABEL[CIRKELREGIO]}</td>' in html
    english = browse(setup, "", lang="en").text
    assert ">Source</th>" in english and "the province or a partner" in english


def test_the_turtle_download_has_the_partners_statements(setup: Setup) -> None:
    import pyoxigraph as ox

    response = browse(setup, ".ttl", bron=ORGANISATION[FOODVALLEY])
    quads = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    assert {q.subject.value for q in quads if q.predicate.value == str(KL.thema)} == (
        activities_of(FOODVALLEY)
    )


def test_a_deleted_partner_graph_leaves_the_views(setup: Setup) -> None:
    """Last in this module: it deletes Cirkelregio's graph."""
    response = requests.delete(
        f"{setup.service.url}/graph-store",
        params={"graph": setup.partners.graph(CIRKELREGIO)},
        headers=setup.partners.auth(CIRKELREGIO),
        timeout=60,
    )
    assert response.status_code in (200, 204), response.text
    gone = activities_of(CIRKELREGIO)
    for view in ("activiteiten-per-thema", "activiteiten-zoeken", "activiteit"):
        found = rows(setup, view)
        assert not {row["activiteit"] for row in found} & gone
        expect_attributed(found, (FOODVALLEY,), agenda=True)
    assert rows(setup, "activiteiten-per-thema", bron=ORGANISATION[CIRKELREGIO]) == []
    document = browse(setup).json()
    assert not {row["activiteit"] for row in document["activities"]} & gone
    assert ORGANISATION[CIRKELREGIO] not in {v["value"] for v in document["facets"]["bron"]}
    refused = http.get(
        f"{setup.service.url}/activiteiten.json", params={"bron": ORGANISATION[CIRKELREGIO]}
    )
    assert refused.status_code == 400 and refused.json()["parameter"] == "bron"
