"""The curated interpretations: one record per activity and aspect, kept apart from the agenda.

``data/interpretations-2021-2022.ttl`` is the named graph ``interpretaties-2021-2022``
(docs/model.md, "An interpretation"). The agenda never states an R-strategy, role, goal or
life-cycle phase per activity, so every such triple must live in this graph, beside the
``kl:Interpretatie`` record that explains it, and a query must be able to leave it out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import QuerySolutions, Store
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kringloop.graphs import AGENDA, BUNDLED, INTERPRETATIONS, VOCABULARIES
from kringloop.localstore import load_bundled_store, run_query
from kringloop.vocab import ID, KL, ORG, PROVINCE_UTRECHT

EDITORS = ID["organisatie/kringloop-redactie"]

#: aspect property -> (URI segment, concept class, concept scheme)
ASPECTS: dict[URIRef, tuple[str, URIRef, URIRef]] = {
    KL.rStrategie: ("r-strategie", KL.RStrategie, ID["begrippenkader/r-ladder"]),
    KL.rol: ("rol", KL.ProvincialeRol, ID["begrippenkader/provinciale-rol"]),
    KL.doel: ("doel", KL.Doel, ID["begrippenkader/doel"]),
    KL.levenscyclusfase: (
        "levenscyclusfase",
        KL.Levenscyclusfase,
        ID["begrippenkader/levenscyclusfase"],
    ),
}

# Pinned outcomes: a lost, doubled or silently changed interpretation shows here. Change
# these numbers only together with a reviewed change of the decisions themselves.
EXPECTED_NONE_APPLIES = {"r-strategie": 126, "rol": 0, "doel": 86, "levenscyclusfase": 85}
EXPECTED_VALUES: dict[str, dict[str, int]] = {
    "r-strategie": {
        "r0": 1, "r1": 2, "r2": 1, "r3": 3, "r4": 1, "r7": 1, "r8": 1,
        "biobased-grondstoffen": 4,
    },
    "rol": {
        "initiator": 64, "netwerkpartner": 44, "kennisdeler": 26, "eigenaar": 12,
        "opdrachtgever": 11, "regelgever": 11, "financier": 6, "belangenbehartiger": 2,
    },
    "doel": {"milieudruk": 30, "toekomstbestendige-economie": 13, "leveringszekerheid": 11},
    "levenscyclusfase": {"gebruik": 21, "winning": 15, "verwerking": 15, "afval": 9},
}  # fmt: skip
ACTIVITY_COUNT = 139


# --- fixtures and helpers -------------------------------------------------------------


@pytest.fixture(scope="module")
def interpretations(bundled: Dataset) -> Graph:
    graph = bundled.graph(INTERPRETATIONS.iri)
    assert len(graph) > 0, "the interpretations graph is empty"
    return graph


@pytest.fixture(scope="module")
def agenda(bundled: Dataset) -> Graph:
    return bundled.graph(AGENDA.iri)


@pytest.fixture(scope="module")
def vocabularies(bundled: Dataset) -> Graph:
    return bundled.graph(VOCABULARIES.iri)


@pytest.fixture(scope="module")
def activities(agenda: Graph) -> list[URIRef]:
    found = sorted(a for a in agenda.subjects(RDF.type, KL.Activiteit) if isinstance(a, URIRef))
    assert len(found) == ACTIVITY_COUNT
    return found


@pytest.fixture(scope="module")
def records(interpretations: Graph) -> list[URIRef]:
    found = list(interpretations.subjects(RDF.type, KL.Interpretatie))
    assert all(isinstance(record, URIRef) for record in found)
    return sorted(record for record in found if isinstance(record, URIRef))


def reference(activity: URIRef) -> str:
    prefix = str(ID["activiteit/"])
    assert str(activity).startswith(prefix), activity
    return str(activity)[len(prefix) :]


def one(graph: Graph, subject: URIRef, predicate: URIRef) -> object:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, f"{subject} has {len(values)} values for {predicate}"
    return values[0]


def local_name(concept: object) -> str:
    assert isinstance(concept, URIRef)
    return str(concept).rsplit("/", 1)[1]


# --- one record per activity and aspect -------------------------------------------------


def test_every_activity_has_exactly_one_record_per_aspect(
    interpretations: Graph, activities: list[URIRef], records: list[URIRef]
) -> None:
    seen = Counter(
        (one(interpretations, record, KL.betreft), one(interpretations, record, KL.aspect))
        for record in records
    )
    expected = {(activity, aspect) for activity in activities for aspect in ASPECTS}
    assert set(seen) == expected
    assert [key for key, times in seen.items() if times > 1] == []
    assert len(records) == len(ASPECTS) * ACTIVITY_COUNT


def test_record_uri_is_the_activity_reference_and_the_aspect(
    interpretations: Graph, records: list[URIRef]
) -> None:
    for record in records:
        activity = one(interpretations, record, KL.betreft)
        aspect = one(interpretations, record, KL.aspect)
        assert isinstance(activity, URIRef) and isinstance(aspect, URIRef)
        segment = ASPECTS[aspect][0]
        assert record == ID[f"interpretatie/{reference(activity)}-{segment}"]
        assert (record, RDF.type, PROV.Entity) in interpretations, record


# --- values, "none applies", and the direct triples -----------------------------------


def test_value_and_not_applicable_are_exclusive_and_one_is_given(
    interpretations: Graph, records: list[URIRef]
) -> None:
    for record in records:
        values = list(interpretations.objects(record, KL.waarde))
        flags = list(interpretations.objects(record, KL.nietVanToepassing))
        if flags:
            assert flags == [Literal(True)], record
            assert values == [], f"{record} has values and 'none applies'"
        else:
            assert values, f"{record} has neither a value nor 'none applies'"


def test_every_value_is_a_concept_of_the_aspects_scheme(
    interpretations: Graph, vocabularies: Graph, records: list[URIRef]
) -> None:
    for record in records:
        aspect = one(interpretations, record, KL.aspect)
        assert isinstance(aspect, URIRef)
        _segment, concept_class, scheme = ASPECTS[aspect]
        for value in interpretations.objects(record, KL.waarde):
            assert (value, RDF.type, concept_class) in vocabularies, (record, value)
            assert (value, RDF.type, SKOS.Concept) in vocabularies, (record, value)
            assert (value, SKOS.inScheme, scheme) in vocabularies, (record, value)


def test_direct_triples_equal_the_record_values(
    interpretations: Graph, activities: list[URIRef]
) -> None:
    for activity in activities:
        for aspect, (segment, _cls, _scheme) in ASPECTS.items():
            record = ID[f"interpretatie/{reference(activity)}-{segment}"]
            recorded = set(interpretations.objects(record, KL.waarde))
            direct = set(interpretations.objects(activity, aspect))
            assert direct == recorded, (activity, aspect)


def test_every_direct_triple_is_about_an_activity_with_its_record(
    interpretations: Graph, agenda: Graph
) -> None:
    for aspect, (segment, _cls, _scheme) in ASPECTS.items():
        subjects = set(interpretations.subjects(aspect, None))
        assert subjects, aspect
        for subject in subjects:
            assert isinstance(subject, URIRef)
            assert (subject, RDF.type, KL.Activiteit) in agenda, subject
            record = ID[f"interpretatie/{reference(subject)}-{segment}"]
            assert (record, KL.aspect, aspect) in interpretations, (subject, aspect)


# --- reasons and provenance ------------------------------------------------------------


def test_every_record_explains_itself_in_one_line_of_dutch_and_english(
    interpretations: Graph, records: list[URIRef]
) -> None:
    for record in records:
        reasons = list(interpretations.objects(record, KL.toelichting))
        languages = sorted(r.language or "" for r in reasons if isinstance(r, Literal))
        assert languages == ["en", "nl"], record
        for reason in reasons:
            text = str(reason)
            assert text and text == text.strip() and "\n" not in text, record
        assert len({str(reason) for reason in reasons}) == 2, f"{record}: nl equals en"


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).casefold()


def test_quoted_words_in_a_reason_come_from_the_activity_text(
    interpretations: Graph, agenda: Graph, records: list[URIRef]
) -> None:
    """A reason cites the activity's own words; what it puts in quotes must be there."""
    quoting = 0
    for record in records:
        activity = one(interpretations, record, KL.betreft)
        assert isinstance(activity, URIRef)
        label = fold(str(one(agenda, activity, RDFS.label)))
        dutch = [r for r in interpretations.objects(record, KL.toelichting) if r.language == "nl"]  # type: ignore[attr-defined]
        quotes = re.findall(r"'([^']+)'", str(dutch[0]))
        quoting += bool(quotes)
        for quote in quotes:
            for part in (p.strip(" .,") for p in quote.split("...")):
                assert not part or fold(part) in label, (record, part)
    assert quoting > len(records) * 3 // 4, "most reasons should quote the activity"


