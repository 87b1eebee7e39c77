"""The progress workbook as XLSX: styled, protected sheets with dropdowns and explanation.

The rows come from :mod:`kringloop.monitoring.sheets` (header -> value); this module only
lays them out: a bold, frozen header row, grey locked label columns, unlocked cells to fill
in, dropdowns for the status and the merged-into activity, the ``Toelichting`` sheet and the
hidden ``Keuzelijsten`` sheet the dropdowns read. Text cells are always stored as text
(a leading ``=`` is never a formula) with a quote prefix where a spreadsheet might
otherwise take it for one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kringloop.monitoring import sheetlayout as layout
from kringloop.monitoring.activities import Activity
from kringloop.monitoring.records import STATUSES
from kringloop.monitoring.sheetexplain import explanation_lines
from kringloop.monitoring.sheetlayout import Cell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_WIDTHS = {
    layout.ACTIVITY_URI: 30,
    layout.ACTIVITY: 60,
    layout.THEME: 22,
    layout.GROUPING: 24,
    layout.COLUMN: 10,
    layout.STATUS: 15,
    layout.MERGED_WITH: 36,
    layout.ACHIEVED: 55,
    layout.EXPECTED: 55,
    layout.DATE: 12,
    layout.AUTHOR: 20,
    layout.INDICATOR_URI: 30,
    layout.INDICATOR: 45,
    layout.UNIT: 12,
    layout.BASELINE: 14,
    layout.TARGET: 14,
    layout.MEASURED: 14,
    layout.SOURCE: 40,
}
_WRAPPED = {layout.ACTIVITY, layout.MERGED_WITH, layout.ACHIEVED, layout.EXPECTED}
_HEADER_FILL = PatternFill("solid", fgColor="D9E7D2")
_LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
_LOCKED_FONT = Font(color="595959")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="7F7F7F"))
_DATE_FORMAT = "DD-MM-YYYY"


def build_workbook(
    year: int,
    activities: Sequence[Activity],
    progress_rows: list[dict[str, Cell]],
    indicator_rows: list[dict[str, Cell]],
    today: date,
) -> bytes:
    """The XLSX bytes: progress and indicator sheets, explanation, choice lists."""
    workbook = Workbook()
    progress = workbook.active
    assert isinstance(progress, Worksheet)
    progress.title = layout.progress_sheet_name(year)
    _fill(progress, layout.PROGRESS_HEADERS, layout.PROGRESS_EDITABLE, progress_rows)
    indicator_sheet = workbook.create_sheet(layout.indicator_sheet_name(year))
    _fill(indicator_sheet, layout.INDICATOR_HEADERS, layout.INDICATOR_EDITABLE, indicator_rows)
    write_explanation(
        workbook.create_sheet(layout.EXPLANATION_SHEET), explanation_lines(year, today)
    )
    _choices(workbook.create_sheet(layout.CHOICES_SHEET), activities)
    _validate_progress(progress, len(progress_rows), len(activities), year)
    _validate_indicators(indicator_sheet, len(indicator_rows))
    workbook.active = 0
    workbook.properties.title = f"Voortgang Uitvoeringsagenda Circulaire Samenleving {year}"
    workbook.properties.creator = "Kringloop"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _fill(
    sheet: Worksheet,
    headers: tuple[str, ...],
    editable: tuple[str, ...],
    rows: list[dict[str, Cell]],
) -> None:
    """Header and rows; locked grey label columns, unlocked editable cells, a frozen header."""
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        _set(cell, header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(header, 15)
    for number, row in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            cell = sheet.cell(row=number, column=column)
            _set(cell, row[header])
            cell.alignment = Alignment(wrap_text=header in _WRAPPED, vertical="top")
            if header == layout.DATE:
                cell.number_format = _DATE_FORMAT
            if header in editable:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = _LOCKED_FILL
                cell.font = _LOCKED_FONT
    last = get_column_letter(len(headers))
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    _protect(sheet)


def _protect(sheet: Worksheet) -> None:
    """Protected without a password: the grey columns cannot be typed over by accident."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.autoFilter = False
    protection.sort = False


