"""Kringloop's ``/sparql`` on a second engine family, Virtuoso 7.2 (Debian), feature by feature.

Each test is one row of the feature table in ``docs/engines.md`` and runs twice: through
``kringloop serve`` on Virtuoso (``[virtuoso]``) and on its managed Oxigraph
(``[oxigraph]``), both with the same deadline and result cap. A feature that does not
work on an engine is marked ``fails_on(engine, reason=...)``, which becomes a strict
``xfail`` for that engine only, so the table stays true: when the feature starts to
work, the test fails until the mark (and the table) are updated. Counts come from the
bundled files, never from constants.
"""

from __future__ import annotations

import warnings

import pytest
from enginekit import (
    COUNT_PER_GRAPH,
    SECRET_GRAPH,
    boolean_from,
    counts_from,
    graph_triple_counts,
    ground,
    nonempty,
    ntriples,
    parse_ntriples,
    value,
)
from rdflib import Dataset, Graph
from second_engine import MISSING, available

from kringloop.graphs import BUNDLED
from kringloop.store.loading import read_graph
from tests.service.servicekit import PUBLISHED, Service, http

pytestmark = pytest.mark.slow

ONTOLOGY, VOCABULARIES = PUBLISHED[0], PUBLISHED[1]
ONTOLOGY_IRI = "https://w3id.org/kringloop/def"
SD = "http://www.w3.org/ns/sparql-service-description#"
CONSTRUCT_ONTOLOGY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}"
CONSTRUCT_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


# -- loading and counts ----------------------------------------------------------------------


def test_virtuoso_is_installed() -> None:
    """Fails, never skips, where Virtuoso is missing; the message names the package."""
    assert available(), MISSING


@pytest.mark.fails_on(
    "oxigraph",
    reason="Oxigraph's store turns xsd:positiveInteger and xsd:nonNegativeInteger into "
    "xsd:integer (see test_virtuoso_keeps_derived_datatypes_oxigraph_does_not)",
)
def test_bundled_graphs_load_through_the_graph_store(kringloop: Service) -> None:
    """Every triple without a blank node comes back exactly as the files state it."""
    for source in BUNDLED:
        data, count = read_graph(source)
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{source.iri}> {{ ?s ?p ?o }} }}"
        stored = ntriples(kringloop, query)
        assert len(stored) == count, source.iri
        assert ground(stored) == ground(parse_ntriples(data)), source.iri


def test_triple_counts_equal_the_managed_oxigraph(
    on_virtuoso: Service, managed: Service, file_sizes: dict[str, int]
) -> None:
    assert graph_triple_counts(on_virtuoso) == nonempty(file_sizes)
    assert graph_triple_counts(on_virtuoso) == graph_triple_counts(managed)


# -- query forms and formats -------------------------------------------------------------------


RESULT_FORMATS = [
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
]


@pytest.mark.parametrize(("name", "media_type"), RESULT_FORMATS, ids=[f[0] for f in RESULT_FORMATS])
def test_select_in_every_results_format(
    kringloop: Service, file_sizes: dict[str, int], name: str, media_type: str
) -> None:
    response = http.get(
        kringloop.sparql, params={"query": COUNT_PER_GRAPH}, headers={"Accept": media_type}
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert counts_from(name, response.content) == nonempty(file_sizes)


@pytest.mark.parametrize("media_type", [f[1] for f in RESULT_FORMATS[:2]], ids=["json", "xml"])
def test_ask_in_json_and_xml(kringloop: Service, media_type: str) -> None:
    for subject, expected in ((ONTOLOGY_IRI, True), ("urn:x:nowhere", False)):
        query = f"ASK {{ GRAPH <{ONTOLOGY}> {{ <{subject}> ?p ?o }} }}"
        response = http.get(
            kringloop.sparql, params={"query": query}, headers={"Accept": media_type}
        )
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].split(";")[0] == media_type
        assert boolean_from(media_type, response.content) is expected


