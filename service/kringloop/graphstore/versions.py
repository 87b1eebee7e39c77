"""The version store: every named graph's kept versions as N-Triples files on disk.

Layout: ``{root}/<key>/`` per graph, ``key = sha256(graph IRI)[:24]``, holding
``v<n>.nt`` (the content), ``v<n>.json`` (its :class:`Version` record), ``current`` (the
number of the current version) and ``lock``. A write is two steps, both under
:meth:`VersionStore.lock`: :meth:`~VersionStore.prepare` writes and fsyncs both files of
the next number; :meth:`~VersionStore.commit` replaces ``current`` atomically. A crash
in between leaves a version above ``current``, which :meth:`~VersionStore.recover`
removes at the next start; a version is acknowledged only once ``current`` names it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kringloop.durable import atomic_write, file_lock, remove_durably, write_new
from kringloop.errors import BadRequestError, ConfigurationError, KringloopError, NotFoundError

ACTIONS = frozenset({"put", "post", "delete", "restore", "harvest", "import"})
KEY_LENGTH = 24
CURRENT_FILE = "current"
LOCK_FILE = "lock"
_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.(nt|json)$")


class VersionConflictError(KringloopError):
    """A version was committed out of order (its writer did not hold the graph's lock)."""

    status = 409
    title = "Version conflict"


@dataclass(frozen=True)
class Version:
    graph: str
    number: int
    action: str
    agent: str
    at: datetime
    sha256: str
    triples: int
    bytes: int
    restored_from: int | None

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["at"] = self.at.isoformat()
        return record

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Version:
        restored = record.get("restored_from")
        return cls(
            graph=str(record["graph"]),
            number=int(record["number"]),
            action=str(record["action"]),
            agent=str(record["agent"]),
            at=datetime.fromisoformat(str(record["at"])),
            sha256=str(record["sha256"]),
            triples=int(record["triples"]),
            bytes=int(record["bytes"]),
            restored_from=None if restored is None else int(restored),
        )


def graph_key(graph: str) -> str:
    return hashlib.sha256(graph.encode("utf-8")).hexdigest()[:KEY_LENGTH]


class VersionStore:
    """Kept versions of named graphs under ``root``; ``keep`` versions per graph."""

    def __init__(self, root: Path, keep: int = 10) -> None:
        if keep < 1:
            raise ConfigurationError("the version store must keep at least 1 version per graph")
        self.root = root
        self.keep = keep

    # -- reading -----------------------------------------------------------------

    def graphs(self) -> list[str]:
        """Graphs whose current version exists and is not a deletion, sorted."""
        found = []
        for directory in self._directories():
            version = self._current_in(directory)
            if version is not None and version.action != "delete":
                found.append(version.graph)
        return sorted(found)

    def current(self, graph: str) -> Version | None:
        return self._current_in(self._directory(graph))

    def versions(self, graph: str) -> list[Version]:
        """The kept, committed versions, newest first."""
        directory = self._directory(graph)
        current = self._current_number(directory)
        found = []
        for number in sorted(self._numbers(directory), reverse=True):
            if number <= current:
                try:
                    found.append(self._record(directory, number))
                except FileNotFoundError:
                    continue  # pruned meanwhile, or its removal was interrupted
        return found

    def read(self, graph: str, number: int) -> bytes:
        """The N-Triples of a kept or prepared version, checked against its recorded hash."""
        directory = self._directory(graph)
        try:
            version = self._record(directory, number)
            data = (directory / f"v{number}.nt").read_bytes()
        except FileNotFoundError as error:
            raise NotFoundError(f"graph <{graph}> has no version {number}") from error
        if hashlib.sha256(data).hexdigest() != version.sha256:
            raise ConfigurationError(f"version {number} of graph <{graph}> is corrupt on disk")
        return data

    def prepared(self, graph: str, number: int) -> Version | None:
        """A version prepared but not (yet) committed, or None."""
        directory = self._directory(graph)
        if number <= self._current_number(directory):
            return None
        try:
            return self._record(directory, number)
        except FileNotFoundError:
            return None

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def lock(self, graph: str) -> Iterator[None]:
        """Exclusive, cross-process and re-entrant: hold it from prepare to commit."""
        with file_lock(self._directory(graph) / LOCK_FILE):
            yield

    def prepare(
        self,
        graph: str,
        ntriples: bytes,
        *,
        action: str,
        agent: str,
        triples: int,
        restored_from: int | None = None,
    ) -> Version:
        """Write the next version durably (content, then record); not yet current."""
        if action not in ACTIONS:
            raise BadRequestError(f"unknown version action {action!r}")
        with self.lock(graph):
            directory = self._directory(graph)
            number = max([self._current_number(directory), *self._numbers(directory)]) + 1
            version = Version(
                graph=graph,
                number=number,
                action=action,
                agent=agent,
                at=datetime.now(UTC),
                sha256=hashlib.sha256(ntriples).hexdigest(),
                triples=triples,
                bytes=len(ntriples),
                restored_from=restored_from,
            )
            record = json.dumps(version.to_json(), indent=2) + "\n"
            try:
                write_new(directory / f"v{number}.nt", ntriples)
                atomic_write(directory / f"v{number}.json", record.encode("utf-8"))
            except BaseException:
                # A full disk between the two files: leave no content without its record
                # (recovery would never list it, pruning would count it).
                remove_durably(_files_of(directory, number))
                raise
            return version

    def commit(self, version: Version) -> None:
        """Make ``version`` current (atomic, durable), then prune beyond ``keep``.

        Committing the current version again does nothing (a roll-forward may repeat).
        """
        with self.lock(version.graph):
            directory = self._directory(version.graph)
            current = self._current_number(directory)
            if version.number == current:
                return
            if version.number < current:
                raise VersionConflictError(
                    f"version {version.number} of graph <{version.graph}> is not newer than "
                    f"the current version {current}"
                )
            if not (directory / f"v{version.number}.json").exists():
                raise NotFoundError(f"version {version.number} was never prepared or was removed")
            atomic_write(directory / CURRENT_FILE, f"{version.number}\n".encode())
            self._prune(directory, version.number)

    def abandon(self, version: Version) -> None:
        """Remove a prepared version that will not be committed."""
        with self.lock(version.graph):
            directory = self._directory(version.graph)
            if version.number > self._current_number(directory):
                remove_durably(_files_of(directory, version.number))

    def recover(self) -> list[Version]:
        """Remove every prepared-but-uncommitted version (after a crash); returns them."""
        removed: list[Version] = []
        for directory in self._directories():
            with file_lock(directory / LOCK_FILE):
                current = self._current_number(directory)
                stale = [number for number in self._numbers(directory) if number > current]
                for number in sorted(stale):
                    # No record: the crash came before it was complete.
                    with contextlib.suppress(FileNotFoundError, ConfigurationError):
                        removed.append(self._record(directory, number))
                    remove_durably(_files_of(directory, number))
                remove_durably(sorted(directory.glob(".*.tmp")))
        return removed

    # -- files -------------------------------------------------------------------

    def _directory(self, graph: str) -> Path:
        return self.root / graph_key(graph)

    def _directories(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(
            path for path in self.root.iterdir() if path.is_dir() and len(path.name) == KEY_LENGTH
        )

    def _current_number(self, directory: Path) -> int:
        try:
            text = (directory / CURRENT_FILE).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return 0
        if not (text.isascii() and text.isdigit()):
            raise ConfigurationError(f"{directory / CURRENT_FILE} is corrupt: {text!r}")
        return int(text)

    def _current_in(self, directory: Path) -> Version | None:
        number = self._current_number(directory)
        if not number:
            return None
        try:
            return self._record(directory, number)
        except FileNotFoundError as error:
            raise ConfigurationError(
                f"the current version record in {directory} is missing"
            ) from error

    def _numbers(self, directory: Path) -> set[int]:
        if not directory.is_dir():
            return set()
        numbers = set()
        for path in directory.iterdir():
            match = _VERSION_FILE.match(path.name)
            if match:
                numbers.add(int(match.group(1)))
        return numbers

    def _record(self, directory: Path, number: int) -> Version:
        path = directory / f"v{number}.json"
        try:
            return Version.from_json(json.loads(path.read_bytes()))
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigurationError(f"version record {path} is corrupt: {error}") from error

    def _prune(self, directory: Path, current: int) -> None:
        committed = sorted(number for number in self._numbers(directory) if number <= current)
        old = committed[: -self.keep] if len(committed) > self.keep else []
        remove_durably([path for number in old for path in _files_of(directory, number)])


def _files_of(directory: Path, number: int) -> list[Path]:
    # The record goes first: a version without its record is never listed.
    return [directory / f"v{number}.json", directory / f"v{number}.nt"]