def _set(cell: object, value: Cell) -> None:
    """A value in a cell; text is always text (never a formula), without illegal characters."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value).replace("\ufffe", "").replace("\uffff", "")
        cell.value = text  # type: ignore[attr-defined]
        cell.data_type = "s"  # type: ignore[attr-defined]
        if text.startswith(("=", "+", "-", "@")):
            cell.quotePrefix = True  # type: ignore[attr-defined]
    else:
        cell.value = value  # type: ignore[attr-defined]


def _column_range(headers: tuple[str, ...], header: str, rows: int) -> str:
    letter = get_column_letter(headers.index(header) + 1)
    return f"{letter}2:{letter}{max(rows, 1) + 1}"


def _validate_progress(sheet: Worksheet, rows: int, activities: int, year: int) -> None:
    headers = layout.PROGRESS_HEADERS
    status = DataValidation(
        type="list",
        formula1=f"{layout.CHOICES_SHEET}!$A$2:$A${len(STATUSES) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Ongeldige status",
        error="Kies een status uit de lijst: " + ", ".join(layout.STATUS_LABELS) + ".",
        showInputMessage=True,
        promptTitle="Status",
        prompt="Kies de status van deze activiteit. Alleen rijen met een status worden ingelezen.",
    )
    status.add(_column_range(headers, layout.STATUS, rows))
    merged = DataValidation(
        type="list",
        formula1=f"{layout.CHOICES_SHEET}!$D$2:$D${max(activities, 1) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Onbekende activiteit",
        error="Kies de naam uit de lijst of plak de Activiteit-URI.",
        showInputMessage=True,
        promptTitle="Samengevoegd met",
        prompt="Alleen bij de status 'samengevoegd': de activiteit waarin deze is opgegaan.",
    )
    merged.add(_column_range(headers, layout.MERGED_WITH, rows))
    written = DataValidation(
        type="date",
        operator="between",
        formula1=f"DATE({year},1,1)",
        formula2="DATE(2100,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Datum",
        error=f"Vul een datum in (dd-mm-jjjj), niet vóór 01-01-{year} en niet in de toekomst.",
    )
    written.add(_column_range(headers, layout.DATE, rows))
    for validation in (status, merged, written):
        sheet.add_data_validation(validation)


def _validate_indicators(sheet: Worksheet, rows: int) -> None:
    headers = layout.INDICATOR_HEADERS
    number = DataValidation(
        type="decimal",
        operator="between",
        formula1="-1000000000000000",
        formula2="1000000000000000",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Getal",
        error="Vul een getal in, zonder eenheid (bijvoorbeeld 1234,5).",
    )
    for header in (layout.BASELINE, layout.TARGET, layout.MEASURED):
        number.add(_column_range(headers, header, rows))
    sheet.add_data_validation(number)


def write_explanation(sheet: Worksheet, lines: Sequence[tuple[str, bool]]) -> None:
    """The ``Toelichting`` sheet: one wrapped line (text, bold) per row, the first a title."""
    sheet.column_dimensions["A"].width = 110
    for number, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1)
        _set(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=13 if number == 1 else 11)


def _choices(sheet: Worksheet, activities: Sequence[Activity]) -> None:
    """The statuses (A-C) and the activity names and URIs (D-E) the dropdowns offer."""
    for column, header in enumerate(
        ("Status", "Status (English)", "Referentie", "Activiteit", "Activiteit-URI"), start=1
    ):
        _set(sheet.cell(row=1, column=column), header)
        sheet.cell(row=1, column=column).font = Font(bold=True)
    for number, (ref, dutch, english) in enumerate(STATUSES, start=2):
        for column, text in enumerate((dutch, english, ref), start=1):
            _set(sheet.cell(row=number, column=column), text)
    for number, activity in enumerate(activities, start=2):
        _set(sheet.cell(row=number, column=4), activity.label)
        _set(sheet.cell(row=number, column=5), activity.iri)
    for letter, width in zip("ABCDE", (16, 30, 16, 60, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True
