"""An agenda edition as a spreadsheet: one row per activity, to restate as a new edition.

Export: an XLSX workbook with the sheet ``Editie {ref}`` (one row per activity in source
order: its URI locked; name, theme, grouping and column editable with dropdowns; partners
for information; Kringloop's four interpretations with dropdowns and a column for the
reason of a change; the source lines of a new activity), ``Toelichting`` (how to change,
add and remove activities, in Dutch) and the hidden ``Keuzelijsten``; or the one sheet as
CSV (UTF-8 with BOM, RFC 4180, cells safe from formula injection). Reading is
:func:`kringloop.editionsheetread.read_edition_sheet`; the new edition's graphs are
:func:`kringloop.editionderive.derive_edition`'s.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kringloop.editiondiff import NOT_APPLICABLE_PROPERTY
from kringloop.editions import RDF_TYPE, RDFS_LABEL, EditionContent
from kringloop.editionworkbook import SheetLayout, build_edition_workbook
from kringloop.monitoring.sheetlayout import escape_csv, header_key
from kringloop.vocab import ID, KL

SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_PREF_LABEL = ox.NamedNode(f"{SKOS}prefLabel")
SKOS_NOTATION = ox.NamedNode(f"{SKOS}notation")
SKOS_BROADER = ox.NamedNode(f"{SKOS}broader")
ABOUT = ox.NamedNode(str(KL.betreft))
ASPECT = ox.NamedNode(str(KL.aspect))
ACTIVITY_CLASS = ox.NamedNode(str(KL.Activiteit))

# Headers (Dutch, as the officer sees them); columns are found by header, not position.
ACTIVITY_URI = "Activiteit-URI"
ACTIVITY = "Activiteit"
THEME = "Thema"
GROUPING = "Groepering"
COLUMN = "Kolom"
PARTNERS = "Partners"
R_STRATEGY = "R-strategie"
ROLE = "Rol"
GOAL = "Doel"
PHASE = "Levenscyclusfase"
REASON = "Toelichting interpretatie"
SOURCE_LINES = "Bronregels"
SOURCE_TEXT = "Brontekst"

HEADERS: tuple[str, ...] = (
    ACTIVITY_URI,
    ACTIVITY,
    THEME,
    GROUPING,
    COLUMN,
    PARTNERS,
    R_STRATEGY,
    ROLE,
    GOAL,
    PHASE,
    REASON,
    SOURCE_LINES,
    SOURCE_TEXT,
)
#: The columns the reader needs (Partners only informs the officer).
REQUIRED: tuple[str, ...] = tuple(header for header in HEADERS if header != PARTNERS)
#: Unlocked in the workbook.
EDITABLE: tuple[str, ...] = tuple(h for h in HEADERS if h not in (ACTIVITY_URI, PARTNERS))

NOT_APPLICABLE_LABEL = "niet van toepassing"
VALUE_SEPARATOR = ";"
MAX_LABEL = 300
MAX_REASON = 1000
MAX_SOURCE_TEXT = 5000


@dataclass(frozen=True)
class Aspect:
    """One interpretation aspect: its column, property, concept class and IRI segment."""

    header: str
    prop: ox.NamedNode
    concept_class: ox.NamedNode
    segment: str  # in the record IRI {base}id/interpretatie/{activity}-{segment}


ASPECTS: tuple[Aspect, ...] = (
    Aspect(R_STRATEGY, ox.NamedNode(str(KL.rStrategie)), ox.NamedNode(str(KL.RStrategie)),
           "r-strategie"),
    Aspect(ROLE, ox.NamedNode(str(KL.rol)), ox.NamedNode(str(KL.ProvincialeRol)), "rol"),
    Aspect(GOAL, ox.NamedNode(str(KL.doel)), ox.NamedNode(str(KL.Doel)), "doel"),
    Aspect(PHASE, ox.NamedNode(str(KL.levenscyclusfase)),
           ox.NamedNode(str(KL.Levenscyclusfase)), "levenscyclusfase"),
)  # fmt: skip

THEME_CLASS = ox.NamedNode(str(KL.Thema))
GROUPING_CLASS = ox.NamedNode(str(KL.Groepering))
COLUMN_CLASS = ox.NamedNode(str(KL.Kolom))

#: An interpretation as a sheet holds it: concept IRIs, "not applicable", or none (None).
Interpretation = tuple[str, ...] | str | None
NOT_APPLICABLE = "not-applicable"


#: A subject or object of a triple.
Node = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def value_of(term: object) -> str:
    """The IRI, blank node id or literal text of a term ("" for a quoted triple)."""
    return "" if isinstance(term, ox.Triple) else str(getattr(term, "value", ""))


def sheet_name(ref: str) -> str:
    return f"Editie {ref}"


def _natural(notation: str) -> tuple[int, str]:
    """Notations in number order ("2" before "10"), others after them."""
    return (int(notation), "") if notation.isascii() and notation.isdigit() else (1 << 30, notation)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Concept:
    iri: str
    label: str  # Dutch preferred label (else the reference)
    broader: str | None


class Concepts:
    """The concepts of the classes a sheet offers, found by label, notation, ref or IRI."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        triples = list(triples)
        labels: dict[str, dict[str, str]] = {}
        notations: dict[str, str] = {}
        broader: dict[str, str] = {}
        self.by_class: dict[str, list[Concept]] = {}
        members: dict[str, set[str]] = {}
        for t in triples:
            subject = value_of(t.subject)
            if t.predicate == RDF_TYPE and isinstance(t.object, ox.NamedNode):
                members.setdefault(value_of(t.object), set()).add(subject)
            elif t.predicate == SKOS_PREF_LABEL and isinstance(t.object, ox.Literal):
                labels.setdefault(subject, {})[t.object.language or ""] = value_of(t.object)
            elif t.predicate == SKOS_NOTATION and isinstance(t.object, ox.Literal):
                notations[subject] = value_of(t.object)
            elif t.predicate == SKOS_BROADER and isinstance(t.object, ox.NamedNode):
                broader[subject] = value_of(t.object)
        self._index: dict[str, dict[str, set[str]]] = {}
        for klass in (
            THEME_CLASS,
            GROUPING_CLASS,
            COLUMN_CLASS,
            *(a.concept_class for a in ASPECTS),
        ):
            found = []
            index: dict[str, set[str]] = {}
            for iri in sorted(members.get(klass.value, ())):
                names = labels.get(iri, {})
                ref = iri.rstrip("/").rsplit("/", 1)[-1]
                label = names.get("nl") or names.get("") or ref
                found.append(Concept(iri, label, broader.get(iri)))
                for spelling in (label, names.get("en", ""), notations.get(iri, ""), ref, iri):
                    if spelling:
                        index.setdefault(_key(spelling), set()).add(iri)
            found.sort(key=lambda c: (_natural(notations.get(c.iri, "")), c.label))
            self.by_class[klass.value] = found
            self._index[klass.value] = index
        self.label_of = {c.iri: c.label for cs in self.by_class.values() for c in cs}
        self.broader_of = {c.iri: c.broader for cs in self.by_class.values() for c in cs}

    def labels(self, klass: ox.NamedNode) -> list[str]:
        return [concept.label for concept in self.by_class.get(klass.value, [])]

    def find(self, klass: ox.NamedNode, text: str) -> set[str]:
        """The IRIs of ``klass`` that ``text`` names (empty: none; more than one: ambiguous)."""
        return set(self._index.get(klass.value, {}).get(_key(text), set()))


