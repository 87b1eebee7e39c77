"""Describe one resource of ours: its statements per named graph, labelled values, inverse
links and SHACL findings; and the ontology's documentation. No Flask here.

Every query goes through :meth:`PublicEndpoint.answer` (vetting, deadline, result cap);
IRIs enter queries only as RDF terms (``str(ox.NamedNode(...))``). Answers longer than
the cap are read in pages. Which IRI has which local page is decided by
:func:`local_path`, the one place of that mapping.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kringloop.endpoint import PublicEndpoint, QueryRequest
from kringloop.graphs import AGENDA, BUNDLED, INTERPRETATIONS, ONTOLOGY, load_bundled_dataset
from kringloop.validation import ValidationResult, load_shapes, validate
from kringloop.vocab import BASE, PREFIXES

Term = ox.NamedNode | ox.BlankNode | ox.Literal
ONTOLOGY_IRI = BASE + "def"
#: Most statements read about one resource (a bigger resource is shown cut, and says so).
MAX_STATEMENTS = 5000
#: Inverse links per page.
INVERSE_PAGE = 50
LABEL_PROPERTIES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
)
RDF_TYPE = str(RDF.type)
#: What each bundled graph is, for a reader (the page's grouping).
GRAPH_KINDS = {
    str(AGENDA.iri): "document",
    str(INTERPRETATIONS.iri): "interpretation",
    str(ONTOLOGY.iri): "ontology",
}


def local_path(iri: str) -> str | None:
    """The path of ``iri``'s page on this service, or None when it is not one of ours.

    ``{base}id/x`` -> ``/doc/x``; ``{base}doc/x`` -> ``/doc/x``; ``{base}def#T`` -> ``/def#T``.
    """
    for prefix, local in ((BASE + "id/", "/doc/"), (BASE + "doc/", "/doc/")):
        if iri.startswith(prefix) and len(iri) > len(prefix):
            return local + iri[len(prefix) :]
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
        return "/def" + iri[len(ONTOLOGY_IRI) :]
    return None


def link_of(iri: str) -> str | None:
    """Where a link to ``iri`` goes: its local page, itself when http(s), else nowhere."""
    local = local_path(iri)
    if local is not None:
        return local
    return iri if iri.startswith(("http://", "https://")) else None


def compact(iri: str) -> str:
    """``iri`` as prefix:name with the project's prefixes, else unchanged."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def resource_iri(rest: str) -> str:
    return BASE + "id/" + rest


@dataclass(frozen=True)
class Value:
    """A term with what a page shows of it."""

    term: Term
    label: str | None
    link: str | None

    @property
    def text(self) -> str:
        if self.label:
            return self.label
        if isinstance(self.term, ox.Literal):
            return self.term.value
        if isinstance(self.term, ox.NamedNode):
            return compact(self.term.value)
        return "_:" + self.term.value

    @property
    def language(self) -> str | None:
        return self.term.language if isinstance(self.term, ox.Literal) else None

    @property
    def datatype(self) -> str | None:
        if isinstance(self.term, ox.Literal) and not self.term.language:
            return self.term.datatype.value
        return None


@dataclass
class GraphPart:
    """The statements about the resource in one named graph, with the graph's provenance."""

    iri: str
    kind: str
    title: str
    provenance: list[tuple[Value, Value]] = field(default_factory=list)
    statements: list[tuple[Value, Value]] = field(default_factory=list)