RDF_FORMATS = [
    ("ttl", "text/turtle", "turtle"),
    ("nt", "application/n-triples", "nt"),
    ("jsonld", "application/ld+json", "json-ld"),
    ("rdf", "application/rdf+xml", "xml"),
    ("trig", "application/trig", "trig"),
    ("nq", "application/n-quads", "nquads"),
]


@pytest.mark.parametrize(
    ("name", "media_type", "rdflib_format"), RDF_FORMATS, ids=[f[0] for f in RDF_FORMATS]
)
def test_construct_in_every_rdf_format(
    kringloop: Service,
    file_sizes: dict[str, int],
    name: str,
    media_type: str,
    rdflib_format: str,
) -> None:
    response = http.get(kringloop.sparql, params={"query": CONSTRUCT_ONTOLOGY, "format": name})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    with warnings.catch_warnings():  # rdflib's JSON-LD parser warns about rdflib's own API
        warnings.simplefilter("ignore", DeprecationWarning)
        if rdflib_format in ("trig", "nquads"):
            dataset = Dataset().parse(data=response.content, format=rdflib_format)
            count = sum(len(graph) for graph in dataset.graphs())
        else:
            count = len(Graph().parse(data=response.content, format=rdflib_format))
    assert count == file_sizes[ONTOLOGY]


def test_describe_gives_the_resource(kringloop: Service) -> None:
    """Virtuoso's DESCRIBE also adds triples that point at the resource (docs/engines.md)."""
    described = ntriples(kringloop, f"DESCRIBE <{ONTOLOGY_IRI}>")
    own = ntriples(
        kringloop, f"CONSTRUCT {{ <{ONTOLOGY_IRI}> ?p ?o }} WHERE {{ <{ONTOLOGY_IRI}> ?p ?o }}"
    )
    assert own
    assert own <= described


