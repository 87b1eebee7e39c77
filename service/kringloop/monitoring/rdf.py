"""Progress records and indicator values as RDF, and back (docs/model.md, "Monitoring").

The write path (:meth:`kringloop.graphstore.writes.GraphWriter.replace`) takes pyoxigraph
triples, so these functions make and read :class:`pyoxigraph.Triple`. Reading back what was
written gives equal records (``progress_from_triples(progress_triples(r)) == sorted(r)``):
records come back ordered by year and activity, indicators by IRI, observations by indicator
and year, and an indicator's activities and goals as sorted tuples without repeats. Empty
or blank texts are left out, so they come back as ``""``.

What SHACL Core cannot check is checked here when reading: a record's IRI must be
:func:`~kringloop.monitoring.records.progress_iri` of its year and activity (so there is one
record per activity and year), and there is one observation per indicator and year (RDF Data
Cube IC-12). A problem raises :class:`MonitoringDataError` naming every offending node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import pyoxigraph as ox

from kringloop.errors import ValidationFailedError
from kringloop.monitoring.fields import FieldReader, by_subject, typed
from kringloop.monitoring.records import (
    MERGED,
    STATUS_IRIS,
    Indicator,
    Observation,
    ProgressRecord,
    progress_iri,
)
from kringloop.vocab import BASE, KL, PROVINCE_UTRECHT

__all__ = [
    "DATASET",
    "INDICATOR_KINDS",
    "MonitoringDataError",
    "indicator_triples",
    "indicators_from_triples",
    "observation_iri",
    "progress_from_triples",
    "progress_triples",
]

#: The RDF Data Cube dataset that holds every indicator value.
DATASET = f"{BASE}id/dataset/indicatorwaarden"
#: The two kinds an indicator may have.
INDICATOR_KINDS = (str(KL["prestatie-indicator"]), str(KL["effectindicator"]))
_INDICATOR_PREFIX = f"{BASE}id/indicator/"

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_SKOS_DEFINITION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition")
_DCT_DATE = ox.NamedNode("http://purl.org/dc/terms/date")
_DCT_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
_DCT_PUBLISHER = ox.NamedNode("http://purl.org/dc/terms/publisher")
_PROV_ENTITY = ox.NamedNode("http://www.w3.org/ns/prov#Entity")
_PROV_ATTRIBUTED = ox.NamedNode("http://www.w3.org/ns/prov#wasAttributedTo")
_PROV_GENERATED = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
_QB = "http://purl.org/linked-data/cube#"
_QB_OBSERVATION = ox.NamedNode(f"{_QB}Observation")
_QB_DATASET_CLASS = ox.NamedNode(f"{_QB}DataSet")
_QB_DATASET = ox.NamedNode(f"{_QB}dataSet")
_QB_STRUCTURE = ox.NamedNode(f"{_QB}structure")
_GYEAR = ox.NamedNode(f"{_XSD}gYear")
_DATE = ox.NamedNode(f"{_XSD}date")
_DATETIME = ox.NamedNode(f"{_XSD}dateTime")
_DECIMAL = ox.NamedNode(f"{_XSD}decimal")


def _kl(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(KL[name]))


_RECORD_CLASS = _kl("Voortgangsrapportage")
_ACTIVITY = _kl("voortgangVan")
_YEAR = _kl("verslagjaar")
_STATUS = _kl("voortgangsstatus")
_MERGED_INTO = _kl("samengevoegdMet")
_ACHIEVED = _kl("bereikt")
_EXPECTED = _kl("verwacht")
_AUTHOR = _kl("auteur")
_INDICATOR_CLASS = _kl("Indicator")
_KIND = _kl("indicatorsoort")
_UNIT = _kl("eenheid")
_FOR_ACTIVITY = _kl("betreftActiviteit")
_FOR_GOAL = _kl("betreftDoel")
_DIM_INDICATOR = _kl("indicator")
_DIM_YEAR = _kl("peiljaar")
#: The Data Cube measures: the :class:`Observation` field and its property.
_MEASURES = (
    ("baseline", _kl("nulwaarde")),
    ("target", _kl("streefwaarde")),
    ("measured", _kl("meetwaarde")),
)


class MonitoringDataError(ValidationFailedError):
    """Records or indicator values that cannot be written or read; ``problems`` lists each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems), problems=list(problems))
        self.problems = tuple(problems)


