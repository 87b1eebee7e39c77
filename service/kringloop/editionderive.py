"""A new agenda edition derived from a base edition and the rows of its edited sheet.

The base edition's two graphs are restated for the new edition (its IRI and graph IRIs
renamed, its title and period following the new reference, ``prov:wasRevisionOf`` the base
and ``dcterms:issued``); kept activities keep their source references, with the sheet's
name, theme, grouping and column; removed activities go with what hangs only off them
(their source reference, reading notes, interpretation records); new activities get the
triples the shapes demand, with the source lines the officer gave from the new document.
A changed interpretation is a new ``kl:Interpretatie`` record with the officer's reason,
attributed to Kringloop's editors, beside the direct triples equal to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kringloop import editionsheet as es
from kringloop.editions import (
    DCTERMS_ISSUED,
    PROV_REVISION_OF,
    RDF_TYPE,
    RDFS_LABEL,
    EditionContent,
    agenda_graph,
    edition_iri,
    interpretations_graph,
)
from kringloop.editionsheet import Node, value_of
from kringloop.sourcetext import slug_words, slugify
from kringloop.vocab import ID, KL

if TYPE_CHECKING:
    from kringloop.editionsheetread import EditionRow

XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV_ENTITY = ox.NamedNode(f"{PROV}Entity")
EDITORS = ox.NamedNode(str(ID["organisatie/kringloop-redactie"]))
MAX_SLUG = 120


def _kl(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(KL[name]))


@dataclass
class TakenReferences:
    """References a new activity may not get: the base edition's, and earlier new rows'."""

    existing: set[str]
    new: dict[str, int] = field(default_factory=dict)  # reference -> row

    @classmethod
    def of(cls, base: EditionContent) -> TakenReferences:
        names = set()
        for triple in [*base.agenda, *base.interpretations]:
            for term in (triple.subject, triple.object):
                if isinstance(term, ox.NamedNode):
                    for kind in ("activiteit/", "bron/"):
                        prefix = str(ID[kind])
                        if term.value.startswith(prefix):
                            names.add(term.value[len(prefix) :])
        return cls(names)


def mint_reference(
    label: str, taken: TakenReferences, row: int
) -> tuple[str | None, str, int | None]:
    """(the reference, or None; the first slug; the new row that has it, if any).

    The slug of the label's first words (docs/model.md); when taken, the label's next
    words are added one at a time until one is free. ``ValueError``: no word in the label.
    """
    first = slugify(label)
    words = slug_words(label)
    candidates = [first] + [
        "-".join(words[:count])
        for count in range(len(first.split("-")) + 1, len(words) + 1)
        if len("-".join(words[:count])) <= MAX_SLUG
    ]
    for candidate in candidates:
        if candidate not in taken.existing and candidate not in taken.new:
            taken.new[candidate] = row
            return candidate, first, None
    return None, first, taken.new.get(first)


def _years(ref: str) -> tuple[str, str]:
    parts = ref.split("-")
    return parts[0], parts[-1]


def _renamed(triples: Iterable[ox.Triple], old: str, new: str) -> list[ox.Triple]:
    """The triples with the edition's IRI and graph IRIs moved from ``old`` to ``new``."""
    names = {
        edition_iri(old): edition_iri(new),
        agenda_graph(old): agenda_graph(new),
        interpretations_graph(old): interpretations_graph(new),
    }
    renamed_subjects = set(names.values())
    start, end = _years(new)

    def term(value: Node) -> Node:
        if isinstance(value, ox.NamedNode) and value.value in names:
            return ox.NamedNode(names[value.value])
        return value

    result = []
    for triple in triples:
        subject, value = term(triple.subject), term(triple.object)
        predicate = triple.predicate
        if isinstance(value, ox.Literal):
            if predicate.value in (f"{DCAT}startDate", f"{DCAT}endDate"):
                year = start if predicate.value.endswith("startDate") else end
                value = ox.Literal(year + value.value[4:], datatype=value.datatype)
            elif value_of(subject) in renamed_subjects and old in value.value:
                value = ox.Literal(
                    value.value.replace(old, new),
                    **({"language": value.language} if value.language else
                       {"datatype": value.datatype}),
                )  # fmt: skip
        result.append(ox.Triple(subject, predicate, value))  # type: ignore[arg-type]
    return result


