"""The layout both ways of a progress spreadsheet share: sheet names, headers, statuses.

The writer (:mod:`kringloop.monitoring.sheets`) and the reader
(:mod:`kringloop.monitoring.sheetinput`, :mod:`kringloop.monitoring.rowcheck`) agree on
these names only; columns are found by their header, never by their position.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from kringloop.monitoring.records import STATUS_IRIS, STATUSES
from kringloop.viewtables import FORMULA_STARTS, neutralise

#: A value the writer puts in a cell.
Cell = str | date | Decimal | None

# Progress sheet headers (Dutch, as the officer sees them).
ACTIVITY_URI = "Activiteit-URI"
ACTIVITY = "Activiteit"
THEME = "Thema"
GROUPING = "Groepering"
COLUMN = "Kolom"
STATUS = "Status"
MERGED_WITH = "Samengevoegd met"
ACHIEVED = "Bereikt"
EXPECTED = "Verwacht"
DATE = "Datum"
AUTHOR = "Auteur"

# Indicator sheet headers.
INDICATOR_URI = "Indicator-URI"
INDICATOR = "Indicator"
UNIT = "Eenheid"
BASELINE = "Nulwaarde"
TARGET = "Streefwaarde"
MEASURED = "Meetwaarde"
SOURCE = "Bron"

#: The progress sheet's columns, left to right.
PROGRESS_HEADERS: tuple[str, ...] = (
    ACTIVITY_URI,
    ACTIVITY,
    THEME,
    GROUPING,
    COLUMN,
    STATUS,
    MERGED_WITH,
    ACHIEVED,
    EXPECTED,
    DATE,
    AUTHOR,
)
#: The columns the reader needs; the others (labels) only help the officer.
PROGRESS_REQUIRED: tuple[str, ...] = (
    ACTIVITY_URI,
    STATUS,
    MERGED_WITH,
    ACHIEVED,
    EXPECTED,
    DATE,
    AUTHOR,
)
#: The columns an officer fills in (unlocked in the workbook).
PROGRESS_EDITABLE: tuple[str, ...] = (STATUS, MERGED_WITH, ACHIEVED, EXPECTED, DATE, AUTHOR)

INDICATOR_HEADERS: tuple[str, ...] = (
    INDICATOR_URI,
    INDICATOR,
    UNIT,
    BASELINE,
    TARGET,
    MEASURED,
    SOURCE,
    DATE,
    AUTHOR,
)
INDICATOR_REQUIRED: tuple[str, ...] = (
    INDICATOR_URI,
    BASELINE,
    TARGET,
    MEASURED,
    SOURCE,
    DATE,
    AUTHOR,
)
INDICATOR_EDITABLE: tuple[str, ...] = (BASELINE, TARGET, MEASURED, SOURCE, DATE, AUTHOR)

EXPLANATION_SHEET = "Toelichting"
CHOICES_SHEET = "Keuzelijsten"

# Limits on what a cell may hold (characters, after stripping).
MAX_LONG_TEXT = 5000  # Bereikt, Verwacht
MAX_SHORT_TEXT = 300  # Auteur, Bron, Samengevoegd met

#: The Dutch status labels, in the order a sheet offers them.
STATUS_LABELS: tuple[str, ...] = tuple(dutch for _, dutch, _ in STATUSES)


def progress_sheet_name(year: int) -> str:
    return f"Voortgang {year}"


def indicator_sheet_name(year: int) -> str:
    return f"Indicatoren {year}"


def status_label(status_iri: str) -> str:
    """The Dutch label of a status IRI (``ValueError`` for an IRI that is no status)."""
    for ref, dutch, _ in STATUSES:
        if STATUS_IRIS[ref] == status_iri:
            return dutch
    raise ValueError(f"not a progress status: {status_iri!r}")


def _status_key(text: str) -> str:
    return " ".join(text.casefold().replace("-", " ").replace("_", " ").split())


#: Every spelling a reader accepts, normalised: Dutch and English labels, references, IRIs.
_STATUS_BY_KEY: dict[str, str] = {}
for _ref, _dutch, _english in STATUSES:
    for _spelling in (_ref, _dutch, _english):
        _STATUS_BY_KEY[_status_key(_spelling)] = STATUS_IRIS[_ref]
_STATUS_BY_KEY.update({iri: iri for iri in STATUS_IRIS.values()})


def parse_status(text: str) -> str | None:
    """The status IRI ``text`` names (case, spaces, ``-`` and ``_`` do not matter)."""
    stripped = text.strip()
    return _STATUS_BY_KEY.get(stripped) or _STATUS_BY_KEY.get(_status_key(stripped))


def header_key(text: str) -> str:
    """A header compared without case, surrounding or doubled spaces."""
    return " ".join(text.casefold().split())


# A CSV cell is made inert for spreadsheets by a leading ``'`` (OWASP, as the views'
# CSV does); a cell that starts with ``'`` itself gets one too, so reading can undo it.
_CSV_ESCAPED = re.compile("'(?=['" + re.escape("".join(FORMULA_STARTS)) + "])")


def escape_csv(text: str) -> str:
    """``text`` safe for a spreadsheet cell: a leading formula character or ``'`` is quoted."""
    return "'" + text if text.startswith("'") else neutralise(text)


def unescape_csv(text: str) -> str:
    """The inverse of :func:`escape_csv` (one leading ``'`` before ``'`` or ``= + - @``)."""
    return text[1:] if _CSV_ESCAPED.match(text) else text