def observation_iri(indicator_iri: str, year: int) -> str:
    """``{base}id/dataset/indicatorwaarden/{indicator reference}/{year}``."""
    if not indicator_iri.startswith(_INDICATOR_PREFIX) or "/" in indicator_iri.removeprefix(
        _INDICATOR_PREFIX
    ):
        raise MonitoringDataError([f"indicator {indicator_iri}: not under {_INDICATOR_PREFIX}"])
    return f"{DATASET}/{indicator_iri.removeprefix(_INDICATOR_PREFIX)}/{_year_text(year)}"


# --- writing ------------------------------------------------------------------------------


def progress_triples(
    records: Iterable[ProgressRecord],
    *,
    attributed_to: str = str(PROVINCE_UTRECHT),
    generated_at: datetime | None = None,
) -> list[ox.Triple]:
    """The triples of ``records`` (for the graph ``progress_graph(year)``).

    Each record is attributed to ``attributed_to`` (the province) and, when given, carries
    ``generated_at`` as ``prov:generatedAtTime``.
    """
    triples: list[ox.Triple] = []
    problems: list[str] = []
    seen: set[str] = set()
    for record in records:
        found = _record_problems(record)
        if record.iri in seen:
            found.append("a second record for the same activity and year")
        seen.add(record.iri)
        if found:
            problems.extend(f"record {record.iri}: {problem}" for problem in found)
            continue
        node = ox.NamedNode(record.iri)
        triples += [
            ox.Triple(node, _RDF_TYPE, _RECORD_CLASS),
            ox.Triple(node, _RDF_TYPE, _PROV_ENTITY),
            ox.Triple(node, _ACTIVITY, ox.NamedNode(record.activity)),
            ox.Triple(node, _YEAR, ox.Literal(_year_text(record.year), datatype=_GYEAR)),
            ox.Triple(node, _STATUS, ox.NamedNode(record.status)),
            ox.Triple(node, _PROV_ATTRIBUTED, ox.NamedNode(attributed_to)),
        ]
        if record.merged_into is not None:
            triples.append(ox.Triple(node, _MERGED_INTO, ox.NamedNode(record.merged_into)))
        for predicate, text in ((_ACHIEVED, record.achieved), (_EXPECTED, record.expected)):
            if text.strip():
                triples.append(ox.Triple(node, predicate, ox.Literal(text, language="nl")))
        triples += _provenance(node, record.date, record.author)
        if generated_at is not None:
            triples.append(ox.Triple(node, _PROV_GENERATED, _datetime_literal(generated_at)))
    if problems:
        raise MonitoringDataError(problems)
    return triples


def _record_problems(record: ProgressRecord) -> list[str]:
    problems = []
    if record.status not in STATUS_IRIS.values():
        problems.append(f"unknown status {record.status}")
    if record.status == MERGED and record.merged_into is None:
        problems.append("status samengevoegd needs the activity it was merged into")
    if record.status != MERGED and record.merged_into is not None:
        problems.append("merged_into is only for the status samengevoegd")
    if record.merged_into is not None and record.merged_into == record.activity:
        problems.append("an activity cannot be merged into itself")
    if not 1000 <= record.year <= 9999:
        problems.append(f"year {record.year} is not a four-digit year")
    return problems


