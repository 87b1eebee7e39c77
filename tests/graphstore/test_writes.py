"""The Graph Store HTTP Protocol at /graph-store: reading, writing, the gate, versions."""

from __future__ import annotations

import requests

from kringloop.partners.registry import ADMIN
from tests.graphstore.gskit import (
    CIRKELREGIO,
    FOODVALLEY,
    TURTLE,
    Partners,
    canonical,
    every_graph,
    example,
    graph_hash,
    put,
    variant,
)
from tests.service.servicekit import Service

AGENDA = "https://w3id.org/kringloop/id/graaf/agenda-2021-2022"


def versions(store: Service, graph: str) -> list[int]:
    response = requests.get(
        f"{store.url}/graph-store/versions", params={"graph": graph}, timeout=10
    )
    if response.status_code == 404:
        return []
    return [entry["version"] for entry in response.json()["versions"]]


def test_bundled_graph_is_readable_in_every_rdf_format(store: Service) -> None:
    for media_type in (
        "text/turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
        "application/trig",
        "application/n-quads",
    ):
        response = requests.get(
            f"{store.url}/graph-store",
            params={"graph": AGENDA},
            headers={"Accept": media_type},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith(media_type)
        assert int(response.headers["Kringloop-Triples"]) > 1000
    head = requests.head(f"{store.url}/graph-store", params={"graph": AGENDA}, timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) > 0


def test_unknown_graph_is_404_and_default_graph_is_read_only(
    store: Service, partners: Partners
) -> None:
    missing = requests.get(
        f"{store.url}/graph-store", params={"graph": "https://example.org/none"}, timeout=10
    )
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    response = requests.put(
        f"{store.url}/graph-store?default",
        data=example(CIRKELREGIO),
        headers={"Content-Type": TURTLE, **partners.auth(ADMIN)},
        timeout=10,
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_partner_publishes_replaces_and_restores_its_graph(
    store: Service, partners: Partners
) -> None:
    graph = partners.graph(CIRKELREGIO)
    first = put(store, partners, CIRKELREGIO, graph, example(CIRKELREGIO))
    assert first.status_code in (200, 201), first.text
    written = first.json()
    assert written["graph"] == graph and written["triples"] > 20
    assert written["validation"]["Violation"] == 0
    stored = graph_hash(store, graph)
    assert stored is not None
    # The graph is published: the public endpoint sees it, and its provenance.
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert int(rows[0]["n"]["value"]) == written["triples"]
    provenance = store.select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?v ?who WHERE { GRAPH "
        "<https://w3id.org/kringloop/id/graaf/herkomst> { ?v prov:specializationOf "
        f"<{graph}> ; prov:wasAttributedTo ?who }} }}"
    )
    assert {row["who"]["value"] for row in provenance} == {
        "https://w3id.org/kringloop/id/organisatie/cirkelregio-utrecht"
    }
    # Replace it with another version, then roll back.
    second = put(store, partners, CIRKELREGIO, graph, variant(example(CIRKELREGIO), 2))
    assert second.status_code == 200, second.text
    number = second.json()["version"]
    assert graph_hash(store, graph) != stored
    restored = requests.post(
        f"{store.url}/graph-store/versions/{written['version']}/restore",
        params={"graph": graph},
        headers=partners.auth(CIRKELREGIO),
        timeout=60,
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["restoredFrom"] == written["version"]
    assert restored.json()["version"] == number + 1
    assert graph_hash(store, graph) == stored


def test_invalid_graph_gets_422_with_report_and_changes_nothing(
    store: Service, partners: Partners
) -> None:
    graph = partners.graph(FOODVALLEY)
    before = every_graph(store), versions(store, graph)
    response = put(
        store,
        partners,
        FOODVALLEY,
        graph,
        example("invalid").replace(b"cirkelregio-utrecht", FOODVALLEY.encode()),
    )
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    report = response.json()["report"]
    assert report["conforms"] is False and report["counts"]["Violation"] >= 1
    assert all(result["message"]["nl"] and result["message"]["en"] for result in report["results"])
    turtle = put(
        store,
        partners,
        FOODVALLEY,
        graph,
        example("invalid").replace(b"cirkelregio-utrecht", FOODVALLEY.encode()),
        Accept="text/turtle",
    )
    assert turtle.status_code == 422
    assert "sh:ValidationReport" in turtle.text or "ValidationReport" in turtle.text
    assert (every_graph(store), versions(store, graph)) == before


def test_a_token_writes_only_its_own_graphs(store: Service, partners: Partners) -> None:
    theirs = partners.graph(CIRKELREGIO)
    before = every_graph(store)
    # By path: Foodvalley's token at Cirkelregio's graph.
    response = put(store, partners, FOODVALLEY, theirs, example(CIRKELREGIO))
    assert response.status_code == 403
    # By quads: a TriG upload into Foodvalley's own graph that also names Cirkelregio's.
    trig = (
        b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        + f"<{theirs}> {{ <https://w3id.org/kringloop/id/partner/cirkelregio-utrecht/x> "
        'rdfs:label "overgenomen"@nl . }\n'.encode()
    )
    response = put(
        store, partners, FOODVALLEY, partners.graph(FOODVALLEY), trig, media_type="application/trig"
    )
    assert response.status_code == 403
    # A partner may not describe another's resources, even in its own graph.
    foreign = example(CIRKELREGIO)
    response = put(store, partners, FOODVALLEY, partners.graph(FOODVALLEY), foreign)
    assert response.status_code == 403
    assert "namespace" in response.json()["detail"]
    # Nor the province's graphs; and without a token, or with a wrong one, nothing at all.
    assert put(store, partners, FOODVALLEY, AGENDA, example(CIRKELREGIO)).status_code == 403
    anonymous = requests.put(
        f"{store.url}/graph-store",
        params={"graph": theirs},
        data=b"",
        headers={"Content-Type": TURTLE},
        timeout=10,
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.delete(
        f"{store.url}/graph-store",
        params={"graph": theirs},
        headers={"Authorization": "Bearer kl_not-a-token"},
        timeout=10,
    )
    assert wrong.status_code == 401
    assert every_graph(store) == before


def test_post_adds_and_delete_removes(store: Service, partners: Partners) -> None:
    graph = partners.graph(FOODVALLEY)
    assert put(store, partners, FOODVALLEY, graph, example(FOODVALLEY)).status_code in (200, 201)
    whole = canonical(example(FOODVALLEY), TURTLE)
    assert graph_hash(store, graph) == whole
    extra = (
        b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        b"<https://w3id.org/kringloop/id/partner/living-lab-foodvalley/activiteit/"
        b"eiwittransitie-lab> "
        b'rdfs:comment "Aanvulling"@nl .\n'
    )
    added = requests.post(
        f"{store.url}/graph-store",
        params={"graph": graph},
        data=extra,
        headers={"Content-Type": TURTLE, **partners.auth(FOODVALLEY)},
        timeout=60,
    )
    assert added.status_code == 200, added.text
    assert added.json()["triples"] == added.json()["graphs"][0]["triples"]
    deleted = requests.delete(
        f"{store.url}/graph-store",
        params={"graph": graph},
        headers=partners.auth(FOODVALLEY),
        timeout=60,
    )
    assert deleted.status_code == 200, deleted.text
    assert graph_hash(store, graph) is None
    ask = requests.get(
        store.sparql,
        params={"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert ask.json()["boolean"] is False
    kept = versions(store, graph)
    assert kept == sorted(kept, reverse=True) and len(kept) >= 3