def test_every_record_has_provenance(
    interpretations: Graph, agenda: Graph, records: list[URIRef]
) -> None:
    for record in records:
        assert list(interpretations.objects(record, PROV.wasAttributedTo)) == [EDITORS], record
        when = one(interpretations, record, PROV.generatedAtTime)
        assert isinstance(when, Literal) and when.datatype == XSD.dateTime, record
        assert when.value.tzinfo is not None, f"{record}: time without time zone"
        activity = one(interpretations, record, KL.betreft)
        assert isinstance(activity, URIRef)
        derived = one(interpretations, record, PROV.wasDerivedFrom)
        assert isinstance(derived, URIRef)
        assert derived == one(agenda, activity, KL.bron), record
        assert (derived, RDF.type, KL.Bronverwijzing) in agenda, record


def test_the_editors_are_defined_and_are_not_the_province(
    bundled: Dataset, interpretations: Graph
) -> None:
    for cls in (ORG.Organization, PROV.Agent):
        assert (EDITORS, RDF.type, cls) in interpretations
    labels = {(str(x), x.language) for x in interpretations.objects(EDITORS, RDFS.label)}  # type: ignore[attr-defined]
    assert labels == {("Redactie Kringloop", "nl"), ("Kringloop editors", "en")}
    assert EDITORS != PROVINCE_UTRECHT
    comment = [c for c in interpretations.objects(EDITORS, RDFS.comment) if c.language == "en"]  # type: ignore[attr-defined]
    assert comment and "not the Province of Utrecht" in str(comment[0])
    # every curator named anywhere in the bundle is this one, defined here
    curators = {o for _s, _p, o, _g in bundled.quads((None, PROV.wasAttributedTo, None, None))}
    assert curators == {EDITORS}