def test_get_post_form_and_post_direct_agree(
    kringloop: Service, file_sizes: dict[str, int]
) -> None:
    accept = {"Accept": "application/n-triples"}
    answers = [
        http.get(kringloop.sparql, params={"query": CONSTRUCT_ONTOLOGY}, headers=accept),
        http.post(kringloop.sparql, data={"query": CONSTRUCT_ONTOLOGY}, headers=accept),
        http.post(
            kringloop.sparql,
            data=CONSTRUCT_ONTOLOGY.encode(),
            headers={**accept, "Content-Type": "application/sparql-query"},
        ),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert len(parse_ntriples(response.content)) == file_sizes[ONTOLOGY]


# -- datasets ------------------------------------------------------------------------------------


def test_dataset_parameters_narrow_the_dataset(
    kringloop: Service, file_sizes: dict[str, int]
) -> None:
    named = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    default = ntriples(kringloop, CONSTRUCT_ALL, **{"default-graph-uri": ONTOLOGY})
    assert len(default) == file_sizes[ONTOLOGY]
    # named-graph-uri only: the default graph is empty, GRAPH ?g sees just that graph
    assert ntriples(kringloop, CONSTRUCT_ALL, **{"named-graph-uri": VOCABULARIES}) == set()
    in_named = ntriples(kringloop, named, **{"named-graph-uri": VOCABULARIES})
    assert len(in_named) == file_sizes[VOCABULARIES]
    # both, by POST direct with the parameters in the URL
    direct = http.post(
        kringloop.sparql,
        params={"default-graph-uri": ONTOLOGY, "named-graph-uri": VOCABULARIES},
        data=CONSTRUCT_ALL.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert len(parse_ntriples(direct.content)) == file_sizes[ONTOLOGY]
    # FROM naming a published graph works like default-graph-uri
    from_query = f"CONSTRUCT {{ ?s ?p ?o }} FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    assert len(ntriples(kringloop, from_query)) == file_sizes[ONTOLOGY]


@pytest.mark.fails_on(
    "virtuoso",
    reason="Virtuoso 7.2 adds the query's FROM graphs to default-graph-uri instead of letting "
    "the protocol parameters override them (SPARQL 1.1 Protocol 2.1.4)",
)
def test_dataset_parameters_override_from(kringloop: Service) -> None:
    query = f"ASK FROM <{ONTOLOGY}> {{ <{ONTOLOGY_IRI}> ?p ?o }}"
    response = http.get(
        kringloop.sparql, params={"query": query, "default-graph-uri": VOCABULARIES}
    )
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is False


def test_graph_queries_over_the_named_graphs(
    kringloop: Service, file_sizes: dict[str, int]
) -> None:
    names = ntriples(
        kringloop, f"CONSTRUCT {{ ?g a <{SD}NamedGraph> }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    assert {value(t.subject) for t in names} == set(nonempty(file_sizes))
    for iri, size in file_sizes.items():
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        assert len(ntriples(kringloop, query)) == size, iri


@pytest.mark.fails_on(
    "virtuoso",
    reason="Virtuoso 7.2 gives no solution for an empty pattern in GRAPH ?g { }; SPARQL gives "
    "one per named graph of the dataset",
)
def test_empty_graph_pattern_lists_the_named_graphs(
    kringloop: Service, file_sizes: dict[str, int]
) -> None:
    names = ntriples(kringloop, "CONSTRUCT { ?g a <urn:x:Graph> } WHERE { GRAPH ?g { } }")
    assert {value(t.subject) for t in names} == set(nonempty(file_sizes))


@pytest.mark.fails_on(
    "virtuoso",
    reason="Virtuoso 7.2 answers ASK { GRAPH <g> { ... } } with true (and COUNT(*) with 1) "
    "for any graph outside named-graph-uri, whatever the pattern",
)
def test_graph_outside_the_dataset_matches_nothing(kringloop: Service) -> None:
    query = "ASK { GRAPH <https://w3id.org/kringloop/id/graaf/bestaat-niet> { ?s ?p ?o } }"
    response = http.get(kringloop.sparql, params={"query": query, "format": "json"})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is False


ISOLATION_CASES = [
    pytest.param({}, "", id="no-dataset"),
    pytest.param({"default-graph-uri": ONTOLOGY, "named-graph-uri": ONTOLOGY}, "", id="both"),
    pytest.param({"named-graph-uri": ONTOLOGY}, "", id="named-only"),
    pytest.param({"default-graph-uri": ONTOLOGY}, "", id="default-only"),
    pytest.param({}, f"FROM <{ONTOLOGY}>", id="from-only"),
]


@pytest.mark.parametrize(("params", "dataset_clause"), ISOLATION_CASES)
def test_unpublished_graphs_stay_invisible(
    kringloop: Service, params: dict[str, str], dataset_clause: str
) -> None:
    """A graph in Virtuoso that is not published (conftest.SECRET_GRAPH) never shows.

    With only ``default-graph-uri`` (or only ``FROM``) Virtuoso would make every graph of
    its store a named graph; Kringloop then sends ``named-graph-uri`` = ``NO_GRAPH``.
    """
    secret = (
        f"CONSTRUCT {{ ?s ?p ?o }} {dataset_clause} "
        'WHERE { GRAPH ?g { ?s ?p ?o FILTER(?o = "secret") } }'
    )
    assert ntriples(kringloop, secret, **params) == set()
    graphs = (
        f"CONSTRUCT {{ ?g a <urn:x:Graph> }} {dataset_clause} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    assert {value(t.subject) for t in ntriples(kringloop, graphs, **params)} <= set(PUBLISHED)
    by_name = (
        f"CONSTRUCT {{ ?s ?p ?o }} {dataset_clause} "
        f"WHERE {{ GRAPH <{SECRET_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    assert ntriples(kringloop, by_name, **params) == set()
    selected = http.get(
        kringloop.sparql,
        params={"query": by_name.replace("CONSTRUCT { ?s ?p ?o }", "SELECT ?o"), **params},
        headers={"Accept": "text/csv"},
    )
    assert selected.status_code == 200, selected.text
    assert "secret" not in selected.text
    by_from = f"ASK FROM <{SECRET_GRAPH}> {{ ?s ?p ?o }}"
    assert http.get(kringloop.sparql, params={"query": by_from}).status_code == 403
