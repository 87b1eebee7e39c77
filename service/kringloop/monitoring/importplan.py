"""An import plan: what importing a progress sheet would change, field by field.

Made by :func:`kringloop.monitoring.importing.plan_import`, shown as a preview (the CLI's
lines, the web page's table), kept on disk between preview and commit (:meth:`to_json`).
Values are shown as the sheet shows them (a status's Dutch label, a date as dd-mm-jjjj, a
number with a decimal comma), so "changed" means changed as the officer sees it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pyoxigraph as ox

from kringloop.errors import BadRequestError, KringloopError, ValidationFailedError
from kringloop.graphstore.writes import parse_stored, serialize
from kringloop.monitoring import sheetlayout as layout
from kringloop.monitoring.records import Observation, ProgressRecord
from kringloop.monitoring.rowcheck import RowError
from kringloop.shaclreport import Severity, ValidationReport, compact

FIRST_YEAR, LAST_YEAR = 2021, 2100
ADDED, CHANGED, REMOVED = "nieuw", "gewijzigd", "verwijderd"
PROGRESS, INDICATORS = "voortgang", "indicatoren"
EMPTY = "(leeg)"

_RECORD_FIELDS = (layout.STATUS, layout.MERGED_WITH, layout.ACHIEVED, layout.EXPECTED)
_VALUE_FIELDS = (layout.BASELINE, layout.TARGET, layout.MEASURED, layout.SOURCE)


class ImportConflictError(KringloopError):
    """A graph got a new version between the plan and its commit (409): plan again."""

    status = 409
    title = "Import conflict"


class SheetErrorsError(ValidationFailedError):
    """The sheet has errors (422); ``messages`` names sheet, row and column of each."""

    title = "Spreadsheet has errors"

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.messages = tuple(error.message for error in errors)
        super().__init__(
            f"het blad heeft {len(errors)} fout(en); er is niets veranderd",
            reason="sheet",
            errors=list(self.messages),
        )


class ImportRejectedError(ValidationFailedError):
    """The shapes refused the proposed graphs (422); ``messages`` says why, in Dutch."""

    title = "Import refused"

    def __init__(self, report: ValidationReport) -> None:
        self.messages = tuple(shacl_messages(report))
        super().__init__(
            f"de vormregels (SHACL) weigeren de gegevens: {len(self.messages)} overtreding(en); "
            "er is niets veranderd",
            reason="shacl",
            errors=list(self.messages),
        )


def shacl_messages(report: ValidationReport, lang: str = "nl") -> list[str]:
    """One line per violation: the subject (its label where known), the property, the rule."""
    lines = []
    for focus, results in report.by_focus_node().items():
        name = report.label(focus, lang) or compact(focus)
        for result in results:
            if result.severity is Severity.VIOLATION:
                where = f" ({result.path})" if result.path else ""
                lines.append(f"{name}{where}: {result.message(lang)}")
    return lines


@dataclass(frozen=True)
class FieldChange:
    field: str  # the sheet's column name
    old: str  # as the sheet shows it; "" when empty
    new: str


@dataclass(frozen=True)
class Change:
    kind: str  # ADDED, CHANGED or REMOVED
    sheet: str  # PROGRESS or INDICATORS
    subject: str  # the activity's or the indicator's IRI
    label: str
    fields: tuple[FieldChange, ...]

    def line(self, width: int = 60) -> str:
        parts = [f"{c.field} {_shown(c.old, width)} -> {_shown(c.new, width)}" for c in self.fields]
        return f"{self.kind:<10} {self.label}: " + "; ".join(parts)


@dataclass(frozen=True)
class Counts:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ImportPlan:
    """What importing a sheet would change, and the graphs' versions it was compared with."""

    year: int
    filename: str
    sheets: tuple[str, ...]
    errors: tuple[RowError, ...]
    changes: tuple[Change, ...] = ()
    progress: Counts = Counts()
    values: Counts = Counts()
    skipped: int = 0
    skipped_values: int = 0
    base: Mapping[str, int | None] = field(default_factory=dict)
    graphs: Mapping[str, tuple[ox.Triple, ...]] = field(default_factory=dict)
    created: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    def summary(self, lang: str = "nl") -> str:
        """``"3 nieuw, 1 gewijzigd, 0 verwijderd (5 ongewijzigd)"`` (or in English)."""
        numbers = [self.count(kind) for kind in (ADDED, CHANGED, REMOVED)]
        unchanged = self.progress.unchanged + self.values.unchanged
        words = ("nieuw", "gewijzigd", "verwijderd", "ongewijzigd")
        if lang == "en":
            words = ("new", "changed", "removed", "unchanged")
        parts = ", ".join(f"{n} {word}" for n, word in zip(numbers, words, strict=False))
        return f"{parts} ({unchanged} {words[3]})"

    def lines(self) -> list[str]:
        return [change.line() for change in self.changes]

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "filename": self.filename,
            "sheets": list(self.sheets),
            "errors": [vars(error) for error in self.errors],
            "changes": [
                {**vars(change), "fields": [vars(f) for f in change.fields]}
                for change in self.changes
            ],
            "progress": vars(self.progress),
            "values": vars(self.values),
            "skipped": self.skipped,
            "skipped_values": self.skipped_values,
            "base": dict(self.base),
            "graphs": {g: serialize(t).decode("utf-8") for g, t in self.graphs.items()},
            "created": self.created,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportPlan:
        return cls(
            year=int(data["year"]),
            filename=str(data["filename"]),
            sheets=tuple(data["sheets"]),
            errors=tuple(RowError(**error) for error in data["errors"]),
            changes=tuple(
                Change(**{**c, "fields": tuple(FieldChange(**f) for f in c["fields"])})
                for c in data["changes"]
            ),
            progress=Counts(**data["progress"]),
            values=Counts(**data["values"]),
            skipped=int(data["skipped"]),
            skipped_values=int(data["skipped_values"]),
            base={str(g): None if n is None else int(n) for g, n in data["base"].items()},
            graphs={
                str(g): tuple(parse_stored(text.encode("utf-8")))
                for g, text in data["graphs"].items()
            },
            created=float(data["created"]),
        )


