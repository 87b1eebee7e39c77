"""Helpers for the fault tests: the service's processes, its stored graphs, and a writer
that remembers every write the service acknowledged."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import requests

from kringloop.graphstore.versions import VersionStore, graph_key
from tests.graphstore.gskit import Partners, canonical, example, graph_hash, variant
from tests.service.servicekit import Service

TURTLE = "text/turtle"


def descendants(root: int) -> list[int]:
    """``root`` and every live process descended from it (parents before children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found = [root]
    for pid in found:
        found.extend(child for child, parent in parents.items() if parent == pid)
    return found


def web_pids(service: Service) -> list[int]:
    """The gunicorn processes (master and worker) under ``kringloop serve``."""
    engine = service.health()["engine"]["pid"]
    return [
        pid
        for pid in descendants(service.process.pid)[1:]
        if pid != engine and "gunicorn" in Path(f"/proc/{pid}/cmdline").read_text()
    ]


def kill_tree(service: Service) -> None:
    """SIGKILL every process of the service, frozen first so none reacts to another's
    death (as a power cut would); waits for the supervisor."""
    pids = descendants(service.process.pid)
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    service.process.wait(10)


def partner_body(ref: str, number: int) -> bytes:
    """Partner ``ref``'s example graph (Turtle) with one comment saying version ``number``:
    every write has its own content, valid for the gate and the shapes."""
    return variant(example(ref), number)


@dataclass
class Acknowledged:
    """What one client thread sent, and which of its writes got a 2xx."""

    sent: dict[str, list[str]] = field(default_factory=dict)  # graph -> hashes, in order
    acked: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # (version, hash)
    failures: list[int] = field(default_factory=list)  # non-2xx statuses seen

    def count(self) -> int:
        return sum(len(found) for found in self.acked.values())

    def last(self, graph: str) -> tuple[int, str] | None:
        found = self.acked.get(graph)
        return found[-1] if found else None


class Writer:
    """A client thread PUTting new versions of partner graphs until stopped.

    Each PUT has its own content; a 2xx answer is recorded with the version it named
    and the canonical hash of what was sent. Connection errors (the service died) and
    non-2xx answers are not acknowledgements.
    """

    def __init__(
        self,
        service: Service,
        partners: Partners,
        refs: list[str],
        *,
        first: int,
        record: Acknowledged,
    ) -> None:
        self.service = service
        self.partners = partners
        self.refs = refs
        self.number = first
        self.record = record
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(130)
        assert not self.thread.is_alive(), "the writer hangs"

    def _run(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            ref = self.refs[self.number % len(self.refs)]
            graph = self.partners.graph(ref)
            body = partner_body(ref, self.number)
            digest = canonical(body, TURTLE)
            self.number += 1
            self.record.sent.setdefault(graph, []).append(digest)
            try:
                response = session.put(
                    f"{self.service.url}/graph-store",
                    params={"graph": graph},
                    data=body,
                    headers={"Content-Type": TURTLE, **self.partners.auth(ref)},
                    timeout=120,
                )
            except requests.RequestException:
                session.close()
                session = requests.Session()
                self.stop.wait(0.05)
                continue
            if response.status_code in (200, 201):
                version = response.json()["version"]
                self.record.acked.setdefault(graph, []).append((version, digest))
            else:
                self.record.failures.append(response.status_code)
                self.stop.wait(0.05)


def stored_hash(data_dir: Path, graph: str) -> tuple[int, str, int] | None:
    """The version store's current version of ``graph``: (number, hash, triples)."""
    versions = VersionStore(data_dir / "graphs")
    current = versions.current(graph)
    if current is None:
        return None
    return current.number, canonical(versions.read(graph, current.number)), current.triples


def version_files(data_dir: Path, graph: str) -> list[str]:
    """The files of ``graph``'s directory in the version store (sorted names)."""
    directory = data_dir / "graphs" / graph_key(graph)
    return sorted(path.name for path in directory.iterdir()) if directory.is_dir() else []


def engine_count(service: Service, graph: str) -> int:
    rows = service.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"]["value"])


def check_graph(service: Service, data_dir: Path, graph: str, record: Acknowledged) -> str:
    """Nothing acknowledged is lost and nothing is partial; returns the graph's hash.

    The engine's copy equals the version store's current version (same canonical set,
    same count); that version is the last acknowledged write of the graph or a later
    write sent in full (one the service stored but could not confirm); its version list
    is newest first, ends at the current one and includes the last acknowledged one.
    """
    stored = stored_hash(data_dir, graph)
    last = record.last(graph)
    if stored is None:
        assert last is None, f"<{graph}>: acknowledged version {last} is gone"
        return ""
    number, digest, triples = stored
    served = graph_hash(service, graph)
    assert served == digest, f"<{graph}>: the engine's copy differs from the stored version"
    assert engine_count(service, graph) == triples
    sent = record.sent.get(graph, [])
    assert digest in sent, f"<{graph}>: version {number} is not a whole write that was sent"
    if last is not None:
        last_number, last_digest = last
        assert number >= last_number, f"<{graph}>: version {number} < acknowledged {last_number}"
        assert sent.index(digest) >= sent.index(last_digest), (
            f"<{graph}>: an older write than the last acknowledged one is current"
        )
        if number == last_number:
            assert digest == last_digest
    listed = requests.get(
        f"{service.url}/graph-store/versions", params={"graph": graph}, timeout=30
    ).json()
    numbers = [entry["version"] for entry in listed["versions"]]
    assert listed["current"] == number == numbers[0]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)
    return digest