@dataclass
class Description:
    iri: str
    label: str | None
    types: list[Value]
    parts: list[GraphPart]
    triples: list[ox.Triple]
    inverse_counts: list[tuple[Value, int]]
    inverse: list[tuple[Value, Value]]
    inverse_total: int
    inverse_page: int
    truncated: bool

    @property
    def exists(self) -> bool:
        return bool(self.triples) or self.inverse_total > 0

    @property
    def inverse_pages(self) -> int:
        return max(1, -(-self.inverse_total // INVERSE_PAGE))


# -- reading from the engine -----------------------------------------------------------


def select(endpoint: PublicEndpoint, query: str) -> tuple[list[dict[str, Term]], bool]:
    """The solutions of ``query`` through the public endpoint, and whether it was cut."""
    answer = endpoint.answer(QueryRequest(query=query, format_params=("json",)))
    results = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    rows: list[dict[str, Term]] = []
    if isinstance(results, ox.QuerySolutions):
        names = [variable.value for variable in results.variables]
        for solution in results:
            row = {name: solution[name] for name in names if solution[name] is not None}
            rows.append(cast(dict[str, Term], row))
    return rows, answer.truncated


def select_paged(
    endpoint: PublicEndpoint, query: str, limit: int, offset: int = 0
) -> tuple[list[dict[str, Term]], bool]:
    """An ordered ``query`` read in pages of the result cap: at most ``limit`` rows from
    ``offset``, and whether there were more."""
    page = max(1, min(endpoint.settings.result_cap, limit + 1))
    rows: list[dict[str, Term]] = []
    while len(rows) <= limit:
        found, _cut = select(endpoint, f"{query}\nLIMIT {page} OFFSET {offset + len(rows)}")
        rows.extend(found)
        if len(found) < page:
            break
    return rows[:limit], len(rows) > limit


def labels(endpoint: PublicEndpoint, iris: set[str], language: str) -> dict[str, str]:
    """One label per IRI, in ``language`` where there is one, else Dutch, else any."""
    properties = "|".join(str(ox.NamedNode(p)) for p in LABEL_PROPERTIES)
    found: dict[str, str] = {}
    ordered = sorted(iris)
    step = max(1, min(endpoint.settings.result_cap, 200))
    wanted = ox.Literal(language)
    for start in range(0, len(ordered), step):
        values = " ".join(str(ox.NamedNode(iri)) for iri in ordered[start : start + step])
        query = (
            "SELECT ?x (SAMPLE(COALESCE(?a, ?b, ?c)) AS ?l) WHERE {\n"
            f"  VALUES ?x {{ {values} }}\n"
            f"  OPTIONAL {{ ?x {properties} ?a FILTER(LANG(?a) = {wanted}) }}\n"
            f'  OPTIONAL {{ ?x {properties} ?b FILTER(LANG(?b) = "nl") }}\n'
            f"  OPTIONAL {{ ?x {properties} ?c }}\n"
            "} GROUP BY ?x"
        )
        rows, _cut = select(endpoint, query)
        for row in rows:
            subject, label = row.get("x"), row.get("l")
            if isinstance(subject, ox.NamedNode) and isinstance(label, ox.Literal):
                found[subject.value] = label.value
    return found


def _statement_rows(endpoint: PublicEndpoint, iri: str) -> tuple[list[dict[str, Term]], bool]:
    """(graph, subject, predicate, object) of the resource and of its blank nodes."""
    node = str(ox.NamedNode(iri))
    return select_paged(
        endpoint,
        "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g {\n"
        f"  {{ {node} ?p ?o BIND({node} AS ?s) }}\n"
        f"  UNION {{ {node} ?q ?s . ?s ?p ?o FILTER(isBlank(?s)) }}\n"
        "} } ORDER BY ?g ?s ?p ?o",
        MAX_STATEMENTS,
    )


def _triples(rows: list[dict[str, Term]]) -> list[ox.Triple]:
    triples = []
    for row in rows:
        subject, predicate = row["s"], row["p"]
        assert isinstance(subject, ox.NamedNode | ox.BlankNode)
        assert isinstance(predicate, ox.NamedNode)
        triples.append(ox.Triple(subject, predicate, row["o"]))
    return list(dict.fromkeys(triples))


def resource_data(endpoint: PublicEndpoint, iri: str) -> tuple[list[ox.Triple], bool, bool]:
    """The resource's triples (what its RDF formats serve), whether they were cut, and
    whether the resource exists (has statements, or something points to it)."""
    rows, truncated = _statement_rows(endpoint, iri)
    if rows:
        return _triples(rows), truncated, True
    pointing, _cut = select(endpoint, f"SELECT ?s WHERE {{ ?s ?p {ox.NamedNode(iri)} }} LIMIT 1")
    return [], False, bool(pointing)


def describe(
    endpoint: PublicEndpoint, iri: str, language: str, inverse_page: int = 1
) -> Description:
    """Everything a resource page shows about ``iri``."""
    node = str(ox.NamedNode(iri))
    rows, truncated = _statement_rows(endpoint, iri)
    counts, _cut = select_paged(
        endpoint,
        f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {node} }} GROUP BY ?p ORDER BY ?p",
        MAX_STATEMENTS,
    )
    page = max(1, inverse_page)
    inverse_rows, _cut = select_paged(
        endpoint,
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} }} ORDER BY ?p ?s",
        INVERSE_PAGE,
        (page - 1) * INVERSE_PAGE,
    )
    graphs = sorted({row["g"].value for row in rows if "g" in row})
    provenance_rows: list[dict[str, Term]] = []
    if graphs:
        values = " ".join(str(ox.NamedNode(g)) for g in graphs)
        provenance_rows, _cut = select_paged(
            endpoint,
            f"SELECT ?g ?p ?o WHERE {{ VALUES ?g {{ {values} }} ?g ?p ?o }} ORDER BY ?g ?p ?o",
            MAX_STATEMENTS,
        )
    named = {
        term.value
        for row in [*rows, *counts, *inverse_rows, *provenance_rows]
        for key, term in row.items()
        if key != "g" and isinstance(term, ox.NamedNode)
    }
    named.add(iri)
    found = labels(endpoint, named, language)

    def value(term: Term) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(term, found.get(term.value), link_of(term.value))
        return Value(term, None, None)

    titles = {str(s.iri): (s.title_nl if language == "nl" else s.title_en) for s in BUNDLED}
    parts: dict[str, GraphPart] = {}
    for graph in graphs:
        kind = GRAPH_KINDS.get(graph, "vocabulary" if "begrippen" in graph else "other")
        parts[graph] = GraphPart(graph, kind, titles.get(graph, found.get(graph, graph)))
    for row in provenance_rows:
        parts[row["g"].value].provenance.append((value(row["p"]), value(row["o"])))
    types: list[Value] = []
    for row in rows:
        subject, predicate, obj = row["s"], row["p"], row["o"]
        if subject != ox.NamedNode(iri):
            continue
        parts[row["g"].value].statements.append((value(predicate), value(obj)))
        if predicate.value == RDF_TYPE and value(obj) not in types:
            types.append(value(obj))
    inverse_counts = [
        (value(row["p"]), int(row["n"].value)) for row in counts if "p" in row and "n" in row
    ]
    return Description(
        iri=iri,
        label=found.get(iri),
        types=types,
        parts=[parts[g] for g in graphs],
        triples=_triples(rows),
        inverse_counts=inverse_counts,
        inverse=[(value(row["s"]), value(row["p"])) for row in inverse_rows],
        inverse_total=sum(count for _p, count in inverse_counts),
        inverse_page=page,
        truncated=truncated,
    )


