"""Importing a filled-in progress spreadsheet: first a plan (what would change), then a commit.

:func:`plan_import` reads the sheet (:func:`~kringloop.monitoring.sheetinput.read_progress`)
and, when it has no errors, compares it with the version store: per activity a record is
added, changed (which fields, old -> new), removed (a stored record whose row has no status:
a sheet is the whole year, the export fills in what is stored) or unchanged; the indicator
values of the year likewise. Only the sheets the file holds are compared (a CSV of the
progress sheet leaves the indicator values alone). The plan carries the proposed content of
each graph that changes and the version numbers both graphs had when it was made.

:func:`commit` writes the changed graphs in one :meth:`GraphWriter.replace` (all or nothing,
as the administrator), under the graphs' locks, after checking that neither graph got a new
version since the plan was made (else 409). Triples the import does not manage (a
description, another type) stay as they were; a new or changed record gets
``prov:generatedAtTime``. :mod:`kringloop.monitoring.importstore` keeps plans between
preview and commit (the web page); :mod:`kringloop.monitoring.importplan` describes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import TypeVar

import pyoxigraph as ox

from kringloop.errors import BadRequestError
from kringloop.graphstore.writes import GraphWriter, WriteRejectedError
from kringloop.monitoring import sheetlayout as layout
from kringloop.monitoring.activities import Activity, bundled_activities
from kringloop.monitoring.importplan import (
    ADDED,
    CHANGED,
    FIRST_YEAR,
    INDICATORS,
    PROGRESS,
    REMOVED,
    Change,
    CommitResult,
    Counts,
    ImportConflictError,
    ImportPlan,
    ImportRejectedError,
    SheetErrorsError,
    check_year,
    counts,
    differences,
    record_fields,
    value_fields,
)
from kringloop.monitoring.rdf import (
    DATASET,
    indicator_triples,
    indicators_from_triples,
    observation_iri,
    progress_from_triples,
    progress_triples,
)
from kringloop.monitoring.records import (
    INDICATOR_GRAPH,
    MERGED,
    Indicator,
    Observation,
    ProgressRecord,
    progress_graph,
)
from kringloop.monitoring.sheets import (
    export_indicators_csv,
    export_progress_csv,
    export_progress_xlsx,
    read_progress,
)
from kringloop.partners.registry import ADMIN
from kringloop.vocab import BASE

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_QB_OBSERVATION = ox.NamedNode("http://purl.org/linked-data/cube#Observation")
_Item = TypeVar("_Item")


@cache
def agenda_activities() -> tuple[Activity, ...]:
    """The bundled edition's activities (read once per process)."""
    return tuple(bundled_activities())


def stored_indicators(writer: GraphWriter) -> tuple[list[Indicator], list[Observation]]:
    return indicators_from_triples(writer.current_triples(INDICATOR_GRAPH))


def export_sheet(writer: GraphWriter, year: int, kind: str, *, delimiter: str = ",") -> bytes:
    """The sheet of ``year`` filled in with what is stored: ``kind`` is ``"xlsx"``, or
    ``"csv"`` (the progress sheet) or ``"indicatoren.csv"`` (the indicator values)."""
    check_year(year)
    records = progress_from_triples(writer.current_triples(progress_graph(year)))
    indicators, values = stored_indicators(writer)
    activities = agenda_activities()
    if kind == "xlsx":
        return export_progress_xlsx(
            year, activities, records, indicators=indicators, observations=values
        )
    if kind == "csv":
        return export_progress_csv(year, activities, records, delimiter=delimiter)
    if kind == "indicatoren.csv":
        return export_indicators_csv(year, indicators, values, delimiter=delimiter)
    raise BadRequestError(f"unknown sheet kind {kind!r}: xlsx, csv or indicatoren.csv")


