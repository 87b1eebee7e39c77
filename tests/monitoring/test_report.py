"""The December report: built from the demonstration records, as HTML, PDF, CLI and page."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pypdf
import pytest

from kringloop.graphstore.writes import GraphWriter
from kringloop.monitoring.activities import bundled_activities
from kringloop.monitoring.rdf import indicators_from_triples, progress_from_triples
from kringloop.monitoring.records import INDICATOR_GRAPH, MERGED, ProgressRecord, progress_graph
from kringloop.monitoring.report import NO_STRATEGY, Report, build_report, status_labels
from kringloop.monitoring.reportrender import render_html, render_pdf
from kringloop.monitoring.reportsource import ReportInputs, edition_inputs, report_for
from kringloop.partners.registry import ADMIN
from kringloop.paths import project_root
from kringloop.services import build_writer
from kringloop.settings import Settings
from tests.editions.editionkit import ADDED, NEW, REMOVED, THEME, edition_2023, store_edition
from tests.security.seckit import Listener
from tests.service.servicekit import Service, http, start_managed

DEMO = project_root() / "examples" / "monitoring"


def triples(name: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(DEMO / name), format=ox.RdfFormat.TURTLE)]


@pytest.fixture(scope="module")
def inputs() -> ReportInputs:
    return edition_inputs(None)


@pytest.fixture(scope="module")
def records() -> list[ProgressRecord]:
    return progress_from_triples(triples("demo-voortgang-2021.ttl"))


@pytest.fixture(scope="module")
def report(inputs: ReportInputs, records: list[ProgressRecord]) -> Report:
    indicators, observations = indicators_from_triples(triples("demo-indicatoren.ttl"))
    return build_report(
        2021,
        inputs.activities,
        records,
        inputs.r_groups,
        edition_label=inputs.edition_label,
        indicators=indicators,
        observations=observations,
        demonstration=True,
    )


def store_demo(data_dir: Path) -> GraphWriter:
    """The demonstration records and indicators, written by the administrator."""
    writer = build_writer(Settings.load({"data_dir": str(data_dir)}, {}), None)
    writer.replace(
        {
            progress_graph(2021): triples("demo-voortgang-2021.ttl"),
            INDICATOR_GRAPH: triples("demo-indicatoren.ttl"),
        },
        owner=ADMIN,
    )
    return writer


# -- the report's content -----------------------------------------------------------------


def test_every_activity_is_counted_once_per_theme_and_column(report: Report) -> None:
    activities = bundled_activities()
    assert len(report.entries) == len(activities) == 139
    per_theme = Counter(activity.theme_label for activity in activities)
    assert {label: sum(counts) for label, counts in report.by_theme.rows} == per_theme
    per_column = Counter(activity.column_label for activity in activities)
    assert {label: sum(counts) for label, counts in report.by_column.rows} == per_column
    assert [section.label for section in report.themes] == list(dict.fromkeys(per_theme))


def test_statuses_are_counted_from_the_records(
    report: Report, records: list[ProgressRecord]
) -> None:
    in_2021 = [record for record in records if record.year == 2021]
    assert report.recorded == len(in_2021) > 0
    totals = report.by_theme.totals
    assert totals[-1] == 139 - len(in_2021)  # "geen verslag"
    statuses = Counter(record.status for record in in_2021)
    for index, label in enumerate(status_labels("nl")[:-1]):
        iri = next(iri for iri, count in statuses.items() if label in iri.replace("-", " "))
        assert totals[index] == statuses[iri], label
    merged = next(
        entry for entry in report.entries if entry.record and entry.record.status == MERGED
    )
    assert merged.merged_into_label in {activity.label for activity in bundled_activities()}


def test_strategy_rows_are_interpretations(report: Report, inputs: ReportInputs) -> None:
    rows = dict(report.by_strategy.rows)
    assert NO_STRATEGY[0] in rows
    counted = Counter(group for groups in inputs.r_groups.values() for group in groups)
    assert {label: sum(counts) for label, counts in rows.items()} == counted


def test_records_of_other_years_and_unknown_activities_are_left_out(
    inputs: ReportInputs, records: list[ProgressRecord]
) -> None:
    other = [replace(record, year=2022) for record in records]
    unknown = replace(records[0], activity="https://w3id.org/kringloop/id/activiteit/bestaat-niet")
    built = build_report(
        2021, inputs.activities, [*other, unknown], inputs.r_groups, edition_label="x"
    )
    assert built.recorded == 0
    assert built.by_theme.totals[-1] == 139


def test_the_report_follows_the_current_edition(tmp_path: Path) -> None:
    """Once a later edition is written, the report lists its activities and themes."""
    store_edition(tmp_path / "var", edition_2023())
    writer = build_writer(Settings.load({"data_dir": str(tmp_path / "var")}, {}), None)
    built = report_for(writer, 2021)
    assert NEW in built.edition_label
    themes = {entry.activity.iri: entry.activity.theme_label for entry in built.entries}
    assert ADDED.value in themes and REMOVED.value not in themes
    assert themes[THEME.value] == "Economie"
    assert len(built.entries) == 139


# -- HTML and PDF -------------------------------------------------------------------------


def test_html_escapes_record_text(inputs: ReportInputs, records: list[ProgressRecord]) -> None:
    hostile = replace(records[0], achieved='<script>alert("x")</script> & <b>vet</b>')
    built = build_report(2021, inputs.activities, [hostile], inputs.r_groups, edition_label="e")
    html = render_html(built)
    assert "<script>" not in html and "<b>vet</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;vet&lt;/b&gt;" in html


def test_english_headings(report: Report) -> None:
    html = render_html(report, "en")
    assert "Progress report 2021" in html and "DEMONSTRATION DATA" in html
    assert "Voortgangsrapportage" not in html


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_rendering_fetches_nothing() -> None:
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}"
        html = (
            f'<html><head><link rel="stylesheet" href="{url}/a.css"></head><body>'
            f'<img src="{url}/b.png"><p style="background: url({url}/c.png)">tekst</p>'
            "</body></html>"
        )
        pdf = render_pdf(html)
    finally:
        listener.close()
    assert pdf.startswith(b"%PDF-")
    assert listener.connections == 0


# -- the command and the page ---------------------------------------------------------------


def kringloop(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kringloop", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_writes_the_pdf_of_stored_records(tmp_path: Path) -> None:
    store_demo(tmp_path / "var")
    out = tmp_path / "rapport.pdf"
    done = kringloop("report", "2021", "--out", str(out), "--data-dir", str(tmp_path / "var"))
    assert done.returncode == 0, done.stderr
    assert "8 of 139 activities with a record" in done.stdout
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())
    assert "Voortgangsrapportage 2021" in text
    assert "DEMONSTRATIEGEGEVENS" in text
    achieved = next(r.achieved for r in progress_from_triples(triples("demo-voortgang-2021.ttl")))
    assert " ".join(achieved.split())[:40] in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("2019",), "YEAR must lie between"),
        (("2021", "--out", "rapport.txt"), "--out must end in .pdf or .html"),
        (("2021", "--format", "pdf"), "a PDF needs --out FILE"),
    ],
)
def test_cli_refuses_bad_arguments(
    tmp_path: Path, arguments: tuple[str, ...], message: str
) -> None:
    done = kringloop("report", *arguments, "--data-dir", str(tmp_path / "var"))
    assert done.returncode == 2
    assert message in done.stderr
    assert not list(tmp_path.glob("rapport*"))


@pytest.fixture(scope="module")
def reporting_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="module")
def reporting(reporting_dir: Path) -> Iterator[Service]:
    store_demo(reporting_dir / "var")
    service = start_managed(reporting_dir)
    yield service
    service.stop()


def test_page_shows_the_stored_records(reporting: Service, reporting_dir: Path) -> None:
    response = http.get(f"{reporting.url}/rapport/2021")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert "/static/report.css" in response.text and "<style>" not in response.text
    writer = build_writer(Settings.load({"data_dir": str(reporting_dir / "var")}, {}), None)
    expected = report_for(writer, 2021)
    assert f"Voor {expected.recorded} van de 139 activiteiten" in response.text
    english = http.get(f"{reporting.url}/rapport/2021?lang=en")
    assert "Progress report 2021" in english.text


def test_page_pdf(reporting: Service) -> None:
    response = http.get(f"{reporting.url}/rapport/2021.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert "Voortgangsrapportage 2021" in pdf_text(response.content)


@pytest.mark.parametrize("year", ["1999", "3000"])
def test_page_for_a_year_without_report_is_404(reporting: Service, year: str) -> None:
    response = http.get(f"{reporting.url}/rapport/{year}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
