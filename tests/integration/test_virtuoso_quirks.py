"""What Virtuoso 7.2 itself does at the protocol level: the facts behind docs/engines.md.

These talk to Virtuoso directly (not through Kringloop). Each fact explains an
``xfail`` in ``test_second_engine.py``, backs a change proposed there, or is a setting
an operator must know; if Virtuoso changes, the test fails and the docs change with it.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests
from enginekit import SECRET_GRAPH, at_engine, parse_ntriples, solutions, value
from second_engine import RESULT_SET_MAX_ROWS, Virtuoso

from kringloop.endpoint import NO_GRAPH
from kringloop.errors import EngineError
from kringloop.store.engine import EngineClient
from kringloop.store.remote import EngineEndpoints
from tests.service.servicekit import PUBLISHED, Listener, Service, http

pytestmark = pytest.mark.slow

ONTOLOGY = PUBLISHED[0]


def test_tsv_is_not_sparql_tsv(virtuoso: Virtuoso, on_virtuoso: Service) -> None:
    """Why Kringloop asks Virtuoso for SPARQL JSON (``--engine-results-format=json``): its
    TSV writes the header and IRIs as strings."""
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"
    response = at_engine(
        virtuoso.endpoints.query_url,
        query,
        "text/tab-separated-values",
        **{"named-graph-uri": ONTOLOGY},
    )
    assert response.status_code == 200
    assert response.text.split("\n")[:2] == ['"g"', f'"{ONTOLOGY}"']
    with pytest.raises(SyntaxError):
        ox.parse_query_results(response.content, format=ox.QueryResultsFormat.TSV)


def test_only_default_graph_uri_makes_every_graph_named(
    virtuoso: Virtuoso, on_virtuoso: Service
) -> None:
    """Why Kringloop never sends an empty graph list: it sends ``NO_GRAPH`` instead."""
    query = 'SELECT ?g WHERE { GRAPH ?g { ?s ?p "secret" } }'
    accept = "application/sparql-results+json"
    url = virtuoso.endpoints.query_url
    alone = at_engine(url, query, accept, **{"default-graph-uri": ONTOLOGY})
    assert solutions(alone.content, ox.QueryResultsFormat.JSON) == [{"g": f"<{SECRET_GRAPH}>"}]
    fixed = at_engine(
        url, query, accept, **{"default-graph-uri": ONTOLOGY, "named-graph-uri": NO_GRAPH}
    )
    assert solutions(fixed.content, ox.QueryResultsFormat.JSON) == []


def test_sparql_auth_takes_digest_only(virtuoso: Virtuoso) -> None:
    """Why the harness defines /sparql-basic: Kringloop's client sends basic auth."""
    url = f"{virtuoso.endpoints.root}/sparql-auth"
    account = (virtuoso.endpoints.username, virtuoso.endpoints.password)
    basic = http.post(url, data={"query": "ASK {}"}, auth=account)
    assert basic.status_code == 401
    challenge = http.post(url, data={"query": "ASK {}"}).headers["WWW-Authenticate"]
    assert challenge.startswith("Digest ")
    digest = http.post(url, data={"query": "ASK {}"}, auth=requests.auth.HTTPDigestAuth(*account))
    assert digest.status_code == 200


def test_graph_store_put_replaces_and_needs_the_account(virtuoso: Virtuoso) -> None:
    """Kringloop's own client (the code that loads the bundled graphs) against Virtuoso."""
    endpoints = virtuoso.endpoints
    client = EngineClient(
        EngineEndpoints(
            endpoints.query_url,
            endpoints.update_url,
            endpoints.graph_store_url,
            endpoints.username,
            endpoints.password,
        )
    )
    anonymous = EngineClient(EngineEndpoints(endpoints.query_url, "", endpoints.graph_store_url))
    graph = "https://w3id.org/kringloop/id/graaf/vervang-test"
    try:
        client.put_graph(graph, b'<urn:x:s> <urn:x:p> "one" .\n', "application/n-triples", 30)
        client.put_graph(graph, b'<urn:x:s> <urn:x:p> "two" .\n', "application/n-triples", 30)
        with pytest.raises(EngineError, match="HTTP 401"):
            anonymous.put_graph(graph, b"", "application/n-triples", 30)
    finally:
        client.close()
        anonymous.close()
    stored = at_engine(
        endpoints.query_url,
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        "application/n-triples",
        **{"named-graph-uri": graph},
    )
    assert [value(t.object) for t in parse_ntriples(stored.content)] == ["two"]


def test_select_is_cut_at_result_set_max_rows(virtuoso: Virtuoso) -> None:
    """Silently but for a header: keep ResultSetMaxRows above Kringloop's result cap."""
    query = f"SELECT ?a ?d WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {RESULT_SET_MAX_ROWS + 1}"
    response = at_engine(
        virtuoso.endpoints.query_url, query, "text/csv", **{"default-graph-uri": PUBLISHED}
    )
    assert response.status_code == 200
    assert response.headers["X-SPARQL-MaxRows"] == str(RESULT_SET_MAX_ROWS)
    assert response.text.count("\n") == RESULT_SET_MAX_ROWS + 1  # the header line and the rows


def test_public_endpoint_refuses_outbound_requests_itself(
    virtuoso: Virtuoso, listener: Listener
) -> None:
    """Defence in depth: Virtuoso's anonymous SPARQL user may not SERVICE, LOAD or sponge."""
    for query in (
        f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"LOAD <{listener.url}>",
        f'DEFINE get:soft "soft" SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}',  # noqa: S608
    ):
        response = at_engine(virtuoso.endpoints.query_url, query, "application/sparql-results+json")
        assert response.status_code == 500, response.text
        assert "SECURITY" in response.text
    assert listener.connections == 0
