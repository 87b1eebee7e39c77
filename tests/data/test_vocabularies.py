"""The SKOS concept schemes in data/vocabularies: NL-SBB, the R-ladder, SDG alignments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS, XSD
from rdflib.term import Node

from kringloop.graphs import AGENDA
from kringloop.paths import project_root
from kringloop.vocab import BASE, CEON_CVN, ID, KL, SDG

#: The official shapes and vocabularies beside the checkout (never copied into it).
STANDARDS = project_root().parent / "shared" / "standards"
VOCABULARY_FOLDER = project_root() / "data" / "vocabularies"
VOCABULARY_FILES = sorted(VOCABULARY_FOLDER.glob("*.ttl"))
NL_SBB = STANDARDS / "nl-sbb" / "skos-ap-nl.ttl"
SDG_KOS = STANDARDS / "vocab" / "un-sdg-kos-goals-targets-indicators.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")
PROVINCE_UTRECHT = URIRef("https://identifier.overheid.nl/tooi/id/provincie/pv26")
AGENDA_EDITION = ID["agenda/2021-2022"]
MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.broadMatch, SKOS.narrowMatch)

R_STRATEGY = Namespace(f"{ID}r-strategie/")
R_GROUP = Namespace(f"{ID}r-strategiegroep/")
PBL_GROUP_OF_RUNG = {
    **dict.fromkeys(range(3), R_GROUP["slimmer-productgebruik"]),
    **dict.fromkeys(range(3, 8), R_GROUP["levensduurverlenging"]),
    **dict.fromkeys(range(8, 10), R_GROUP["nuttige-toepassing-materialen"]),
}
BIOBASED = R_STRATEGY["biobased-grondstoffen"]


@dataclass(frozen=True)
class Result:
    severity: str
    focus: Node
    path: Node | None
    message: str
    shape: Node | None

    def __str__(self) -> str:
        path = self.path.n3() if isinstance(self.path, URIRef) else "-"
        return f"{self.severity} {self.focus.n3()} {path}: {self.message}"


def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    assert VOCABULARY_FILES, f"no concept schemes in {VOCABULARY_FOLDER}"
    union = Graph()
    for path in VOCABULARY_FILES:
        union += parse(path)
    return union


@pytest.fixture(scope="module")
def sdg_kos() -> Graph:
    return parse(SDG_KOS)


def sdg_targets(graph: Graph) -> set[URIRef]:
    return {
        value
        for predicate in MATCHES
        for value in graph.objects(None, predicate)
        if isinstance(value, URIRef) and value.startswith(str(SDG))
    }


@pytest.fixture(scope="module")
def nl_sbb_results(vocabularies: Graph, sdg_kos: Graph) -> list[Result]:
    """NL-SBB over all schemes together, plus the SDG concepts they map to.

    NL-SBB's ``sh:class skos:Concept`` on mappings needs the SDG concepts typed in the data
    graph; only their type and labels are added (the whole KOS would make NL-SBB validate
    hundreds of UN concepts).
    """
    data = Graph()
    data += vocabularies
    for target in sdg_targets(vocabularies):
        for predicate in (RDF.type, SKOS.prefLabel):
            for value in sdg_kos.objects(target, predicate):
                data.add((target, predicate, value))
    _, report, _ = validate(data, shacl_graph=parse(NL_SBB), allow_warnings=True)
    return [
        Result(
            severity=str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
            focus=report.value(node, SH.focusNode),
            path=report.value(node, SH.resultPath),
            message=str(report.value(node, SH.resultMessage)),
            shape=report.value(node, SH.sourceShape),
        )
        for node in report.subjects(RDF.type, SH.ValidationResult)
    ]


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda path: path.stem)
def test_nl_sbb_no_violations(path: Path, nl_sbb_results: list[Result]) -> None:
    """Zero ``sh:Violation`` results on the file's own resources (severity, not ``conforms``)."""
    subjects = set(parse(path).subjects())
    violations = [
        result
        for result in nl_sbb_results
        if result.severity == "Violation" and result.focus in subjects
    ]
    assert not violations, "\n".join(map(str, violations))


def test_nl_sbb_findings_outside_our_files_are_only_the_sdg_concepts(
    nl_sbb_results: list[Result], vocabularies: Graph
) -> None:
    """The UN KOS has no skos:definition; those results are the UN's, nothing else may be."""
    ours = set(vocabularies.subjects())
    outside = {
        result.focus
        for result in nl_sbb_results
        if result.severity == "Violation" and result.focus not in ours
    }
    assert outside <= sdg_targets(vocabularies), sorted(map(str, outside))


