"""The core of the resource pages without a service: the IRI -> page mapping, SHACL
findings for one resource, and the ontology's terms."""

from __future__ import annotations

import pytest
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import OWL

from kringloop.graphs import AGENDA, ONTOLOGY
from kringloop.resources import findings, link_of, local_path, ontology_graph, ontology_terms
from kringloop.validation import Severity
from tests.resources.resourcekit import ACTIVITY, ID, KL

MAPPING = {
    ID + "activiteit/x-y": "/doc/activiteit/x-y",
    ID + "graaf/agenda-2021-2022": "/doc/graaf/agenda-2021-2022",
    "https://w3id.org/kringloop/doc/thema/bodem": "/doc/thema/bodem",
    "https://w3id.org/kringloop/def": "/def",
    KL + "Activiteit": "/def#Activiteit",
    ID: None,
    "https://w3id.org/kringloop/definitely": None,
    "https://w3id.org/other/id/x": None,
    "http://www.w3.org/ns/prov#Entity": None,
}


@pytest.mark.parametrize(("iri", "expected"), MAPPING.items())
def test_local_path_maps_only_our_iris(iri: str, expected: str | None) -> None:
    assert local_path(iri) == expected


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        (ID + "thema/bodem", "/doc/thema/bodem"),
        ("http://www.w3.org/ns/prov#Entity", "http://www.w3.org/ns/prov#Entity"),
        (
            "https://identifier.overheid.nl/tooi/id/provincie/pv26",
            "https://identifier.overheid.nl/tooi/id/provincie/pv26",
        ),
        ("javascript:alert(1)", None),
        ("urn:isbn:123", None),
        ("mailto:a@b.nl", None),
    ],
)
def test_links_go_to_our_pages_or_http_only(iri: str, expected: str | None) -> None:
    """Our IRIs go to their pages; others stay external links only when http(s)."""
    assert link_of(iri) == expected


def test_findings_report_what_breaks_this_resource_only(bundled: Dataset) -> None:
    activity = URIRef(ID + ACTIVITY)
    assert [f for f in findings(str(activity)) if f.severity is Severity.VIOLATION] == []
    broken = Dataset()
    for s, p, o, g in bundled.quads((None, None, None, None)):
        if not (s == activity and p == URIRef(KL + "thema")):
            broken.graph(g).add((s, p, o))
    found = findings(str(activity), broken)
    assert any(
        f.severity is Severity.VIOLATION and f.path is not None and "thema" in f.path for f in found
    ), found
    assert all(str(f.focus_node) == str(activity) for f in found)
    other = ID + "activiteit/waterbesparing-door-consumenten-samen"
    assert not any("thema" in (f.path or "") for f in findings(other, broken))
    assert (activity, URIRef(KL + "thema"), None) in bundled.graph(AGENDA.iri)


def test_ontology_terms_are_every_class_and_property() -> None:
    graph = ontology_graph()
    expected = Graph()
    for path in ONTOLOGY.files():
        expected.parse(path, format="turtle")
    assert len(graph) == len(expected)
    terms = {term.iri: term for term in ontology_terms(graph)}
    classes = {str(c) for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(KL)}
    assert classes <= set(terms)
    activity = terms[KL + "Activiteit"]
    assert activity.kind == "class"
    assert activity.labels == {"nl": "activiteit", "en": "activity"}
    assert set(activity.comments) == {"nl", "en"}
    thema = terms[KL + "thema"]
    assert thema.kind == "property"
    assert thema.domains == [KL + "Activiteit"] and thema.ranges == [KL + "Thema"]
