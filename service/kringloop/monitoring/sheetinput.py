"""An uploaded progress spreadsheet (XLSX or CSV) read safely into checked records.

The file is refused before any parser sees it when it is too large, not what its name
says, holds macros, is encrypted, or is a zip bomb (the members' uncompressed sizes are
summed from the zip directory; Python's zip reader never inflates a member beyond its
declared size, so the sum bounds the work) or carries an XML document type declaration.
openpyxl then reads values only (``data_only``: a formula gives its cached value) in
read-only mode. A CSV must be UTF-8 (with or without a byte-order mark); its delimiter
(``,``, ``;`` as Dutch Excel writes, or tab) is the one that makes a known header row.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import openpyxl

from kringloop.errors import BadRequestError, PayloadTooLargeError
from kringloop.monitoring import sheetlayout as layout
from kringloop.monitoring.activities import Activity
from kringloop.monitoring.cellvalues import CellValue, cell_text, is_empty
from kringloop.monitoring.records import Indicator, Observation, ProgressRecord
from kringloop.monitoring.rowcheck import (
    RowError,
    SheetTable,
    check_indicators,
    check_progress,
)

MAX_FILE_BYTES = 5 * 1024 * 1024  # the upload as sent
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # an XLSX's members together, inflated
MAX_MEMBERS = 500
MAX_ROWS = 5000  # non-empty rows per sheet
MAX_SCANNED_ROWS = 100_000  # rows per sheet including empty ones
MAX_COLUMNS = 60
MIN_YEAR, MAX_YEAR = 2000, 2100

SAVE_AS_CSV = "sla het in Excel op als 'CSV UTF-8 (door komma's gescheiden)'"
SAVE_AS_XLSX = "sla het op als Excel-werkmap (.xlsx)"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


class SheetRefusedError(BadRequestError):
    """The file cannot be read as a progress spreadsheet at all (the detail says why)."""

    title = "Spreadsheet refused"


class SheetTooLargeError(PayloadTooLargeError):
    title = "Spreadsheet too large"


@dataclass(frozen=True)
class SheetResult:
    """What a progress spreadsheet holds: records to import and every problem found."""

    records: list[ProgressRecord] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # progress rows with an activity but no status (nothing to import)
    skipped_observations: int = 0  # indicator rows with an indicator but no value
    sheets: tuple[str, ...] = ()  # the sheets that were read

    @property
    def ok(self) -> bool:
        return not self.errors


def sheet_format(filename_or_format: str) -> str:
    """``"xlsx"`` or ``"csv"`` from a file name or a format name; other kinds are refused."""
    name = filename_or_format.strip().lower()
    suffix = name.rsplit(".", 1)[-1]
    if suffix in ("xlsx", "csv"):
        return suffix
    if suffix in ("xlsm", "xltm", "xlsb"):
        raise SheetRefusedError(
            f"'{filename_or_format}' is een werkmap met macro's; die worden niet ingelezen. "
            f"Sla het bestand op als Excel-werkmap (.xlsx) zonder macro's"
        )
    raise SheetRefusedError(
        f"'{filename_or_format}' is geen .xlsx- of .csv-bestand; {SAVE_AS_XLSX} of als CSV"
    )


def upload_format(data: bytes, filename_or_format: str) -> str:
    """:func:`sheet_format`, once ``data`` is known not to be too large."""
    kind = sheet_format(filename_or_format)
    if len(data) > MAX_FILE_BYTES:
        raise SheetTooLargeError(
            f"het bestand is te groot ({len(data)} bytes; hooguit {MAX_FILE_BYTES})"
        )
    return kind


def read_progress(
    data: bytes,
    filename_or_format: str,
    year: int,
    activities: Sequence[Activity],
    *,
    indicators: Sequence[Indicator] = (),
    today: date | None = None,
) -> SheetResult:
    """Read an exported (and filled-in) progress spreadsheet of ``year``.

    XLSX: the sheet ``Voortgang {year}`` (required) and ``Indicatoren {year}`` (if present).
    CSV: one sheet, recognised by its header (``Activiteit-URI`` or ``Indicator-URI``).
    Raises :class:`SheetRefusedError` / :class:`SheetTooLargeError` for a file that cannot
    be read; problems in rows are returned as :attr:`SheetResult.errors`, all of them.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} outside {MIN_YEAR}..{MAX_YEAR}")
    kind = upload_format(data, filename_or_format)
    tables = _xlsx_tables(data, year) if kind == "xlsx" else [_csv_table(data, year)]
    today = today or date.today()
    records: list[ProgressRecord] = []
    observations: list[Observation] = []
    errors: list[RowError] = []
    skipped = skipped_observations = 0
    for table in tables:
        if table.name == layout.progress_sheet_name(year):
            progress = check_progress(table, year, activities, today)
            records, skipped = progress.items, progress.skipped
            errors.extend(progress.errors)
        else:
            values = check_indicators(table, year, indicators, today)
            observations, skipped_observations = values.items, values.skipped
            errors.extend(values.errors)
    return SheetResult(
        records,
        observations,
        errors,
        skipped,
        skipped_observations,
        tuple(table.name for table in tables),
    )


