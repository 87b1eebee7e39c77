"""The managed engine keeps its data in memory and is refilled after every start.

Killing only the engine process (SIGKILL) loses everything it held; the supervisor
restarts it and reloads the bundled graphs from their files and every stored graph from
the version store before any query reaches it. A client counting a partner graph
meanwhile gets either the full count or a 503, never a partial count.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kringloop.errors import BackendUnavailableError
from kringloop.services import bundled_graphs
from kringloop.store.managed import (
    LoadingWatch,
    ManagedEngine,
    find_binary,
    read_state,
    write_state,
)
from tests.graphstore.gskit import CIRKELREGIO, Partners, example, put, register_partners
from tests.service.servicekit import Service, alive, start_managed

BUNDLED = bundled_graphs()[0]
COME_BACK_S = 30.0


def count_query(graph: str) -> str:
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"


def graph_count(service: Service, graph: str) -> int:
    rows = service.select(count_query(graph))
    return int(rows[0]["n"]["value"])


class CountHammer:
    """Another client: counts one graph again and again, keeping every answer."""

    def __init__(self, service: Service, graph: str) -> None:
        self.service = service
        self.query = count_query(graph)
        self.done = threading.Event()
        self.counts: list[int] = []
        self.unavailable = 0
        self.other: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CountHammer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(60)

    def _run(self) -> None:
        session = requests.Session()
        while not self.done.is_set():
            try:
                response = session.get(
                    self.service.sparql,
                    params={"query": self.query},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=60,
                )
            except requests.RequestException as error:
                self.other.append(repr(error))
                continue
            if response.status_code == 503:
                self.unavailable += 1
            elif response.status_code == 200:
                self.counts.append(int(response.json()["results"]["bindings"][0]["n"]["value"]))
            else:
                self.other.append(f"{response.status_code} {response.text[:200]}")
            time.sleep(0.002)


def wait_for_new_generation(service: Service, before: dict[str, object]) -> dict[str, object]:
    """The engine part of ``/-/health`` once a new process has finished loading."""
    started = time.monotonic()
    while True:
        engine: dict[str, object] = service.health()["engine"]
        if (
            engine["pid"] not in (None, before["pid"])
            and engine["loading"] is False
            and engine["generation"] != before["generation"]
        ):
            return engine
        assert time.monotonic() - started < COME_BACK_S, "the engine did not come back"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def partners(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Partners]:
    directory = tmp_path_factory.mktemp("memory-engine")
    return directory, register_partners(directory / "var")


@pytest.fixture(scope="module")
def memory_service(partners: tuple[Path, Partners]) -> Iterator[Service]:
    directory, _partners = partners
    service = start_managed(directory)
    yield service
    service.stop()


@pytest.mark.slow
def test_killed_engine_is_reloaded_and_never_seen_half_loaded(
    memory_service: Service, partners: tuple[Path, Partners]
) -> None:
    service = memory_service
    directory, registered = partners
    graph = registered.graph(CIRKELREGIO)
    response = put(service, registered, CIRKELREGIO, graph, example(CIRKELREGIO))
    assert response.status_code in (200, 201), response.text
    before_health = service.health()
    before = before_health["engine"]
    assert before["store"] == "memory"
    assert before["loading"] is False
    assert not (directory / "var" / "oxigraph").exists(), "an in-memory engine wrote a store"
    partner_triples = graph_count(service, graph)
    bundled_triples = graph_count(service, BUNDLED)
    assert partner_triples > 0 and bundled_triples > 0
    with CountHammer(service, graph) as hammer:
        time.sleep(0.3)
        answered_before_kill = len(hammer.counts)
        os.kill(before["pid"], signal.SIGKILL)
        after = wait_for_new_generation(service, before)
        time.sleep(0.3)
    assert not alive(before["pid"])
    assert after["restarts"] == before["restarts"] + 1
    assert hammer.other == []
    assert answered_before_kill > 0 and len(hammer.counts) > answered_before_kill
    assert set(hammer.counts) == {partner_triples}, "a query saw a partly loaded engine"
    assert graph_count(service, graph) == partner_triples
    assert graph_count(service, BUNDLED) == bundled_triples
    health = service.health()
    assert health["status"] == before_health["status"]
    assert {g["iri"]: g["triples"] for g in health["graphs"]} == {
        g["iri"]: g["triples"] for g in before_health["graphs"]
    }


def test_queries_wait_for_loading_and_fail_at_the_deadline(tmp_path: Path) -> None:
    state_file = tmp_path / "engine.json"
    watch = LoadingWatch(state_file, poll_interval=0.01)
    assert watch.loading() is False  # no state file: nothing to wait for
    write_state(state_file, {"pid": 1, "loading": True, "generation": 0})
    assert watch.loading() is True
    assert watch.wait(time.monotonic() + 0.05) is False
    finish = threading.Timer(
        0.1, write_state, (state_file, {"pid": 1, "loading": False, "generation": 1})
    )
    finish.start()
    assert watch.wait(time.monotonic() + 30.0) is True
    finish.join()
    assert watch.loading() is False


@pytest.mark.slow
def test_disk_store_keeps_the_old_behaviour(tmp_path: Path) -> None:
    registered = register_partners(tmp_path / "var")
    service = start_managed(tmp_path, "--engine-store", "disk")
    try:
        graph = registered.graph(CIRKELREGIO)
        response = put(service, registered, CIRKELREGIO, graph, example(CIRKELREGIO))
        assert response.status_code in (200, 201), response.text
        before = service.health()["engine"]
        assert before["store"] == "disk"
        assert (tmp_path / "var" / "oxigraph").is_dir()
        triples = graph_count(service, graph)
        os.kill(before["pid"], signal.SIGKILL)
        wait_for_new_generation(service, before)
        assert graph_count(service, graph) == triples
        assert graph_count(service, BUNDLED) > 0
    finally:
        service.stop()


def test_a_failed_reload_kills_the_engine_and_loads_it_again(tmp_path: Path) -> None:
    """The supervisor thread survives a loader failure: the next process is loaded."""
    calls: list[int] = []

    def loader() -> None:
        calls.append(len(calls))
        if len(calls) == 2:  # the first restart's load fails
            raise BackendUnavailableError("the engine went away while loading")

    engine = ManagedEngine(binary=find_binary(), data_dir=tmp_path, loader=loader)
    try:
        engine.start()
        engine.supervise()
        first = read_state(engine.state_file)
        assert first is not None
        assert (first["loading"], first["generation"], first["store"]) == (False, 1, "memory")
        os.kill(first["pid"], signal.SIGKILL)
        started = time.monotonic()
        while (state := read_state(engine.state_file)) is None or state["generation"] < 2:
            assert time.monotonic() - started < COME_BACK_S, "the engine was not reloaded"
            time.sleep(0.02)
        assert state["loading"] is False
        assert len(calls) == 3
        assert engine.restarts == 2  # the killed process, then the one whose load failed
        assert not alive(first["pid"])
        assert not (tmp_path / "oxigraph").exists()
    finally:
        engine.stop()
