"""The downloadable dumps of the publication: which files exist, and their bytes.

Dumps are made from the bundled files (``graphs.py``), not from the engine: the
published graphs are exactly those files, so the dump is the same whether or not an
engine runs (``kringloop export`` needs none), and no query cap or deadline can cut a
dump short. The CSV tables are the answers of trusted SPARQL SELECT queries over the
same bundled data, made spreadsheet-safe by :func:`kringloop.viewtables.to_csv`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox
from rdflib import Graph

from kringloop.errors import ConfigurationError
from kringloop.graphs import BUNDLED, GraphSource
from kringloop.localstore import run_query
from kringloop.viewchecks import Row
from kringloop.viewtables import to_csv
from kringloop.vocab import PREFIXES

_T = TypeVar("_T")

#: The name of the dump of the whole publication (every bundled graph).
ALL = "kringloop"


@dataclass(frozen=True)
class DumpFormat:
    """One RDF serialisation a dump is offered in (quad formats keep the named graphs)."""

    suffix: str
    media_type: str
    oxigraph: ox.RdfFormat
    eu_file_type: str
    label: str

    @property
    def eu_file_type_iri(self) -> str:
        return f"http://publications.europa.eu/resource/authority/file-type/{self.eu_file_type}"


#: Every RDF format, quad formats (which keep the named graphs) first.
FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("trig", "application/trig", ox.RdfFormat.TRIG, "RDF_TRIG", "TriG"),
    DumpFormat("nq", "application/n-quads", ox.RdfFormat.N_QUADS, "RDF_N_QUADS", "N-Quads"),
    DumpFormat("ttl", "text/turtle", ox.RdfFormat.TURTLE, "RDF_TURTLE", "Turtle"),
    DumpFormat("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, "RDF_N_TRIPLES", "N-Triples"),
    DumpFormat("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, "JSON_LD", "JSON-LD"),
    DumpFormat("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML, "RDF_XML", "RDF/XML"),
)

CSV_MEDIA_TYPE = "text/csv"


@dataclass(frozen=True)
class Dump:
    """One RDF dump file: a graph (or all of them) in one format."""

    name: str
    format: DumpFormat
    source: GraphSource | None

    @property
    def file_name(self) -> str:
        return f"{self.name}.{self.format.suffix}"

    @property
    def title_nl(self) -> str:
        title = self.source.title_nl if self.source else "Alle gepubliceerde grafen van Kringloop"
        return f"{title} ({self.format.label})"

    @property
    def title_en(self) -> str:
        title = self.source.title_en if self.source else "Every published Kringloop graph"
        return f"{title} ({self.format.label})"


def graph_name(source: GraphSource) -> str:
    """The file-name stem of a graph's dumps: the graph IRI's last segment."""
    return str(source.iri).rstrip("/").rsplit("/", 1)[-1]


def all_dumps() -> list[Dump]:
    """Every RDF dump: the whole publication, then each bundled graph, in every format."""
    dumps = [Dump(ALL, output, None) for output in FORMATS]
    for source in BUNDLED:
        dumps.extend(Dump(graph_name(source), output, source) for output in FORMATS)
    return dumps


def find_dump(file_name: str) -> Dump | None:
    for dump in all_dumps():
        if dump.file_name == file_name:
            return dump
    return None


#: Each bundled graph's quads, by graph IRI, as parsed from its files.
Publication = Mapping[str, list[ox.Quad]]


def load_publication(root: Path | None = None) -> dict[str, list[ox.Quad]]:
    """Parse every bundled file with Oxigraph's parser, into its named graph.

    Parsed, not read back from an Oxigraph store: the store keeps numbers of derived
    integer types (``xsd:positiveInteger``, ``xsd:nonNegativeInteger``) as ``xsd:integer``,
    so a dump made from it would not say what the files say.
    """
    publication: dict[str, list[ox.Quad]] = {}
    number = 0
    for source in BUNDLED:
        graph = ox.NamedNode(str(source.iri))
        quads = publication.setdefault(str(source.iri), [])
        for path in source.files(root):
            number += 1
            try:
                parsed = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
            except SyntaxError as error:
                raise ConfigurationError(f"{path}: {error}") from error
            labels: dict[str, ox.BlankNode] = {}
            quads.extend(
                ox.Quad(
                    _stable(quad.subject, labels, number),
                    quad.predicate,
                    _stable(quad.object, labels, number),
                    graph,
                )
                for quad in parsed
            )
    return publication


def _stable(term: _T, labels: dict[str, ox.BlankNode], file_number: int) -> _T:
    """A blank node relabelled by order of appearance in its file, so dumps are reproducible
    byte for byte (the parser's own labels are random); other terms as they are."""
    if not isinstance(term, ox.BlankNode):
        return term
    if term.value not in labels:
        labels[term.value] = ox.BlankNode(f"f{file_number}b{len(labels) + 1}")
    return cast(_T, labels[term.value])


def serialize_dump(dump: Dump, publication: Publication) -> bytes:
    """The dump's bytes, from the parsed bundled graphs (:func:`load_publication`).

    Quad formats keep each triple's named graph; triple formats merge the graphs.
    JSON-LD is compacted with :func:`json_ld_context` (Oxigraph writes only expanded
    JSON-LD, so rdflib compacts it).
    """
    sources = BUNDLED if dump.source is None else (dump.source,)
    quads = [quad for source in sources for quad in publication.get(str(source.iri), [])]
    output = dump.format.oxigraph
    triples = [quad.triple for quad in quads]
    if output == ox.RdfFormat.JSON_LD:
        lines = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        graph = Graph().parse(data=lines.decode("utf-8"), format="nt")
        return graph.serialize(format="json-ld", context=json_ld_context(), encoding="utf-8")
    if output in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        return ox.serialize(quads, format=output, prefixes=_prefixes(output)) or b""
    return ox.serialize(triples, format=output, prefixes=_prefixes(output)) or b""


def json_ld_context() -> dict[str, str]:
    """The ``@context`` the JSON-LD dumps use (published at ``/context.jsonld``)."""
    return dict(sorted(PREFIXES.items()))


def stream(body: bytes, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A body in chunks, for a streamed response or a file write."""
    for start in range(0, len(body), chunk):
        yield body[start : start + chunk]


def _prefixes(output: ox.RdfFormat) -> dict[str, str] | None:
    return (
        PREFIXES
        if output in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)
        else None
    )


@dataclass(frozen=True)
class CsvTable:
    """One CSV table of the dumps: a trusted SELECT over the bundled graphs."""

    name: str
    title_nl: str
    title_en: str
    description_nl: str
    description_en: str
    query: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


_ACTIVITIES = """
SELECT ?activiteit ?label ?thema ?themaLabel ?kolom ?kolomLabel ?groepering ?groeperingLabel
       ?partners ?regelVan ?regelTot
WHERE {
  { SELECT ?activiteit (GROUP_CONCAT(DISTINCT STR(?partner); separator=" ") AS ?partners)
    WHERE { ?activiteit a kl:Activiteit OPTIONAL { ?activiteit kl:partner ?partner } }
    GROUP BY ?activiteit }
  OPTIONAL { ?activiteit rdfs:label ?label FILTER(lang(?label) = "nl") }
  OPTIONAL { ?activiteit kl:thema ?thema
             OPTIONAL { ?thema skos:prefLabel ?themaLabel FILTER(lang(?themaLabel) = "nl") } }
  OPTIONAL { ?activiteit kl:kolom ?kolom
             OPTIONAL { ?kolom skos:prefLabel ?kolomLabel FILTER(lang(?kolomLabel) = "nl") } }
  OPTIONAL { ?activiteit kl:groepering ?groepering
             OPTIONAL { ?groepering skos:prefLabel ?groeperingLabel
                        FILTER(lang(?groeperingLabel) = "nl") } }
  OPTIONAL { ?activiteit kl:bron ?bron . ?bron kl:regelVan ?regelVan ; kl:regelTot ?regelTot }
}
ORDER BY ?activiteit
"""

_PARTNERS = """
SELECT ?partner ?label ?labelEn ?soort (COUNT(DISTINCT ?activiteit) AS ?activiteiten)
WHERE {
  ?activiteit kl:partner ?partner .
  OPTIONAL { ?partner rdfs:label ?label FILTER(lang(?label) = "nl") }
  OPTIONAL { ?partner rdfs:label ?labelEn FILTER(lang(?labelEn) = "en") }
  OPTIONAL { VALUES ?soort { org:Organization kl:Netwerk kl:Partnergroep } ?partner a ?soort }
}
GROUP BY ?partner ?label ?labelEn ?soort
ORDER BY ?partner
"""

_INTERPRETATIONS = """
SELECT ?interpretatie ?activiteit ?aspect ?waarden ?nietVanToepassing ?toelichting
       ?toelichtingEn ?door ?op
WHERE {
  { SELECT ?interpretatie (GROUP_CONCAT(DISTINCT STR(?waarde); separator=" ") AS ?waarden)
    WHERE { ?interpretatie a kl:Interpretatie OPTIONAL { ?interpretatie kl:waarde ?waarde } }
    GROUP BY ?interpretatie }
  OPTIONAL { ?interpretatie kl:betreft ?activiteit }
  OPTIONAL { ?interpretatie kl:aspect ?aspect }
  OPTIONAL { ?interpretatie kl:nietVanToepassing ?nietVanToepassing }
  OPTIONAL { ?interpretatie kl:toelichting ?toelichting FILTER(lang(?toelichting) = "nl") }
  OPTIONAL { ?interpretatie kl:toelichting ?toelichtingEn FILTER(lang(?toelichtingEn) = "en") }
  OPTIONAL { ?interpretatie prov:wasAttributedTo ?door }
  OPTIONAL { ?interpretatie prov:generatedAtTime ?op }
}
ORDER BY ?interpretatie
"""

#: The CSV tables, in the order the index lists them.
CSV_TABLES: tuple[CsvTable, ...] = (
    CsvTable(
        "activiteiten",
        "Activiteiten",
        "Activities",
        "Eén rij per activiteit: label, thema, kolom, groepering, partners en bronregels.",
        "One row per activity: label, theme, column, grouping, partners and source lines.",
        _ACTIVITIES,
    ),
    CsvTable(
        "partners",
        "Partners",
        "Partners",
        "Eén rij per partner: label, soort en het aantal activiteiten dat hem noemt.",
        "One row per partner: label, kind and the number of activities naming it.",
        _PARTNERS,
    ),
    CsvTable(
        "interpretaties",
        "Interpretaties",
        "Interpretations",
        "Eén rij per interpretatie: activiteit, aspect, gekozen waarden en toelichting.",
        "One row per interpretation: activity, aspect, chosen values and reasons.",
        _INTERPRETATIONS,
    ),
)


def find_table(file_name: str) -> CsvTable | None:
    for table in CSV_TABLES:
        if table.file_name == file_name:
            return table
    return None


def table_csv(table: CsvTable, store: ox.Store) -> bytes:
    """The table as spreadsheet-safe CSV (RFC 4180, UTF-8 with a byte-order mark)."""
    results = run_query(store, table.query)
    assert isinstance(results, ox.QuerySolutions)
    variables = tuple(variable.value for variable in results.variables)
    rows: list[Row] = []
    for solution in results:
        row: dict[str, dict[str, str]] = {}
        for name in variables:
            term = solution[name]
            if term is not None:
                row[name] = {"value": term.value}
        rows.append(row)
    return to_csv(variables, rows, bom=True).encode("utf-8")
