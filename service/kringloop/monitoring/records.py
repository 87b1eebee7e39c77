"""The records a knowledge officer keeps each year: progress per activity, indicator values.

Plain values, no RDF: the spreadsheet reader produces them, :mod:`kringloop.monitoring.rdf`
turns them into triples and back. IRIs are strings; years are ints; free text is Dutch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kringloop.vocab import BASE, KL

#: The progress statuses, in the order a sheet offers them: (reference, Dutch label, English).
STATUSES: tuple[tuple[str, str, str], ...] = (
    ("niet-gestart", "niet gestart", "not started"),
    ("gestart", "gestart", "started"),
    ("lopend", "lopend", "running"),
    ("afgerond", "afgerond", "completed"),
    ("gestopt", "gestopt", "stopped"),
    ("samengevoegd", "samengevoegd", "merged into another activity"),
)

#: The status IRI of each reference (concepts of the ontology, like kl:prestatie-indicator).
STATUS_IRIS: dict[str, str] = {ref: str(KL[f"status-{ref}"]) for ref, _, _ in STATUSES}

#: The status that needs ``merged_into``.
MERGED = STATUS_IRIS["samengevoegd"]


def progress_iri(year: int, activity_iri: str) -> str:
    """``{base}id/voortgang/{year}/{activity reference}``: one record per activity per year."""
    reference = activity_iri.rstrip("/").rsplit("/", 1)[-1]
    return f"{BASE}id/voortgang/{year}/{reference}"


def progress_graph(year: int) -> str:
    """The named graph that holds one year's progress records."""
    return f"{BASE}id/graaf/voortgang-{year}"


#: The named graph of indicator definitions and their values (all years).
INDICATOR_GRAPH = f"{BASE}id/graaf/indicatoren"


@dataclass(frozen=True)
class ProgressRecord:
    """What was achieved on one activity in one year, and what is expected next."""

    activity: str  # the activity's IRI
    year: int  # the reporting year, e.g. 2021
    status: str  # one of STATUS_IRIS' values
    achieved: str = ""  # what was achieved (Dutch, may be empty when not started)
    expected: str = ""  # what is expected next year
    date: date | None = None  # when the record was written or last changed
    author: str = ""  # who wrote it (a name or a role, as the officer types it)
    merged_into: str | None = None  # the activity's IRI it was merged into (status MERGED)

    @property
    def iri(self) -> str:
        return progress_iri(self.year, self.activity)


@dataclass(frozen=True)
class Indicator:
    """An output or outcome indicator with its definition."""

    iri: str  # {base}id/indicator/{ref}
    label: str  # Dutch name
    kind: str  # str(KL["prestatie-indicator"]) or str(KL["effectindicator"])
    unit: str  # e.g. "ton", "aantal", "%", "euro"
    definition: str  # how it is measured (Dutch)
    activities: tuple[str, ...] = ()  # related activity IRIs
    goals: tuple[str, ...] = ()  # related goal IRIs (concepts of the goals scheme)


@dataclass(frozen=True)
class Observation:
    """One indicator's values in one year (an RDF Data Cube observation)."""

    indicator: str  # the indicator's IRI
    year: int
    baseline: Decimal | None = None  # the baseline value measured in this year (nulmeting)
    target: Decimal | None = None  # the target value for this year
    measured: Decimal | None = None  # the measured value for this year
    source: str = ""  # where the value comes from (a report, a register), free text
    date: date | None = None  # when it was recorded
    author: str = ""
