"""``kringloop sheet`` and ``kringloop import`` against a real service (managed Oxigraph).

The officer's round: export the year's sheet, fill in rows with openpyxl as Excel would,
import it (preview, then commit), and see the records in the version store, in the engine
(SPARQL) and in the report. Each test uses its own year, so they do not depend on each
other's order. The CLI runs in this process (``kringloop.cli.main``); the service it
writes through is a real subprocess.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest

from kringloop.cli import main
from kringloop.graphstore.writes import GraphWriter
from kringloop.harvest import running_engine
from kringloop.monitoring.importing import agenda_activities, commit, plan_import
from kringloop.monitoring.importplan import ImportConflictError, ImportRejectedError
from kringloop.monitoring.rdf import indicator_triples, indicators_from_triples
from kringloop.monitoring.records import INDICATOR_GRAPH, Indicator, Observation, progress_graph
from kringloop.monitoring.reportsource import report_for
from kringloop.partners.registry import ADMIN
from kringloop.services import build_writer
from kringloop.settings import Settings
from kringloop.vocab import BASE, KL
from tests.service.servicekit import Service, clean_environment

RECORD_CLASS = str(KL["Voortgangsrapportage"])
STATUS, ACHIEVED = "Status", "Bereikt"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("import-cli")


@pytest.fixture(scope="module")
def writer(home: Path, service: Service) -> Iterator[GraphWriter]:
    """A writer that updates the running service's engine, as the CLI's does."""
    client = running_engine(settings(home))
    assert client is not None
    yield build_writer(settings(home), client)
    client.close()


def kringloop(
    capsys: pytest.CaptureFixture[str], home: Path, *arguments: str
) -> tuple[int, str, str]:
    code = main([*arguments, "--data-dir", str(home / "var")])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def settings(home: Path) -> Settings:
    return Settings.load({"data_dir": str(home / "var")}, {})


def records_in_engine(service: Service, year: int) -> int:
    rows = service.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{progress_graph(year)}> "
        f"{{ ?record a <{RECORD_CLASS}> }} }}"
    )
    return int(rows[0]["n"]["value"])


def version(home: Path, graph: str) -> int | None:
    current = build_writer(settings(home), None).versions.current(graph)
    return None if current is None else current.number


def fill(source: Path, target: Path, year: int, rows: dict[int, dict[str, object]]) -> None:
    """Type values into the progress sheet's data rows (2 = the first activity)."""
    workbook = openpyxl.load_workbook(source)
    sheet = workbook[f"Voortgang {year}"]
    headers = [cell.value for cell in sheet[1]]
    for row, values in rows.items():
        for header, value in values.items():
            sheet.cell(row, headers.index(header) + 1).value = value
    workbook.save(target)


def export(capsys: pytest.CaptureFixture[str], home: Path, year: int, name: str) -> Path:
    out = home / name
    code, printed, _ = kringloop(capsys, home, "sheet", str(year), "--out", str(out))
    assert code == 0 and str(out) in printed
    return out


def test_export_fill_import_shows_in_engine_and_report(
    capsys: pytest.CaptureFixture[str], home: Path, service: Service
) -> None:
    year = 2021
    blank = export(capsys, home, year, "blank-2021.xlsx")
    filled = home / "filled-2021.xlsx"
    fill(
        blank,
        filled,
        year,
        {
            2: {STATUS: "lopend", ACHIEVED: "Eerste bijeenkomst gehouden"},
            3: {STATUS: "afgerond"},
            4: {STATUS: "gestart", "Auteur": "Kennisfunctionaris"},
        },
    )
    code, out, err = kringloop(capsys, home, "import", str(filled), "--year", "2021", "--yes")
    assert code == 0, err
    assert "3 nieuw, 0 gewijzigd, 0 verwijderd" in out
    assert "Bereikt (leeg) -> 'Eerste bijeenkomst gehouden'" in out
    assert f"<{progress_graph(year)}> versie 1" in out
    assert records_in_engine(service, year) == 3
    report = report_for(build_writer(settings(home), None), year)
    assert report.recorded == 3
    achieved = {e.record.achieved for e in report.entries if e.record is not None}
    assert "Eerste bijeenkomst gehouden" in achieved

    # The same file again: nothing to do, no new version.
    code, out, _ = kringloop(capsys, home, "import", str(filled), "--year", "2021", "--yes")
    assert code == 0
    assert "0 nieuw, 0 gewijzigd, 0 verwijderd (3 ongewijzigd)" in out
    assert version(home, progress_graph(year)) == 1

    # The export is pre-filled: change one status, clear another (= remove that record).
    again = export(capsys, home, year, "again-2021.xlsx")
    changed = home / "changed-2021.xlsx"
    fill(again, changed, year, {2: {STATUS: "gestopt"}, 3: {STATUS: None}})
    code, out, _ = kringloop(capsys, home, "import", str(changed), "--year", "2021", "--dry-run")
    assert code == 0
    assert "0 nieuw, 1 gewijzigd, 1 verwijderd (1 ongewijzigd)" in out
    assert "Status 'lopend' -> 'gestopt'" in out
    assert "Status 'afgerond' -> (leeg)" in out
    assert "er is niets veranderd" in out
    assert version(home, progress_graph(year)) == 1
    assert records_in_engine(service, year) == 3

    code, out, _ = kringloop(capsys, home, "import", str(changed), "--year", "2021", "--yes")
    assert code == 0 and "versie 2" in out
    assert records_in_engine(service, year) == 2


