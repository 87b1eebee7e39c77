"""Repeated kill -9 during a stream of partner writes: of the engine alone, and of the whole
service (supervisor, gunicorn, engine) followed by a restart on the same data directory.

A client thread PUTs a new version of one of two partner graphs after the other and
records every write the service acknowledged (2xx), with the content it sent. After each
round (the engine back, or the service restarted), for every graph
(:func:`tests.faults.faultkit.check_graph`): the engine's copy is the version store's
current version (same canonical set, same triple count); that version is the last
acknowledged write or a later write in full, never a partial graph; the version list is
consistent. The rounds are bounded (a few seconds each) and their kill moments random
but seeded.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from tests.faults.faultkit import Acknowledged, Writer, check_graph, kill_tree, web_pids
from tests.graphstore.gskit import CIRKELREGIO, FOODVALLEY, register_partners
from tests.service.servicekit import Service, alive, http, start_managed

ENGINE_ROUNDS = 5
SERVICE_ROUNDS = 4
REFS = [CIRKELREGIO, FOODVALLEY]


def wait_back(service: Service, old_pid: int, seconds: float = 30.0) -> None:
    """Until a restarted engine (not ``old_pid``) is loaded and answers queries."""
    limit = time.monotonic() + seconds
    while True:
        engine = service.health()["engine"] if _health_ok(service) else {}
        if engine.get("pid") not in (None, old_pid) and not engine.get("loading"):
            response = http.get(service.sparql, params={"query": "ASK {}", "format": "json"})
            if response.status_code == 200:
                return
        assert time.monotonic() < limit, "the engine did not come back"
        time.sleep(0.05)


def until_acknowledged(record: Acknowledged, before: int, seconds: float = 60.0) -> None:
    """Until the service acknowledged a write more than ``before`` (each round proves some)."""
    limit = time.monotonic() + seconds
    while record.count() <= before:
        assert time.monotonic() < limit, "no write was acknowledged"
        time.sleep(0.02)


def _health_ok(service: Service) -> bool:
    return http.get(f"{service.url}/-/health").status_code in (200, 503)


def check_all(service: Service, data_dir: Path, graphs: list[str], record: Acknowledged) -> None:
    for graph in graphs:
        check_graph(service, data_dir, graph, record)
    # Nothing half-done is left behind once recovery ran.
    assert not list((data_dir / "graphs" / "journal").glob("*.json"))


def test_engine_killed_repeatedly_during_writes(tmp_path: Path) -> None:
    partners = register_partners(tmp_path / "var")
    data_dir = tmp_path / "var"
    graphs = [partners.graph(ref) for ref in REFS]
    record = Acknowledged()
    rng = random.Random(8042)
    service = start_managed(tmp_path)
    try:
        web = web_pids(service)
        number = 0
        for _round in range(ENGINE_ROUNDS):
            with Writer(service, partners, REFS, first=number, record=record) as writer:
                until_acknowledged(record, record.count())
                time.sleep(rng.uniform(0.0, 1.0))
                engine = service.health()["engine"]["pid"]
                os.kill(engine, signal.SIGKILL)
                time.sleep(rng.uniform(0.0, 0.5))  # writes meet the dead or reloading engine
            number = writer.number
            wait_back(service, engine)
            assert not alive(engine)
            check_all(service, data_dir, graphs, record)
        assert web_pids(service) == web, "the web server was restarted"
        assert service.health()["engine"]["restarts"] == ENGINE_ROUNDS
    finally:
        service.stop()
    acked = record.count()
    print(f"\nengine kill -9: {ENGINE_ROUNDS} rounds, {acked} writes acknowledged and found")
    assert all(status == 503 for status in record.failures), record.failures


def test_whole_service_killed_repeatedly_during_writes(tmp_path: Path) -> None:
    partners = register_partners(tmp_path / "var")
    data_dir = tmp_path / "var"
    graphs = [partners.graph(ref) for ref in REFS]
    record = Acknowledged()
    rng = random.Random(2021)
    number = 0
    for _round in range(SERVICE_ROUNDS):
        service = start_managed(tmp_path)
        try:
            check_all(service, data_dir, graphs, record)  # what the last kill left
            with Writer(service, partners, REFS, first=number, record=record) as writer:
                until_acknowledged(record, record.count())
                time.sleep(rng.uniform(0.0, 1.5))
                kill_tree(service)
            number = writer.number
        finally:
            if service.process.poll() is None:
                kill_tree(service)
    service = start_managed(tmp_path)
    try:
        check_all(service, data_dir, graphs, record)
    finally:
        service.stop()
    acked = record.count()
    print(f"\nservice kill -9: {SERVICE_ROUNDS} rounds, {acked} writes acknowledged and found")
    assert record.failures == []