def test_the_graph_describes_itself_as_interpretations(interpretations: Graph) -> None:
    graph_iri = INTERPRETATIONS.iri
    titles = {(str(t), t.language) for t in interpretations.objects(graph_iri, DCTERMS.title)}  # type: ignore[attr-defined]
    assert titles == {(INTERPRETATIONS.title_nl, "nl"), (INTERPRETATIONS.title_en, "en")}
    descriptions = {
        d.language: str(d)  # type: ignore[attr-defined]
        for d in interpretations.objects(graph_iri, DCTERMS.description)
    }
    assert set(descriptions) == {"nl", "en"}
    assert "geen uitspraken van de agenda" in descriptions["nl"]
    assert "not statements of the agenda" in descriptions["en"]
    assert (graph_iri, PROV.wasAttributedTo, EDITORS) in interpretations


# --- kept apart from the document ------------------------------------------------------


def test_no_other_graph_states_an_interpretation(bundled: Dataset) -> None:
    for source in BUNDLED:
        if source is INTERPRETATIONS:
            continue
        graph = bundled.graph(source.iri)
        for aspect in ASPECTS:
            assert not list(graph.triples((None, aspect, None))), (source.iri, aspect)
        assert not list(graph.subjects(RDF.type, KL.Interpretatie)), source.iri
        assert not list(graph.triples((None, KL.waarde, None))), source.iri


