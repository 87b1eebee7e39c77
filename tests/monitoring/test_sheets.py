"""The progress spreadsheet: export, fill in as an officer would, read back with checks.

Real data: the bundled agenda's 139 activities. The indicators are made up here (the agenda
names none). ``TODAY`` is passed in, so "in the future" does not depend on the clock.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kringloop.monitoring import sheetinput
from kringloop.monitoring.activities import (
    Activity,
    activities_from_bindings,
    activities_query,
    bundled_activities,
)
from kringloop.monitoring.records import (
    MERGED,
    STATUS_IRIS,
    STATUSES,
    Indicator,
    Observation,
    ProgressRecord,
)
from kringloop.monitoring.sheets import (
    SheetRefusedError,
    SheetResult,
    SheetTooLargeError,
    export_indicators_csv,
    export_progress_csv,
    export_progress_xlsx,
    read_progress,
)
from kringloop.vocab import BASE, KL

YEAR = 2021
TODAY = date(2022, 3, 1)
PROGRESS = "Voortgang 2021"
INDICATORS = "Indicatoren 2021"
STATUS_CHOICES = "niet gestart, gestart, lopend, afgerond, gestopt, samengevoegd"


@cache
def agenda() -> tuple[Activity, ...]:
    return tuple(bundled_activities())


def indicators() -> list[Indicator]:
    return [
        Indicator(
            f"{BASE}id/indicator/circulaire-inkoop",
            "Aandeel circulaire inkoop",
            str(KL["prestatie-indicator"]),
            "%",
            "Het aandeel van de inkoopuitgaven met circulaire criteria.",
        ),
        Indicator(
            f"{BASE}id/indicator/primair-grondstofgebruik",
            "Primair grondstofgebruik",
            str(KL["effectindicator"]),
            "ton",
            "Het gebruik van primaire grondstoffen in de provincie.",
        ),
    ]


def read(data: bytes, name: str, **kwargs: object) -> SheetResult:
    return read_progress(data, name, YEAR, agenda(), today=TODAY, **kwargs)  # type: ignore[arg-type]


def messages(result: SheetResult) -> list[str]:
    return [error.message for error in result.errors]


# --- the activity list -------------------------------------------------------------------


def test_bundled_activities_are_the_agendas_139_in_its_order() -> None:
    activities = agenda()
    assert len(activities) == 139
    assert len({activity.iri for activity in activities}) == 139
    assert activities[0].label == "Circulair opnemen in regionaal programmeren wonen en werken"
    assert activities[0].theme_label == "Ruimtelijke ordening"
    assert activities[-1].theme_label == "Overhead"
    keys = [
        (int(a.theme_notation), ("zeker", "mogelijk").index(a.column_notation), a.line)
        for a in activities
    ]
    assert keys == sorted(keys)
    assert sorted({int(a.theme_notation) for a in activities}) == list(range(1, 11))
    assert {a.column_notation for a in activities} == {"zeker", "mogelijk"}
    assert sum(1 for a in activities if a.grouping_label) > 50


def test_activities_from_engine_bindings_are_ordered_and_deduplicated() -> None:
    """The lead runs activities_query() on the engine and passes its JSON bindings."""
    bindings = []
    for activity in reversed(agenda()):
        binding = {
            "activiteit": {"type": "uri", "value": activity.iri},
            "label": {"type": "literal", "value": activity.label},
            "thema": {"type": "uri", "value": activity.theme},
            "themaLabel": {"type": "literal", "value": activity.theme_label},
            "themaNotatie": {"type": "literal", "value": activity.theme_notation},
            "kolom": {"type": "uri", "value": activity.column},
            "kolomLabel": {"type": "literal", "value": activity.column_label},
            "kolomNotatie": {"type": "literal", "value": activity.column_notation},
            "regel": {"type": "literal", "value": str(activity.line)},
        }
        if activity.grouping_label:
            binding["groeperingLabel"] = {"type": "literal", "value": activity.grouping_label}
        bindings += [binding, binding]
    assert tuple(activities_from_bindings(bindings)) == agenda()
    assert "dcterms:isPartOf+ <https://w3id.org/kringloop/id/agenda/2021-2022>" in (
        activities_query()
    )


# --- export ------------------------------------------------------------------------------


def some_records() -> list[ProgressRecord]:
    first, second, third = agenda()[:3]
    return [
        ProgressRecord(
            first.iri,
            YEAR,
            STATUS_IRIS["lopend"],
            "Regionaal programma besproken.\nTwee gemeenten doen mee.",
            "Vaststelling in 2022",
            date(2021, 12, 1),
            "Beleidsmedewerker circulair",
        ),
        ProgressRecord(second.iri, YEAR, MERGED, merged_into=first.iri),
        ProgressRecord(third.iri, YEAR, STATUS_IRIS["niet-gestart"]),
    ]


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def header_column(sheet: object, header: str) -> int:
    row = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))  # type: ignore[attr-defined]
    return list(row).index(header) + 1


def test_xlsx_layout() -> None:
    book = workbook(export_progress_xlsx(YEAR, agenda(), [], today=TODAY))
    assert book.sheetnames == [PROGRESS, INDICATORS, "Toelichting", "Keuzelijsten"]
    assert book.active.title == PROGRESS
    assert book["Keuzelijsten"].sheet_state == "hidden"
    sheet = book[PROGRESS]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [
        "Activiteit-URI",
        "Activiteit",
        "Thema",
        "Groepering",
        "Kolom",
        "Status",
        "Samengevoegd met",
        "Bereikt",
        "Verwacht",
        "Datum",
        "Auteur",
    ]
    assert sheet.max_row == 140
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        activity.iri for activity in agenda()
    ]
    assert sheet["E2"].value == "zeker"
    assert sheet.freeze_panes == "C2"
    assert sheet.protection.sheet is True
    assert all(cell.font.bold for cell in sheet[1])
    uri, status, achieved = sheet["A2"], sheet["F2"], sheet["H2"]
    assert uri.protection.locked is True
    assert uri.fill.fgColor.rgb.endswith("EDEDED")
    assert status.protection.locked is False
    assert achieved.alignment.wrap_text is True
    assert sheet.column_dimensions["B"].width == 60
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["F2:F140"].type == "list"
    assert validations["F2:F140"].formula1 == "Keuzelijsten!$A$2:$A$7"
    assert validations["G2:G140"].formula1 == "Keuzelijsten!$D$2:$D$140"
    choices = book["Keuzelijsten"]
    assert [choices.cell(row=n, column=1).value for n in range(2, 8)] == [
        dutch for _, dutch, _ in STATUSES
    ]
    assert choices["D2"].value == agenda()[0].label
    explanation = " ".join(str(cell.value) for cell in book["Toelichting"]["A"])
    assert "Alleen rijen met een status worden ingelezen" in explanation
    assert "English" in explanation


def test_xlsx_prefills_existing_records() -> None:
    book = workbook(export_progress_xlsx(YEAR, agenda(), some_records(), today=TODAY))
    sheet = book[PROGRESS]
    assert sheet["F2"].value == "lopend"
    assert sheet["H2"].value == "Regionaal programma besproken.\nTwee gemeenten doen mee."
    assert sheet["J2"].value == datetime(2021, 12, 1)
    assert sheet["J2"].number_format == "DD-MM-YYYY"
    assert sheet["F3"].value == "samengevoegd"
    assert sheet["G3"].value == agenda()[0].label  # the exact name, resolved when read
    assert sheet["F4"].value == "niet gestart"
    assert sheet["F5"].value is None


def test_export_refuses_a_record_of_an_unknown_activity() -> None:
    stray = ProgressRecord(f"{BASE}id/activiteit/bestaat-niet", YEAR, STATUS_IRIS["gestart"])
    with pytest.raises(ValueError, match="unknown activity"):
        export_progress_xlsx(YEAR, agenda(), [stray])
    other_year = ProgressRecord(agenda()[0].iri, 2022, STATUS_IRIS["gestart"])
    rows = list(csv.reader(io.StringIO(export_progress_csv(YEAR, agenda(), [other_year]).decode())))
    assert rows[1][5] == ""  # a record of another year is not this year's sheet


def test_csv_export_is_utf8_bom_rfc4180() -> None:
    data = export_progress_csv(YEAR, agenda(), some_records())
    assert data.startswith(b"\xef\xbb\xbfActiviteit-URI,Activiteit,")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    assert '"Regionaal programma besproken.\nTwee gemeenten doen mee."' in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 140
    assert rows[1][9] == "01-12-2021"


# --- round trips -------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Cn"), include_characters="\n"),
    max_size=60,
).map(str.strip)
_PREFIXED = st.tuples(st.sampled_from(["", "=", "+", "-", "@", "'", "'="]), _TEXT).map(
    lambda pair: (pair[0] + pair[1]).strip()
)
_ONE_LINE = _PREFIXED.map(lambda text: " ".join(text.split()))


@st.composite
def record_sets(draw: st.DrawFn) -> list[ProgressRecord]:
    activities = agenda()[:12]
    chosen = draw(st.lists(st.sampled_from(activities), unique=True, max_size=8))
    records = []
    for activity in chosen:
        ref = draw(st.sampled_from([ref for ref, _, _ in STATUSES]))
        others = [other.iri for other in activities if other.iri != activity.iri]
        records.append(
            ProgressRecord(
                activity=activity.iri,
                year=YEAR,
                status=STATUS_IRIS[ref],
                achieved=draw(_PREFIXED),
                expected=draw(_PREFIXED),
                date=draw(st.none() | st.dates(date(YEAR, 1, 1), TODAY)),
                author=draw(_ONE_LINE),
                merged_into=draw(st.sampled_from(others)) if ref == "samengevoegd" else None,
            )
        )
    order = [activity.iri for activity in activities]
    return sorted(records, key=lambda record: order.index(record.activity))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=record_sets())
def test_round_trip_xlsx_and_csv(records: list[ProgressRecord]) -> None:
    activities = agenda()[:12]
    xlsx = export_progress_xlsx(YEAR, activities, records, today=TODAY)
    for data, name in (
        (xlsx, "voortgang.xlsx"),
        (export_progress_csv(YEAR, activities, records), "voortgang.csv"),
        (export_progress_csv(YEAR, activities, records, delimiter=";"), "voortgang.csv"),
    ):
        result = read_progress(data, name, YEAR, activities, today=TODAY)
        assert result.errors == []
        assert result.records == records
        assert result.skipped == len(activities) - len(records)


def test_formula_injection_is_neutralised() -> None:
    first, second = agenda()[:2]
    dangerous = [
        ProgressRecord(
            first.iri,
            YEAR,
            STATUS_IRIS["gestart"],
            '=HYPERLINK("http://example.org/?x="&A1,"klik")',
            "+31 30 258 9111",
            None,
            "@SUM(1+1)",
        ),
        ProgressRecord(second.iri, YEAR, STATUS_IRIS["gestopt"], "-2", "'=quoted", None, "'x"),
    ]
    text = export_progress_csv(YEAR, agenda(), dangerous).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][7] == '\'=HYPERLINK("http://example.org/?x="&A1,"klik")'
    assert rows[1][8] == "'+31 30 258 9111"
    assert rows[1][10] == "'@SUM(1+1)"
    assert rows[2][7:9] == ["'-2", "''=quoted"]
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
    )
    xlsx = export_progress_xlsx(YEAR, agenda(), dangerous, today=TODAY)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml  # no formula anywhere
    cell = workbook(xlsx)[PROGRESS]["H2"]
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    for data, name in ((xlsx, "v.xlsx"), (text.encode(), "v.csv")):
        assert read(data, name).records == dangerous


# --- an officer fills in an exported workbook ------------------------------------------


def fill_xlsx(data: bytes, edits: dict[tuple[int, str], object], sheet: str = PROGRESS) -> bytes:
    """Open an exported workbook with openpyxl, type values by (row, header), save."""
    book = workbook(data)
    worksheet = book[sheet]
    for (row, header), value in edits.items():
        worksheet.cell(row=row, column=header_column(worksheet, header)).value = value
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_reading_a_workbook_filled_in_by_hand() -> None:
    activities = agenda()
    exported = export_progress_xlsx(YEAR, activities, some_records(), today=TODAY)
    filled = fill_xlsx(
        exported,
        {
            (5, "Status"): " Afgerond ",
            (5, "Bereikt"): "  Houtbouwmotie uitgewerkt.  ",
            (5, "Datum"): datetime(2021, 11, 30),
            (5, "Auteur"): "  Team   Circulair ",
            (6, "Status"): "running",
            (6, "Datum"): "15-12-2021",
            (7, "Status"): "SAMENGEVOEGD",
            (7, "Samengevoegd met"): activities[7].iri,
            (8, "Status"): "Samengevoegd",
            (8, "Samengevoegd met"): f"  {activities[0].label} ",
            (8, "Datum"): "2022-01-10",
            (9, "Status"): "niet-gestart",
            (9, "Datum"): "1/2/2022",
            (4, "Status"): None,  # the officer clears an old status: the row is skipped
        },
    )
    result = read(filled, "voortgang-2021.xlsx")
    assert result.errors == []
    assert result.skipped == 139 - 7
    by_activity = {record.activity: record for record in result.records}
    assert len(by_activity) == 7
    assert activities[2].iri not in by_activity
    assert by_activity[activities[3].iri] == ProgressRecord(
        activities[3].iri,
        YEAR,
        STATUS_IRIS["afgerond"],
        "Houtbouwmotie uitgewerkt.",
        "",
        date(2021, 11, 30),
        "Team Circulair",
    )
    assert by_activity[activities[4].iri].status == STATUS_IRIS["lopend"]
    assert by_activity[activities[4].iri].date == date(2021, 12, 15)
    assert by_activity[activities[5].iri].merged_into == activities[7].iri
    assert by_activity[activities[6].iri].merged_into == activities[0].iri
    assert by_activity[activities[6].iri].date == date(2022, 1, 10)
    assert by_activity[activities[7].iri].date == date(2022, 2, 1)
    assert by_activity[activities[1].iri].merged_into == activities[0].iri
    assert [record.activity for record in result.records] == [
        activity.iri for activity in activities[:8] if activity.iri in by_activity
    ]


def test_a_formula_typed_by_the_officer_gives_no_value_and_no_error() -> None:
    """``data_only``: a formula cell counts as its cached value (none when never computed)."""
    filled = fill_xlsx(
        export_progress_xlsx(YEAR, agenda(), [], today=TODAY),
        {(2, "Status"): "lopend", (2, "Bereikt"): "=1+1"},
    )
    assert read(filled, "v.xlsx").records[0].achieved == ""


# --- CSV as Dutch Excel writes it ---------------------------------------------------------


def test_dutch_excel_csv_with_semicolons_and_bom() -> None:
    first, second = agenda()[:2]
    lines = [
        "Activiteit-URI;Activiteit;Thema;Groepering;Kolom;Status;Samengevoegd met;Bereikt;"
        "Verwacht;Datum;Auteur",
        f'{first.iri};"{first.label}";Ruimtelijke ordening;;zeker;Lopend;;"Gesprek met '
        f'gemeenten; twee doen mee.\r\nTweede regel";"Plan ""circulair"" in 2022";'
        f"1-12-2021;Jan de Vries",
        f"{second.iri};x;;;;;;;;;",
        ";;;;;;;;;;",
    ]
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n"
    result = read(data, "Voortgang 2021.csv")
    assert result.errors == []
    assert result.sheets == (PROGRESS,)
    assert result.records == [
        ProgressRecord(
            first.iri,
            YEAR,
            STATUS_IRIS["lopend"],
            "Gesprek met gemeenten; twee doen mee.\nTweede regel",
            'Plan "circulair" in 2022',
            date(2021, 12, 1),
            "Jan de Vries",
        )
    ]
    assert result.skipped == 1
    without_bom = read(data[3:], "csv")
    assert without_bom.records == result.records


# --- every error, with its sheet, row and column ------------------------------------------


def edited_csv(edits: dict[tuple[int, str], str], records: Sequence[ProgressRecord] = ()) -> bytes:
    """The exported CSV with cells replaced by (row as the spreadsheet shows it, header)."""
    text = export_progress_csv(YEAR, agenda(), records).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for (row, header), value in edits.items():
        rows[row - 1][rows[0].index(header)] = value
    output = io.StringIO()
    csv.writer(output, lineterminator="\r\n").writerows(rows)
    return output.getvalue().encode("utf-8")


FIRST = agenda()[0]
UNKNOWN = f"{BASE}id/activiteit/bestaat-niet"

ERROR_CASES = [
    pytest.param(
        {(5, "Status"): "bezig"},
        "Blad 'Voortgang 2021', rij 5, kolom 'Status': 'bezig' is geen geldige status. "
        f"Kies uit: {STATUS_CHOICES}.",
        id="status-unknown",
    ),
    pytest.param(
        {(7, "Status"): "lopend", (7, "Activiteit-URI"): UNKNOWN},
        f"Blad 'Voortgang 2021', rij 7, kolom 'Activiteit-URI': de activiteit '{UNKNOWN}' "
        "bestaat niet in de agenda",
        id="activity-unknown",
    ),
    pytest.param(
        {(7, "Status"): "lopend", (7, "Activiteit-URI"): ""},
        "Blad 'Voortgang 2021', rij 7, kolom 'Activiteit-URI': de Activiteit-URI ontbreekt; "
        "gebruik de rijen van een geëxporteerd blad",
        id="activity-missing",
    ),
    pytest.param(
        {(3, "Bereikt"): "Iets gedaan"},
        "Blad 'Voortgang 2021', rij 3, kolom 'Status': de status ontbreekt; kies een status "
        "of maak de rij leeg (alleen rijen met een status worden ingelezen)",
        id="status-missing-with-content",
    ),
    pytest.param(
        {(4, "Status"): "samengevoegd"},
        "Blad 'Voortgang 2021', rij 4, kolom 'Samengevoegd met': bij de status 'samengevoegd' "
        "hoort de activiteit waarmee ze is samengevoegd (de URI of de exacte naam)",
        id="merged-without-target",
    ),
    pytest.param(
        {(4, "Status"): "samengevoegd", (4, "Samengevoegd met"): "Iets anders"},
        "Blad 'Voortgang 2021', rij 4, kolom 'Samengevoegd met': 'Iets anders' is geen "
        "activiteit van de agenda; gebruik de Activiteit-URI of de exacte naam uit de kolom "
        "'Activiteit'",
        id="merged-target-unknown",
    ),
    pytest.param(
        {(2, "Status"): "samengevoegd", (2, "Samengevoegd met"): FIRST.label},
        "Blad 'Voortgang 2021', rij 2, kolom 'Samengevoegd met': een activiteit kan niet met "
        "zichzelf zijn samengevoegd",
        id="merged-with-itself",
    ),
    pytest.param(
        {(4, "Status"): "afgerond", (4, "Samengevoegd met"): FIRST.iri},
        "Blad 'Voortgang 2021', rij 4, kolom 'Samengevoegd met': vul deze kolom alleen in bij "
        "de status 'samengevoegd'",
        id="merged-target-without-merged-status",
    ),
    pytest.param(
        {(6, "Status"): "gestart", (6, "Datum"): "02-03-2022"},
        "Blad 'Voortgang 2021', rij 6, kolom 'Datum': de datum 02-03-2022 ligt in de toekomst",
        id="date-future",
    ),
    pytest.param(
        {(6, "Status"): "gestart", (6, "Datum"): "2020-12-31"},
        "Blad 'Voortgang 2021', rij 6, kolom 'Datum': de datum 31-12-2020 ligt vóór "
        "01-01-2021: een voortgangsrapportage over 2021 kan niet eerder geschreven zijn",
        id="date-before-year",
    ),
    pytest.param(
        {(6, "Status"): "gestart", (6, "Datum"): "31-02-2021"},
        "Blad 'Voortgang 2021', rij 6, kolom 'Datum': '31-02-2021' is geen bestaande datum; "
        "gebruik dd-mm-jjjj (bijvoorbeeld 15-12-2021) of jjjj-mm-dd",
        id="date-impossible",
    ),
    pytest.param(
        {(6, "Status"): "gestart", (6, "Datum"): "gisteren"},
        "Blad 'Voortgang 2021', rij 6, kolom 'Datum': 'gisteren' is geen datum; gebruik "
        "dd-mm-jjjj (bijvoorbeeld 15-12-2021) of jjjj-mm-dd",
        id="date-not-a-date",
    ),
    pytest.param(
        {(8, "Status"): "lopend", (8, "Verwacht"): "x" * 5001},
        "Blad 'Voortgang 2021', rij 8, kolom 'Verwacht': de tekst is te lang (5001 tekens; "
        "hooguit 5000)",
        id="text-too-long",
    ),
    pytest.param(
        {(8, "Status"): "lopend", (8, "Auteur"): "Jan\x07"},
        "Blad 'Voortgang 2021', rij 8, kolom 'Auteur': de tekst bevat een ongeldig teken "
        "(U+0007); verwijder het of typ de tekst opnieuw",
        id="text-control-character",
    ),
    pytest.param(
        {(2, "Status"): "lopend", (9, "Status"): "gestart", (9, "Activiteit-URI"): FIRST.iri},
        "Blad 'Voortgang 2021', rij 9, kolom 'Activiteit-URI': deze activiteit staat ook in "
        "rij 2; laat één rij per activiteit over",
        id="activity-twice",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), ERROR_CASES)
def test_row_errors_name_sheet_row_and_column(
    edits: dict[tuple[int, str], str], expected: str
) -> None:
    result = read(edited_csv(edits), "voortgang.csv")
    assert messages(result) == [expected]


def test_every_error_of_a_file_is_reported_and_erroneous_rows_yield_nothing() -> None:
    data = fill_xlsx(
        export_progress_xlsx(YEAR, agenda(), [], today=TODAY),
        {
            (2, "Status"): "bezig",
            (2, "Datum"): "morgen",
            (3, "Status"): "lopend",
            (10, "Status"): "samengevoegd",
            (20, "Auteur"): "iemand",
        },
    )
    result = read(data, "v.xlsx")
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [
        (PROGRESS, 2, "Status"),
        (PROGRESS, 2, "Datum"),
        (PROGRESS, 10, "Samengevoegd met"),
        (PROGRESS, 20, "Status"),
    ]
    assert result.errors[0].value == "bezig"
    assert str(result.errors[1]) == result.errors[1].message
    assert [record.activity for record in result.records] == [agenda()[1].iri]
    assert not result.ok


def test_missing_headers_are_named() -> None:
    text = export_progress_csv(YEAR, agenda(), []).decode("utf-8-sig")
    data = text.replace(",Status,", ",Stand,").replace(",Auteur\r\n", ",Door\r\n", 1).encode()
    result = read(data, "v.csv")
    assert messages(result) == [
        "Blad 'Voortgang 2021', rij 1, kolom 'Status': de kolom 'Status' ontbreekt in de "
        "kopregel (rij 1); gebruik een geëxporteerd blad en verander de kopregel niet",
        "Blad 'Voortgang 2021', rij 1, kolom 'Auteur': de kolom 'Auteur' ontbreekt in de "
        "kopregel (rij 1); gebruik een geëxporteerd blad en verander de kopregel niet",
    ]
    assert result.records == []


def test_headers_match_without_case_and_columns_may_move() -> None:
    rows = [
        [
            "auteur",
            "STATUS",
            " activiteit-uri ",
            "Bereikt",
            "Verwacht",
            "datum",
            "Samengevoegd met",
        ],
        ["Piet", "afgerond", FIRST.iri, "", "", "", ""],
    ]
    output = io.StringIO()
    csv.writer(output, delimiter=";").writerows(rows)
    result = read(output.getvalue().encode(), "v.csv")
    assert result.errors == []
    assert result.records == [
        ProgressRecord(FIRST.iri, YEAR, STATUS_IRIS["afgerond"], author="Piet")
    ]


# --- the indicator sheet -----------------------------------------------------------------


def test_indicator_sheet_round_trip_and_dutch_numbers() -> None:
    inkoop, grondstof = (indicator.iri for indicator in indicators())
    observations = [
        Observation(
            inkoop,
            YEAR,
            Decimal("12.5"),
            Decimal("30"),
            Decimal("14.25"),
            "Inkoopdata",
            date(2022, 2, 1),
            "Team inkoop",
        ),
        Observation(inkoop, 2022, target=Decimal("40")),  # another year: not on this sheet
    ]
    exported = export_progress_xlsx(
        YEAR, agenda(), [], indicators=indicators(), observations=observations, today=TODAY
    )
    sheet = workbook(exported)[INDICATORS]
    assert [cell.value for cell in sheet[1]] == [
        "Indicator-URI", "Indicator", "Eenheid", "Nulwaarde", "Streefwaarde", "Meetwaarde",
        "Bron", "Datum", "Auteur",
    ]  # fmt: skip
    assert sheet["C2"].value == "%"
    assert sheet["A2"].protection.locked is True and sheet["D2"].protection.locked is False
    result = read(exported, "v.xlsx", indicators=indicators())
    assert result.observations == observations[:1]
    assert result.skipped_observations == 1
    filled = fill_xlsx(
        exported,
        {
            (3, "Nulwaarde"): "1.234.567,89",
            (3, "Streefwaarde"): "1234567.5",
            (3, "Meetwaarde"): 1e6,
        },
        sheet=INDICATORS,
    )
    result = read(filled, "v.xlsx", indicators=indicators())
    assert result.errors == []
    assert result.observations[1] == Observation(
        grondstof, YEAR, Decimal("1234567.89"), Decimal("1234567.5"), Decimal("1000000")
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234,5", Decimal("1234.5")),
        ("1234,5", Decimal("1234.5")),
        ("1234.5", Decimal("1234.5")),
        ("0.125", Decimal("0.125")),
        ("1,234,567", Decimal("1234567")),
        ("1,234.5", Decimal("1234.5")),
        ("-12,5", Decimal("-12.5")),
        (" 1 234,5 ", Decimal("1234.5")),
        ("42", Decimal("42")),
    ],
)
def test_indicator_csv_numbers(text: str, value: Decimal) -> None:
    data = export_indicators_csv(YEAR, indicators(), [], delimiter=";").decode("utf-8-sig")
    data = data.replace(";%;;;;;;\r\n", f';%;;;"{text}";;;\r\n')
    result = read(data.encode(), "indicatoren.csv", indicators=indicators())
    assert result.errors == []
    assert result.sheets == (INDICATORS,)
    assert [observation.measured for observation in result.observations] == [value]


def indicator_csv(rows: list[list[str]]) -> bytes:
    output = io.StringIO()
    output.write(
        "Indicator-URI;Indicator;Eenheid;Nulwaarde;Streefwaarde;Meetwaarde;Bron;Datum;Auteur\r\n"
    )
    csv.writer(output, delimiter=";", lineterminator="\r\n").writerows(rows)
    return output.getvalue().encode()


def test_indicator_errors() -> None:
    inkoop = indicators()[0].iri
    unknown = f"{BASE}id/indicator/bestaat-niet"
    data = indicator_csv(
        [
            [inkoop, "", "", "1.234", "abc", "", "", "", ""],
            [unknown, "", "", "1", "", "", "", "", ""],
            ["", "", "", "", "", "", "Rapport", "", ""],
            [inkoop, "", "", "", "", "5", "", "01-01-2030", ""],
        ]
    )
    assert messages(read(data, "i.csv", indicators=indicators())) == [
        "Blad 'Indicatoren 2021', rij 2, kolom 'Nulwaarde': '1.234' is dubbelzinnig: bedoelt u "
        "1234 of 1,234? Schrijf duizendtallen zonder punt of met een decimale komma (1.234,0)",
        "Blad 'Indicatoren 2021', rij 2, kolom 'Streefwaarde': 'abc' is geen getal; schrijf "
        "bijvoorbeeld 1234,5 of 1.234,5",
        f"Blad 'Indicatoren 2021', rij 3, kolom 'Indicator-URI': de indicator '{unknown}' "
        "bestaat niet",
        "Blad 'Indicatoren 2021', rij 4, kolom 'Meetwaarde': vul minstens één waarde in "
        "(Nulwaarde, Streefwaarde of Meetwaarde) of maak Bron, Datum en Auteur leeg",
        "Blad 'Indicatoren 2021', rij 5, kolom 'Indicator-URI': deze indicator staat ook in "
        "rij 2; laat één rij per indicator over",
        "Blad 'Indicatoren 2021', rij 5, kolom 'Datum': de datum 01-01-2030 ligt in de toekomst",
    ]


# --- files refused before any row is read ------------------------------------------------


def zip_bytes(members: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return output.getvalue()


def exported_members() -> dict[str, bytes]:
    data = export_progress_xlsx(YEAR, agenda()[:3], [], today=TODAY)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    members = exported_members()
    members["xl/media/padding.xml"] = b"\0" * (sheetinput.MAX_UNCOMPRESSED_BYTES + 1)
    bomb = zip_bytes(members)
    assert len(bomb) < sheetinput.MAX_FILE_BYTES  # small as sent, huge inflated
    with pytest.raises(SheetTooLargeError, match="uitgepakt te groot"):
        read(bomb, "bom.xlsx")


def test_many_members_are_refused() -> None:
    members = exported_members()
    members.update({f"xl/extra/{n}.txt": b"" for n in range(sheetinput.MAX_MEMBERS)})
    with pytest.raises(SheetRefusedError, match="te veel onderdelen"):
        read(zip_bytes(members), "v.xlsx")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"xl/vbaProject.bin": b"macro"}, "macro's"),
        (
            {"xl/sharedStrings.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x/>'},
            "documenttypedeclaratie",
        ),
    ],
    ids=["macros", "doctype"],
)
def test_dangerous_workbooks_are_refused(change: dict[str, bytes], message: str) -> None:
    members = exported_members()
    members.update(change)
    with pytest.raises(SheetRefusedError, match=message):
        read(zip_bytes(members), "v.xlsx")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Dit is geen werkmap", "voortgang.xlsx", "geen Excel-werkmap"),
        (b"%PDF-1.7\n...", "voortgang.xlsx", "geen Excel-werkmap"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "voortgang.xlsx", "oud Excel-bestand"),
        (zip_bytes({"a.txt": b"x"}), "voortgang.xlsx", "geen Excel-werkmap"),
        (b"PK\x03\x04 truncated", "voortgang.xlsx", "beschadigd"),
        (b"x", "voortgang.xlsm", "macro's"),
        (b"x", "voortgang.ods", "geen .xlsx- of .csv-bestand"),
        (b"x", "voortgang.xls", "geen .xlsx- of .csv-bestand"),
        ("Activiteit-URI;Status\r\nx;café".encode("cp1252"), "v.csv", "geen UTF-8"),
        ("Activiteit-URI,Status".encode("utf-16"), "v.csv", "UTF-16"),
        (b"naam,waarde\r\na,1\r\n", "v.csv", "geen kopregel"),
        (b'Activiteit-URI,Status\r\n"x,lopend\r\n', "v.csv", "onleesbaar"),
        (b"", "v.csv", "geen kopregel"),
    ],
    ids=[
        "text",
        "pdf",
        "ole",
        "zip-not-workbook",
        "truncated-zip",
        "xlsm",
        "ods",
        "xls",
        "cp1252",
        "utf16",
        "csv-unknown-header",
        "csv-bad-quote",
        "empty",
    ],
)
def test_files_that_are_not_what_they_say_are_refused(data: bytes, name: str, message: str) -> None:
    with pytest.raises(SheetRefusedError, match=message):
        read(data, name)


def test_a_truncated_workbook_is_refused_cleanly() -> None:
    data = export_progress_xlsx(YEAR, agenda(), [], today=TODAY)
    with pytest.raises(SheetRefusedError):
        read(data[: len(data) // 2], "v.xlsx")


def test_a_workbook_of_another_year_is_refused_naming_its_sheets() -> None:
    data = export_progress_xlsx(2022, agenda(), [], today=TODAY)
    with pytest.raises(
        SheetRefusedError, match="geen blad 'Voortgang 2021' \\(wel: 'Voortgang 2022'"
    ):
        read(data, "v.xlsx")


def test_size_and_row_limits() -> None:
    with pytest.raises(SheetTooLargeError):
        read(b"x" * (sheetinput.MAX_FILE_BYTES + 1), "v.csv")
    rows = "\r\n".join(f"{FIRST.iri},lopend" for _ in range(sheetinput.MAX_ROWS + 1))
    with pytest.raises(SheetTooLargeError, match="te veel rijen"):
        read(f"Activiteit-URI,Status\r\n{rows}".encode(), "v.csv")


def test_year_outside_the_plausible_range_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="year 1999"):
        read_progress(b"", "v.csv", 1999, agenda())
