"""One spreadsheet cell read as a value: text, date, number; a reason in Dutch when not.

Each parser returns the value or raises :class:`CellError` with a plain Dutch reason that
the row checks place in a message naming sheet, row and column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

#: What a reader gets from openpyxl (data only) or from a CSV cell.
CellValue = str | int | float | Decimal | date | datetime | bool | None

DATE_HINT = "gebruik dd-mm-jjjj (bijvoorbeeld 15-12-2021) of jjjj-mm-dd"
NUMBER_HINT = "schrijf bijvoorbeeld 1234,5 of 1.234,5"
MAX_DIGITS = 30
#: Characters no XML 1.0 document (so no XLSX cell) can hold, besides control characters.
_NOT_IN_XML = frozenset("\ufffe\uffff")


class CellError(ValueError):
    """A cell that does not hold what its column needs; ``reason`` is plain Dutch."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def cell_text(value: CellValue) -> str:
    """The cell as the officer sees it (for messages and text columns), not stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "WAAR" if value else "ONWAAR"
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M") if value.time() else value.strftime("%d-%m-%Y")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)


def is_empty(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: CellValue, limit: int, *, one_line: bool = False) -> str:
    """A text cell: line breaks as ``\\n``, stripped, no control characters, at most ``limit``.

    ``one_line`` texts (a name, a source) have every run of white space made one space.
    """
    text = cell_text(value).replace("\r\n", "\n").replace("\r", "\n")
    text = " ".join(text.split()) if one_line else text.strip()
    for character in text:
        if character in _NOT_IN_XML or (
            character not in "\n\t" and unicodedata.category(character) in ("Cc", "Cs")
        ):
            raise CellError(
                f"de tekst bevat een ongeldig teken (U+{ord(character):04X}); "
                "verwijder het of typ de tekst opnieuw"
            )
    if len(text) > limit:
        raise CellError(f"de tekst is te lang ({len(text)} tekens; hooguit {limit})")
    return text


_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_date(value: CellValue) -> date | None:
    """A date cell, or text ``dd-mm-jjjj`` (also ``/`` or ``.``) or ``jjjj-mm-dd``."""
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise CellError(f"'{cell_text(value)}' is geen datum; {DATE_HINT}")
    text = value.strip()
    if match := _DUTCH_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise CellError(f"'{text}' is geen datum; {DATE_HINT}")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"'{text}' is geen bestaande datum; {DATE_HINT}") from None


def check_date(day: date, today: date, earliest: date, why_earliest: str) -> None:
    """``day`` lies between ``earliest`` and ``today`` (both included)."""
    shown = day.strftime("%d-%m-%Y")
    if day > today:
        raise CellError(f"de datum {shown} ligt in de toekomst")
    if day < earliest:
        raise CellError(
            f"de datum {shown} ligt vóór {earliest.strftime('%d-%m-%Y')}: {why_earliest}"
        )


# Numbers as people type them: Dutch (1.234,5 / 1234,5) and points (1234.5 / 1,234.5).
_INTEGER = re.compile(r"\d+")
_DUTCH_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d*,\d+")
_ENGLISH_GROUPED = re.compile(r"\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?|\d{1,3}(?:,\d{3})+\.\d+")
_DECIMAL_POINT = re.compile(r"\d*\.\d+")
_AMBIGUOUS_POINT = re.compile(r"[1-9]\d{0,2}\.\d{3}")


def parse_decimal(value: CellValue) -> Decimal | None:
    """A number cell, or text with a decimal comma or point (thousands separators allowed).

    ``1.234`` alone is refused as ambiguous (a Dutch thousand or an English decimal).
    """
    if is_empty(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise CellError(f"'{cell_text(value)}' is geen getal; {NUMBER_HINT}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value
    else:
        number = _decimal_from_text(value)
    if not number.is_finite():
        raise CellError(f"'{cell_text(value)}' is geen getal; {NUMBER_HINT}")
    return number


def _decimal_from_text(value: str) -> Decimal:
    text = value.strip()
    compact = "".join(text.split()).replace("\u202f", "")
    sign = ""
    if compact and compact[0] in "+-":
        sign, compact = ("-" if compact[0] == "-" else ""), compact[1:]
    if _AMBIGUOUS_POINT.fullmatch(compact):
        raise CellError(
            f"'{text}' is dubbelzinnig: bedoelt u {compact.replace('.', '')} of "
            f"{compact.replace('.', ',')}? Schrijf duizendtallen zonder punt of met een "
            "decimale komma (1.234,0)"
        )
    if _INTEGER.fullmatch(compact) or _DECIMAL_POINT.fullmatch(compact):
        plain = compact
    elif _DUTCH_GROUPED.fullmatch(compact):
        plain = compact.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.fullmatch(compact):
        plain = compact.replace(",", ".")
    elif _ENGLISH_GROUPED.fullmatch(compact):
        plain = compact.replace(",", "")
    else:
        raise CellError(f"'{text}' is geen getal; {NUMBER_HINT}")
    if len(plain) > MAX_DIGITS:
        raise CellError(f"'{text}' heeft te veel cijfers (hooguit {MAX_DIGITS})")
    return Decimal(sign + plain)  # the patterns admit only digits and one point