@dataclass(frozen=True)
class EditionActivity:
    """One activity of an edition as its sheet row shows it."""

    iri: str
    label: str
    theme: str | None
    grouping: str | None
    column: str | None
    partners: tuple[str, ...]  # labels
    interpretations: dict[str, Interpretation]  # aspect header -> value
    first_line: int


def _objects(triples: Sequence[ox.Triple]) -> dict[tuple[str, str], list[Node]]:
    found: dict[tuple[str, str], list[Node]] = {}
    for t in triples:
        found.setdefault((value_of(t.subject), t.predicate.value), []).append(t.object)
    return found


def _one(values: dict[tuple[str, str], list[Node]], subject: str, prop: str) -> str | None:
    terms = [term for term in values.get((subject, prop), []) if isinstance(term, ox.NamedNode)]
    return terms[0].value if terms else None


def _label(values: dict[tuple[str, str], list[Node]], subject: str) -> str:
    labels = {
        term.language or "": term.value
        for term in values.get((subject, RDFS_LABEL.value), [])
        if isinstance(term, ox.Literal)
    }
    return labels.get("nl") or labels.get("") or next(iter(labels.values()), "")


def interpretations_of(triples: Sequence[ox.Triple]) -> dict[str, dict[str, Interpretation]]:
    """Activity IRI -> aspect header -> its concepts, "not applicable", or nothing."""
    values = _objects(triples)
    found: dict[str, dict[str, Interpretation]] = {}
    for t in triples:
        for aspect in ASPECTS:
            if t.predicate == aspect.prop and isinstance(t.object, ox.NamedNode):
                current = found.setdefault(value_of(t.subject), {}).get(aspect.header)
                concepts = current if isinstance(current, tuple) else ()
                found[value_of(t.subject)][aspect.header] = tuple(
                    sorted({*concepts, value_of(t.object)})
                )
        if t.predicate == NOT_APPLICABLE_PROPERTY and t.object == ox.Literal(True):
            activity = _one(values, value_of(t.subject), ABOUT.value)
            prop = _one(values, value_of(t.subject), ASPECT.value)
            for aspect in ASPECTS:
                if activity and prop == aspect.prop.value:
                    found.setdefault(activity, {}).setdefault(aspect.header, NOT_APPLICABLE)
    return found


