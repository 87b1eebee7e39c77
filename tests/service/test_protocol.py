"""``/sparql`` against the SPARQL 1.1 Protocol, on the managed and on an external engine.

Every result format is parsed for real; counts are compared with rdflib's count of the
same files, never hard-coded.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from typing import Any
from xml.etree import ElementTree

import pytest
from rdflib import RDF, Dataset, Graph, Namespace, URIRef
from servicekit import PUBLISHED, Service, http
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

ONTOLOGY = PUBLISHED[0]
COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
CONSTRUCT_ONTOLOGY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}"
SRX = "{http://www.w3.org/2005/sparql-results#}"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")


def counts_from(format_name: str, body: bytes) -> dict[str, int]:
    """Parse a COUNT_PER_GRAPH answer in any results format."""
    text = body.decode("utf-8")
    if format_name == "json":
        rows = json.loads(text)["results"]["bindings"]
        return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    if format_name == "xml":
        root = ElementTree.fromstring(body)  # noqa: S314 (our own answer)
        found = {}
        for result in root.iter(f"{SRX}result"):
            values = {b.get("name"): "".join(b.itertext()).strip() for b in result}
            found[str(values["g"])] = int(str(values["n"]))
        return found
    if format_name == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return {row["g"]: int(row["n"]) for row in rows}
    assert format_name == "tsv"
    lines = text.rstrip("\n").split("\n")
    assert lines[0].split("\t") == ["?g", "?n"]
    found = {}
    for line in lines[1:]:
        graph, number = line.split("\t")
        found[graph.strip("<>")] = int(number)
    return found


def expected_counts(graph_sizes: dict[str, int]) -> dict[str, int]:
    return {iri: size for iri, size in graph_sizes.items() if size}


RESULT_FORMATS = [
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
]


@pytest.mark.parametrize(("name", "media_type"), RESULT_FORMATS, ids=[f[0] for f in RESULT_FORMATS])
@pytest.mark.parametrize("chosen_by", ["accept", "format"])
def test_select_in_every_results_format(
    service: Service, graph_sizes: dict[str, int], name: str, media_type: str, chosen_by: str
) -> None:
    if chosen_by == "accept":
        response = http.get(
            service.sparql, params={"query": COUNT_PER_GRAPH}, headers={"Accept": media_type}
        )
    else:
        response = http.get(service.sparql, params={"query": COUNT_PER_GRAPH, "format": name})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Kringloop-Truncated"] == "false"
    assert counts_from(name, response.content) == expected_counts(graph_sizes)


def parse_graph(data: bytes, rdflib_format: str) -> Graph:
    """rdflib's parse; some of its parsers (JSON-LD) warn about rdflib's own deprecated API."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(data=data, format=rdflib_format)


def triple_count(data: bytes, rdflib_format: str) -> int:
    if rdflib_format not in ("trig", "nquads"):
        return len(parse_graph(data, rdflib_format))
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=data, format=rdflib_format)
    return sum(len(graph) for graph in dataset.graphs())


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
@pytest.mark.parametrize("chosen_by", ["accept", "format"])
def test_construct_in_every_rdf_format(
    service: Service,
    graph_sizes: dict[str, int],
    name: str,
    media_type: str,
    rdflib_format: str,
    chosen_by: str,
) -> None:
    if chosen_by == "accept":
        response = http.get(
            service.sparql, params={"query": CONSTRUCT_ONTOLOGY}, headers={"Accept": media_type}
        )
    else:
        response = http.get(service.sparql, params={"query": CONSTRUCT_ONTOLOGY, "format": name})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert triple_count(response.content, rdflib_format) == graph_sizes[ONTOLOGY]


def xml_boolean(body: bytes) -> bool:
    found = ElementTree.fromstring(body).find(f"{SRX}boolean")  # noqa: S314
    assert found is not None
    return found.text == "true"