def test_a_sheet_with_errors_changes_nothing(
    capsys: pytest.CaptureFixture[str], home: Path, service: Service
) -> None:
    year = 2022
    blank = export(capsys, home, year, "blank-2022.xlsx")
    bad = home / "bad-2022.xlsx"
    fill(
        blank,
        bad,
        year,
        {
            2: {STATUS: "bijna klaar"},
            3: {STATUS: "lopend"},
            5: {ACHIEVED: "tekst zonder status"},
            6: {STATUS: "gestart", "Datum": date(2019, 5, 1)},
        },
    )
    code, out, err = kringloop(capsys, home, "import", str(bad), "--year", "2022", "--yes")
    assert code == 1
    assert (
        "Blad 'Voortgang 2022', rij 2, kolom 'Status': 'bijna klaar' is geen geldige status" in err
    )
    assert "Blad 'Voortgang 2022', rij 5, kolom 'Status': de status ontbreekt" in err
    assert "Blad 'Voortgang 2022', rij 6, kolom 'Datum'" in err
    assert "3 fout(en); er is niets veranderd" in err
    assert out == ""
    assert version(home, progress_graph(year)) is None
    assert records_in_engine(service, year) == 0


def test_without_a_terminal_and_without_yes_nothing_is_committed(
    capsys: pytest.CaptureFixture[str], home: Path, service: Service
) -> None:
    year = 2023
    blank = export(capsys, home, year, "blank-2023.xlsx")
    filled = home / "filled-2023.xlsx"
    fill(blank, filled, year, {2: {STATUS: "lopend"}})
    code, out, err = kringloop(capsys, home, "import", str(filled), "--year", "2023")
    assert code == 2
    assert "1 nieuw" in out
    assert "geef --yes om door te voeren" in err
    assert version(home, progress_graph(year)) is None


def test_a_refused_file_and_a_bad_year(
    capsys: pytest.CaptureFixture[str], home: Path, service: Service
) -> None:
    text = home / "notes.txt"
    text.write_text("geen blad", encoding="utf-8")
    code, _, err = kringloop(capsys, home, "import", str(text), "--year", "2021", "--yes")
    assert code == 1 and "geen .xlsx- of .csv-bestand" in err
    code, _, err = kringloop(capsys, home, "import", str(text), "--year", "1999", "--yes")
    assert code == 2 and "2021" in err


def test_commit_refuses_a_plan_when_the_graph_changed_meanwhile(
    capsys: pytest.CaptureFixture[str], home: Path, service: Service, writer: GraphWriter
) -> None:
    year = 2024
    blank = export(capsys, home, year, "blank-2024.xlsx")
    first, second = home / "first-2024.xlsx", home / "second-2024.xlsx"
    fill(blank, first, year, {2: {STATUS: "lopend"}})
    fill(blank, second, year, {3: {STATUS: "afgerond"}})
    plan = plan_import(writer, first.read_bytes(), first.name, year, agenda_activities(), [])
    assert plan.ok and plan.base[progress_graph(year)] is None
    code, _, err = kringloop(capsys, home, "import", str(second), "--year", "2024", "--yes")
    assert code == 0, err
    with pytest.raises(ImportConflictError) as raised:
        commit(writer, plan)
    assert raised.value.status == 409
    assert "lees het blad opnieuw in" in raised.value.detail
    assert version(home, progress_graph(year)) == 1
    assert records_in_engine(service, year) == 1  # the second sheet's record only


