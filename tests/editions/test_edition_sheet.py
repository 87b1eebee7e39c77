"""An edition as a spreadsheet, edited as an officer would, imported as a new edition.

The bundled 2021-2022 edition is exported, edited with openpyxl (a name, a column, a
theme, an interpretation changed; a row deleted; a row added) and read back as edition
2023: the diff must be exactly those edits (the same as tests/editions/editionkit.py's
hand-made edition), the graphs must pass the SHACL gate, and the store gets both graphs or
neither. The CLI runs as a subprocess against a running service (managed Oxigraph).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pyoxigraph as ox
import pytest
import requests

from kringloop.editionderive import derive_edition
from kringloop.editiondiff import diff_editions
from kringloop.editionimport import commit_edition, plan_edition
from kringloop.editions import (
    EditionContent,
    agenda_graph,
    describe_edition,
    interpretations_graph,
    load_edition_content,
)
from kringloop.editionsheet import (
    EDITABLE,
    HEADERS,
    export_edition_csv,
    export_edition_xlsx,
)
from kringloop.editionsheetread import read_edition_sheet
from kringloop.errors import BadRequestError
from kringloop.graphstore import gate
from kringloop.monitoring.importplan import ImportConflictError, ImportRejectedError
from kringloop.monitoring.sheetinput import SheetRefusedError
from kringloop.partners.registry import ADMIN
from kringloop.services import build_writer
from kringloop.settings import Settings
from kringloop.shaclfast import schema_triples
from kringloop.vocab import ID, KL
from tests.editions.editionkit import (
    ADDED,
    ADDED_LABEL,
    COLUMN,
    EXPECTED,
    INTERPRETED,
    LABEL,
    NEW_LABEL,
    OLD,
    REMOVED,
    THEME,
)
from tests.graphstore.gskit import CIRKELREGIO, Partners, register_partners
from tests.service.servicekit import Service, clean_environment, start_managed

NEW = "2023"
SHEET = f"Editie {OLD}"
MOMENT = datetime(2023, 2, 1, 12, 0, tzinfo=UTC)
REASON = "In 2023 gaat het om minder verbruik door betere apparaten: heroverwegen."
#: The officer's edits: activity -> header -> the value typed.
EDITS: dict[str, dict[str, str]] = {
    LABEL.value: {"Activiteit": NEW_LABEL},
    COLUMN.value: {"Kolom": "Zekere activiteiten (gestart of gaan starten)"},
    THEME.value: {"Thema": "Economie"},
    INTERPRETED.value: {"R-strategie": "Heroverwegen", "Toelichting interpretatie": REASON},
}
NEW_ROW = {
    "Activiteit": ADDED_LABEL,
    "Thema": "Overhead",
    "Kolom": "zeker",
    "Rol": "Initiator en verkenner",
    "Toelichting interpretatie": "De provincie organiseert haar eigen evenementen.",
    "Bronregels": "540",
    "Brontekst": ADDED_LABEL,
}


@pytest.fixture(scope="module")
def base() -> EditionContent:
    return load_edition_content(None, OLD)


@pytest.fixture(scope="module")
def blank(base: EditionContent) -> bytes:
    return export_edition_xlsx(base)


def edit(
    workbook_bytes: bytes,
    changes: Mapping[str, Mapping[str, object]] = {},
    *,
    delete: tuple[str, ...] = (),
    add: tuple[Mapping[str, object], ...] = (),
) -> bytes:
    """The workbook with cells typed over, rows deleted and rows added, as Excel saves it."""
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    sheet = workbook[SHEET]
    headers = [cell.value for cell in sheet[1]]
    rows = {sheet.cell(n, 1).value: n for n in range(2, sheet.max_row + 1)}
    for iri, values in changes.items():
        for header, value in values.items():
            sheet.cell(rows[iri], headers.index(header) + 1).value = value
    for iri in delete:
        sheet.delete_rows(rows[iri])
        rows = {sheet.cell(n, 1).value: n for n in range(2, sheet.max_row + 1)}
    for values in add:
        number = last_row(sheet) + 1
        for header, value in values.items():
            sheet.cell(number, headers.index(header) + 1).value = value
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def last_row(sheet: Any) -> int:
    """The last row with a value (the sheet has formatted empty rows below it)."""
    return max(n for n in range(1, sheet.max_row + 1) if any(c.value for c in sheet[n]))


def row_of(sheet: Any, iri: str) -> int:
    return next(n for n in range(2, last_row(sheet) + 1) if sheet.cell(n, 1).value == iri)


def officer_sheet(blank: bytes) -> bytes:
    return edit(blank, EDITS, delete=(REMOVED.value,), add=(NEW_ROW,))


def new_content(graphs: dict[str, list[ox.Triple]], base: EditionContent) -> EditionContent:
    edition = describe_edition(agenda_graph(NEW), graphs[agenda_graph(NEW)])
    assert edition is not None
    return EditionContent(
        edition, graphs[agenda_graph(NEW)], graphs[interpretations_graph(NEW)], base.concepts
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


def kl(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(KL[name]))


def test_the_export_has_a_row_per_activity_dropdowns_and_an_explanation(
    base: EditionContent, blank: bytes
) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(blank))
    assert workbook.sheetnames == [SHEET, "Toelichting", "Keuzelijsten"]
    sheet = workbook[SHEET]
    assert tuple(cell.value for cell in sheet[1]) == HEADERS
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert len(rows) == 139
    inkoop = {h: c.value for h, c in zip(HEADERS, rows[THEME.value], strict=True)}
    assert (inkoop["Activiteit"], inkoop["Thema"], inkoop["Groepering"]) == (
        "Circulaire inkoop",
        "Overhead",
        None,
    )
    assert inkoop["Kolom"] == "Mogelijke nieuwe activiteiten (eventueel nader te verkennen)"
    assert (inkoop["R-strategie"], inkoop["Rol"]) == (
        "niet van toepassing",
        "Opdrachtgever en inkoper",
    )
    water = {h: c.value for h, c in zip(HEADERS, rows[INTERPRETED.value], strict=True)}
    assert water["R-strategie"] == "Verminderen"
    assert water["Partners"] == "consumenten; drinkwaterbedrijven; waterschappen"
    uri, label = rows[THEME.value][0], rows[THEME.value][1]
    assert uri.protection.locked and not label.protection.locked
    assert {h for h in HEADERS if h not in EDITABLE} == {"Activiteit-URI", "Partners"}
    # Unprotected, so rows can be deleted; the URI cells refuse typing instead.
    assert not sheet.protection.sheet
    fixed = next(v for v in sheet.data_validations.dataValidation if v.type == "custom")
    assert (str(fixed.sqref), fixed.formula1, fixed.errorStyle) == ("A2:A140", "FALSE", "stop")
    assert workbook["Keuzelijsten"].sheet_state == "hidden"
    lists = {
        str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation
    }
    assert lists["C"] == "Keuzelijsten!$A$2:$A$11"  # Thema: ten themes
    explanation = " ".join(str(c.value) for c in workbook["Toelichting"]["A"])
    assert (
        "interpretaties van de redactie van Kringloop, geen uitspraken van de agenda" in explanation
    )
    assert "laat de Activiteit-URI leeg" in explanation and "Verwijder de hele rij" in explanation
    text = export_edition_csv(base, delimiter=";").decode("utf-8")
    assert text.startswith("\ufeffActiviteit-URI;Activiteit;Thema;")
    assert len(text.splitlines()) == 140


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_unchanged_sheet_restates_the_base_edition(
    base: EditionContent, blank: bytes, kind: str
) -> None:
    data = blank if kind == "xlsx" else export_edition_csv(base)
    result = read_edition_sheet(data, f"editie.{kind}", base)
    assert result.ok and len(result.rows) == 139
    graphs = derive_edition(base, result.rows, NEW, date(2023, 3, 1), moment=MOMENT)
    assert diff_editions(base, new_content(graphs, base)) == []
    interpretations = {str(t) for t in graphs[interpretations_graph(NEW)]}
    assert len(interpretations) == len(base.interpretations)


def test_the_officers_edits_are_exactly_the_diff_and_pass_the_gate(
    base: EditionContent, blank: bytes
) -> None:
    result = read_edition_sheet(officer_sheet(blank), "editie.xlsx", base)
    assert result.errors == []
    graphs = derive_edition(base, result.rows, NEW, date(2023, 3, 1), moment=MOMENT)
    changes = diff_editions(base, new_content(graphs, base))
    assert summary(changes) == EXPECTED
    assert gate.validate_contents(graphs, schema_triples()).conforms
    agenda = set(graphs[agenda_graph(NEW)])
    source = ox.NamedNode(f"{ID}bron/circulaire-evenementen-in-het-provinciehuis")
    assert ox.Triple(ADDED, kl("bron"), source) in agenda
    assert ox.Triple(source, kl("regelVan"), ox.Literal("540", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#positiveInteger"))) in agenda  # fmt: skip
    assert ox.Triple(source, kl("document"), ox.NamedNode(f"{ID}agenda/{NEW}")) in agenda
    gone = ox.NamedNode(f"{ID}bron/uitwerking-motie-houtbouw")
    assert not any(
        gone in (t.subject, t.object) or REMOVED in (t.subject, t.object) for t in agenda
    )
    interpretations = set(graphs[interpretations_graph(NEW)])
    record = ox.NamedNode(f"{ID}interpretatie/waterbesparing-door-consumenten-samen-r-strategie")
    assert (
        ox.Triple(record, kl("toelichting"), ox.Literal(REASON, language="nl")) in interpretations
    )
    assert ox.Triple(record, kl("waarde"), ox.NamedNode(f"{ID}r-strategie/r1")) in interpretations
    assert (
        ox.Triple(INTERPRETED, kl("rStrategie"), ox.NamedNode(f"{ID}r-strategie/r1"))
        in interpretations
    )
    r2 = ox.NamedNode(f"{ID}r-strategie/r2")
    assert not any(t.object == r2 and t.subject in (INTERPRETED, record) for t in interpretations)
    stamp = ox.Literal("2023-02-01T12:00:00Z", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#dateTime"))  # fmt: skip
    assert (
        ox.Triple(record, ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime"), stamp)
        in interpretations
    )
    new_role = ox.NamedNode(f"{ID}interpretatie/circulaire-evenementen-in-het-provinciehuis-rol")
    assert ox.Triple(new_role, kl("betreft"), ADDED) in interpretations
    assert not any(t.object == REMOVED for t in interpretations)


def errors_of(data: bytes, base: EditionContent, name: str = "editie.xlsx") -> list[str]:
    return [error.message for error in read_edition_sheet(data, name, base).errors]


def test_every_error_names_sheet_row_and_column_in_dutch(
    base: EditionContent, blank: bytes
) -> None:
    wrong = f"{ID}activiteit/bestaat-niet"
    bad = edit(
        blank,
        {
            LABEL.value: {"Activiteit": "  ", "Thema": "Sport"},
            COLUMN.value: {"Kolom": "misschien", "Rol": "Financier"},
            THEME.value: {"Groepering": "Klimaatadaptatie en -verandering"},
            INTERPRETED.value: {"R-strategie": "Heroverwegen; niet van toepassing"},
            REMOVED.value: {"Activiteit-URI": wrong, "Bronregels": "12"},
        },
        add=(
            {"Activiteit-URI": INTERPRETED.value, "Activiteit": "Dubbel", "Thema": "Economie",
             "Kolom": "zeker"},
            {"Activiteit": "Circulaire inkoop", "Thema": "Overhead", "Kolom": "zeker",
             "Bronregels": "541-540", "Brontekst": "Circulaire inkoop"},
            {"Activiteit": "Iets nieuws", "Thema": "Overhead", "Kolom": "zeker",
             "Doel": "Leveringszekerheid"},
        ),
    )  # fmt: skip
    rows = {}
    sheet = openpyxl.load_workbook(io.BytesIO(bad))[SHEET]
    for number in range(2, last_row(sheet) + 1):
        rows[sheet.cell(number, 2).value] = number
    themes = (
        "Ruimtelijke ordening, Landelijk Gebied, Bodem, Water, Milieu, Energietransitie, "
        "Bereikbaarheid I - Algemeen, Bereikbaarheid II - OV, Cultuur en Erfgoed, Economie, "
        "Bestuur, Overhead"
    )
    label_row = row_of(sheet, LABEL.value)
    column_row = rows["Het circulaire restaurant"]
    theme_row = row_of(sheet, THEME.value)
    water_row = row_of(sheet, INTERPRETED.value)
    removed_row = rows["Uitwerking motie houtbouw"]
    last = last_row(sheet)
    prefix = f"Blad '{SHEET}', rij"
    assert errors_of(bad, base) == [
        f"{prefix} {label_row}, kolom 'Activiteit': de naam van de activiteit is leeg; vul een "
        "naam in",
        f"{prefix} {label_row}, kolom 'Thema': 'Sport' is geen bekende thema; kies uit: {themes}",
        f"{prefix} {removed_row}, kolom 'Activiteit-URI': de activiteit '{wrong}' staat niet in "
        f"editie {OLD}; laat de Activiteit-URI leeg voor een nieuwe activiteit",
        f"{prefix} {removed_row}, kolom 'Bronregels': vul deze kolom alleen in bij een nieuwe "
        "activiteit (zonder Activiteit-URI); een bestaande activiteit houdt haar bronverwijzing",
        f"{prefix} {water_row}, kolom 'R-strategie': 'niet van toepassing' gaat niet samen met "
        "een waarde; kies het een of het ander",
        f"{prefix} {column_row}, kolom 'Kolom': 'misschien' is geen bekende kolom; kies uit: "
        "Mogelijke nieuwe activiteiten (eventueel nader te verkennen), Zekere activiteiten "
        "(gestart of gaan starten)",
        f"{prefix} {column_row}, kolom 'Toelichting interpretatie': de interpretatie (Rol) is "
        "veranderd of nieuw; schrijf de reden in deze kolom (één regel)",
        f"{prefix} {theme_row}, kolom 'Groepering': de groepering 'Klimaatadaptatie en "
        "-verandering' hoort bij het thema 'Bodem, Water, Milieu', niet bij 'Overhead'; kies "
        "een groepering van dat thema of laat de cel leeg",
        f"{prefix} {last - 2}, kolom 'Activiteit-URI': deze activiteit staat ook in rij "
        f"{water_row}; laat één rij per activiteit over",
        f"{prefix} {last - 1}, kolom 'Bronregels': de eerste regel (541) moet minstens 1 zijn "
        "en niet na de laatste (540) komen",
        f"{prefix} {last - 1}, kolom 'Activiteit': de naam geeft de URI "
        f"'{ID}activiteit/circulaire-inkoop', en die is al van editie {OLD}; geef een naam "
        "die zich daarvan onderscheidt",
        f"{prefix} {last}, kolom 'Toelichting interpretatie': de interpretatie (Doel) is "
        "veranderd of nieuw; schrijf de reden in deze kolom (één regel)",
        f"{prefix} {last}, kolom 'Bronregels': een nieuwe activiteit heeft de regel of regels "
        "nodig waar ze in het document van de nieuwe editie staat (bijvoorbeeld 540 of 540-542)",
        f"{prefix} {last}, kolom 'Brontekst': een nieuwe activiteit heeft de tekst van haar "
        "bronregels nodig (letterlijk overgenomen uit het document van de nieuwe editie)",
    ]


def test_two_new_rows_with_one_name_collide_and_a_longer_name_gets_more_words(
    base: EditionContent, blank: bytes
) -> None:
    row = {"Thema": "Overhead", "Kolom": "zeker", "Bronregels": "600", "Brontekst": "x"}
    long = "Een heel lange naam van een nieuwe activiteit over circulair bouwen"
    data = edit(
        blank,
        add=(
            {**row, "Activiteit": "Circulaire koffie"},
            {**row, "Activiteit": "Circulaire  koffie"},
            {**row, "Activiteit": long},
            {**row, "Activiteit": long + " en slopen"},
        ),
    )
    result = read_edition_sheet(data, "editie.xlsx", base)
    assert [e.message for e in result.errors] == [
        f"Blad '{SHEET}', rij 142, kolom 'Activiteit': de naam geeft de URI "
        f"'{ID}activiteit/circulaire-koffie', en die is al van de nieuwe activiteit in rij 141; "
        "geef een naam die zich daarvan onderscheidt"
    ]
    assert [r.iri.rsplit("/", 1)[-1] for r in result.rows if r.new] == [
        "circulaire-koffie",
        "een-heel-lange-naam-van-een-nieuwe-activiteit",
        "een-heel-lange-naam-van-een-nieuwe-activiteit-over",
    ]


def test_files_that_are_not_this_editions_sheet_are_refused(
    base: EditionContent, blank: bytes
) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(blank))
    workbook[SHEET].title = "Editie 2019"
    other = io.BytesIO()
    workbook.save(other)
    refusals = {
        "editie.xlsm": (blank, "'editie.xlsm' is een werkmap met macro's"),
        "editie.xlsx": (other.getvalue(), f"het bestand heeft geen blad '{SHEET}' (wel: "
                        "'Editie 2019', 'Toelichting', 'Keuzelijsten')"),
        "editie.csv": (b"Status,Bereikt\r\nlopend,x\r\n",
                       "de eerste regel is geen kopregel van een editieblad"),
    }  # fmt: skip
    for name, (data, message) in refusals.items():
        with pytest.raises(SheetRefusedError) as refused:
            read_edition_sheet(data, name, base)
        assert refused.value.detail.startswith(message), refused.value.detail


# -- storing: a real data directory and a running service ------------------------------------


@pytest.fixture(scope="module")
def partners(tmp_path_factory: pytest.TempPathFactory) -> Partners:
    return register_partners(tmp_path_factory.mktemp("edition-sheet") / "var")


@pytest.fixture(scope="module")
def home(partners: Partners) -> Path:
    return partners.data_dir.parent


@pytest.fixture(scope="module")
def service(home: Path) -> Iterator[Service]:
    running = start_managed(home)
    yield running
    running.stop()


def cli(home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "kringloop", *arguments, "--data-dir", str(home / "var")]
    return subprocess.run(
        command, capture_output=True, text=True, env=clean_environment(), stdin=subprocess.DEVNULL
    )


def versions(home: Path) -> list[int | None]:
    store = build_writer(Settings.load({"data_dir": str(home / "var")}, {}), None).versions
    return [
        None if (current := store.current(graph)) is None else current.number
        for graph in (agenda_graph(NEW), interpretations_graph(NEW))
    ]


def test_a_refused_edition_stores_neither_graph(home: Path, service: Service, blank: bytes) -> None:
    writer = build_writer(Settings.load({"data_dir": str(home / "var")}, {}), None)
    plan = plan_edition(writer, officer_sheet(blank), "editie.xlsx", NEW, issued=date(2023, 3, 1))
    assert plan.ok and len(plan.changes) == len(EXPECTED)
    # The agenda graph loses the new activity's name: the shapes refuse it, so the
    # (valid) interpretations graph is not stored either.
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    broken = [
        t
        for t in plan.graphs[agenda_graph(NEW)]
        if not (t.subject == ADDED and t.predicate == label)
    ]
    tampered = type(plan)(**{**vars(plan), "graphs": {**plan.graphs, agenda_graph(NEW): broken}})
    with pytest.raises(ImportRejectedError) as rejected:
        commit_edition(writer, tampered)
    assert any("rdfs:label" in message for message in rejected.value.messages)
    assert versions(home) == [None, None]
    with pytest.raises(BadRequestError, match="editie 2021 is niet later dan editie 2021-2022"):
        plan_edition(writer, blank, "editie.xlsx", "2021")


def test_the_cli_previews_then_creates_edition_2023(
    home: Path, service: Service, blank: bytes
) -> None:
    exported = home / "editie.xlsx"
    done = cli(home, "sheet", "--edition", OLD, "--out", str(exported))
    assert done.returncode == 0, done.stderr
    assert f"kringloop import {exported} --edition NIEUW --from {OLD}" in done.stdout
    changed = home / "editie-2023.xlsx"
    changed.write_bytes(officer_sheet(exported.read_bytes()))
    arguments = ("import", str(changed), "--edition", NEW, "--from", OLD, "--issued", "2023-03-01")
    preview = cli(home, *arguments, "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert "6 wijziging(en) bij 6 activiteit(en):" in preview.stdout
    assert "  - Circulaire inkoop: thema gewijzigd (thema: Overhead → Economie)" in preview.stdout
    assert "Proefrun (--dry-run): er is niets veranderd." in preview.stdout
    assert versions(home) == [None, None]
    unconfirmed = cli(home, *arguments)
    assert unconfirmed.returncode == 2 and "geef --yes" in unconfirmed.stderr
    assert versions(home) == [None, None]
    stored = cli(home, *arguments, "--yes")
    assert stored.returncode == 0, stored.stderr
    assert f"Editie {NEW} is gemaakt (een herziening van {OLD})." in stored.stdout
    assert versions(home) == [1, 1]
    again = cli(home, *arguments, "--yes")
    assert again.returncode == 2
    assert f"editie {NEW} bestaat al" in again.stderr
    listed = requests.get(f"{service.url}/edities.json", timeout=10).json()
    assert listed["current"] == NEW
    assert [e["ref"] for e in listed["editions"]] == [OLD, NEW]
    rows = service.select(
        f"SELECT ?theme WHERE {{ GRAPH <{agenda_graph(NEW)}> {{ <{THEME.value}> "
        f"<{KL.thema}> ?theme }} }}"
    )
    assert [row["theme"]["value"] for row in rows] == [f"{ID}thema/economie"]
    # The new edition is current: the default graph holds its theme only.
    rows = service.select(f"SELECT ?theme WHERE {{ <{THEME.value}> <{KL.thema}> ?theme }}")
    assert [row["theme"]["value"] for row in rows] == [f"{ID}thema/economie"]
    page = requests.get(f"{service.url}/edities", timeout=10).text
    assert 'href="/edities/2023.xlsx"' in page and 'href="/edities/2021-2022.csv"' in page
    download = requests.get(f"{service.url}/edities/{NEW}.xlsx", timeout=30)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="editie-{NEW}.xlsx"'
    writer = build_writer(Settings.load({"data_dir": str(home / "var")}, {}), None)
    new = load_edition_content(writer, NEW)
    reread = read_edition_sheet(download.content, "editie.xlsx", new)
    assert reread.ok and len(reread.rows) == 139
    assert ADDED.value in {row.iri for row in reread.rows}
    assert requests.get(f"{service.url}/edities/1999.csv", timeout=10).status_code == 404
    assert requests.get(f"{service.url}/edities/foo.csv", timeout=10).status_code == 400
    with pytest.raises(ImportConflictError):
        plan_edition(
            build_writer(Settings.load({"data_dir": str(home / "var")}, {}), None),
            blank,
            "editie.xlsx",
            NEW,
        )


def test_the_administrator_uploads_a_sheet_previews_and_commits_on_the_web(
    partners: Partners, service: Service, blank: bytes
) -> None:
    """Edition 2022-2023 (issued before 2023, so it never becomes current here)."""
    page = requests.get(f"{service.url}/edities", timeout=10).text
    assert 'id="edition-upload"' in page and 'enctype="multipart/form-data"' in page
    url = f"{service.url}/edities/import"
    fields = {"nieuw": "2022-2023", "van": OLD, "uitgegeven": "2022-06-01"}

    def upload(data: bytes, token: str | None, **headers: str) -> requests.Response:
        form = {**fields, **({"token": token} if token else {})}
        files = {"file": ("editie.xlsx", data)}
        return requests.post(url, data=form, files=files, headers=headers, timeout=60)

    json_only = {"Accept": "application/json"}
    assert upload(blank, None, **json_only).status_code == 401
    refused = upload(blank, partners.tokens[CIRKELREGIO], **json_only)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "alleen de beheerder maakt een nieuwe editie"
    admin = partners.tokens[ADMIN]
    wrong = upload(edit(blank, {THEME.value: {"Thema": "<script>"}}), admin)
    assert wrong.status_code == 422
    row = row_of(openpyxl.load_workbook(io.BytesIO(blank))[SHEET], THEME.value)
    assert (
        f"Blad &#39;{SHEET}&#39;, rij {row}, kolom &#39;Thema&#39;: &#39;&lt;script&gt;&#39; is "
        "geen bekende thema" in wrong.text
    )
    preview = upload(officer_sheet(blank), admin)
    assert preview.status_code == 200, preview.text
    assert "6 wijziging(en) bij 6 activiteit(en)" in preview.text
    assert "Gebiedsgericht circulair ontwerpen &amp; bouwen &lt;b&gt;2023&lt;/b&gt;" in preview.text
    action = re.search(r'id="commit-form" method="post" action="([^"]+)"', preview.text)
    assert action is not None
    commit = f"{service.url}{action.group(1).replace('&amp;', '&')}"
    assert requests.post(commit, data={}, headers=json_only, timeout=10).status_code == 401
    done = requests.post(commit, data={"token": admin}, headers=json_only, timeout=60)
    assert done.status_code == 200, done.text
    assert done.json()["versions"] == {
        agenda_graph("2022-2023"): 1,
        interpretations_graph("2022-2023"): 1,
    }
    assert [c["kind"] for c in done.json()["changes"]] == [row[2] for row in EXPECTED]
    again = requests.post(commit, data={"token": admin}, headers=json_only, timeout=10)
    assert again.status_code == 404
    listed = requests.get(f"{service.url}/edities.json", timeout=10).json()
    assert "2022-2023" in [edition["ref"] for edition in listed["editions"]]