def similar(endpoint: PublicEndpoint, rest: str, language: str, limit: int = 10) -> list[Value]:
    """Resources whose IRI or label shares a word with ``rest`` (for a helpful 404)."""
    words = [w for w in rest.replace("/", "-").split("-") if len(w) >= 4 and w.isalnum()][:4]
    if not words:
        return []
    tests = " || ".join(
        f"CONTAINS(LCASE(STR(?x)), {ox.Literal(w.lower())}) || "
        f"CONTAINS(LCASE(STR(?l)), {ox.Literal(w.lower())})"
        for w in words
    )
    properties = "|".join(str(ox.NamedNode(p)) for p in LABEL_PROPERTIES)
    base = ox.Literal(BASE + "id/")
    rows, _cut = select_paged(
        endpoint,
        f"SELECT DISTINCT ?x WHERE {{ ?x {properties} ?l "
        f"FILTER(isIRI(?x) && STRSTARTS(STR(?x), {base}) && ({tests})) }} ORDER BY ?x",
        limit,
    )
    iris = {row["x"].value for row in rows if isinstance(row.get("x"), ox.NamedNode)}
    found = labels(endpoint, iris, language) if iris else {}
    return [Value(ox.NamedNode(i), found.get(i), link_of(i)) for i in sorted(iris)]


# -- SHACL findings ----------------------------------------------------------------------

_bundled_lock = threading.Lock()
_bundled: list[tuple[Dataset, Graph]] = []
#: Findings per IRI on the bundled data, which does not change while the process runs.
_found: dict[str, list[ValidationResult]] = {}
MAX_CACHED_FINDINGS = 4096