def _hanging(agenda: Sequence[ox.Triple], removed: set[str]) -> set[str]:
    """Source references and reading notes that only removed activities point at."""
    kinds = (str(ID["bron/"]), str(ID["leesnotitie/"]))
    pointers: dict[str, set[str]] = {}
    for t in agenda:
        if isinstance(t.object, ox.NamedNode) and value_of(t.object).startswith(kinds):
            pointers.setdefault(value_of(t.object), set()).add(value_of(t.subject))
    return {node for node, by in pointers.items() if by and by <= removed}


def _record(
    activity: ox.NamedNode,
    aspect: es.Aspect,
    value: es.Interpretation,
    reason: str,
    source: ox.NamedNode | None,
    moment: datetime,
) -> list[ox.Triple]:
    record = ox.NamedNode(f"{ID}interpretatie/{es.activity_ref(activity.value)}-{aspect.segment}")
    triples = [
        ox.Triple(record, RDF_TYPE, _kl("Interpretatie")),
        ox.Triple(record, RDF_TYPE, PROV_ENTITY),
        ox.Triple(record, _kl("betreft"), activity),
        ox.Triple(record, _kl("aspect"), aspect.prop),
        ox.Triple(record, _kl("toelichting"), ox.Literal(reason, language="nl")),
        ox.Triple(record, ox.NamedNode(f"{PROV}wasAttributedTo"), EDITORS),
        ox.Triple(
            record,
            ox.NamedNode(f"{PROV}generatedAtTime"),
            ox.Literal(
                moment.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=ox.NamedNode(f"{XSD}dateTime")
            ),
        ),
    ]
    if source is not None:
        triples.append(ox.Triple(record, ox.NamedNode(f"{PROV}wasDerivedFrom"), source))
    if value == es.NOT_APPLICABLE:
        triples.append(ox.Triple(record, _kl("nietVanToepassing"), ox.Literal(True)))
    elif isinstance(value, tuple):
        for iri in value:
            triples.append(ox.Triple(record, _kl("waarde"), ox.NamedNode(iri)))
            triples.append(ox.Triple(activity, aspect.prop, ox.NamedNode(iri)))
    return triples


def derive_edition(
    base: EditionContent,
    rows: Sequence[EditionRow],
    new_ref: str,
    issued: date,
    *,
    moment: datetime | None = None,
) -> dict[str, list[ox.Triple]]:
    """The new edition's agenda and interpretations graphs (graph IRI -> triples)."""
    old = base.edition.ref
    moment = moment or datetime.now(UTC)
    edition = ox.NamedNode(edition_iri(new_ref))
    base_activities = {a.iri: a for a in es.edition_activities(base)}
    kept = {row.iri for row in rows if not row.new}
    removed = set(base_activities) - kept
    gone = removed | _hanging(base.agenda, removed)
    records_gone = {
        value_of(t.subject)
        for t in base.interpretations
        if t.predicate.value == str(KL.betreft) and value_of(t.object) in removed
    }

    def keep(t: ox.Triple) -> bool:
        return value_of(t.subject) not in gone | records_gone and value_of(t.object) not in gone

    agenda = _renamed((t for t in base.agenda if keep(t)), old, new_ref)
    agenda = [
        t for t in agenda
        if not (t.subject == edition and t.predicate in (PROV_REVISION_OF, DCTERMS_ISSUED))
    ]  # fmt: skip
    agenda += [
        ox.Triple(edition, PROV_REVISION_OF, ox.NamedNode(edition_iri(old))),
        ox.Triple(
            edition,
            DCTERMS_ISSUED,
            ox.Literal(issued.isoformat(), datatype=ox.NamedNode(f"{XSD}date")),
        ),
    ]
    interpretations = _renamed((t for t in base.interpretations if keep(t)), old, new_ref)
    label = next(
        (value_of(t.object) for t in agenda if t.subject == edition and t.predicate == RDFS_LABEL),
        new_ref,
    )
    for row in rows:
        activity = ox.NamedNode(row.iri)
        if row.new:
            agenda += _new_activity(row, edition, label)
        else:
            agenda = _restated(agenda, activity, row)
        before = base_activities[row.iri].interpretations if not row.new else {}
        source = next(
            (t.object for t in agenda if t.subject == activity and t.predicate == _kl("bron")),
            None,
        )
        for aspect in es.ASPECTS:
            value = row.interpretations.get(aspect.header)
            if value == before.get(aspect.header):
                continue
            records = _records(interpretations, activity, aspect)
            interpretations = [
                t for t in interpretations
                if not (t.subject == activity and t.predicate == aspect.prop)
                and t.subject not in records
            ]  # fmt: skip
            if value is not None:
                assert source is None or isinstance(source, ox.NamedNode)
                interpretations += _record(activity, aspect, value, row.reason, source, moment)
    return {agenda_graph(new_ref): agenda, interpretations_graph(new_ref): interpretations}


