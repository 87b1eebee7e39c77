"""The December report's inputs, read from a data directory (no engine needed).

The edition's activities and our interpretations come from the bundled files; the year's
progress records and the indicators come from the version store, the durable copy of
everything written through the Graph Store protocol or ``kringloop import``. The CLI and
the web page call the same :func:`report_for`, so both show the same report.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kringloop.graphs import BUNDLED
from kringloop.graphstore.writes import GraphWriter
from kringloop.localstore import load_bundled_store, run_query
from kringloop.monitoring.activities import AGENDA_EDITION, Activity, bundled_activities
from kringloop.monitoring.rdf import indicators_from_triples, progress_from_triples
from kringloop.monitoring.records import INDICATOR_GRAPH, progress_graph
from kringloop.monitoring.report import NO_STRATEGY, Report, build_report

#: The words that mark demonstration data (examples/monitoring/): the report says so.
DEMONSTRATION_MARK = "DEMONSTRATIE"

_STRATEGY_GROUPS = """
SELECT ?activiteit ?groepLabel ?geen WHERE {
  {
    ?activiteit kl:rStrategie ?strategie .
    OPTIONAL { ?strategie skos:broader ?groep }
    BIND(COALESCE(?groep, ?strategie) AS ?rij)
    ?rij skos:prefLabel ?groepLabel FILTER(LANGMATCHES(LANG(?groepLabel), "nl"))
  } UNION {
    ?interpretatie kl:betreft ?activiteit ; kl:aspect kl:rStrategie ;
                   kl:nietVanToepassing true .
    BIND(true AS ?geen)
  }
}
"""

_EDITION_LABEL = """
SELECT ?label WHERE {
  <%s> rdfs:label|dcterms:title ?label FILTER(LANGMATCHES(LANG(?label), "nl"))
} LIMIT 1
"""


@dataclass(frozen=True)
class ReportInputs:
    activities: list[Activity]
    r_groups: dict[str, tuple[str, ...]]
    edition_label: str


def bundled_inputs() -> ReportInputs:
    """The bundled edition's activities, their R-strategy groups and the edition's title."""
    store = load_bundled_store(sources=BUNDLED)
    groups: dict[str, list[str]] = {}
    for solution in _solutions(run_query(store, _STRATEGY_GROUPS)):
        activity = solution["activiteit"]
        label = NO_STRATEGY[0] if solution.get("geen") else solution.get("groepLabel", "")
        if activity and label and label not in groups.setdefault(activity, []):
            groups[activity].append(label)
    titles = _solutions(run_query(store, _EDITION_LABEL % AGENDA_EDITION))
    return ReportInputs(
        activities=bundled_activities(),
        r_groups={activity: tuple(sorted(labels)) for activity, labels in groups.items()},
        edition_label=titles[0]["label"] if titles else AGENDA_EDITION,
    )


def report_for(writer: GraphWriter, year: int, inputs: ReportInputs | None = None) -> Report:
    """The report of ``year`` from the records and indicators stored in ``writer``'s store."""
    inputs = inputs or bundled_inputs()
    progress = writer.current_triples(progress_graph(year))
    indicator_triples = writer.current_triples(INDICATOR_GRAPH)
    indicators, observations = indicators_from_triples(indicator_triples)
    demonstration = any(
        isinstance(triple.object, ox.Literal) and DEMONSTRATION_MARK in triple.object.value
        for triple in (*progress, *indicator_triples)
    )
    return build_report(
        year,
        inputs.activities,
        progress_from_triples(progress),
        inputs.r_groups,
        edition_label=inputs.edition_label,
        indicators=indicators,
        observations=observations,
        demonstration=demonstration,
    )


def _solutions(results: object) -> list[dict[str, str]]:
    assert isinstance(results, ox.QuerySolutions)
    names = [variable.value for variable in results.variables]
    found: list[dict[str, str]] = []
    for solution in results:
        row: dict[str, str] = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term.value
        found.append(row)
    return found
