"""kringloop.shaclfast gives the results pyshacl gives (kringloop.validation.validate).

Compared on the bundled data, on every failing example of ``examples/`` (validated with
the bundled graphs as context, as an upload would be) and on broken copies of a synthetic
partner graph. Results are compared as (focus node, path, value, source shape, severity,
component, messages); blank nodes keep their identity between the two, except shapes
nested in the shapes graph, which each side parses separately.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from bench.synthetic import Concepts, PartnerGraphGenerator
from kringloop.errors import ConfigurationError
from kringloop.graphs import BUNDLED
from kringloop.shaclfast import context_triples, to_rdflib, validate_quads
from kringloop.shaclreport import SH, ValidationReport, read_results
from kringloop.store.loading import read_graph
from kringloop.validation import load_shapes, validate
from kringloop.vocab import KL
from tests.shapes.test_shapes import EXAMPLE_FILES, Example

Key = tuple[object, ...]


def rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    graph = Graph()
    graph.addN(
        (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), graph) for t in triples
    )
    return graph


def keys(
    report: ValidationReport, focus: set[Node] | None = None, *, by_value: bool = False
) -> set[Key]:
    """The results as comparable keys; with ``focus``, those on it (``by_value``: or whose
    value is in it, as ``focus="data"`` keeps them)."""
    return {
        (
            r.focus_node,
            r.path,
            r.value,
            "_:nested" if isinstance(r.source_shape, BNode) else r.source_shape,
            r.severity,
            r.constraint_component,
            r.message_nl,
            r.message_en,
        )
        for r in report.results
        if focus is None or r.focus_node in focus or (by_value and r.value in focus)
    }


def parse_turtle(path_or_text: str, *, text: bool = False) -> list[ox.Triple]:
    quads = (
        ox.parse(path_or_text.encode("utf-8"), format=ox.RdfFormat.TURTLE)
        if text
        else ox.parse(path=path_or_text, format=ox.RdfFormat.TURTLE)
    )
    return [quad.triple for quad in quads]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def bundled() -> list[ox.Triple]:
    """Every bundled graph (ontology, vocabularies, agenda, interpretations)."""
    found: list[ox.Triple] = []
    for source in BUNDLED:
        data, _count = read_graph(source)
        found.extend(q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return found


def test_bundled_data_gives_the_same_results(bundled: list[ox.Triple], shapes: Graph) -> None:
    fast = validate_quads(bundled, focus="all")
    slow = validate(rdflib_graph(bundled), shapes=shapes)
    assert keys(fast) == keys(slow)
    assert fast.conforms == slow.conforms


RDF_TYPE_OX = ox.NamedNode(str(RDF.type))


def test_context_triples_are_ontology_vocabularies_and_agenda() -> None:
    triples = context_triples()
    owl_class = ox.NamedNode("http://www.w3.org/2002/07/owl#Class")
    assert ox.Triple(ox.NamedNode(str(KL.Activiteit)), RDF_TYPE_OX, owl_class) in set(triples)
    assert any(t.object == ox.NamedNode(str(KL.Agendaeditie)) for t in triples)
    assert not any(t.predicate == ox.NamedNode(str(KL.betreft)) for t in triples)
    assert context_triples() == triples


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda example: example.name)
def test_example_gives_the_same_results(
    example: Example, bundled: list[ox.Triple], shapes: Graph
) -> None:
    snippet = parse_turtle(str(example.path))
    subjects = {to_rdflib(t.subject) for t in snippet}
    expected_focus = {e.focus for e in example.expectations if e.focus is not None}
    focus = subjects | expected_focus
    # Shapes that target a property IRI report the data's nodes as values: include them.
    targets = {node for node in shapes.objects(None, SH.targetNode) if isinstance(node, URIRef)}
    slow = validate(rdflib_graph([*bundled, *snippet]), shapes=shapes, focus_nodes=focus | targets)
    assert slow.results, f"{example.name}: pyshacl reports nothing"

    fast_data = validate_quads(snippet, context=bundled, focus="data")
    assert keys(fast_data) == keys(slow, subjects, by_value=True)
    fast_all = validate_quads(snippet, context=bundled, focus="all")
    assert keys(fast_all, focus | targets) == keys(slow)


def test_blank_node_focus_keeps_its_identity(bundled: list[ox.Triple]) -> None:
    snippet = parse_turtle(
        "@prefix kl: <https://w3id.org/kringloop/def#> . [] a kl:Doel .", text=True
    )
    blank = snippet[0].subject
    report = validate_quads(snippet, context=bundled)
    assert {r.focus_node for r in report.results} == {BNode(blank.value)}
    assert not report.conforms


ILL_FORMED = """
@prefix kl: <https://w3id.org/kringloop/def#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/kringloop/id/bron/nul> a kl:Bronverwijzing ;
    kl:document <https://w3id.org/kringloop/id/agenda/2021-2022> ;
    kl:regelVan "0"^^xsd:positiveInteger ; kl:regelTot "010"^^xsd:positiveInteger ;
    kl:brontekst "regel" .
