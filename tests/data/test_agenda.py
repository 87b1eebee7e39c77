"""The agenda graph against its source text: every activity exactly once, verbatim.

The source is ``shared/seed/uitvoeringsagenda-circulaire-samenleving-2021-2022.txt``;
line numbers below are 1-based, as in ``kl:regelVan`` / ``kl:regelTot``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kringloop.graphs import AGENDA, VOCABULARIES
from kringloop.sourcetext import join_wrapped_lines, slugify
from kringloop.vocab import BASE, ID, KL, ORG, PROVINCE_UTRECHT

AGENDA_EDITION = ID["agenda/2021-2022"]
TASK_TEAM = ID["opgaveteam/utrecht-2050-circulaire-topregio"]

# --- The chapter-3 tables in the source -----------------------------------------------
#
# Each region runs from the first line after a table's column header to the last line
# before the next theme heading (or the end of chapter 3's tables). Themes 5 and 6 share
# one scrambled page, so they share one region.
TABLE_REGIONS: dict[tuple[int, int], frozenset[str]] = {
    (172, 194): frozenset({"ruimtelijke-ordening"}),
    (200, 218): frozenset({"landelijk-gebied"}),
    (224, 287): frozenset({"bodem-water-milieu"}),
    (293, 308): frozenset({"energietransitie"}),
    (314, 417): frozenset({"bereikbaarheid-algemeen", "bereikbaarheid-ov"}),
    (423, 438): frozenset({"cultuur-en-erfgoed"}),
    (445, 473): frozenset({"economie"}),
    (479, 521): frozenset({"bestuur"}),
    (528, 542): frozenset({"overhead"}),
}

# Non-blank lines inside the regions that are not activity text, with their exact text.
NON_ACTIVITY_LINES: dict[int, str] = {
    # grouping labels (sub-headings)
    242: "Klimaatadaptatie en -verandering",
    269: "Water en Bodem",
    287: "Milieu",
    322: "Fiets",
    337: "Vaar(wegen)",
    350: "Goederenvervoer",
    352: "Slimme mobiliteit (Smart Mobility)",
    358: "OV",
    360: "Vaar(wegen)",
    382: "Goederenvervoer",
    387: "OV",
    403: "Slimme mobiliteit (Smart Mobility)",
    512: "Concernopgave Circulaire Samenleving",
    # a theme heading drawn in the middle of the shared page of themes 5 and 6
    324: "6. Bereikbaarheid II - OV",
    # stray tokens
    438: "8",
    514: "Vaar(wegen)",
}

# Pinned counts: a lost or doubled activity shows here.
EXPECTED_COUNTS: dict[tuple[str, str], int] = {
    ("ruimtelijke-ordening", "zeker"): 5,
    ("ruimtelijke-ordening", "mogelijk"): 8,
    ("landelijk-gebied", "zeker"): 9,
    ("landelijk-gebied", "mogelijk"): 1,
    ("bodem-water-milieu", "zeker"): 20,
    ("bodem-water-milieu", "mogelijk"): 6,
    ("energietransitie", "zeker"): 4,
    ("energietransitie", "mogelijk"): 2,
    ("bereikbaarheid-algemeen", "zeker"): 17,
    ("bereikbaarheid-algemeen", "mogelijk"): 23,
    ("bereikbaarheid-ov", "zeker"): 1,
    ("bereikbaarheid-ov", "mogelijk"): 1,
    ("cultuur-en-erfgoed", "zeker"): 7,
    ("cultuur-en-erfgoed", "mogelijk"): 1,
    ("economie", "zeker"): 8,
    ("economie", "mogelijk"): 3,
    ("bestuur", "zeker"): 11,
    ("bestuur", "mogelijk"): 2,
    ("overhead", "zeker"): 1,
    ("overhead", "mogelijk"): 9,
}

EXPECTED_GROUPING_COUNTS: dict[str, int] = {
    "klimaatadaptatie-en-verandering": 8,
    "water-en-bodem": 12,
    "milieu": 6,
    "fiets": 3,
    "vaarwegen": 11,
    "goederenvervoer": 11,
    "slimme-mobiliteit": 15,
    "ov": 2,
    "concernopgave-circulaire-samenleving": 5,
}

MINTED_IRI = re.compile(
    r"^https://w3id\.org/kringloop/(id/[a-z-]+/[a-z0-9]+(-[a-z0-9]+)*|def(#\w+)?)$"
)


# --- fixtures and helpers -------------------------------------------------------------


@pytest.fixture(scope="module")
def agenda(bundled: Dataset) -> Graph:
    graph = bundled.graph(AGENDA.iri)
    assert len(graph) > 0, "the agenda graph is empty"
    return graph


@pytest.fixture(scope="module")
def vocabularies(bundled: Dataset) -> Graph:
    return bundled.graph(VOCABULARIES.iri)


@pytest.fixture(scope="module")
def activities(agenda: Graph) -> list[URIRef]:
    found = list(agenda.subjects(RDF.type, KL.Activiteit))
    assert all(isinstance(activity, URIRef) for activity in found)
    return sorted(activity for activity in found if isinstance(activity, URIRef))


def local(iri: object, type_segment: str) -> str:
    """The reference of ``iri`` under ``{base}id/{type_segment}/``."""
    prefix = f"{BASE}id/{type_segment}/"
    assert isinstance(iri, URIRef) and str(iri).startswith(prefix), iri
    return str(iri)[len(prefix) :]


def one(graph: Graph, subject: URIRef, predicate: URIRef) -> object:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, f"{subject} has {len(values)} values for {predicate}"
    return values[0]


def line_range(agenda: Graph, subject: URIRef) -> tuple[int, int]:
    source_ref = one(agenda, subject, KL.bron)
    assert isinstance(source_ref, URIRef)
    first = one(agenda, source_ref, KL.regelVan)
    last = one(agenda, source_ref, KL.regelTot)
    assert isinstance(first, Literal) and isinstance(last, Literal)
    return int(first.toPython()), int(last.toPython())


def region_of(first: int, last: int) -> tuple[int, int] | None:
    for start, end in TABLE_REGIONS:
        if start <= first and last <= end:
            return (start, end)
    return None


def region_lines() -> Iterator[int]:
    for start, end in TABLE_REGIONS:
        yield from range(start, end + 1)


# --- the source is what this test assumes ---------------------------------------------


def test_the_non_activity_lines_are_what_the_test_says(source_lines: list[str]) -> None:
    for number, text in NON_ACTIVITY_LINES.items():
        assert source_lines[number - 1].strip() == text, number
        assert region_of(number, number) is not None, number


def test_every_region_follows_a_column_header(source_lines: list[str]) -> None:
    for start, _end in TABLE_REGIONS:
        header = source_lines[start - 5 : start - 1]
        assert any(line.startswith("Zekere activiteiten") for line in header), start


# --- every activity exactly once --------------------------------------------------------


def test_every_table_line_is_covered_by_exactly_one_activity(
    agenda: Graph, activities: list[URIRef], source_lines: list[str]
) -> None:
    coverage: Counter[int] = Counter()
    for activity in activities:
        first, last = line_range(agenda, activity)
        coverage.update(range(first, last + 1))
    expected = {
        number
        for number in region_lines()
        if source_lines[number - 1].strip() and number not in NON_ACTIVITY_LINES
    }
    uncovered = sorted(expected - set(coverage))
    doubled = sorted(number for number, times in coverage.items() if times > 1)
    outside = sorted(set(coverage) - expected)
    assert not uncovered, f"table lines in no activity: {uncovered}"
    assert not doubled, f"table lines in more than one activity: {doubled}"
    assert not outside, f"activity lines outside the table text: {outside}"


def test_every_activity_lies_inside_one_table_of_its_theme(
    agenda: Graph, activities: list[URIRef]
) -> None:
    for activity in activities:
        first, last = line_range(agenda, activity)
        assert first <= last, activity
        region = region_of(first, last)
        assert region is not None, f"{activity} ({first}-{last}) is outside the tables"
        theme = local(one(agenda, activity, KL.thema), "thema")
        assert theme in TABLE_REGIONS[region], (activity, theme, region)
        source_ref = one(agenda, activity, KL.bron)
        assert isinstance(source_ref, URIRef)
        assert one(agenda, source_ref, KL.hoofdstuk) == ID["hoofdstuk/3"]
        assert one(agenda, source_ref, KL.document) == AGENDA_EDITION


def test_counts_per_theme_and_column_are_pinned(agenda: Graph, activities: list[URIRef]) -> None:
    counts = Counter(
        (
            local(one(agenda, activity, KL.thema), "thema"),
            local(one(agenda, activity, KL.kolom), "kolom"),
        )
        for activity in activities
    )
    assert dict(counts) == EXPECTED_COUNTS
    assert len(activities) == sum(EXPECTED_COUNTS.values()) == 139


def test_counts_per_grouping_are_pinned(agenda: Graph, activities: list[URIRef]) -> None:
    counts = Counter(
        local(grouping, "groepering")
        for activity in activities
        for grouping in agenda.objects(activity, KL.groepering)
    )
    assert dict(counts) == EXPECTED_GROUPING_COUNTS


# --- labels and source text -------------------------------------------------------------


def test_brontekst_is_the_source_lines_verbatim(agenda: Graph, source_lines: list[str]) -> None:
    references = list(agenda.subjects(RDF.type, KL.Bronverwijzing))
    assert len(references) > 139
    for reference in references:
        assert isinstance(reference, URIRef)
        first = int(one(agenda, reference, KL.regelVan).toPython())  # type: ignore[attr-defined]
        last = int(one(agenda, reference, KL.regelTot).toPython())  # type: ignore[attr-defined]
        assert 1 <= first <= last <= len(source_lines), reference
        text = one(agenda, reference, KL.brontekst)
        assert str(text) == "\n".join(source_lines[first - 1 : last]), reference
        assert one(agenda, reference, KL.document) == AGENDA_EDITION


def test_activity_labels_are_rederived_from_their_lines(
    agenda: Graph, activities: list[URIRef], source_lines: list[str]
) -> None:
    for activity in activities:
        first, last = line_range(agenda, activity)
        label = one(agenda, activity, RDFS.label)
        assert isinstance(label, Literal) and label.language == "nl", activity
        assert str(label) == join_wrapped_lines(source_lines[first - 1 : last]), activity


def test_labels_are_unique_within_a_theme(agenda: Graph, activities: list[URIRef]) -> None:
    seen = Counter(
        (one(agenda, activity, KL.thema), str(one(agenda, activity, RDFS.label)))
        for activity in activities
    )
    assert [key for key, times in seen.items() if times > 1] == []


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["toe-", "komstige generaties"], "toekomstige generaties"),
        (["Voorkomen erfafspoeling (gewasbeschermins-", "middelen) "], None),
        (["Circulariteit opnemen in omgevingsvisie en ", "-verordening"], None),
        (["op het gebied van circulaire economie/", "samenleving binnen"], None),
        (["Noord-", "Holland"], "Noord-Holland"),
        (["Kennisontwikkeling – en deling over ", "circulair"], None),
        (["zowel links en -", "rechts"], "zowel links en - rechts"),
        (["  Het circulaire restaurant  "], "Het circulaire restaurant"),
    ],
)
def test_join_wrapped_lines_tricky_cases(lines: list[str], expected: str | None) -> None:
    derived = {
        "Voorkomen erfafspoeling (gewasbeschermins-": (
            "Voorkomen erfafspoeling (gewasbescherminsmiddelen)"
        ),
        "Circulariteit opnemen in omgevingsvisie en ": (
            "Circulariteit opnemen in omgevingsvisie en -verordening"
        ),
        "op het gebied van circulaire economie/": (
            "op het gebied van circulaire economie/samenleving binnen"
        ),
        "Kennisontwikkeling – en deling over ": "Kennisontwikkeling – en deling over circulair",
    }
    assert join_wrapped_lines(lines) == (expected or derived[lines[0]])


@pytest.mark.parametrize("lines", [[], ["Een regel", "   "], [""]])
def test_join_wrapped_lines_rejects_a_wrongly_cut_item(lines: list[str]) -> None:
    with pytest.raises(ValueError, match="line"):
        join_wrapped_lines(lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pilot MaaS Leidsche Rijn", "pilot-maas-leidsche-rijn"),
        (
            "Verkenning mogelijkheden Circulaire biënnale",
            "verkenning-mogelijkheden-circulaire-biennale",
        ),
        ("Implementatie iVRI’s op N201 en N204", "implementatie-ivris-op-n201-en-n204"),
        (
            "Ontwikkelen van een instrument voor het meten van het transformatief potentieel",
            "ontwikkelen-van-een-instrument-voor-het-meten",
        ),
        ("Plan opstellen circulaire bedrijfsvoering & coördineren aanpak", None),
    ],
)
def test_slugify(text: str, expected: str | None) -> None:
    slug = slugify(text)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= 60
    if expected is not None:
        assert slug == expected


# --- shape of every activity ------------------------------------------------------------


def test_every_activity_has_one_theme_one_column_at_most_one_grouping(
    agenda: Graph, vocabularies: Graph, activities: list[URIRef]
) -> None:
    for activity in activities:
        theme = one(agenda, activity, KL.thema)
        one(agenda, activity, KL.kolom)
        groupings = list(agenda.objects(activity, KL.groepering))
        assert len(groupings) <= 1, activity
        for grouping in groupings:
            # a grouping sits under the activity's own theme in the vocabulary
            assert (grouping, SKOS.broader, theme) in vocabularies, (activity, grouping)
        assert one(agenda, activity, DCTERMS.isPartOf) == AGENDA_EDITION


def test_themes_columns_and_groupings_used_exist_in_the_vocabularies(
    agenda: Graph, vocabularies: Graph, activities: list[URIRef]
) -> None:
    for predicate, cls in (
        (KL.thema, KL.Thema),
        (KL.kolom, KL.Kolom),
        (KL.groepering, KL.Groepering),
    ):
        for concept in {o for a in activities for o in agenda.objects(a, predicate)}:
            assert (concept, RDF.type, cls) in vocabularies, concept
            assert (concept, RDF.type, SKOS.Concept) in vocabularies, concept


def test_no_activity_is_a_blank_node(agenda: Graph) -> None:
    for predicate in (KL.thema, KL.kolom, KL.bron, KL.partner):
        assert not any(isinstance(s, BNode) for s in agenda.subjects(predicate, None))
    assert not any(isinstance(s, BNode) for s in agenda.subjects(RDF.type, KL.Activiteit))


def test_every_iri_minted_under_the_base_follows_the_uri_strategy(
    bundled: Dataset, agenda: Graph, root: Path
) -> None:
    # this curator's files: the agenda graph and the two vocabularies it uses
    graphs = [agenda] + [
        Graph().parse(root / "data" / "vocabularies" / name, format="turtle")
        for name in ("themes.ttl", "columns.ttl")
    ]
    graph_iris = {graph.identifier for graph in bundled.graphs()}
    terms = {term for graph in graphs for triple in graph for term in triple} | graph_iris
    minted = sorted(str(t) for t in terms if isinstance(t, URIRef) and str(t).startswith(BASE))
    assert minted
    assert [iri for iri in minted if not MINTED_IRI.match(iri)] == []


def test_activity_and_its_notes_and_source_share_the_reference(
    agenda: Graph, activities: list[URIRef]
) -> None:
    for activity in activities:
        reference = local(activity, "activiteit")
        assert one(agenda, activity, KL.bron) == ID[f"bron/{reference}"]
        for note in agenda.objects(activity, KL.leesnotitie):
            aspect = one(agenda, note, KL.aspect)
            assert aspect in (KL.kolom, KL.groepering, KL.thema), note
            name = str(aspect).rsplit("#", 1)[1]
            assert note == ID[f"leesnotitie/{reference}-{name}"]


# --- reading notes, partners ------------------------------------------------------------


def test_every_reading_note_explains_itself_in_dutch_and_english(agenda: Graph) -> None:
    notes = list(agenda.subjects(RDF.type, KL.Leesnotitie))
    assert notes
    for note in notes:
        languages = Counter(
            value.language
            for value in agenda.objects(note, KL.toelichting)
            if isinstance(value, Literal)
        )
        assert languages == Counter({"nl": 1, "en": 1}), note
        assert len(list(agenda.subjects(KL.leesnotitie, note))) == 1, note


def test_every_partner_has_a_label(agenda: Graph) -> None:
    partners = set(agenda.objects(None, KL.partner))
    assert len(partners) >= 10
    for partner in partners:
        assert isinstance(partner, URIRef), partner
        labels = [v for v in agenda.objects(partner, RDFS.label) if isinstance(v, Literal)]
        assert any(label.language == "nl" for label in labels), partner
        assert any(v.language == "nl" for v in agenda.objects(partner, SKOS.prefLabel)), partner  # type: ignore[attr-defined]


def test_the_province_is_not_a_partner_of_its_own_activities(agenda: Graph) -> None:
    assert (None, KL.partner, PROVINCE_UTRECHT) not in agenda


def test_minted_organisations_say_why_they_are_not_tooi(agenda: Graph) -> None:
    for organisation in agenda.subjects(RDF.type, ORG.Organization):
        if str(organisation).startswith(f"{BASE}id/organisatie/"):
            assert (organisation, SKOS.editorialNote, None) in agenda, organisation


# --- the document, its chapters, the task team, monitoring --------------------------


def test_the_edition(agenda: Graph) -> None:
    assert (AGENDA_EDITION, RDF.type, KL.Agendaeditie) in agenda
    title = one(agenda, AGENDA_EDITION, DCTERMS.title)
    assert title == Literal("Uitvoeringsagenda Circulaire Samenleving 2021-2022", lang="nl")
    assert one(agenda, AGENDA_EDITION, DCTERMS.publisher) == PROVINCE_UTRECHT
    assert one(agenda, AGENDA_EDITION, DCTERMS.creator) == TASK_TEAM
    assert len(set(agenda.objects(AGENDA_EDITION, KL.doelAgenda))) == 3
    assert len(set(agenda.objects(AGENDA_EDITION, KL.uitgangspuntAgenda))) == 3
    assert set(agenda.objects(AGENDA_EDITION, KL.netwerk)) == {
        ID["netwerk/cirkelregio-utrecht"],
        ID["netwerk/living-lab-regio-foodvalley-circulair"],
    }
    assert len(set(agenda.objects(AGENDA_EDITION, KL.monitoringsafspraak))) == 6


def test_chapter_labels_are_their_headings(agenda: Graph, source_lines: list[str]) -> None:
    chapters = list(agenda.subjects(RDF.type, KL.Hoofdstuk))
    assert len(chapters) == 16
    for chapter in chapters:
        assert isinstance(chapter, URIRef)
        notation = str(one(agenda, chapter, SKOS.notation))
        assert chapter == ID[f"hoofdstuk/{notation.replace('.', '-')}"]
        first, last = line_range(agenda, chapter)
        parts = []
        for line in source_lines[first - 1 : last]:
            text = line.strip()
            if text in ("", notation, f"{notation}."):
                continue
            for suffix in (f"{notation}.", notation):
                text = text.removesuffix(suffix)
            parts.append(text)
        assert str(one(agenda, chapter, RDFS.label)) == join_wrapped_lines(parts), chapter


def test_every_statement_of_the_document_has_one_source(agenda: Graph) -> None:
    for cls in (
        KL.Agendaeditie,
        KL.Hoofdstuk,
        KL.Activiteit,
        KL.Taak,
        KL.Opgaveteam,
        KL.Netwerk,
        KL.Monitoringsafspraak,
    ):
        members = list(agenda.subjects(RDF.type, cls))
        assert members, cls
        for member in members:
            assert isinstance(member, URIRef)
            source_ref = one(agenda, member, KL.bron)
            assert (source_ref, RDF.type, KL.Bronverwijzing) in agenda


def test_the_task_team_and_its_five_tasks(agenda: Graph, source_lines: list[str]) -> None:
    assert (TASK_TEAM, ORG.unitOf, PROVINCE_UTRECHT) in agenda
    tasks = list(agenda.objects(TASK_TEAM, KL.taak))
    assert len(tasks) == 5
    labels = set()
    for task in tasks:
        assert isinstance(task, URIRef)
        first, last = line_range(agenda, task)
        assert first == last and 604 <= first <= 608
        label = str(one(agenda, task, RDFS.label))
        assert source_lines[first - 1].strip() == f"• {label}"
        labels.add(label)
        # the same task is an activity of theme 9's table
        activity = one(agenda, task, RDFS.seeAlso)
        assert isinstance(activity, URIRef)
        assert (activity, RDFS.seeAlso, task) in agenda
        assert (
            one(agenda, activity, KL.groepering)
            == ID["groepering/concernopgave-circulaire-samenleving"]
        )
        # the table's wording differs from the list's only in commas
        assert str(one(agenda, activity, RDFS.label)).replace(",", "") == label.replace(",", "")
    assert len(labels) == 5


def test_monitoring_commitments_and_no_invented_indicators(agenda: Graph) -> None:
    commitments = list(agenda.objects(AGENDA_EDITION, KL.monitoringsafspraak))
    for commitment in commitments:
        assert isinstance(commitment, URIRef)
        assert (commitment, RDF.type, KL.Monitoringsafspraak) in agenda
        assert any(v.language == "nl" for v in agenda.objects(commitment, RDFS.label))  # type: ignore[attr-defined]
        assert any(v.language == "nl" for v in agenda.objects(commitment, DCTERMS.description))  # type: ignore[attr-defined]
    # the source names no concrete indicator
    assert (None, RDF.type, KL.Indicator) not in agenda
