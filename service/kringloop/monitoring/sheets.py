"""The yearly progress spreadsheet: exported for the officer to fill in, read back in.

Export: an XLSX workbook with the sheets ``Voortgang {year}`` (one row per activity, in the
agenda's order, existing records filled in), ``Indicatoren {year}`` (one row per indicator),
``Toelichting`` (how to fill it in, in Dutch) and the hidden ``Keuzelijsten`` (the statuses
and activity names the dropdowns offer); or one CSV per sheet (UTF-8 with a byte-order
mark, RFC 4180, every text cell safe from formula injection). Reading is
:func:`read_progress` (:mod:`kringloop.monitoring.sheetinput`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from kringloop.monitoring import sheetlayout as layout
from kringloop.monitoring.activities import Activity
from kringloop.monitoring.records import Indicator, Observation, ProgressRecord
from kringloop.monitoring.sheetinput import (
    SheetRefusedError,
    SheetResult,
    SheetTooLargeError,
    read_progress,
)
from kringloop.monitoring.sheetlayout import Cell
from kringloop.monitoring.workbook import XLSX_MEDIA_TYPE, build_workbook
from kringloop.viewtables import BOM

__all__ = [
    "XLSX_MEDIA_TYPE",
    "SheetRefusedError",
    "SheetResult",
    "SheetTooLargeError",
    "export_indicators_csv",
    "export_progress_csv",
    "export_progress_xlsx",
    "indicator_rows",
    "progress_rows",
    "read_progress",
]


def progress_rows(
    year: int, activities: Sequence[Activity], existing: Sequence[ProgressRecord]
) -> list[dict[str, Cell]]:
    """One row per activity (header -> value), ``existing`` records of ``year`` filled in.

    Records of other years are left out; a record of an activity not in ``activities``, or
    two records of one activity, is a ``ValueError`` (the caller mixed up editions).
    """
    known = {activity.iri: activity for activity in activities}
    labels = [activity.label for activity in activities]
    unique_labels = {label for label in labels if labels.count(label) == 1}
    records: dict[str, ProgressRecord] = {}
    for given in existing:
        if given.year != year:
            continue
        if given.activity not in known:
            raise ValueError(f"a record of {year} names an unknown activity: {given.activity}")
        if given.activity in records:
            raise ValueError(f"two records of {year} for one activity: {given.activity}")
        records[given.activity] = given
    rows: list[dict[str, Cell]] = []
    for activity in activities:
        record = records.get(activity.iri)
        merged = ""
        if record is not None and record.merged_into:
            target = known.get(record.merged_into)
            merged = (
                target.label if target and target.label in unique_labels else record.merged_into
            )
        rows.append(
            {
                layout.ACTIVITY_URI: activity.iri,
                layout.ACTIVITY: activity.label,
                layout.THEME: activity.theme_label,
                layout.GROUPING: activity.grouping_label,
                layout.COLUMN: activity.column_notation or activity.column_label,
                layout.STATUS: layout.status_label(record.status) if record else "",
                layout.MERGED_WITH: merged,
                layout.ACHIEVED: record.achieved if record else "",
                layout.EXPECTED: record.expected if record else "",
                layout.DATE: record.date if record else None,
                layout.AUTHOR: record.author if record else "",
            }
        )
    return rows


def indicator_rows(
    year: int, indicators: Sequence[Indicator], observations: Sequence[Observation]
) -> list[dict[str, Cell]]:
    """One row per indicator (header -> value), its observation of ``year`` filled in."""
    known = {indicator.iri for indicator in indicators}
    values: dict[str, Observation] = {}
    for observation in observations:
        if observation.year != year:
            continue
        if observation.indicator not in known:
            raise ValueError(f"an observation names an unknown indicator: {observation.indicator}")
        if observation.indicator in values:
            raise ValueError(f"two observations of {year} for {observation.indicator}")
        values[observation.indicator] = observation
    rows: list[dict[str, Cell]] = []
    for indicator in indicators:
        value = values.get(indicator.iri)
        rows.append(
            {
                layout.INDICATOR_URI: indicator.iri,
                layout.INDICATOR: indicator.label,
                layout.UNIT: indicator.unit,
                layout.BASELINE: value.baseline if value else None,
                layout.TARGET: value.target if value else None,
                layout.MEASURED: value.measured if value else None,
                layout.SOURCE: value.source if value else "",
                layout.DATE: value.date if value else None,
                layout.AUTHOR: value.author if value else "",
            }
        )
    return rows


def export_progress_xlsx(
    year: int,
    activities: Sequence[Activity],
    existing: Sequence[ProgressRecord],
    *,
    indicators: Sequence[Indicator] = (),
    observations: Sequence[Observation] = (),
    today: date | None = None,
) -> bytes:
    """The workbook for ``year`` (sheets ``Voortgang``, ``Indicatoren``, ``Toelichting``)."""
    return build_workbook(
        year,
        activities,
        progress_rows(year, activities, existing),
        indicator_rows(year, indicators, observations),
        today or date.today(),
    )


def export_progress_csv(
    year: int,
    activities: Sequence[Activity],
    existing: Sequence[ProgressRecord],
    *,
    delimiter: str = ",",
) -> bytes:
    """The progress sheet as CSV (UTF-8 with BOM); ``delimiter=";"`` for Dutch Excel."""
    rows = progress_rows(year, activities, existing)
    return _csv(layout.PROGRESS_HEADERS, rows, delimiter)


def export_indicators_csv(
    year: int,
    indicators: Sequence[Indicator],
    observations: Sequence[Observation],
    *,
    delimiter: str = ",",
) -> bytes:
    """The indicator sheet as CSV: one row per indicator with its values of ``year``."""
    rows = indicator_rows(year, indicators, observations)
    return _csv(layout.INDICATOR_HEADERS, rows, delimiter)


def _csv(headers: tuple[str, ...], rows: list[dict[str, Cell]], delimiter: str) -> bytes:
    """RFC 4180 (CRLF, quotes where needed), texts escaped, numbers with a decimal comma."""
    if delimiter not in (",", ";"):
        raise ValueError(f"delimiter must be ',' or ';', not {delimiter!r}")
    output = io.StringIO()
    output.write(BOM)
    writer = csv.writer(output, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(row[header]) for header in headers])
    return output.getvalue().encode("utf-8")


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):  # a decimal comma either way: never read as thousands
        return format(value, "f").replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return layout.escape_csv(value)
