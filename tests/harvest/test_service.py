"""``kringloop harvest`` as a subprocess, with and without a running ``kringloop serve``,
and the schedule of ``kringloop serve --harvest-interval``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kringloop.harvest import read_status
from kringloop.partners.registry import Registry
from tests.federation.fedkit import Hanging, query_url
from tests.harvest.harvestkit import (
    CIRKELREGIO,
    EXAMPLES,
    FOODVALLEY,
    DumpServer,
    graph_of,
    triples_in,
)
from tests.service.servicekit import Service, clean_environment, http, start_managed

pytestmark = pytest.mark.slow

COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{}> {{ ?s ?p ?o }} }}"


def harvest(data_dir: Path, *refs: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kringloop", "harvest", "--data-dir", str(data_dir), *refs],
        capture_output=True,
        text=True,
        env=clean_environment(**env),
        timeout=300,
    )


def count(service: Service, graph: str) -> int:
    return int(service.select(COUNT.format(graph))[0]["n"]["value"])


def partners_json(service: Service) -> dict[str, Any]:
    document = http.get(f"{service.url}/partners.json").json()
    return {partner["ref"]: partner for partner in document["partners"]}


def test_harvest_into_a_running_service(
    tmp_path: Path, cirkelregio_engine: Service, dumps: DumpServer
) -> None:
    data_dir = tmp_path / "var"
    registry = Registry.open(data_dir)
    endpoint = query_url(cirkelregio_engine)
    dump = dumps.publish("foodvalley", "foodvalley.ttl")
    registry.add(CIRKELREGIO, "Cirkelregio Utrecht", endpoint=endpoint)
    registry.add(FOODVALLEY, "Living Lab Regio Foodvalley Circulair", dump=dump)
    registry.add("zonder-bron", "Zonder bron")
    with Hanging() as hanging:
        registry.add("traag", "Traag", endpoint=hanging.url)
        service = start_managed(tmp_path)
        try:
            assert count(service, graph_of(CIRKELREGIO)) == 0
            done = harvest(data_dir, KRINGLOOP_HARVEST_TIMEOUT="1")
            assert done.returncode == 1, done.stderr
            lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
            assert sorted(lines) == [CIRKELREGIO, FOODVALLEY, "traag"]  # not zonder-bron
            assert lines[CIRKELREGIO].startswith("ok: version 1, 105 triples")
            assert lines[FOODVALLEY].startswith("ok: version 1, 55 triples")
            assert lines["traag"].startswith("failed (slow): no complete answer within 1 s")
            assert "no running kringloop serve" not in done.stderr

            expected = triples_in(EXAMPLES / "cirkelregio-utrecht.ttl")
            assert count(service, graph_of(CIRKELREGIO)) == expected
            assert count(service, graph_of(FOODVALLEY)) == triples_in(EXAMPLES / "foodvalley.ttl")
            published = service.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
            assert graph_of(CIRKELREGIO) in {row["g"]["value"] for row in published}

            partners = partners_json(service)
            harvested = partners[CIRKELREGIO]["harvest"]
            assert harvested["ok"] is True and harvested["source"] == endpoint
            assert (harvested["triples"], harvested["version"]) == (expected, 1)
            assert partners[CIRKELREGIO]["graphs"][0]["triples"] == expected
            assert partners["traag"]["harvest"]["reason"] == "slow"
            assert partners["traag"]["harvest"]["last_success"] is None
            assert partners["zonder-bron"]["harvest"] is None
            page = http.get(f"{service.url}/partners", params={"lang": "en"}).text
            assert f"from the endpoint <code>{endpoint}</code>" in page
            assert "stored version: 1" in page

            # One partner by name: its second version.
            again = harvest(data_dir, FOODVALLEY)
            assert again.returncode == 0, again.stderr
            assert again.stdout.startswith(f"{FOODVALLEY}: ok: version 2, 55 triples")
        finally:
            service.stop()


@pytest.mark.parametrize(
    ("refs", "message"),
    [
        (("onbekend",), "unknown partner 'onbekend'"),
        (("zonder-bron",), "has no endpoint or dump to harvest"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, refs: tuple[str, ...], message: str) -> None:
    Registry.open(tmp_path / "var").add("zonder-bron", "Zonder bron")
    done = harvest(tmp_path / "var", *refs)
    assert done.returncode == 2
    assert message in done.stderr and done.stdout == ""
    assert read_status(tmp_path / "var" / "partners") == {}


def test_harvest_without_a_service_is_stored_and_served_at_the_next_start(
    tmp_path: Path, dumps: DumpServer
) -> None:
    data_dir = tmp_path / "var"
    Registry.open(data_dir).add(
        FOODVALLEY, "Living Lab", dump=dumps.publish("foodvalley", "foodvalley.ttl")
    )
    done = harvest(data_dir)
    assert done.returncode == 0, done.stderr
    assert "no running kringloop serve" in done.stderr
    service = start_managed(tmp_path)
    try:
        assert count(service, graph_of(FOODVALLEY)) == triples_in(EXAMPLES / "foodvalley.ttl")
    finally:
        service.stop()


def test_serve_harvests_on_its_schedule(tmp_path: Path, dumps: DumpServer) -> None:
    data_dir = tmp_path / "var"
    Registry.open(data_dir).add(
        FOODVALLEY, "Living Lab", dump=dumps.publish("foodvalley", "foodvalley.ttl")
    )
    # 0.01 minutes: every 0.6 s.
    service = start_managed(tmp_path, "--harvest-interval", "0.01")
    try:
        deadline = time.monotonic() + 120
        while count(service, graph_of(FOODVALLEY)) == 0:
            assert time.monotonic() < deadline, "no scheduled harvest arrived"
            time.sleep(0.2)
        assert count(service, graph_of(FOODVALLEY)) == triples_in(EXAMPLES / "foodvalley.ttl")
        while (read_status(data_dir / "partners")[FOODVALLEY].get("version") or 0) < 2:
            assert time.monotonic() < deadline, "the schedule did not repeat"
            time.sleep(0.2)
        assert read_status(data_dir / "partners")[FOODVALLEY]["ok"] is True
    finally:
        service.stop()
    assert service.process.returncode == 0
