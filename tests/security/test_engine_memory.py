"""A query that wants more memory than ``engine_memory_limit`` crashes the engine, not the machine.

A string doubled 24 times is 1 GB (measured: 2.2 GB in the engine before a 10 s deadline
without a limit; eight at once would take the machine). Under the limit the engine's
allocation fails and it dies; the supervisor restarts it, the service answers throughout
and no graph changes. The crash guard blames a query only if it crashes the engine again
within ``probation`` seconds running alone: this one takes about 2.5 s to allocate its way
to the limit, so with the default (1 s) it gets 503 after three crashes; with a longer
probation (here 10 s) it is named (403) and refused from then on without reaching the
engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.graphstore.gskit import Partners, register_partners
from tests.security.seckit import Listener, Unchanged, assert_answers, snapshot
from tests.service.servicekit import Service, http, start_managed

GREEDY = (
    'SELECT (STRLEN(?s24) AS ?n) WHERE { BIND("'
    + "a" * 64
    + '" AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(24))
    + " }"
)


def wait_for_engine(service: Service, seconds: float = 60.0) -> None:
    """Until the restarted engine is loaded again (the health says ``ok``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if http.get(f"{service.url}/-/health").status_code == 200:
            return
        time.sleep(0.2)


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Partners]]:
    directory: Path = tmp_path_factory.mktemp("capped")
    partners = register_partners(directory / "var")
    service = start_managed(
        directory, "--engine-memory-limit", "1536", "--query-deadline", "20", "--probation", "10"
    )
    yield service, partners
    service.stop()


def test_a_greedy_query_crashes_only_the_engine(capped: tuple[Service, Partners]) -> None:
    service, partners = capped
    listener = Listener()
    try:
        with Unchanged(service, partners, listener, before=snapshot(service, partners)):
            before = http.get(f"{service.url}/-/health").json()["engine"]["restarts"]
            first = http.post(service.sparql, data={"query": GREEDY})
            assert first.status_code == 403, first.text
            assert "crashed the engine" in first.json()["detail"]
            again = http.post(service.sparql, data={"query": GREEDY})
            assert again.status_code == 403
            assert "crashed the engine before" in again.json()["detail"]
            wait_for_engine(service)
            assert_answers(service)
            after = http.get(f"{service.url}/-/health").json()["engine"]["restarts"]
            assert after > before
    finally:
        listener.close()
