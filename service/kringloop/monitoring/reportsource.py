"""The December report's inputs, read from a data directory (no engine needed).

The current edition's activities and our interpretations come from the bundled files, or
from the version store once the administrator wrote a later edition; the year's
progress records and the indicators come from the version store, the durable copy of
everything written through the Graph Store protocol or ``kringloop import``. The CLI and
the web page call the same :func:`report_for`, so both show the same report.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kringloop.editions import current_edition, load_edition_content, read_editions
from kringloop.errors import NotFoundError
from kringloop.graphstore.writes import GraphWriter
from kringloop.localstore import run_query
from kringloop.monitoring.activities import Activity, activities_in
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


@dataclass(frozen=True)
class ReportInputs:
    activities: list[Activity]
    r_groups: dict[str, tuple[str, ...]]
    edition_label: str


def edition_inputs(writer: GraphWriter | None) -> ReportInputs:
    """The current edition's activities, their R-strategy groups and the edition's title.

    The bundled 2021-2022 agenda until the administrator writes a later edition (read from
    the version store, like every other input of the report).
    """
    editions = read_editions(writer)
    current = current_edition(editions)
    if current is None:
        raise NotFoundError("this data directory holds no agenda edition")
    content = load_edition_content(writer, current.ref)
    store = ox.Store()
    for name, triples in (
        ("agenda", content.agenda),
        ("interpretations", content.interpretations),
        ("concepts", content.concepts),
    ):
        graph = ox.NamedNode(f"urn:kringloop:report:{name}")
        store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    groups: dict[str, list[str]] = {}
    for solution in _solutions(run_query(store, _STRATEGY_GROUPS)):
        activity = solution["activiteit"]
        label = NO_STRATEGY[0] if solution.get("geen") else solution.get("groepLabel", "")
        if activity and label and label not in groups.setdefault(activity, []):
            groups[activity].append(label)
    return ReportInputs(
        activities=activities_in(store, current.iri),
        r_groups={activity: tuple(sorted(labels)) for activity, labels in groups.items()},
        edition_label=current.label or current.iri,
    )


def report_for(writer: GraphWriter, year: int, inputs: ReportInputs | None = None) -> Report:
    """The report of ``year`` from the records and indicators stored in ``writer``'s store."""
    inputs = inputs or edition_inputs(writer)
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