"""


def test_an_ill_formed_literal_does_not_have_its_datatype(bundled: list[ox.Triple]) -> None:
    """The one known difference: "0" is not in the lexical space of xsd:positiveInteger, so
    SHACL's sh:datatype fails; pyshacl 0.40 (rdflib's int conversion) lets it pass. The
    non-canonical but valid "010" passes in both."""
    report = validate_quads(parse_turtle(ILL_FORMED, text=True), context=bundled)
    found = {(r.path, r.value, r.constraint_component) for r in report.results}
    assert found == {
        (
            "kl:regelVan",
            Literal("0", datatype=XSD.positiveInteger),
            SH.DatatypeConstraintComponent,
        )
    }


# ---------------------------------------------------------------------------------------
# Broken copies of a synthetic partner graph
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> list[ox.Triple]:
    generator = PartnerGraphGenerator(Concepts.bundled(), "10k")
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in generator.triples(4_000))
    return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


def _activities(triples: list[ox.Triple]) -> list[ox.NamedNode]:
    activity = ox.NamedNode(str(KL.Activiteit))
    return sorted(
        {
            t.subject
            for t in triples
            if t.predicate == RDF_TYPE_OX
            and t.object == activity
            and isinstance(t.subject, ox.NamedNode)
        },
        key=str,
    )


def _without_labels(triples: list[ox.Triple]) -> list[ox.Triple]:
    some = set(_activities(triples)[::7])
    label = ox.NamedNode(str(RDFS.label))
    return [t for t in triples if not (t.predicate == label and t.subject in some)]


def _broken_pattern(triples: list[ox.Triple]) -> list[ox.Triple]:
    renamed = {a: ox.NamedNode(a.value + "_Kopie") for a in _activities(triples)[::11]}
    out = []
    for t in triples:
        subject = (
            renamed.get(t.subject, t.subject) if isinstance(t.subject, ox.NamedNode) else t.subject
        )
        obj = renamed.get(t.object, t.object) if isinstance(t.object, ox.NamedNode) else t.object
        out.append(ox.Triple(subject, t.predicate, obj))
    return out


def _wrong_class(triples: list[ox.Triple]) -> list[ox.Triple]:
    theme = ox.NamedNode(str(KL.thema))
    goal = ox.NamedNode("https://w3id.org/kringloop/id/doel/grondstoffen-besparen")
    some = set(_activities(triples)[::5])
    return [
        ox.Triple(t.subject, t.predicate, goal) if t.predicate == theme and t.subject in some else t
        for t in triples
    ]


def _all_broken(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Every mutation at once (they touch different activities): one pyshacl run for all."""
    return _wrong_class(_broken_pattern(_without_labels(triples)))