def _records(triples: Sequence[ox.Triple], activity: ox.NamedNode, aspect: es.Aspect) -> set[Node]:
    """The interpretation records about ``activity``'s ``aspect``."""
    about = {t.subject for t in triples if t.predicate == _kl("betreft") and t.object == activity}
    return {
        t.subject
        for t in triples
        if t.subject in about and t.predicate == _kl("aspect") and t.object == aspect.prop
    }


def _restated(agenda: list[ox.Triple], activity: ox.NamedNode, row: EditionRow) -> list[ox.Triple]:
    """The activity's label, theme, grouping and column as the row has them."""
    replaced = {_kl("thema"), _kl("kolom"), _kl("groepering")}
    kept = [
        t for t in agenda
        if not (t.subject == activity and (t.predicate in replaced or (
            t.predicate == RDFS_LABEL and isinstance(t.object, ox.Literal)
            and t.object.language == "nl")))
    ]  # fmt: skip
    kept += [
        ox.Triple(activity, RDFS_LABEL, ox.Literal(row.label, language="nl")),
        ox.Triple(activity, _kl("thema"), ox.NamedNode(row.theme)),
        ox.Triple(activity, _kl("kolom"), ox.NamedNode(row.column)),
    ]
    if row.grouping:
        kept.append(ox.Triple(activity, _kl("groepering"), ox.NamedNode(row.grouping)))
    return kept


def _new_activity(row: EditionRow, edition: ox.NamedNode, edition_label: str) -> list[ox.Triple]:
    activity = ox.NamedNode(row.iri)
    source = ox.NamedNode(f"{ID}bron/{es.activity_ref(row.iri)}")
    assert row.lines is not None
    first, last = row.lines
    where = f"regel {first}" if first == last else f"regels {first}-{last}"
    positive = ox.NamedNode(f"{XSD}positiveInteger")
    triples = [
        *_restated([], activity, row),
        ox.Triple(activity, RDF_TYPE, _kl("Activiteit")),
        ox.Triple(activity, RDF_TYPE, PROV_ENTITY),
        ox.Triple(activity, ox.NamedNode(f"{DCTERMS}isPartOf"), edition),
        ox.Triple(activity, _kl("bron"), source),
        ox.Triple(source, RDF_TYPE, _kl("Bronverwijzing")),
        ox.Triple(source, RDF_TYPE, PROV_ENTITY),
        ox.Triple(
            source,
            ox.NamedNode(f"{DCTERMS}title"),
            ox.Literal(f"{edition_label}, {where}", language="nl"),
        ),
        ox.Triple(source, _kl("document"), edition),
        ox.Triple(source, _kl("regelVan"), ox.Literal(str(first), datatype=positive)),
        ox.Triple(source, _kl("regelTot"), ox.Literal(str(last), datatype=positive)),
        ox.Triple(source, _kl("brontekst"), ox.Literal(row.source_text)),
    ]
    return triples
