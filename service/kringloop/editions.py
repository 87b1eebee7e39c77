"""Agenda editions: which exist, in what order, which is current, and what each one holds.

An edition is a ``kl:Agendaeditie`` ``{base}id/agenda/{ref}`` (``2021-2022``, ``2023``)
whose statements live in two named graphs: ``{base}id/graaf/agenda-{ref}`` (what the
document says) and ``{base}id/graaf/interpretaties-{ref}`` (Kringloop's interpretations).
The bundled edition is read from ``data/``; later ones are written by the administrator
through the Graph Store Protocol and read from the version store. A later edition says
``prov:wasRevisionOf`` the one it updates and has ``dcterms:issued``.

Activity IRIs are stable across editions, so two editions describe the same activity in
different graphs, possibly with a different theme or column: only the current edition
belongs in the public default graph (:func:`superseded_graphs` names the others).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kringloop.errors import BadRequestError, NotFoundError
from kringloop.graphs import BUNDLED, VOCABULARIES
from kringloop.graphstore.reading import bundled_triples
from kringloop.graphstore.writes import GraphWriter
from kringloop.partners.model import EDITION_GRAPH, EDITION_REF
from kringloop.vocab import GRAPH, ID, KL

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
DCTERMS_ISSUED = ox.NamedNode("http://purl.org/dc/terms/issued")
PROV_REVISION_OF = ox.NamedNode("http://www.w3.org/ns/prov#wasRevisionOf")
AGENDA_EDITION = ox.NamedNode(str(KL.Agendaeditie))


def edition_iri(ref: str) -> str:
    return str(ID[f"agenda/{ref}"])


def agenda_graph(ref: str) -> str:
    return str(GRAPH[f"agenda-{ref}"])


def interpretations_graph(ref: str) -> str:
    return str(GRAPH[f"interpretaties-{ref}"])


@dataclass(frozen=True)
class Edition:
    """One agenda edition, as its agenda graph describes it."""

    iri: str
    ref: str
    label: str
    issued: str | None  # the lexical form of dcterms:issued (an xsd:date or xsd:gYear)
    revision_of: str | None  # the IRI of the edition it revises
    agenda_graph: str
    interpretations_graph: str


@dataclass(frozen=True)
class EditionContent:
    """The triples of one edition's two graphs, and the concept schemes for labels."""

    edition: Edition
    agenda: Sequence[ox.Triple]
    interpretations: Sequence[ox.Triple]
    concepts: Sequence[ox.Triple] = field(default=())


def _literal(triples: Iterable[ox.Triple], subject: ox.NamedNode, predicate: ox.NamedNode) -> str:
    """The Dutch (else untagged, else any) value of ``predicate``; empty when there is none."""
    found: dict[str, str] = {}
    for triple in triples:
        if (
            triple.subject == subject
            and triple.predicate == predicate
            and isinstance(triple.object, ox.Literal)
        ):
            found.setdefault(triple.object.language or "", triple.object.value)
    for language in ("nl", ""):
        if language in found:
            return found[language]
    return next(iter(sorted(found.items())), ("", ""))[1]


def describe_edition(graph: str, triples: Sequence[ox.Triple]) -> Edition | None:
    """The edition an agenda graph describes, or None when it describes none.

    Only ``{base}id/agenda/{ref}`` in graph ``agenda-{ref}`` counts: a graph does not
    speak for another edition.
    """
    match = EDITION_GRAPH.match(graph)
    if match is None or match["kind"] != "agenda":
        return None
    ref = match["ref"]
    subject = ox.NamedNode(edition_iri(ref))
    if ox.Triple(subject, RDF_TYPE, AGENDA_EDITION) not in set(triples):
        return None
    revision = next(
        (
            t.object.value
            for t in triples
            if t.subject == subject
            and t.predicate == PROV_REVISION_OF
            and isinstance(t.object, ox.NamedNode)
        ),
        None,
    )
    return Edition(
        iri=subject.value,
        ref=ref,
        label=_literal(triples, subject, RDFS_LABEL)
        or _literal(triples, subject, DCTERMS_TITLE)
        or ref,
        issued=_literal(triples, subject, DCTERMS_ISSUED) or None,
        revision_of=revision,
        agenda_graph=agenda_graph(ref),
        interpretations_graph=interpretations_graph(ref),
    )