def findings(iri: str, data: Dataset | None = None) -> list[ValidationResult]:
    """The SHACL results whose focus node is ``iri``, on ``data`` (default: the bundled
    dataset, read once per process, with the answer kept per IRI) against our shapes.

    Validating costs about 0.4 s, nearly all of it pyshacl's copy of the data into one
    graph; so the bundled data's answers are kept.
    """
    with _bundled_lock:
        if data is None and iri in _found:
            return _found[iri]
        if not _bundled:
            _bundled.append((load_bundled_dataset(), load_shapes()))
        bundled, shapes = _bundled[0]
        report = validate(data or bundled, shapes=shapes, focus_nodes=[URIRef(iri)])
        results = [result for result in report.results if str(result.focus_node) == iri]
        if data is None and len(_found) < MAX_CACHED_FINDINGS:
            _found[iri] = results
    return results


def prime_findings(iris: list[str]) -> None:
    """Validate the bundled data once and keep the findings of each of ``iris`` (none
    included), so that pages of many resources (the static export) need no validation
    each. Same answers as :func:`findings`: every shape targeting a node is checked."""
    with _bundled_lock:
        if not _bundled:
            _bundled.append((load_bundled_dataset(), load_shapes()))
        bundled, shapes = _bundled[0]
        report = validate(bundled, shapes=shapes)
        by_node: dict[str, list[ValidationResult]] = {}
        for result in report.results:
            by_node.setdefault(str(result.focus_node), []).append(result)
        for iri in iris:
            if iri not in _found and len(_found) < MAX_CACHED_FINDINGS:
                _found[iri] = by_node.get(iri, [])


# -- the ontology's documentation ----------------------------------------------------------


@dataclass(frozen=True)
class TermDoc:
    iri: str
    name: str
    kind: str  # "class", "property" or "individual"
    labels: dict[str, str]
    comments: dict[str, str]
    domains: list[str]
    ranges: list[str]
    parents: list[str]


def _texts(graph: Graph, subject: URIRef, predicate: URIRef) -> dict[str, str]:
    texts: dict[str, str] = {}
    for obj in graph.objects(subject, predicate):
        if isinstance(obj, Literal):
            texts.setdefault(obj.language or "", str(obj))
    return texts


def ontology_terms(graph: Graph) -> list[TermDoc]:
    """Every class, property and individual the ontology defines in our namespace."""
    kinds = {
        OWL.Class: "class",
        RDFS.Class: "class",
        OWL.ObjectProperty: "property",
        OWL.DatatypeProperty: "property",
        OWL.AnnotationProperty: "property",
        RDF.Property: "property",
    }
    prefix = ONTOLOGY_IRI + "#"
    found: dict[URIRef, str] = {}
    for rdf_class, kind in kinds.items():
        for subject in graph.subjects(RDF.type, rdf_class):
            if isinstance(subject, URIRef) and str(subject).startswith(prefix):
                found.setdefault(subject, kind)
    for subject in set(graph.subjects()):
        if isinstance(subject, URIRef) and str(subject).startswith(prefix):
            found.setdefault(subject, "individual")
    parent_of = {"class": RDFS.subClassOf, "property": RDFS.subPropertyOf, "individual": RDF.type}
    terms = [
        TermDoc(
            iri=str(subject),
            name=str(subject)[len(prefix) :],
            kind=kind,
            labels=_texts(graph, subject, RDFS.label),
            comments=_texts(graph, subject, RDFS.comment),
            domains=sorted(str(o) for o in graph.objects(subject, RDFS.domain)),
            ranges=sorted(str(o) for o in graph.objects(subject, RDFS.range)),
            parents=sorted(
                str(o) for o in graph.objects(subject, parent_of[kind]) if isinstance(o, URIRef)
            ),
        )
        for subject, kind in found.items()
    ]
    return sorted(terms, key=lambda term: (term.kind, term.name.lower()))


def ontology_graph() -> Graph:
    """The ontology as the bundled file states it."""
    graph = Graph()
    for path in ONTOLOGY.files():
        graph.parse(path, format="turtle")
    return graph
