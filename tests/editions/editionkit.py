"""A second agenda edition for the tests, made from the bundled one by real edits.

Test data only (a temporary data directory, never ``data/``): the bundled 2021-2022
agenda restated as edition ``2023-2024`` (a revision of 2021-2022, issued 2023-03-01),
with one activity removed, one added, one column, one theme, one label and one
interpretation changed. :data:`EXPECTED` is what the diff must say, written out by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kringloop.editions import agenda_graph, edition_iri, interpretations_graph
from kringloop.graphs import AGENDA, INTERPRETATIONS
from kringloop.graphstore.reading import bundled_triples
from kringloop.graphstore.versions import VersionStore
from kringloop.graphstore.writes import serialize
from kringloop.partners.model import ADMIN
from kringloop.vocab import ID, KL

OLD = "2021-2022"
NEW = "2023-2024"
ISSUED = "2023-03-01"

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
DCAT = "http://www.w3.org/ns/dcat#"


def node(path: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}{path}")


def kl(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(KL[name]))


REMOVED = node("activiteit/uitwerking-motie-houtbouw")
ADDED = node("activiteit/circulaire-evenementen-in-het-provinciehuis")
COLUMN = node("activiteit/het-circulaire-restaurant")
THEME = node("activiteit/circulaire-inkoop")
LABEL = node("activiteit/gebiedsgericht-circulair-ontwerpen")
INTERPRETED = node("activiteit/waterbesparing-door-consumenten-samen")
#: The changed label has markup characters: pages must escape them.
NEW_LABEL = "Gebiedsgericht circulair ontwerpen & bouwen <b>2023</b>"
ADDED_LABEL = "Circulaire evenementen in het provinciehuis"

#: The diff from 2021-2022 to 2023-2024: (theme, activity, kind, field, old IRIs or texts,
#: new IRIs or texts), in the order the diff lists them (theme notation, label, kind).
EXPECTED = [
    ("ruimtelijke-ordening", LABEL.value, "label-changed", "label",
     ["Gebiedsgericht circulair ontwerpen"], [NEW_LABEL]),
    ("ruimtelijke-ordening", REMOVED.value, "removed", "", [], []),
    ("bodem-water-milieu", INTERPRETED.value, "interpretation-changed", "r-strategy",
     [f"{ID}r-strategie/r2"], [f"{ID}r-strategie/r1"]),
    ("economie", THEME.value, "theme-changed", "theme",
     [f"{ID}thema/overhead"], [f"{ID}thema/economie"]),
    ("overhead", ADDED.value, "added", "", [], []),
    ("overhead", COLUMN.value, "column-changed", "column",
     [f"{ID}kolom/mogelijk"], [f"{ID}kolom/zeker"]),
]  # fmt: skip


def _renamed(triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """The triples with the edition's IRI and graph IRIs of 2021-2022 renamed to 2023-2024."""
    names = {
        edition_iri(OLD): edition_iri(NEW),
        agenda_graph(OLD): agenda_graph(NEW),
        interpretations_graph(OLD): interpretations_graph(NEW),
    }
    years = {"2021": "2023", "2022": "2024"}

    def term(value: Any) -> Any:
        if isinstance(value, ox.NamedNode) and value.value in names:
            return ox.NamedNode(names[value.value])
        return value

    renamed = []
    for triple in triples:
        subject, predicate, value = term(triple.subject), triple.predicate, term(triple.object)
        if predicate.value in (f"{DCAT}startDate", f"{DCAT}endDate"):
            assert isinstance(value, ox.Literal)
            value = ox.Literal(years[value.value], datatype=value.datatype)
        if subject == ox.NamedNode(edition_iri(NEW)) and isinstance(value, ox.Literal):
            value = ox.Literal(value.value.replace(OLD, NEW), language=value.language)
        renamed.append(ox.Triple(subject, predicate, value))
    return renamed


def _without(triples: list[ox.Triple], drop: Callable[[ox.Triple], bool]) -> list[ox.Triple]:
    return [triple for triple in triples if not drop(triple)]


def _replace(
    triples: list[ox.Triple], subject: ox.NamedNode, predicate: ox.NamedNode, value: Any
) -> list[ox.Triple]:
    kept = _without(triples, lambda t: t.subject == subject and t.predicate == predicate)
    return [*kept, ox.Triple(subject, predicate, value)]


