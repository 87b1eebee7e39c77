"""SHACL validation time of a partner upload: ``kringloop.shaclfast`` against pyshacl.

    python -m bench.validation_upload --size 100k --runs 3

A synthetic partner graph (``bench.synthetic``; by default the partner profile, subjects in
the namespace of partner ``bench``) is validated as an upload is: its own subjects are the
focus nodes, the bundled ontology, vocabularies and agenda are context. The fast validator
runs ``runs`` times in this process (the first run includes compiling the shapes and
reading the context files); pyshacl, through ``kringloop.validation.validate`` with the
same focus nodes, runs once: it takes about a minute. Both reports are compared, and the
ratio of the times is printed.

Target (issue 6): a 100k-triple upload is validated in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.term import IdentifiedNode

from bench import report
from bench.stats import percentile
from bench.synthetic import (
    OUT_DIR,
    Concepts,
    PartnerGraphGenerator,
    check_partner_ref,
    parse_size,
    size_label,
)
from kringloop.shaclfast import context_triples, to_rdflib, validate_quads
from kringloop.shaclreport import ValidationReport
from kringloop.validation import load_shapes, validate

TARGET_S = 10.0
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def synthetic_triples(size: int, partner: str | None) -> list[ox.Triple]:
    generator = PartnerGraphGenerator(Concepts.bundled(), size_label(size), partner=partner)
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in generator.triples(size))
    return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


def result_keys(found: ValidationReport) -> set[tuple[str, ...]]:
    """Results as comparable keys; nested shapes are blank nodes each parser names anew."""
    return {
        (
            str(r.focus_node),
            r.path or "",
            str(r.value),
            "_:nested" if isinstance(r.source_shape, BNode) else str(r.source_shape),
            r.severity.key,
            str(r.constraint_component),
        )
        for r in found.results
    }


def measure(size: int, partner: str | None, runs: int) -> dict[str, Any]:
    data = synthetic_triples(size, partner)
    fast_s: list[float] = []
    fast: ValidationReport | None = None
    for _ in range(runs):
        start = time.perf_counter()
        fast = validate_quads(data, context=context_triples())
        fast_s.append(time.perf_counter() - start)
    assert fast is not None
    start = time.perf_counter()
    union = Graph()
    union.addN(
        (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), union)
        for t in (*context_triples(), *data)
    )
    shapes = load_shapes()
    focus = {node for t in data if isinstance(node := to_rdflib(t.subject), IdentifiedNode)}
    built = time.perf_counter()
    slow = validate(union, shapes=shapes, focus_nodes=focus)
    done = time.perf_counter()
    return {
        "triples": len(data),
        "context_triples": len(context_triples()),
        "fast_s": [round(seconds, 3) for seconds in fast_s],
        "pyshacl_graph_s": round(built - start, 3),
        "pyshacl_s": round(done - built, 3),
        "fast_results": len(fast.results),
        "pyshacl_results": len(slow.results),
        "same_results": result_keys(fast) == result_keys(slow),
        "conforms": fast.conforms,
    }


def render(result: dict[str, Any]) -> str:
    fast = result["fast_s"]
    p50 = percentile(fast, 50)
    ratio = result["pyshacl_s"] / p50 if p50 else float("inf")
    verdict = "**met**" if p50 < TARGET_S else f"**missed** by {p50 - TARGET_S:.2f} s"
    return (
        "\n".join(
            [
                f"Command: `{result['command']}`; Python {result['python']}; load average "
                f"before {result['loadavg']}.",
                "",
                f"Upload: {result['triples']:,} triples ({result['profile']}), context "
                f"{result['context_triples']:,} triples (ontology, vocabularies, agenda).",
                "",
                "| validator | p50 | min | max | runs |",
                "|---|---:|---:|---:|---:|",
                f"| kringloop.shaclfast | {p50:.2f} s | {min(fast):.2f} s | {max(fast):.2f} s "
                f"| {len(fast)} |",
                f"| pyshacl (kringloop.validation) | {result['pyshacl_s']:.2f} s | | | 1 |",
                "",
                f"pyshacl / shaclfast: {ratio:.1f}x (building pyshacl's rdflib graph took "
                f"another {result['pyshacl_graph_s']:.2f} s). Results: {result['fast_results']} "
                f"fast, {result['pyshacl_results']} pyshacl, the same: "
                f"{'yes' if result['same_results'] else '**NO**'}; conforms "
                f"{result['conforms']}.",
                "",
                f"Target (issue 6) a 100k-triple upload validated in < 10 s, judged on the "
                f"p50 (the first run includes compiling the shapes and reading the context): "
                f"{verdict}.",
            ]
        )
        + "\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="triples in the upload, e.g. 10k, 100k")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--partner",
        default="bench",
        help="partner reference for the partner profile; '' for the agenda-shaped graph",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--doc", type=Path, default=None, help="rewrite its block of this file")
    args = parser.parse_args(argv)
    try:
        size = parse_size(args.size)
        partner = check_partner_ref(args.partner) if args.partner else None
    except ValueError as error:
        print(f"bench.validation_upload: {error}", file=sys.stderr)
        return 2
    if not 1 <= args.runs <= 20:
        print("bench.validation_upload: --runs must be in 1..20", file=sys.stderr)
        return 2
    loadavg = round(os.getloadavg()[0], 2)
    measured = measure(size, partner, args.runs)
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    result: dict[str, Any] = {
        "command": f"python -m bench.validation_upload {shown}".strip(),
        "python": platform.python_version(),
        "loadavg": loadavg,
        "profile": f"partner {partner}" if partner else "agenda-shaped",
        **measured,
    }
    report.publish(
        result, args.out, "validation_upload", render(result), args.doc, block="validation-upload"
    )
    return 0 if measured["same_results"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