def indicator_triples(
    indicators: Iterable[Indicator],
    observations: Iterable[Observation],
    *,
    attributed_to: str = str(PROVINCE_UTRECHT),
) -> list[ox.Triple]:
    """The triples of ``indicators`` and their ``observations`` (for ``INDICATOR_GRAPH``),
    with the dataset ``DATASET`` that the observations belong to."""
    dataset = ox.NamedNode(DATASET)
    province = ox.NamedNode(attributed_to)
    triples = [
        ox.Triple(dataset, _RDF_TYPE, _QB_DATASET_CLASS),
        ox.Triple(dataset, _RDFS_LABEL, ox.Literal("Indicatorwaarden", language="nl")),
        ox.Triple(dataset, _RDFS_LABEL, ox.Literal("Indicator values", language="en")),
        ox.Triple(dataset, _QB_STRUCTURE, _kl("indicatorstructuur")),
        ox.Triple(dataset, _DCT_PUBLISHER, province),
    ]
    problems: list[str] = []
    for indicator in indicators:
        node = ox.NamedNode(indicator.iri)
        found = _indicator_problems(indicator)
        if found:
            problems.extend(f"indicator {indicator.iri}: {problem}" for problem in found)
            continue
        triples += [
            ox.Triple(node, _RDF_TYPE, _INDICATOR_CLASS),
            ox.Triple(node, _RDF_TYPE, _PROV_ENTITY),
            ox.Triple(node, _RDFS_LABEL, ox.Literal(indicator.label, language="nl")),
            ox.Triple(node, _KIND, ox.NamedNode(indicator.kind)),
            ox.Triple(node, _UNIT, ox.Literal(indicator.unit)),
            ox.Triple(node, _SKOS_DEFINITION, ox.Literal(indicator.definition, language="nl")),
            ox.Triple(node, _PROV_ATTRIBUTED, province),
        ]
        triples += [ox.Triple(node, _FOR_ACTIVITY, ox.NamedNode(a)) for a in indicator.activities]
        triples += [ox.Triple(node, _FOR_GOAL, ox.NamedNode(goal)) for goal in indicator.goals]
    seen: set[tuple[str, int]] = set()
    for observation in observations:
        key = (observation.indicator, observation.year)
        try:
            node = ox.NamedNode(observation_iri(*key))
        except MonitoringDataError as error:
            problems.extend(error.problems)
            continue
        measures = [(p, getattr(observation, name)) for name, p in _MEASURES]
        found = [] if any(v is not None for _, v in measures) else ["no value at all"]
        if key in seen:
            found.append("a second observation for the same indicator and year")
        seen.add(key)
        decimals = []
        for predicate, value in measures:
            if value is not None:
                try:
                    decimals.append(ox.Triple(node, predicate, _decimal_literal(value)))
                except ValueError as error:
                    found.append(str(error))
        if found:
            problems.extend(f"observation {node.value}: {problem}" for problem in found)
            continue
        triples += [
            ox.Triple(node, _RDF_TYPE, _QB_OBSERVATION),
            ox.Triple(node, _QB_DATASET, dataset),
            ox.Triple(node, _DIM_INDICATOR, ox.NamedNode(observation.indicator)),
            ox.Triple(node, _DIM_YEAR, ox.Literal(_year_text(observation.year), datatype=_GYEAR)),
            ox.Triple(node, _PROV_ATTRIBUTED, province),
            *decimals,
        ]
        if observation.source.strip():
            triples.append(ox.Triple(node, _DCT_SOURCE, ox.Literal(observation.source)))
        triples += _provenance(node, observation.date, observation.author)
    if problems:
        raise MonitoringDataError(problems)
    return triples


def _indicator_problems(indicator: Indicator) -> list[str]:
    problems = []
    if indicator.kind not in INDICATOR_KINDS:
        problems.append(f"unknown kind {indicator.kind}")
    for name in ("label", "unit", "definition"):
        if not getattr(indicator, name).strip():
            problems.append(f"{name} is empty")
    if indicator.label != " ".join(indicator.label.split()):
        problems.append("the label has stray white space or a line break")
    return problems


def _provenance(node: ox.NamedNode, when: date | None, author: str) -> list[ox.Triple]:
    triples = []
    if when is not None:
        triples.append(ox.Triple(node, _DCT_DATE, ox.Literal(when.isoformat(), datatype=_DATE)))
    if author.strip():
        triples.append(ox.Triple(node, _AUTHOR, ox.Literal(author)))
    return triples


def _year_text(year: int) -> str:
    if not 1000 <= year <= 9999:
        raise MonitoringDataError([f"year {year} is not a four-digit year"])
    return str(year)


