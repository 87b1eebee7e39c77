"""Fast SHACL validation of uploaded graphs, with the same results as :mod:`kringloop.validation`.

pyshacl needs about a minute for a 100k-triple partner graph; issue 6 asks for under 10 s.
:func:`validate_quads` hands the triples to the Rust SHACL engine of the PyPI package
``shacl`` (compiled shapes, validated in about a second) and turns its report into the
project's :class:`~kringloop.shaclreport.ValidationReport`: a real SHACL report graph read
by the same :func:`~kringloop.shaclreport.read_results` as pyshacl's, so texts, JSON and
Turtle come out the same. ``tests/shapes/test_shaclfast.py`` checks the results against
pyshacl on the bundled data, on every failing example and on broken synthetic graphs.

Two details:

- The engine renames blank nodes. Every blank node of the input gets a marker triple
  (``_:b marker "b"``) and the shapes get one extra shape that reports each marked node with
  its label as the value; the report is rewritten with the original nodes, and those
  results are dropped. No project shape can see the marker: closed shapes are refused.
- Only the SHACL Core constructs listed in :data:`SUPPORTED` (those our shapes use, each
  covered by a comparison with pyshacl) are accepted; anything else in a shapes graph
  raises :class:`~kringloop.errors.ConfigurationError` rather than being skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain
from typing import Literal as TypingLiteral

import pyoxigraph as ox
import shacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kringloop.errors import ConfigurationError
from kringloop.graphs import AGENDA, ONTOLOGY, VOCABULARIES, GraphSource
from kringloop.shaclreport import (
    LANGUAGES,
    REPORT_PREFIXES,
    SH,
    ValidationReport,
    read_results,
)
from kringloop.store.loading import read_graph
from kringloop.validation import load_shapes

__all__ = [
    "SUPPORTED",
    "check_shapes",
    "compile_shapes",
    "context_triples",
    "to_rdflib",
    "validate_quads",
]

Focus = TypingLiteral["data", "all"]
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

#: The SHACL terms a shapes graph may use as predicates: SHACL Core as our shapes use it.
_SUPPORTED_NAMES = (
    *("targetClass", "targetNode", "targetSubjectsOf", "property", "path", "inversePath"),
    *("class", "datatype", "nodeKind", "minCount", "maxCount", "pattern", "flags", "minLength"),
    *("in", "hasValue", "languageIn", "uniqueLang", "equals", "lessThanOrEquals"),
    *("node", "not", "or", "qualifiedValueShape", "qualifiedMinCount"),
    *("severity", "message", "name", "description"),
)
#: The SHACL terms a shapes graph may use as predicates: SHACL Core as our shapes use it.
SUPPORTED: frozenset[URIRef] = frozenset(SH[name] for name in _SUPPORTED_NAMES)

_MARKER = "urn:x-kringloop:shaclfast#blankNode"
_MARKER_SHAPE = "urn:x-kringloop:shaclfast#BlankNodeShape"
_MARKER_SHAPES_NT = f"""\
<{_MARKER_SHAPE}> <{RDF.type}> <{SH.PropertyShape}> .
<{_MARKER_SHAPE}> <{SH.targetSubjectsOf}> <{_MARKER}> .
<{_MARKER_SHAPE}> <{SH.path}> <{_MARKER}> .
<{_MARKER_SHAPE}> <{SH.datatype}> <urn:x-kringloop:shaclfast#noDatatype> .
<{_MARKER_SHAPE}> <{SH.severity}> <{SH.Info}> .
"""
_XSD_STRING = str(XSD.string)
_LABELS = (ox.NamedNode(str(SKOS.prefLabel)), ox.NamedNode(str(RDFS.label)))


def check_shapes(shapes: Graph) -> None:
    """Raise :class:`ConfigurationError` for anything in ``shapes`` this module does not run."""
    used = {p for p in shapes.predicates() if isinstance(p, URIRef) and str(p).startswith(SH)}
    unsupported = sorted("sh:" + str(p)[len(SH) :] for p in used - SUPPORTED)
    if unsupported:
        raise ConfigurationError(
            "fast SHACL validation does not support " + ", ".join(unsupported) + " in the shapes"
        )
    for shape, pattern in shapes.subject_objects(SH.pattern):
        flags = shapes.value(shape, SH.flags)
        try:
            re.compile(str(pattern), _python_flags(str(flags or "")))
        except (re.error, ValueError) as error:
            raise ConfigurationError(
                f"sh:pattern {pattern!s} of {shape} is wrong: {error}"
            ) from None
    if any(_MARKER in str(term) for triple in shapes for term in triple):
        raise ConfigurationError(f"the shapes use the reserved IRI {_MARKER}")


def _python_flags(flags: str) -> int:
    known = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "q": 0}
    value = 0
    for flag in flags:
        if flag not in known:
            raise ValueError(f"unknown sh:flags {flag!r}")
        value |= known[flag]
    return value


def compile_shapes(shapes: Graph) -> shacl.Shapes:
    """Check ``shapes`` and compile them, with the blank-node marker shape, for the engine."""
    check_shapes(shapes)
    text = shapes.serialize(format="nt", encoding="utf-8").decode("utf-8") + _MARKER_SHAPES_NT
    try:
        return shacl.Shapes.from_text(text, format="ntriples")
    except ValueError as error:
        raise ConfigurationError(f"the SHACL shapes cannot be compiled: {error}") from None


@lru_cache(maxsize=1)
def _project_shapes() -> shacl.Shapes:
    return compile_shapes(load_shapes())


@lru_cache(maxsize=1)
def _context() -> tuple[ox.Triple, ...]:
    return (*_schema(), *_read(AGENDA))


@lru_cache(maxsize=1)
def _schema() -> tuple[ox.Triple, ...]:
    return (*_read(ONTOLOGY), *_read(VOCABULARIES))


def _read(source: GraphSource) -> tuple[ox.Triple, ...]:
    data, _count = read_graph(source)
    return tuple(quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))


def context_triples() -> list[ox.Triple]:
    """The ontology, vocabularies and agenda from the bundled files (read once)."""
    return list(_context())


def schema_triples() -> list[ox.Triple]:
    """The ontology and vocabularies from the bundled files (read once): no agenda edition."""
    return list(_schema())


def validate_quads(
    triples: Iterable[ox.Triple],
    *,
    context: Iterable[ox.Triple] = (),
    focus: Focus = "data",
    shapes: Graph | None = None,
) -> ValidationReport:
    """Validate ``triples`` together with ``context`` against ``shapes`` (default: ``shapes/``).

    With ``focus="data"`` only results about the data are kept: those whose focus node, or
    whose value, is a subject in ``triples`` (a shape that targets a property IRI, such as
    the interpretation shapes' ``sh:targetNode kl:rStrategie``, reports the data's nodes as
    values); with ``focus="all"`` every result of data and context is.
    """
    if focus not in ("data", "all"):
        raise ValueError(f"focus must be 'data' or 'all', not {focus!r}")
    engine = _project_shapes() if shapes is None else compile_shapes(shapes)
    data = set(triples)
    graph = data.union(context)
    blanks = {
        term.value
        for triple in graph
        for term in (triple.subject, triple.object)
        if isinstance(term, ox.BlankNode)
    }
    marker = ox.NamedNode(_MARKER)
    markers = (ox.Triple(ox.BlankNode(label), marker, ox.Literal(label)) for label in blanks)
    text = ox.serialize(chain(graph, markers), format=ox.RdfFormat.N_TRIPLES)
    report = engine.validate_text(
        text.decode("utf-8") if text else "", format="ntriples", allow_warnings=True
    )
    wanted: set[Term] | None = None
    if focus == "data":
        wanted = {triple.subject for triple in data}
    report_graph = _report_graph(report.serialize("ntriples"), wanted)
    results = tuple(read_results(report_graph))
    focus_iris = {r.focus_node for r in results if isinstance(r.focus_node, URIRef)}
    return ValidationReport(
        results=results, report_graph=report_graph, labels=_labels(graph, focus_iris)
    )


def _report_graph(engine_report: str, wanted: set[Term] | None) -> Graph:
    """The engine's report with the original blank nodes, keeping results on ``wanted`` nodes."""
    edges: dict[Term, list[tuple[ox.NamedNode, Term]]] = {}
    for quad in ox.parse(engine_report.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        edges.setdefault(quad.subject, []).append((quad.predicate, quad.object))
    result_nodes = [
        obj
        for node, pairs in edges.items()
        if (ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SH.ValidationReport))) in pairs
        for predicate, obj in pairs
        if predicate.value == str(SH.result)
    ]
    originals: dict[Term, Term] = {}
    kept = []
    for node in result_nodes:
        fields = dict(edges.get(node, []))
        if fields.get(ox.NamedNode(str(SH.sourceShape))) == ox.NamedNode(_MARKER_SHAPE):
            label = fields[ox.NamedNode(str(SH.value))]
            assert isinstance(label, ox.Literal)  # the marker shape reports the label
            originals[fields[ox.NamedNode(str(SH.focusNode))]] = ox.BlankNode(label.value)
        else:
            kept.append(node)
    graph = Graph()
    for prefix, namespace in REPORT_PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    fresh: dict[Term, BNode] = {}
    conforms = True
    for node in kept:
        fields = dict(edges.get(node, []))
        focus = fields.get(ox.NamedNode(str(SH.focusNode)))
        value = fields.get(ox.NamedNode(str(SH.value)))
        if focus is None:
            continue
        if wanted is not None and not (
            originals.get(focus, focus) in wanted
            or (value is not None and originals.get(value, value) in wanted)
        ):
            continue
        if fields.get(ox.NamedNode(str(SH.resultSeverity))) == ox.NamedNode(str(SH.Violation)):
            conforms = False
        graph.add((report, SH.result, _copy(node, edges, originals, fresh, graph)))
    graph.add((report, SH.conforms, Literal(conforms)))
    return graph


