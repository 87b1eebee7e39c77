"""Editions and their diff, on the bundled agenda and an edition made from it by real edits."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kringloop.cli import main
from kringloop.editiondiff import (
    COLUMNS,
    NOT_APPLICABLE,
    change_json,
    changes_csv,
    count_kinds,
    diff_editions,
)
from kringloop.editions import (
    EditionContent,
    agenda_graph,
    agenda_graphs,
    current_edition,
    describe_edition,
    edition_iri,
    find_edition,
    interpretations_graph,
    list_editions,
    load_edition_content,
    read_editions,
    superseded_graphs,
)
from kringloop.errors import BadRequestError, NotFoundError
from kringloop.graphs import ONTOLOGY, VOCABULARIES
from kringloop.graphstore.reading import bundled_triples
from kringloop.shaclfast import validate_quads
from kringloop.shaclreport import Severity
from kringloop.vocab import ID, KL
from tests.editions.editionkit import (
    ADDED,
    EXPECTED,
    INTERPRETED,
    ISSUED,
    LABEL,
    NEW,
    OLD,
    edition_2023,
    store_edition,
)

PROV_REVISION_OF = ox.NamedNode("http://www.w3.org/ns/prov#wasRevisionOf")


@pytest.fixture(scope="module")
def graphs() -> dict[str, list[ox.Triple]]:
    return edition_2023()


@pytest.fixture(scope="module")
def old() -> EditionContent:
    return load_edition_content(None, OLD)


def content(graphs: dict[str, list[ox.Triple]], old: EditionContent) -> EditionContent:
    new_edition = describe_edition(agenda_graph(NEW), graphs[agenda_graph(NEW)])
    assert new_edition is not None
    return EditionContent(
        new_edition,
        graphs[agenda_graph(NEW)],
        graphs[interpretations_graph(NEW)],
        old.concepts,
    )


def summary(changes: list) -> list[tuple]:  # type: ignore[type-arg]
    return [
        (
            change.theme.iri.rsplit("/", 1)[-1],
            change.activity,
            change.kind.code,
            change.field,
            [value.iri or value.nl for value in change.old],
            [value.iri or value.nl for value in change.new],
        )
        for change in changes
    ]


def test_the_bundled_edition_is_the_only_one_without_a_data_dir() -> None:
    editions = read_editions(None)
    assert [edition.ref for edition in editions] == [OLD]
    edition = editions[0]
    assert edition.iri == edition_iri(OLD)
    assert edition.label == "Uitvoeringsagenda Circulaire Samenleving 2021-2022"
    assert (edition.issued, edition.revision_of) == (None, None)
    assert current_edition(editions) == edition
    assert superseded_graphs(editions) == set()


def test_a_later_edition_comes_after_the_one_it_revises(
    graphs: dict[str, list[ox.Triple]],
) -> None:
    editions = list_editions({**graphs, **agenda_graphs(None)})
    assert [edition.ref for edition in editions] == [OLD, NEW]
    assert editions[1].revision_of == edition_iri(OLD)
    assert editions[1].issued == ISSUED
    assert editions[1].agenda_graph == f"{ID}graaf/agenda-{NEW}"
    assert editions[1].interpretations_graph == f"{ID}graaf/interpretaties-{NEW}"
    assert current_edition(editions) == editions[1]
    assert superseded_graphs(editions) == {agenda_graph(OLD), interpretations_graph(OLD)}


def test_the_revision_chain_decides_the_order_not_the_reference() -> None:
    """2030 revises 2031 (odd, but said): 2031 comes first; a cycle does not loop."""

    def edition(ref: str, revises: str | None) -> list[ox.Triple]:
        subject = ox.NamedNode(edition_iri(ref))
        triples = [
            ox.Triple(
                subject,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(str(KL.Agendaeditie)),
            )
        ]
        if revises:
            triples.append(ox.Triple(subject, PROV_REVISION_OF, ox.NamedNode(edition_iri(revises))))
        return triples

    chain = {
        agenda_graph("2030"): edition("2030", "2031"),
        agenda_graph("2031"): edition("2031", None),
    }
    assert [e.ref for e in list_editions(chain)] == ["2031", "2030"]
    cycle = {
        agenda_graph("2030"): edition("2030", "2031"),
        agenda_graph("2031"): edition("2031", "2030"),
    }
    assert sorted(e.ref for e in list_editions(cycle)) == ["2030", "2031"]
    # A graph speaks only for its own edition; other graphs are no editions.
    assert list_editions({agenda_graph("2032"): edition("2031", None)}) == []
    assert list_editions({interpretations_graph("2031"): edition("2031", None)}) == []


def test_the_diff_names_exactly_the_edits(
    graphs: dict[str, list[ox.Triple]], old: EditionContent
) -> None:
    changes = diff_editions(old, content(graphs, old))
    assert summary(changes) == EXPECTED
    counts = count_kinds(changes)
    assert {code: n for code, n in counts.items() if n} == {
        "added": 1,
        "removed": 1,
        "theme-changed": 1,
        "column-changed": 1,
        "label-changed": 1,
        "interpretation-changed": 1,
    }
    added = next(change for change in changes if change.activity == ADDED.value)
    assert added.label.nl == "Circulaire evenementen in het provinciehuis"
    theme = next(change for change in changes if change.kind.code == "theme-changed")
    assert (theme.old[0].nl, theme.new[0].nl) == ("Overhead", "Economie")
    assert theme.new[0].en == "Economy"


def test_an_edition_compared_with_itself_has_no_changes(
    graphs: dict[str, list[ox.Triple]], old: EditionContent
) -> None:
    assert diff_editions(old, old) == []
    new = content(graphs, old)
    assert diff_editions(new, new) == []


def test_the_reverse_diff_swaps_added_and_removed(
    graphs: dict[str, list[ox.Triple]], old: EditionContent
) -> None:
    forward = {(c.activity, c.kind.code) for c in diff_editions(old, content(graphs, old))}
    backward = diff_editions(content(graphs, old), old)
    swap = {"added": "removed", "removed": "added"}
    assert {(c.activity, swap.get(c.kind.code, c.kind.code)) for c in backward} == forward
    label = next(change for change in backward if change.activity == LABEL.value)
    assert label.label.nl == "Gebiedsgericht circulair ontwerpen"  # the new edition's label


def test_none_applies_is_a_value_of_its_own(
    graphs: dict[str, list[ox.Triple]], old: EditionContent
) -> None:
    """An interpretation changed to "not applicable" is a change, with that as new value."""
    record = ox.NamedNode(f"{ID}interpretatie/waterbesparing-door-consumenten-samen-r-strategie")
    interpretations = [
        t
        for t in graphs[interpretations_graph(NEW)]
        if not (t.subject == INTERPRETED and t.predicate.value == str(KL.rStrategie))
        and not (t.subject == record and t.predicate.value == str(KL.waarde))
    ]
    interpretations.append(
        ox.Triple(
            record,
            ox.NamedNode(str(KL.nietVanToepassing)),
            ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
        )
    )
    new = content({**graphs, interpretations_graph(NEW): interpretations}, old)
    change = next(c for c in diff_editions(old, new) if c.activity == INTERPRETED.value)
    assert [v.iri for v in change.old] == [f"{ID}r-strategie/r2"]
    assert change.new == (NOT_APPLICABLE,)
    assert change_json(change, "en")["new"] == [{"iri": None, "label": "not applicable"}]


def test_json_and_csv_have_stable_keys_and_neutralise_formulas(
    graphs: dict[str, list[ox.Triple]], old: EditionContent
) -> None:
    renamed = [
        ox.Triple(t.subject, t.predicate, ox.Literal("=HYPERLINK(1)", language="nl"))
        if t.subject == LABEL and t.predicate.value.endswith("#label")
        else t
        for t in graphs[agenda_graph(NEW)]
    ]
    changes = diff_editions(old, content({**graphs, agenda_graph(NEW): renamed}, old))
    rows = list(csv.DictReader(io.StringIO(changes_csv(changes, "nl"))))
    assert tuple(rows[0]) == COLUMNS
    label_row = next(row for row in rows if row["kind"] == "label-changed")
    assert label_row["new"] == "'=HYPERLINK(1)"
    assert label_row["activityLabel"] == "'=HYPERLINK(1)"
    theme_row = next(row for row in rows if row["kind"] == "theme-changed")
    assert theme_row["oldIris"] == f"{ID}thema/overhead"
    assert theme_row["kindLabel"] == "thema gewijzigd"
    document = [change_json(change, "en") for change in changes]
    assert {tuple(sorted(item)) for item in document} == {
        ("activity", "field", "fieldLabel", "kind", "kindLabel", "label", "new", "old", "theme")
    }
    json.dumps(document)  # plain JSON


def test_an_unknown_edition_names_the_known_ones() -> None:
    editions = read_editions(None)
    with pytest.raises(NotFoundError, match="no edition '2023'; known editions: 2021-2022"):
        find_edition(editions, "2023")
    with pytest.raises(BadRequestError, match="known editions: 2021-2022"):
        find_edition(editions, "../2023")
    with pytest.raises(NotFoundError):
        load_edition_content(None, "2023-2024")


def test_the_derived_edition_conforms_on_its_own(graphs: dict[str, list[ox.Triple]]) -> None:
    """Validated with the ontology and the concept schemes as context (not 2021-2022's agenda):
    the context the write gate should use for an edition."""
    context = [
        *(bundled_triples(str(ONTOLOGY.iri)) or []),
        *(bundled_triples(str(VOCABULARIES.iri)) or []),
    ]
    union = [triple for triples in graphs.values() for triple in triples]
    report = validate_quads(union, context=context, focus="data")
    assert report.count(Severity.VIOLATION) == 0, report.to_text("en")[:2000]


def test_kringloop_diff_reads_a_stored_edition(
    graphs: dict[str, list[ox.Triple]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_edition(tmp_path, graphs)
    arguments = ["diff", OLD, NEW, "--data-dir", str(tmp_path)]
    command = [sys.executable, "-m", "kringloop", *arguments]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "6 wijziging(en) bij 6 activiteit(en):" in text
    assert "Economie (1)" in text
    assert "  - Circulaire inkoop: thema gewijzigd (thema: Overhead → Economie)" in text
    assert main([*arguments, "--lang", "en", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["old"], document["new"]) == (OLD, NEW)
    assert [change["kind"] for change in document["changes"]] == [row[2] for row in EXPECTED]
    assert document["changes"][3]["kindLabel"] == "theme changed"
    assert main(["diff", OLD, "2023", "--data-dir", str(tmp_path)]) == 2
    assert "known editions: 2021-2022, 2023-2024" in capsys.readouterr().err
