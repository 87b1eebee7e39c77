"""Dumps: every file round-trips to the bundled graphs, with its media type and file name.

The app is real (``create_app``); dumps are made from the bundled files, so no engine runs.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from kringloop import create_app
from kringloop.dumps import CSV_TABLES, Dump, all_dumps
from kringloop.graphs import BUNDLED, GraphSource
from kringloop.settings import Settings
from kringloop.viewtables import BOM, FORMULA_STARTS

RDFLIB_FORMATS = {"trig": "trig", "nq": "nquads", "ttl": "turtle", "nt": "nt",
                  "jsonld": "json-ld", "rdf": "xml"}  # fmt: skip
MEDIA_TYPES = {"trig": "application/trig", "nq": "application/n-quads", "ttl": "text/turtle",
               "nt": "application/n-triples", "jsonld": "application/ld+json",
               "rdf": "application/rdf+xml"}  # fmt: skip


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    return create_app(Settings(log_level="error")).test_client()


@pytest.fixture(scope="module")
def expected() -> dict[URIRef, Graph]:
    """Each bundled graph parsed from its files, independently of the code under test."""
    graphs: dict[URIRef, Graph] = {}
    for source in BUNDLED:
        graph = Graph()
        for path in source.files():
            graph.parse(path, format="turtle")
        graphs[URIRef(source.iri)] = graph
    return graphs


def _selected(dump: Dump) -> tuple[GraphSource, ...]:
    return BUNDLED if dump.source is None else (dump.source,)


# rdflib's own TriG/N-Quads parsers call its deprecated Dataset API internally.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("dump", all_dumps(), ids=lambda dump: dump.file_name)
def test_dump_round_trips(client: FlaskClient, expected: dict[URIRef, Graph], dump: Dump) -> None:
    response = client.get(f"/dumps/{dump.file_name}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == MEDIA_TYPES[dump.format.suffix]
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="{dump.file_name}"'
    body = response.get_data()
    assert int(response.headers["Content-Length"]) == len(body)
    rdflib_format = RDFLIB_FORMATS[dump.format.suffix]
    if dump.format.suffix in ("trig", "nq"):
        reloaded = Dataset()
        reloaded.parse(data=body, format=rdflib_format)
        names = {URIRef(graph.identifier) for graph in reloaded.graphs() if len(graph)}
        assert names == {URIRef(source.iri) for source in _selected(dump)}
        for source in _selected(dump):
            assert isomorphic(reloaded.graph(source.iri), expected[URIRef(source.iri)]), source.iri
    else:
        reloaded_graph = Graph().parse(data=body, format=rdflib_format)
        merged = Graph()
        for source in _selected(dump):
            for triple in expected[URIRef(source.iri)]:
                merged.add(triple)
        assert isomorphic(reloaded_graph, merged)


def test_json_ld_dumps_use_the_published_context(client: FlaskClient) -> None:
    context = client.get("/context.jsonld")
    assert context.status_code == 200
    assert context.mimetype == "application/ld+json"
    published = context.get_json(force=True)["@context"]
    dumped = json.loads(client.get("/dumps/kringloop.jsonld").get_data())
    assert dumped["@context"] == published
    assert published["kl"] == "https://w3id.org/kringloop/def#"
    assert context.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_follows_the_setting() -> None:
    closed = create_app(Settings(log_level="error", cors_origin="")).test_client()
    for path in ("/context.jsonld", "/dumps/begrippen.nt", "/catalogus"):
        response = closed.get(path)
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("table", CSV_TABLES, ids=lambda table: table.name)
def test_csv_tables_are_spreadsheet_safe(client: FlaskClient, table: object) -> None:
    name = table.file_name
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM) :])))
    assert len(rows) > 1, "a table with only its header"
    assert all(len(row) == len(rows[0]) for row in rows)
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


def test_activity_table_has_every_activity(
    client: FlaskClient, expected: dict[URIRef, Graph]
) -> None:
    text = client.get("/dumps/activiteiten.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text[len(BOM) :])))
    activities = {
        str(subject)
        for graph in expected.values()
        for subject in graph.subjects(RDF.type, URIRef("https://w3id.org/kringloop/def#Activiteit"))
    }
    assert {row["activiteit"] for row in rows} == activities
    assert all(row["label"] and row["thema"] and row["kolom"] for row in rows)


def test_unknown_dump_is_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/dumps/kringloop.exe")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert "/dumps/" in response.get_json()["detail"]


def test_index_lists_every_file_escaped_in_both_languages(client: FlaskClient) -> None:
    for language, title in (("nl", "Alle gepubliceerde grafen"), ("en", "Every published graph")):
        response = client.get("/dumps/", query_string={"lang": language})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert title in html
        for dump in all_dumps():
            assert f'href="/dumps/{dump.file_name}"' in html
        for table in CSV_TABLES:
            assert f'href="/dumps/{table.file_name}"' in html
        assert "Content-Security-Policy" in response.headers


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize(
    ("path", "headers", "media_type"),
    [
        ("/catalogus", {}, "text/turtle"),
        ("/catalogus", {"Accept": "application/ld+json"}, "application/ld+json"),
        ("/catalogus", {"Accept": "application/rdf+xml"}, "application/rdf+xml"),
        ("/catalogus.nt", {}, "application/n-triples"),
        ("/catalogus?format=jsonld", {}, "application/ld+json"),
        ("/catalog", {"Accept": "text/turtle"}, "text/turtle"),
    ],
)
def test_catalogue_is_served_by_negotiation(
    client: FlaskClient, path: str, headers: dict[str, str], media_type: str
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    format_name = {"text/turtle": "turtle", "application/ld+json": "json-ld",
                   "application/rdf+xml": "xml", "application/n-triples": "nt"}  # fmt: skip
    graph = Graph().parse(data=response.get_data(), format=format_name[media_type])
    assert len(list(graph.subjects(RDF.type, DCAT.Catalog))) == 1
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == len(BUNDLED) + 1


def test_catalogue_refuses_an_unknown_format(client: FlaskClient) -> None:
    response = client.get("/catalogus.exe")
    assert response.status_code == 406
