"""``kringloop query``: read-only SPARQL over the bundled graphs, on the real data."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kringloop.cli import main
from kringloop.vocab import KL

KRINGLOOP = Path(sys.executable).with_name("kringloop")

ACTIVITIES_PER_THEME = """
SELECT ?theme (COUNT(?activity) AS ?activities)
WHERE { ?activity a kl:Activiteit ; kl:thema ?theme }
GROUP BY ?theme
ORDER BY ?theme
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["query", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def union_triples(bundled: Dataset) -> set[tuple[Node, Node, Node]]:
    return {(s, p, o) for s, p, o, _graph in bundled.quads((None, None, None, None))}


@pytest.fixture(scope="module")
def bundled_union(bundled: Dataset) -> Graph:
    """The union of the bundled graphs (a copy: the session fixture is left alone)."""
    union = Graph()
    for triple in union_triples(bundled):
        union.add(triple)
    return union


def activities_per_theme(union: Graph) -> dict[str, int]:
    counts: dict[str, int] = {}
    for activity in set(union.subjects(RDF.type, KL.Activiteit)):
        for theme in union.objects(activity, KL.thema):
            counts[str(theme)] = counts.get(str(theme), 0) + 1
    return counts


def test_select_as_table(capsys: pytest.CaptureFixture[str], bundled_union: Graph) -> None:
    expected = activities_per_theme(bundled_union)
    code, out, err = run(capsys, ACTIVITIES_PER_THEME)
    lines = out.splitlines()
    assert code == 0, err
    assert lines[0].split() == ["theme", "activities"]
    assert set(lines[1]) == {"-", " "}
    assert lines[-1] == f"({len(expected)} rows)"
    rows = {line.split()[0]: int(line.split()[1]) for line in lines[2:-1]}
    assert rows == {
        theme.replace("https://w3id.org/kringloop/id/", "id:"): count
        for theme, count in expected.items()
    }
    start = lines[0].index("activities")  # the second column starts at the same place
    assert all(line[start - 1] == " " and line[start:].strip().isdigit() for line in lines[2:-1])


def test_select_as_csv(capsys: pytest.CaptureFixture[str], bundled_union: Graph) -> None:
    code, out, _ = run(capsys, "--format", "csv", ACTIVITIES_PER_THEME)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert {row["theme"]: int(row["activities"]) for row in rows} == activities_per_theme(
        bundled_union
    )


def test_select_as_json(capsys: pytest.CaptureFixture[str], bundled_union: Graph) -> None:
    code, out, _ = run(capsys, "--format", "json", ACTIVITIES_PER_THEME)
    results = json.loads(out)
    assert code == 0
    assert results["head"]["vars"] == ["theme", "activities"]
    counted = {
        binding["theme"]["value"]: int(binding["activities"]["value"])
        for binding in results["results"]["bindings"]
    }
    assert counted == activities_per_theme(bundled_union)


def test_ask(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ASK { ?a a kl:Activiteit }")[:2] == (0, "true\n")
    code, out, _ = run(capsys, "--format", "json", "ASK { ?a a kl:NietBestaand }")
    assert code == 0
    assert json.loads(out) == {"head": {}, "boolean": False}


def test_construct_as_turtle(capsys: pytest.CaptureFixture[str], bundled_union: Graph) -> None:
    query = "CONSTRUCT { ?a kl:thema ?t } WHERE { ?a a kl:Activiteit ; kl:thema ?t }"
    code, out, _ = run(capsys, "--format", "turtle", query)
    graph = Graph().parse(data=out, format="turtle")
    assert code == 0
    assert "@prefix kl: <https://w3id.org/kringloop/def#>" in out
    assert len(graph) == sum(activities_per_theme(bundled_union).values())


def test_construct_as_jsonld_csv_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    query = "CONSTRUCT { ?k a kl:Kolom } WHERE { ?k a kl:Kolom }"
    code, out, _ = run(capsys, "--format", "json", query)
    assert code == 0
    assert len(list(parse(out.encode("utf-8"), format=RdfFormat.JSON_LD))) == 2
    code, out, _ = run(capsys, "--format", "csv", query)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["subject", "predicate", "object"]
    assert sorted(row[0] for row in rows[1:]) == [
        "https://w3id.org/kringloop/id/kolom/mogelijk",
        "https://w3id.org/kringloop/id/kolom/zeker",
    ]
    code, out, _ = run(capsys, query)
    assert "id:kolom/zeker     rdf:type   kl:Kolom\n" in out


def test_describe(capsys: pytest.CaptureFixture[str], bundled_union: Graph) -> None:
    iri = "https://w3id.org/kringloop/id/kolom/zeker"
    code, out, _ = run(capsys, "--format", "turtle", f"DESCRIBE <{iri}>")
    graph = Graph().parse(data=out, format="turtle")
    assert code == 0
    assert set(graph) == set(bundled_union.triples((URIRef(iri), None, None)))


def test_query_from_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    query = tmp_path / "themes.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?t a kl:Thema }\n", encoding="utf-8")
    code, out, _ = run(capsys, "--format", "csv", str(query))
    assert code == 0
    assert out.splitlines()[0] == "n"
    assert int(out.splitlines()[1]) > 0


def test_missing_query_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.rq"
    code, out, err = run(capsys, str(missing))
    assert (code, out) == (2, "")
    assert err == f"kringloop query: {missing}: no such file\n"


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("SELECT ?x WHERE { ?x a kl:Activiteit ", "1:38"),
        ("SELECT * WHERE {\n  ?s ?p \n}", "3:2"),
        ("SELECT ?x WHERE { ?x onbekend:p ?y }", "1:32"),
    ],
)
def test_malformed_query_names_the_position(
    capsys: pytest.CaptureFixture[str], query: str, position: str
) -> None:
    code, out, err = run(capsys, query)
    assert (code, out) == (2, "")
    assert err.startswith("kringloop query: ")
    assert position in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "LOAD <http://127.0.0.1:{port}/data.ttl>",
        "INSERT DATA { <http://127.0.0.1:{port}/s> <http://a.example/p> 1 }",
        "DROP ALL",
        "SELECT * FROM <http://127.0.0.1:{port}/graph> WHERE { ?s ?p ?o }",
    ],
)
def test_outbound_and_updates_are_refused(capsys: pytest.CaptureFixture[str], query: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        code, out, err = run(capsys, query.replace("{port}", str(listener.getsockname()[1])))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing connected
    assert (code, out) == (2, "")
    assert re.match(r"kringloop query: .*line 1, column \d+", err), err


def test_keywords_inside_strings_comments_and_names_are_not_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    query = (
        "# SERVICE and LOAD in a comment\n"
        'SELECT ?service WHERE { ?service rdfs:label ?l FILTER(?l = "LOAD SERVICE"@nl) }'
    )
    code, out, err = run(capsys, query)
    assert code == 0, err
    assert out.endswith("(0 rows)\n")


def test_deep_nesting_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT * WHERE " + "{ " * 500 + "?s ?p ?o" + " }" * 500
    code, _, err = run(capsys, query)
    assert code == 2
    assert "nests deeper than" in err


def test_turtle_needs_a_graph_result(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--format", "turtle", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert (code, out) == (2, "")
    assert err == "kringloop query: turtle output needs a CONSTRUCT or DESCRIBE query\n"


def test_console_script() -> None:
    done = subprocess.run(
        [str(KRINGLOOP), "query", "--format", "json", "ASK { ?a a kl:Activiteit }"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["boolean"] is True
    done = subprocess.run(
        [str(KRINGLOOP), "query", "SELECT WHERE"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("kringloop query: ")
    assert "Traceback" not in done.stderr
