"""The faceted activity browser's core: the activities with their facet values, filtered.

The catalogue (every activity with its theme, column, partners and the editors'
interpretations, and the labels of all those values) is read from the engine through
:class:`~kringloop.endpoint.PublicEndpoint`, in pages no longer than the result cap, so
the vetting, the deadline and the cap apply to every query. It is small (the agenda has
139 activities) and kept in memory; :class:`CatalogueCache` reads it again when the
published graphs' triple counts change.

Filters: several values within one facet match an activity that has any of them (OR);
facets combine with AND. A facet value's count is the number of activities that have
the value and match every *other* facet's filter (and the search), so each count says
how many activities that value gives when chosen in its facet (the usual disjunctive
facet count); the counts change as filters combine.

The partner facet also offers partner groups (``kl:Partnergroep``, e.g. "waterschappen"):
a group matches activities that name the group or an organisation that is a member of
it (``?group foaf:member ?org`` or ``?org org:memberOf ?group``).

The source facet (``bron``) is not a property of the activity: it is the publisher of the
published graph that states the activity (``GRAPH ?g { ?a a kl:Activiteit }`` and, in the
partner registry graph, ``?g dcterms:publisher ?bron``): the province for the bundled
graphs, a partner's organisation for the graphs partners publish here. It is offered
only when the activities have more than one source (:attr:`Catalogue.several_sources`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kringloop.endpoint import PublicEndpoint, QueryRequest
from kringloop.errors import BadRequestError, EngineError
from kringloop.partners.model import PARTNERS_GRAPH
from kringloop.vocab import PREFIXES

KL = PREFIXES["kl"]
PARTNERGROUP = KL + "Partnergroep"
#: The facet of the activity's source (the publisher of its graph).
SOURCE = "bron"


@dataclass(frozen=True)
class Facet:
    """One facet: its URL parameter, the property it reads, its names."""

    name: str
    property: str
    label_nl: str
    label_en: str
    #: True: the values come from the editors' interpretations, not the document.
    interpretation: bool = False
    #: True: the values are the publishers of the activity's graphs, not a property's.
    source: bool = False

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_nl


FACETS: tuple[Facet, ...] = (
    Facet(SOURCE, PREFIXES["dcterms"] + "publisher", "Bron", "Source", source=True),
    Facet("thema", KL + "thema", "Thema", "Theme"),
    Facet("kolom", KL + "kolom", "Kolom", "Column"),
    Facet("partner", KL + "partner", "Partner", "Partner"),
    Facet("rstrategie", KL + "rStrategie", "R-strategie", "R-strategy", interpretation=True),
    Facet("rol", KL + "rol", "Rol van de provincie", "Province's role", interpretation=True),
    Facet("doel", KL + "doel", "Doel", "Goal", interpretation=True),
    Facet(
        "fase", KL + "levenscyclusfase", "Levenscyclusfase", "Life-cycle phase", interpretation=True
    ),
)
FACET_NAMES = tuple(facet.name for facet in FACETS)


@dataclass(frozen=True)
class Activity:
    """An activity with its facet values (facet name -> IRIs) and its texts."""

    iri: str
    values: Mapping[str, frozenset[str]]
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """Every activity, the labels of the activities and values, the partner groups."""

    activities: tuple[Activity, ...]
    labels: Mapping[str, Mapping[str, str]]
    #: partner group IRI -> the organisations that are its members
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def label(self, iri: str, language: str) -> str:
        """The label of ``iri`` in ``language``, else Dutch, else any, else the IRI."""
        found = self.labels.get(iri, {})
        return found.get(language) or found.get("nl") or next(iter(found.values()), iri)

    def has(self, activity: Activity, facet: str, value: str) -> bool:
        own = activity.values.get(facet, frozenset())
        if value in own:
            return True
        return facet == "partner" and bool(own & self.groups.get(value, frozenset()))

    @cached_property
    def several_sources(self) -> bool:
        """True when the activities come from more than one source (publisher)."""
        return len(self.valid_values(SOURCE)) > 1

    def valid_values(self, facet: str) -> set[str]:
        values = {value for activity in self.activities for value in activity.values[facet]}
        return values | set(self.groups) if facet == "partner" else values


@dataclass(frozen=True)
class FacetValue:
    iri: str
    label: str
    count: int
    selected: bool
    group: bool = False


@dataclass(frozen=True)
class FacetResult:
    facet: Facet
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class Selection:
    """The matching activities (in label order) and every facet with its counts."""

    activities: tuple[Activity, ...]
    facets: tuple[FacetResult, ...]


def read_filters(
    arguments: Mapping[str, Sequence[str]], catalogue: Catalogue
) -> dict[str, set[str]]:
    """The chosen values per facet from a request; an unknown value is a 400."""
    chosen: dict[str, set[str]] = {}
    for facet in FACETS:
        given = {value for value in arguments.get(facet.name, ()) if value != ""}
        if not given:
            continue
        unknown = sorted(given - catalogue.valid_values(facet.name))
        if unknown:
            raise BadRequestError(
                f"facet {facet.name}: {unknown[0][:100]!r} is not one of its values",
                parameter=facet.name,
            )
        chosen[facet.name] = given
    return chosen


def select(
    catalogue: Catalogue,
    chosen: Mapping[str, set[str]],
    language: str,
    among: Iterable[str] | None = None,
) -> Selection:
    """The activities that match ``chosen`` (and are in ``among``, the search's hits)."""
    allowed = set(among) if among is not None else None
    pool = [a for a in catalogue.activities if allowed is None or a.iri in allowed]

    def matches(activity: Activity, skip: str | None = None) -> bool:
        return all(
            any(catalogue.has(activity, name, value) for value in values)
            for name, values in chosen.items()
            if name != skip
        )

    results = []
    for facet in FACETS:
        if facet.source and not catalogue.several_sources:
            continue
        others = [activity for activity in pool if matches(activity, skip=facet.name)]
        selected = chosen.get(facet.name, set())
        candidates = {v for activity in others for v in activity.values[facet.name]} | selected
        if facet.name == "partner":
            candidates |= set(catalogue.groups)
        listed = []
        for value in candidates:
            count = sum(1 for activity in others if catalogue.has(activity, facet.name, value))
            if count or value in selected:
                group = facet.name == "partner" and value in catalogue.groups
                label = catalogue.label(value, language)
                listed.append(FacetValue(value, label, count, value in selected, group))
        listed.sort(key=lambda item: (not item.group, -item.count, item.label.casefold()))
        results.append(FacetResult(facet, tuple(listed)))
    found = [activity for activity in pool if matches(activity)]
    found.sort(key=lambda activity: catalogue.label(activity.iri, "nl").casefold())
    return Selection(tuple(found), tuple(results))


# -- reading the catalogue from the engine ---------------------------------------------------

_PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
_PROPERTIES = " ".join(f"<{facet.property}>" for facet in FACETS if not facet.source)
VALUES_QUERY = (
    _PROLOGUE + "SELECT ?a ?p ?v WHERE {\n  ?a a kl:Activiteit .\n"
    f"  VALUES ?p {{ {_PROPERTIES} }}\n  ?a ?p ?v .\n  FILTER(ISIRI(?v))\n}}\nORDER BY ?a ?p ?v\n"
)
LABELS_QUERY = (
    _PROLOGUE + "SELECT DISTINCT ?x ?label WHERE {\n"
    "  { ?x a kl:Activiteit } UNION { ?x a kl:Partnergroep } UNION\n"
    f"  {{ GRAPH <{PARTNERS_GRAPH}> {{ ?g dcterms:publisher ?x }} }} UNION\n"
    f"  {{ ?a a kl:Activiteit . VALUES ?p {{ {_PROPERTIES} }} ?a ?p ?x }}\n"
    "  ?x skos:prefLabel|rdfs:label ?label .\n"
    "}\nORDER BY ?x ?label\n"
)
GROUPS_QUERY = (
    _PROLOGUE + "SELECT DISTINCT ?group ?member WHERE {\n  ?group a kl:Partnergroep .\n"
    "  OPTIONAL { { ?group foaf:member ?member } UNION { ?member org:memberOf ?group } }\n"
    "}\nORDER BY ?group ?member\n"
)
SOURCES_QUERY = (
    _PROLOGUE + "SELECT DISTINCT ?a ?v WHERE {\n  ?a a kl:Activiteit .\n"
    "  GRAPH ?g { ?a a kl:Activiteit }\n"
    f"  GRAPH <{PARTNERS_GRAPH}> {{ ?g dcterms:publisher ?v }}\n  FILTER(ISIRI(?v))\n}}\n"
    "ORDER BY ?a ?v\n"
)
TEXTS_QUERY = (
    _PROLOGUE + "SELECT DISTINCT ?a ?text WHERE {\n  ?a a kl:Activiteit .\n"
    "  { ?a rdfs:label ?text } UNION { ?a kl:bron/kl:brontekst ?text }\n"
    "  UNION { ?a dcterms:description ?text }\n}\nORDER BY ?a ?text\n"
)
#: At most this many pages of one query (a guard against a runaway loop).
MAX_PAGES = 10_000


def fetch_rows(endpoint: PublicEndpoint, query: str) -> list[dict[str, Any]]:
    """All rows of an ordered SELECT, in pages of at most the result cap."""
    size = max(1, endpoint.settings.result_cap)
    rows: list[dict[str, Any]] = []
    for number in range(MAX_PAGES):
        paged = f"{query}LIMIT {size}\nOFFSET {number * size}\n"
        answer = endpoint.answer(QueryRequest(query=paged, format_params=("json",)))
        try:
            page = json.loads(answer.body)["results"]["bindings"]
        except (ValueError, KeyError, TypeError):
            raise EngineError("the engine's answer is not SPARQL JSON results") from None
        rows.extend(page)
        if len(page) < size:
            return rows
    raise EngineError(f"more than {MAX_PAGES} pages of catalogue rows")


def load_catalogue(endpoint: PublicEndpoint) -> Catalogue:
    """The catalogue as the engine holds it now."""
    values: dict[str, dict[str, set[str]]] = {}
    by_property = {facet.property: facet.name for facet in FACETS if not facet.source}
    for row in fetch_rows(endpoint, VALUES_QUERY):
        activity = values.setdefault(row["a"]["value"], {name: set() for name in FACET_NAMES})
        activity[by_property[row["p"]["value"]]].add(row["v"]["value"])
    for row in fetch_rows(endpoint, SOURCES_QUERY):
        activity = values.setdefault(row["a"]["value"], {name: set() for name in FACET_NAMES})
        activity[SOURCE].add(row["v"]["value"])
    texts: dict[str, list[str]] = {}
    for row in fetch_rows(endpoint, TEXTS_QUERY):
        texts.setdefault(row["a"]["value"], []).append(row["text"]["value"])
        values.setdefault(row["a"]["value"], {name: set() for name in FACET_NAMES})
    labels: dict[str, dict[str, str]] = {}
    for row in fetch_rows(endpoint, LABELS_QUERY):
        language = row["label"].get("xml:lang", "")
        labels.setdefault(row["x"]["value"], {}).setdefault(language, row["label"]["value"])
    groups: dict[str, set[str]] = {}
    for row in fetch_rows(endpoint, GROUPS_QUERY):
        members = groups.setdefault(row["group"]["value"], set())
        if "member" in row:
            members.add(row["member"]["value"])
    activities = tuple(
        Activity(
            iri,
            {name: frozenset(found) for name, found in facet_values.items()},
            tuple(texts.get(iri, ())),
        )
        for iri, facet_values in sorted(values.items())
    )
    frozen_groups = {group: frozenset(members) for group, members in groups.items()}
    return Catalogue(activities, labels, frozen_groups)


class CatalogueCache:
    """The catalogue, read again only when the published graphs' triple counts change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: dict[str, int] | None = None
        self._catalogue: Catalogue | None = None

    def get(self, endpoint: PublicEndpoint) -> Catalogue:
        fingerprint = endpoint.graph_counts()
        with self._lock:
            if self._catalogue is None or fingerprint != self._fingerprint:
                self._catalogue = load_catalogue(endpoint)
                self._fingerprint = fingerprint
            return self._catalogue
