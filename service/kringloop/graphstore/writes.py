"""Writes to stored graphs: checked, all-or-nothing, durable before they are acknowledged.

One write (a PUT, POST or DELETE of the Graph Store Protocol, a restore, a harvest)
may touch several graphs (a TriG upload). It runs in this order:

1. the gate: the owner may write every graph and describe every subject; the resulting
   graphs conform to the shapes (:mod:`kringloop.graphstore.gate`);
2. under the graphs' locks (taken in IRI order, so two writes never deadlock), each new
   version is written to the version store and fsynced, not yet current;
3. a journal naming those versions is written atomically: from here on the write
   happens, whatever else does;
4. the engine gets the new graphs (a failure here undoes the engine and the versions,
   and answers 503);
5. each version becomes current, the journal is removed, and the provenance graph is
   refreshed; only then is the write acknowledged.

After a crash, :meth:`GraphWriter.recover` rolls every journal forward (commits the
versions it names) and drops versions no journal names; :meth:`GraphWriter.sync_engine`
then puts the current versions into the engine. Hence an acknowledged write is never lost,
and a write that was not acknowledged is either wholly there or wholly absent.
"""

from __future__ import annotations

import errno
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kringloop.durable import atomic_write, file_lock, fsync_directory
from kringloop.errors import EngineError, KringloopError, NotFoundError, ValidationFailedError
from kringloop.graphs import BUNDLED
from kringloop.graphstore import gate
from kringloop.graphstore.provenance import PROVENANCE_GRAPH, provenance_graph
from kringloop.graphstore.versions import Version, VersionConflictError, VersionStore
from kringloop.logs import get_logger
from kringloop.partners.registry import REGISTRY_GRAPH, Registry
from kringloop.shaclreport import Severity, ValidationReport
from kringloop.store.engine import EngineClient

_log = get_logger("writes")
_NT = "application/n-triples"


class WriteRejectedError(ValidationFailedError):
    """The resulting graphs do not conform to the shapes (422), with the report."""

    title = "Validation failed"

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(
            f"the data does not conform to Kringloop's shapes: {report.count(Severity.VIOLATION)} "
            "violation(s); nothing was stored",
            reason="shacl",
        )
        self.report = report


class StorageFullError(KringloopError):
    """The disk (or a quota, or a file size limit) has no room for the write (507)."""

    status = 507
    title = "Insufficient storage"


#: What the operating system says when a file cannot grow.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _no_room(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _NO_ROOM


@dataclass(frozen=True)
class WriteOutcome:
    """What a write stored: one version per graph, and the validation report it passed."""

    versions: tuple[Version, ...]
    report: ValidationReport | None
    created: bool


def serialize(triples: Sequence[ox.Triple]) -> bytes:
    """Canonical-ish N-Triples: one line per triple, sorted, so equal graphs hash alike."""
    if not triples:
        return b""
    lines = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").splitlines()
    return b"\n".join(sorted(set(lines))) + b"\n"


def parse_stored(data: bytes) -> list[ox.Triple]:
    return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