def _copy(
    node: Term,
    edges: dict[Term, list[tuple[ox.NamedNode, Term]]],
    originals: dict[Term, Term],
    fresh: dict[Term, BNode],
    graph: Graph,
) -> Node:
    """Copy a report node and what hangs from it; data blank nodes become the original ones."""
    if node in originals:
        return to_rdflib(originals[node])
    if not isinstance(node, ox.BlankNode):
        return to_rdflib(node)
    if node in fresh:
        return fresh[node]
    copy = fresh[node] = BNode()
    for predicate, obj in edges.get(node, []):
        graph.add((copy, URIRef(predicate.value), _copy(obj, edges, originals, fresh, graph)))
    return copy


def to_rdflib(term: Term) -> Node:
    """A pyoxigraph term as the rdflib term pyshacl and the reports use."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ConfigurationError(f"an RDF 1.2 triple term has no rdflib form: {term}")


def _labels(graph: set[ox.Triple], nodes: set[URIRef]) -> dict[Node, dict[str, str]]:
    """The nl/en labels of ``nodes`` as :func:`kringloop.shaclreport.labels_of` picks them."""
    wanted = {ox.NamedNode(str(node)) for node in nodes}
    by_node: dict[ox.NamedNode, dict[ox.NamedNode, list[ox.Literal]]] = {}
    for triple in _with_labels(graph, wanted):
        literal, subject = triple.object, triple.subject
        assert isinstance(literal, ox.Literal) and isinstance(subject, ox.NamedNode)
        by_node.setdefault(subject, {}).setdefault(triple.predicate, []).append(literal)
    labels: dict[Node, dict[str, str]] = {}
    for node, found in by_node.items():
        chosen: dict[str, str] = {}
        for predicate in _LABELS:
            for literal in found.get(predicate, []):
                if literal.language in LANGUAGES:
                    chosen.setdefault(literal.language, literal.value)
        if chosen:
            labels[URIRef(node.value)] = chosen
    return labels


def _with_labels(graph: set[ox.Triple], wanted: set[ox.NamedNode]) -> Iterator[ox.Triple]:
    if not wanted:
        return
    for triple in graph:
        if (
            triple.predicate in _LABELS
            and triple.subject in wanted
            and isinstance(triple.object, ox.Literal)
        ):
            yield triple
