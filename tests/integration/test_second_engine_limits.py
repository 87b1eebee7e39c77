"""Kringloop's limits, vetting, errors, service description and health on Virtuoso 7.2.

The second half of the feature table in ``docs/engines.md`` (the first half is
``test_second_engine.py``, which explains the ``[virtuoso]``/``[oxigraph]`` runs and the
``fails_on`` marks).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from enginekit import COUNT_PER_GRAPH, CROSS_PRODUCT, start_service
from rdflib import Graph, URIRef
from second_engine import Virtuoso

from tests.service.servicekit import PUBLISHED, Listener, Service, http

pytestmark = pytest.mark.slow

ONTOLOGY = PUBLISHED[0]
CONSTRUCT_ONTOLOGY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


# -- limits --------------------------------------------------------------------------------------


def test_deadline_cuts_off_a_cross_product(kringloop: Service) -> None:
    response = http.get(kringloop.sparql, params={"query": CROSS_PRODUCT, "format": "json"})
    assert response.status_code == 503, response.text
    assert response.json()["title"] == "Query deadline exceeded"
    after = http.get(kringloop.sparql, params={"query": "ASK {}", "format": "json"})
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_result_cap_truncates_construct(kringloop: Service, result_cap: int) -> None:
    # a fresh blank node per solution: every solution of the cross product is a new triple
    query = (
        f"CONSTRUCT {{ [] <urn:x:p> ?f }} WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {result_cap + 1}"
    )
    # over the ontology alone (677 triples: a cross product far past the cap), so that the
    # engine's work stays well inside the deadline however many graphs are published
    params = {"query": query, "format": "nt", "default-graph-uri": ONTOLOGY}
    response = http.get(kringloop.sparql, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Kringloop-Truncated"] == "true"
    assert response.text.startswith("# Kringloop: truncated")
    assert len(Graph().parse(data=response.content, format="nt")) == result_cap
    small = http.get(kringloop.sparql, params={"query": CONSTRUCT_ONTOLOGY, "format": "ttl"})
    assert small.headers["Kringloop-Truncated"] == "false"


def test_result_cap_truncates_select(kringloop: Service, result_cap: int) -> None:
    # one solution over the cap: Virtuoso builds the whole answer before it sends any,
    # so a larger LIMIT only adds work under the 3 s deadline
    query = f"SELECT ?a ?d WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {result_cap + 1}"
    params = {"query": query, "format": "json", "default-graph-uri": ONTOLOGY}
    response = http.get(kringloop.sparql, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Kringloop-Truncated"] == "true"
    body = response.json()
    assert body["kringloop"] == {"truncated": True, "resultCap": result_cap}
    assert len(body["results"]["bindings"]) == result_cap


# -- vetting and errors --------------------------------------------------------------------------


def test_vetting_refuses_before_the_engine(kringloop: Service, listener: Listener) -> None:
    outbound = [
        f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}",  # noqa: S608
        f"CONSTRUCT {{ ?s ?p ?o }} FROM NAMED <{listener.url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{listener.url}>",
    ]
    for query in outbound:
        for method, field in (("GET", "params"), ("POST", "data")):
            response = http.request(method, kringloop.sparql, **{field: {"query": query}})
            assert response.status_code == 403, (query, response.text)
            assert response.json()["reason"], query
    update = http.post(kringloop.sparql, data={"update": f"LOAD <{listener.url}>"})
    assert update.status_code == 403
    dataset = http.get(
        kringloop.sparql, params={"query": "ASK {}", "default-graph-uri": listener.url}
    )
    assert dataset.status_code == 403
    assert listener.connections == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ('DEFINE input:same-as "yes" ASK { }', 400),
        ('ASK { FILTER(bif:length("abc") = 3) }', 400),
        (
            "CONSTRUCT { <urn:x:a> <urn:x:b> ?v } "
            'WHERE { BIND(bif:sys_stat("st_dbms_ver") AS ?v) }',
            400,
        ),
        ('ASK { FILTER(<bif:length>("abc") = 3) }', 403),
        ('PREFIX b: <bif:> ASK { FILTER(b:length("abc") = 3) }', 403),
    ],
    ids=["define", "bif-filter", "bif-sys-stat", "bif-iri", "bif-as-prefix"],
)
def test_virtuoso_extensions_are_refused(kringloop: Service, query: str, status: int) -> None:
    """Refused by the vetting (the position named), never passed to Virtuoso, which runs
    them (``bif:sys_stat`` tells its version)."""
    response = http.get(kringloop.sparql, params={"query": query})
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["reason"] in ("extension", "prefix"), problem
    assert not problem["detail"].startswith("Virtuoso")
    assert problem["line"] == 1


def test_malformed_query_is_a_problem_400(kringloop: Service) -> None:
    response = http.get(kringloop.sparql, params={"query": "CONSTRUCT WHERE {\n  ?s ?p\n}"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["title"]


def test_malformed_query_names_the_position(kringloop: Service) -> None:
    response = http.get(kringloop.sparql, params={"query": "CONSTRUCT WHERE {\n  ?s ?p\n}"})
    assert response.json()["line"] == 3


# -- service description and health --------------------------------------------------------------


def test_service_description_with_void_counts(
    kringloop: Service, file_sizes: dict[str, int]
) -> None:
    response = http.get(kringloop.sparql, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    description = Graph().parse(data=response.content, format="turtle")
    counted = {}
    for named in description.objects(None, URIRef(SD + "namedGraph")):
        graph = description.value(named, URIRef(SD + "graph"))
        triples = description.value(graph, URIRef(VOID + "triples"))
        counted[str(description.value(named, URIRef(SD + "name")))] = int(str(triples))
    assert counted == file_sizes


def test_health_reports_the_engine_and_counts(
    kringloop: Service, file_sizes: dict[str, int]
) -> None:
    response = http.get(f"{kringloop.url}/-/health")
    assert response.status_code == 200, response.text
    health = response.json()
    assert health["engine"]["reachable"] is True
    assert health["engine"]["managed"] is (kringloop.name == "managed")
    server = "Oxigraph/" if kringloop.name == "managed" else "Virtuoso/07.20"
    assert health["engine"]["server"].startswith(server)
    assert {graph["iri"]: graph["triples"] for graph in health["graphs"]} == file_sizes


# -- the wrong results format for the engine --------------------------------------------------


@pytest.fixture(scope="module")
def virtuoso_read_as_tsv(
    tmp_path_factory: pytest.TempPathFactory, virtuoso: Virtuoso, on_virtuoso: Service
) -> Iterator[Service]:
    """``kringloop serve`` on Virtuoso with the default ``--engine-results-format=tsv``
    (``on_virtuoso`` has loaded the graphs already)."""
    service = start_service(
        tmp_path_factory.mktemp("virtuoso-tsv"),
        "virtuoso-tsv",
        *virtuoso.endpoints.serve_flags(),
        "--engine-results-format=tsv",  # the last one given counts
        "--no-load-bundled",
        environment=virtuoso.endpoints.serve_environment(),
    )
    yield service
    service.stop()


def test_unreadable_engine_answers_are_502_not_500(virtuoso_read_as_tsv: Service) -> None:
    """Virtuoso's TSV does not parse: SELECT and the service description are a 502
    problem, ``/-/health`` says unavailable with the reason; CONSTRUCT still works."""
    select = http.get(virtuoso_read_as_tsv.sparql, params={"query": COUNT_PER_GRAPH})
    assert select.status_code == 502, select.text
    assert select.headers["Content-Type"] == "application/problem+json"
    description = http.get(virtuoso_read_as_tsv.sparql, headers={"Accept": "text/turtle"})
    assert description.status_code == 502, description.text
    assert description.headers["Content-Type"] == "application/problem+json"
    health = http.get(f"{virtuoso_read_as_tsv.url}/-/health")
    assert health.status_code == 503, health.text
    assert health.json()["status"] == "unavailable"
    assert "could not be read" in health.json()["problem"]
    construct = http.get(
        virtuoso_read_as_tsv.sparql, params={"query": CONSTRUCT_ONTOLOGY, "format": "nt"}
    )
    assert construct.status_code == 200, construct.text