@pytest.mark.parametrize(
    "mutate", [lambda t: t, _all_broken], ids=["unchanged", "labels-pattern-class-broken"]
)
def test_synthetic_partner_graph_gives_the_same_results(
    mutate: object, synthetic: list[ox.Triple], bundled: list[ox.Triple], shapes: Graph
) -> None:
    assert callable(mutate)
    data: list[ox.Triple] = mutate(synthetic)
    subjects = {to_rdflib(t.subject) for t in data}
    fast = validate_quads(data, context=bundled)
    slow = validate(rdflib_graph([*bundled, *data]), shapes=shapes, focus_nodes=subjects)
    assert keys(fast) == keys(slow)
    assert fast.labels == slow.labels
    assert fast.to_text("en") == slow.to_text("en")


def test_mutations_are_reported(synthetic: list[ox.Triple], bundled: list[ox.Triple]) -> None:
    """The comparisons above are not vacuous: each mutation adds violations."""
    before = keys(validate_quads(synthetic, context=bundled))
    shapes_added: set[Node] = set()
    for mutate in (_without_labels, _broken_pattern, _wrong_class):
        after = validate_quads(mutate(synthetic), context=bundled)
        assert not after.conforms
        added = keys(after) - before
        assert added
        shapes_added |= {key[3] for key in added}
    combined = keys(validate_quads(_all_broken(synthetic), context=bundled)) - before
    assert {key[3] for key in combined} >= shapes_added


# ---------------------------------------------------------------------------------------
# Focus, report graph, refused shapes
# ---------------------------------------------------------------------------------------


BROKEN_CONTEXT = """
@prefix kl: <https://w3id.org/kringloop/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/kringloop/id/thema/Fout> a kl:Thema ; rdfs:label " fout "@nl .
"""


def test_focus_data_leaves_context_nodes_unchecked(bundled: list[ox.Triple]) -> None:
    context = [*bundled, *parse_turtle(BROKEN_CONTEXT, text=True)]
    broken = URIRef("https://w3id.org/kringloop/id/thema/Fout")
    assert validate_quads([], context=context).results == ()
    assert broken in {
        r.focus_node for r in validate_quads([], context=context, focus="all").results
    }


def test_report_graph_is_a_shacl_report(bundled: list[ox.Triple]) -> None:
    snippet = parse_turtle(str(EXAMPLE_FILES[0].path))
    report = validate_quads(snippet, context=bundled)
    graph = Graph().parse(data=report.to_turtle(), format="turtle")
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms) == Literal(False)
    assert len(set(graph.objects(node, SH.result))) == len(report.results)
    assert set(read_results(graph)) == set(report.results)
    assert '"conforms": false' in report.to_json()


@pytest.mark.parametrize("construct", ["closed", "sparql", "maxLength", "targetObjectsOf"])
def test_unsupported_shape_constructs_are_refused(construct: str) -> None:
    shapes = Graph()
    shape = URIRef("https://example.org/shape")
    shapes.add((shape, RDF.type, SH.NodeShape))
    shapes.add((shape, SH[construct], Literal(True)))
    with pytest.raises(ConfigurationError, match=f"sh:{construct}"):
        validate_quads([], shapes=shapes)


@pytest.mark.parametrize("pattern", ["^(a", "(?=a)b"], ids=["python", "engine"])
def test_a_pattern_either_side_cannot_compile_is_refused(pattern: str) -> None:
    shapes = Graph()
    shape = URIRef("https://example.org/shape")
    shapes.add((shape, RDF.type, SH.NodeShape))
    shapes.add((shape, SH.targetClass, URIRef("https://example.org/C")))
    shapes.add((shape, SH.pattern, Literal(pattern)))
    with pytest.raises(ConfigurationError, match="pattern"):
        validate_quads([], shapes=shapes)


def test_bad_focus_is_refused() -> None:
    with pytest.raises(ValueError, match="focus"):
        validate_quads([], focus="everything")  # type: ignore[arg-type]