def _xlsx_tables(data: bytes, year: int) -> list[SheetTable]:
    return xlsx_tables(
        data,
        layout.progress_sheet_name(year),
        (layout.indicator_sheet_name(year),),
        hint=f"exporteer het blad van {year} en vul dat in",
    )


def xlsx_tables(
    data: bytes, required: str, optional: Sequence[str] = (), *, hint: str
) -> list[SheetTable]:
    """The tables of sheet ``required`` and of those ``optional`` sheets the workbook has.

    The archive is checked first (:func:`check_xlsx_archive`); a missing ``required`` sheet
    is refused, naming the sheets there are and then ``hint`` (what to export instead).
    """
    check_xlsx_archive(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                names = list(workbook.sheetnames)
                if required not in names:
                    raise SheetRefusedError(
                        f"het bestand heeft geen blad '{required}' (wel: "
                        f"{', '.join(repr(name) for name in names)}); {hint}"
                    )
                return [
                    sheet_table(name, sheet_rows(workbook[name]))
                    for name in (required, *optional)
                    if name in names
                ]
            finally:
                workbook.close()
    except (SheetRefusedError, SheetTooLargeError):
        raise
    except Exception as error:  # any failure of openpyxl on an untrusted file is a refusal
        raise SheetRefusedError(
            f"het bestand kan niet als Excel-werkmap worden gelezen ({type(error).__name__}); "
            f"{SAVE_AS_XLSX}"
        ) from error


def sheet_rows(worksheet: Any) -> Any:
    """Every row's values; the dimensions the file claims (maybe wrong) are forgotten."""
    worksheet.reset_dimensions()
    return worksheet.iter_rows(values_only=True)


def check_xlsx_archive(data: bytes) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetRefusedError(
            "het bestand is een oud Excel-bestand (.xls) of een werkmap met een wachtwoord; "
            f"haal het wachtwoord weg en {SAVE_AS_XLSX}"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise SheetRefusedError(f"het bestand is geen Excel-werkmap (.xlsx); {SAVE_AS_XLSX}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SheetRefusedError(
            f"het bestand is geen geldige Excel-werkmap (beschadigd zip-bestand); {SAVE_AS_XLSX}"
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SheetRefusedError(f"de werkmap heeft te veel onderdelen ({len(members)})")
        inflated = sum(member.file_size for member in members)
        if inflated > MAX_UNCOMPRESSED_BYTES:
            raise SheetTooLargeError(
                f"de werkmap is uitgepakt te groot ({inflated} bytes; hooguit "
                f"{MAX_UNCOMPRESSED_BYTES})"
            )
        names = {member.filename.lower() for member in members}
        if "xl/workbook.xml" not in names:
            raise SheetRefusedError(f"het bestand is geen Excel-werkmap (.xlsx); {SAVE_AS_XLSX}")
        if any(name.endswith("vbaproject.bin") for name in names):
            raise SheetRefusedError(
                f"de werkmap bevat macro's; die worden niet ingelezen. {SAVE_AS_XLSX} "
                "zonder macro's"
            )
        for member in members:
            if member.flag_bits & 0x1:
                raise SheetRefusedError("de werkmap is versleuteld; haal het wachtwoord weg")
            if member.filename.lower().endswith((".xml", ".rels")):
                _check_xml_member(archive, member)


def _check_xml_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    try:
        body = archive.read(member)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise SheetRefusedError(
            f"de werkmap is beschadigd (onderdeel '{member.filename}'); {SAVE_AS_XLSX}"
        ) from None
    if _DOCTYPE.search(body):
        raise SheetRefusedError(
            f"de werkmap bevat een XML-documenttypedeclaratie in '{member.filename}'; "
            "zo'n bestand maakt Excel niet en wordt niet gelezen"
        )
    if member.filename == "[Content_Types].xml" and b"macroEnabled" in body:
        raise SheetRefusedError(
            f"de werkmap is een werkmap met macro's; {SAVE_AS_XLSX} zonder macro's"
        )


def sheet_table(name: str, rows: Any) -> SheetTable:
    """The header row (the first non-empty one) and the data rows of one sheet."""
    header_row = 0
    headers: tuple[CellValue, ...] = ()
    data: list[tuple[int, tuple[CellValue, ...]]] = []
    for number, raw in enumerate(rows, start=1):
        if number > MAX_SCANNED_ROWS:
            raise SheetTooLargeError(
                f"blad '{name}' heeft te veel rijen (meer dan {MAX_SCANNED_ROWS})"
            )
        cells = tuple(raw[:MAX_COLUMNS])
        if all(is_empty(cell) for cell in cells):
            continue
        if not header_row:
            header_row, headers = number, cells
            continue
        data.append((number, cells))
        if len(data) > MAX_ROWS:
            raise SheetTooLargeError(
                f"blad '{name}' heeft te veel rijen (meer dan {MAX_ROWS} ingevulde rijen)"
            )
    if not header_row:
        raise SheetRefusedError(f"blad '{name}' is leeg; het heeft geen kopregel")
    return SheetTable(name, header_row, headers, tuple(data))


def _csv_table(data: bytes, year: int) -> SheetTable:
    text = csv_text(data)
    delimiter, sheet = _csv_dialect(text, year)
    return csv_table(text, delimiter, sheet)


def csv_text(data: bytes) -> str:
    """An uploaded CSV's text: UTF-8 (with or without a byte-order mark), not a workbook."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SheetRefusedError(f"het bestand is UTF-16 ('Unicode-tekst'); {SAVE_AS_CSV}")
    if data.startswith(b"PK\x03\x04"):
        raise SheetRefusedError("het bestand is een Excel-werkmap; noem het .xlsx, niet .csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SheetRefusedError(
            f"het bestand is geen UTF-8 (byte 0x{data[error.start]:02x} in regel {line}); "
            f"{SAVE_AS_CSV}"
        ) from None
    if "\x00" in text:
        raise SheetRefusedError(f"het bestand is geen tekstbestand; {SAVE_AS_CSV}")
    return text


def csv_table(text: str, delimiter: str, name: str) -> SheetTable:
    """The CSV ``text`` as the table of sheet ``name`` (cells unescaped, rows bounded)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = [[layout.unescape_csv(cell) for cell in row] for row in limited_rows(reader)]
    except csv.Error as error:
        raise SheetRefusedError(
            f"het CSV-bestand is onleesbaar in regel {reader.line_num}: {error}"
        ) from None
    return sheet_table(name, rows)


def limited_rows(reader: Any) -> Any:
    for number, row in enumerate(reader, start=1):
        if number > MAX_SCANNED_ROWS:
            raise SheetTooLargeError(
                f"het bestand heeft te veel rijen (meer dan {MAX_SCANNED_ROWS})"
            )
        yield row


def _csv_dialect(text: str, year: int) -> tuple[str, str]:
    """The delimiter that makes the first non-empty line a known header, and its sheet."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    progress = {layout.header_key(header) for header in layout.PROGRESS_HEADERS}
    indicator = {layout.header_key(header) for header in layout.INDICATOR_HEADERS}
    best: tuple[int, str, str] = (0, ",", "")
    for delimiter in (",", ";", "\t"):
        cells = next(csv.reader([first], delimiter=delimiter), [])
        keys = {layout.header_key(cell_text(layout.unescape_csv(cell))) for cell in cells}
        for known, sheet in (
            (progress, layout.progress_sheet_name(year)),
            (indicator, layout.indicator_sheet_name(year)),
        ):
            if len(keys & known) > best[0]:
                best = (len(keys & known), delimiter, sheet)
    if not best[2]:
        raise SheetRefusedError(
            f"de eerste regel is geen kopregel van een voortgangsblad (verwacht onder meer "
            f"'{layout.ACTIVITY_URI}' of '{layout.INDICATOR_URI}'); gebruik een geëxporteerd blad"
        )
    return best[1], best[2]
