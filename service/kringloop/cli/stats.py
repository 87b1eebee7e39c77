"""``kringloop stats``: what the bundled graphs hold, counted.

Three tables: resources per class, triples per named graph, and activities per theme and
column. Exit codes: 0 ok, 2 error.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions, Store

from kringloop.cli.query import compact_iri, format_table
from kringloop.errors import EXIT_OK
from kringloop.graphs import BUNDLED
from kringloop.localstore import load_bundled_store, run_query
from kringloop.vocab import ID

_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?resource) AS ?count)
WHERE { ?resource a ?class }
GROUP BY ?class
ORDER BY DESC(?count) ?class
"""

_GRAPHS = """
SELECT ?graph (COUNT(*) AS ?count)
WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph
ORDER BY ?graph
"""

_ACTIVITIES = """
SELECT ?theme ?column (COUNT(DISTINCT ?activity) AS ?count)
WHERE {
  ?activity a kl:Activiteit .
  OPTIONAL { ?activity kl:thema ?theme }
  OPTIONAL { ?activity kl:kolom ?column }
}
GROUP BY ?theme ?column
"""

_LABELS = """
SELECT ?concept ?label ?notation
WHERE {
  VALUES ?concept { %s }
  OPTIONAL { ?concept skos:prefLabel ?label FILTER(langMatches(lang(?label), "%s")) }
  OPTIONAL { ?concept skos:notation ?notation }
}
"""


#: Stands for "no theme" or "no column" (the shapes forbid it, but counts must add up).
MISSING = ""

#: The two columns of the chapter-3 tables, in the source's order (docs/model.md).
COLUMN_ORDER = (str(ID["kolom/zeker"]), str(ID["kolom/mogelijk"]))


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    label: str
    counts: dict[str, int]
    total: int


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="count resources per class, triples per graph, activities per theme and column",
        description="Counts over the bundled graphs. Exit codes: 0 ok, 2 error.",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl", help="label language")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    store = load_bundled_store()
    stats = collect(store, args.lang)
    if args.format == "json":
        sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_table(stats))
    return EXIT_OK


def collect(store: Store, lang: str = "nl") -> dict[str, Any]:
    """Every count, as plain values (IRIs as strings)."""
    classes = [
        {"class": _iri(row["class"]), "count": _int(row["count"])}
        for row in _select(store, _CLASSES)
    ]
    titles = {
        str(source.iri): source.title_nl if lang == "nl" else source.title_en for source in BUNDLED
    }
    graphs = [
        {
            "graph": _iri(row["graph"]),
            "title": titles.get(_iri(row["graph"]), ""),
            "triples": _int(row["count"]),
        }
        for row in _select(store, _GRAPHS)
    ]
    return {
        "classes": classes,
        "graphs": graphs,
        "activities": _activities(store, lang),
    }


def _activities(store: Store, lang: str) -> dict[str, Any]:
    cells: dict[tuple[str, str], int] = {}
    for row in _select(store, _ACTIVITIES):
        key = (_iri(row["theme"]), _iri(row["column"]))
        cells[key] = cells.get(key, 0) + _int(row["count"])
    concepts = {iri for pair in cells for iri in pair if iri != MISSING}
    labels = _labels(store, concepts, lang)
    labels[MISSING] = ("?", "?")
    present = {column for _theme, column in cells}
    columns = [column for column in COLUMN_ORDER if column in present]
    columns += sorted(present - set(COLUMN_ORDER), key=lambda column: labels[column][1])
    themes = sorted({theme for theme, _column in cells}, key=lambda theme: _sort_key(labels[theme]))
    rows = []
    for theme in themes:
        counts = {labels[column][1]: cells.get((theme, column), 0) for column in columns}
        rows.append(
            ThemeRow(theme=theme, label=labels[theme][0], counts=counts, total=sum(counts.values()))
        )
    return {
        "columns": [
            {"column": column, "label": labels[column][0], "notation": labels[column][1]}
            for column in columns
        ],
        "themes": [asdict(row) for row in rows],
        "total": sum(cells.values()),
    }


def _labels(store: Store, concepts: set[str], lang: str) -> dict[str, tuple[str, str]]:
    """For each concept: (label in ``lang`` or compacted IRI, notation or else that label)."""
    found: dict[str, tuple[str, str]] = {
        iri: (compact_iri(iri), compact_iri(iri)) for iri in concepts
    }
    if not concepts:
        return found
    values = " ".join(f"<{iri}>" for iri in sorted(concepts))
    for row in _select(store, _LABELS % (values, lang)):
        iri = _iri(row["concept"])
        label = row["label"].value if isinstance(row["label"], Literal) else found[iri][0]
        notation = row["notation"].value if isinstance(row["notation"], Literal) else label
        found[iri] = (label, notation)
    return found


def _sort_key(label: tuple[str, str]) -> tuple[int, int, str]:
    """Numeric notations in numeric order, then the rest by notation or label."""
    notation = label[1]
    return (0, int(notation), "") if notation.isascii() and notation.isdigit() else (1, 0, notation)


def render_table(stats: dict[str, Any]) -> str:
    out = ["Resources per class"]
    out.append(
        format_table(
            ["class", "count"],
            [[compact_iri(row["class"]), str(row["count"])] for row in stats["classes"]],
        )
    )
    out.append("Triples per named graph")
    out.append(
        format_table(
            ["graph", "triples", "title"],
            [
                [compact_iri(row["graph"]), str(row["triples"]), row["title"]]
                for row in stats["graphs"]
            ],
        )
    )
    activities = stats["activities"]
    names = [column["notation"] for column in activities["columns"]]
    out.append("Activities per theme and column")
    rows = [
        [row["label"], *(str(row["counts"][name]) for name in names), str(row["total"])]
        for row in activities["themes"]
    ]
    totals = [sum(row["counts"][name] for row in activities["themes"]) for name in names]
    rows.append(["total", *(str(total) for total in totals), str(activities["total"])])
    out.append(format_table(["theme", *names, "total"], rows))
    return "\n".join(out)


def _select(store: Store, query: str) -> QuerySolutions:
    results = run_query(store, query)
    assert isinstance(results, QuerySolutions)
    return results


def _iri(term: Any) -> str:
    return term.value if isinstance(term, NamedNode) else MISSING


def _int(term: Any) -> int:
    return int(term.value) if isinstance(term, Literal) else 0
