"""Importing an edited edition sheet as a new edition: plan (preview), then commit.

A plan reads the sheet against the base edition (every row error collected), derives the
new edition's two graphs and compares them with the base (:func:`diff_editions`). The
commit writes both graphs in one ``GraphWriter.replace`` (SHACL gate, all or nothing),
refused when the new edition exists by then. A web preview keeps a
:class:`PendingEdition` (the sheet and what it was planned against) in an
:class:`EditionPlanStore` until the administrator commits it; the commit plans again from
it, with the same moment, so it stores exactly what the preview showed.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kringloop.durable import atomic_write
from kringloop.editionderive import derive_edition
from kringloop.editiondiff import ActivityChange, diff_editions
from kringloop.editions import (
    Edition,
    EditionContent,
    agenda_graph,
    current_edition,
    describe_edition,
    find_edition,
    interpretations_graph,
    load_edition_content,
    read_editions,
)
from kringloop.editionsheetread import EditionSheetResult, read_edition_sheet
from kringloop.errors import BadRequestError, NotFoundError
from kringloop.graphstore.writes import GraphWriter, WriteRejectedError
from kringloop.monitoring.importplan import ImportConflictError, ImportRejectedError
from kringloop.monitoring.importstore import PlanStore
from kringloop.monitoring.rowcheck import RowError
from kringloop.partners.model import ADMIN, EDITION_REF


@dataclass(frozen=True)
class EditionPlan:
    """What importing the sheet would make: the new edition's graphs and the diff."""

    base: EditionContent
    new_ref: str
    issued: date
    filename: str
    errors: tuple[RowError, ...] = ()
    graphs: dict[str, list[ox.Triple]] = field(default_factory=dict)
    changes: tuple[ActivityChange, ...] = ()
    new: EditionContent | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _years(ref: str) -> tuple[int, int]:
    parts = [int(part) for part in ref.split("-")]
    return parts[0], parts[-1]


def check_new_ref(editions: Sequence[Edition], new_ref: str, base: Edition) -> None:
    """Refuse a malformed reference, an existing edition, or one not later than ``base``."""
    if not EDITION_REF.match(new_ref):
        raise BadRequestError(
            f"'{new_ref[:40]}' is geen editie (een jaar of twee jaren, bijvoorbeeld 2023 of "
            "2023-2024)"
        )
    first, last = _years(new_ref)
    if first > last:
        raise BadRequestError(f"editie {new_ref}: het eerste jaar komt na het laatste")
    if any(edition.ref == new_ref for edition in editions):
        raise ImportConflictError(
            f"editie {new_ref} bestaat al; kies een nieuwe editie (bestaand: "
            f"{', '.join(edition.ref for edition in editions)})",
            edition=new_ref,
        )
    base_first, base_last = _years(base.ref)
    if not (first > base_first and last >= base_last):
        raise BadRequestError(
            f"editie {new_ref} is niet later dan editie {base.ref}, waarop ze voortbouwt"
        )


def plan_edition(
    writer: GraphWriter,
    data: bytes,
    filename: str,
    new_ref: str,
    *,
    base_ref: str | None = None,
    issued: date | None = None,
    moment: datetime | None = None,
) -> EditionPlan:
    """Read the sheet against ``base_ref`` (default: the current edition) and plan ``new_ref``.

    Raises for a bad reference or an existing edition; row errors are in the plan.
    """
    editions = read_editions(writer)
    current = current_edition(editions)
    if base_ref is None and current is None:
        raise BadRequestError("er is nog geen editie om op voort te bouwen")
    base_edition = find_edition(editions, base_ref or (current.ref if current else ""))
    check_new_ref(editions, new_ref, base_edition)
    base = load_edition_content(writer, base_edition.ref)
    issued = issued or date.today()
    result: EditionSheetResult = read_edition_sheet(data, filename, base)
    if not result.ok:
        return EditionPlan(base, new_ref, issued, filename, tuple(result.errors))
    graphs = derive_edition(base, result.rows, new_ref, issued, moment=moment)
    agenda = graphs[agenda_graph(new_ref)]
    described = describe_edition(agenda_graph(new_ref), agenda)
    assert described is not None  # derive_edition keeps the edition's type
    new = EditionContent(described, agenda, graphs[interpretations_graph(new_ref)], base.concepts)
    return EditionPlan(
        base, new_ref, issued, filename, (), graphs, tuple(diff_editions(base, new)), new
    )


