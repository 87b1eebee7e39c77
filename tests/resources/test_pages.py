"""The HTML of a resource page, the ontology's documentation and the helpful 404, on a
real service, checked against the engine (read directly) and the bundled files."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL

from kringloop.graphs import ONTOLOGY, load_bundled_dataset
from kringloop.validation import validate
from tests.resources.resourcekit import (
    ACTIVITY,
    HOSTILE,
    HOSTILE_COMMENT,
    HOSTILE_LABEL,
    ID,
    KL,
    NETWORK,
    POPULAR,
    POPULAR_LINKS,
    THEME,
    Site,
    links,
    section,
)

AGENDA_GRAPH = ID + "graaf/agenda-2021-2022"
INTERPRETATION_GRAPH = ID + "graaf/interpretaties-2021-2022"


def page(site: Site, path: str, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = site.get(f"{path}?{query}" if query else path)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    return response.text


def graph_section(text: str, graph: str) -> str:
    start = text.index(f'data-graph="{graph}"')
    return text[start : text.index("</section>", start)]


def test_document_facts_and_interpretations_stand_apart(site: Site) -> None:
    text = page(site, f"/doc/{ACTIVITY}")
    document = graph_section(text, AGENDA_GRAPH)
    interpretation = graph_section(text, INTERPRETATION_GRAPH)
    assert 'data-kind="document"' in document and "Wat het document zegt" in document
    assert 'data-kind="interpretation"' in interpretation
    assert "Interpretatie van de redactie van Kringloop" in interpretation
    # Each value sits in the section of the graph the engine holds it in.
    for graph, fragment in ((AGENDA_GRAPH, document), (INTERPRETATION_GRAPH, interpretation)):
        rows = site.engine_select(
            f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ <{ID}{ACTIVITY}> ?p ?o FILTER(isIRI(?o)) }} }}"
        )
        targets = set(links(fragment))
        for row in rows:
            value = row["o"]["value"]
            local = value.replace(ID, "/doc/").replace(KL, "/def#")
            assert local in targets or value in targets, (graph, value)
    assert "/doc/thema/" in document and "/doc/thema/" not in interpretation
    assert "/doc/rol/" in interpretation and "/doc/rol/" not in document
    # The graphs' names and provenance (who made them, from what).
    assert "(zoals het document het zegt)" in document
    assert "/doc/organisatie/kringloop-redactie" in links(document)
    assert "/doc/agenda/2021-2022" in links(document)
    assert "(redactie Kringloop)" in interpretation
    assert "prov:wasAttributedTo" in interpretation


def test_page_has_label_types_and_links_to_other_formats(site: Site) -> None:
    text = page(site, f"/doc/{ACTIVITY}", lang="en")
    label = site.engine_select(f"SELECT ?l WHERE {{ <{ID}{ACTIVITY}> <{RDFS.label}> ?l }}")
    assert f'<h1 id="label">{escape(label[0]["l"]["value"])}</h1>' in text
    types = re.search(r'<dd id="types">(.*?)</dd>', text, re.S)
    formats_list = re.search(r'<dd id="formats">(.*?)</dd>', text, re.S)
    assert types is not None and formats_list is not None
    assert "/def#Activiteit" in links(types.group(1))
    formats = links(formats_list.group(1))
    assert [url.rsplit(".", 1)[1] for url in formats] == ["ttl", "jsonld", "nt", "rdf"]
    assert "What the document states" in text


def test_inverse_links_are_counted_and_listed(site: Site) -> None:
    rows = site.engine_select(
        f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a <{KL}thema> <{ID}{THEME}> }}"
    )
    count = int(rows[0]["n"]["value"])
    inverse = section(page(site, f"/doc/{THEME}"), "inverse")
    assert re.search(rf'href="/def#thema">[^<]*</a>: <span class="count">{count}</span>', inverse)
    assert inverse.count("/doc/activiteit/") >= count


def test_many_inverse_links_are_paged(site: Site) -> None:
    first = section(page(site, f"/doc/{POPULAR}"), "inverse")
    assert f'<span class="count">{POPULAR_LINKS}</span>' in first
    seen: list[str] = []
    number = 1
    while True:
        fragment = section(page(site, f"/doc/{POPULAR}", pagina=str(number)), "inverse")
        listed = re.findall(r'href="/doc/activiteit/(test-verwijzer-\d+)"', fragment)
        assert 0 < len(listed) <= 50
        seen += listed
        following = re.search(r'rel="next" href="([^"]+)"', fragment)
        if following is None:
            break
        assert f"pagina={number + 1}" in html.unescape(following.group(1))
        number += 1
    assert number == 3
    assert seen == [f"test-verwijzer-{n:03d}" for n in range(POPULAR_LINKS)]
    assert site.get(f"/doc/{POPULAR}?pagina=nul").status_code == 400


@pytest.mark.parametrize("path", [NETWORK, ACTIVITY, "opgaveteam/utrecht-2050-circulaire-topregio"])
def test_shacl_findings_of_the_resource_are_shown(site: Site, path: str) -> None:
    expected = [
        result
        for result in validate(load_bundled_dataset(), focus_nodes=[URIRef(ID + path)]).results
        if str(result.focus_node) == ID + path
    ]
    findings = section(page(site, f"/doc/{path}", lang="en"), "findings")
    assert findings.count('class="finding') == len(expected)
    for result in expected:
        assert escape(result.message_en) in findings
    if not expected:
        assert "No findings" in findings


def test_unknown_resource_gets_a_helpful_404(site: Site) -> None:
    response = site.get("/doc/activiteit/circulair-bestaat-niet")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    text = response.text
    assert f"{ID}activiteit/circulair-bestaat-niet" in text
    assert re.search(r'<form[^>]*action="/activiteiten"', text)
    assert 'name="q"' in text
    similar = links(section(text, "similar"))
    assert similar and all(url.startswith("/doc/") for url in similar)
    assert any("circulair" in url for url in similar)
    # The thing URI redirects first, then the same 404; RDF clients get problem JSON.
    assert site.get("/id/activiteit/circulair-bestaat-niet").status_code == 303
    as_rdf = site.get("/doc/activiteit/circulair-bestaat-niet", Accept="text/turtle")
    assert as_rdf.status_code == 404
    assert as_rdf.headers["Content-Type"] == "application/problem+json"
    assert site.get("/doc/Niet%20Geldig/..").status_code == 404


@pytest.mark.parametrize("path", ["/def/shapes", "/def/shapes.ttl", "/def/iets/anders"])
def test_below_def_is_a_404_page(site: Site, path: str) -> None:
    response = site.get(path)
    assert response.status_code == 404
    assert 'name="q"' in response.text


def test_hostile_literals_are_escaped(site: Site) -> None:
    text = page(site, f"/doc/{HOSTILE}")
    assert escape(HOSTILE_LABEL) in text
    assert escape(HOSTILE_COMMENT) in text
    assert "<script>alert" not in text and "<img" not in text and "<b>vet" not in text
    # An IRI that is not http(s) is shown, never linked.
    assert "javascript:alert(1)" in text
    assert not any(url.startswith("javascript:") for url in links(text))


def test_def_documents_every_term_of_the_ontology(site: Site) -> None:
    ontology = Graph()
    for path in ONTOLOGY.files():
        ontology.parse(path, format="turtle")
    text = page(site, "/def", lang="en")
    terms = {
        str(term)
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for term in ontology.subjects(RDF.type, kind)
        if str(term).startswith(KL)
    }
    assert len(terms) > 30
    for term in terms:
        name = term[len(KL) :]
        assert f'id="{name}"' in text, name
        block = section(text, name)
        for label in ontology.objects(URIRef(term), RDFS.label):
            assert escape(str(label)) in block, (name, label)
        for comment in ontology.objects(URIRef(term), RDFS.comment):
            assert escape(str(comment)) in block, (name, comment)
    thema = section(text, "thema")
    assert 'href="/def#Activiteit"' in thema and 'href="/def#Thema"' in thema
    assert "/def#Activiteit" in links(page(site, f"/doc/{ACTIVITY}"))
