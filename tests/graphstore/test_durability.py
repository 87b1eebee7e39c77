"""Concurrent replacements and kill -9 during writes: exactly one complete version, nothing
acknowledged lost."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.synthetic import write_partner_graph
from kringloop.graphstore.versions import graph_key
from tests.graphstore.gskit import (
    CIRKELREGIO,
    Partners,
    canonical,
    example,
    graph_hash,
    put,
    register_partners,
    variant,
)
from tests.service.servicekit import Service, start_managed

TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"


def test_twenty_concurrent_replacements_leave_exactly_one_complete_version(
    store: Service, partners: Partners
) -> None:
    graph = partners.graph(CIRKELREGIO)
    bodies = [variant(example(CIRKELREGIO), number) for number in range(20)]
    expected = {canonical(body, TURTLE): number for number, body in enumerate(bodies)}
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(lambda body: put(store, partners, CIRKELREGIO, graph, body), bodies)
        )
    assert [r.status_code for r in responses if r.status_code not in (200, 201)] == []
    numbers = [r.json()["version"] for r in responses]
    assert len(set(numbers)) == 20
    final = graph_hash(store, graph)
    assert final in expected
    # The graph holds the version committed last, complete.
    last = max(responses, key=lambda r: r.json()["version"])
    assert (
        last.json()["sha256"]
        == requests.get(
            f"{store.url}/graph-store/versions", params={"graph": graph}, timeout=10
        ).json()["versions"][0]["sha256"]
    )
    assert expected[final] == bodies.index(bodies[expected[final]])


def _tree(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found = [root]
    for pid in found:
        found.extend(child for child, parent in parents.items() if parent == pid)
    return found


def _kill_all(service: Service) -> None:
    # Freeze the whole tree first, so no process reacts to another's death (the engine
    # exiting on its parent's SIGTERM while the web worker is still writing), then kill.
    pids = _tree(service.process.pid)
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    service.process.wait(10)


def _write(
    service: Service, partners: Partners, graph: str, body: bytes, outcome: list[requests.Response]
) -> None:
    with contextlib.suppress(requests.RequestException):
        outcome.append(put(service, partners, CIRKELREGIO, graph, body, NTRIPLES))


def _watch(directory: Path, pattern: str, seen_before: set[str], stop: threading.Event) -> bool:
    """Wait until a file matching ``pattern`` that was not there before appears."""
    while not stop.is_set():
        if {path.name for path in directory.glob(pattern)} - seen_before:
            return True
        time.sleep(0.0005)
    return False


def _bulky(base: bytes, number: int) -> bytes:
    return (
        base
        + (
            "<https://w3id.org/kringloop/id/partner/cirkelregio-utrecht/activiteit/a-0> "
            f'<http://www.w3.org/2000/01/rdf-schema#comment> "versie {number}"@nl .\n'
        ).encode()
    )


#: Where each round kills every process of the service: when the new version's file
#: appears (before the journal), when the journal appears (the write must then complete
#: at the next start), and at a random moment.
KILL_POINTS = ("prepared", "journal", "random")


def test_kill_9_during_replacement_loses_no_acknowledged_version(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    partners = register_partners(data_dir)
    graph = partners.graph(CIRKELREGIO)
    generated = write_partner_graph(10_000, tmp_path / "synthetic", partner=CIRKELREGIO)
    base = generated.ntriples.read_bytes()
    versions_dir = data_dir / "graphs" / graph_key(graph)
    journal_dir = data_dir / "graphs" / "journal"
    rng = random.Random(20211)
    acknowledged: list[tuple[int, str]] = []
    number = 0
    for point in KILL_POINTS:
        service = start_managed(tmp_path)
        try:
            number += 1
            body = _bulky(base, number)
            response = put(service, partners, CIRKELREGIO, graph, body, NTRIPLES)
            assert response.status_code in (200, 201), response.text
            acknowledged.append((response.json()["version"], canonical(body)))
            number += 1
            body = _bulky(base, number)
            cut = canonical(body)
            outcome: list[requests.Response] = []
            before = {path.name for path in versions_dir.glob("v*.nt")}
            writer = threading.Thread(target=_write, args=(service, partners, graph, body, outcome))
            stop = threading.Event()
            writer.start()
            if point == "prepared":
                assert _watch(versions_dir, "v*.nt", before, stop)
            elif point == "journal":
                assert _watch(journal_dir, "*.json", set(), stop)
            else:
                time.sleep(rng.uniform(0.0, 1.5))
            _kill_all(service)
            writer.join(30)
            assert not outcome or point == "random", "the write finished before the kill"
            if outcome and outcome[0].status_code in (200, 201):
                acknowledged.append((outcome[0].json()["version"], cut))
        finally:
            if service.process.poll() is None:
                _kill_all(service)
        restarted = start_managed(tmp_path)
        try:
            current = graph_hash(restarted, graph)
            last_version, last_hash = acknowledged[-1]
            listed = requests.get(
                f"{restarted.url}/graph-store/versions", params={"graph": graph}, timeout=10
            ).json()
            assert listed["current"] >= last_version
            # Never a partial graph: the last acknowledged version, or the cut write whole;
            # once its journal was written, the cut write must be there.
            assert current in (last_hash, cut)
            if point == "journal":
                assert current == cut
            if current == cut:
                acknowledged.append((listed["current"], cut))
            # The engine agrees with the store: the public endpoint counts the same triples.
            rows = restarted.select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            )
            assert int(rows[0]["n"]["value"]) == listed["versions"][0]["triples"]
        finally:
            restarted.stop()
