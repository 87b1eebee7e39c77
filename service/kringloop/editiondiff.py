"""What changed between two agenda editions, per activity.

An activity is the same resource in every edition (its IRI is stable), so the diff
compares, per activity IRI, what each edition's two graphs say about it: present or
not (added, removed), its Dutch label, theme, grouping, column and partners (the agenda
graph), its interpretations (R-strategy, role, goal, life-cycle phase: the direct
triples of the interpretations graph, with "not applicable" where a record says
``kl:nietVanToepassing``), and its other texts (English label, editorial notes,
description, comment). Values carry their IRI and their Dutch and English labels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kringloop.editions import RDF_TYPE, RDFS_LABEL, EditionContent
from kringloop.viewchecks import Row
from kringloop.viewtables import to_csv
from kringloop.vocab import KL

SKOS_PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
SKOS_NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
ACTIVITY = ox.NamedNode(str(KL.Activiteit))
INTERPRETATION_CLASS = ox.NamedNode(str(KL.Interpretatie))
ABOUT = ox.NamedNode(str(KL.betreft))
ASPECT = ox.NamedNode(str(KL.aspect))
NOT_APPLICABLE_PROPERTY = ox.NamedNode(str(KL.nietVanToepassing))


@dataclass(frozen=True)
class Value:
    """One value of a field: an IRI with its labels, or a text (``iri`` None)."""

    iri: str | None
    nl: str
    en: str

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.nl


#: An interpretation that says explicitly that no concept applies.
NOT_APPLICABLE = Value(None, "niet van toepassing", "not applicable")


@dataclass(frozen=True)
class ChangeKind:
    """What kind of change: a stable code and its Dutch and English labels."""

    code: str
    nl: str
    en: str

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.nl


ADDED = ChangeKind("added", "toegevoegd", "added")
REMOVED = ChangeKind("removed", "verwijderd", "removed")
THEME = ChangeKind("theme-changed", "thema gewijzigd", "theme changed")
GROUPING = ChangeKind("grouping-changed", "groepering gewijzigd", "grouping changed")
COLUMN = ChangeKind("column-changed", "kolom gewijzigd", "column changed")
LABEL = ChangeKind("label-changed", "naam gewijzigd", "label changed")
PARTNERS = ChangeKind("partners-changed", "partners gewijzigd", "partners changed")
INTERPRETATION = ChangeKind(
    "interpretation-changed", "interpretatie gewijzigd", "interpretation changed"
)
TEXT = ChangeKind("text-changed", "andere tekst gewijzigd", "other text changed")
#: Every kind, in the order changes of one activity are listed.
KINDS: tuple[ChangeKind, ...] = (
    ADDED,
    REMOVED,
    THEME,
    GROUPING,
    COLUMN,
    LABEL,
    PARTNERS,
    INTERPRETATION,
    TEXT,
)
_KIND_ORDER = {kind.code: index for index, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Field:
    """A compared aspect of an activity: which property, in which graph, which kind."""

    code: str
    predicate: ox.NamedNode
    kind: ChangeKind
    nl: str
    en: str
    interpretation: bool = False  # read from the interpretations graph
    language: str | None = None  # only literals in this language (labels)

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.nl


def _kl(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(KL[name]))


FIELDS: tuple[Field, ...] = (
    Field("theme", _kl("thema"), THEME, "thema", "theme"),
    Field("grouping", _kl("groepering"), GROUPING, "groepering", "grouping"),
    Field("column", _kl("kolom"), COLUMN, "kolom", "column"),
    Field("label", RDFS_LABEL, LABEL, "naam", "label", language="nl"),
    Field("partners", _kl("partner"), PARTNERS, "partners", "partners"),
    Field("r-strategy", _kl("rStrategie"), INTERPRETATION, "R-strategie", "R-strategy", True),
    Field("role", _kl("rol"), INTERPRETATION, "provinciale rol", "provincial role", True),
    Field("goal", _kl("doel"), INTERPRETATION, "doel", "goal", True),
    Field(
        "life-cycle-phase",
        _kl("levenscyclusfase"),
        INTERPRETATION,
        "levenscyclusfase",
        "life-cycle phase",
        True,
    ),
    Field("label-en", RDFS_LABEL, TEXT, "Engelse naam", "English label", language="en"),
    Field(
        "editorial-note",
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#editorialNote"),
        TEXT,
        "redactionele noot",
        "editorial note",
    ),
    Field(
        "description",
        ox.NamedNode("http://purl.org/dc/terms/description"),
        TEXT,
        "beschrijving",
        "description",
    ),
    Field(
        "comment",
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
        TEXT,
        "toelichting",
        "comment",
    ),
)
FIELDS_BY_CODE = {field.code: field for field in FIELDS}


@dataclass(frozen=True)
class ActivityChange:
    """One change of one activity between two editions."""

    activity: str  # the activity's IRI
    label: Value  # its label in the new edition (the old one's when it was removed)
    theme: Value | None  # its theme in the new edition (the old one's when removed)
    kind: ChangeKind
    field: str  # a code of FIELDS; "" for added and removed
    old: tuple[Value, ...] = ()
    new: tuple[Value, ...] = ()


class Labels:
    """Labels (nl, en) and notations of the resources in some triples."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        preferred: dict[str, dict[str, str]] = defaultdict(dict)
        fallback: dict[str, dict[str, str]] = defaultdict(dict)
        self.notations: dict[str, str] = {}
        for triple in triples:
            subject, predicate, value = triple.subject, triple.predicate, triple.object
            if not isinstance(subject, ox.NamedNode) or not isinstance(value, ox.Literal):
                continue
            if predicate == SKOS_PREF_LABEL:
                preferred[subject.value].setdefault(value.language or "", value.value)
            elif predicate == RDFS_LABEL:
                fallback[subject.value].setdefault(value.language or "", value.value)
            elif predicate == SKOS_NOTATION:
                self.notations.setdefault(subject.value, value.value)
        self._labels = {
            iri: {**fallback.get(iri, {}), **preferred.get(iri, {})}
            for iri in set(preferred) | set(fallback)
        }

    def value(self, iri: str) -> Value:
        known = self._labels.get(iri, {})
        short = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        dutch = known.get("nl") or known.get("") or known.get("en") or short
        return Value(iri, dutch, known.get("en") or dutch)