def test_ask_and_describe(service: Service) -> None:
    for media_type, parse in (
        ("application/sparql-results+json", lambda body: json.loads(body)["boolean"]),
        (
            "application/sparql-results+xml",
            lambda body: xml_boolean(body),
        ),
    ):
        response = http.get(
            service.sparql,
            params={"query": f"ASK {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": media_type},
        )
        assert response.status_code == 200
        assert parse(response.content) is True
    describe = http.get(
        service.sparql,
        params={"query": "DESCRIBE <https://w3id.org/kringloop/def>"},
        headers={"Accept": "text/turtle"},
    )
    assert describe.status_code == 200
    graph = Graph().parse(data=describe.content, format="turtle")
    assert (URIRef("https://w3id.org/kringloop/def"), None, None) in graph


def post_form(service: Service, data: dict[str, Any]) -> Any:
    return http.post(
        service.sparql, data=data, headers={"Accept": "application/sparql-results+json"}
    )


def test_get_post_form_and_post_direct_agree(service: Service, graph_sizes: dict[str, int]) -> None:
    direct = http.post(
        service.sparql,
        data=COUNT_PER_GRAPH.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    form = post_form(service, {"query": COUNT_PER_GRAPH})
    get = http.get(service.sparql, params={"query": COUNT_PER_GRAPH, "format": "json"})
    expected = expected_counts(graph_sizes)
    for response in (direct, form, get):
        assert response.status_code == 200, response.text
        assert counts_from("json", response.content) == expected


def test_dataset_parameters_narrow_the_dataset(
    service: Service, graph_sizes: dict[str, int]
) -> None:
    count_default = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    rows = service.select(count_default, **{"default-graph-uri": ONTOLOGY})
    assert int(rows[0]["n"]["value"]) == graph_sizes[ONTOLOGY]
    # named-graph-uri only: the default graph is empty, GRAPH ?g sees just that graph
    named = service.select(COUNT_PER_GRAPH, **{"named-graph-uri": ONTOLOGY})
    assert {row["g"]["value"]: int(row["n"]["value"]) for row in named} == {
        ONTOLOGY: graph_sizes[ONTOLOGY]
    }
    assert int(service.select(count_default, **{"named-graph-uri": ONTOLOGY})[0]["n"]["value"]) == 0
    # the same through POST direct, with the parameters in the URL
    direct = http.post(
        service.sparql,
        params={"default-graph-uri": ONTOLOGY},
        data=count_default.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    assert int(direct.json()["results"]["bindings"][0]["n"]["value"]) == graph_sizes[ONTOLOGY]
    # FROM naming a published graph works like default-graph-uri
    rows = service.select(f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}")  # noqa: S608
    assert int(rows[0]["n"]["value"]) == graph_sizes[ONTOLOGY]


def test_an_empty_graph_list_reaches_the_engine_as_no_graph(service: Service) -> None:
    """Kringloop never sends the engine an empty graph list (Virtuoso would read it as
    "every graph"); it sends ``urn:kringloop:no-graph``, which holds nothing. The one
    visible effect: an empty ``GRAPH ?g { }`` lists that IRI as the only named graph."""
    only_default = {"default-graph-uri": ONTOLOGY}
    assert service.select(COUNT_PER_GRAPH, **only_default) == []
    listed = service.select("SELECT ?g WHERE { GRAPH ?g { } }", **only_default)
    assert listed == [{"g": {"type": "uri", "value": "urn:kringloop:no-graph"}}]
    only_named = {"named-graph-uri": ONTOLOGY}
    assert service.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1", **only_named) == []


def test_select_terms_survive_the_engine_format(service: Service) -> None:
    """Every kind of term comes back exactly, whether the engine was asked for TSV
    (managed) or for SPARQL JSON re-encoded by Kringloop (external)."""
    query = (
        "SELECT ?t WHERE { VALUES ?t { <urn:x:a> "
        '"tab\\there\\nnew \\"quoted\\" \\\\ line" "nl"@nl '
        '"2"^^<http://www.w3.org/2001/XMLSchema#decimal> "" } } ORDER BY STR(?t)'
    )
    expected = [
        {"type": "literal", "value": ""},
        {"type": "literal", "value": "2", "datatype": "http://www.w3.org/2001/XMLSchema#decimal"},
        {"type": "literal", "value": "nl", "xml:lang": "nl"},
        {"type": "literal", "value": 'tab\there\nnew "quoted" \\ line'},
        {"type": "uri", "value": "urn:x:a"},
    ]
    assert [row["t"] for row in service.select(query)] == expected
    blank = service.select("SELECT ?b ?u WHERE { BIND(BNODE() AS ?b) }")
    assert [set(row) for row in blank] == [{"b"}]
    assert blank[0]["b"]["type"] == "bnode"
    tsv = http.get(service.sparql, params={"query": query, "format": "tsv"})
    assert tsv.text.split("\n")[0] == "?t"
    assert tsv.text.count("\n") == 1 + len(expected)


def test_default_graph_is_the_union_of_the_published_graphs(
    service: Service, bundled: Dataset, registry_graph: Graph
) -> None:
    union = {
        triple
        for triples in [*(bundled.graph(URIRef(iri)) for iri in PUBLISHED), registry_graph]
        for triple in triples
        if not any(term.__class__.__name__ == "BNode" for term in triple)
    }
    rows = service.select(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o "
        "FILTER(!isBlank(?s) && !isBlank(?o)) } }"
    )
    assert int(rows[0]["n"]["value"]) == len(union)


ERROR_CASES: list[tuple[str, dict[str, Any], int]] = [
    ("malformed query", {"method": "GET", "params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
    ("two queries", {"method": "GET", "params": {"query": ["ASK {}", "ASK {}"]}}, 400),
    ("empty query", {"method": "GET", "params": {"query": " "}}, 400),
    ("form without query", {"method": "POST", "data": {"format": "json"}}, 400),
    ("PUT", {"method": "PUT", "data": "ASK {}"}, 405),
    ("DELETE", {"method": "DELETE"}, 405),
    (
        "text/plain body",
        {"method": "POST", "data": b"ASK {}", "headers": {"Content-Type": "text/plain"}},
        415,
    ),
    (
        "unacceptable Accept",
        {"method": "GET", "params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}},
        406,
    ),
    ("unknown format", {"method": "GET", "params": {"query": "ASK {}", "format": "docx"}}, 406),
    (
        "select as turtle",
        {"method": "GET", "params": {"query": "SELECT * {}", "format": "ttl"}},
        406,
    ),
    ("update by GET", {"method": "GET", "params": {"update": "CLEAR ALL"}}, 403),
    ("update by form", {"method": "POST", "data": {"update": "DROP ALL"}}, 403),
    (
        "update direct",
        {
            "method": "POST",
            "data": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        403,
    ),
    (
        "update in query",
        {"method": "GET", "params": {"query": "INSERT DATA { <a:a> <a:b> <a:c> }"}},
        403,
    ),
    (
        "SERVICE",
        {
            "method": "GET",
            "params": {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
        },
        403,
    ),
    (
        "unpublished FROM",
        {"method": "GET", "params": {"query": "SELECT * FROM <urn:x:system> { ?s ?p ?o }"}},
        403,
    ),
    (
        "unpublished default-graph-uri",
        {"method": "GET", "params": {"query": "ASK {}", "default-graph-uri": "urn:x:system"}},
        403,
    ),
    ("too deep", {"method": "GET", "params": {"query": "ASK " + "{" * 200 + "}" * 200}}, 403),
    ("too large", {"method": "POST", "data": {"query": "ASK {} #" + "x" * 40000}}, 413),
]


@pytest.mark.parametrize(
    ("case", "request_args", "status"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_error_status_and_problem_json(
    service: Service, case: str, request_args: dict[str, Any], status: int
) -> None:
    arguments = dict(request_args)
    method = arguments.pop("method")
    response = http.request(method, service.sparql, timeout=30, **arguments)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert problem["instance"] == "/sparql"
    if status == 405:
        assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_malformed_query_names_the_position(service: Service) -> None:
    response = http.get(service.sparql, params={"query": "SELECT * WHERE {\n  ?s ?p\n}"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["line"] == 3
    assert f"3:{problem['column']}" in problem["detail"]


def test_cors_on_reads_only(service: Service) -> None:
    read = http.get(
        service.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://example.org"}
    )
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    refused_read = http.get(service.sparql, params={"query": "SELECT * WHERE {"})
    assert refused_read.headers["Access-Control-Allow-Origin"] == "*"
    update = http.post(
        service.sparql, data={"update": "DROP ALL"}, headers={"Origin": "https://example.org"}
    )
    assert "Access-Control-Allow-Origin" not in update.headers
    health = http.get(f"{service.url}/-/health", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in health.headers
    preflight = http.options(
        service.sparql,
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_service_description(
    service: Service, graph_sizes: dict[str, int], accept: str, rdflib_format: str
) -> None:
    response = http.get(service.sparql, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == accept
    description = parse_graph(response.content, rdflib_format)
    services = list(description.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert (services[0], SD.endpoint, URIRef(service.sparql)) in description
    assert (services[0], SD.supportedLanguage, SD.SPARQL11Query) in description
    counted = {}
    for named in description.objects(None, SD.namedGraph):
        name = description.value(named, SD.name)
        graph = description.value(named, SD.graph)
        counted[str(name)] = int(description.value(graph, VOID.triples))  # type: ignore[arg-type]
    assert counted == graph_sizes


def test_truncated_select_says_so(service: Service) -> None:
    query = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 12000"
    response = http.get(service.sparql, params={"query": query, "format": "json"})
    assert response.status_code == 200
    assert response.headers["Kringloop-Truncated"] == "true"
    body = response.json()
    assert body["kringloop"]["truncated"] is True
    assert len(body["results"]["bindings"]) == body["kringloop"]["resultCap"] == 10000
    csv_answer = http.get(service.sparql, params={"query": query, "format": "csv"})
    assert csv_answer.headers["Kringloop-Truncated"] == "true"
    assert len(list(csv.reader(io.StringIO(csv_answer.text)))) == 10001


def test_unbounded_select_is_cut_not_read_whole(service: Service) -> None:
    """Without LIMIT the cross product has ~10^8 solutions, far over max_result_bytes:
    TSV reading stops at the cap's line, the SPARQL JSON parser at solution cap + 1."""
    query = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f }"
    response = http.get(service.sparql, params={"query": query, "format": "json"})
    assert response.status_code == 200, response.text
    assert response.headers["Kringloop-Truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 10000


def test_truncated_construct_says_so(service: Service) -> None:
    query = "CONSTRUCT { [] <urn:x:p> ?c } WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 12000"
    response = http.get(service.sparql, params={"query": query, "format": "nt"})
    assert response.headers["Kringloop-Truncated"] == "true"
    assert response.text.startswith("# Kringloop: truncated")
    graph = Graph().parse(data=response.content, format="nt")
    assert len(graph) == 10000


def test_small_answers_are_not_truncated(service: Service) -> None:
    response = http.get(service.sparql, params={"query": CONSTRUCT_ONTOLOGY, "format": "ttl"})
    assert response.headers["Kringloop-Truncated"] == "false"
    assert b"Kringloop: truncated" not in response.content


def test_sparqlwrapper_select_json_xml_and_construct(
    service: Service, graph_sizes: dict[str, int]
) -> None:
    wrapper = SPARQLWrapper(service.sparql)
    wrapper.setQuery(COUNT_PER_GRAPH)
    wrapper.setReturnFormat(JSON)
    as_json: Any = wrapper.query().convert()
    assert {
        row["g"]["value"]: int(row["n"]["value"]) for row in as_json["results"]["bindings"]
    } == expected_counts(graph_sizes)
    wrapper.setReturnFormat(XML)
    as_xml: Any = wrapper.query().convert()
    results = as_xml.getElementsByTagName("result")
    assert len(results) == len(expected_counts(graph_sizes))
    wrapper.setQuery(CONSTRUCT_ONTOLOGY)
    wrapper.setReturnFormat(XML)
    with warnings.catch_warnings():  # SPARQLWrapper parses RDF/XML with a ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = wrapper.query().convert()
    assert isinstance(graph, Graph)
    assert len(graph) == graph_sizes[ONTOLOGY]
    wrapper.setReturnFormat(TURTLE)
    turtle: Any = wrapper.query().convert()
    assert len(Graph().parse(data=turtle, format="turtle")) == graph_sizes[ONTOLOGY]
    wrapper.setMethod("POST")
    wrapper.setQuery(COUNT_PER_GRAPH)
    wrapper.setReturnFormat(JSON)
    posted: Any = wrapper.query().convert()
    assert len(posted["results"]["bindings"]) == len(expected_counts(graph_sizes))
