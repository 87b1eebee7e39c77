"""The running service: registered partners, the federated view in every format, the
partners' status, and our ``/sparql`` as a ``SERVICE`` target of a partner's engine.

The registry is written into the service's data directory before it starts, as
``kringloop partners add`` does.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from fedkit import DATA, query_url, start_partner
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SKOS

from tests.service.servicekit import Service, http, start_managed

KL = Namespace("https://w3id.org/kringloop/def#")
OURS = "Provincie Utrecht"  # the publisher of the bundled graphs, in the registry graph
VIEW = "/views/partneractiviteiten"
CIRKELREGIO = "Cirkelregio Utrecht"
FOODVALLEY = "Living Lab Regio Foodvalley Circulair"


@dataclass
class Setup:
    kringloop: Service
    foodvalley: Service
    cirkelregio: Service
    data_dir: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, cirkelregio: Service) -> Iterator[Setup]:
    registry_module = pytest.importorskip("kringloop.partners.registry")
    directory = tmp_path_factory.mktemp("kringloop-federation")
    foodvalley = start_partner(directory / "foodvalley", "foodvalley", DATA / "foodvalley.ttl")
    registry = registry_module.Registry.open(directory / "var")
    registry.add("cirkelregio-utrecht", CIRKELREGIO, endpoint=query_url(cirkelregio))
    registry.add("foodvalley", FOODVALLEY, endpoint=query_url(foodvalley))
    kringloop = start_managed(directory)
    yield Setup(kringloop, foodvalley, cirkelregio, directory / "var")
    kringloop.stop()
    foodvalley.stop()


def view_json(setup: Setup) -> dict[str, Any]:
    response = http.get(f"{setup.kringloop.url}{VIEW}.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def sources(document: dict[str, Any]) -> set[str]:
    """The rows' sources by label: the province for ours (per graph), the partner's
    organisation for its rows; every ``bron`` is an organisation IRI."""
    rows = document["results"]["bindings"]
    assert all(row["bron"]["type"] == "uri" for row in rows)
    return {row["bronLabel"]["value"] for row in rows}


def test_federated_view_answers_every_source(setup: Setup) -> None:
    document = view_json(setup)
    assert document["missing"] == []
    assert sources(document) == {
        OURS,
        CIRKELREGIO,
        FOODVALLEY,
    }


def test_service_to_registered_partner_only(setup: Setup) -> None:
    query = (
        "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
        "SELECT ?a {{ SERVICE <{}> {{ ?a a kl:Activiteit }} }}"
    )
    allowed = setup.kringloop.select(query.format(query_url(setup.cirkelregio)))
    graph = Graph().parse(DATA / "cirkelregio-utrecht.ttl")
    assert {row["a"]["value"] for row in allowed} == {
        str(activity) for activity in graph.subjects(RDF.type, KL.Activiteit)
    }
    other = f"{setup.cirkelregio.url}/elders"
    refused = http.get(setup.kringloop.sparql, params={"query": query.format(other)})
    assert refused.status_code == 403
    assert f"<{other}>" in refused.text and "only registered partner endpoints" in refused.text


def test_partner_status(setup: Setup) -> None:
    status = {
        "foodvalley": {
            "last_attempt": "2026-12-01T10:00:00+00:00",
            "last_success": None,
            "triples": 0,
            "violations": 3,
            "warnings": 1,
            "error": "3 violations",
        }
    }
    (setup.data_dir / "partners" / "status.json").write_text(json.dumps(status))
    document = http.get(f"{setup.kringloop.url}/partners.json").json()
    partners = {partner["ref"]: partner for partner in document["partners"]}
    assert sorted(partners) == ["cirkelregio-utrecht", "foodvalley"]
    assert partners["foodvalley"]["harvest"] == status["foodvalley"]
    assert partners["cirkelregio-utrecht"]["harvest"] is None
    for ref, partner in partners.items():
        assert partner["reachability"]["reachable"] is True, ref
        assert partner["graphs"] == [
            {"iri": f"https://w3id.org/kringloop/id/graaf/partner-{ref}", "triples": 0}
        ]
    assert partners["foodvalley"]["label"] == FOODVALLEY
    page = http.get(f"{setup.kringloop.url}/partners", params={"lang": "nl"})
    assert page.status_code == 200
    assert FOODVALLEY in page.text and "bereikbaar" in page.text and "3 overtredingen" in page.text
    english = http.get(f"{setup.kringloop.url}/partners", params={"lang": "en"})
    assert "3 violations" in english.text and "reachable" in english.text


def test_our_endpoint_as_a_partners_service_target(setup: Setup, bundled: Dataset) -> None:
    """A partner's engine joins its own data with our theme labels through SERVICE."""
    query = (
        "PREFIX kl: <https://w3id.org/kringloop/def#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?activiteit ?themaLabel WHERE {\n"
        "  ?activiteit a kl:Activiteit ; kl:thema ?thema .\n"
        f"  SERVICE <{setup.kringloop.sparql}> {{\n"
        '    ?thema skos:prefLabel ?themaLabel FILTER(LANG(?themaLabel) = "nl")\n'
        "  }\n"
        "}"
    )
    response = requests.post(
        query_url(setup.cirkelregio),
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    found = {
        (row["activiteit"]["value"], row["themaLabel"]["value"])
        for row in response.json()["results"]["bindings"]
    }
    graph = Graph().parse(DATA / "cirkelregio-utrecht.ttl")
    expected = set()
    for activity, theme in graph.subject_objects(KL.thema):
        for _, _, label, _ in bundled.quads((URIRef(theme), SKOS.prefLabel, None, None)):
            if isinstance(label, Literal) and label.language == "nl":
                expected.add((str(activity), str(label)))
    assert len(expected) == 3
    assert found == expected


def test_a_stopped_partner_is_named_in_every_format(setup: Setup) -> None:
    """Last in this module: it stops the Foodvalley partner."""
    setup.foodvalley.process.terminate()
    setup.foodvalley.process.wait(20)
    document = view_json(setup)
    assert [(item["partner"], item["reason"]) for item in document["missing"]] == [
        ("foodvalley", "down")
    ]
    assert sources(document) == {OURS, CIRKELREGIO}
    response = http.get(f"{setup.kringloop.url}{VIEW}.csv")
    assert response.headers["Kringloop-Missing-Partners"] == "foodvalley=down"
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["bronLabel"] for row in table} == {OURS, CIRKELREGIO}
    page = http.get(f"{setup.kringloop.url}{VIEW}", params={"lang": "nl"})
    assert f"Niet bereikt: {FOODVALLEY} (onbereikbaar)" in page.text
    english = http.get(f"{setup.kringloop.url}{VIEW}", params={"lang": "en"})
    assert f"Not reached: {FOODVALLEY} (down)" in english.text