class GraphWriter:
    """Performs checked writes to the version store and the engine."""

    def __init__(
        self,
        versions: VersionStore,
        registry: Registry,
        client: EngineClient | None,
        *,
        journal_dir: Path,
        engine_timeout: float = 60.0,
        context: Callable[[Iterable[str]], Sequence[ox.Triple]] | None = None,
    ) -> None:
        """``context`` gives, for the graphs a write names, the triples their links point
        into (default: the bundled ontology, vocabularies and agenda)."""
        self.versions = versions
        self.registry = registry
        self.client = client
        self.journal_dir = journal_dir
        self.engine_timeout = engine_timeout
        self.context = context

    # -- the operations ----------------------------------------------------------------

    def replace(
        self, contents: Mapping[str, Sequence[ox.Triple]], *, owner: str, action: str = "put"
    ) -> WriteOutcome:
        """Make each graph of ``contents`` hold exactly the given triples."""
        gate.check_graphs(self.registry, owner, contents)
        gate.check_subjects(self.registry, owner, contents)
        report = self._validate(contents)
        with self._locked(contents):
            return self._store(
                {graph: list(triples) for graph, triples in contents.items()},
                owner=owner,
                action=action,
                report=report,
            )

    def merge(
        self, contents: Mapping[str, Sequence[ox.Triple]], *, owner: str, action: str = "post"
    ) -> WriteOutcome:
        """Add the given triples to each graph of ``contents`` (RDF merge)."""
        gate.check_graphs(self.registry, owner, contents)
        gate.check_subjects(self.registry, owner, contents)
        with self._locked(contents):
            merged: dict[str, list[ox.Triple]] = {}
            for graph, triples in contents.items():
                merged[graph] = list(dict.fromkeys([*self.current_triples(graph), *triples]))
            report = self._validate(merged)
            return self._store(merged, owner=owner, action=action, report=report)

    def delete(self, graph: str, *, owner: str) -> WriteOutcome:
        """Empty and remove one graph; its earlier versions stay restorable."""
        gate.check_graphs(self.registry, owner, [graph])
        with self._locked([graph]):
            if self.versions.current(graph) is None or self._is_deleted(graph):
                raise NotFoundError(f"graph <{graph}> holds no stored data")
            return self._store({graph: []}, owner=owner, action="delete", report=None)

    def restore(self, graph: str, number: int, *, owner: str) -> WriteOutcome:
        """Make a kept earlier version current again, as a new version."""
        gate.check_graphs(self.registry, owner, [graph])
        kept = {version.number: version for version in self.versions.versions(graph)}
        if number not in kept:
            raise NotFoundError(
                f"graph <{graph}> has no kept version {number}; kept: "
                + (", ".join(str(n) for n in sorted(kept)) or "none")
            )
        triples = parse_stored(self.versions.read(graph, number))
        with self._locked([graph]):
            return self._store(
                {graph: triples}, owner=owner, action="restore", report=None, restored_from=number
            )

    def current_triples(self, graph: str) -> list[ox.Triple]:
        version = self.versions.current(graph)
        if version is None or version.action == "delete":
            return []
        return parse_stored(self.versions.read(graph, version.number))

    # -- recovery and the engine ---------------------------------------------------------

    def recover(self) -> list[str]:
        """Finish what a dead writer left: roll its journals forward, drop the rest.

        Safe while other writers run: a journal is handled under its graphs' locks, and a
        live writer holds those from before it writes the journal until after it removes
        it. Returns the graphs whose current version changed (their engine copy may lag).
        """
        touched: list[str] = []
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        for journal in sorted(self.journal_dir.glob("*.json")):
            try:
                entries = json.loads(journal.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue  # its writer finished meanwhile
            with self._locked(entry["graph"] for entry in entries):
                if not journal.exists():
                    continue
                for entry in entries:
                    version = self.versions.prepared(entry["graph"], int(entry["number"]))
                    if version is None:
                        continue  # committed already, or superseded
                    try:
                        self.versions.commit(version)
                    except VersionConflictError:
                        continue
                    touched.append(version.graph)
                journal.unlink()
                fsync_directory(self.journal_dir)
            _log.warning("interrupted write rolled forward", extra={"journal": journal.name})
        for dropped in self.versions.recover():
            _log.warning(
                "unacknowledged version dropped",
                extra={"graph": dropped.graph, "version": dropped.number},
            )
        if touched:
            self.touch()
        return touched

    def stored_graphs(self) -> list[str]:
        """Every graph the version store has a current version of (deletions included)."""
        candidates = {str(source.iri) for source in BUNDLED}
        candidates.update(self.registry.partner_graphs())
        candidates.update(self.versions.graphs())
        return sorted(graph for graph in candidates if self.versions.current(graph) is not None)

    def sync_engine(self) -> None:
        """Put every current version, the registry and the provenance into the engine."""
        for graph in self.stored_graphs():
            # Under the graph's lock: a write that commits meanwhile is not overtaken.
            with self.versions.lock(graph):
                if self._is_deleted(graph):
                    self._engine_delete(graph)
                else:
                    self._engine_put(graph, self.versions.read(graph, self._number(graph)))
        self.publish_system_graphs()

    def publish_system_graphs(self) -> None:
        """Refresh the registry and provenance graphs in the engine."""
        if self.client is None:
            return
        # One publisher at a time, each reading the latest: an older provenance graph
        # never overwrites a newer one.
        with file_lock(self.journal_dir.parent / "system.lock"):
            for graph, data in (
                (REGISTRY_GRAPH, self.registry.public_graph()),
                (PROVENANCE_GRAPH, self.provenance()),
            ):
                # An empty graph is no graph (GRAPH ?g {} must not list it).
                if data.strip():
                    self._engine_put(graph, data)
                else:
                    self._engine_delete(graph)

    @property
    def stamp_file(self) -> Path:
        return self.journal_dir.parent / "changed"

    def touch(self) -> None:
        """Tell other processes' services that a graph changed (they compare the file's mtime)."""
        atomic_write(self.stamp_file, str(time.time_ns()).encode("ascii"))

    def provenance(self) -> bytes:
        return provenance_graph(self.registry, self.versions, self.stored_graphs())

    # -- internals -------------------------------------------------------------------------

    def _validate(self, contents: Mapping[str, Sequence[ox.Triple]]) -> ValidationReport:
        context = self.context(list(contents)) if self.context is not None else None
        report = gate.validate_contents(contents, context)
        if not report.conforms:
            raise WriteRejectedError(report)
        return report

    def _locked(self, graphs: Iterable[str]) -> ExitStack:
        stack = ExitStack()
        for graph in sorted(set(graphs)):
            stack.enter_context(self.versions.lock(graph))
        return stack

    def _store(
        self,
        contents: dict[str, list[ox.Triple]],
        *,
        owner: str,
        action: str,
        report: ValidationReport | None,
        restored_from: int | None = None,
    ) -> WriteOutcome:
        created = any(
            self.versions.current(graph) is None or self._is_deleted(graph) for graph in contents
        )
        previous = {graph: self.versions.current(graph) for graph in contents}
        prepared: list[Version] = []
        journal = self.journal_dir / f"{uuid.uuid4().hex}.json"
        try:
            for graph, triples in sorted(contents.items()):
                data = serialize(triples)
                prepared.append(
                    self.versions.prepare(
                        graph,
                        data,
                        action=action,
                        agent=owner,
                        triples=data.count(b"\n"),
                        restored_from=restored_from,
                    )
                )
            self.journal_dir.mkdir(parents=True, exist_ok=True)
            entries = [{"graph": v.graph, "number": v.number} for v in prepared]
            atomic_write(journal, json.dumps(entries).encode("utf-8"))
        except BaseException as error:
            for version in prepared:
                self.versions.abandon(version)
            if _no_room(error):
                raise StorageFullError(
                    "the server's disk is full: nothing was stored; try again later",
                    reason="disk-full",
                ) from error
            raise
        try:
            self._apply_to_engine(prepared, previous)
        except BaseException:
            journal.unlink(missing_ok=True)
            for version in prepared:
                self.versions.abandon(version)
            raise
        try:
            for version in prepared:
                self.versions.commit(version)
        except OSError as error:
            if not _no_room(error):
                raise
            # The journal stays: the write completes at the next recovery (the engine
            # holds it already). It was not acknowledged, so the client may retry.
            raise StorageFullError(
                "the server's disk is full: the write is not confirmed; it completes when "
                "the service recovers",
                reason="disk-full",
            ) from error
        journal.unlink(missing_ok=True)
        fsync_directory(self.journal_dir)
        try:
            self.touch()
        except OSError as error:  # committed: other processes notice at their next refresh
            if not _no_room(error):
                raise
            _log.warning("change stamp not written: the disk is full")
        try:
            self.publish_system_graphs()
        except EngineError as error:  # the write itself stands; provenance catches up later
            _log.warning("provenance not refreshed", extra={"error": error.detail})
        for version in prepared:
            _log.info(
                "graph written",
                extra={
                    "graph": version.graph,
                    "version": version.number,
                    "action": action,
                    "agent": owner,
                    "triples": version.triples,
                },
            )
        return WriteOutcome(versions=tuple(prepared), report=report, created=created)

    def _apply_to_engine(
        self, prepared: Sequence[Version], previous: Mapping[str, Version | None]
    ) -> None:
        done: list[str] = []
        try:
            for version in prepared:
                if version.action == "delete":
                    self._engine_delete(version.graph)
                else:
                    self._engine_put(
                        version.graph, self.versions.read(version.graph, version.number)
                    )
                done.append(version.graph)
        except KringloopError:  # refused, dropped, timed out: the engine did not take it
            for graph in done:  # put back what the engine held before
                before = previous.get(graph)
                try:
                    if before is None or before.action == "delete":
                        self._engine_delete(graph)
                    else:
                        self._engine_put(graph, self.versions.read(graph, before.number))
                except KringloopError:
                    _log.error("engine left ahead of the store", extra={"graph": graph})
            raise

    def _engine_put(self, graph: str, data: bytes) -> None:
        if self.client is not None:
            self.client.put_graph(graph, data, _NT, self.engine_timeout)

    def _engine_delete(self, graph: str) -> None:
        if self.client is not None:
            self.client.delete_graph(graph, self.engine_timeout)

    def _number(self, graph: str) -> int:
        version = self.versions.current(graph)
        assert version is not None
        return version.number

    def _is_deleted(self, graph: str) -> bool:
        version = self.versions.current(graph)
        return version is not None and version.action == "delete"


def changes_stamp(writer: GraphWriter) -> tuple[int, ...]:
    """Changes whenever any process commits a write (the stamp file's modification time)."""
    try:
        return (writer.stamp_file.stat().st_mtime_ns,)
    except FileNotFoundError:
        return (0,)
