"""``harvest_partner`` in this process, against real partner engines and dump servers.

Each test has its own data directory; the writer's engine is a real ``oxigraph serve``
where the test checks the engine, else None (store only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests

from kringloop.graphstore.writes import GraphWriter, parse_stored
from kringloop.harvest import CONSTRUCT_QUERY, HarvestResult, harvest_partner, read_status
from kringloop.partners.registry import Partner, Registry
from kringloop.services import build_writer
from kringloop.settings import Settings
from kringloop.store.engine import EngineClient
from tests.federation.fedkit import Canned, Counting, Hanging, query_url, redirect_server
from tests.harvest.harvestkit import (
    CIRKELREGIO,
    EXAMPLES,
    FOODVALLEY,
    DumpServer,
    Recorder,
    canonical,
    engine_graph,
    example_hash,
    graph_of,
    triples_in,
    turtle_as_ntriples,
)
from tests.service.servicekit import Service, free_port


def setup(
    tmp: Path, ref: str, client: EngineClient | None = None, **source: Any
) -> tuple[Partner, GraphWriter, Settings]:
    settings = Settings(data_dir=str(tmp / "var"), harvest_timeout=source.pop("timeout", 30.0))
    if "max_bytes" in source:
        settings = Settings(data_dir=settings.data_dir, harvest_max_bytes=source.pop("max_bytes"))
    partner, _token = Registry.open(settings.data_path()).add(ref, ref.replace("-", " "), **source)
    return partner, build_writer(settings, client), settings


def status(settings: Settings, ref: str) -> dict[str, Any]:
    document = read_status(settings.data_path() / "partners")
    entry: dict[str, Any] = document[ref]
    return entry


def stored_hash(writer: GraphWriter, graph: str) -> str | None:
    version = writer.versions.current(graph)
    if version is None:
        return None
    return canonical(writer.versions.read(graph, version.number))


def assert_failed(result: HarvestResult, reason: str, *, kept: int | None = None) -> None:
    assert not result.ok, result
    assert result.reason == reason, result
    assert result.version == kept
    assert result.error


def test_endpoint_is_harvested_into_the_partners_graph_and_the_engine(
    tmp_path: Path, cirkelregio_engine: Service, our_engine: Service, our_client: EngineClient
) -> None:
    endpoint = query_url(cirkelregio_engine)
    partner, writer, settings = setup(tmp_path, CIRKELREGIO, our_client, endpoint=endpoint)
    result = harvest_partner(partner, writer, settings)
    expected = triples_in(EXAMPLES / "cirkelregio-utrecht.ttl")
    assert result.ok, result
    assert (result.kind, result.source, result.graph) == (
        "endpoint",
        endpoint,
        graph_of(CIRKELREGIO),
    )
    assert (result.version, result.triples, result.violations) == (1, expected, 0)
    version = writer.versions.current(graph_of(CIRKELREGIO))
    assert version is not None
    assert (version.action, version.agent, version.triples) == ("harvest", CIRKELREGIO, expected)
    assert stored_hash(writer, graph_of(CIRKELREGIO)) == example_hash("cirkelregio-utrecht")
    in_engine = engine_graph(our_engine.url, graph_of(CIRKELREGIO))
    assert in_engine is not None and canonical(in_engine) == example_hash("cirkelregio-utrecht")
    entry = status(settings, CIRKELREGIO)
    assert entry["ok"] is True and entry["error"] is None and entry["reason"] is None
    assert entry["last_success"] == entry["last_attempt"] == result.at
    assert (entry["triples"], entry["version"], entry["source"]) == (expected, 1, endpoint)
    assert (entry["violations"], entry["warnings"]) == (0, result.warnings)
    # Harvesting the same data again makes a new version with the same content.
    again = harvest_partner(partner, writer, settings)
    assert again.ok and again.version == 2
    assert stored_hash(writer, graph_of(CIRKELREGIO)) == example_hash("cirkelregio-utrecht")


def test_dump_is_harvested_typed_or_by_its_suffix(
    tmp_path: Path, dumps: DumpServer, untyped_dumps: DumpServer
) -> None:
    typed = dumps.publish("foodvalley", "foodvalley.ttl")
    partner, writer, settings = setup(tmp_path / "typed", FOODVALLEY, dump=typed)
    result = harvest_partner(partner, writer, settings)
    assert result.ok, result
    assert (result.kind, result.triples) == ("dump", triples_in(EXAMPLES / "foodvalley.ttl"))
    assert stored_hash(writer, graph_of(FOODVALLEY)) == example_hash("foodvalley")

    untyped = untyped_dumps.publish("foodvalley", "data.ttl")
    partner, writer, settings = setup(tmp_path / "untyped", FOODVALLEY, dump=untyped)
    assert requests_content_type(untyped) == "application/octet-stream"
    result = harvest_partner(partner, writer, settings)
    assert result.ok, result
    assert stored_hash(writer, graph_of(FOODVALLEY)) == example_hash("foodvalley")


def requests_content_type(url: str) -> str:
    return requests.head(url, timeout=10).headers["Content-Type"]


def test_untyped_dump_without_a_known_suffix_is_refused(tmp_path: Path) -> None:
    body = (EXAMPLES / "foodvalley.ttl").read_bytes()
    server = Canned(200, body, {"Content-Type": "application/octet-stream"})
    try:
        partner, writer, settings = setup(tmp_path, FOODVALLEY, dump=server.url)
        result = harvest_partner(partner, writer, settings)
    finally:
        server.close()
    assert_failed(result, "unreadable")
    assert "cannot tell the dump's format" in str(result.error)
    assert writer.versions.current(graph_of(FOODVALLEY)) is None


def test_invalid_data_is_refused_and_the_last_good_copy_stays(
    tmp_path: Path, invalid_engine: Service, our_engine: Service, our_client: EngineClient
) -> None:
    partner, writer, settings = setup(
        tmp_path, CIRKELREGIO, our_client, endpoint=query_url(invalid_engine)
    )
    # An earlier good copy, as a PUT would leave it.
    good = parse_stored(turtle_as_ntriples(EXAMPLES / "cirkelregio-utrecht.ttl"))
    writer.replace({graph_of(CIRKELREGIO): good}, owner=CIRKELREGIO, action="put")
    result = harvest_partner(partner, writer, settings)
    assert_failed(result, "invalid", kept=1)
    assert result.violations == 3
    assert result.triples == triples_in(EXAMPLES / "invalid.ttl")
    assert stored_hash(writer, graph_of(CIRKELREGIO)) == example_hash("cirkelregio-utrecht")
    in_engine = engine_graph(our_engine.url, graph_of(CIRKELREGIO))
    assert in_engine is not None and canonical(in_engine) == example_hash("cirkelregio-utrecht")
    entry = status(settings, CIRKELREGIO)
    assert (entry["ok"], entry["reason"], entry["violations"], entry["version"]) == (
        False,
        "invalid",
        3,
        1,
    )
    assert entry["last_success"] is None


def test_a_failure_keeps_last_success_in_the_status(tmp_path: Path, dumps: DumpServer) -> None:
    url = dumps.publish("cirkelregio-utrecht", "cirkelregio.ttl")
    partner, writer, settings = setup(tmp_path, CIRKELREGIO, dump=url)
    first = harvest_partner(partner, writer, settings)
    assert first.ok, first
    dumps.publish("invalid", "cirkelregio.ttl")  # the partner's dump turns invalid
    second = harvest_partner(partner, writer, settings)
    assert_failed(second, "invalid", kept=1)
    entry = status(settings, CIRKELREGIO)
    assert entry["last_success"] == first.at
    assert entry["last_attempt"] == second.at
    assert entry["violations"] == 3 and "violation" in entry["error"]
    assert stored_hash(writer, graph_of(CIRKELREGIO)) == example_hash("cirkelregio-utrecht")


def test_subjects_outside_the_partners_namespace_are_forbidden(
    tmp_path: Path, cirkelregio_engine: Service
) -> None:
    # Foodvalley's endpoint serving Cirkelregio's resources: not Foodvalley's to describe.
    partner, writer, settings = setup(tmp_path, FOODVALLEY, endpoint=query_url(cirkelregio_engine))
    result = harvest_partner(partner, writer, settings)
    assert_failed(result, "forbidden")
    assert "outside this partner's namespaces" in str(result.error)
    assert writer.versions.current(graph_of(FOODVALLEY)) is None
    assert status(settings, FOODVALLEY)["reason"] == "forbidden"


def test_a_hanging_endpoint_fails_at_the_deadline(tmp_path: Path) -> None:
    with Hanging() as hanging:
        partner, writer, settings = setup(tmp_path, CIRKELREGIO, endpoint=hanging.url, timeout=1.0)
        result = harvest_partner(partner, writer, settings)
        assert len(hanging.accepted) == 1
    assert_failed(result, "slow")
    assert "within 1 s" in str(result.error)
    assert writer.versions.current(graph_of(CIRKELREGIO)) is None


def test_a_redirect_is_refused_and_never_followed(tmp_path: Path) -> None:
    target = Counting()
    redirecting = redirect_server(target.url)
    try:
        partner, writer, settings = setup(tmp_path, CIRKELREGIO, endpoint=redirecting.url)
        result = harvest_partner(partner, writer, settings)
        assert target.connections == 0
    finally:
        redirecting.close()
        target.close()
    assert_failed(result, "refused")
    assert "redirect" in str(result.error) and "not followed" in str(result.error)


def test_an_endpoint_that_is_down_and_an_http_error(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/query"
    partner, writer, settings = setup(tmp_path / "down", CIRKELREGIO, endpoint=down)
    assert_failed(harvest_partner(partner, writer, settings), "down")
    error = Canned(500, b"kapot", {"Content-Type": "text/plain"})
    try:
        partner, writer, settings = setup(tmp_path / "error", CIRKELREGIO, endpoint=error.url)
        result = harvest_partner(partner, writer, settings)
    finally:
        error.close()
    assert_failed(result, "refused")
    assert "HTTP 500: kapot" in str(result.error)


def test_an_answer_over_the_byte_cap_is_refused(
    tmp_path: Path, cirkelregio_engine: Service
) -> None:
    partner, writer, settings = setup(
        tmp_path, CIRKELREGIO, endpoint=query_url(cirkelregio_engine), max_bytes=2000
    )
    result = harvest_partner(partner, writer, settings)
    assert_failed(result, "too-large")
    assert "2000" in str(result.error)


def test_empty_and_malformed_answers_keep_the_stored_copy(tmp_path: Path) -> None:
    cases = {
        "empty": Canned(200, b"", {"Content-Type": "application/n-triples"}),
        "unreadable": Canned(200, b"<a> <b> .\n", {"Content-Type": "application/n-triples"}),
    }
    for reason, server in cases.items():
        try:
            partner, writer, settings = setup(tmp_path / reason, CIRKELREGIO, endpoint=server.url)
            result = harvest_partner(partner, writer, settings)
        finally:
            server.close()
        assert_failed(result, reason)


def test_the_endpoint_is_asked_one_construct_of_its_default_graph(tmp_path: Path) -> None:
    body = (EXAMPLES / "cirkelregio-utrecht.ttl").read_bytes()
    server = Recorder(body, "text/turtle; charset=utf-8")
    try:
        partner, writer, settings = setup(tmp_path, CIRKELREGIO, endpoint=server.url)
        result = harvest_partner(partner, writer, settings)
    finally:
        server.close()
    assert result.ok, result
    assert len(server.requests) == 1
    method, headers, form = server.requests[0]
    assert method == "POST" and headers["Accept"].startswith("application/n-triples")
    assert parse_qs(form.decode()) == {"query": [CONSTRUCT_QUERY]}
    assert stored_hash(writer, graph_of(CIRKELREGIO)) == example_hash("cirkelregio-utrecht")