def _decimal_literal(value: Decimal) -> ox.Literal:
    if not value.is_finite():
        raise ValueError(f"{value} is not a number")
    return ox.Literal(format(value, "f"), datatype=_DECIMAL)


def _datetime_literal(moment: datetime) -> ox.Literal:
    return ox.Literal(moment.isoformat(), datatype=_DATETIME)


# --- reading ------------------------------------------------------------------------------


def progress_from_triples(triples: Iterable[ox.Triple]) -> list[ProgressRecord]:
    """The progress records (subjects typed ``kl:Voortgangsrapportage``) in ``triples``."""
    records: list[ProgressRecord] = []
    problems: list[str] = []
    for subject, fields in typed(by_subject(triples), _RECORD_CLASS):
        reader = FieldReader(subject, fields)
        activity = reader.iri(_ACTIVITY, required=True)
        status = reader.iri(_STATUS, required=True)
        record = ProgressRecord(
            activity=activity or "",
            year=reader.year(_YEAR),
            status=status or "",
            achieved=reader.text(_ACHIEVED, tagged=True),
            expected=reader.text(_EXPECTED, tagged=True),
            date=reader.date(_DCT_DATE),
            author=reader.text(_AUTHOR),
            merged_into=reader.iri(_MERGED_INTO),
        )
        found = reader.problems
        if not found:
            found = _record_problems(record)
        if not found and subject != ox.NamedNode(record.iri):
            found = [f"its IRI must be {progress_iri(record.year, record.activity)}"]
        problems.extend(f"record {subject}: {problem}" for problem in found)
        records.append(record)
    if problems:
        raise MonitoringDataError(problems)
    return sorted(records, key=lambda record: (record.year, record.activity))


def indicators_from_triples(
    triples: Iterable[ox.Triple],
) -> tuple[list[Indicator], list[Observation]]:
    """The indicators (``kl:Indicator``) and observations (``qb:Observation``) in ``triples``."""
    subjects = by_subject(triples)
    problems: list[str] = []
    indicators: list[Indicator] = []
    for subject, fields in typed(subjects, _INDICATOR_CLASS):
        reader = FieldReader(subject, fields)
        if not isinstance(subject, ox.NamedNode):
            reader.problems.append("an indicator needs an IRI")
        indicator = Indicator(
            iri=subject.value,
            label=reader.text(_RDFS_LABEL, tagged=True),
            kind=reader.iri(_KIND, required=True) or "",
            unit=reader.text(_UNIT),
            definition=reader.text(_SKOS_DEFINITION, tagged=True),
            activities=reader.iris(_FOR_ACTIVITY),
            goals=reader.iris(_FOR_GOAL),
        )
        found = reader.problems or _indicator_problems(indicator)
        problems.extend(f"indicator {subject}: {problem}" for problem in found)
        indicators.append(indicator)
    observations: dict[tuple[str, int], Observation] = {}
    for subject, fields in typed(subjects, _QB_OBSERVATION):
        reader = FieldReader(subject, fields)
        values = {name: reader.decimal(predicate) for name, predicate in _MEASURES}
        observation = Observation(
            indicator=reader.iri(_DIM_INDICATOR, required=True) or "",
            year=reader.year(_DIM_YEAR),
            source=reader.source(),
            date=reader.date(_DCT_DATE),
            author=reader.text(_AUTHOR),
            baseline=values["baseline"],
            target=values["target"],
            measured=values["measured"],
        )
        found = reader.problems
        if not found and all(value is None for value in values.values()):
            found = ["no value at all"]
        key = (observation.indicator, observation.year)
        if not found and key in observations:
            found = [f"a second observation for {key[0]} in {key[1]} (Data Cube IC-12)"]
        problems.extend(f"observation {subject}: {problem}" for problem in found)
        observations[key] = observation
    if problems:
        raise MonitoringDataError(problems)
    return (
        sorted(indicators, key=lambda indicator: indicator.iri),
        sorted(observations.values(), key=lambda o: (o.indicator, o.year)),
    )
