"""What the resource tests share: the resources they look at, the statements they add to
the engine, and independent reads of the engine (straight from Oxigraph, no cap)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pyoxigraph as ox
import requests
from rdflib import Graph

from tests.service.servicekit import Service, http

#: Smaller than most lists on a page, so the service reads them in pages.
RESULT_CAP = 7
BASE = "https://w3id.org/kringloop/"
ID = BASE + "id/"
KL = BASE + "def#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ACTIVITY = "activiteit/circulair-opnemen-in-regionaal-programmeren-wonen-en-werken"
EDITION = "agenda/2021-2022"
NETWORK = "netwerk/cirkelregio-utrecht"
THEME = "thema/ruimtelijke-ordening"
INTERPRETATIONS = ID + "graaf/interpretaties-2021-2022"
#: Added by the tests: a resource with hostile literals, and one with many inverse links.
HOSTILE = "activiteit/test-vijandige-tekst"
HOSTILE_LABEL = '<script>alert("x")</script> & <b>vet</b>'
HOSTILE_COMMENT = 'a"><img src=x onerror=alert(1)>'
POPULAR = "activiteit/test-veel-verwijzingen"
POPULAR_LINKS = 123
#: format name -> (suffix, media type)
RDF_FORMATS = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
OXIGRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
}


def parse_rdf(content: bytes, name: str) -> Graph:
    """An RDF answer (read by Oxigraph's parsers) as an rdflib graph."""
    quads = ox.parse(content, format=OXIGRAPH_FORMATS[name])
    triples = [ox.Triple(quad.subject, quad.predicate, quad.object) for quad in quads]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return Graph().parse(data=data, format="nt")


@dataclass
class Site:
    service: Service
    engine: Service

    @property
    def url(self) -> str:
        return self.service.url

    def engine_graph(self, query: str) -> Graph:
        """A CONSTRUCT answered by the engine itself (union of all its graphs)."""
        response = requests.post(
            f"{self.engine.url}/query",
            params={"union-default-graph": ""},
            data={"query": query},
            headers={"Accept": "application/n-triples"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return Graph().parse(data=response.text, format="nt")

    def resource_triples(self, iri: str) -> Graph:
        """The resource's statements in every graph, with its blank nodes' statements."""
        return self.engine_graph(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g {"
            f" {{ <{iri}> ?p ?o BIND(<{iri}> AS ?s) }} UNION"
            f" {{ <{iri}> ?q ?s . ?s ?p ?o FILTER(isBlank(?s)) }} }} }}"
        )

    def engine_select(self, query: str) -> list[dict[str, dict[str, str]]]:
        response = requests.post(
            f"{self.engine.url}/query",
            params={"union-default-graph": ""},
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        rows: list[dict[str, dict[str, str]]] = response.json()["results"]["bindings"]
        return rows

    def get(self, path: str, **headers: str) -> requests.Response:
        return http.get(self.url + path, headers=headers, allow_redirects=False)


def escape(text: str) -> str:
    """``text`` inside a SPARQL string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def add_test_statements(engine_url: str) -> None:
    """Put the test resources into the interpretations graph, as the engine's own update."""
    hostile = f"<{ID}{HOSTILE}>"
    popular = f"<{ID}{POPULAR}>"
    links = " ".join(
        f"<{ID}activiteit/test-verwijzer-{number:03d}> <{KL}betreft> {popular} ."
        for number in range(POPULAR_LINKS)
    )
    update = (
        f"INSERT DATA {{ GRAPH <{INTERPRETATIONS}> {{\n"
        f'  {hostile} <{RDFS}label> "{escape(HOSTILE_LABEL)}"@nl ;\n'
        f'    <{RDFS}comment> "{escape(HOSTILE_COMMENT)}" ;\n'
        f"    <{RDFS}seeAlso> <javascript:alert(1)> .\n"
        f'  {popular} <{RDFS}label> "Veel verwijzingen"@nl .\n'
        f"  {links}\n"
        "} }"
    )
    response = requests.post(f"{engine_url}/update", data={"update": update}, timeout=60)
    assert response.status_code in (200, 204), response.text


def section(page: str, element_id: str) -> str:
    """The HTML of the element with ``id=element_id`` up to the next section's end."""
    start = page.index(f'id="{element_id}"')
    end = page.find("</section>", start)
    return page[start : end if end >= 0 else len(page)]


def links(fragment: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', fragment)]


def parse_link_header(value: str) -> dict[str, str]:
    """``Link`` header -> {media type: URL} of the rel="alternate" links."""
    found: dict[str, str] = {}
    for url, params in re.findall(r"<([^>]*)>((?:\s*;\s*[^,;]+)*)", value):
        if 'rel="alternate"' in params:
            media = re.search(r'type="([^"]+)"', params)
            assert media is not None, value
            found[media.group(1)] = url
    return found
