"""SHACL validation reports: typed results, severities, and text, Turtle and JSON renderings.

:func:`kringloop.validation.validate` builds a :class:`ValidationReport` from pyshacl's report
graph with :func:`read_results`; the CLI and the web layer render it in Dutch or English.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SKOS, NamespaceManager
from rdflib.term import Node

from kringloop.vocab import PREFIXES

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES = Namespace("https://w3id.org/kringloop/def/shapes#")

#: Prefixes for reports: the project's own plus the shapes namespace.
REPORT_PREFIXES: dict[str, str] = {**PREFIXES, "klsh": str(SHAPES)}

LANGUAGES = ("nl", "en")


class Severity(enum.Enum):
    """The SHACL severities, worst first."""

    VIOLATION = SH.Violation
    WARNING = SH.Warning
    INFO = SH.Info

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def key(self) -> str:
        """The local name, as in the SHACL vocabulary: ``Violation``, ``Warning``, ``Info``."""
        return str(self.value).rsplit("#", 1)[1]

    def label(self, lang: str) -> str:
        return _SEVERITY_LABELS[self][lang]


_SEVERITY_LABELS: dict[Severity, dict[str, str]] = {
    Severity.VIOLATION: {"nl": "overtreding", "en": "violation"},
    Severity.WARNING: {"nl": "waarschuwing", "en": "warning"},
    Severity.INFO: {"nl": "informatie", "en": "info"},
}


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``."""

    focus_node: Node
    path: str | None
    value: Node | None
    severity: Severity
    source_shape: Node
    constraint_component: Node | None
    message_nl: str
    message_en: str

    def message(self, lang: str) -> str:
        return self.message_nl if lang == "nl" else self.message_en


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate` found, with the SHACL report graph it came from."""

    results: tuple[ValidationResult, ...]
    report_graph: Graph
    labels: Mapping[Node, Mapping[str, str]] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        return not any(result.severity is Severity.VIOLATION for result in self.results)

    def count(self, severity: Severity) -> int:
        return sum(1 for result in self.results if result.severity is severity)

    def by_focus_node(self) -> dict[Node, list[ValidationResult]]:
        """Results per focus node: worst-off nodes first, then in IRI order."""
        groups: dict[Node, list[ValidationResult]] = {}
        for result in sorted(self.results, key=_result_order):
            groups.setdefault(result.focus_node, []).append(result)
        return dict(
            sorted(
                groups.items(),
                key=lambda item: (min(r.severity.rank for r in item[1]), str(item[0])),
            )
        )

    def label(self, node: Node, lang: str) -> str | None:
        """The label of a focus node in ``lang`` (else the other language), if the data has one."""
        labels = self.labels.get(node, {})
        return labels.get(lang) or next(iter(labels.values()), None)

    def to_text(self, lang: str = "nl") -> str:
        return _render_text(self, lang)

    def to_turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "counts": {severity.key: self.count(severity) for severity in Severity},
            "results": [
                {
                    "focusNode": _term_json(result.focus_node),
                    "focusLabel": dict(self.labels.get(result.focus_node, {})),
                    "resultPath": result.path,
                    "value": None if result.value is None else _term_json(result.value),
                    "severity": result.severity.key,
                    "sourceShape": _term_json(result.source_shape),
                    "sourceConstraintComponent": None
                    if result.constraint_component is None
                    else _term_json(result.constraint_component),
                    "message": {"nl": result.message_nl, "en": result.message_en},
                }
                for result in sorted(self.results, key=_result_order)
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def read_results(report: Graph) -> Iterable[ValidationResult]:
    """The report's own results; results nested as ``sh:detail`` of another are not repeated."""
    top_level = {
        result
        for validation_report in report.subjects(RDF.type, SH.ValidationReport)
        for result in report.objects(validation_report, SH.result)
    }
    for node in top_level:
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        shape = report.value(node, SH.sourceShape)
        if focus is None or severity is None or shape is None:
            continue
        messages = _messages(report.objects(node, SH.resultMessage))
        path = report.value(node, SH.resultPath)
        yield ValidationResult(
            focus_node=focus,
            path=None if path is None else render_path(report, path),
            value=report.value(node, SH.value),
            severity=Severity(severity),
            source_shape=shape,
            constraint_component=report.value(node, SH.sourceConstraintComponent),
            message_nl=messages["nl"],
            message_en=messages["en"],
        )


def _messages(literals: Iterable[Node]) -> dict[str, str]:
    """The nl and en message; a message without a language stands in for a missing one."""
    by_lang: dict[str | None, str] = {}
    for literal in literals:
        if isinstance(literal, Literal):
            by_lang.setdefault(literal.language, str(literal))
    fallback = by_lang.get(None) or by_lang.get("en") or by_lang.get("nl") or ""
    return {lang: by_lang.get(lang) or fallback for lang in LANGUAGES}


def labels_of(graph: Graph, node: Node) -> dict[str, str]:
    labels: dict[str, str] = {}
    for predicate in (SKOS.prefLabel, RDFS.label):
        for literal in graph.objects(node, predicate):
            if isinstance(literal, Literal) and literal.language in LANGUAGES:
                labels.setdefault(literal.language, str(literal))
    return labels


def compact(term: Node) -> str:
    """A term as a reader would write it: prefixed name, ``<IRI>``, literal or ``_:id``."""
    if isinstance(term, URIRef):
        text = str(term)
        best = ""
        for prefix, namespace in REPORT_PREFIXES.items():
            if text.startswith(namespace) and len(namespace) > len(REPORT_PREFIXES.get(best, "")):
                best = prefix
        if best:
            local = text[len(REPORT_PREFIXES[best]) :]
            if local and all(ch.isalnum() or ch in "-_./" for ch in local):
                return f"{best}:{local}"
        return f"<{text}>"
    if isinstance(term, Literal):
        return term.n3(_NAMESPACES)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _namespace_manager() -> NamespaceManager:
    manager = NamespaceManager(Graph(), bind_namespaces="none")
    for prefix, namespace in REPORT_PREFIXES.items():
        manager.bind(prefix, namespace)
    return manager


_NAMESPACES = _namespace_manager()


def render_path(graph: Graph, path: Node, *, compact_names: bool = True) -> str:
    """A SHACL property path in SPARQL property-path syntax."""
    name = compact if compact_names else (lambda term: f"<{term}>")
    if isinstance(path, URIRef):
        return name(path)
    if (path, RDF.first, None) in graph:
        steps = [
            render_path(graph, step, compact_names=compact_names)
            for step in Collection(graph, path)
        ]
        return "/".join(steps)
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(render_path(graph, inner, compact_names=compact_names))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        options = [
            render_path(graph, step, compact_names=compact_names)
            for step in Collection(graph, alternatives)
        ]
        return "(" + "|".join(options) + ")"
    return str(path)


def _term_json(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        body = {"type": "literal", "value": str(term)}
        if term.language:
            body["xml:lang"] = term.language
        elif term.datatype:
            body["datatype"] = str(term.datatype)
        return body
    return {"type": "unknown", "value": str(term)}


def _result_order(result: ValidationResult) -> tuple[int, str, str, str, str]:
    return (
        result.severity.rank,
        str(result.focus_node),
        str(result.source_shape),
        result.path or "",
        "" if result.value is None else str(result.value),
    )


_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "conforms": "De gegevens voldoen aan de shapes.",
        "fails": "De gegevens voldoen NIET aan de shapes.",
        "summary": "{violations} overtreding(en), {warnings} waarschuwing(en), {infos} informatie.",
        "value": "waarde",
        "shape": "shape",
    },
    "en": {
        "conforms": "The data conforms to the shapes.",
        "fails": "The data does NOT conform to the shapes.",
        "summary": "{violations} violation(s), {warnings} warning(s), {infos} info.",
        "value": "value",
        "shape": "shape",
    },
}


def _render_text(report: ValidationReport, lang: str) -> str:
    words = _TEXT.get(lang, _TEXT["en"])
    out = [
        words["conforms"] if report.conforms else words["fails"],
        words["summary"].format(
            violations=report.count(Severity.VIOLATION),
            warnings=report.count(Severity.WARNING),
            infos=report.count(Severity.INFO),
        ),
    ]
    for focus, results in report.by_focus_node().items():
        out.append("")
        label = report.label(focus, lang)
        out.append(f"{compact(focus)}" + (f'  "{label}"' if label else ""))
        for result in results:
            where = result.path or ""
            if result.value is not None:
                where = f"{where} ({words['value']}: {_short(compact(result.value))})".strip()
            head = f"  [{result.severity.label(lang)}]"
            if where:
                head += f" {where}"
            out.append(head)
            out.append(f"    {result.message(lang)}")
            out.append(f"    {words['shape']}: {compact(result.source_shape)}")
    return "\n".join(out) + "\n"


def _short(text: str, limit: int = 80) -> str:
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
