"""The SPARQL 1.1 Service Description of the public endpoint, with VoID triple counts."""

from __future__ import annotations

import pyoxigraph as ox

from kringloop.formats import FORMATS
from kringloop.graphs import BUNDLED

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(
    endpoint_url: str, graph_counts: dict[str, int], default_graph_triples: int
) -> list[ox.Triple]:
    """Describe the endpoint: protocol, formats, and the published dataset with counts."""
    titles = {str(source.iri): (source.title_nl, source.title_en) for source in BUNDLED}
    service = ox.BlankNode()
    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(default_graph, ox.NamedNode(VOID + "triples"), _integer(default_graph_triples)),
    ]
    for output in FORMATS:
        triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(output.w3c_iri)))
    for iri, count in graph_counts.items():
        named = ox.BlankNode()
        graph = ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), _integer(count)),
        ]
        if iri in titles:
            title_nl, title_en = titles[iri]
            triples += [
                ox.Triple(graph, DCTERMS_TITLE, ox.Literal(title_nl, language="nl")),
                ox.Triple(graph, DCTERMS_TITLE, ox.Literal(title_en, language="en")),
            ]
    return triples


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)
