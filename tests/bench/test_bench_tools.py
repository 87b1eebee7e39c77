"""The bench's own logic: the queries it sends, how it judges answers, what it reports.

No timings are asserted (benchmarks are not tests); the one test with a real server
checks how the bench client survives an engine that gave up on an idle connection.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from rdflib.plugins.sparql import prepareQuery

from bench import report
from bench.engines import (
    NTRIPLES,
    Answer,
    HttpClient,
    free_port,
    oxigraph_binary,
    stop_process,
    wait_for,
)
from bench.load import main as load_main
from bench.measure import failure, rows_of
from bench.run import parse_args
from bench.stats import percentile, summary_ms
from bench.viewset import View, load_views

JSON = "application/sparql-results+json"


def view_of(text: str, name: str = "v") -> View:
    return View(name=name, path=Path(f"{name}.rq"), text=text, title=name)


@pytest.mark.parametrize("view", load_views(), ids=lambda view: view.name)
def test_every_view_gets_the_cap_once_and_stays_valid_sparql(view: View) -> None:
    text = view.bench_text({}, 123)
    assert text.rstrip().endswith("LIMIT 123")
    assert text.count("LIMIT 123") == 1
    prepareQuery(text)  # raises on a syntax error


def test_a_view_with_its_own_limit_or_an_ask_is_sent_as_it_is() -> None:
    limited = view_of("SELECT * WHERE { ?s ?p ?o }\nLIMIT 5 OFFSET 2\n# done\n")
    assert limited.bench_text({}, 10) == limited.text.rstrip()
    ask = view_of("ASK { ?s ?p ?o }")
    assert ask.bench_text({}, 10) == "ASK { ?s ?p ?o }"


def test_the_form_is_read_past_comments_and_iris() -> None:
    view = view_of(
        "#+ description: SELECT the partners\n"
        "PREFIX ex: <http://example.org/select#>\n"
        'CONSTRUCT { ?s ex:says "SELECT" } WHERE { ?s ?p ?o }\n'
    )
    assert view.form == "CONSTRUCT"
    assert view.accept == NTRIPLES
    assert view_of("SELECT * WHERE { ?s ?p ?o }").accept == JSON
    with pytest.raises(ValueError, match="no SELECT"):
        _ = view_of("# nothing here\n").form


def test_a_parameter_is_bound_as_an_iri_and_nothing_else() -> None:
    view = view_of("SELECT ?a WHERE { ?a ?p ?partner }")
    bound = view.bench_text({"partner": "https://example.org/p"}, 10)
    assert "VALUES ?partner { <https://example.org/p> }" in bound
    prepareQuery(bound)
    with pytest.raises(ValueError, match="not an IRI"):
        view.bind({"partner": "x> } ; DROP ALL ; <y"})


def test_answers_are_counted_and_broken_ones_are_failures() -> None:
    good = Answer(0.1, 200, b'{"head":{"vars":["x"]},"results":{"bindings":[{},{}]}}', JSON)
    assert failure(good) is None
    assert rows_of(good) == 2
    ask = Answer(0.1, 200, b'{"head":{},"boolean":true}', JSON)
    assert rows_of(ask) == 1
    triples = b"<http://a> <http://b> <http://c> .\n<http://a> <http://b> <http://d> .\n"
    assert rows_of(Answer(0.1, 200, triples, NTRIPLES)) == 2
    # Oxigraph reports a timeout that strikes mid-answer inside the 200 body.
    cut = Answer(0.1, 200, b'{"head":{"vars":["x"]},"results":{"bindings":[{}, timeout', JSON)
    assert failure(cut) == {
        "error": 'HTTP 200 with a broken body: ...{"head":{"vars":["x"]},"results":'
        '{"bindings":[{}, timeout',
        "status": 200,
    }
    cut_graph = Answer(0.1, 200, triples + b"<http://a> <http://b", NTRIPLES)
    assert failure(cut_graph) is not None
    refused = failure(Answer(0.1, 503, b"deadline passed", JSON))
    assert refused == {"error": "HTTP 503: deadline passed", "status": 503}


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert summary_ms([0.001, 0.002, 0.003]) == {
        "n": 3,
        "p50_ms": 2.0,
        "p99_ms": 3.0,
        "min_ms": 1.0,
    }
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_a_generated_block_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    report.update_doc(doc, "first run\n")
    report.update_doc(doc, "start-up\n", block="startup")
    doc.write_text(doc.read_text(encoding="utf-8") + "\nHand-written tail.\n", encoding="utf-8")
    report.update_doc(doc, "second run\n")
    text = doc.read_text(encoding="utf-8")
    assert "second run" in text and "first run" not in text
    assert "start-up" in text and text.endswith("Hand-written tail.\n")
    assert text.count(report.markers("run")[0]) == 1


def _entry(p50: float, rows: int = 3, **extra: Any) -> dict[str, Any]:
    return {"n": 10, "p50_ms": p50, "p99_ms": p50 * 2, "min_ms": p50, "rows": rows, **extra}


def test_targets_are_judged_from_the_figures() -> None:
    results: dict[str, Any] = {
        "views": {"fast": "Fast", "slow": "Slow"},
        "sizes": [
            {
                "size": "agenda",
                "kringloop-server": {"fast": _entry(1.0), "slow": _entry(6.0)},
                "kringloop": {"fast": _entry(2.0), "slow": _entry(7.5)},
                "oxigraph-bare": {"fast": _entry(0.5), "slow": _entry(6.0)},
                "load": {"kringloop": {"errors": 0, "requests": 100}},
            },
            {
                "size": "1M",
                "rdflib": {"fast": _entry(900.0), "slow": {"error": "timeout", "timeout_s": 60}},
                "kringloop": {"fast": _entry(10.0), "slow": {"error": "HTTP 503", "status": 503}},
                "oxigraph-bare": {"fast": _entry(9.0), "slow": {"error": "x", "status": 500}},
                "load": {"kringloop": {"errors": 2, "requests": 50}},
            },
        ],
    }
    lines = report.targets(results)
    text = "\n".join(lines)
    assert "| agenda: every curated view p50 < 5 ms server-side | slowest: slow 6.00 ms" in text
    assert "**missed** by 1.00 ms" in text
    assert "| agenda: every curated view p99 < 20 ms server-side | slowest: slow 12.0 ms" in text
    assert "1M: every view >= 20x faster than rdflib (/sparql) | lowest 90x (fast); " in text
    assert "not measurable: slow | **missed** |" in text
    assert "agenda: /sparql adds <= 2 ms p50 over the bare engine | largest +1.50 ms (slow)" in text
    assert "1M: zero errors under a bounded load | 2 errors in 50 requests | **missed**" in text
    assert "agenda: zero errors under a bounded load | 0 errors in 100 requests | **met** |" in text


def test_a_bad_command_line_is_refused_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_args(["--sizes", "agenda,lots"])
    with pytest.raises(ValueError, match="unknown engines: virtuoso"):
        parse_args(["--engines", "virtuoso"])
    assert load_main(["--url", "http://127.0.0.1:9/sparql", "--bind", "partner"]) == 2
    assert "--bind needs NAME=IRI" in capsys.readouterr().err
    assert load_main(["--url", "http://127.0.0.1:9/sparql", "--only", "no-such-view"]) == 2
    assert "no such views: no-such-view" in capsys.readouterr().err


def test_the_client_survives_an_engine_that_gave_up_on_an_idle_connection() -> None:
    """``oxigraph serve --timeout-s N`` answers 500 on a connection idle for over N s."""
    port = free_port()
    process = subprocess.Popen(
        [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}", "--timeout-s", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/query"
        wait_for(url, 30.0, process)
        strict = HttpClient(url, retry_stale=False)
        lenient = HttpClient(url)
        assert strict.query("ASK {}").status == 200
        assert lenient.query("ASK {}").status == 200
        time.sleep(2.5)
        given_up = strict.query("ASK {}")
        assert (given_up.status, given_up.body) == (
            500,
            b"Resource temporarily unavailable (os error 11)",
        )
        assert lenient.query("ASK {}").status == 200
        assert lenient.reconnects == 1
        strict.close()
        lenient.close()
    finally:
        stop_process(process)
