"""``kringloop.views``: every real view loads; a broken file names itself and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from kringloop.errors import ConfigurationError
from kringloop.views import View, load_view, load_views

QUERIES = sorted((Path(__file__).resolve().parents[2] / "queries").glob("*.rq"))
GOOD_QUERY = (
    "PREFIX kl: <https://w3id.org/kringloop/def#>\nSELECT ?a WHERE { ?a kl:thema ?thema }\n"
)


def write(folder: Path, text: str, name: str = "kapot.rq") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", QUERIES, ids=[path.stem for path in QUERIES])
def test_every_view_loads_with_titles_and_checks(path: Path) -> None:
    view = load_view(path)
    assert view.name == path.stem
    assert view.title and view.title_en, "nl and en titles"
    assert view.description and view.description_en, "nl and en descriptions"
    assert view.checks, "every view promises something about the bundled data"
    assert view.form in ("SELECT", "CONSTRUCT")
    for param in view.params:
        assert param.label and param.label_en, f"{param.name} has nl and en labels"


def test_the_issue_views_are_there(views: tuple[View, ...]) -> None:
    names = {view.name for view in views}
    assert {
        "activiteiten-per-thema",
        "activiteit",
        "portfolio-partner",
        "r-ladder-dekking",
        "r-ladder-groepen",
        "thema-doel-matrix",
        "thema-r-strategie-matrix",
        "rollen-per-thema",
        "kennisdeling",
        "datalacunes",
        "opgaveteam-taken",
        "monitoringsafspraken",
    } <= names
    assert any(view.form == "CONSTRUCT" for view in views)


def test_params_are_typed(tmp_path: Path) -> None:
    text = (
        "#+ title: Getypt\n"
        "#+ params:\n"
        "#+   thema: {type: iri, class: kl:Thema, required: true}\n"
        "#+   n: {type: integer, default: 3}\n"
        "#+   vlag: {type: boolean, default: false}\n"
        "#+   dag: {type: date, default: 2021-06-01}\n"
        "#+   soort: {in: [a, b], default: b}\n"
        "SELECT * WHERE { ?x ?thema ?n . ?x ?vlag ?dag . ?x ?soort ?y }\n"
    )
    view = load_view(write(tmp_path, text, "getypt.rq"))
    by_name = {param.name: param for param in view.params}
    assert by_name["thema"].class_iri == "https://w3id.org/kringloop/def#Thema"
    assert by_name["thema"].required
    assert str(by_name["n"].default) == '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert by_name["vlag"].default is not None and by_name["vlag"].default.value == "false"
    assert by_name["dag"].default is not None and by_name["dag"].default.value == "2021-06-01"
    assert [choice.value for choice in by_name["soort"].choices] == ["a", "b"]


def test_chart_is_kept_as_data(tmp_path: Path) -> None:
    text = "#+ title: Grafiek\n#+ chart: {type: bar, x: a, y: a}\n" + GOOD_QUERY.replace(
        "?thema", "?t"
    )
    chart = load_view(write(tmp_path, text, "grafiek.rq")).chart
    assert chart == {"type": "bar", "x": "a", "y": "a"}


BROKEN = [
    ("#+ title: Kapot\nSELECT * WHERE { ?s ?p }\n", "not valid SPARQL"),
    ("#+ title: Kapot\nASK { ?s ?p ?o }\n", "SELECT or CONSTRUCT query, not ASK"),
    ("#+ title: Kapot\nDESCRIBE <https://example.org/x>\n", "not DESCRIBE"),
    ("#+ title: Kapot\n#+ params: {x: {}}\n" + GOOD_QUERY, "the query never uses \\?x"),
    ("#+ title: Kapot\n#+ params: {thema: {type: tekst}}\n" + GOOD_QUERY, "has type 'tekst'"),
    ("#+ title: Kapot\n#+ params: {thema: {kind: iri}}\n" + GOOD_QUERY, "unknown key\\(s\\) kind"),
    (
        "#+ title: Kapot\n#+ params: {thema: {type: string, class: kl:Thema}}\n" + GOOD_QUERY,
        "has a class but is not of type iri",
    ),
    (
        "#+ title: Kapot\n#+ params: {thema: {type: integer, default: tien}}\n" + GOOD_QUERY,
        "default 'tien': not a whole number",
    ),
    (
        "#+ title: Kapot\n#+ params: {thema: {in: [a], default: b}}\n" + GOOD_QUERY,
        "not one of its 'in' values",
    ),
    (
        "#+ title: Kapot\n#+ params: {thema: {type: iri, class: 'geen iri'}}\n" + GOOD_QUERY,
        "an IRI must be absolute",
    ),
    ("#+ title: Kapot\n#+ params: {page: {}}\nSELECT * WHERE { ?s ?p ?page }\n", "reserved"),
    ("#+ title: Kapot\n#+ checks: {min_rows: veel}\n" + GOOD_QUERY, "min_rows must be a whole"),
    ("#+ title: Kapot\n#+ checks: [{}]\n" + GOOD_QUERY, "checks nothing"),
    ("#+ title: Kapot\n#+ checks: [{rijen: 3}]\n" + GOOD_QUERY, "unknown key\\(s\\) rijen"),
    (
        "#+ title: Kapot\n#+ checks: [{params: {x: 1}, rows: 1}]\n" + GOOD_QUERY,
        "x is not a parameter of this view",
    ),
    ("#+ title: Kapot\n#+ chart: staaf\n" + GOOD_QUERY, "chart must be a mapping"),
]


@pytest.mark.parametrize(("text", "reason"), BROKEN, ids=[reason for _, reason in BROKEN])
def test_a_broken_view_names_its_file_and_reason(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"^kapot\.rq: .*{reason}"):
        load_view(write(tmp_path, text))
    with pytest.raises(ConfigurationError, match=r"^kapot\.rq: "):
        load_views(tmp_path)
