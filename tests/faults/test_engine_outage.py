"""The engine hung (SIGSTOP) or down with no restart possible for a while: queries get a
503 problem+json before the deadline runs out twice, writes fail with 503 and store
nothing, and the service recovers without its web server being restarted.

What ``tests/service/test_resilience.py`` proves already (a crashing or hanging *query*,
an engine killed and restarted at once) is not repeated here. To keep the engine down,
the supervisor (``kringloop serve``) is frozen with SIGSTOP before the engine is killed,
so it cannot restart it until it gets SIGCONT; gunicorn, its child, keeps serving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.faults.faultkit import (
    TURTLE,
    Acknowledged,
    check_graph,
    partner_body,
    stored_hash,
    version_files,
    web_pids,
)
from tests.graphstore.gskit import CIRKELREGIO, Partners, canonical, register_partners
from tests.service.servicekit import Service, alive, http, start_managed

DEADLINE = 3.0
CHEAP_QUERY = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Partners]]:
    directory = tmp_path_factory.mktemp("outage")
    partners = register_partners(directory / "var")
    service = start_managed(directory, "--query-deadline", str(DEADLINE))
    yield service, partners
    service.stop()


@contextlib.contextmanager
def stopped(pid: int) -> Iterator[None]:
    """``pid`` frozen (SIGSTOP) inside the block, resumed (SIGCONT) after it, whatever happens."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def put(service: Service, partners: Partners, number: int) -> requests.Response:
    return requests.put(
        f"{service.url}/graph-store",
        params={"graph": partners.graph(CIRKELREGIO)},
        data=partner_body(CIRKELREGIO, number),
        headers={"Content-Type": TURTLE, **partners.auth(CIRKELREGIO)},
        timeout=120,
    )


def timed_query(service: Service) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = http.get(service.sparql, params={"query": CHEAP_QUERY, "format": "json"})
    return response, time.monotonic() - started


def assert_quick_503(response: requests.Response, elapsed: float) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 503 and response.json()["detail"]
    # Generous: the service gives up at its deadline; a hang would run to the client's 60 s.
    assert elapsed < DEADLINE * 2, f"answered after {elapsed:.2f} s"


def wait_answering(service: Service, seconds: float = 30.0) -> None:
    """Until a query is answered again (the engine restarted and reloaded)."""
    limit = time.monotonic() + seconds
    while True:
        response = http.get(service.sparql, params={"query": CHEAP_QUERY, "format": "json"})
        if response.status_code == 200:
            return
        assert time.monotonic() < limit, f"no answer within {seconds:g} s: {response.text}"
        time.sleep(0.1)


def acknowledge(record: Acknowledged, graph: str, response: requests.Response, body: bytes) -> None:
    assert response.status_code in (200, 201), response.text
    record.sent.setdefault(graph, []).append(canonical(body, TURTLE))
    record.acked.setdefault(graph, []).append((response.json()["version"], canonical(body, TURTLE)))


def test_hung_engine_queries_503_and_a_write_waits_then_lands(
    outage: tuple[Service, Partners],
) -> None:
    service, partners = outage
    data_dir = service.log.parent / "var"
    graph = partners.graph(CIRKELREGIO)
    record = Acknowledged()
    acknowledge(record, graph, put(service, partners, 1), partner_body(CIRKELREGIO, 1))
    web = web_pids(service)
    engine = service.health()["engine"]
    outcome: list[requests.Response] = []
    with stopped(engine["pid"]):
        response, elapsed = timed_query(service)
        assert_quick_503(response, elapsed)
        assert response.json()["title"] == "Query deadline exceeded"
        # A write while the engine hangs waits for it (up to the write timeout), holding
        # the graph's lock; nothing is current before the engine took it.
        writer = threading.Thread(target=lambda: outcome.append(put(service, partners, 2)))
        writer.start()
        time.sleep(1.0)
        current = stored_hash(data_dir, graph)
        assert current is not None and current[0] == record.acked[graph][-1][0]
        assert not outcome
    writer.join(90)
    assert outcome, "the write did not finish after the engine resumed"
    acknowledge(record, graph, outcome[0], partner_body(CIRKELREGIO, 2))
    wait_answering(service)
    # Recovered without any restart: the same engine, the same web server processes.
    after = service.health()["engine"]
    assert (after["pid"], after["restarts"]) == (engine["pid"], engine["restarts"])
    assert web_pids(service) == web
    check_graph(service, data_dir, graph, record)


def test_engine_down_without_restart_refuses_writes_and_recovers(
    outage: tuple[Service, Partners],
) -> None:
    service, partners = outage
    data_dir = service.log.parent / "var"
    graph = partners.graph(CIRKELREGIO)
    record = Acknowledged()
    acknowledge(record, graph, put(service, partners, 10), partner_body(CIRKELREGIO, 10))
    web = web_pids(service)
    engine = service.health()["engine"]
    files = version_files(data_dir, graph)
    listed = http.get(f"{service.url}/graph-store/versions", params={"graph": graph}).json()
    with stopped(service.process.pid):  # the supervisor cannot restart the engine
        os.kill(engine["pid"], signal.SIGKILL)
        limit = time.monotonic() + 10
        while alive(engine["pid"]):
            assert time.monotonic() < limit
            time.sleep(0.02)
        for _ in range(2):
            response, elapsed = timed_query(service)
            assert_quick_503(response, elapsed)
        health = http.get(f"{service.url}/-/health")
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        for number in (11, 12):
            started = time.monotonic()
            refused = put(service, partners, number)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Content-Type"] == "application/problem+json"
            assert time.monotonic() - started < DEADLINE * 2
            record.sent[graph].append(canonical(partner_body(CIRKELREGIO, number), TURTLE))
        # Nothing of the refused writes is stored: the same files, the same versions.
        assert version_files(data_dir, graph) == files
        assert not list((data_dir / "graphs" / "journal").glob("*.json"))
        again = http.get(f"{service.url}/graph-store/versions", params={"graph": graph}).json()
        assert again == listed
    wait_answering(service)
    after = service.health()["engine"]
    assert after["pid"] != engine["pid"] and after["restarts"] == engine["restarts"] + 1
    assert web_pids(service) == web, "the web server was restarted"
    # The reloaded engine holds exactly the last acknowledged write; writes work again.
    assert check_graph(service, data_dir, graph, record) == record.acked[graph][-1][1]
    acknowledge(record, graph, put(service, partners, 13), partner_body(CIRKELREGIO, 13))
    check_graph(service, data_dir, graph, record)
