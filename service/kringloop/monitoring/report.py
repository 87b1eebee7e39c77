"""The December report: the year's progress per theme and activity, with summary tables.

Built from plain records (:mod:`kringloop.monitoring.records`) and the edition's activities
(:mod:`kringloop.monitoring.activities`), so it needs neither Flask nor an engine;
:mod:`kringloop.monitoring.reportsource` gathers the inputs and
:mod:`kringloop.monitoring.reportrender` turns a :class:`Report` into HTML and PDF.

Every activity of the edition appears, with or without a record: "geen verslag" (no
record) is a status of its own in every table, so a report never looks more complete than
the records are. The R-strategy is Kringloop's interpretation, not the agenda's, and the
report says so wherever it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kringloop.monitoring.activities import Activity
from kringloop.monitoring.records import (
    MERGED,
    STATUS_IRIS,
    STATUSES,
    Indicator,
    Observation,
    ProgressRecord,
)

#: The column of activities without a record for the year.
NO_RECORD = ("geen verslag", "no record")
#: The R-strategy row of activities the editors read as "no R-strategy applies".
NO_STRATEGY = ("geen R-strategie (interpretatie)", "no R-strategy (interpretation)")
#: The R-strategy row of activities not interpreted (yet): partners' activities, new ones.
NOT_INTERPRETED = ("niet geïnterpreteerd", "not interpreted")

_STATUS_INDEX = {iri: index for index, iri in enumerate(STATUS_IRIS.values())}


def status_labels(language: str) -> list[str]:
    """The table columns: the six statuses, then "no record"."""
    position = 1 if language == "nl" else 2
    return [status[position] for status in STATUSES] + [NO_RECORD[0 if language == "nl" else 1]]


@dataclass(frozen=True)
class Entry:
    """One activity of the edition and its record for the year, if any."""

    activity: Activity
    record: ProgressRecord | None
    r_groups: tuple[str, ...]  # R-strategy groups (an interpretation), Dutch labels
    merged_into_label: str = ""

    @property
    def status_index(self) -> int:
        """The column of :func:`status_labels` this entry is counted in."""
        if self.record is None:
            return len(STATUSES)
        return _STATUS_INDEX[self.record.status]


@dataclass(frozen=True)
class Tally:
    """Counts of entries per status (columns of :func:`status_labels`) for each row."""

    rows: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def totals(self) -> tuple[int, ...]:
        width = len(STATUSES) + 1
        return tuple(sum(counts[index] for _, counts in self.rows) for index in range(width))


@dataclass(frozen=True)
class ThemeSection:
    label: str
    notation: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class IndicatorLine:
    """An indicator with its values for the report's year (and the year before)."""

    indicator: Indicator
    current: Observation | None
    previous: Observation | None


@dataclass(frozen=True)
class Report:
    year: int
    edition_label: str
    made_on: date
    themes: tuple[ThemeSection, ...]
    by_theme: Tally
    by_column: Tally
    by_strategy: Tally
    indicators: tuple[IndicatorLine, ...]
    demonstration: bool  # the records or values are labelled as demonstration data

    @property
    def entries(self) -> list[Entry]:
        return [entry for section in self.themes for entry in section.entries]

    @property
    def recorded(self) -> int:
        return sum(1 for entry in self.entries if entry.record is not None)


def build_report(
    year: int,
    activities: Sequence[Activity],
    records: Iterable[ProgressRecord],
    r_groups: Mapping[str, tuple[str, ...]],
    *,
    edition_label: str,
    indicators: Sequence[Indicator] = (),
    observations: Iterable[Observation] = (),
    made_on: date | None = None,
    demonstration: bool = False,
) -> Report:
    """The report of ``year`` over ``activities`` (in agenda order) and their records.

    Records of other years, or of activities outside the edition, are left out: the report
    covers exactly one edition and one year.
    """
    labels = {activity.iri: activity.label for activity in activities}
    by_activity = {
        record.activity: record
        for record in records
        if record.year == year and record.activity in labels
    }
    entries = [
        Entry(
            activity=activity,
            record=by_activity.get(activity.iri),
            r_groups=r_groups.get(activity.iri, (NOT_INTERPRETED[0],)),
            merged_into_label=_merged_label(by_activity.get(activity.iri), labels),
        )
        for activity in activities
    ]
    themes: list[ThemeSection] = []
    for entry in entries:
        activity = entry.activity
        if not themes or themes[-1].label != activity.theme_label:
            themes.append(ThemeSection(activity.theme_label, activity.theme_notation, ()))
        last = themes[-1]
        themes[-1] = ThemeSection(last.label, last.notation, (*last.entries, entry))
    observed = list(observations)
    lines = tuple(
        IndicatorLine(
            indicator=indicator,
            current=_observation(observed, indicator.iri, year),
            previous=_observation(observed, indicator.iri, year - 1),
        )
        for indicator in indicators
    )
    return Report(
        year=year,
        edition_label=edition_label,
        made_on=made_on or date.today(),
        themes=tuple(themes),
        by_theme=_tally(entries, lambda entry: (entry.activity.theme_label,)),
        by_column=_tally(entries, lambda entry: (entry.activity.column_label,)),
        by_strategy=_tally(entries, lambda entry: entry.r_groups),
        indicators=lines,
        demonstration=demonstration,
    )


def change(line: IndicatorLine) -> Decimal | None:
    """The measured value's change since the year before, where both are known."""
    if line.current is None or line.previous is None:
        return None
    if line.current.measured is None or line.previous.measured is None:
        return None
    return line.current.measured - line.previous.measured


def _merged_label(record: ProgressRecord | None, labels: Mapping[str, str]) -> str:
    if record is None or record.status != MERGED or not record.merged_into:
        return ""
    return labels.get(record.merged_into, record.merged_into)


def _observation(observations: list[Observation], indicator: str, year: int) -> Observation | None:
    return next((o for o in observations if o.indicator == indicator and o.year == year), None)


def _tally(entries: Sequence[Entry], rows_of: Callable[[Entry], Iterable[str]]) -> Tally:
    """Counts per row (in first-seen order); an entry may count in several rows."""
    counts: dict[str, list[int]] = {}
    for entry in entries:
        for row in rows_of(entry):
            cells = counts.setdefault(row, [0] * (len(STATUSES) + 1))
            cells[entry.status_index] += 1
    return Tally(tuple((row, tuple(cells)) for row, cells in counts.items()))