def edition_2023() -> dict[str, list[ox.Triple]]:
    """Edition 2023-2024's two graphs (graph IRI -> triples)."""
    agenda = _renamed(bundled_triples(str(AGENDA.iri)) or [])
    interpretations = _renamed(bundled_triples(str(INTERPRETATIONS.iri)) or [])
    edition = ox.NamedNode(edition_iri(NEW))
    agenda += [
        ox.Triple(edition, ox.NamedNode(f"{PROV}wasRevisionOf"), ox.NamedNode(edition_iri(OLD))),
        ox.Triple(
            edition,
            ox.NamedNode(f"{DCTERMS}issued"),
            ox.Literal(ISSUED, datatype=ox.NamedNode(f"{XSD}date")),
        ),
    ]
    # Removed: the activity, its source reference and its interpretation records.
    gone = {REMOVED, node("bron/uitwerking-motie-houtbouw")}
    agenda = _without(agenda, lambda t: t.subject in gone or t.object in gone)
    records = {t.subject for t in interpretations if t.object == REMOVED}
    interpretations = _without(
        interpretations, lambda t: t.subject in records or t.subject == REMOVED
    )
    # Column, theme and label changed.
    agenda = _replace(agenda, COLUMN, kl("kolom"), node("kolom/zeker"))
    agenda = _replace(agenda, THEME, kl("thema"), node("thema/economie"))
    agenda = _replace(agenda, LABEL, RDFS_LABEL, ox.Literal(NEW_LABEL, language="nl"))
    # The R-strategy of one activity: its direct triple and its record's value.
    record = node("interpretatie/waterbesparing-door-consumenten-samen-r-strategie")
    interpretations = _replace(
        interpretations, INTERPRETED, kl("rStrategie"), node("r-strategie/r1")
    )
    interpretations = _replace(interpretations, record, kl("waarde"), node("r-strategie/r1"))
    # Added: a new activity of theme Overhead, with its source reference.
    source = node("bron/circulaire-evenementen-in-het-provinciehuis")
    positive = ox.NamedNode(f"{XSD}positiveInteger")
    agenda += [
        ox.Triple(ADDED, RDF_TYPE, kl("Activiteit")),
        ox.Triple(ADDED, RDF_TYPE, ox.NamedNode(f"{PROV}Entity")),
        ox.Triple(ADDED, RDFS_LABEL, ox.Literal(ADDED_LABEL, language="nl")),
        ox.Triple(ADDED, kl("thema"), node("thema/overhead")),
        ox.Triple(ADDED, kl("kolom"), node("kolom/zeker")),
        ox.Triple(ADDED, ox.NamedNode(f"{DCTERMS}isPartOf"), edition),
        ox.Triple(ADDED, kl("bron"), source),
        ox.Triple(source, RDF_TYPE, kl("Bronverwijzing")),
        ox.Triple(source, RDF_TYPE, ox.NamedNode(f"{PROV}Entity")),
        ox.Triple(
            source,
            ox.NamedNode(f"{DCTERMS}title"),
            ox.Literal(f"Uitvoeringsagenda Circulaire Samenleving {NEW}, regel 540", language="nl"),
        ),
        ox.Triple(source, kl("document"), edition),
        ox.Triple(source, kl("hoofdstuk"), node("hoofdstuk/3")),
        ox.Triple(source, kl("regelVan"), ox.Literal("540", datatype=positive)),
        ox.Triple(source, kl("regelTot"), ox.Literal("540", datatype=positive)),
        ox.Triple(source, kl("brontekst"), ox.Literal(ADDED_LABEL)),
    ]
    return {agenda_graph(NEW): agenda, interpretations_graph(NEW): interpretations}


def trig(graphs: dict[str, list[ox.Triple]]) -> bytes:
    """The graphs as one TriG document (for a single all-or-nothing PUT)."""
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
        for graph, triples in graphs.items()
        for t in triples
    ]
    return ox.serialize(quads, format=ox.RdfFormat.TRIG) or b""


def store_edition(data_dir: Path, graphs: Mapping[str, Sequence[ox.Triple]]) -> None:
    """Put the graphs into the data directory's version store as current versions.

    This skips the write gate on purpose: the gate validates with the bundled 2021-2022
    agenda as context, which refuses any second edition (test_edition_service.py's
    ``test_the_administrator_writes_an_edition_in_one_trig_put`` tracks that).
    """
    versions = VersionStore(data_dir / "graphs")
    for graph, triples in graphs.items():
        data = serialize(list(triples))
        version = versions.prepare(
            graph, data, action="import", agent=ADMIN, triples=data.count(b"\n")
        )
        versions.commit(version)