def test_the_agenda_file_itself_says_nothing_about_the_four_aspects(root: Path) -> None:
    agenda_file = Graph().parse(root / "data" / "agenda-2021-2022.ttl", format="turtle")
    assert len(agenda_file) > 1000
    for aspect in ASPECTS:
        assert not list(agenda_file.triples((None, aspect, None))), aspect


@pytest.fixture(scope="module")
def store() -> Store:
    """The bundled graphs in Oxigraph, the engine behind the public endpoint."""
    return load_bundled_store()


def count(store: Store, where: str) -> int:
    results = run_query(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    assert isinstance(results, QuerySolutions)
    value = next(iter(results))["n"]
    assert isinstance(value, OxLiteral)
    return int(value.value)


@pytest.mark.parametrize("aspect", list(ASPECTS), ids=lambda a: str(a).rsplit("#", 1)[1])
def test_a_query_can_leave_the_interpretations_out(store: Store, aspect: URIRef) -> None:
    pattern = f"?activity <{aspect}> ?concept"
    expected = sum(EXPECTED_VALUES[ASPECTS[aspect][0]].values())
    assert count(store, f"GRAPH <{AGENDA.iri}> {{ {pattern} }}") == 0
    assert count(store, f"GRAPH <{INTERPRETATIONS.iri}> {{ {pattern} }}") == expected
    assert count(store, pattern) == expected  # the default graph is the union
    others = f"GRAPH ?g {{ {pattern} }} FILTER (?g != <{INTERPRETATIONS.iri}>)"
    assert count(store, others) == 0


def test_without_the_interpretations_graph_the_agenda_is_whole_and_uninterpreted() -> None:
    store = load_bundled_store(sources=tuple(s for s in BUNDLED if s is not INTERPRETATIONS))
    assert count(store, "?activity a kl:Activiteit") == ACTIVITY_COUNT
    assert count(store, "?record a kl:Interpretatie") == 0
    for aspect in ASPECTS:
        assert count(store, f"?activity <{aspect}> ?concept") == 0, aspect


# --- pinned outcomes -------------------------------------------------------------------


@pytest.mark.parametrize("aspect", list(ASPECTS), ids=lambda a: str(a).rsplit("#", 1)[1])
def test_counts_per_aspect_are_pinned(
    interpretations: Graph, records: list[URIRef], aspect: URIRef
) -> None:
    segment = ASPECTS[aspect][0]
    mine = [r for r in records if (r, KL.aspect, aspect) in interpretations]
    none_applies = [r for r in mine if (r, KL.nietVanToepassing, Literal(True)) in interpretations]
    values = Counter(local_name(v) for r in mine for v in interpretations.objects(r, KL.waarde))
    assert len(mine) == ACTIVITY_COUNT
    assert len(none_applies) == EXPECTED_NONE_APPLIES[segment]
    assert dict(values) == EXPECTED_VALUES[segment]


def test_the_file_lists_activities_in_source_order(
    root: Path, agenda: Graph, activities: list[URIRef]
) -> None:
    text = (root / "data" / "interpretations-2021-2022.ttl").read_text(encoding="utf-8")

    def first_line(activity: URIRef) -> int:
        source = one(agenda, activity, KL.bron)
        assert isinstance(source, URIRef)
        return int(one(agenda, source, KL.regelVan).toPython())  # type: ignore[attr-defined]

    in_source_order = sorted(activities, key=first_line)
    positions = [text.index(f"interpretatie:{reference(a)}-r-strategie ") for a in in_source_order]
    assert positions == sorted(positions)
    for activity in activities:
        label = str(one(agenda, activity, RDFS.label))
        assert f"# {label} (regel" in text, f"no comment line for {activity}"