def plan_import(
    writer: GraphWriter,
    data: bytes,
    filename: str,
    year: int,
    activities: Sequence[Activity],
    indicators: Sequence[Indicator],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> ImportPlan:
    """Read the sheet and compare it with the stored records of ``year`` (nothing is written)."""
    check_year(year)
    graphs = (progress_graph(year), INDICATOR_GRAPH)
    base = {graph: _number(writer, graph) for graph in graphs}
    result = read_progress(data, filename, year, activities, indicators=indicators, today=today)
    plan = ImportPlan(year, filename, result.sheets, tuple(result.errors), base=base)
    if not result.ok:
        return plan
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    changes: list[Change] = []
    proposed: dict[str, tuple[ox.Triple, ...]] = {}
    progress = values = Counts()
    if layout.progress_sheet_name(year) in result.sheets:
        progress, found, content = _plan_progress(writer, year, result.records, activities, moment)
        changes += found
        if found:
            proposed[graphs[0]] = content
    if layout.indicator_sheet_name(year) in result.sheets:
        values, found, content = _plan_values(writer, year, result.observations, indicators)
        changes += found
        if found:
            proposed[graphs[1]] = content
    return ImportPlan(
        year,
        filename,
        result.sheets,
        (),
        tuple(changes),
        progress,
        values,
        result.skipped,
        result.skipped_observations,
        base,
        proposed,
    )


def commit(writer: GraphWriter, plan: ImportPlan) -> CommitResult:
    """Write the plan's graphs at once, unless a graph changed since the plan (409)."""
    if not plan.ok:
        raise SheetErrorsError(plan.errors)
    with ExitStack() as locks:
        for graph in sorted(plan.base):
            locks.enter_context(writer.versions.lock(graph))
        moved = [graph for graph, number in plan.base.items() if _number(writer, graph) != number]
        if moved:
            raise ImportConflictError(
                "de gegevens zijn gewijzigd sinds dit voorstel is gemaakt ("
                + ", ".join(f"<{graph}> nu versie {_number(writer, graph)}" for graph in moved)
                + "); lees het blad opnieuw in",
                graphs=moved,
            )
        if plan.graphs:
            try:
                writer.replace(
                    {graph: list(triples) for graph, triples in plan.graphs.items()},
                    owner=ADMIN,
                    action="import",
                )
            except WriteRejectedError as error:
                raise ImportRejectedError(error.report) from None
        versions = {graph: _number(writer, graph) for graph in plan.base}
    return CommitResult(versions, tuple(sorted(plan.graphs)))


# --- comparing ------------------------------------------------------------------------------


def _plan_progress(
    writer: GraphWriter,
    year: int,
    records: Sequence[ProgressRecord],
    activities: Sequence[Activity],
    moment: datetime,
) -> tuple[Counts, list[Change], tuple[ox.Triple, ...]]:
    stored_triples = writer.current_triples(progress_graph(year))
    stored = {r.activity: r for r in progress_from_triples(stored_triples) if r.year == year}
    sheet = {record.activity: record for record in records}
    labels = {activity.iri: activity.label for activity in activities}
    compared, unchanged = _compared(
        stored,
        sheet,
        [activity.iri for activity in activities],
        labels,
        PROGRESS,
        lambda record: record_fields(record, labels),
    )
    replaced: dict[str, list[ox.Triple]] = {}
    removed: set[str] = set()
    for _change, old, new in compared:
        if new is None:
            assert old is not None
            removed.add(old.iri)
        else:
            replaced[new.iri] = progress_triples([new], generated_at=moment)
    content = _proposed(stored_triples, replaced, removed, _record_predicates())
    changes = [change for change, _old, _new in compared]
    return counts(changes, unchanged), changes, content


def _plan_values(
    writer: GraphWriter,
    year: int,
    observations: Sequence[Observation],
    indicators: Sequence[Indicator],
) -> tuple[Counts, list[Change], tuple[ox.Triple, ...]]:
    stored_triples = writer.current_triples(INDICATOR_GRAPH)
    subjects = _observation_subjects(stored_triples, year)
    _, all_values = indicators_from_triples(stored_triples)
    stored = {o.indicator: o for o in all_values if o.year == year}
    sheet = {observation.indicator: observation for observation in observations}
    labels = {indicator.iri: indicator.label for indicator in indicators}
    compared, unchanged = _compared(
        stored, sheet, [i.iri for i in indicators], labels, INDICATORS, value_fields
    )
    replaced: dict[str, list[ox.Triple]] = {}
    removed: set[str] = set()
    for change, old, new in compared:
        key = change.subject
        if old is not None:
            removed.add(subjects.get(key, observation_iri(key, year)))
        if new is not None:
            node = ox.NamedNode(observation_iri(key, year))
            triples = [t for t in indicator_triples([], [new]) if t.subject == node]
            replaced[node.value] = triples
            removed.discard(node.value)
    if replaced and not any(t.subject == ox.NamedNode(DATASET) for t in stored_triples):
        replaced[DATASET] = indicator_triples([], [])  # the dataset the values belong to
    content = _proposed(stored_triples, replaced, removed, _value_predicates())
    changes = [change for change, _old, _new in compared]
    return counts(changes, unchanged), changes, content


def _compared(
    stored: Mapping[str, _Item],
    sheet: Mapping[str, _Item],
    order: Sequence[str],
    labels: Mapping[str, str],
    part: str,
    fields_of: Callable[[_Item | None], dict[str, str]],
) -> tuple[list[tuple[Change, _Item | None, _Item | None]], int]:
    """Each change (in ``order``, unknown keys last) with its stored and its sheet item,
    and how many keys are unchanged."""
    rank = {key: number for number, key in enumerate(order)}
    compared: list[tuple[Change, _Item | None, _Item | None]] = []
    unchanged = 0
    for key in sorted(stored.keys() | sheet.keys(), key=lambda k: (rank.get(k, len(rank)), k)):
        old, new = stored.get(key), sheet.get(key)
        fields = differences(fields_of(old), fields_of(new))
        if not fields:
            unchanged += 1
            continue
        kind = ADDED if old is None else REMOVED if new is None else CHANGED
        compared.append((Change(kind, part, key, labels.get(key, key), fields), old, new))
    return compared, unchanged


def _observation_subjects(triples: Sequence[ox.Triple], year: int) -> dict[str, str]:
    """Indicator IRI -> the IRI of its stored observation of ``year`` (whatever it is)."""
    grouped: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode):
            grouped.setdefault(triple.subject.value, []).append(triple)
    found = {}
    for subject, own in grouped.items():
        if ox.Triple(ox.NamedNode(subject), _RDF_TYPE, _QB_OBSERVATION) in own:
            for observation in indicators_from_triples(own)[1]:
                if observation.year == year:
                    found[observation.indicator] = subject
    return found