def test_a_shacl_refusal_comes_back_as_readable_messages(home: Path, writer: GraphWriter) -> None:
    year = 2025
    blank = home / "blank-2025.xlsx"
    assert main(["sheet", str(year), "--out", str(blank), "--data-dir", str(home / "var")]) == 0
    filled = home / "filled-2025.xlsx"
    fill(blank, filled, year, {2: {STATUS: "lopend"}})
    plan = plan_import(writer, filled.read_bytes(), filled.name, year, agenda_activities(), [])
    graph = progress_graph(year)
    status = ox.NamedNode(str(KL["voortgangsstatus"]))
    broken = tuple(triple for triple in plan.graphs[graph] if triple.predicate != status)
    with pytest.raises(ImportRejectedError) as raised:
        commit(writer, dataclasses.replace(plan, graphs={graph: broken}))
    assert raised.value.status == 422
    assert raised.value.messages
    assert any("voortgangsstatus" in message for message in raised.value.messages)
    assert all("Traceback" not in message for message in raised.value.messages)
    assert version(home, graph) is None


def test_indicator_values_are_imported_and_other_years_kept(
    capsys: pytest.CaptureFixture[str], home: Path, service: Service, writer: GraphWriter
) -> None:
    indicators = [
        Indicator(
            f"{BASE}id/indicator/circulaire-inkoop-test",
            "Aandeel circulaire inkoop (test)",
            str(KL["prestatie-indicator"]),
            "%",
            "Het aandeel van de inkoopuitgaven met circulaire criteria.",
        ),
        Indicator(
            f"{BASE}id/indicator/grondstoffen-test",
            "Primair grondstofgebruik (test)",
            str(KL["effectindicator"]),
            "ton",
            "Het gebruik van primaire grondstoffen in de provincie.",
        ),
    ]
    earlier = Observation(indicators[0].iri, 2020, measured=Decimal("12.5"), source="CBS")
    writer.replace({INDICATOR_GRAPH: indicator_triples(indicators, [earlier])}, owner=ADMIN)
    year = 2026
    blank = export(capsys, home, year, "blank-2026.xlsx")
    workbook = openpyxl.load_workbook(blank)
    sheet = workbook[f"Indicatoren {year}"]
    headers = [cell.value for cell in sheet[1]]
    uris = [sheet.cell(row, 1).value for row in range(2, sheet.max_row + 1)]
    row = uris.index(indicators[1].iri) + 2
    sheet.cell(row, headers.index("Meetwaarde") + 1).value = 1234.5
    sheet.cell(row, headers.index("Bron") + 1).value = "Monitor grondstoffen"
    filled = home / "filled-2026.xlsx"
    workbook.save(filled)
    code, out, err = kringloop(capsys, home, "import", str(filled), "--year", "2026", "--yes")
    assert code == 0, err
    assert "1 nieuw, 0 gewijzigd, 0 verwijderd" in out
    assert "Meetwaarde (leeg) -> '1234,5'" in out
    stored, values = indicators_from_triples(writer.current_triples(INDICATOR_GRAPH))
    assert [indicator.iri for indicator in stored] == sorted(i.iri for i in indicators)
    assert {(v.indicator, v.year, v.measured) for v in values} == {
        (earlier.indicator, 2020, Decimal("12.5")),
        (indicators[1].iri, 2026, Decimal("1234.5")),
    }
    rows = service.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INDICATOR_GRAPH}> "
        "{ ?o a <http://purl.org/linked-data/cube#Observation> } }"
    )
    assert rows[0]["n"]["value"] == "2"
    assert version(home, progress_graph(year)) is None  # the empty progress sheet wrote nothing


def test_on_a_terminal_the_import_asks_before_it_commits(
    capsys: pytest.CaptureFixture[str], home: Path, service: Service
) -> None:
    year = 2030
    blank = export(capsys, home, year, "blank-2030.xlsx")
    filled = home / "filled-2030.xlsx"
    fill(blank, filled, year, {2: {STATUS: "lopend"}})
    command = [sys.executable, "-m", "kringloop", "import", str(filled), "--year", str(year)]
    controller, terminal = os.openpty()
    try:
        os.write(controller, b"j\n")  # typed ahead; the terminal keeps it for input()
        done = subprocess.run(
            [*command, "--data-dir", str(home / "var")],
            stdin=terminal,
            capture_output=True,
            env=clean_environment(),
            timeout=120,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert "Doorvoeren? [j/N]" in out
    assert f"<{progress_graph(year)}> versie 1" in out
    assert records_in_engine(service, year) == 1
