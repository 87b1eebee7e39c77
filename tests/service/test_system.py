"""``/-/health``, ``/-/metrics``, request ids, logs, and problem+json on every error path."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servicekit import PUBLISHED, Service, alive, clean_environment, free_port, http

from kringloop import create_app
from kringloop.settings import Settings


def test_health_reports_engine_graphs_and_versions(
    service: Service, graph_sizes: dict[str, int]
) -> None:
    response = http.get(f"{service.url}/-/health")
    assert response.status_code == 200
    health = response.json()
    assert health["engine"]["reachable"] is True
    assert health["engine"]["server"].startswith("Oxigraph/")
    assert {graph["iri"]: graph["triples"] for graph in health["graphs"]} == graph_sizes
    expected = "ok" if all(graph_sizes.values()) else "degraded"
    assert health["status"] == expected
    assert health["versions"]["kringloop"]
    assert health["versions"]["oxigraph"]
    assert health["engine"]["managed"] is (service.name == "managed")


def metric(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_refusals_and_latency(service: Service) -> None:
    before = http.get(f"{service.url}/-/metrics").text
    ok_series = 'kringloop_http_requests_total{route="/sparql",method="GET",status="200"}'
    refused_series = 'kringloop_queries_refused_total{reason="service"}'
    for _ in range(3):
        http.get(service.sparql, params={"query": "ASK {}"})
    http.get(service.sparql, params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> {} }"})
    response = http.get(f"{service.url}/-/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    after = response.text
    assert metric(after, ok_series) == metric(before, ok_series) + 3
    assert metric(after, refused_series) == metric(before, refused_series) + 1
    bucket = 'kringloop_http_request_duration_seconds_bucket{route="/sparql",le="+Inf"}'
    assert metric(after, bucket) >= metric(before, bucket) + 4
    assert metric(after, "kringloop_engine_up") == 1
    for name in (
        "kringloop_query_timeouts_total",
        "kringloop_engine_restarts_total",
        "kringloop_queries_truncated_total",
    ):
        assert f"# TYPE {name} counter" in after
    # every sample line is well-formed Prometheus text
    sample = re.compile(r"^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$")
    for line in after.splitlines():
        assert line.startswith("#") or sample.match(line), line


def test_request_id_in_and_out(service: Service) -> None:
    given = http.get(
        service.sparql, params={"query": "ASK {}"}, headers={"X-Request-Id": "abc-123"}
    )
    assert given.headers["X-Request-Id"] == "abc-123"
    made = http.get(service.sparql, params={"query": "ASK {}"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    unsafe = http.get(f"{service.url}/-/health", headers={"X-Request-Id": "x" * 300})
    assert unsafe.headers["X-Request-Id"] != "x" * 300
    problem = http.get(service.sparql, params={"query": "ASK {"}, headers={"X-Request-Id": "r-1"})
    assert problem.json()["requestId"] == "r-1"


PROBLEM_PATHS = [
    ("unknown route", "GET", "/no/such/page", 404),
    ("wrong method on health", "POST", "/-/health", 405),
]


@pytest.mark.parametrize(
    ("case", "method", "path", "status"), PROBLEM_PATHS, ids=[p[0] for p in PROBLEM_PATHS]
)
def test_framework_errors_are_problem_json(
    managed_service: Service, case: str, method: str, path: str, status: int
) -> None:
    response = http.request(method, managed_service.url + path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]


def test_unexpected_errors_reveal_nothing() -> None:
    app = create_app(Settings(engine_query_url="http://127.0.0.1:9/query", log_level="error"))

    @app.get("/-/explode")
    def explode() -> str:
        raise RuntimeError("secret internals /etc/passwd")

    response = app.test_client().get("/-/explode")
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["title"] == "Internal error"
    assert "secret" not in response.get_data(as_text=True)


def test_an_engine_that_is_down_gives_503_within_the_deadline() -> None:
    port = free_port()  # nothing listens here
    settings = Settings(
        engine_query_url=f"http://127.0.0.1:{port}/query", query_deadline=1.0, log_level="error"
    )
    client = create_app(settings).test_client()
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert time.monotonic() - started < 2.0
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    health = client.get("/-/health")
    assert health.status_code == 503
    assert health.get_json()["engine"]["reachable"] is False


def test_no_engine_configured_is_a_clear_503() -> None:
    client = create_app(Settings(log_level="error")).test_client()
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    assert "kringloop serve" in response.get_json()["detail"]


def test_logs_are_json_lines_with_the_request_id(tmp_path: Path) -> None:
    """A dev-mode service at log level info: one JSON object per line, request ids included."""
    port = free_port()
    log = tmp_path / "dev.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kringloop", "serve", "--dev", "--port", str(port),
             "--data-dir", str(tmp_path / "var"), "--log-level", "info"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=clean_environment(KRINGLOOP_LOG_LEVEL="info"),
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                response = http.get(
                    f"http://127.0.0.1:{port}/sparql",
                    params={"query": "ASK {}"},
                    headers={"X-Request-Id": "log-test-1"},
                    timeout=2,
                )
                break
            except OSError:
                time.sleep(0.1)
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)
    entries = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    requests_logged = [e for e in entries if e.get("msg") == "request"]
    assert any(
        e["request_id"] == "log-test-1" and e["status"] == 200 and e["route"] == "/sparql"
        for e in requests_logged
    )
    assert all({"ts", "level", "logger", "msg"} <= set(e) for e in entries)
    assert any(e.get("msg") == "graph loaded" and e["graph"] in PUBLISHED for e in entries)


def test_serve_stops_cleanly_and_leaves_no_engine(tmp_path: Path) -> None:
    from servicekit import start_managed

    service = start_managed(tmp_path)
    engine_pid = service.health()["engine"]["pid"]
    assert alive(engine_pid)
    started = time.monotonic()
    service.stop()
    assert service.process.returncode == 0
    assert time.monotonic() - started < 10
    assert not alive(engine_pid)
    with socket.socket() as probe:  # the web port is free again
        probe.bind(("127.0.0.1", service.port))