def test_nl_sbb_reports_a_concept_without_definition() -> None:
    """The validation above would see a broken concept: NL-SBB makes it a Violation."""
    broken = Graph().parse(
        data="""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        <https://w3id.org/kringloop/id/begrippenkader/x> a skos:ConceptScheme ;
            dcterms:title "X"@nl ; skos:hasTopConcept <https://w3id.org/kringloop/id/x/a> .
        <https://w3id.org/kringloop/id/x/a> a skos:Concept ; skos:prefLabel "A"@nl ;
            skos:inScheme <https://w3id.org/kringloop/id/begrippenkader/x> ;
            skos:topConceptOf <https://w3id.org/kringloop/id/begrippenkader/x> .
        """,
        format="turtle",
    )
    _, report, _ = validate(broken, shacl_graph=parse(NL_SBB), allow_warnings=True)
    violations = [
        node
        for node in report.subjects(SH.resultSeverity, SH.Violation)
        if report.value(node, SH.resultPath) == SKOS.definition
    ]
    assert len(violations) == 1


# --- The pattern every scheme follows (docs/model.md, "Concept schemes (NL-SBB)") ----------


def languages(graph: Graph, subject: Node, predicate: URIRef) -> list[str]:
    return sorted(
        value.language or ""
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal)
    )


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda path: path.stem)
def test_scheme_pattern(path: Path, vocabularies: Graph) -> None:
    graph = parse(path)
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes, f"{path.name}: no skos:ConceptScheme"
    problems: list[str] = []
    for scheme in sorted(schemes):
        name = scheme.n3()
        if not str(scheme).startswith(f"{ID}begrippenkader/"):
            problems.append(f"{name}: not at {{base}}id/begrippenkader/")
        for predicate in (SKOS.prefLabel, DCTERMS.title):
            if languages(graph, scheme, predicate) != ["en", "nl"]:
                problems.append(f"{name}: wants one {predicate.n3()} in nl and one in en")
        if not {"nl", "en"} <= set(languages(graph, scheme, DCTERMS.description)):
            problems.append(f"{name}: wants dcterms:description in nl and en")
        if graph.value(scheme, DCTERMS.publisher) != PROVINCE_UTRECHT:
            problems.append(f"{name}: dcterms:publisher is not pv26")
        tops = set(vocabularies.objects(scheme, SKOS.hasTopConcept))
        if not tops:
            problems.append(f"{name}: no skos:hasTopConcept")
        if tops != set(vocabularies.subjects(SKOS.topConceptOf, scheme)):
            problems.append(f"{name}: skos:hasTopConcept and skos:topConceptOf disagree")
        untyped = tops - set(vocabularies.subjects(RDF.type, SKOS.Concept))
        if untyped:
            problems.append(f"{name}: top concepts not typed skos:Concept: {sorted(untyped)}")
    for concept in sorted(graph.subjects(RDF.type, SKOS.Concept)):
        if not set(graph.objects(concept, SKOS.inScheme)) & schemes:
            problems.append(f"{concept.n3()}: not skos:inScheme a scheme of {path.name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda path: path.stem)
def test_every_concept_is_labelled_defined_and_typed(path: Path) -> None:
    graph = parse(path)
    problems: list[str] = []
    for concept in sorted(graph.subjects(RDF.type, SKOS.Concept)):
        name = concept.n3()
        if languages(graph, concept, SKOS.prefLabel) != ["en", "nl"]:
            problems.append(f"{name}: wants one skos:prefLabel in nl and one in en")
        if "nl" not in languages(graph, concept, SKOS.definition):
            problems.append(f"{name}: no skos:definition in nl")
        if not any(str(kind).startswith(str(KL)) for kind in graph.objects(concept, RDF.type)):
            problems.append(f"{name}: not typed with its kl: class")
        if not str(concept).startswith(f"{BASE}id/"):
            problems.append(f"{name}: not a Kringloop URI")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda path: path.stem)
