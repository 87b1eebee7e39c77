"""SHACL validation against the shapes in ``shapes/``, with reports in Dutch and English.

:func:`validate` runs pyshacl (no inference) on the union of the given graphs and returns a
:class:`ValidationReport`: typed results, a ``conforms`` flag computed from the severities (a
violation makes the data non-conforming, warnings and infos do not), and text, Turtle and
JSON serialisations.

Data and shapes are both parsed by rdflib: parsing them with different parsers made equal
strings compare unequal (design notes, section 6). The project's shapes use SHACL Core only
(a ``sh:sparql`` constraint cost rdflib ~7 ms per focus node even when parsed once). Shapes
given by a user may still hold one: pyshacl hands its query text to the data graph once per
focus node, and the union graph parses each text once and reuses the prepared query.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyshacl import validate as pyshacl_validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import IdentifiedNode, Node

from kringloop.errors import ConfigurationError
from kringloop.paths import project_root
from kringloop.shaclreport import (
    REPORT_PREFIXES,
    SH,
    SHAPES,
    Severity,
    ValidationReport,
    ValidationResult,
    labels_of,
    read_results,
)

__all__ = [
    "SH",
    "SHAPES",
    "Severity",
    "ValidationReport",
    "ValidationResult",
    "load_shapes",
    "restrict_targets",
    "shapes_dir",
    "union_graph",
    "validate",
]


def shapes_dir() -> Path:
    return project_root() / "shapes"


def load_shapes(directory: Path | None = None) -> Graph:
    """Parse every ``*.ttl`` file of the shapes folder into one graph."""
    folder = directory or shapes_dir()
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise ConfigurationError(f"no SHACL shapes (*.ttl) in {folder}")
    shapes = Graph()
    for path in files:
        shapes.parse(path, format="turtle")
    return shapes


class _UnionGraph(Graph):
    """An in-memory graph that parses each SPARQL query text only once.

    pyshacl hands a ``sh:sparql`` query to ``query()`` as text, once per focus node; parsing
    it (12 ms) costs more than running it on our data.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prepared: dict[str, Query] = {}

    def query(
        self,
        query_object: str | Query,
        *args: Any,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str):
            prepared = self._prepared.get(query_object)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                self._prepared[query_object] = prepared
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def union_graph(data: Graph | Dataset) -> Graph:
    """The union of every graph in ``data`` as one graph (what pyshacl validates)."""
    union = _UnionGraph()
    if isinstance(data, Dataset):
        union.addN((s, p, o, union) for s, p, o, _ in data.quads((None, None, None, None)))
    else:
        union.addN((s, p, o, union) for s, p, o in data)
    return union


def validate(
    data: Graph | Dataset,
    *,
    shapes: Graph | None = None,
    focus_nodes: Iterable[IdentifiedNode] | None = None,
) -> ValidationReport:
    """Validate the union of the graphs in ``data`` against ``shapes`` (default: ``shapes/``).

    ``focus_nodes`` restricts validation to those nodes: each is still checked against
    every shape that targets it, and nothing else is checked.
    """
    shapes_graph = shapes if shapes is not None else load_shapes()
    union = union_graph(data)
    if focus_nodes is not None:
        shapes_graph = restrict_targets(shapes_graph, union, set(focus_nodes))
    _conforms, report_graph, _text = pyshacl_validate(
        union,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=False,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(report_graph, Graph):  # pyshacl's ValidationFailure: the shapes are wrong
        raise ConfigurationError(f"the SHACL shapes cannot be applied: {report_graph}")
    for prefix, namespace in REPORT_PREFIXES.items():
        report_graph.bind(prefix, namespace, override=True)
    results = tuple(read_results(report_graph))
    labels = {
        result.focus_node: labels_of(union, result.focus_node)
        for result in results
        if isinstance(result.focus_node, URIRef)
    }
    return ValidationReport(
        results=results,
        report_graph=report_graph,
        labels={node: found for node, found in labels.items() if found},
    )


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def restrict_targets(shapes: Graph, data: Graph, focus_nodes: set[IdentifiedNode]) -> Graph:
    """A copy of ``shapes`` whose shapes target only those of ``focus_nodes`` they targeted.

    Each target declaration becomes ``sh:targetNode`` for the focus nodes it selects in
    ``data``. (pyshacl's own ``focus_nodes`` option also applies the nodes to nested shapes,
    such as the operand of ``sh:not``, and reports wrong results.)
    """
    restricted = Graph()
    restricted.addN((s, p, o, restricted) for s, p, o in shapes if p not in _TARGETS)
    for prefix, namespace in shapes.namespaces():
        restricted.bind(prefix, namespace)
    targeted = {shape for target in _TARGETS for shape in shapes.subjects(target, None)}
    for shape in targeted:
        if (shape, SH.target, None) in shapes:
            raise ValueError(f"cannot restrict the SPARQL-based target of {shape}")
        selected: set[Node] = set(shapes.objects(shape, SH.targetNode)) & focus_nodes
        for cls in shapes.objects(shape, SH.targetClass):
            classes = set(data.transitive_subjects(RDFS.subClassOf, cls))
            selected |= {
                node
                for node in focus_nodes
                if any((node, RDF.type, each) in data for each in classes)
            }
        for predicate in shapes.objects(shape, SH.targetSubjectsOf):
            selected |= {node for node in focus_nodes if (node, predicate, None) in data}
        for predicate in shapes.objects(shape, SH.targetObjectsOf):
            selected |= {node for node in focus_nodes if (None, predicate, node) in data}
        for node in selected:
            restricted.add((shape, SH.targetNode, node))
    return restricted
