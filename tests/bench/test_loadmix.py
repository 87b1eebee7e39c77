"""``bench.loadmix`` end to end for a few seconds on a real ``kringloop serve`` (nothing timed is
asserted): every request of the mix answers, the load has zero errors, and only the greedy
client is refused with 429.

The service's limits are small enough that the greedy client (no pause) runs out, and large
enough that a client sending every two seconds for five seconds (3 requests) cannot: 4
requests of each kind at once, then 6 a minute (writes 60 a minute).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import loadmix, viewset
from kringloop.views import load_views
from tests.service.servicekit import Service, start_managed

LIMITS = (
    "--rate-limit-queries",
    "6",
    "--rate-limit-pages",
    "6",
    "--rate-limit-writes",
    "60",
    "--rate-limit-burst",
    "4",
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    started = start_managed(tmp_path_factory.mktemp("loadmix"), *LIMITS)
    yield started
    started.stop()


def test_the_mix_asks_every_view_and_its_pages() -> None:
    views = load_views(viewset.DEFAULT_DIR)
    plan = loadmix.plan_reads(views, viewset.DEFAULT_DIR)
    asked = {call.path.split("?")[0] for calls in plan.values() for call in calls}
    for view in views:
        suffix = "ttl" if view.form == "CONSTRUCT" else "json"
        assert f"/views/{view.name}.{suffix}" in asked
        assert f"/views/{view.name}" in asked
    assert {"/", "/activiteiten", "/views"} <= asked
    assert any(path.startswith("/doc/") for path in asked)
    assert len(plan["sparql"]) >= 5


def test_a_short_load_has_no_errors_and_only_the_greedy_client_is_limited(
    service: Service, tmp_path: Path
) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n", encoding="utf-8")
    data_dir = Path(str(service.log.parent)) / "var"
    arguments = ["--url", service.url, "--data-dir", str(data_dir), "--seconds", "5"]
    arguments += ["--clients", "2", "--rate", "0.5", "--write-every", "2"]
    arguments += ["--greedy", "--greedy-rate", "1000", "--out", str(tmp_path), "--doc", str(doc)]
    assert loadmix.main(arguments) == 0
    result = json.loads((tmp_path / "loadmix.json").read_text(encoding="utf-8"))
    assert result["errors"] == 0, result["total"]["error_samples"]
    assert result["warm_up"]["answered"] == result["warm_up"]["requests"] > 40
    assert result["people"]["limited"] == 0
    assert result["people"]["answered"] > 0
    assert result["kinds"]["write"]["answered"] >= 1
    assert result["greedy"]["limited"] > 0
    text = doc.read_text(encoding="utf-8")
    assert "<!-- bench:loadmix:begin" in text and "**0 errors**" in text


def test_a_bad_command_line_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert loadmix.main(["--url", "http://example.org:80", "--write-every", "0"]) == 2
    assert "--url must be http://127.0.0.1:PORT" in capsys.readouterr().err
    assert loadmix.main(["--url", "http://127.0.0.1:9"]) == 2
    assert "writes need --token or --data-dir" in capsys.readouterr().err
    assert loadmix.main(["--serve", "--seconds", "0"]) == 2
    assert "--seconds must be in" in capsys.readouterr().err