@dataclass
class _Snapshot:
    """What one edition says about its activities: field code -> values, per activity."""

    fields: dict[str, dict[str, tuple[Value, ...]]]


def _index(triples: Iterable[ox.Triple]) -> dict[str, list[ox.Triple]]:
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode):
            by_subject[triple.subject.value].append(triple)
    return by_subject


def _not_applicable(triples: Sequence[ox.Triple]) -> set[tuple[str, str]]:
    """(activity, aspect property) pairs whose record says no concept applies."""
    records = _index(triples)
    found: set[tuple[str, str]] = set()
    for statements in records.values():
        about = [_iri(t.object) for t in statements if t.predicate == ABOUT]
        aspect = [_iri(t.object) for t in statements if t.predicate == ASPECT]
        explicit = any(
            t.predicate == NOT_APPLICABLE_PROPERTY
            and isinstance(t.object, ox.Literal)
            and t.object.value in ("true", "1")
            for t in statements
        )
        if explicit and about and aspect:
            found.add((about[0], aspect[0]))
    return found


def _iri(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else ""


def _snapshot(content: EditionContent, labels: Labels) -> _Snapshot:
    agenda = _index(content.agenda)
    interpreted = _index(content.interpretations)
    none_applies = _not_applicable(content.interpretations)
    fields: dict[str, dict[str, tuple[Value, ...]]] = {}
    own_labels = Labels(content.agenda)
    for iri, statements in agenda.items():
        if not any(t.predicate == RDF_TYPE and t.object == ACTIVITY for t in statements):
            continue
        values: dict[str, tuple[Value, ...]] = {}
        for field in FIELDS:
            source = interpreted.get(iri, []) if field.interpretation else statements
            found: set[Value] = set()
            for triple in source:
                if triple.predicate != field.predicate:
                    continue
                term = triple.object
                if isinstance(term, ox.NamedNode):
                    found.add(labels.value(term.value))
                elif isinstance(term, ox.Literal) and (
                    field.language is None or term.language == field.language
                ):
                    found.add(Value(None, term.value, term.value))
            if field.interpretation and not found and (iri, field.predicate.value) in none_applies:
                found.add(NOT_APPLICABLE)
            values[field.code] = tuple(sorted(found, key=_value_key))
        values["_label"] = (own_labels.value(iri),)
        fields[iri] = values
    return _Snapshot(fields)


def _value_key(value: Value) -> tuple[str, str]:
    return (value.nl.casefold(), value.iri or "")


def diff_editions(old: EditionContent, new: EditionContent) -> list[ActivityChange]:
    """Every change per activity from ``old`` to ``new``, sorted by theme, activity, kind."""
    labels = Labels([*old.concepts, *new.concepts, *old.agenda, *new.agenda, *new.interpretations])
    before = _snapshot(old, labels).fields
    after = _snapshot(new, labels).fields
    changes: list[ActivityChange] = []
    for iri in sorted(set(before) | set(after)):
        now = after.get(iri) or before[iri]
        label = now["_label"][0]
        theme = next(iter(now["theme"]), None)
        if iri not in before:
            changes.append(ActivityChange(iri, label, theme, ADDED, ""))
            continue
        if iri not in after:
            changes.append(ActivityChange(iri, label, theme, REMOVED, ""))
            continue
        for field in FIELDS:
            was, is_now = before[iri][field.code], after[iri][field.code]
            if _keys(was) != _keys(is_now):
                changes.append(
                    ActivityChange(iri, label, theme, field.kind, field.code, was, is_now)
                )
    return sorted(changes, key=lambda change: _change_key(change, labels))


def _keys(values: tuple[Value, ...]) -> set[tuple[str | None, str]]:
    """What identifies values: the IRI, or the text of a literal."""
    return {(value.iri, "" if value.iri else value.nl) for value in values}


def _change_key(change: ActivityChange, labels: Labels) -> tuple[object, ...]:
    theme = change.theme
    notation = labels.notations.get(theme.iri or "", "") if theme is not None else ""
    return (
        theme is None,
        int(notation) if notation.isascii() and notation.isdigit() else 10**6,
        theme.nl.casefold() if theme is not None else "",
        change.label.nl.casefold(),
        change.activity,
        _KIND_ORDER[change.kind.code],
        change.field,
    )


# -- tables: CSV, JSON, a text summary ----------------------------------------------------------

#: The columns of a diff table (CSV header, and the keys of each JSON object's flat form).
COLUMNS: tuple[str, ...] = (
    "theme",
    "themeLabel",
    "activity",
    "activityLabel",
    "kind",
    "kindLabel",
    "field",
    "fieldLabel",
    "old",
    "oldIris",
    "new",
    "newIris",
)


def field_label(code: str, language: str) -> str:
    field = FIELDS_BY_CODE.get(code)
    return field.label(language) if field is not None else ""


def change_row(change: ActivityChange, language: str) -> dict[str, str]:
    """One change as a flat row of :data:`COLUMNS` (values joined with ``; ``)."""
    return {
        "theme": change.theme.iri or "" if change.theme is not None else "",
        "themeLabel": change.theme.label(language) if change.theme is not None else "",
        "activity": change.activity,
        "activityLabel": change.label.label(language),
        "kind": change.kind.code,
        "kindLabel": change.kind.label(language),
        "field": change.field,
        "fieldLabel": field_label(change.field, language),
        "old": "; ".join(value.label(language) for value in change.old),
        "oldIris": " ".join(value.iri for value in change.old if value.iri),
        "new": "; ".join(value.label(language) for value in change.new),
        "newIris": " ".join(value.iri for value in change.new if value.iri),
    }


def changes_csv(changes: Sequence[ActivityChange], language: str, *, bom: bool = False) -> str:
    """The changes as CSV (RFC 4180), formula cells neutralised by the project's writer."""
    rows: list[Row] = [
        {key: {"value": text} for key, text in change_row(change, language).items()}
        for change in changes
    ]
    return to_csv(COLUMNS, rows, bom=bom)


def _value_json(value: Value, language: str) -> dict[str, str | None]:
    return {"iri": value.iri, "label": value.label(language)}


def change_json(change: ActivityChange, language: str) -> dict[str, object]:
    """One change as a JSON object with stable keys."""
    return {
        "activity": change.activity,
        "label": change.label.label(language),
        "theme": _value_json(change.theme, language) if change.theme is not None else None,
        "kind": change.kind.code,
        "kindLabel": change.kind.label(language),
        "field": change.field or None,
        "fieldLabel": field_label(change.field, language) or None,
        "old": [_value_json(value, language) for value in change.old],
        "new": [_value_json(value, language) for value in change.new],
    }


def count_kinds(changes: Iterable[ActivityChange]) -> dict[str, int]:
    """How many changes of each kind (every kind listed, zeros included), in KINDS order."""
    counts = {kind.code: 0 for kind in KINDS}
    for change in changes:
        counts[change.kind.code] += 1
    return counts


def by_theme(changes: Sequence[ActivityChange]) -> list[tuple[Value | None, list[ActivityChange]]]:
    """The (sorted) changes grouped per theme, in their order."""
    groups: list[tuple[Value | None, list[ActivityChange]]] = []
    for change in changes:
        if groups and groups[-1][0] == change.theme:
            groups[-1][1].append(change)
        else:
            groups.append((change.theme, [change]))
    return groups