@dataclass(frozen=True)
class CommitResult:
    versions: Mapping[str, int | None]  # each graph's current version after the commit
    written: tuple[str, ...]  # the graphs that got a new version


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadRequestError(
            f"het jaar moet tussen {FIRST_YEAR} en {LAST_YEAR} liggen, niet {year}"
        )
    return year


def differences(old: dict[str, str], new: dict[str, str]) -> tuple[FieldChange, ...]:
    if not old and not new:
        return ()
    names = list(dict.fromkeys([*old, *new]))
    return tuple(
        FieldChange(name, old.get(name, ""), new.get(name, ""))
        for name in names
        if old.get(name, "") != new.get(name, "")
    )


def record_fields(record: ProgressRecord | None, labels: Mapping[str, str]) -> dict[str, str]:
    if record is None:
        return {}
    merged = labels.get(record.merged_into, record.merged_into) if record.merged_into else ""
    values = (layout.status_label(record.status), merged, record.achieved, record.expected)
    shown = dict(zip(_RECORD_FIELDS, values, strict=True))
    shown[layout.DATE] = _day(record.date)
    shown[layout.AUTHOR] = record.author
    return shown


def value_fields(value: Observation | None) -> dict[str, str]:
    if value is None:
        return {}
    numbers = (value.baseline, value.target, value.measured)
    shown = dict(zip(_VALUE_FIELDS, [*map(_number_text, numbers), value.source], strict=True))
    shown[layout.DATE] = _day(value.date)
    shown[layout.AUTHOR] = value.author
    return shown


def counts(changes: Sequence[Change], unchanged: int) -> Counts:
    kinds = [change.kind for change in changes]
    return Counts(kinds.count(ADDED), kinds.count(CHANGED), kinds.count(REMOVED), unchanged)


def _number_text(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f").replace(".", ",")


def _day(value: date | None) -> str:
    return "" if value is None else value.strftime("%d-%m-%Y")


def _shown(text: str, width: int) -> str:
    if not text:
        return EMPTY
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")
