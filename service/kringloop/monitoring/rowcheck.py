"""The rows of a progress or indicator sheet checked and turned into records.

Every problem of a sheet is collected as a :class:`RowError` (not only the first); a row
with an error yields no record. Columns are found by their header (case and spaces do not
matter), rows are numbered as the spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

from kringloop.monitoring import sheetlayout as layout
from kringloop.monitoring.activities import Activity
from kringloop.monitoring.cellvalues import (
    CellError,
    CellValue,
    cell_text,
    check_date,
    clean_text,
    is_empty,
    parse_date,
    parse_decimal,
)
from kringloop.monitoring.records import MERGED, Indicator, Observation, ProgressRecord

_T = TypeVar("_T")

#: Indicator values (targets) may be set years ahead; no date before this one is plausible.
EARLIEST_INDICATOR_DATE = date(2000, 1, 1)


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or a missing column, then ``row`` is the header row)."""

    sheet: str
    row: int  # 1-based, as the spreadsheet shows it
    column: str  # the header's name
    reason: str  # plain Dutch, without the place
    value: str = ""  # the cell as read

    @property
    def message(self) -> str:
        """The whole message in Dutch, naming sheet, row and column."""
        return f"Blad '{self.sheet}', rij {self.row}, kolom '{self.column}': {self.reason}"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SheetTable:
    """One sheet's cells as read: the header row and the data rows (with their numbers)."""

    name: str
    header_row: int
    headers: tuple[CellValue, ...]
    rows: tuple[tuple[int, tuple[CellValue, ...]], ...]