def test_source_references_quote_the_source(path: Path, source_lines: list[str]) -> None:
    """A concept's kl:bron quotes its lines of the source text verbatim."""
    graph = parse(path)
    for reference in graph.subjects(RDF.type, KL.Bronverwijzing):
        first = int(graph.value(reference, KL.regelVan))
        last = int(graph.value(reference, KL.regelTot))
        assert 1 <= first <= last <= len(source_lines), reference
        expected = "\n".join(source_lines[first - 1 : last])
        assert str(graph.value(reference, KL.brontekst)) == expected, reference
        assert graph.value(reference, KL.document) == AGENDA_EDITION


def test_cited_agenda_edition_is_the_agenda_graphs_edition(
    vocabularies: Graph, bundled: Dataset
) -> None:
    """The schemes cite the edition that the agenda graph describes, under the same title."""
    cited = set(vocabularies.objects(None, DCTERMS.source)) | set(
        vocabularies.objects(None, KL.document)
    )
    assert AGENDA_EDITION in cited
    agenda = bundled.graph(AGENDA.iri)
    assert (AGENDA_EDITION, RDF.type, KL.Agendaeditie) in agenda
    assert set(vocabularies.objects(AGENDA_EDITION, DCTERMS.title)) <= set(
        agenda.objects(AGENDA_EDITION, DCTERMS.title)
    )


# --- R-ladder -----------------------------------------------------------------------------


def test_r_ladder_has_the_ten_pbl_rungs_and_biobased(vocabularies: Graph) -> None:
    strategies = set(vocabularies.subjects(RDF.type, KL.RStrategie))
    assert strategies == {R_STRATEGY[f"r{rank}"] for rank in range(10)} | {BIOBASED}
    for rank in range(10):
        rung = R_STRATEGY[f"r{rank}"]
        assert str(vocabularies.value(rung, SKOS.notation)) == f"R{rank}"
        assert vocabularies.value(rung, KL.rang) == Literal(rank, datatype=XSD.nonNegativeInteger)
        assert set(vocabularies.objects(rung, SKOS.broader)) == {PBL_GROUP_OF_RUNG[rank]}, rung
        assert (PBL_GROUP_OF_RUNG[rank], SKOS.narrower, rung) in vocabularies


def test_r_ladder_groups_are_the_three_pbl_groups_at_the_top(vocabularies: Graph) -> None:
    groups = set(vocabularies.subjects(RDF.type, KL.RStrategieGroep))
    assert groups == set(PBL_GROUP_OF_RUNG.values())
    scheme = ID["begrippenkader/r-ladder"]
    assert set(vocabularies.objects(scheme, SKOS.hasTopConcept)) == groups | {BIOBASED}


def test_biobased_is_the_provinces_own_addition(vocabularies: Graph) -> None:
    assert vocabularies.value(BIOBASED, SKOS.broader) is None
    assert vocabularies.value(BIOBASED, KL.rang) is None
    assert vocabularies.value(BIOBASED, KL.bron) is not None
    assert "nl" in languages(vocabularies, BIOBASED, SKOS.editorialNote)


def test_every_r_strategy_is_a_ceon_circular_strategy(vocabularies: Graph) -> None:
    strategies = set(vocabularies.subjects(RDF.type, KL.RStrategie))
    assert strategies
    not_ceon = strategies - set(vocabularies.subjects(RDF.type, CEON_CVN.CircularStrategy))
    assert not not_ceon, sorted(not_ceon)


# --- SDG alignments ------------------------------------------------------------------------


def test_sdg_alignment_targets_exist_in_the_un_kos(vocabularies: Graph, sdg_kos: Graph) -> None:
    targets = sdg_targets(vocabularies)
    assert targets, "the goals are aligned with the SDGs"
    unknown = {target for target in targets if (target, RDF.type, SKOS.Concept) not in sdg_kos}
    assert not unknown, sorted(unknown)


def test_every_sdg_alignment_is_explained(vocabularies: Graph) -> None:
    aligned = {
        concept
        for predicate in MATCHES
        for concept, value in vocabularies.subject_objects(predicate)
        if isinstance(value, URIRef) and value.startswith(str(SDG))
    }
    unexplained = [
        concept
        for concept in aligned
        if not any("SDG" in str(note) for note in vocabularies.objects(concept, SKOS.editorialNote))
    ]
    assert not unexplained, sorted(unexplained)


def test_goals_are_the_three_of_the_source(vocabularies: Graph) -> None:
    goals = set(vocabularies.subjects(RDF.type, KL.Doel))
    assert goals == {
        ID["doel/leveringszekerheid"],
        ID["doel/milieudruk"],
        ID["doel/toekomstbestendige-economie"],
    }