def edition_activities(content: EditionContent) -> list[EditionActivity]:
    """The edition's activities in source order (first line of their source reference)."""
    values = _objects([*content.agenda, *content.concepts])
    interpretations = interpretations_of(content.interpretations)
    activities = []
    for t in content.agenda:
        if t.predicate != RDF_TYPE or t.object != ACTIVITY_CLASS:
            continue
        iri = value_of(t.subject)
        source = _one(values, iri, str(KL.bron))
        line = next(
            (int(v.value) for v in values.get((source or "", str(KL.regelVan)), [])
             if isinstance(v, ox.Literal) and v.value.isascii() and v.value.isdigit()),
            0,
        )  # fmt: skip
        partners = sorted(
            _label(values, term.value) or term.value
            for term in values.get((iri, str(KL.partner)), [])
            if isinstance(term, ox.NamedNode)
        )
        activities.append(
            EditionActivity(
                iri=iri,
                label=_label(values, iri),
                theme=_one(values, iri, str(KL.thema)),
                grouping=_one(values, iri, str(KL.groepering)),
                column=_one(values, iri, str(KL.kolom)),
                partners=tuple(partners),
                interpretations=interpretations.get(iri, {}),
                first_line=line,
            )
        )
    return sorted(activities, key=lambda a: (a.first_line, a.label, a.iri))


def interpretation_text(value: Interpretation, concepts: Concepts) -> str:
    if value is None:
        return ""
    if value == NOT_APPLICABLE:
        return NOT_APPLICABLE_LABEL
    return f"{VALUE_SEPARATOR} ".join(concepts.label_of.get(iri, iri) for iri in value)


def sheet_rows(
    content: EditionContent, activities: Sequence[EditionActivity] | None = None
) -> list[dict[str, str]]:
    """One row per activity (header -> text)."""
    concepts = Concepts(content.concepts)
    rows = []
    for activity in activities if activities is not None else edition_activities(content):
        row = {
            ACTIVITY_URI: activity.iri,
            ACTIVITY: activity.label,
            THEME: concepts.label_of.get(activity.theme or "", activity.theme or ""),
            GROUPING: concepts.label_of.get(activity.grouping or "", activity.grouping or ""),
            COLUMN: concepts.label_of.get(activity.column or "", activity.column or ""),
            PARTNERS: f"{VALUE_SEPARATOR} ".join(activity.partners),
            REASON: "",
            SOURCE_LINES: "",
            SOURCE_TEXT: "",
        }
        for aspect in ASPECTS:
            value = activity.interpretations.get(aspect.header)
            row[aspect.header] = interpretation_text(value, concepts)
        rows.append(row)
    return rows


def export_edition_csv(
    content: EditionContent,
    activities: Sequence[EditionActivity] | None = None,
    *,
    delimiter: str = ",",
) -> bytes:
    """The edition's sheet as CSV (UTF-8 with BOM); ``delimiter=";"`` for Dutch Excel."""
    if delimiter not in (",", ";"):
        raise ValueError(f"delimiter must be ',' or ';', not {delimiter!r}")
    output = io.StringIO()
    output.write("\ufeff")
    writer = csv.writer(output, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in sheet_rows(content, activities):
        writer.writerow([escape_csv(row[header]) for header in HEADERS])
    return output.getvalue().encode("utf-8")


def export_edition_xlsx(
    content: EditionContent, activities: Sequence[EditionActivity] | None = None
) -> bytes:
    """The edition's workbook (``Editie {ref}``, ``Toelichting``, hidden ``Keuzelijsten``)."""
    concepts = Concepts(content.concepts)
    choices = {
        THEME: concepts.labels(THEME_CLASS),
        GROUPING: concepts.labels(GROUPING_CLASS),
        COLUMN: concepts.labels(COLUMN_CLASS),
        **{a.header: [*concepts.labels(a.concept_class), NOT_APPLICABLE_LABEL] for a in ASPECTS},
    }
    return build_edition_workbook(
        content.edition,
        SheetLayout(sheet_name(content.edition.ref), HEADERS, EDITABLE, choices),
        sheet_rows(content, activities),
    )


def header_keys() -> set[str]:
    return {header_key(header) for header in HEADERS}


def activity_ref(iri: str) -> str:
    """The reference of a province activity IRI (``{base}id/activiteit/{ref}``)."""
    prefix = str(ID["activiteit/"])
    return iri[len(prefix) :] if iri.startswith(prefix) else iri.rsplit("/", 1)[-1]