def _proposed(
    stored: Sequence[ox.Triple],
    replaced: Mapping[str, Sequence[ox.Triple]],
    removed: set[str],
    managed: frozenset[ox.NamedNode],
) -> tuple[ox.Triple, ...]:
    """``stored`` without removed subjects and the managed fields of replaced ones, plus new."""
    kept = []
    for triple in stored:
        subject = triple.subject.value if isinstance(triple.subject, ox.NamedNode) else None
        if subject in removed or (subject in replaced and triple.predicate in managed):
            continue
        kept.append(triple)
    for triples in replaced.values():
        kept.extend(triples)
    return tuple(dict.fromkeys(kept))


def _number(writer: GraphWriter, graph: str) -> int | None:
    version = writer.versions.current(graph)
    return None if version is None else version.number


@cache
def _record_predicates() -> frozenset[ox.NamedNode]:
    """The predicates an import writes for a record (its types it only adds)."""
    sample = ProgressRecord(
        activity=f"{BASE}id/activiteit/a",
        year=FIRST_YEAR,
        status=MERGED,
        achieved="a",
        expected="b",
        date=date(FIRST_YEAR, 1, 1),
        author="c",
        merged_into=f"{BASE}id/activiteit/b",
    )
    moment = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    triples = progress_triples([sample], generated_at=moment)
    return frozenset(triple.predicate for triple in triples) - {_RDF_TYPE}


@cache
def _value_predicates() -> frozenset[ox.NamedNode]:
    """The predicates an import writes for an observation (its types it only adds)."""
    one = Decimal(1)
    sample = Observation(
        f"{BASE}id/indicator/a", FIRST_YEAR, one, one, one, "s", date(FIRST_YEAR, 1, 1), "c"
    )
    node = ox.NamedNode(observation_iri(sample.indicator, sample.year))
    triples = indicator_triples([], [sample])
    return frozenset(t.predicate for t in triples if t.subject == node) - {_RDF_TYPE}
