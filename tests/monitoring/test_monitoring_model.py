"""Monitoring model: ontology terms, shapes (both SHACL engines), records <-> RDF, demo data.

The demonstration files of ``examples/monitoring/`` conform; the invalid ones give exactly
the violations their ``# expect:`` lines name, with pyshacl and with the Rust engine. What
SHACL Core cannot check (one record per activity and year, Data Cube IC-12) is checked by
:mod:`kringloop.monitoring.rdf`, and the Data Cube integrity constraints IC-1, IC-2, IC-11
and IC-12 are run as the SPARQL queries of the Data Cube recommendation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from kringloop.monitoring.rdf import (
    DATASET,
    INDICATOR_KINDS,
    MonitoringDataError,
    indicator_triples,
    indicators_from_triples,
    observation_iri,
    progress_from_triples,
    progress_triples,
)
from kringloop.monitoring.records import (
    MERGED,
    STATUS_IRIS,
    STATUSES,
    Indicator,
    Observation,
    ProgressRecord,
)
from kringloop.paths import project_root
from kringloop.shaclfast import context_triples, to_rdflib, validate_quads
from kringloop.shaclreport import SH, SHAPES, Severity, ValidationReport
from kringloop.validation import load_shapes, validate
from kringloop.vocab import BASE, ID, KL

EXAMPLES = project_root() / "examples" / "monitoring"
DEMO_PROGRESS = EXAMPLES / "demo-voortgang-2021.ttl"
DEMO_INDICATORS = EXAMPLES / "demo-indicatoren.ttl"
INVALID = sorted(EXAMPLES.glob("invalid-*.ttl"))
MONITORING_SHAPES = project_root() / "shapes" / "monitoring.ttl"
STATUS_SCHEME = ID["begrippenkader/voortgangsstatus"]
NL_SBB = project_root().parent / "shared" / "standards" / "nl-sbb" / "skos-ap-nl.ttl"
EDITORS = f"{BASE}id/organisatie/kringloop-redactie"
ACTIVITY = f"{BASE}id/activiteit/"
_EXPECT = re.compile(r"^# expect: klsh:(\S+) (Violation) (<[^>]+>|_:)$", re.MULTILINE)
DCT_DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
PROV_GENERATED = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")

NEW_TERMS = (
    *("Voortgangsrapportage", "Voortgangsstatus", "voortgangVan", "verslagjaar"),
    *("voortgangsstatus", "samengevoegdMet", "bereikt", "verwacht", "auteur", "eenheid"),
    *("betreftActiviteit", "betreftDoel", "nulwaarde"),
    *(f"status-{ref}" for ref, _nl, _en in STATUSES),
)


def turtle_triples(path: Path) -> list[ox.Triple]:
    return [quad.triple for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


def rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    graph = Graph()
    graph.addN(
        (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), graph) for t in triples
    )
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(project_root() / "ontology" / "kringloop.ttl", format="turtle")


@pytest.fixture(scope="module")
def context() -> list[ox.Triple]:
    return context_triples()


@pytest.fixture(scope="module")
def context_graph(context: list[ox.Triple]) -> Graph:
    return rdflib_graph(context)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def violations(report: ValidationReport, focus: set[Node] | None = None) -> set[tuple[Node, Node]]:
    """(source shape, focus node) of every violation; with ``focus``, only on those nodes."""
    return {
        (result.source_shape, result.focus_node)
        for result in report.results
        if result.severity is Severity.VIOLATION and (focus is None or result.focus_node in focus)
    }


def both_engines(
    data: list[ox.Triple], context: list[ox.Triple], context_graph: Graph, shapes: Graph
) -> tuple[ValidationReport, ValidationReport]:
    """The data validated with the ontology, vocabularies and agenda: Rust engine, pyshacl."""
    fast = validate_quads(data, context=context, focus="data")
    combined = Graph()
    combined += context_graph
    combined += rdflib_graph(data)
    subjects = {to_rdflib(triple.subject) for triple in data}
    slow = validate(combined, shapes=shapes, focus_nodes=subjects)  # type: ignore[arg-type]
    return fast, slow


# --- Ontology -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NEW_TERMS)
def test_new_terms_are_declared_with_dutch_and_english_labels(ontology: Graph, name: str) -> None:
    term = KL[name]
    assert (term, RDF.type, None) in ontology
    for predicate in (RDFS.label, RDFS.comment):
        languages = {
            o.language for o in ontology.objects(term, predicate) if isinstance(o, Literal)
        }
        assert languages == {"nl", "en"}, f"kl:{name} {predicate}"


def test_status_concepts_are_the_records_statuses(ontology: Graph) -> None:
    declared = set(ontology.subjects(RDF.type, KL.Voortgangsstatus))
    assert declared == {URIRef(iri) for iri in STATUS_IRIS.values()}
    for ref, dutch, english in STATUSES:
        concept = URIRef(STATUS_IRIS[ref])
        labels = {(o.language, str(o)) for o in ontology.objects(concept, SKOS.prefLabel)}  # type: ignore[attr-defined]
        assert labels == {("nl", dutch), ("en", english)}
        assert (concept, RDF.type, SKOS.Concept) in ontology
        assert (concept, SKOS.inScheme, STATUS_SCHEME) in ontology
        assert (concept, SKOS.topConceptOf, STATUS_SCHEME) in ontology
        assert (STATUS_SCHEME, SKOS.hasTopConcept, concept) in ontology
    assert (STATUS_SCHEME, RDF.type, SKOS.ConceptScheme) in ontology


def test_status_scheme_conforms_to_nl_sbb(ontology: Graph) -> None:
    scheme = Graph()
    for subject in (STATUS_SCHEME, *ontology.subjects(RDF.type, KL.Voortgangsstatus)):
        for predicate, value in ontology.predicate_objects(subject):
            scheme.add((subject, predicate, value))
    conforms, report, text = pyshacl_validate(
        scheme, shacl_graph=Graph().parse(NL_SBB, format="turtle"), allow_warnings=True
    )
    assert isinstance(report, Graph)
    assert conforms and not set(report.objects(None, SH.result)), text


def test_indicator_structure_has_the_baseline_measure(ontology: Graph) -> None:
    measures = {
        ontology.value(component, URIRef("http://purl.org/linked-data/cube#measure"))
        for component in ontology.objects(
            KL.indicatorstructuur, URIRef("http://purl.org/linked-data/cube#component")
        )
    }
    assert {KL.nulwaarde, KL.streefwaarde, KL.meetwaarde} <= measures


# --- Records <-> RDF ----------------------------------------------------------------------

ACTIVITIES = [
    f"{ACTIVITY}{ref}" for ref in ("circulaire-inkoop", "uitwerking-motie-houtbouw", "a-b")
]
GOALS = [f"{BASE}id/doel/{ref}" for ref in ("milieudruk", "leveringszekerheid")]
texts = st.one_of(st.just(""), st.text(min_size=1).filter(lambda text: text.strip() != ""))
dates = st.one_of(st.none(), st.dates(min_value=date(1000, 1, 1)))
decimals = st.one_of(
    st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=3, max_value=10**12)
)


@st.composite
def records(draw: st.DrawFn) -> ProgressRecord:
    activity = draw(st.sampled_from(ACTIVITIES))
    status = draw(st.sampled_from(sorted(STATUS_IRIS.values())))
    merged = (
        draw(st.sampled_from([a for a in ACTIVITIES if a != activity]))
        if status == MERGED
        else None
    )
    return ProgressRecord(
        activity=activity,
        year=draw(st.integers(1000, 9999)),
        status=status,
        achieved=draw(texts),
        expected=draw(texts),
        date=draw(dates),
        author=draw(texts),
        merged_into=merged,
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=6, unique_by=lambda record: record.iri))
def test_progress_round_trip(drawn: list[ProgressRecord]) -> None:
    triples = progress_triples(drawn)
    assert progress_from_triples(triples) == sorted(drawn, key=lambda r: (r.year, r.activity))


@st.composite
def indicators_and_observations(draw: st.DrawFn) -> tuple[list[Indicator], list[Observation]]:
    reference = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8})?", fullmatch=True)
    refs = draw(st.lists(reference, min_size=1, max_size=3, unique=True))
    indicators = [
        Indicator(
            iri=f"{BASE}id/indicator/{ref}",
            label=draw(st.from_regex(r"[A-Za-z0-9]+( [A-Za-z0-9é%-]+){0,3}", fullmatch=True)),
            kind=draw(st.sampled_from(INDICATOR_KINDS)),
            unit=draw(st.sampled_from(["ton", "aantal", "%", "euro"])),
            definition=draw(texts.filter(bool)),
            activities=tuple(sorted(draw(st.sets(st.sampled_from(ACTIVITIES))))),
            goals=tuple(sorted(draw(st.sets(st.sampled_from(GOALS))))),
        )
        for ref in refs
    ]
    keys = draw(st.sets(st.tuples(st.sampled_from(refs), st.integers(2000, 2030)), max_size=5))
    observations = []
    for ref, year in sorted(keys):
        baseline, target, measured = draw(decimals), draw(decimals), draw(decimals)
        if baseline is None and target is None and measured is None:
            measured = Decimal("1.5")
        observations.append(
            Observation(
                indicator=f"{BASE}id/indicator/{ref}",
                year=year,
                baseline=baseline,
                target=target,
                measured=measured,
                source=draw(texts),
                date=draw(dates),
                author=draw(texts),
            )
        )
    return indicators, observations


@settings(max_examples=100, deadline=None)
@given(indicators_and_observations())
def test_indicator_round_trip(drawn: tuple[list[Indicator], list[Observation]]) -> None:
    indicators, observations = drawn
    triples = indicator_triples(indicators, observations)
    assert indicators_from_triples(triples) == (
        sorted(indicators, key=lambda i: i.iri),
        sorted(observations, key=lambda o: (o.indicator, o.year)),
    )


def test_written_records_carry_provenance() -> None:
    record = ProgressRecord(f"{ACTIVITY}circulaire-inkoop", 2021, STATUS_IRIS["lopend"])
    moment = datetime(2021, 12, 1, 9, 30, tzinfo=UTC)
    triples = set(progress_triples([record], generated_at=moment))
    node = ox.NamedNode(f"{BASE}id/voortgang/2021/circulaire-inkoop")
    attributed = ox.NamedNode("http://www.w3.org/ns/prov#wasAttributedTo")
    province = ox.NamedNode("https://identifier.overheid.nl/tooi/id/provincie/pv26")
    assert ox.Triple(node, attributed, province) in triples
    generated = ox.Literal("2021-12-01T09:30:00+00:00", datatype=ox.NamedNode(f"{XSD}dateTime"))
    assert ox.Triple(node, PROV_GENERATED, generated) in triples


XSD = "http://www.w3.org/2001/XMLSchema#"
RECORD = ProgressRecord(f"{ACTIVITY}circulaire-inkoop", 2021, STATUS_IRIS["lopend"])
WRITE_MISTAKES = {
    "merged-without-target": [ProgressRecord(RECORD.activity, 2021, MERGED)],
    "target-without-merge": [
        ProgressRecord(RECORD.activity, 2021, RECORD.status, merged_into=f"{ACTIVITY}x")
    ],
    "merged-into-itself": [
        ProgressRecord(RECORD.activity, 2021, MERGED, merged_into=RECORD.activity)
    ],
    "unknown-status": [ProgressRecord(RECORD.activity, 2021, str(KL["status-bezig"]))],
    "five-digit-year": [ProgressRecord(RECORD.activity, 20211, RECORD.status)],
    "two-records-one-year": [
        RECORD,
        ProgressRecord(RECORD.activity, 2021, MERGED, merged_into=f"{ACTIVITY}x"),
    ],
}


@pytest.mark.parametrize("given_records", WRITE_MISTAKES.values(), ids=WRITE_MISTAKES.keys())
def test_bad_records_are_refused_on_writing(given_records: list[ProgressRecord]) -> None:
    with pytest.raises(MonitoringDataError) as caught:
        progress_triples(given_records)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"record {RECORD.iri.rsplit('/', 2)[0]}")


def test_reading_refuses_a_record_whose_iri_is_not_its_year_and_activity() -> None:
    """Two records for one activity and year need two IRIs: one of them is not canonical."""
    triples = progress_triples([RECORD])
    moved = ox.NamedNode(f"{BASE}id/voortgang/2021/circulaire-inkoop-bis")
    copy = [ox.Triple(moved, t.predicate, t.object) for t in triples]
    with pytest.raises(MonitoringDataError) as caught:
        progress_from_triples(triples + copy)
    assert caught.value.problems == (f"record <{moved.value}>: its IRI must be {RECORD.iri}",)


def test_reading_names_every_problem_of_a_record() -> None:
    node = ox.NamedNode(RECORD.iri)
    record_class = ox.NamedNode(str(KL.Voortgangsrapportage))
    triples = [
        ox.Triple(node, ox.NamedNode(str(RDF.type)), record_class),
        ox.Triple(node, ox.NamedNode(str(KL.verslagjaar)), ox.Literal("2021")),
        ox.Triple(node, ox.NamedNode(str(KL.bereikt)), ox.Literal("zonder taal")),
    ]
    with pytest.raises(MonitoringDataError) as caught:
        progress_from_triples(triples)
    problems = caught.value.problems
    assert len(problems) == 4, problems
    assert any("voortgangVan" in p for p in problems)
    assert any("voortgangsstatus" in p for p in problems)
    assert any("verslagjaar" in p and "gYear" in p for p in problems)
    assert any("bereikt" in p and "nl-tagged" in p for p in problems)


def test_second_observation_for_an_indicator_and_year_is_refused() -> None:
    """Data Cube IC-12: written twice under different IRIs, the reader reports it."""
    indicator = Indicator(f"{BASE}id/indicator/x", "X", INDICATOR_KINDS[0], "ton", "Definitie")
    observation = Observation(indicator.iri, 2021, measured=Decimal("3"))
    triples = indicator_triples([indicator], [observation])
    first = ox.NamedNode(observation_iri(indicator.iri, 2021))
    other = ox.NamedNode(f"{DATASET}/x/2021-bis")
    copy = [ox.Triple(other, t.predicate, t.object) for t in triples if t.subject == first]
    with pytest.raises(MonitoringDataError, match="IC-12"):
        indicators_from_triples(triples + copy)
    with pytest.raises(MonitoringDataError, match="second observation"):
        indicator_triples([indicator], [observation, observation])


@pytest.mark.parametrize(
    ("observation", "problem"),
    [
        (Observation(f"{BASE}id/partner/p/indicator/x", 2021, measured=Decimal(1)), "not under"),
        (Observation(f"{BASE}id/indicator/x", 2021), "no value at all"),
        (Observation(f"{BASE}id/indicator/x", 2021, target=Decimal("NaN")), "not a number"),
    ],
    ids=["partner-indicator", "no-value", "not-a-number"],
)
def test_bad_observations_are_refused(observation: Observation, problem: str) -> None:
    with pytest.raises(MonitoringDataError, match=problem):
        indicator_triples([], [observation])


# --- Demonstration data -------------------------------------------------------------------


def test_demo_progress_uses_every_status_and_is_labelled() -> None:
    triples = turtle_triples(DEMO_PROGRESS)
    demo = progress_from_triples(triples)
    assert 8 <= len(demo) <= 10
    assert {record.status for record in demo} == set(STATUS_IRIS.values())
    assert all((record.status == MERGED) == (record.merged_into is not None) for record in demo)
    for record in demo:
        notes = [t.object for t in triples if t.subject.value == record.iri]
        assert any(
            isinstance(note, ox.Literal) and "DEMONSTRATIE" in note.value for note in notes
        ), record.iri
    # rdf.py writes exactly the demo's records; the file adds only the demo labels and times.
    written = set(progress_triples(demo, attributed_to=EDITORS))
    assert written <= set(triples)
    assert {t.predicate for t in set(triples) - written} == {DCT_DESCRIPTION, PROV_GENERATED}


def test_demo_indicators_have_both_kinds_and_are_labelled() -> None:
    triples = turtle_triples(DEMO_INDICATORS)
    indicators, observations = indicators_from_triples(triples)
    assert 3 <= len(indicators) <= 4
    assert {indicator.kind for indicator in indicators} == set(INDICATOR_KINDS)
    assert all(indicator.label.endswith("(demonstratie)") for indicator in indicators)
    assert {observation.year for observation in observations} == {2021, 2022}
    for field in ("baseline", "target", "measured"):
        assert any(getattr(observation, field) is not None for observation in observations)
    described = {t.subject for t in triples if t.predicate == DCT_DESCRIPTION}
    assert {ox.NamedNode(i.iri) for i in indicators} <= described
    assert {ox.NamedNode(observation_iri(o.indicator, o.year)) for o in observations} <= described
    written = set(indicator_triples(indicators, observations, attributed_to=EDITORS))
    assert written <= set(triples)
    assert {t.predicate for t in set(triples) - written} == {DCT_DESCRIPTION}


def test_demo_activities_exist_in_the_agenda(context: list[ox.Triple]) -> None:
    activities = {
        t.subject.value
        for t in context
        if t.predicate.value == str(RDF.type) and t.object == ox.NamedNode(str(KL.Activiteit))
    }
    demo = progress_from_triples(turtle_triples(DEMO_PROGRESS))
    named = {r.activity for r in demo} | {r.merged_into for r in demo if r.merged_into}
    assert named <= activities


@pytest.mark.parametrize("path", [DEMO_PROGRESS, DEMO_INDICATORS], ids=lambda path: path.stem)
def test_demo_files_conform_with_both_engines(
    path: Path, context: list[ox.Triple], context_graph: Graph, shapes: Graph
) -> None:
    fast, slow = both_engines(turtle_triples(path), context, context_graph, shapes)
    subjects = {to_rdflib(t.subject) for t in turtle_triples(path)}
    assert fast.results == (), fast.to_text("en")
    assert [r for r in slow.results if r.focus_node in subjects] == [], slow.to_text("en")


# --- Invalid examples: exactly the expected violations --------------------------------------


def expectations(path: Path) -> set[tuple[URIRef, str]]:
    return {
        (SHAPES[name], focus) for name, _severity, focus in _EXPECT.findall(path.read_text("utf-8"))
    }


def found(report: ValidationReport, subjects: set[Node]) -> set[tuple[URIRef, str]]:
    return {
        (shape, "_:" if isinstance(focus, BNode) else focus.n3())  # type: ignore[misc]
        for shape, focus in violations(report, subjects)
    }


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_invalid_examples_give_exactly_the_expected_violations(
    path: Path, context: list[ox.Triple], context_graph: Graph, shapes: Graph
) -> None:
    data = turtle_triples(path)
    expected = expectations(path)
    assert expected, f"{path.name} states no expectation"
    fast, slow = both_engines(data, context, context_graph, shapes)
    subjects = {to_rdflib(t.subject) for t in data}
    assert found(fast, subjects) == expected, "Rust engine"
    assert found(slow, subjects) == expected, "pyshacl"
    assert not fast.conforms and not slow.conforms


def test_every_monitoring_shape_has_an_invalid_example(shapes: Graph) -> None:
    own = Graph().parse(MONITORING_SHAPES, format="turtle")
    declared = {
        shape for kind in (SH.NodeShape, SH.PropertyShape) for shape in own.subjects(RDF.type, kind)
    }
    covered = {shape for path in INVALID for shape, _focus in expectations(path)}
    assert declared - covered == set()


def test_a_record_for_an_unknown_activity_is_reported(
    context: list[ox.Triple], context_graph: Graph, shapes: Graph
) -> None:
    unknown = f"{ACTIVITY}bestaat-niet-in-de-agenda"
    data = progress_triples([ProgressRecord(unknown, 2021, STATUS_IRIS["gestart"])])
    record = URIRef(f"{BASE}id/voortgang/2021/bestaat-niet-in-de-agenda")
    for report in both_engines(data, context, context_graph, shapes):
        assert violations(report, {record}) == {(SHAPES.VoortgangActiviteitShape, record)}


# --- RDF Data Cube integrity constraints (SPARQL, from the recommendation) ----------------

QB = "PREFIX qb: <http://purl.org/linked-data/cube#>\n"
COMPONENT = "qb:structure/qb:component/(qb:dimension|qb:componentProperty)"
INTEGRITY = {
    "IC-1": QB
    + """ASK {
        { ?obs a qb:Observation . FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . } }
        UNION
        { ?obs a qb:Observation ; qb:dataSet ?dataset1, ?dataset2 .
          FILTER (?dataset1 != ?dataset2) }
    }""",
    "IC-2": QB
    + """ASK {
        { ?dataset a qb:DataSet . FILTER NOT EXISTS { ?dataset qb:structure ?dsd . } }
        UNION
        { ?dataset a qb:DataSet ; qb:structure ?dsd1, ?dsd2 . FILTER (?dsd1 != ?dsd2) }
    }""",
    "IC-11": QB
    + f"""ASK {{
        ?obs qb:dataSet/{COMPONENT} ?dim .
        ?dim a qb:DimensionProperty .
        FILTER NOT EXISTS {{ ?obs ?dim [] }}
    }}""",
    "IC-12": QB
    + f"""ASK {{
        FILTER( ?allEqual )
        {{ SELECT (MIN(?equal) AS ?allEqual) WHERE {{
            ?obs1 qb:dataSet ?dataset .
            ?obs2 qb:dataSet ?dataset .
            FILTER (?obs1 != ?obs2)
            ?dataset {COMPONENT} ?dim .
            ?dim a qb:DimensionProperty .
            ?obs1 ?dim ?value1 .
            ?obs2 ?dim ?value2 .
            BIND( ?value1 = ?value2 AS ?equal)
        }} GROUP BY ?obs1 ?obs2 }}
    }}""",
}


def integrity_violations(extra: str = "") -> set[str]:
    store = ox.Store()
    store.load(path=str(project_root() / "ontology" / "kringloop.ttl"), format=ox.RdfFormat.TURTLE)
    store.load(path=str(DEMO_INDICATORS), format=ox.RdfFormat.TURTLE)
    if extra:
        store.update(QB + "PREFIX kl: <https://w3id.org/kringloop/def#>\n" + extra)
    return {name for name, query in INTEGRITY.items() if store.query(query)}


WAARDE = f"<{DATASET}/co2-uitstoot-inkoop/2021>"
BREAKS = {
    "IC-1": f"DELETE WHERE {{ {WAARDE} qb:dataSet ?d }}",
    "IC-2": f"INSERT DATA {{ <{DATASET}> qb:structure <urn:x:andere-structuur> }}",
    "IC-11": f"DELETE WHERE {{ {WAARDE} kl:peiljaar ?j }}",
    "IC-12": f"INSERT {{ <urn:x:dubbel> ?p ?o }} WHERE {{ {WAARDE} ?p ?o }}",
}


def test_demo_indicators_meet_the_data_cube_integrity_constraints() -> None:
    assert integrity_violations() == set()


@pytest.mark.parametrize(("constraint", "update"), BREAKS.items(), ids=BREAKS.keys())
def test_integrity_queries_find_a_broken_cube(constraint: str, update: str) -> None:
    assert constraint in integrity_violations(update)
