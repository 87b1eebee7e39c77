"""The activities a progress sheet lists, in the agenda's order.

One SPARQL query (:func:`activities_query`) serves both sources: the bundled agenda files
(:func:`bundled_activities`, an in-memory Oxigraph store) and the engine, for a later
edition (run the query there and pass the SPARQL JSON bindings to
:func:`activities_from_bindings`). The order is the agenda's: themes by their notation
(1..10), within a theme the left table column ("zeker") before the right ("mogelijk"), and
within a column the source lines top to bottom (the order the tables print them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kringloop.graphs import AGENDA, VOCABULARIES
from kringloop.localstore import load_bundled_store, run_query
from kringloop.vocab import ID

#: The edition the bundled agenda states.
AGENDA_EDITION = str(ID["agenda/2021-2022"])

#: The table columns, left to right.
COLUMN_ORDER: tuple[str, ...] = (str(ID["kolom/zeker"]), str(ID["kolom/mogelijk"]))

#: One SPARQL JSON binding: variable -> {"type": ..., "value": ...}.
Binding = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Activity:
    """One activity as a sheet shows it (labels in Dutch)."""

    iri: str
    label: str
    theme: str
    theme_label: str
    column: str
    column_label: str
    column_notation: str = ""  # "zeker" or "mogelijk": the column's short name
    grouping_label: str = ""
    theme_notation: str = ""  # "1".."10": the theme's place in the agenda
    line: int | None = None  # the first source line (kl:regelVan), the order in its table


def activities_query(edition_iri: str = AGENDA_EDITION) -> str:
    """The SELECT that lists the activities of one edition (part of it or of its chapters)."""
    edition = ox.NamedNode(edition_iri)
    return f"""
SELECT ?activiteit ?label ?thema ?themaLabel ?themaNotatie ?kolom ?kolomLabel ?kolomNotatie
       ?groeperingLabel ?regel
WHERE {{
  ?activiteit a kl:Activiteit ;
              dcterms:isPartOf+ {edition} ;
              kl:thema ?thema ;
              kl:kolom ?kolom .
  OPTIONAL {{ ?activiteit rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "nl")) }}
  OPTIONAL {{ ?thema skos:prefLabel ?themaLabel FILTER(LANGMATCHES(LANG(?themaLabel), "nl")) }}
  OPTIONAL {{ ?thema skos:notation ?themaNotatie }}
  OPTIONAL {{ ?kolom skos:prefLabel ?kolomLabel FILTER(LANGMATCHES(LANG(?kolomLabel), "nl")) }}
  OPTIONAL {{ ?kolom skos:notation ?kolomNotatie }}
  OPTIONAL {{
    ?activiteit kl:groepering ?groepering .
    ?groepering skos:prefLabel ?groeperingLabel
    FILTER(LANGMATCHES(LANG(?groeperingLabel), "nl"))
  }}
  OPTIONAL {{ ?activiteit kl:bron/kl:regelVan ?regel }}
}}
"""


def activities_from_bindings(bindings: Iterable[Binding]) -> list[Activity]:
    """The activities of :func:`activities_query`'s SPARQL JSON bindings, in agenda order.

    An activity that occurs in several bindings (a duplicated label or notation) is kept
    once, with its first values.
    """
    found: dict[str, Activity] = {}
    for binding in bindings:
        iri = _value(binding, "activiteit")
        if not iri or iri in found:
            continue
        line = _value(binding, "regel")
        found[iri] = Activity(
            iri=iri,
            label=_value(binding, "label") or iri,
            theme=_value(binding, "thema"),
            theme_label=_value(binding, "themaLabel") or _value(binding, "thema"),
            column=_value(binding, "kolom"),
            column_label=_value(binding, "kolomLabel") or _value(binding, "kolom"),
            column_notation=_value(binding, "kolomNotatie"),
            grouping_label=_value(binding, "groeperingLabel"),
            theme_notation=_value(binding, "themaNotatie"),
            line=int(line) if line.isascii() and line.isdigit() else None,
        )
    return order_activities(found.values())


def order_activities(activities: Iterable[Activity]) -> list[Activity]:
    """``activities`` in the agenda's order (theme, column, source line, label)."""
    return sorted(activities, key=_agenda_order)


def bundled_activities(root: Path | None = None) -> list[Activity]:
    """The activities of the bundled agenda 2021-2022 (read from the files, no engine)."""
    return activities_in(load_bundled_store(root, sources=(VOCABULARIES, AGENDA)))


def activities_in(store: ox.Store, edition_iri: str = AGENDA_EDITION) -> list[Activity]:
    """The activities of edition ``edition_iri`` in ``store`` (its named graphs)."""
    results = run_query(store, activities_query(edition_iri))
    assert isinstance(results, ox.QuerySolutions)
    names = [variable.value for variable in results.variables]
    bindings: list[dict[str, dict[str, str]]] = []
    for solution in results:
        binding: dict[str, dict[str, str]] = {}
        for name in names:
            term = solution[name]
            if term is not None:
                binding[name] = {"value": term.value}
        bindings.append(binding)
    return activities_from_bindings(bindings)


def _value(binding: Binding, name: str) -> str:
    cell = binding.get(name)
    return cell["value"] if cell else ""


def _agenda_order(activity: Activity) -> tuple[int, str, int, int, str]:
    notation = activity.theme_notation
    theme_rank = int(notation) if notation.isascii() and notation.isdigit() else 1_000_000
    column_rank = (
        COLUMN_ORDER.index(activity.column)
        if activity.column in COLUMN_ORDER
        else len(COLUMN_ORDER)
    )
    line = activity.line if activity.line is not None else 1_000_000_000
    return (theme_rank, activity.theme_label, column_rank, line, activity.label)