def list_editions(triples_by_graph: Mapping[str, Sequence[ox.Triple]]) -> list[Edition]:
    """Every edition described in an agenda graph of ``triples_by_graph``, oldest first.

    Order: along the ``prov:wasRevisionOf`` chain (an edition after the one it revises);
    editions on the same footing by ``dcterms:issued`` (none first), then by reference.
    """
    found = [
        edition
        for graph, triples in triples_by_graph.items()
        if (edition := describe_edition(graph, triples)) is not None
    ]
    by_iri = {edition.iri: edition for edition in found}
    depth: dict[str, int] = {}

    def depth_of(edition: Edition, seen: frozenset[str] = frozenset()) -> int:
        if edition.iri not in depth:
            parent = by_iri.get(edition.revision_of or "")
            if parent is None or parent.iri in seen or parent.iri == edition.iri:
                depth[edition.iri] = 0  # a root, or a cycle cut where it closes
            else:
                depth[edition.iri] = depth_of(parent, seen | {edition.iri}) + 1
        return depth[edition.iri]

    return sorted(found, key=lambda e: (depth_of(e), e.issued or "", e.ref))


def current_edition(editions: Sequence[Edition]) -> Edition | None:
    """The newest edition: the last of :func:`list_editions`' order (None if there is none)."""
    return editions[-1] if editions else None


def superseded_graphs(editions: Sequence[Edition]) -> set[str]:
    """The graphs of every edition but the current one: named graphs, not the default graph."""
    current = current_edition(editions)
    return {
        graph
        for edition in editions
        if edition != current
        for graph in (edition.agenda_graph, edition.interpretations_graph)
    }


def find_edition(editions: Sequence[Edition], ref: str) -> Edition:
    """The edition called ``ref``: a 400 for a malformed reference, a 404 for an unknown one.

    Both messages name the known editions.
    """
    known = ", ".join(edition.ref for edition in editions) or "none"
    if not EDITION_REF.match(ref):
        raise BadRequestError(
            f"{ref[:40]!r} is not an edition reference (a year or two years, e.g. 2023 or "
            f"2021-2022); known editions: {known}",
            edition=ref[:40],
        )
    for edition in editions:
        if edition.ref == ref:
            return edition
    raise NotFoundError(f"there is no edition {ref!r}; known editions: {known}", edition=ref)


# -- reading the graphs from a data directory ------------------------------------------------


def graph_content(writer: GraphWriter | None, graph: str) -> list[ox.Triple]:
    """A graph's stored current version, else its bundled files (empty when it has neither)."""
    if writer is not None and writer.versions.current(graph) is not None:
        return writer.current_triples(graph)  # a deleted graph is empty
    return list(bundled_triples(graph) or [])


def agenda_graphs(writer: GraphWriter | None) -> dict[str, list[ox.Triple]]:
    """Every edition's agenda graph (bundled or stored) with its triples."""
    graphs = {str(source.iri) for source in BUNDLED}
    if writer is not None:
        graphs.update(writer.versions.graphs())
    found: dict[str, list[ox.Triple]] = {}
    for graph in sorted(graphs):
        match = EDITION_GRAPH.match(graph)
        if match is not None and match["kind"] == "agenda":
            found[graph] = graph_content(writer, graph)
    return found


def read_editions(writer: GraphWriter | None) -> list[Edition]:
    """The editions of a data directory (the bundled one alone without a writer)."""
    return list_editions(agenda_graphs(writer))


def load_edition_content(writer: GraphWriter | None, ref: str) -> EditionContent:
    """Edition ``ref``'s two graphs and the concept schemes, from the data directory.

    ``writer`` is :func:`kringloop.services.build_writer`'s (no engine needed); without
    one, only the bundled edition is known. An unknown ``ref`` is a 404 naming the known.
    """
    editions = read_editions(writer)
    edition = find_edition(editions, ref)
    return EditionContent(
        edition=edition,
        agenda=graph_content(writer, edition.agenda_graph),
        interpretations=graph_content(writer, edition.interpretations_graph),
        concepts=graph_content(writer, str(VOCABULARIES.iri)),
    )
