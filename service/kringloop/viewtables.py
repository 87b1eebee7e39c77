"""A view's table for people: pages, CSV safe for spreadsheets, columns with labels.

Pure functions over :class:`~kringloop.viewrun.Table`; the web layer only chooses.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from kringloop.viewchecks import Row
from kringloop.viewrun import Table
from kringloop.vocab import PREFIXES

#: What starts a formula in a spreadsheet (OWASP's list: =, +, -, @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
#: A column named ``xLabel`` is shown as the label of column ``x``.
LABEL_SUFFIX = "Label"


@dataclass(frozen=True)
class Page:
    """One page of a table's rows."""

    rows: list[Row]
    number: int
    size: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


def page_of(rows: list[Row], number: int, size: int) -> Page:
    """Rows ``(number - 1) * size + 1 .. number * size`` (1-based)."""
    start = (number - 1) * size
    return Page(rows[start : start + size], number, size, len(rows))


def neutralise(cell: str) -> str:
    """``cell`` made inert for spreadsheets: a leading formula character gets a ``'``."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def to_csv(variables: tuple[str, ...], rows: list[Row], *, bom: bool = False) -> str:
    """The rows as CSV (RFC 4180, CRLF), one column per variable, cells neutralised."""
    output = io.StringIO()
    if bom:
        output.write(BOM)
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in variables])
    for row in rows:
        cells = [row[name]["value"] if name in row else "" for name in variables]
        writer.writerow([neutralise(cell) for cell in cells])
    return output.getvalue()


@dataclass(frozen=True)
class Column:
    """A column as shown: its variable and the variable holding its labels, if any."""

    variable: str
    label_variable: str | None = None


def display_columns(table: Table) -> list[Column]:
    """The columns of ``table``, each ``xLabel`` folded into its ``x`` (when both exist)."""
    present = set(table.variables)
    folded = {
        name
        for name in table.variables
        if name.endswith(LABEL_SUFFIX) and name[: -len(LABEL_SUFFIX)] in present
    }
    columns = []
    for name in table.variables:
        if name in folded:
            continue
        label = name + LABEL_SUFFIX
        columns.append(Column(name, label if label in folded else None))
    return columns


def short_iri(iri: str) -> str:
    """``iri`` as a prefixed name when one of the project's prefixes fits."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