def commit_edition(writer: GraphWriter, plan: EditionPlan) -> dict[str, int | None]:
    """Store both graphs at once (the shapes decide); the version number of each."""
    if not plan.ok:
        raise BadRequestError("het blad heeft fouten; er is niets veranderd")
    with ExitStack() as locks:
        for graph in sorted(plan.graphs):
            locks.enter_context(writer.versions.lock(graph))
        check_new_ref(read_editions(writer), plan.new_ref, plan.base.edition)
        try:
            writer.replace(plan.graphs, owner=ADMIN, action="import")
        except WriteRejectedError as error:
            raise ImportRejectedError(error.report) from None
    return {
        graph: (current.number if (current := writer.versions.current(graph)) else None)
        for graph in sorted(plan.graphs)
    }


# -- a plan waiting for its commit ----------------------------------------------------------

_PLAN_ID = re.compile(r"^[0-9a-f]{32}$")


def base_versions(writer: GraphWriter, base: Edition) -> dict[str, int | None]:
    """The base edition's graphs' current version numbers (None: bundled, never stored)."""
    return {
        graph: (current.number if (current := writer.versions.current(graph)) else None)
        for graph in (base.agenda_graph, base.interpretations_graph)
    }


@dataclass(frozen=True)
class PendingEdition:
    """What is needed to plan an edition import again exactly: the sheet and its context."""

    new_ref: str
    base_ref: str
    issued: str  # ISO date
    filename: str
    moment: str  # ISO date-time of the interpretation records
    sheet: str  # the uploaded file, base64
    base: Mapping[str, int | None]
    created: float = field(default_factory=time.time)

    @classmethod
    def of(
        cls, writer: GraphWriter, plan: EditionPlan, data: bytes, moment: datetime
    ) -> PendingEdition:
        return cls(
            plan.new_ref,
            plan.base.edition.ref,
            plan.issued.isoformat(),
            plan.filename,
            moment.isoformat(),
            base64.b64encode(data).decode("ascii"),
            base_versions(writer, plan.base.edition),
        )

    def replan(self, writer: GraphWriter) -> EditionPlan:
        """The same plan again; 409 when the base edition changed since the preview."""
        base = find_edition(read_editions(writer), self.base_ref)
        if dict(base_versions(writer, base)) != dict(self.base):
            raise ImportConflictError(
                f"editie {self.base_ref} is gewijzigd sinds dit voorstel is gemaakt; lees het "
                "blad opnieuw in",
                edition=self.base_ref,
            )
        return plan_edition(
            writer,
            base64.b64decode(self.sheet),
            self.filename,
            self.new_ref,
            base_ref=self.base_ref,
            issued=date.fromisoformat(self.issued),
            moment=datetime.fromisoformat(self.moment),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingEdition:
        return cls(
            **{key: str(data[key]) for key in ("new_ref", "base_ref", "issued", "filename")},
            moment=str(data["moment"]),
            sheet=str(data["sheet"]),
            base={str(g): None if n is None else int(n) for g, n in data["base"].items()},
            created=float(data["created"]),
        )


class EditionPlanStore:
    """Pending edition imports on disk: one 0600 file each, expired after ``ttl`` seconds.

    Pruning and discarding are the progress import's (:class:`PlanStore`); the directory
    is another, so a plan of one kind is never loaded as the other.
    """

    def __init__(self, directory: Path, *, ttl: float = 3600.0, keep: int = 20) -> None:
        self.files = PlanStore(directory, ttl=ttl, keep=keep)

    def save(self, pending: PendingEdition) -> str:
        self.files.prune()
        self.files.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        plan_id = secrets.token_hex(16)
        body = json.dumps(asdict(pending), ensure_ascii=False).encode("utf-8")
        atomic_write(self.files.directory / f"{plan_id}.json", body, mode=0o600)
        return plan_id

    def load(self, plan_id: str) -> PendingEdition:
        """The pending import, or 404 when it is unknown, expired or committed already."""
        gone = NotFoundError(
            "dit voorstel voor een nieuwe editie bestaat niet (meer): het is verlopen of al "
            "doorgevoerd; lees het blad opnieuw in"
        )
        if not _PLAN_ID.match(plan_id):
            raise gone
        try:
            path = self.files.directory / f"{plan_id}.json"
            pending = PendingEdition.from_json(json.loads(path.read_bytes()))
        except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
            raise gone from None
        if time.time() - pending.created > self.files.ttl:
            self.discard(plan_id)
            raise gone
        return pending

    def discard(self, plan_id: str) -> None:
        self.files.discard(plan_id)