@dataclass
class Checked(Generic[_T]):
    """What the checks of one sheet made of it."""

    items: list[_T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # rows with an activity or indicator but nothing filled in


def _short_text(value: CellValue) -> str:
    return clean_text(value, layout.MAX_SHORT_TEXT, one_line=True)


def _long_text(value: CellValue) -> str:
    return clean_text(value, layout.MAX_LONG_TEXT)


class SheetRow:
    """One data row: its cells by header, and the errors found in it."""

    def __init__(
        self, table: SheetTable, number: int, cells: tuple[CellValue, ...], index: dict[str, int]
    ) -> None:
        self.table = table
        self.number = number
        self.cells = cells
        self.index = index
        self.errors: list[RowError] = []

    def cell(self, header: str) -> CellValue:
        position = self.index.get(layout.header_key(header))
        return self.cells[position] if position is not None and position < len(self.cells) else None

    def empty(self, *headers: str) -> bool:
        return all(is_empty(self.cell(header)) for header in headers)

    def error(self, header: str, reason: str) -> None:
        value = cell_text(self.cell(header)).strip()
        self.errors.append(RowError(self.table.name, self.number, header, reason, value))

    def day(self, today: date, earliest: date, why_earliest: str) -> date | None:
        """The ``Datum`` cell: a date from ``earliest`` to ``today``, or ``None``."""

        def plausible(value: CellValue) -> date | None:
            day = parse_date(value)
            if day is not None:
                check_date(day, today, earliest, why_earliest)
            return day

        return self.parse(layout.DATE, plausible, None)

    def parse(self, header: str, parser: Callable[[CellValue], _T], default: _T) -> _T:
        try:
            return parser(self.cell(header))
        except CellError as error:
            self.error(header, error.reason)
            return default


def column_index(
    table: SheetTable, required: tuple[str, ...], errors: list[RowError]
) -> dict[str, int] | None:
    """Header key -> position, or ``None`` (with errors) when a required column is missing."""
    index: dict[str, int] = {}
    for position, header in enumerate(table.headers):
        key = layout.header_key(cell_text(header))
        if not key:
            continue
        if key in index:
            errors.append(
                RowError(
                    table.name,
                    table.header_row,
                    cell_text(header).strip(),
                    f"de kolom staat twee keer in de kopregel (kolom {index[key] + 1} "
                    f"en {position + 1}); laat er één over",
                )
            )
        index.setdefault(key, position)
    for name in required:
        if layout.header_key(name) not in index:
            errors.append(
                RowError(
                    table.name,
                    table.header_row,
                    name,
                    f"de kolom '{name}' ontbreekt in de kopregel (rij {table.header_row}); "
                    "gebruik een geëxporteerd blad en verander de kopregel niet",
                )
            )
    return None if errors else index


def check_progress(
    table: SheetTable, year: int, activities: Sequence[Activity], today: date
) -> Checked[ProgressRecord]:
    """The progress records of a ``Voortgang {year}`` sheet, with every problem found."""
    result: Checked[ProgressRecord] = Checked()
    index = column_index(table, layout.PROGRESS_REQUIRED, result.errors)
    if index is None:
        return result
    known = {activity.iri: activity for activity in activities}
    by_label: dict[str, list[str]] = {}
    for activity in activities:
        by_label.setdefault(" ".join(activity.label.split()), []).append(activity.iri)
    seen: dict[str, int] = {}
    content = (layout.MERGED_WITH, layout.ACHIEVED, layout.EXPECTED, layout.DATE, layout.AUTHOR)
    for number, cells in table.rows:
        row = SheetRow(table, number, cells, index)
        if row.empty(layout.STATUS):
            if not row.empty(*content):
                row.error(
                    layout.STATUS,
                    "de status ontbreekt; kies een status of maak de rij leeg "
                    "(alleen rijen met een status worden ingelezen)",
                )
            elif not row.empty(layout.ACTIVITY_URI):
                result.skipped += 1
            result.errors.extend(row.errors)
            continue
        activity_iri = _activity(row, known, seen)
        record = _progress_record(row, activity_iri, year, known, by_label, today)
        result.errors.extend(row.errors)
        if record is not None and not row.errors:
            result.items.append(record)
    return result


def _activity(row: SheetRow, known: dict[str, Activity], seen: dict[str, int]) -> str:
    activity_iri = row.parse(layout.ACTIVITY_URI, _short_text, "")
    if not activity_iri:
        if not row.errors:
            row.error(
                layout.ACTIVITY_URI,
                "de Activiteit-URI ontbreekt; gebruik de rijen van een geëxporteerd blad",
            )
        return ""
    if activity_iri not in known:
        row.error(layout.ACTIVITY_URI, f"de activiteit '{activity_iri}' bestaat niet in de agenda")
        return ""
    if activity_iri in seen:
        row.error(
            layout.ACTIVITY_URI,
            f"deze activiteit staat ook in rij {seen[activity_iri]}; laat één rij per "
            "activiteit over",
        )
        return ""
    seen[activity_iri] = row.number
    return activity_iri


def _progress_record(
    row: SheetRow,
    activity_iri: str,
    year: int,
    known: dict[str, Activity],
    by_label: dict[str, list[str]],
    today: date,
) -> ProgressRecord | None:
    status_text = cell_text(row.cell(layout.STATUS)).strip()
    status = layout.parse_status(status_text)
    if status is None:
        row.error(
            layout.STATUS,
            f"'{status_text}' is geen geldige status. Kies uit: {', '.join(layout.STATUS_LABELS)}.",
        )
    merged_into = _merged_into(row, status, activity_iri, known, by_label)
    achieved = row.parse(layout.ACHIEVED, _long_text, "")
    expected = row.parse(layout.EXPECTED, _long_text, "")
    author = row.parse(layout.AUTHOR, _short_text, "")
    written = row.day(
        today,
        date(year, 1, 1),
        f"een voortgangsrapportage over {year} kan niet eerder geschreven zijn",
    )
    if status is None or not activity_iri or row.errors:
        return None
    return ProgressRecord(
        activity=activity_iri,
        year=year,
        status=status,
        achieved=achieved,
        expected=expected,
        date=written,
        author=author,
        merged_into=merged_into,
    )


def _merged_into(
    row: SheetRow,
    status: str | None,
    activity_iri: str,
    known: dict[str, Activity],
    by_label: dict[str, list[str]],
) -> str | None:
    text = row.parse(layout.MERGED_WITH, _short_text, "")
    if status != MERGED:
        if text and status is not None:
            row.error(
                layout.MERGED_WITH,
                "vul deze kolom alleen in bij de status 'samengevoegd'",
            )
        return None
    if not text:
        if not any(error.column == layout.MERGED_WITH for error in row.errors):
            row.error(
                layout.MERGED_WITH,
                "bij de status 'samengevoegd' hoort de activiteit waarmee ze is samengevoegd "
                "(de URI of de exacte naam)",
            )
        return None
    candidates = [text] if text in known else by_label.get(text, [])
    if not candidates:
        row.error(
            layout.MERGED_WITH,
            f"'{text}' is geen activiteit van de agenda; gebruik de Activiteit-URI of de "
            "exacte naam uit de kolom 'Activiteit'",
        )
        return None
    if len(candidates) > 1:
        row.error(
            layout.MERGED_WITH,
            f"meer activiteiten heten '{text}'; gebruik de Activiteit-URI",
        )
        return None
    if candidates[0] == activity_iri:
        row.error(layout.MERGED_WITH, "een activiteit kan niet met zichzelf zijn samengevoegd")
        return None
    return candidates[0]


def check_indicators(
    table: SheetTable, year: int, indicators: Sequence[Indicator], today: date
) -> Checked[Observation]:
    """The indicator values of an ``Indicatoren {year}`` sheet, with every problem found."""
    result: Checked[Observation] = Checked()
    index = column_index(table, layout.INDICATOR_REQUIRED, result.errors)
    if index is None:
        return result
    known = {indicator.iri for indicator in indicators}
    seen: dict[str, int] = {}
    values = (layout.BASELINE, layout.TARGET, layout.MEASURED)
    for number, cells in table.rows:
        row = SheetRow(table, number, cells, index)
        if row.empty(*values):
            if not row.empty(layout.SOURCE, layout.DATE, layout.AUTHOR):
                row.error(
                    layout.MEASURED,
                    "vul minstens één waarde in (Nulwaarde, Streefwaarde of Meetwaarde) of "
                    "maak Bron, Datum en Auteur leeg",
                )
            elif not row.empty(layout.INDICATOR_URI):
                result.skipped += 1
            result.errors.extend(row.errors)
            continue
        observation = _observation(row, year, known, seen, today)
        result.errors.extend(row.errors)
        if observation is not None and not row.errors:
            result.items.append(observation)
    return result


def _observation(
    row: SheetRow, year: int, known: set[str], seen: dict[str, int], today: date
) -> Observation | None:
    indicator = row.parse(layout.INDICATOR_URI, _short_text, "")
    if not indicator:
        row.error(layout.INDICATOR_URI, "de Indicator-URI ontbreekt")
    elif indicator not in known:
        row.error(layout.INDICATOR_URI, f"de indicator '{indicator}' bestaat niet")
    elif indicator in seen:
        row.error(
            layout.INDICATOR_URI,
            f"deze indicator staat ook in rij {seen[indicator]}; laat één rij per indicator over",
        )
    else:
        seen[indicator] = row.number
    none: Decimal | None = None
    baseline = row.parse(layout.BASELINE, parse_decimal, none)
    target = row.parse(layout.TARGET, parse_decimal, none)
    measured = row.parse(layout.MEASURED, parse_decimal, none)
    source = row.parse(layout.SOURCE, _short_text, "")
    author = row.parse(layout.AUTHOR, _short_text, "")
    recorded = row.day(today, EARLIEST_INDICATOR_DATE, "zo'n oude datum is onwaarschijnlijk")
    if row.errors:
        return None
    return Observation(
        indicator=indicator,
        year=year,
        baseline=baseline,
        target=target,
        measured=measured,
        source=source,
        date=recorded,
        author=author,
    )
