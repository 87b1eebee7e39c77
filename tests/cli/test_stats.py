"""``kringloop stats``: counts over the bundled graphs agree with rdflib's own count."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

from kringloop.cli import main
from kringloop.vocab import ID, KL

KRINGLOOP = Path(sys.executable).with_name("kringloop")


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["stats", "--format", "json", *args])
    assert code == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def typed(bundled: Dataset) -> set[tuple[URIRef, URIRef]]:
    return {(s, o) for s, _p, o, _g in bundled.quads((None, RDF.type, None, None))}  # type: ignore[misc]


def test_counts_per_class(capsys: pytest.CaptureFixture[str], bundled: Dataset) -> None:
    stats = run_json(capsys)
    expected = Counter(str(cls) for _resource, cls in typed(bundled))
    assert {row["class"]: row["count"] for row in stats["classes"]} == dict(expected)
    counts = [row["count"] for row in stats["classes"]]
    assert counts == sorted(counts, reverse=True)


def test_triples_per_named_graph(capsys: pytest.CaptureFixture[str], bundled: Dataset) -> None:
    stats = run_json(capsys)
    expected = {str(graph.identifier): len(graph) for graph in bundled.graphs() if len(graph) > 0}
    assert {row["graph"]: row["triples"] for row in stats["graphs"]} == expected
    assert all(row["title"] for row in stats["graphs"])


def test_activities_per_theme_and_column(
    capsys: pytest.CaptureFixture[str], bundled: Dataset
) -> None:
    stats = run_json(capsys)["activities"]
    activities = {s for s, cls in typed(bundled) if cls == KL.Activiteit}
    pairs: Counter[tuple[str, str]] = Counter()
    for activity in activities:
        themes = {o for _s, _p, o, _g in bundled.quads((activity, KL.thema, None, None))}
        columns = {o for _s, _p, o, _g in bundled.quads((activity, KL.kolom, None, None))}
        for theme in themes:
            for column in columns:
                pairs[(str(theme), str(column))] += 1
    notation = {column["column"]: column["notation"] for column in stats["columns"]}
    found = {
        (row["theme"], column): row["counts"][notation[column]]
        for row in stats["themes"]
        for column in notation
        if row["counts"][notation[column]]
    }
    assert found == dict(pairs)
    assert stats["total"] == len(activities)
    assert [column["column"] for column in stats["columns"]] == [
        str(ID["kolom/zeker"]),
        str(ID["kolom/mogelijk"]),
    ]


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    stats = run_json(capsys)
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Resources per class\nclass ")
    assert "\nTriples per named graph\ngraph " in out
    assert "\nActivities per theme and column\ntheme " in out
    total_line = next(line for line in out.splitlines() if line.startswith("total "))
    assert total_line.split()[-1] == str(stats["activities"]["total"])
    assert "kl:Activiteit" in out


def test_labels_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    dutch = run_json(capsys)
    english = run_json(capsys, "--lang", "en")
    assert [row["theme"] for row in dutch["activities"]["themes"]] == [
        row["theme"] for row in english["activities"]["themes"]
    ]
    assert [row["label"] for row in dutch["activities"]["themes"]] != [
        row["label"] for row in english["activities"]["themes"]
    ]


def test_console_script() -> None:
    done = subprocess.run(
        [str(KRINGLOOP), "stats", "--format", "json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["activities"]["total"] > 0
    done = subprocess.run(
        [str(KRINGLOOP), "stats", "--format", "xml"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
